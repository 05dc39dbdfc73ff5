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
