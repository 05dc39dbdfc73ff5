"""Airflow DAG posture_maintenance: the lake's daily upkeep (retention, then a check that cleans leftovers).

Thin on purpose: the work is in postureflow.lake.retention and postureflow.lake.check;
nothing is read at import time (the accounts file is read when the task runs).
"""

import pendulum
from airflow.sdk import dag, task


@dag(
    dag_id="posture_maintenance",
    schedule="@daily",
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    tags=["postureflow", "maintenance"],
    doc_md=__doc__,
)
def posture_maintenance():
    @task
    def apply_retention(data_interval_end=None) -> dict:
        from postureflow.lake import Lake
        from postureflow.lake.retention import apply_retention, policy_from_accounts

        today = (data_interval_end or pendulum.now("UTC")).date()
        result = apply_retention(Lake.default(), policy_from_accounts(), today)
        return {"files": result["files"], "days": {k: len(v) for k, v in result["deleted"].items()}}

    @task
    def repair_lake() -> dict:
        from postureflow.lake import Lake
        from postureflow.lake.check import check

        # only cleans leftovers of killed writes here: reading every file daily would cost a full scan
        report = check(Lake.default(), repair=True, verify_files=False)
        return {"removed": len(report.removed)}

    apply_retention() >> repair_lake()


maintenance = posture_maintenance()
