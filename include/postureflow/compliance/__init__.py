"""Compliance: frameworks as data files, and their evaluation over the findings lake in DuckDB.

Importing this package registers the lake's ``compliance`` dataset.
"""

from postureflow.compliance.schema import COMPLIANCE  # noqa: F401  (registers the dataset)
