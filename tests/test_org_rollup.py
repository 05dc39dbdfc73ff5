import datetime as dt

import pyarrow as pa

from postureflow.compliance.org import write_org_compliance
from postureflow.compliance.schema import COMPLIANCE
from postureflow.lake.query import connect

DAY = dt.date(2026, 11, 22)


def requirement(account: str, rid: str, status: str) -> dict:
    return {
        "framework_key": "cis_6.0", "framework": "CIS", "version": "6.0", "label": "CIS 6.0",
        "requirement_id": rid, "section": "1", "title": "t", "profile": None, "status": status,
        "pass_count": 1, "fail_count": 0, "manual_count": 0, "muted_count": 0, "checks": ["c"],
        "framework_score": None, "account_id": account, "scan_date": DAY, "run_id": "r",
        "evaluated_at": dt.datetime(2026, 11, 22, tzinfo=dt.timezone.utc),
    }


def test_org_rollup_counts_every_account_of_the_day(lake):
    for account, statuses in (("111111111111", ["PASS", "FAIL"]), ("222222222222", ["PASS", "PASS"])):
        rows = [requirement(account, f"1.{i}", s) for i, s in enumerate(statuses)]
        lake.write_partition("compliance", {"scan_date": DAY, "account_id": account},
                             pa.Table.from_pylist(rows, schema=COMPLIANCE))
    summary = write_org_compliance(lake, DAY)
    assert summary["scores"] == {"CIS 6.0": 75.0} and summary["accounts"] == 2
    row = connect(lake, ["org_compliance"]).execute(
        "SELECT accounts, requirements, passed, failed, failing_accounts FROM org_compliance").fetchone()
    assert row == (2, 4, 3, 1, 1)
    write_org_compliance(lake, DAY)
    assert connect(lake, ["org_compliance"]).execute("SELECT count(*) FROM org_compliance").fetchone()[0] == 1


def test_rollup_days_come_from_the_events_extra_without_lookups():
    """The rollup reads the scan date each compliance event carries; it touches no source run."""
    from types import SimpleNamespace

    from postureflow.dagfactory import days_from_events

    class NoLookups(SimpleNamespace):
        @property
        def source_dag_run(self):
            raise AssertionError("the rollup looked the source run up")

    events = {
        "postureflow_compliance": [
            NoLookups(extra={"account_id": "111111111111", "scan_date": "2026-11-22"}),
            NoLookups(extra={"account_id": "222222222222", "scan_date": "2026-11-22"}),
            NoLookups(extra={"account_id": "111111111111", "scan_date": "2026-11-21"}),
            NoLookups(extra={}),  # an event from elsewhere: names no day, adds none
        ]
    }
    assert days_from_events(events) == {DAY, dt.date(2026, 11, 21)}
    assert days_from_events(None) == set()
