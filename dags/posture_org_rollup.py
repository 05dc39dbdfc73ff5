"""Airflow DAG posture_org_rollup: org-wide compliance per day, on every account's compliance event.

Needs no accounts list: it is scheduled on the one compliance asset all account DAGs update.
"""

from postureflow.dagfactory import build_org_rollup

posture_org_rollup = build_org_rollup()
