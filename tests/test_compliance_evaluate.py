"""Compliance aggregation over the lake: statuses, counts, score, idempotence, several accounts."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import boto3
import pytest

from postureflow.cli import main
from postureflow.compliance.evaluate import compliance_tables, write_compliance, write_compliance_day
from postureflow.compliance.frameworks import load_frameworks, parse_framework
from postureflow.sql.sample import finding, write_findings

A, B = "111111111111", "222222222222"
DAY = dt.date(2026, 11, 22)
OTHER_DAY = dt.date(2026, 11, 21)


@pytest.fixture
def framework(tmp_path):
    requirements = [
        {"id": "R1", "checks": ["chk_a"]},  # a fails -> FAIL
        {"id": "R2", "checks": ["chk_b"]},  # all pass -> PASS
        {"id": "R3", "checks": ["chk_c"]},  # only a muted failure -> PASS
        {"id": "R4", "checks": ["chk_d"]},  # no findings -> NOT_EVALUATED
        {"id": "R5", "checks": []},  # no checks -> MANUAL
        {"id": "R6", "checks": ["chk_e"]},  # only MANUAL findings -> MANUAL
        {"id": "R7", "checks": ["chk_a", "chk_b"]},  # one of its checks fails -> FAIL
        {"id": "R8", "checks": ["chk_b", "chk_d"]},  # pass + nothing -> PASS
    ]
    for r in requirements:
        r["section"] = "Test section"
        r["title"] = f"Test {r['id']}"
    document = {
        "framework": "TEST",
        "version": "1",
        "label": "Test 1",
        "not_implemented": ["chk_a", "chk_b", "chk_c", "chk_d", "chk_e"],
        "requirements": requirements,
    }
    return parse_framework(document, tmp_path / "test_1.yaml", known_checks=set())


def _day_findings(account=A, day=DAY, a_fails=True):
    return [
        finding(account, day, "s3", "chk_a", "bucket-1", "FAIL" if a_fails else "PASS"),
        finding(account, day, "s3", "chk_a", "bucket-2", "PASS"),
        finding(account, day, "ec2", "chk_b", "i-1", "PASS"),
        finding(account, day, "ec2", "chk_b", "i-2", "PASS"),
        finding(account, day, "ec2", "chk_c", "i-1", "FAIL", muted=True),
        finding(account, day, "ec2", "chk_e", "i-1", "MANUAL"),
        finding(account, day, "ec2", "chk_e", "i-2", "PASS", muted=True),
    ]


def _by_requirement(table):
    return {r["requirement_id"]: r for r in table.to_pylist()}


def test_statuses_counts_and_score(lake, framework):
    write_findings(lake, _day_findings())
    # other accounts and other days must not leak in
    write_findings(lake, [finding(B, DAY, "ec2", "chk_b", "i-9", "FAIL")])
    write_findings(lake, [finding(A, OTHER_DAY, "ec2", "chk_b", "i-1", "FAIL")])

    summary = write_compliance(lake, A, DAY, "run-1", frameworks=[framework])
    table = lake.read_partition("compliance", {"scan_date": DAY, "account_id": A})
    rows = _by_requirement(table)
    assert {k: v["status"] for k, v in rows.items()} == {
        "R1": "FAIL", "R2": "PASS", "R3": "PASS", "R4": "NOT_EVALUATED",
        "R5": "MANUAL", "R6": "MANUAL", "R7": "FAIL", "R8": "PASS",
    }
    assert (rows["R1"]["pass_count"], rows["R1"]["fail_count"], rows["R1"]["muted_count"]) == (1, 1, 0)
    assert (rows["R3"]["pass_count"], rows["R3"]["fail_count"], rows["R3"]["muted_count"]) == (0, 0, 1)
    assert (rows["R6"]["manual_count"], rows["R6"]["muted_count"]) == (1, 1)
    assert (rows["R7"]["pass_count"], rows["R7"]["fail_count"]) == (3, 1)
    assert rows["R7"]["checks"] == ["chk_a", "chk_b"]
    # score: PASS / (PASS + FAIL) requirements = 3 / 5
    assert all(r["framework_score"] == pytest.approx(60.0) for r in rows.values())
    assert all(r["run_id"] == "run-1" and r["account_id"] == A and r["scan_date"] == DAY for r in rows.values())
    assert summary["scores"] == {"Test 1": 60.0}
    assert summary["frameworks"]["Test 1"] == {"score": 60.0, "PASS": 3, "FAIL": 2, "MANUAL": 2, "NOT_EVALUATED": 1}
    json.dumps(summary)  # fit for XCom


def test_rerun_replaces_the_partition(lake, framework):
    write_findings(lake, _day_findings())
    write_compliance(lake, A, DAY, "run-1", frameworks=[framework])
    write_compliance(lake, A, DAY, "run-1", frameworks=[framework])
    table = lake.read_partition("compliance", {"scan_date": DAY, "account_id": A})
    assert table.num_rows == len(framework.requirements)
    # the account fixed chk_a and the day is re-evaluated: the partition is replaced, not appended to
    write_findings(lake, _day_findings(a_fails=False))
    summary = write_compliance(lake, A, DAY, "run-2", frameworks=[framework])
    table = lake.read_partition("compliance", {"scan_date": DAY, "account_id": A})
    rows = _by_requirement(table)
    assert table.num_rows == len(framework.requirements)
    assert rows["R1"]["status"] == "PASS" and rows["R7"]["status"] == "PASS"
    assert {r["run_id"] for r in rows.values()} == {"run-2"}
    assert summary["scores"]["Test 1"] == 100.0
    files = list(Path(lake.path("compliance")).rglob("*.parquet"))
    assert len(files) == 1 and lake.files("compliance") == [str(files[0])]


def test_account_without_findings_is_not_evaluated(lake, framework):
    summary = write_compliance(lake, A, DAY, "run-1", frameworks=[framework])
    rows = _by_requirement(lake.read_partition("compliance", {"scan_date": DAY, "account_id": A}))
    assert {r["status"] for k, r in rows.items() if k != "R5"} == {"NOT_EVALUATED"}
    assert rows["R5"]["status"] == "MANUAL"
    assert summary["scores"]["Test 1"] is None


def test_all_accounts_of_a_day_in_one_pass(lake, framework):
    write_findings(lake, _day_findings(A))
    write_findings(lake, _day_findings(B, a_fails=False) + [finding(B, DAY, "ec2", "chk_d", "i-7", "FAIL")])
    summaries = write_compliance_day(lake, DAY, "run-1", frameworks=[framework])
    assert set(summaries) == {A, B}
    a = _by_requirement(lake.read_partition("compliance", {"scan_date": DAY, "account_id": A}))
    b = _by_requirement(lake.read_partition("compliance", {"scan_date": DAY, "account_id": B}))
    assert a["R1"]["status"] == "FAIL" and a["R4"]["status"] == "NOT_EVALUATED" and a["R8"]["status"] == "PASS"
    assert b["R1"]["status"] == "PASS" and b["R4"]["status"] == "FAIL" and b["R8"]["status"] == "FAIL"
    # the same as evaluating each account alone
    single = compliance_tables(lake, DAY, "run-1", [B], frameworks=[framework])[B]
    assert {r["requirement_id"]: r["status"] for r in single.to_pylist()} == {k: v["status"] for k, v in b.items()}


def test_bad_input_is_rejected_without_writing(lake, framework):
    with pytest.raises(ValueError, match="12 digits"):
        write_compliance(lake, "12345", DAY, "run-1", frameworks=[framework])
    with pytest.raises(ValueError, match="unknown framework"):
        write_compliance(lake, A, DAY, "run-1", frameworks=["no-such-framework"])
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        write_compliance(lake, A, "yesterday", "run-1", frameworks=[framework])
    assert lake.dataset("compliance") is None


def test_shipped_frameworks_on_a_real_s3_scan(scan, lake):
    boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="plain-bucket")
    run = scan("s3")
    account = run.findings[0]["account_id"]
    failing = {f["check_id"] for f in run.findings if f["status"] == "FAIL" and not f["muted"]}
    assert "s3_bucket_secure_transport_policy" in failing

    summary = write_compliance(lake, account, dt.date(2026, 11, 22), "test-run")
    table = lake.read_partition("compliance", {"scan_date": dt.date(2026, 11, 22), "account_id": account})
    frameworks = load_frameworks()
    assert table.num_rows == sum(len(fw.requirements) for fw in frameworks.values())
    produced = {f["check_id"] for f in run.findings}
    for row in table.to_pylist():
        checks = set(row["checks"])
        if not checks:
            assert row["status"] == "MANUAL", row
        elif checks & failing:
            assert row["status"] == "FAIL", row
        elif not checks & produced:
            assert row["status"] == "NOT_EVALUATED", row
        else:
            assert row["status"] == "PASS", row
    assert set(summary["scores"]) == {fw.label for fw in frameworks.values()}


def test_evaluate_cli(lake, framework, capsys):
    write_findings(lake, _day_findings(A) + _day_findings(B))
    assert main(["compliance", "evaluate", "--lake", lake.uri, "--scan-date", DAY.isoformat(),
                 "--framework", "CIS 6.0", "--json"]) == 0
    summaries = json.loads(capsys.readouterr().out)
    assert set(summaries) == {A, B}
    assert set(summaries[A]["scores"]) == {"CIS 6.0"}
    assert lake.partition_exists("compliance", {"scan_date": DAY, "account_id": B})
    assert main(["compliance", "evaluate", "--lake", lake.uri, "--scan-date", "bad-date"]) == 1


def test_s3_lake(monkeypatch):
    """The same evaluation and views on an s3:// lake (moto's server on the loopback address)."""
    from moto.server import ThreadedMotoServer

    from postureflow.lake import Lake
    from postureflow.sql.views import connect

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        monkeypatch.setenv("AWS_ENDPOINT_URL_S3", endpoint)
        boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1").create_bucket(Bucket="lake-bucket")
        lake = Lake("s3://lake-bucket/lake")
        fw = next(fw for fw in load_frameworks().values() if fw.label == "CIS 6.0")
        real = fw.requirements[0].checks[0]
        write_findings(lake, _day_findings(A) + [finding(A, DAY, "s3", real, "bucket-9", "FAIL")])
        write_findings(lake, _day_findings(B) + [finding(B, DAY, "s3", real, "bucket-9", "PASS")])
        summaries = write_compliance_day(lake, DAY, "run-s3", frameworks=[fw])
        assert set(summaries) == {A, B}
        assert summaries[A]["frameworks"]["CIS 6.0"]["FAIL"] >= 1 and summaries[A]["scores"]["CIS 6.0"] < 100
        assert summaries[B]["frameworks"]["CIS 6.0"]["FAIL"] == 0 and summaries[B]["scores"]["CIS 6.0"] == 100
        local = write_compliance(lake, A, DAY, "run-s3", frameworks=[fw])
        assert local["frameworks"] == summaries[A]["frameworks"]
        rows = connect(lake).sql(
            "SELECT account_id, count(*) AS n FROM compliance GROUP BY 1 ORDER BY 1"
        ).fetchall()
        assert rows == [(A, len(fw.requirements)), (B, len(fw.requirements))]
        # an s3 day with no findings: nothing to evaluate
        assert write_compliance_day(lake, OTHER_DAY, "run-s3", frameworks=[fw]) == {}
    finally:
        server.stop()


def _reference_status(counts):
    """The module docstring's rules, one requirement at a time (the oracle for the vectorised code)."""
    passed, failed, manual, muted, automated = counts
    if not automated:
        return "MANUAL"
    if failed:
        return "FAIL"
    if passed:
        return "PASS"
    if manual:
        return "MANUAL"
    if muted:
        return "PASS"
    return "NOT_EVALUATED"


def test_many_accounts_and_overlapping_requirements_match_the_rules(lake, tmp_path):
    """Requirements sharing checks across two frameworks, several accounts with different mixes of
    PASS / FAIL / MANUAL / muted findings, checks no framework maps, an account filter: every row equals
    the rules applied requirement by requirement."""
    import itertools

    checks = [f"chk_{i}" for i in range(7)]
    combos = [list(c) for n in (1, 2, 3) for c in itertools.combinations(checks[:5], n)]  # chk_5/6: unmapped or absent
    frameworks = []
    for number, (name, picked) in enumerate((("ONE", combos[::2] + [[]]), ("TWO", combos[1::2] + [["chk_6"], []]))):
        requirements = [{"id": f"{name}-{i}", "section": "s", "title": "t", "checks": c} for i, c in enumerate(picked)]
        document = {"framework": name, "version": "1", "not_implemented": checks, "requirements": requirements}
        frameworks.append(parse_framework(document, tmp_path / f"fw_{number}.yaml", known_checks=set()))

    statuses = [("PASS", False), ("FAIL", False), ("MANUAL", False), ("FAIL", True), ("PASS", True)]
    accounts = [f"{300000000000 + i:012d}" for i in range(6)]
    rows = []
    for a, account in enumerate(accounts):
        for c, check in enumerate(checks[:6]):
            for r in range((a + c) % 3):  # 0, 1 or 2 findings of that check
                status, muted = statuses[(a * 7 + c * 3 + r) % len(statuses)]
                rows.append(finding(account, DAY, "ec2", check, f"i-{c}-{r}", status, muted=muted))
    write_findings(lake, rows)

    def expected(account):
        per_check = {}
        for row in rows:
            if row["account_id"] == account:
                n = per_check.setdefault(row["check_id"], [0, 0, 0, 0])
                if row["muted"]:
                    n[3] += 1
                else:
                    n[("PASS", "FAIL", "MANUAL").index(row["status"])] += 1
        result = {}
        for fw in frameworks:
            judged = passed = 0
            for req in fw.requirements:
                sums = [sum(per_check.get(c, [0] * 4)[k] for c in req.checks) for k in range(4)]
                status = _reference_status((*sums, bool(req.checks)))
                result[(fw.key, req.id)] = (status, *sums)
                judged += status in ("PASS", "FAIL")
                passed += status == "PASS"
            for req in fw.requirements:
                result[(fw.key, req.id)] += (100.0 * passed / judged if judged else None,)
        return result

    def produced(table):
        return {
            (r["framework_key"], r["requirement_id"]): (
                r["status"], r["pass_count"], r["fail_count"], r["manual_count"], r["muted_count"], r["framework_score"]
            )
            for r in table.to_pylist()
        }

    tables = compliance_tables(lake, DAY, "run-1", frameworks=frameworks)
    assert list(tables) == accounts
    for account in accounts:
        assert produced(tables[account]) == expected(account), account
        assert tables[account].column("account_id").to_pylist() == [account] * tables[account].num_rows
    seen = {status for t in tables.values() for status in t.column("status").to_pylist()}
    assert seen == {"PASS", "FAIL", "MANUAL", "NOT_EVALUATED"}
    # one account, and an account without findings, alone: the same rows as in the day's pass
    chosen = [accounts[3], "999999999999"]
    alone = compliance_tables(lake, DAY, "run-1", chosen, frameworks=frameworks)
    assert list(alone) == chosen
    assert produced(alone[accounts[3]]) == produced(tables[accounts[3]])
    assert produced(alone["999999999999"]) == expected("999999999999")
    # the same frameworks in the other order: the same rows (plans are cached per tuple of frameworks)
    swapped = compliance_tables(lake, DAY, "run-1", frameworks=frameworks[::-1])
    assert produced(swapped[accounts[0]]) == produced(tables[accounts[0]])


def test_a_resource_without_verdict_keeps_a_requirement_from_passing(tmp_path):
    """A PASS beside a "No verdict" (data that could not be read) is not a met requirement; a FAIL still fails."""
    import datetime as dt

    import pyarrow as pa

    from postureflow.checks.base import NO_VERDICT
    from postureflow.compliance.evaluate import compliance_tables
    from postureflow.lake import Lake
    from postureflow.lake import schema as lake_schema

    lake = Lake(str(tmp_path / "lake"))
    day, account = dt.date(2026, 11, 22), "123456789012"
    check = "s3_bucket_level_public_access_block"

    def finding(uid, status, text):
        return {"finding_uid": uid, "check_id": check, "check_title": "t", "severity": "high", "status": status,
                "status_extended": text, "account_id": account, "region": "us-east-1", "service": "s3",
                "resource_uid": f"arn:aws:s3:::{uid}", "resource_id": uid, "resource_type": "AwsS3Bucket",
                "resource_tags": [], "muted": False, "mute_reason": None, "scan_date": day, "run_id": "r",
                "scanned_at": dt.datetime(2026, 11, 22, tzinfo=dt.timezone.utc), "check_version": "v"}  # fmt: skip

    rows = [finding("seen", "PASS", "blocks"), finding("unseen", "MANUAL", f"{NO_VERDICT} unseen: could not read x")]
    lake.write_partition("findings", {"scan_date": day, "service": "s3", "account_id": account},
                         pa.Table.from_pylist(rows, schema=lake_schema.FINDINGS))  # fmt: skip
    table = compliance_tables(lake, day, "r")[account]
    judged = [r for r in table.to_pylist() if r["checks"] == [check]]
    assert judged and {r["status"] for r in judged} == {"NOT_EVALUATED"}
    assert all(r["pass_count"] == 1 and r["manual_count"] == 1 for r in judged)

    rows.append(finding("open", "FAIL", "does not block"))
    lake.write_partition("findings", {"scan_date": day, "service": "s3", "account_id": account},
                         pa.Table.from_pylist(rows, schema=lake_schema.FINDINGS))  # fmt: skip
    table = compliance_tables(lake, day, "r")[account]
    assert {r["status"] for r in table.to_pylist() if r["checks"] == [check]} == {"FAIL"}


def test_every_shipped_requirement_matches_a_plain_reference(lake):
    """All shipped frameworks, accounts with random mixes of PASS / FAIL / MANUAL / muted / no-verdict
    findings, a status outside the rules and a check no framework maps: every row (counts, status,
    framework score) equals the rules applied one requirement at a time in plain Python."""
    import random

    from postureflow.checks.base import NO_VERDICT

    frameworks = list(load_frameworks().values())
    mapped = sorted({c for fw in frameworks for req in fw.requirements for c in req.checks})
    rng = random.Random(7)
    checks = rng.sample(mapped, 40) + ["not_a_mapped_check"]
    kinds = ["PASS", "PASS", "FAIL", "MANUAL", "NO_VERDICT", "MUTED", "INFO"]
    accounts = [f"{400000000000 + i:012d}" for i in range(5)]
    rows = []
    for account in accounts:
        for n in range(120):
            check, kind = rng.choice(checks), rng.choice(kinds)
            status = {"NO_VERDICT": "MANUAL", "MUTED": rng.choice(["PASS", "FAIL", "MANUAL"])}.get(kind, kind)
            row = finding(account, DAY, check.split("_", 1)[0], check, f"r-{n}", status, muted=kind == "MUTED")
            if kind == "NO_VERDICT":
                row["status_extended"] = f"{NO_VERDICT} r-{n}: could not read it"
            rows.append(row)
    write_findings(lake, rows)

    def expected(account):
        per_check = {}  # check -> [pass, fail, manual, muted, no verdict]
        for row in rows:
            if row["account_id"] != account:
                continue
            n = per_check.setdefault(row["check_id"], [0] * 5)
            if row["muted"]:
                n[3] += 1
            elif row["status_extended"].startswith(NO_VERDICT):
                n[4] += 1
            elif row["status"] in ("PASS", "FAIL", "MANUAL"):
                n[("PASS", "FAIL", "MANUAL").index(row["status"])] += 1
        out = {}
        for fw in frameworks:
            judged = passed = 0
            statuses = {}
            for req in fw.requirements:
                p, f, m, mu, nv = (sum(per_check.get(c, [0] * 5)[k] for c in req.checks) for k in range(5))
                if not req.checks:
                    status = "MANUAL"
                elif f:
                    status = "FAIL"
                elif nv:
                    status = "NOT_EVALUATED"
                else:
                    status = _reference_status((p, f, m, mu, True))
                statuses[req.id] = (status, p, f, m + nv, mu)
                judged += status in ("PASS", "FAIL")
                passed += status == "PASS"
            score = 100.0 * passed / judged if judged else None
            out.update({(fw.key, rid): (*v, score) for rid, v in statuses.items()})
        return out

    tables = compliance_tables(lake, DAY, "run-1")
    assert list(tables) == accounts
    for account in accounts:
        got = {
            (r["framework_key"], r["requirement_id"]): (
                r["status"], r["pass_count"], r["fail_count"], r["manual_count"], r["muted_count"], r["framework_score"]
            )
            for r in tables[account].to_pylist()
        }
        assert got == expected(account), account
    statuses = {s for t in tables.values() for s in t.column("status").to_pylist()}
    assert statuses == {"PASS", "FAIL", "MANUAL", "NOT_EVALUATED"}


def test_the_blas_thread_count_is_restored_after_judging(lake, framework):
    """The products run on one OpenBLAS thread; the process's setting is put back afterwards."""
    from postureflow.compliance import evaluate

    write_findings(lake, _day_findings())
    calls = evaluate._ONE_BLAS_THREAD._functions()
    before = calls[0]() if calls else None
    with evaluate._ONE_BLAS_THREAD:
        with evaluate._ONE_BLAS_THREAD:  # re-entrant
            inside = calls[0]() if calls else None
        assert (calls[0]() if calls else None) == inside
    compliance_tables(lake, DAY, "run-1", frameworks=[framework])
    assert (calls[0]() if calls else None) == before
    assert inside in (None, 1)
