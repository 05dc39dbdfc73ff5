import json

import boto3

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
    out = capsys.readouterr().out
    assert code == 0
    assert "Overview Results" in out and "s3" in out and "AWS API calls" in out
    assert (tmp_path / "findings" / "scan_date=2026-11-22" / "service=s3" / "account_id=123456789012").is_dir()


def test_unknown_service_is_a_clear_error(aws, tmp_path, capsys):
    code = main(["scan", "--lake", str(tmp_path), "--services", "nosuch", "--no-progress"])
    assert code == 1 and "unknown service(s) nosuch" in capsys.readouterr().err
