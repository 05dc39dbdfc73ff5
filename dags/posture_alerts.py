"""Airflow DAG: the daily org-wide alerts digest (docs/alerts.md).

Defined only when the accounts file sets ``defaults.alerts.digest``; scheduled on every account's
alerts asset. Thin on purpose: parsing reads only the accounts file.
"""

from postureflow.dagfactory import load_accounts_cached

# No account alerts, no digest: the (cached) accounts say so without importing the alerting
# code, a fifth of a second in every parse of this file.
if any(account.alerts for account in load_accounts_cached().accounts):
    from postureflow.alerts.tasks import build_digest

    build_digest(globals())
