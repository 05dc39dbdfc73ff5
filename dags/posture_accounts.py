"""Airflow DAG file that validates the accounts file.

It defines no DAG. When the accounts file is invalid it fails to import, so the
problems (file, account, field) appear as this file's import error in the
Airflow UI and `airflow dags list-import-errors`, while posture_scan.py still
loads the DAGs of every valid account.
"""

from postureflow.accounts import load_accounts

load_accounts().raise_for_errors()
