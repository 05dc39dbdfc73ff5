"""Airflow DAG file that validates the accounts file.

It defines no DAG. When the accounts file is invalid it fails to import, so the
problems (file, account, field) appear as this file's import error in the
Airflow UI and `airflow dags list-import-errors`, while the posture_scan_NN.py
files still load the DAGs of every valid account.
"""

from postureflow.dagfactory import load_accounts_cached

load_accounts_cached().raise_for_errors()
