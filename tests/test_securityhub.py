"""Forwarding findings to Security Hub, end to end against moto's in-process Security Hub."""

from __future__ import annotations

import datetime as dt
import logging

import boto3
import pytest
from botocore.validate import ParamValidator

from postureflow.aws import AwsAccess
from postureflow.lake.query import connect
from postureflow.securityhub import ForwardOptions, forward_findings
from postureflow.securityhub import forward as forward_module
from postureflow.securityhub.asff import import_input_shape, validate_findings
from postureflow.securityhub.state import ERRORS_DATASET, read_state
from postureflow.securityhub.testing import (
    ACCOUNT,
    capture_imports,
    enable_hub,
    hub_findings,
    import_calls,
    reject,
    row,
    write_day,
)

DAY1, DAY2, DAY3 = dt.date(2026, 11, 20), dt.date(2026, 11, 21), dt.date(2026, 11, 22)
REGIONS = ["us-east-1", "eu-west-1"]


@pytest.fixture(autouse=True)
def no_retry_sleep(monkeypatch):
    monkeypatch.setattr(forward_module, "RETRY_DELAYS", ())


@pytest.fixture
def access(aws):
    return AwsAccess.from_default_chain()


def forward(lake, access, day, **options):
    return forward_findings(lake, access, ACCOUNT, day, ForwardOptions(**{"enabled": True, **options}))


def _bucket(name, region="us-east-1"):
    s3 = boto3.client("s3", region_name=region)
    kwargs = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
    s3.create_bucket(Bucket=name, **kwargs)
    return s3


def _fails(run):
    return {f["finding_uid"]: f for f in run.findings if f["status"] == "FAIL" and not f["muted"]}


# -- the delta on a real scan ---------------------------------------------------------------------


def test_first_run_imports_fail_findings_and_unchanged_rerun_makes_no_calls(scan, lake, access):
    enable_hub(*REGIONS)
    _bucket("east-bucket")
    _bucket("west-bucket", "eu-west-1")
    run = scan("s3", scan_date=DAY1)
    fails = _fails(run)
    assert fails

    result = forward(lake, access, DAY1)
    assert result.sent_active == len(fails) and result.failed == 0 and result.sent_archived == 0
    assert result.import_calls == import_calls(access) >= 1
    in_hub = {**hub_findings("us-east-1"), **hub_findings("eu-west-1")}
    assert set(in_hub) == set(fails)
    for uid, finding in fails.items():
        doc = in_hub[uid]
        assert doc["GeneratorId"] == finding["check_id"]
        assert doc["RecordState"] == "ACTIVE" and doc["Compliance"]["Status"] == "FAILED"
        assert doc["ProductArn"] == f"arn:aws:securityhub:{finding['region']}:{ACCOUNT}:product/{ACCOUNT}/default"
        assert doc["Resources"][0]["Id"] == finding["resource_uid"]
        assert doc["FirstObservedAt"].startswith(DAY1.isoformat())

    calls_before = access.call_log.total
    again = forward(lake, access, DAY1)
    assert access.call_log.total == calls_before  # not even DescribeHub: an unchanged account costs nothing
    assert again.import_calls == 0 and again.sent_active == again.sent_archived == 0
    assert again.unchanged == len(fails)

    scan("s3", scan_date=DAY2)  # the next day, nothing changed in the account
    calls_before = import_calls(access)
    next_day = forward(lake, access, DAY2)
    assert import_calls(access) == calls_before and next_day.unchanged == len(fails)


def test_every_document_fits_botocores_batch_import_findings_model(scan, lake, access):
    enable_hub("us-east-1")
    _bucket("tagged-bucket")
    boto3.client("s3", region_name="us-east-1").put_bucket_tagging(
        Bucket="tagged-bucket", Tagging={"TagSet": [{"Key": "team", "Value": "data"}, {"Key": "empty", "Value": ""}]}
    )
    sent = capture_imports(access, "us-east-1")
    scan("s3", regions=["us-east-1"], scan_date=DAY1)
    forward(lake, access, DAY1)
    boto3.client("s3", region_name="us-east-1").delete_bucket(Bucket="tagged-bucket")
    scan("s3", regions=["us-east-1"], scan_date=DAY2)
    forward(lake, access, DAY2)  # archives: documents rebuilt from the lake

    docs = [d for batch in sent for d in batch]
    assert {d["RecordState"] for d in docs} == {"ACTIVE", "ARCHIVED"}
    shape = import_input_shape()
    for batch in sent:
        report = ParamValidator().validate({"Findings": batch}, shape)
        assert not report.has_errors(), report.generate_report()
    assert validate_findings(docs) == []
    for doc in docs:
        assert doc["SchemaVersion"] == "2018-10-08"
        assert doc["Severity"]["Label"] in ("CRITICAL", "HIGH", "MEDIUM", "LOW", "INFORMATIONAL")
        assert len(doc["Description"]) <= 1024 and len(doc["Title"]) <= 256
        assert len(doc["Remediation"]["Recommendation"]["Text"]) <= 512
        assert doc["Types"] and all(t.startswith("Software and Configuration Checks/") for t in doc["Types"])
    tagged = [d for d in docs if d["Resources"][0]["Id"] == "arn:aws:s3:::tagged-bucket"]
    assert tagged and all(d["Resources"][0]["Tags"] == {"team": "data"} for d in tagged)


def test_fixing_one_bucket_archives_exactly_that_finding(scan, lake, access):
    enable_hub(*REGIONS)
    _bucket("fixed-bucket")
    _bucket("other-bucket", "eu-west-1")
    day1 = scan("s3", scan_date=DAY1)
    forward(lake, access, DAY1)

    boto3.client("s3", region_name="us-east-1").put_public_access_block(
        Bucket="fixed-bucket",
        PublicAccessBlockConfiguration=dict(
            BlockPublicAcls=True, IgnorePublicAcls=True, BlockPublicPolicy=True, RestrictPublicBuckets=True
        ),
    )
    day2 = scan("s3", scan_date=DAY2)
    now_passing = {uid for uid in _fails(day1) if uid not in _fails(day2)}
    target = [
        f["finding_uid"]
        for f in day2.of("s3_bucket_level_public_access_block")
        if f["resource_id"] == "fixed-bucket"
    ]
    assert target and set(target) <= now_passing

    result = forward(lake, access, DAY2)
    assert result.sent_archived == len(now_passing) and result.sent_active == 0
    assert result.sent_by_kind == {"passed": len(now_passing)}
    in_hub = hub_findings("us-east-1")
    for uid, doc in in_hub.items():
        if uid in now_passing:
            assert doc["RecordState"] == "ARCHIVED" and doc["Workflow"]["Status"] == "RESOLVED"
            assert doc["Compliance"]["Status"] == "PASSED"
        else:
            assert doc["RecordState"] == "ACTIVE"
        assert doc["FirstObservedAt"].startswith(DAY1.isoformat())
    # archived once: the next day's unchanged run sends nothing
    scan("s3", scan_date=DAY3)
    assert forward(lake, access, DAY3).import_calls == 0


def test_deleting_a_bucket_archives_its_findings(scan, lake, access):
    enable_hub(*REGIONS)
    _bucket("doomed-bucket", "eu-west-1")
    _bucket("kept-bucket")
    day1 = scan("s3", scan_date=DAY1)
    forward(lake, access, DAY1)
    doomed = {uid for uid, f in _fails(day1).items() if f["resource_id"] == "doomed-bucket"}
    assert doomed

    boto3.client("s3", region_name="eu-west-1").delete_bucket(Bucket="doomed-bucket")
    scan("s3", scan_date=DAY2)
    result = forward(lake, access, DAY2)
    assert result.sent_by_kind == {"gone": len(doomed)} and result.sent_active == 0
    west = hub_findings("eu-west-1")
    assert {uid for uid, d in west.items() if d["RecordState"] == "ARCHIVED"} == doomed
    assert all(west[uid]["ProductFields"]["postureflow/ArchiveReason"] == "gone" for uid in doomed)
    assert all(d["RecordState"] == "ACTIVE" for d in hub_findings("us-east-1").values())
    state = {r["finding_uid"]: r for r in read_state(lake, ACCOUNT).to_pylist()}
    assert {uid for uid, r in state.items() if r["last_record_state"] == "ARCHIVED"} == doomed


# -- nothing lost ---------------------------------------------------------------------------------


def test_rejected_findings_are_retried_and_accepted(lake, access):
    enable_hub("us-east-1")
    rows = [row(f"bucket-{i}") for i in range(5)]
    write_day(lake, DAY1, rows)
    flaky = {rows[1]["finding_uid"], rows[3]["finding_uid"]}
    reject(access, "us-east-1", flaky, times=1)
    result = forward(lake, access, DAY1)
    assert result.failed == 0 and result.sent_active == 5
    assert result.import_calls == 2  # the batch, then one retry carrying only the two rejected findings
    assert set(hub_findings("us-east-1")) == {r["finding_uid"] for r in rows}


def test_findings_rejected_after_the_retries_are_reported_and_sent_next_run(lake, access, caplog):
    enable_hub("us-east-1")
    rows = [row(f"bucket-{i}") for i in range(6)]
    write_day(lake, DAY1, rows)
    refused = {rows[0]["finding_uid"], rows[4]["finding_uid"]}
    reject(access, "us-east-1", refused, times=forward_module.MAX_ATTEMPTS)
    with caplog.at_level(logging.ERROR, logger="postureflow.securityhub"):
        result = forward(lake, access, DAY1)
    assert result.failed == 2 and result.sent_active == 4
    assert result.import_calls == forward_module.MAX_ATTEMPTS
    assert {f.finding_uid for f in result.failures} == refused
    assert all(f.attempts == forward_module.MAX_ATTEMPTS and f.error_code for f in result.failures)
    assert sum(uid in caplog.text for uid in refused) == 2
    state = {r["finding_uid"] for r in read_state(lake, ACCOUNT).to_pylist()}
    assert state == {r["finding_uid"] for r in rows} - refused
    errors = connect(lake, [ERRORS_DATASET]).sql(f"SELECT finding_uid FROM {ERRORS_DATASET}").fetchall()
    assert {e[0] for e in errors} == refused

    sent = capture_imports(access, "us-east-1")
    again = forward(lake, access, DAY1)  # a retry of the task, or the next run: only the rest goes out
    assert again.failed == 0 and again.sent_active == 2
    assert {d["Id"] for batch in sent for d in batch} == refused
    errors = connect(lake, [ERRORS_DATASET]).sql(f"SELECT count(*) FROM {ERRORS_DATASET}").fetchall()[0][0]
    assert errors == 0


def test_a_finding_too_large_even_trimmed_is_reported_not_dropped(lake, access):
    enable_hub("us-east-1")
    huge = row("huge", resource_uid="arn:aws:s3:::" + "x" * 300_000)
    write_day(lake, DAY1, [huge, row("normal")])
    result = forward(lake, access, DAY1)
    assert result.sent_active == 1 and result.failed == 1
    assert result.failures[0].finding_uid == huge["finding_uid"]
    assert result.failures[0].error_code == "FindingTooLarge"


def test_big_tags_are_trimmed_under_240_kb_and_sent(lake, access):
    enable_hub("us-east-1")
    tags = {f"key-{i:04d}": "v" * 250 for i in range(1200)}  # 300 KB of tags
    write_day(lake, DAY1, [row("tagged", tags=tags)])
    sent = capture_imports(access, "us-east-1")
    result = forward(lake, access, DAY1)
    assert result.sent_active == 1 and result.trimmed == 1
    doc = sent[0][0]
    assert len(doc["Resources"][0].get("Tags", {})) <= 50
    assert "Resources.Tags" in doc["ProductFields"]["postureflow/Trimmed"]
    assert validate_findings([doc]) == []


def test_batches_hold_at_most_100_findings(lake, access):
    enable_hub("us-east-1")
    write_day(lake, DAY1, [row(f"bucket-{i:03d}") for i in range(250)])
    sent = capture_imports(access, "us-east-1")
    result = forward(lake, access, DAY1)
    assert result.sent_active == 250 and result.import_calls == 3
    assert sorted(len(b) for b in sent) == [50, 100, 100]
    assert len(hub_findings("us-east-1")) == 250


# -- regions --------------------------------------------------------------------------------------


def test_region_without_security_hub_is_skipped_and_its_findings_wait(lake, access, caplog):
    enable_hub("us-east-1")
    east = [row(f"east-{i}") for i in range(3)]
    west = [row(f"west-{i}", region="eu-west-1") for i in range(2)]
    write_day(lake, DAY1, east + west)
    with caplog.at_level(logging.WARNING, logger="postureflow.securityhub"):
        result = forward(lake, access, DAY1)
    assert result.skipped_regions == ["eu-west-1"]
    assert result.sent_active == 3 and result.pending == 2 and result.failed == 0
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING and "eu-west-1" in r.getMessage()]
    assert len(warnings) == 1
    assert [k for (s, region, op), k in access.call_log.calls.items() if op == "BatchImportFindings"] == [1]

    enable_hub("eu-west-1")
    write_day(lake, DAY2, east + west)
    later = forward(lake, access, DAY2)
    assert later.sent_active == 2 and later.sent_by_kind == {"new": 2} and later.skipped_regions == []
    assert set(hub_findings("eu-west-1")) == {r["finding_uid"] for r in west}
    assert all(d["FirstObservedAt"].startswith(DAY1.isoformat()) for d in hub_findings("eu-west-1").values())


def test_regions_argument_limits_forwarding(lake, access):
    enable_hub(*REGIONS)
    write_day(lake, DAY1, [row("east"), row("west", region="eu-west-1")])
    result = forward_findings(lake, access, ACCOUNT, DAY1, ForwardOptions(enabled=True), regions=["eu-west-1"])
    assert result.sent_active == 1 and hub_findings("us-east-1") == {}


# -- lifecycle ------------------------------------------------------------------------------------


def test_first_observed_at_stays_the_first_day_through_change_archive_and_reopen(lake, access):
    enable_hub("us-east-1")
    write_day(lake, DAY1, [row("flappy")])
    uid = row("flappy")["finding_uid"]
    assert forward(lake, access, DAY1).sent_by_kind == {"new": 1}

    write_day(lake, DAY2, [row("flappy", status_extended="Something else about flappy.")])
    assert forward(lake, access, DAY2).sent_by_kind == {"changed": 1}
    doc = hub_findings("us-east-1")[uid]
    assert doc["Description"] == "Something else about flappy."
    assert doc["FirstObservedAt"].startswith(DAY1.isoformat()) and doc["LastObservedAt"].startswith(DAY2.isoformat())

    write_day(lake, DAY3, [row("flappy", "PASS")])
    assert forward(lake, access, DAY3).sent_by_kind == {"passed": 1}
    assert hub_findings("us-east-1")[uid]["RecordState"] == "ARCHIVED"

    day4 = DAY3 + dt.timedelta(days=1)
    write_day(lake, day4, [row("flappy")])
    assert forward(lake, access, day4).sent_by_kind == {"reopened": 1}
    doc = hub_findings("us-east-1")[uid]
    assert doc["RecordState"] == "ACTIVE" and doc["FirstObservedAt"].startswith(DAY1.isoformat())


def test_first_observed_at_of_a_new_finding_comes_from_the_lake_history(lake, access):
    write_day(lake, DAY1, [row("old-problem")])
    write_day(lake, DAY2, [row("old-problem")])
    enable_hub("us-east-1")  # forwarding starts after the finding had been failing for two days
    write_day(lake, DAY3, [row("old-problem")])
    forward(lake, access, DAY3)
    doc = hub_findings("us-east-1")[row("old-problem")["finding_uid"]]
    assert doc["FirstObservedAt"].startswith(DAY1.isoformat())


def test_muted_findings_are_not_sent_and_archived_if_sent_before(lake, access):
    enable_hub("us-east-1")
    write_day(lake, DAY1, [row("later-muted"), row("always-muted", muted=True)])
    result = forward(lake, access, DAY1)
    assert result.sent_active == 1 and set(hub_findings("us-east-1")) == {row("later-muted")["finding_uid"]}

    write_day(lake, DAY2, [row("later-muted", muted=True), row("always-muted", muted=True)])
    result = forward(lake, access, DAY2)
    assert result.sent_by_kind == {"muted": 1}
    doc = hub_findings("us-east-1")[row("later-muted")["finding_uid"]]
    assert doc["RecordState"] == "ARCHIVED" and doc["Workflow"]["Status"] == "SUPPRESSED"
    write_day(lake, DAY3, [row("later-muted", muted=True), row("always-muted", muted=True)])
    assert forward(lake, access, DAY3).import_calls == 0


def test_a_failed_scan_does_not_archive_findings(lake, access):
    enable_hub("us-east-1")
    write_day(lake, DAY1, [row("a"), row("b", check_id="s3_bucket_secure_transport_policy")])
    forward(lake, access, DAY1)
    # day 2: the check errored and the region's collection failed: both findings are missing, neither is gone
    write_day(
        lake, DAY2, [],
        errors=[
            {"region": "-", "api": "check:s3_bucket_no_mfa_delete"},
            {"region": "us-east-1", "api": "ListBuckets"},
        ],
    )
    result = forward(lake, access, DAY2)
    assert result.import_calls == 0 and result.pending == 2
    # day 3: a clean scan without them: now they are gone
    write_day(lake, DAY3, [])
    assert forward(lake, access, DAY3).sent_by_kind == {"gone": 2}


def test_gone_finding_is_archived_even_when_its_old_lake_row_was_deleted(lake, access):
    enable_hub("us-east-1")
    write_day(lake, DAY1, [row("bucket")])
    forward(lake, access, DAY1)
    lake.delete_partition("findings", {"scan_date": DAY1, "service": "s3", "account_id": ACCOUNT})  # retention
    write_day(lake, DAY2, [])
    sent = capture_imports(access, "us-east-1")
    assert forward(lake, access, DAY2).sent_by_kind == {"gone": 1}
    doc = sent[0][0]
    assert doc["RecordState"] == "ARCHIVED" and doc["Resources"][0]["Id"] == "arn:aws:s3:::bucket"
    assert doc["FirstObservedAt"].startswith(DAY1.isoformat()) and validate_findings([doc]) == []


def test_findings_of_a_service_not_scanned_that_day_stay(lake, access):
    enable_hub("us-east-1")
    write_day(lake, DAY1, [row("bucket")])
    write_day(lake, DAY1, [row("vol", check_id="ec2_ebs_volume_encryption", service="ec2")], service="ec2")
    forward(lake, access, DAY1)
    write_day(lake, DAY2, [row("bucket")])  # only s3 ran on day 2
    result = forward(lake, access, DAY2)
    assert result.import_calls == 0 and result.sent_archived == 0


def test_older_day_is_not_forwarded_over_newer(lake, access):
    enable_hub("us-east-1")
    write_day(lake, DAY1, [row("bucket")])
    write_day(lake, DAY2, [row("bucket", "PASS")])
    forward(lake, access, DAY1)
    forward(lake, access, DAY2)
    backfill = forward(lake, access, DAY1)
    assert backfill.import_calls == 0 and "older" in backfill.message
    assert hub_findings("us-east-1")[row("bucket")["finding_uid"]]["RecordState"] == "ARCHIVED"


def test_unchanged_active_findings_are_refreshed_before_security_hub_expires_them(lake, access):
    enable_hub("us-east-1")
    write_day(lake, DAY1, [row("bucket")])
    forward(lake, access, DAY1, refresh_days=30)
    later = DAY1 + dt.timedelta(days=29)
    write_day(lake, later, [row("bucket")])
    assert forward(lake, access, later, refresh_days=30).import_calls == 0
    due = DAY1 + dt.timedelta(days=30)
    write_day(lake, due, [row("bucket")])
    assert forward(lake, access, due, refresh_days=30).sent_by_kind == {"refresh": 1}


# -- options --------------------------------------------------------------------------------------


def test_statuses_all_sends_passing_findings_as_passed(lake, access):
    enable_hub("us-east-1")
    write_day(lake, DAY1, [row("good", "PASS"), row("bad")])
    result = forward(lake, access, DAY1, statuses="all")
    assert result.sent_active == 2
    docs = hub_findings("us-east-1")
    assert docs[row("good")["finding_uid"]]["Compliance"]["Status"] == "PASSED"
    assert docs[row("good")["finding_uid"]]["RecordState"] == "ACTIVE"


def test_min_severity_filters_and_archives_what_falls_below(lake, access):
    enable_hub("us-east-1")
    write_day(lake, DAY1, [row("minor", severity="low"), row("major", severity="high")])
    assert forward(lake, access, DAY1).sent_active == 2
    result = forward(lake, access, DAY1, min_severity="medium")
    assert result.sent_by_kind == {"filtered": 1}
    assert hub_findings("us-east-1")[row("minor")["finding_uid"]]["RecordState"] == "ARCHIVED"


def test_an_account_with_nothing_in_the_lake_costs_nothing(lake, access):
    result = forward(lake, access, DAY1)
    assert result.ok and result.import_calls == 0 and access.call_log.total == 0


def test_disabled_forwarding_calls_nothing(lake, access):
    enable_hub("us-east-1")
    write_day(lake, DAY1, [row("bucket")])
    result = forward(lake, access, DAY1, enabled=False)
    assert not result.enabled and access.call_log.total == 0


def test_dry_run_computes_the_delta_without_calls(lake, access):
    write_day(lake, DAY1, [row("a"), row("b")])
    result = forward_findings(lake, access, ACCOUNT, DAY1, ForwardOptions(enabled=True), dry_run=True)
    assert result.sent_by_kind == {"new": 2} and access.call_log.total == 0
    assert read_state(lake, ACCOUNT).num_rows == 0


def test_credentials_of_another_account_are_refused(lake, access):
    enable_hub("us-east-1")
    write_day(lake, DAY1, [row("bucket", account="999999999999")], account="999999999999")
    with pytest.raises(ValueError, match="not 999999999999"):
        forward_findings(lake, access, "999999999999", DAY1, ForwardOptions(enabled=True))


# -- command line ---------------------------------------------------------------------------------


def test_cli_forward_state_and_asff(lake, aws, tmp_path, capsys):
    import json

    from postureflow.cli import main

    enable_hub("us-east-1")
    write_day(lake, DAY1, [row("b1"), row("b2", "PASS"), row("b3", muted=True)])
    assert main(["securityhub", "forward", "--lake", lake.uri, "--date", "2026-11-20", "--dry-run"]) == 0
    assert "would send 1 new" in capsys.readouterr().out
    assert main(["securityhub", "forward", "--lake", lake.uri, "--date", "2026-11-20", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["sent_active"] == 1 and result["import_calls"] == 1
    assert main(["securityhub", "state", "--lake", lake.uri, "--account", ACCOUNT, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["regions"] == {"us-east-1": {"ACTIVE": 1, "ARCHIVED": 0}}
    out = tmp_path / "findings.asff.json"
    args = ["securityhub", "asff", "--lake", lake.uri, "--account", ACCOUNT, "--date", "2026-11-20"]
    assert main([*args, "--statuses", "all", "-o", str(out)]) == 0
    docs = json.loads(out.read_text())
    assert sorted(d["Compliance"]["Status"] for d in docs) == ["FAILED", "PASSED"]
    assert validate_findings(docs) == []
    bad = ["securityhub", "forward", "--lake", lake.uri, "--date", "2026-11-20", "--min-severity", "severe"]
    assert main(bad) == 1
    assert "min_severity" in capsys.readouterr().err


# -- partial scans never resolve ------------------------------------------------------------------


def _public_bucket(name):
    s3 = _bucket(name)
    policy = ('{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", '
              f'"Action": "s3:PutObject", "Resource": "arn:aws:s3:::{name}/*"}}]}}')
    s3.put_bucket_policy(Bucket=name, Policy=policy)
    return s3


def test_a_denied_read_resolves_nothing_in_security_hub(scan, lake, access):
    """Day 2 with s3:GetBucketPolicy denied: the publicly writable bucket's FAIL findings stay ACTIVE."""
    from postureflow.testing import DeniedAccess

    enable_hub("us-east-1")
    _public_bucket("pf-open-writable")
    day1 = scan("s3", regions=["us-east-1"], scan_date=DAY1)
    policy_fails = {f["finding_uid"]: f["check_id"] for f in _fails(day1).values()
                    if f["resource_id"] == "pf-open-writable" and "polic" in f["check_id"]}
    assert policy_fails, sorted(f["check_id"] for f in _fails(day1).values())
    first = forward(lake, access, DAY1)
    assert first.sent_active >= len(policy_fails)

    denied = DeniedAccess("s3:GetBucketPolicy", base=access)
    day2 = scan("s3", regions=["us-east-1"], access=denied, scan_date=DAY2)
    assert denied.hits
    for uid in policy_fails:
        [now] = [f for f in day2.findings if f["finding_uid"] == uid]
        assert now["status"] != "FAIL"  # no verdict (or, before the no-verdict rule, a false PASS)
    result = forward(lake, access, DAY2)
    assert result.sent_archived == 0 and result.sent_by_kind.get("passed", 0) == 0
    assert result.pending >= len(policy_fails)
    in_hub = hub_findings("us-east-1")
    assert all(in_hub[uid]["RecordState"] == "ACTIVE" for uid in policy_fails)

    # Day 3, read again in full: still failing, still active, nothing resolved.
    scan("s3", regions=["us-east-1"], scan_date=DAY3)
    assert forward(lake, access, DAY3).sent_archived == 0


def test_pass_in_an_incomplete_region_and_absence_from_a_partial_scan_keep_the_last_state(lake, access):
    enable_hub("us-east-1")
    write_day(lake, DAY1, [row("fixed"), row("vanished"), row("unread")])
    forward(lake, access, DAY1)
    no_verdict = row("unread", "MANUAL", status_extended="No verdict: unread: could not read policy (denied).")
    write_day(lake, DAY2, [row("fixed", "PASS"), no_verdict], errors=[{"region": "us-east-1", "api": "GetBucketPolicy"}])
    result = forward(lake, access, DAY2)
    assert result.import_calls == 0 and result.pending == 3
    assert {d["RecordState"] for d in hub_findings("us-east-1").values()} == {"ACTIVE"}
    # the same day without errors: the fix and the disappearance are real, the unread one is still unknown
    write_day(lake, DAY3, [row("fixed", "PASS"), no_verdict])
    assert forward(lake, access, DAY3).sent_by_kind == {"gone": 1, "passed": 1}
    assert hub_findings("us-east-1")[row("unread")["finding_uid"]]["RecordState"] == "ACTIVE"


def _complete_ec2(access):
    """ec2 read in full in us-east-1: moto lacks five of the collector's calls, answered here (empty)."""
    from postureflow.testing import answer_in_moto

    return answer_in_moto(access, "us-east-1", {
        "ec2:GetSnapshotBlockPublicAccessState": {"State": "block-all-sharing"},
        "ec2:GetInstanceMetadataDefaults": {"AccountLevel": {}},
        "ec2:GetImageBlockPublicAccessState": {"ImageBlockPublicAccessState": "block-new-sharing"},
        "ec2:DescribeClientVpnEndpoints": {"ClientVpnEndpoints": []},
        "ssm:DescribeInstanceInformation": {"InstanceInformationList": []},
    })  # fmt: skip


def test_denied_security_groups_resolve_no_instance_port_finding(scan, lake, access):
    """Day 2 with ec2:DescribeSecurityGroups denied: the instance's port finding stays ACTIVE; fixed on
    day 3 (read in full), it is archived."""
    from postureflow.testing import DeniedAccess

    enable_hub("us-east-1")
    ec2 = boto3.client("ec2", region_name="us-east-1")
    vpc = ec2.describe_vpcs()["Vpcs"][0]["VpcId"]
    group = ec2.create_security_group(GroupName="open-ssh", Description="x", VpcId=vpc)["GroupId"]
    ssh = [{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]
    ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=ssh)
    [instance] = ec2.run_instances(ImageId="ami-12c6146b", MinCount=1, MaxCount=1, SecurityGroupIds=[group])["Instances"]
    full = _complete_ec2(access)
    day1 = scan("ec2", regions=["us-east-1"], access=full, scan_date=DAY1)
    assert {r.service: r.regions for r in day1.results}["ec2"] == {"us-east-1": "complete"}
    port = {uid for uid, f in _fails(day1).items()
            if f["check_id"] == "ec2_instance_port_ssh_exposed_to_internet" and f["resource_id"] == instance["InstanceId"]}
    assert port
    assert forward(lake, access, DAY1).sent_active >= 1

    denied = _complete_ec2(DeniedAccess("ec2:DescribeSecurityGroups", base=access))
    day2 = scan("ec2", regions=["us-east-1"], access=denied, scan_date=DAY2)
    assert denied.hits
    assert all(f["status"] != "FAIL" for f in day2.findings if f["finding_uid"] in port)
    result = forward(lake, access, DAY2)
    assert result.sent_archived == 0 and result.pending >= len(port)
    assert all(hub_findings("us-east-1")[uid]["RecordState"] == "ACTIVE" for uid in port)

    ec2.revoke_security_group_ingress(GroupId=group, IpPermissions=ssh)  # the real fix, read in full
    day3 = scan("ec2", regions=["us-east-1"], access=_complete_ec2(AwsAccess.from_default_chain()), scan_date=DAY3)
    assert all(f["status"] == "PASS" for f in day3.findings if f["finding_uid"] in port)
    assert forward(lake, access, DAY3).sent_by_kind.get("passed", 0) >= len(port)
    assert all(hub_findings("us-east-1")[uid]["RecordState"] == "ARCHIVED" for uid in port)


def test_plan_send_and_commit_are_separate_steps(lake, access):
    """plan_forward reads the lake and calls nothing; send_plan sends and writes nothing; commit_forward
    writes the state. Killed between send and commit, the next run plans the same documents again."""
    from postureflow.securityhub.forward import commit_forward, plan_forward, send_plan

    enable_hub("us-east-1")
    write_day(lake, DAY1, [row("a"), row("b")])
    options = ForwardOptions(enabled=True)
    plan = plan_forward(lake, ACCOUNT, DAY1, options)
    assert access.call_log.total == 0
    assert sorted(o.finding_uid for o in plan.by_region["us-east-1"]) == sorted(row(r)["finding_uid"] for r in "ab")
    assert read_state(lake, ACCOUNT).num_rows == 0
    outcomes = send_plan(plan, access)
    assert import_calls(access) == 1 and len(hub_findings("us-east-1")) == 2
    assert read_state(lake, ACCOUNT).num_rows == 0
    assert len(plan_forward(lake, ACCOUNT, DAY1, options).delta.outgoing) == 2  # not committed: planned again
    result = commit_forward(lake, plan, outcomes)
    assert result.sent_active == 2 and read_state(lake, ACCOUNT).num_rows == 2
    assert plan_forward(lake, ACCOUNT, DAY1, options).delta.outgoing == []
