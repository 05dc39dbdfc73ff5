"""Audit config as a Prowler user writes it (issue 13 item 1): a Prowler config.yaml works as is,
wrong values are named, and a config looser than Prowler's default is marked in the compliance output."""

import datetime as dt
import logging
from pathlib import Path

import boto3
import pytest

from postureflow.config import audit_config, prowler_defaults, resolve
from postureflow.config.files import ConfigError, load_config_file
from postureflow.config.strictness import DIRECTIONS, direction_of, is_looser, looser_keys

REFERENCE = Path(__file__).resolve().parents[2] / "shared" / "reference" / "prowler-5.46"


def reference(name: str) -> Path:
    path = REFERENCE / name
    if not path.is_file():  # the reference lives beside the repo in the workplace, not in a clone elsewhere
        pytest.skip("Prowler reference data not present beside the repository")
    return path


def test_prowlers_own_config_file_loads_unchanged_and_equals_the_defaults():
    loaded = load_config_file(reference("config_aws.yaml"))
    assert loaded.warnings == []
    assert set(loaded.values) == set(prowler_defaults())
    assert resolve(str(reference("config_aws.yaml"))) == audit_config()


def test_a_full_prowler_config_uses_its_aws_section_and_warns_on_unknown_keys(tmp_path, caplog):
    path = tmp_path / "config.yaml"
    path.write_text(
        "aws:\n  max_unused_access_keys_days: 90\n  trusted_account_ids: ['210987654321']\n  not_a_prowler_key: 1\n"
        "azure:\n  shodan_api_key: null\ngcp:\n  shodan_api_key: null\n"
    )
    loaded = load_config_file(path)
    assert loaded.values == {"max_unused_access_keys_days": 90, "trusted_account_ids": ["210987654321"]}
    assert len(loaded.warnings) == 1 and "not_a_prowler_key" in loaded.warnings[0] and str(path) in loaded.warnings[0]
    with caplog.at_level(logging.WARNING):
        config = resolve(str(path))
    assert config["max_unused_access_keys_days"] == 90 and config["max_console_access_days"] == 45
    assert "not_a_prowler_key" in caplog.text


@pytest.mark.parametrize(
    "text, says",
    [
        ("aws:\n  max_unused_access_keys_days: soon\n", "max_unused_access_keys_days"),
        ("aws:\n  trusted_account_ids: '210987654321'\n", "trusted_account_ids"),
        ("aws:\n  mute_non_default_regions: 1\n", "mute_non_default_regions"),
        ("aws:\n  secrets_ignore_patterns: ['(unclosed']\n", "secrets_ignore_patterns"),
        ("aws: [1, 2]\n", "'aws:' section must be a mapping"),
        ("aws:\n  a: [\n", "not valid YAML"),
    ],
)
def test_wrong_values_name_the_file_and_the_key(tmp_path, text, says):
    path = tmp_path / "config.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as err:
        load_config_file(path)
    assert str(path) in str(err.value) and says in str(err.value)


def test_every_prowler_key_has_a_direction():
    assert sorted(set(prowler_defaults()) - set(DIRECTIONS)) == []
    assert set(DIRECTIONS.values()) <= {"higher", "lower", "more", "fewer", "true", "false", "version_lower",
                                        "severity_higher", "limit", "neutral"}  # fmt: skip
    assert direction_of("max_new_thing_days") == "higher" and direction_of("min_new_thing") == "lower"


@pytest.mark.parametrize(
    "key, value, looser",
    [
        ("max_unused_access_keys_days", 90, True),
        ("max_unused_access_keys_days", 30, False),
        ("elb_min_azs", 1, True),
        ("elb_min_azs", 3, False),
        ("trusted_account_ids", ["210987654321"], True),
        ("ec2_high_risk_ports", [25, 110], True),  # fewer risky ports watched
        ("ec2_high_risk_ports", [25, 110, 135, 143, 445, 3000, 4333, 5000, 5500, 8080, 8088, 22], False),
        ("mute_non_default_regions", True, True),
        ("verify_premium_support_plans", False, True),
        ("eks_cluster_oldest_version_supported", "1.25", True),
        ("eks_cluster_oldest_version_supported", "1.30", False),
        ("ecr_repository_vulnerability_minimum_severity", "CRITICAL", True),
        ("ecr_repository_vulnerability_minimum_severity", "LOW", False),
        ("max_ebs_snapshots", 10, True),  # a limit: fewer snapshots judged
        ("shodan_api_key", "k", False),
    ],
)
def test_looser_per_key_direction(key, value, looser):
    assert is_looser(key, value, prowler_defaults()[key]) is looser


def test_looser_keys_of_a_check():
    config = audit_config({"max_unused_access_keys_days": 90, "max_console_access_days": 30})
    keys = ["max_unused_access_keys_days", "max_console_access_days"]
    assert looser_keys(keys, config) == ["max_unused_access_keys_days"]
    assert looser_keys(keys, audit_config()) == [] and looser_keys(keys, None) == []


def test_scan_unused_services_off_is_prowlers_default_and_not_looser():
    # Prowler's --scan-unused-services is off by default; on judges more resources (stricter).
    assert direction_of("scan_unused_services") == "false"
    keys = ["scan_unused_services"]
    assert looser_keys(keys, audit_config()) == []
    assert looser_keys(keys, audit_config({"scan_unused_services": True})) == []
    assert is_looser("scan_unused_services", False, True) and not is_looser("scan_unused_services", True, False)


def test_compliance_marks_requirements_judged_under_a_looser_config(tmp_path, monkeypatch):
    from postureflow.checks.base import CHECKS, PASS, Check
    from postureflow.compliance.evaluate import compliance_tables
    from postureflow.compliance.frameworks import parse_framework
    from postureflow.lake import Lake

    def never(resources):  # a stand-in check that declares a Prowler config key
        yield from ()

    fake = Check(id="pf_test_unused_keys", service="iam", title="t", severity="low", resource_type="AwsIamUser",
                 reads=("iam.users",), risk="r", remediation="r", fn=never, version="0",
                 config_keys=("max_unused_access_keys_days",))  # fmt: skip
    monkeypatch.setitem(CHECKS, fake.id, fake)
    framework = parse_framework(
        {"framework": "T", "version": "1", "requirements": [
            {"id": "1", "checks": ["pf_test_unused_keys"]}, {"id": "2", "checks": []}]},
        tmp_path / "t_1.yaml", known_checks=[fake.id],
    )  # fmt: skip
    lake = Lake(str(tmp_path / "lake"))
    day = dt.date(2026, 10, 1)

    def marks(config):
        table = compliance_tables(lake, day, "r", ["123456789012"], [framework], config=config)["123456789012"]
        return dict(zip(table.column("requirement_id").to_pylist(), table.column("looser_config").to_pylist()))

    assert marks(audit_config({"max_unused_access_keys_days": 90})) == {"1": ["max_unused_access_keys_days"], "2": []}
    assert marks(audit_config({"max_unused_access_keys_days": 30})) == {"1": [], "2": []}
    assert marks(None) == {"1": [], "2": []}
    assert PASS  # the contract module stays importable beside the stand-in


def test_scan_cli_reads_a_prowler_config_file(aws, tmp_path, capsys):
    from postureflow.cli import main

    boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="pf-config-bucket")
    code = main(["scan", "--lake", str(tmp_path / "lake"), "--regions", "us-east-1", "--services", "s3",
                 "--no-progress", "--scan-date", "2026-11-22", "--config-file", str(reference("config_aws.yaml"))])  # fmt: skip
    assert code in (0, 3) and "Overview Results" in capsys.readouterr().out  # 3: FAILs remain (Prowler's code)
    bad = tmp_path / "bad.yaml"
    bad.write_text("aws:\n  max_console_access_days: never\n")
    code = main(["scan", "--lake", str(tmp_path / "lake"), "--services", "s3", "--no-progress", "--config-file", str(bad)])
    err = capsys.readouterr().err
    assert code == 1 and str(bad) in err and "max_console_access_days" in err


def test_custom_checks_metadata_file_is_not_an_audit_config(tmp_path):
    # Prowler's custom metadata file is a different file (--custom-checks-metadata-file): given as a
    # config file, it carries no aws: keys and changes nothing rather than being misread.
    loaded = load_config_file(reference("custom_checks_metadata_example.yaml"))
    assert loaded.values == {} and any("CustomChecksMetadata" in w for w in loaded.warnings)
