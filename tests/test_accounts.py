from pathlib import Path

import pytest

from postureflow.accounts import AccountsFileError, load_accounts


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "accounts.yaml"
    path.write_text(text)
    return path


def test_valid_file_with_defaults(tmp_path):
    path = write(
        tmp_path,
        """
defaults: {schedule: "0 3 * * *", regions: [us-east-1]}
accounts:
  - {alias: prod, account_id: "123456789012", aws_conn_id: aws_prod, services: {exclude: [macie]}}
  - {alias: dev, account_id: "210987654321", aws_conn_id: aws_dev, regions: all, schedule: null, catchup: true}
""",
    )
    loaded = load_accounts(path)
    assert loaded.errors == []
    prod, dev = loaded.accounts
    assert prod.dag_id == "posture_scan__prod" and prod.schedule == "0 3 * * *" and prod.regions == ("us-east-1",)
    assert "macie" not in prod.services() and "s3" in prod.services()
    assert dev.regions is None and dev.schedule is None and dev.catchup is True


@pytest.mark.parametrize(
    "entry, field",
    [
        ('{alias: bad, account_id: "12345", aws_conn_id: c}', "account_id"),
        ('{alias: bad, account_id: "123456789012"}', "aws_conn_id"),
        ('{alias: bad, account_id: "123456789012", aws_conn_id: c, regions: [mars-1]}', "regions"),
        ('{alias: bad, account_id: "123456789012", aws_conn_id: c, services: {include: [nosuch]}}', "services"),
        ('{alias: bad, account_id: "123456789012", aws_conn_id: c, schedule: "61 * * * *"}', "schedule"),
        ('{alias: bad, account_id: "123456789012", aws_conn_id: c, catchup: maybe}', "catchup"),
        ('{alias: bad, account_id: "123456789012", aws_conn_id: c, colour: red}', "colour"),
    ],
)
def test_bad_account_names_file_account_and_field_and_keeps_the_others(tmp_path, entry, field):
    path = write(
        tmp_path,
        f"""
accounts:
  - {{alias: good, account_id: "123456789012", aws_conn_id: aws_good}}
  - {entry}
""",
    )
    loaded = load_accounts(path)
    assert [a.alias for a in loaded.accounts] == ["good"]
    assert len(loaded.errors) == 1
    message = loaded.errors[0]
    assert str(path) in message and "'bad'" in message and field in message
    with pytest.raises(AccountsFileError, match="'bad'"):
        loaded.raise_for_errors()


def test_malformed_yaml_names_the_line(tmp_path):
    path = write(tmp_path, "accounts:\n  - alias: x\n   account_id: [\n")
    loaded = load_accounts(path)
    assert loaded.accounts == [] and "not valid YAML" in loaded.errors[0] and "line" in loaded.errors[0]


def test_missing_file_and_wrong_shape(tmp_path):
    assert "cannot be read" in load_accounts(tmp_path / "nope.yaml").errors[0]
    assert "'accounts' list" in load_accounts(write(tmp_path, "accounts: {}")).errors[0]


def test_duplicate_alias_and_account_id(tmp_path):
    path = write(
        tmp_path,
        """
accounts:
  - {alias: a, account_id: "123456789012", aws_conn_id: c}
  - {alias: a, account_id: "210987654321", aws_conn_id: c}
  - {alias: b, account_id: "123456789012", aws_conn_id: c}
""",
    )
    loaded = load_accounts(path)
    assert [a.alias for a in loaded.accounts] == ["a"]
    assert any("used twice" in e for e in loaded.errors) and any("declared twice" in e for e in loaded.errors)


def test_unquoted_twelve_digit_id_is_accepted(tmp_path):
    path = write(tmp_path, "accounts:\n  - {alias: a, account_id: 123456789012, aws_conn_id: c}\n")
    assert load_accounts(path).accounts[0].account_id == "123456789012"


def test_check_selection(tmp_path):
    path = write(
        tmp_path,
        """
accounts:
  - {alias: a, account_id: "123456789012", aws_conn_id: c, checks: {exclude: [s3_bucket_no_mfa_delete]}}
  - {alias: b, account_id: "210987654321", aws_conn_id: c, checks: {exclude: [no_such_check]}}
""",
    )
    loaded = load_accounts(path)
    (account,) = loaded.accounts
    runs = account.check_filter()
    assert runs("s3_bucket_no_mfa_delete") is False and runs("s3_bucket_secure_transport_policy") is True
    assert "no_such_check" in loaded.errors[0] and "'b'" in loaded.errors[0]


# -- issue 15 item 7: every bad value names file, account and field; the good accounts still load ------


@pytest.mark.parametrize(
    "entry, field, says",
    [
        # unquoted: YAML would build a date and fail the whole file ("month must be in 1..12")
        ('{alias: bad, account_id: "123456789012", aws_conn_id: c, start_date: 2026-13-45}', "start_date", "month"),
        ('{alias: bad, account_id: "123456789012", aws_conn_id: c, start_date: "01/02/2026"}', "start_date", "YYYY"),
        ('{alias: bad, account_id: "123456789012", aws_conn_id: c, schedule: "@sometimes"}', "schedule", "preset"),
        ('{alias: bad, account_id: "123456789012", aws_conn_id: c, schedule: "0 3 30 2 *"}', "schedule", "never fires"),
        ('{alias: bad, account_id: "123456789012", aws_conn_id: c, regions: [us-moon-1]}', "regions", "us-moon-1"),
        ('{alias: bad, account_id: "123456789012", aws_conn_id: c, regions: []}', "regions", "empty"),
        ('{alias: bad, account_id: "123456789012", aws_conn_id: c, regions: 5}', "regions", "'all' or a list"),
        ('{alias: bad, account_id: "123456789012", aws_conn_id: 5}', "aws_conn_id", "wrong type"),
        ('{alias: bad, account_id: "123456789012", aws_conn_id: c, mutelist: nope.yaml}', "mutelist", "does not exist"),
        ('{alias: bad, account_id: "123456789012", aws_conn_id: c, services: {include: []}}', "services.include", "empty"),
        ('{alias: bad, account_id: "123456789012", aws_conn_id: c, checks: {include: []}}', "checks.include", "empty"),
        ('{alias: bad, account_id: "123456789012", aws_conn_id: c, audit_config: {max_console_access_days: x}}',
         "audit_config", "max_console_access_days"),
        ('{alias: bad, account_id: 42, aws_conn_id: c}', "account_id", "quoted"),
        ('{alias: bad, account_id: "123456789012", aws_conn_id: c, retention: {findngs: 3}}', "retention", "findngs"),
    ],
)
def test_each_bad_value_is_named_and_the_good_account_loads(tmp_path, entry, field, says):
    path = write(
        tmp_path,
        f"""
accounts:
  - {{alias: good, account_id: "210987654321", aws_conn_id: aws_good}}
  - {entry}
""",
    )
    loaded = load_accounts(path)
    assert [a.alias for a in loaded.accounts] == ["good"]
    (message,) = loaded.errors
    assert str(path) in message and "account 'bad'" in message and f"field '{field}'" in message and says in message
    assert "is required" not in message  # a wrong type is not reported as missing


def test_wrong_type_is_not_reported_as_missing(tmp_path):
    path = write(tmp_path, 'accounts:\n  - {alias: a, account_id: "123456789012", aws_conn_id: 5}\n')
    (message,) = load_accounts(path).errors
    assert "field 'aws_conn_id' has the wrong type" in message and "got 5" in message


def test_opt_in_regions_and_region_strings_are_accepted(tmp_path):
    path = write(
        tmp_path,
        """
accounts:
  - {alias: a, account_id: "123456789012", aws_conn_id: c, regions: [me-central-1, ap-southeast-5]}
  - {alias: b, account_id: "210987654321", aws_conn_id: c, regions: "us-east-1, eu-west-1"}
""",
    )
    loaded = load_accounts(path)
    assert loaded.errors == []
    assert [a.regions for a in loaded.accounts] == [("me-central-1", "ap-southeast-5"), ("us-east-1", "eu-west-1")]


def test_unquoted_valid_start_date_and_airflow_presets(tmp_path):
    path = write(
        tmp_path,
        'accounts:\n  - {alias: a, account_id: "123456789012", aws_conn_id: c, start_date: 2026-02-03, schedule: "@weekly"}\n',
    )
    (account,) = load_accounts(path).accounts
    assert account.start_date == "2026-02-03" and account.schedule == "@weekly"


def test_schedule_presets_are_airflows():
    from airflow.utils.dates import cron_presets

    from postureflow.accounts import SCHEDULE_PRESETS

    assert set(SCHEDULE_PRESETS) == {*cron_presets, "@once", "@continuous"}


def test_excluding_every_service_is_an_error(tmp_path):
    from postureflow.engine import all_services

    excluded = ", ".join(all_services())
    path = write(tmp_path, f'accounts:\n  - {{alias: a, account_id: "123456789012", aws_conn_id: c, services: {{exclude: [{excluded}]}}}}\n')
    (message,) = load_accounts(path).errors
    assert "field 'services'" in message and "selects no service" in message


def test_mutelist_is_checked_and_unknown_check_ids_are_warnings(tmp_path):
    (tmp_path / "mutelist.yaml").write_text(
        'Mutelist:\n  Accounts:\n    "*":\n      Checks:\n'
        '        "s3_bucket_no_mfa_delete": {Regions: ["*"], Resources: ["*"]}\n'
        '        "s3_bucket_no_such_check": {Regions: ["*"], Resources: ["*"]}\n'
    )
    (tmp_path / "broken.yaml").write_text("Mutelist:\n  Accounts:\n    '*': {Checks: {x: {Regions: '*'}}}\n")
    path = write(
        tmp_path,
        """
accounts:
  - {alias: a, account_id: "123456789012", aws_conn_id: c, mutelist: mutelist.yaml}
  - {alias: b, account_id: "210987654321", aws_conn_id: c, mutelist: broken.yaml}
""",
    )
    loaded = load_accounts(path)
    assert [a.alias for a in loaded.accounts] == ["a"]
    assert loaded.accounts[0].mutelist == str(tmp_path / "mutelist.yaml")
    (error,) = loaded.errors
    assert "account 'b'" in error and "field 'mutelist'" in error and "broken.yaml" in error
    (warning,) = loaded.warnings
    assert "s3_bucket_no_such_check" in warning and "matches no postureflow check" in warning


def test_audit_config_defaults_and_per_account_overrides(tmp_path):
    (tmp_path / "prowler.yaml").write_text("aws:\n  max_unused_access_keys_days: 30\n  elb_min_azs: 3\nazure: {x: 1}\n")
    path = write(
        tmp_path,
        """
defaults:
  audit_config: {max_unused_access_keys_days: 60, trusted_account_ids: ["111122223333"]}
accounts:
  - {alias: a, account_id: "123456789012", aws_conn_id: c}
  - {alias: b, account_id: "210987654321", aws_conn_id: c, audit_config: {max_unused_access_keys_days: 90}}
  - {alias: f, account_id: "333333333333", aws_conn_id: c, audit_config: prowler.yaml}
""",
    )
    loaded = load_accounts(path)
    assert loaded.errors == []
    a, b, f = (account.resolved_config() for account in loaded.accounts)
    assert a["max_unused_access_keys_days"] == 60 and a["trusted_account_ids"] == ["111122223333"]
    assert b["max_unused_access_keys_days"] == 90 and b["trusted_account_ids"] == ["111122223333"]
    assert f["max_unused_access_keys_days"] == 30 and f["elb_min_azs"] == 3 and f["trusted_account_ids"] == []
    assert a["max_console_access_days"] == 45  # Prowler's default where nobody overrides


def test_unknown_audit_config_key_is_a_warning(tmp_path):
    path = write(tmp_path, 'accounts:\n  - {alias: a, account_id: "123456789012", aws_conn_id: c, audit_config: {nosuch_key: 1}}\n')
    loaded = load_accounts(path)
    assert loaded.errors == [] and "nosuch_key" in loaded.warnings[0]


def test_published_json_schema_is_current():
    import json

    from postureflow.accounts import json_schema

    published = Path(__file__).resolve().parents[1] / "docs" / "accounts.schema.json"
    assert json.loads(published.read_text()) == json_schema(), "regenerate: python -m postureflow.accounts > docs/accounts.schema.json"


def test_json_schema_validates_the_example_and_rejects_a_bad_file():
    import jsonschema
    import yaml

    from postureflow.accounts import json_schema

    schema = json_schema()
    good = yaml.safe_load('defaults: {regions: all}\naccounts: [{alias: a, account_id: "123456789012", aws_conn_id: c}]')
    jsonschema.validate(good, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"accounts": [{"alias": "a", "account_id": "123456789012", "aws_conn_id": 5}]}, schema)


def test_scan_unused_services_from_the_defaults_and_per_account(tmp_path, monkeypatch):
    # The accounts-file twin of Prowler's --scan-unused-services: it reaches the scan's context and config.
    import datetime as dt

    from postureflow import runs

    path = write(tmp_path, """
defaults:
  scan_unused_services: true
accounts:
  - {alias: a, account_id: "123456789012", aws_conn_id: c}
  - {alias: b, account_id: "210987654321", aws_conn_id: c, scan_unused_services: false}
  - {alias: d, account_id: "333333333333", aws_conn_id: c, scan_unused_services: "yes"}
""")
    loaded = load_accounts(path)
    by_alias = {a.alias: a for a in loaded.accounts}
    assert by_alias["a"].scan_unused_services and by_alias["a"].resolved_config()["scan_unused_services"] is True
    assert not by_alias["b"].scan_unused_services and by_alias["b"].resolved_config()["scan_unused_services"] is False
    assert "d" not in by_alias and any("scan_unused_services" in e for e in loaded.errors)

    seen = {}
    monkeypatch.setattr(runs, "scan_service", lambda ctx, *a, **k: seen.setdefault("ctx", ctx))
    info = runs.RunInfo(run_id="r", scan_date=dt.date(2026, 11, 22), backfill=True)
    runs.run_service(by_alias["a"], {"regions": ["us-east-1"], "backfill": True}, "ec2", info, None, None)
    assert seen["ctx"].scan_unused_services and seen["ctx"].config["scan_unused_services"] is True
