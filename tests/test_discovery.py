"""`postureflow accounts discover`: an AWS Organization (moto) merged into the accounts file."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import boto3
import pytest

from postureflow import discovery
from postureflow.accounts import AccountsFileError, load_accounts
from postureflow.aws import AwsAccess
from postureflow.cli import main
from postureflow.discovery import OrgAccount, merge

MANAGEMENT_CONN = "aws_org_mgmt"
REPO_ACCOUNTS = Path(__file__).resolve().parents[1] / "include" / "accounts.yaml"


@pytest.fixture
def org(aws, monkeypatch):
    """moto Organizations with a management connection; returns a helper that creates accounts."""
    monkeypatch.setenv(
        f"AIRFLOW_CONN_{MANAGEMENT_CONN.upper()}",
        json.dumps({"conn_type": "aws", "login": "testing", "password": "testing", "extra": {"region_name": "us-east-1"}}),
    )
    client = boto3.client("organizations", region_name="us-east-1")
    client.create_organization(FeatureSet="ALL")
    ids: dict[str, str] = {}

    def create(name: str) -> str:
        status = client.create_account(AccountName=name, Email=f"{len(ids)}-{abs(hash(name))}@example.com")
        ids[name] = status["CreateAccountStatus"]["AccountId"]
        return ids[name]

    create.client = client
    create.ids = ids
    create.management = client.describe_organization()["Organization"]["MasterAccountId"]
    return create


@pytest.fixture
def accounts_file(tmp_path):
    path = tmp_path / "accounts.yaml"
    path.write_text(REPO_ACCOUNTS.read_text())
    return path


def discover_cli(path: Path, *extra: str) -> int:
    return main(["accounts", "discover", "--conn-id", MANAGEMENT_CONN, "--accounts", str(path), *extra])


def entries(path: Path) -> dict[str, dict]:
    import yaml

    return {e["account_id"]: e for e in yaml.safe_load(path.read_text())["accounts"]}


def test_discover_adds_active_accounts_through_the_airflow_connection(org, accounts_file, capsys):
    prod = org("Prod Workloads")
    dev = org("Dév Team #1")
    closed = org("Old Sandbox")
    org.client.close_account(AccountId=closed)

    assert discover_cli(accounts_file) == 0
    loaded = load_accounts(accounts_file)
    assert loaded.errors == []
    by_id = {a.account_id: a for a in loaded.accounts}
    assert set(by_id) == {org.management, prod, dev}  # the suspended account is not added
    assert by_id[prod].alias == "prod-workloads" and by_id[prod].aws_conn_id == "aws_prod_workloads"
    assert by_id[dev].alias == "dev-team-1"
    # the management account is scanned through the management connection
    assert by_id[org.management].aws_conn_id == MANAGEMENT_CONN
    # new entries take the file's defaults
    assert by_id[prod].schedule == "@daily" and by_id[prod].regions is None
    text = accounts_file.read_text()
    assert f'account_id: "{prod}"' in text  # quoted, so a leading zero would survive
    assert "# postureflow accounts: one scan DAG" in text  # the file's own comments are kept
    out = capsys.readouterr().out
    assert "added" in out and "prod-workloads" in out and f"skipped  {closed}" in out


def test_hand_edits_survive_a_second_discover(org, accounts_file):
    prod = org("Prod")
    dev = org("Dev")
    assert discover_cli(accounts_file) == 0
    text = accounts_file.read_text()
    # the user renames an alias, narrows regions, excludes a service and comments
    edited = text.replace("alias: prod ", "alias: production ").replace(
        f'account_id: "{prod}"\n    aws_conn_id: aws_prod\n',
        f'account_id: "{prod}"\n    aws_conn_id: aws_prod_custom  # our own role\n'
        "    regions: [eu-west-1, us-east-1]\n    services: {exclude: [macie]}\n    schedule: \"0 3 * * *\"\n",
    )
    edited = edited.replace("defaults:\n", "# house rules below\ndefaults:\n")
    assert edited != text
    accounts_file.write_text(edited)

    later = org("Data Lake")
    org.client.close_account(AccountId=dev)
    found = discovery.discover(
        AwsAccess.from_airflow_connection(MANAGEMENT_CONN), accounts_file, management_conn_id=MANAGEMENT_CONN
    )
    assert [a["account_id"] for a in found.added] == [later]
    assert [alias for alias, _ in found.flagged] == ["dev"]
    after = accounts_file.read_text()
    # every line the user wrote is still there, in order
    user_lines = [line for line in edited.splitlines() if line.strip()]
    kept = [line for line in after.splitlines() if line.strip()]
    flagged_line = f'    account_id: "{dev}"'
    assert [line.split("  # postureflow discover:")[0].rstrip() if line.startswith(flagged_line) else line
            for line in kept if line in user_lines or line.startswith(flagged_line)] == user_lines
    loaded = {a.account_id: a for a in load_accounts(accounts_file).accounts}
    assert loaded[prod].alias == "production"
    assert loaded[prod].aws_conn_id == "aws_prod_custom"
    assert loaded[prod].regions == ("eu-west-1", "us-east-1")
    assert loaded[prod].exclude_services == ("macie",)
    assert loaded[prod].schedule == "0 3 * * *"
    assert loaded[later].alias == "data-lake"
    # the suspended account keeps its entry, with a note on its account_id line
    assert dev in loaded
    assert "SUSPENDED in the organization" in next(line for line in after.splitlines() if dev in line)
    assert load_accounts(accounts_file).errors == []

    # a third run with nothing new leaves the file byte for byte (the note keeps its first date)
    again = discovery.discover(
        AwsAccess.from_airflow_connection(MANAGEMENT_CONN),
        accounts_file,
        management_conn_id=MANAGEMENT_CONN,
        today=dt.date.today() + dt.timedelta(days=3),
    )
    assert not again.changed and not again.written
    assert accounts_file.read_text() == after


def test_every_page_of_accounts_is_read(org, tmp_path):
    made = {org(f"Team {n:02d}") for n in range(23)}
    access = AwsAccess.from_default_chain()
    listed = discovery.list_organization_accounts(access)
    assert made <= {a.account_id for a in listed}
    pages = access.call_log.calls[("organizations", "us-east-1", "ListAccounts")]
    assert pages >= 2  # 24 accounts, 20 a page: the paginator followed NextToken
    path = tmp_path / "new" / "accounts.yaml"  # no file yet: created with defaults
    found = discovery.discover(access, path)
    assert found.written and len(load_accounts(path).accounts) == len(made) + 1
    # discovery stays within the read-only policy the management account's role has
    from postureflow.iam import iam_action, load_policy, policy_allows

    policy = load_policy()
    assert all(policy_allows(policy, iam_action(s, op)) for (s, _, op) in access.call_log.calls)


def test_dry_run_writes_nothing_and_shows_the_change(org, accounts_file, capsys):
    org("Prod")
    before = accounts_file.read_text()
    assert discover_cli(accounts_file, "--dry-run", "--role-name", "Auditor") == 0
    assert accounts_file.read_text() == before
    out = capsys.readouterr().out
    assert "+  - alias: prod" in out and "dry run: nothing written" in out
    assert ":role/Auditor" in out  # the connection the new account needs


def test_connections_file_is_importable_by_airflow_and_keeps_existing_entries(org, accounts_file, tmp_path):
    from airflow.secrets.local_filesystem import load_connections_dict

    prod = org("Prod")
    conns = tmp_path / "connections.json"
    conns.write_text(json.dumps({"aws_prod": {"conn_type": "aws", "extra": {"role_arn": "mine"}}}))
    dev = org("Dev")
    assert discover_cli(accounts_file, "--connections", str(conns), "--role-name", "Audit", "--external-id", "xyz") == 0
    loaded = load_connections_dict(str(conns))
    assert loaded["aws_prod"].extra_dejson["role_arn"] == "mine"  # kept as the user had it
    extra = loaded["aws_dev"].extra_dejson
    assert extra["role_arn"] == f"arn:aws:iam::{dev}:role/Audit"
    assert extra["assume_role_kwargs"] == {"ExternalId": "xyz"}
    assert MANAGEMENT_CONN not in loaded  # exists already: it is how discover got in
    assert loaded["aws_dev"].password is None and loaded["aws_dev"].login is None  # no secret in the file
    assert prod in entries(accounts_file)


def test_a_written_connection_reaches_its_account(org, accounts_file, tmp_path, monkeypatch):
    """The provider's hook assumes the role from the generated connection (moto's STS) into the member account."""
    dev = org("Dev")
    conns = tmp_path / "connections.json"
    assert discover_cli(accounts_file, "--connections", str(conns)) == 0
    definition = json.loads(conns.read_text())["aws_dev"]
    monkeypatch.setenv("AIRFLOW_CONN_AWS_DEV", json.dumps(definition))
    assert AwsAccess.from_airflow_connection("aws_dev").caller_account_id() == dev


def test_a_broken_file_is_reported_and_left_alone(org, tmp_path, capsys):
    org("Prod")
    path = tmp_path / "accounts.yaml"
    path.write_text("accounts:\n  - alias: [unclosed\n")
    assert discover_cli(path) == 1
    assert path.read_text() == "accounts:\n  - alias: [unclosed\n"
    err = capsys.readouterr().err
    assert str(path) in err and "not valid YAML" in err
    path.write_text("just: a mapping\n")
    with pytest.raises(AccountsFileError, match=f"{path}: must be a mapping with an 'accounts' list"):
        discovery.discover(AwsAccess.from_default_chain(), path)


def test_a_bad_connection_template_changes_nothing(org, accounts_file):
    org("Prod")
    before = accounts_file.read_text()
    with pytest.raises(AccountsFileError, match="conn-id-template"):
        discovery.discover(AwsAccess.from_default_chain(), accounts_file, conn_id_template="aws {alias}")
    with pytest.raises(AccountsFileError, match="conn-id-template"):
        discovery.discover(AwsAccess.from_default_chain(), accounts_file, conn_id_template="aws_{nope}")
    assert accounts_file.read_text() == before


# -- merging, without AWS ----------------------------------------------------------------------------


def test_note_comes_and_goes_and_user_comments_stay(tmp_path):
    text = (
        "accounts:\n"
        "- alias: a\n"
        '  account_id: "111111111111"\n'
        "  aws_conn_id: aws_a\n"
        "- alias: b\n"
        '  account_id: "222222222222"  # shared services, do not touch\n'
        "  aws_conn_id: aws_b\n"
    )
    path = tmp_path / "accounts.yaml"
    gone = merge(text, [OrgAccount("111111111111", "A", "SUSPENDED")], path, today=dt.date(2026, 11, 1))
    assert [alias for alias, _ in gone.flagged] == ["a", "b"]
    assert '"111111111111"  # postureflow discover: SUSPENDED in the organization (seen 2026-11-01)\n' in gone.text
    assert "# shared services, do not touch" in gone.text  # the user's comment is not replaced
    assert "not in the organization" not in gone.text.split("222222222222")[1].splitlines()[0]
    assert gone.text.startswith("accounts:\n- alias: a\n")  # the file's own indentation
    back = merge(
        gone.text,
        [OrgAccount("111111111111", "A", "ACTIVE"), OrgAccount("222222222222", "B", "ACTIVE")],
        path,
        today=dt.date(2026, 11, 5),
    )
    assert "postureflow discover" not in back.text and back.text == text
    assert back.kept == ["a", "b"] and not back.flagged


def test_aliases_are_slugs_and_unique(tmp_path):
    org = [
        OrgAccount("100000000001", "Prod", "ACTIVE"),
        OrgAccount("100000000002", "PROD", "ACTIVE"),
        OrgAccount("100000000003", "prod", "ACTIVE"),
        OrgAccount("100000000004", "日本", "ACTIVE"),
        OrgAccount("100000000005", "x" * 80, "ACTIVE"),
        OrgAccount("100000000006", "Ünïcode  Names!", "ACTIVE"),
    ]
    text = 'accounts:\n  - alias: prod\n    account_id: "999999999999"\n    aws_conn_id: aws_prod\n'
    found = merge(text, org, tmp_path / "a.yaml")
    aliases = [a["alias"] for a in found.added]
    assert aliases == ["prod-0001", "prod-0002", "prod-0003", "account-100000000004", "x" * 50, "unicode-names"]
    path = tmp_path / "a.yaml"
    path.write_text(found.text)
    assert load_accounts(path).errors == []


def test_slugify():
    assert discovery.slugify("Prod Workloads (EU)") == "prod-workloads-eu"
    assert discovery.slugify("--") == ""
    assert discovery.conn_id_for("aws_{alias}", "prod-eu", "123456789012", "Prod EU") == "aws_prod_eu"
    assert discovery.conn_id_for("pf-{account_id}", "x", "123456789012", "X") == "pf-123456789012"


def test_accounts_check(tmp_path, capsys):
    path = tmp_path / "accounts.yaml"
    path.write_text('accounts:\n  - alias: ok\n    account_id: "123456789012"\n    aws_conn_id: c\n')
    assert main(["accounts", "check", "--accounts", str(path)]) == 0
    assert "posture_scan__ok" in capsys.readouterr().out
    path.write_text('accounts:\n  - alias: Bad Alias\n    account_id: "123"\n    aws_conn_id: c\n')
    assert main(["accounts", "check", "--accounts", str(path)]) == 1
    err = capsys.readouterr().err
    assert "field 'alias'" in err and "field 'account_id'" in err
