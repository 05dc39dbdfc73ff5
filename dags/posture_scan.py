"""Airflow DAGs: one security posture scan DAG per account in the accounts file.

Thin on purpose: the accounts file says which DAGs exist, postureflow.dagfactory
builds them. Parsing this file reads only that file; it never calls AWS.
"""

from postureflow.dagfactory import build_all

build_all(globals())
