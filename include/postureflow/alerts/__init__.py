"""Alerts: rules in the accounts file over each run's delta, delivered through Airflow's own
notifiers (SNS, Slack, e-mail, webhook, Apprise), with their state in the lake's ``alerts`` dataset,
and a daily org-wide digest. See docs/alerts.md.

- ``rules``     the ``alerts:`` block of the accounts file (pydantic models)
- ``observe``   what a run saw: its findings, scan errors and which service/region were read completely
- ``evaluate``  the rules over the run's delta and the alert state: what to send, what resolved
- ``state``     the ``alerts`` dataset: reading the last state, recording what was sent
- ``render``    plain text and HTML from one template
- ``deliver``   one destination -> one Airflow notifier
- ``run``       the ``alerts`` task of an account's DAG, and the digest
"""
