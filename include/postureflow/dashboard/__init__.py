"""The findings dashboard: a FastAPI app over the lake, served by the Airflow API server
(``plugins/postureflow_dashboard.py``) or on its own (``postureflow dashboard --lake DIR``).

Pages: overview (each account's latest scan), compliance (scores and their trend),
a framework's requirements, the findings explorer (filters, search, pages, CSV),
a finding's history, and the changes since each account's previous scan.
"""

from __future__ import annotations

from postureflow.dashboard.app import create_app

__all__ = ["create_app"]
