"""Airflow DAG: the daily org-wide alerts digest (docs/alerts.md).

Defined only when the accounts file sets ``defaults.alerts.digest``; scheduled on every account's
alerts asset. Thin on purpose: parsing reads only the accounts file.
"""

from postureflow.alerts.tasks import build_digest

build_digest(globals())
