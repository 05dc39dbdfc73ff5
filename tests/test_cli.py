import json

import boto3
import pytest

from postureflow.cli import main


def test_checks_list_json(capsys):
    assert main(["checks", "list", "--json"]) == 0
    checks = json.loads(capsys.readouterr().out)
    assert len(checks) >= 300 and len({c["service"] for c in checks}) >= 40
    assert {"id", "service", "severity", "frameworks"} <= set(checks[0])
    by_id = {c["id"]: c for c in checks}
    assert "CIS 6.0" in by_id["iam_root_mfa_enabled"]["frameworks"]


def test_every_cis_check_is_implemented():
    import json as _json
    from pathlib import Path

    from postureflow.checks import all_checks

    reference = Path(__file__).resolve().parents[2] / "shared" / "reference" / "prowler-5.46" / "compliance"
    wanted = set()
    for version in ("3.0", "4.0", "5.0", "6.0"):
        path = reference / f"cis_{version}_aws.json"
        if path.exists():
            for requirement in _json.loads(path.read_text())["requirements"]:
                wanted.update(requirement.get("checks", []))
    if not wanted:  # the reference lives beside the repo in the workplace, not in a clone elsewhere
        import pytest

        pytest.skip("Prowler reference data not present beside the repository")
    assert sorted(wanted - set(all_checks())) == []


def test_scan_command_writes_the_lake_and_prints_the_summary(aws, tmp_path, capsys):
    boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="pf-cli-bucket")
    code = main(["scan", "--lake", str(tmp_path), "--regions", "us-east-1", "--services", "s3", "--no-progress",
                 "--scan-date", "2026-11-22"])
    captured = capsys.readouterr()
    out = captured.out
    assert code == 3  # Prowler's code: FAIL findings remain (a fresh bucket fails several checks)
    assert "Overview Results" in out and "s3" in out and "AWS API calls" in out
    assert "Scan errors" not in out
    assert f"postureflow: lake {tmp_path}" in captured.err
    from postureflow.lake import Lake

    partition = {"scan_date": "2026-11-22", "service": "s3", "account_id": "123456789012"}
    assert Lake(str(tmp_path)).partition_exists("findings", partition)


def test_unknown_service_is_a_clear_error(aws, tmp_path, capsys):
    code = main(["scan", "--lake", str(tmp_path), "--services", "nosuch", "--no-progress"])
    assert code == 2 and "unknown service(s) nosuch" in capsys.readouterr().err  # usage error, like Prowler


# -- exit codes, scan errors in the summary, regions, the lake line -----------------------------------

SCAN = ["scan", "--regions", "us-east-1", "--services", "s3", "--no-progress", "--scan-date", "2026-11-22"]


class UnreachableAccess:
    """An AwsAccess whose clients of ``services`` fail as if the endpoint vanished (a botocore
    before-send hook raising EndpointConnectionError, as urllib3 does when nothing listens)."""

    def __new__(cls, *services: str):
        from botocore.exceptions import EndpointConnectionError

        from postureflow.aws import AwsAccess

        access = AwsAccess(lambda: boto3.session.Session())
        plain = access.client

        def client(service, region):
            fresh = (service, region) not in access._clients
            made = plain(service, region)
            if fresh and service in services:
                def vanish(request, **_):
                    raise EndpointConnectionError(endpoint_url=request.url)

                made.meta.events.register("before-send", vanish)
            return made

        access.client = client
        return access


def test_ignore_exit_code_3(aws, tmp_path):
    boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="pf-cli-bucket")
    assert main([*SCAN, "--lake", str(tmp_path), "-z"]) == 0


def test_denied_reads_exit_4_and_the_summary_names_service_and_region(aws, tmp_path, capsys, monkeypatch):
    from postureflow.testing import DeniedAccess

    boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="pf-cli-bucket")
    monkeypatch.setattr("postureflow.aws.AwsAccess.from_default_chain",
                        classmethod(lambda cls, profile=None: DeniedAccess("s3:GetBucketPolicy",
                                                                             base=_plain_access())))
    code = main([*SCAN, "--lake", str(tmp_path)])
    captured = capsys.readouterr()
    assert code == 4, captured.err
    assert "Scan errors: 1" in captured.out
    row = next(line for line in captured.out.splitlines() if "access denied" in line)
    assert "s3" in row and "us-east-1" in row and "AccessDenied" in row
    assert "exit code 4" in captured.err


def test_a_vanished_endpoint_exits_4_and_says_endpoint_unreachable(aws, tmp_path, capsys, monkeypatch):
    boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="pf-cli-bucket")
    monkeypatch.setattr("postureflow.aws.AwsAccess.from_default_chain",
                        classmethod(lambda cls, profile=None: UnreachableAccess("s3", "s3control")))
    code = main([*SCAN, "--lake", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 4
    rows = [line for line in out.splitlines() if "endpoint unreachable" in line]
    assert rows and all("s3" in r and "us-east-1" in r for r in rows)
    import datetime as dt

    from postureflow.lake import Lake
    from postureflow.scope import read_day

    statuses = {r["region"]: r["status"] for r in read_day(Lake(str(tmp_path)), "123456789012", dt.date(2026, 11, 22))
                if r["service"] == "s3"}
    assert statuses == {"us-east-1": "incomplete"}


def _plain_access():
    """An AwsAccess on the standard chain, made without the patched constructor."""
    from postureflow.aws import AwsAccess

    return AwsAccess(lambda: boto3.session.Session())


@pytest.mark.parametrize("regions, message", [
    (["us-moon-1"], "unknown region(s) us-moon-1"),
    ([""], "--regions is empty"),
    (["ap-east-1"], "none of the regions ap-east-1 is enabled"),
])
def test_bad_regions_are_one_line_errors_with_exit_2(aws, tmp_path, capsys, monkeypatch, regions, message):
    monkeypatch.setattr("postureflow.aws.AwsAccess.enabled_regions", lambda self: ["us-east-1", "eu-west-1"])
    code = main(["scan", "--lake", str(tmp_path), "--services", "s3", "--no-progress", "--regions", *regions])
    err = capsys.readouterr().err
    assert code == 2
    errors = [line for line in err.splitlines() if line.startswith("postureflow: error:")]
    assert len(errors) == 1 and message in errors[0]
    assert "Traceback" not in err


@pytest.mark.parametrize("command", [
    ["sql", "SELECT 1"],
    ["report", "--account", "123456789012", "--date", "2026-11-22"],
])
def test_commands_that_read_the_lake_refuse_a_lake_that_does_not_exist(tmp_path, capsys, command):
    missing = tmp_path / "nonexistent"
    assert main([*command, "--lake", str(missing)]) == 1
    err = capsys.readouterr().err
    assert f"no lake at {missing}" in err
    assert not missing.exists()


def test_the_default_lake_is_named_on_stderr(tmp_path, capsys, monkeypatch):
    (tmp_path / "home" / "lake").mkdir(parents=True)
    monkeypatch.delenv("POSTUREFLOW_LAKE", raising=False)
    monkeypatch.setenv("AIRFLOW_HOME", str(tmp_path / "home"))
    assert main(["sql", "SELECT 42 AS answer", "--format", "csv"]) == 0
    err = capsys.readouterr().err
    assert f"postureflow: lake {tmp_path / 'home' / 'lake'} (default: $AIRFLOW_HOME/lake" in err
    # the line names the rule that decided, not the whole fallback chain
    monkeypatch.setenv("POSTUREFLOW_LAKE", str(tmp_path / "home" / "lake"))
    assert main(["sql", "SELECT 42 AS answer", "--format", "csv"]) == 0
    err = capsys.readouterr().err
    assert f"postureflow: lake {tmp_path / 'home' / 'lake'} (from $POSTUREFLOW_LAKE)" in err
    assert "AIRFLOW_HOME" not in err


def test_the_summary_is_the_runs_services_not_the_days_other_runs(aws, tmp_path, capsys, monkeypatch):
    """A scan of sqs after a partial s3 scan the same day: its summary shows neither s3's rows nor s3's
    scan errors (the exit code, 0, is the run's too)."""
    from postureflow.testing import DeniedAccess

    boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="pf-cli-bucket")
    with monkeypatch.context() as patched:
        patched.setattr("postureflow.aws.AwsAccess.from_default_chain",
                        classmethod(lambda cls, profile=None: DeniedAccess("s3:GetBucketPolicy", base=_plain_access())))
        assert main([*SCAN, "--lake", str(tmp_path)]) == 4
    assert "Scan errors: 1" in capsys.readouterr().out
    assert main(["scan", "--lake", str(tmp_path), "--services", "sqs", "--regions", "us-east-1", "--no-progress",
                 "--scan-date", "2026-11-22"]) == 0
    out = capsys.readouterr().out
    assert "Scan errors" not in out and "access denied" not in out
    assert not [line for line in out.splitlines() if line.startswith("│ s3 ")]
