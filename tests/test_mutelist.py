"""The mutelist: Prowler's matching rules, clear errors, and the engine's mute hook end to end."""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path

import boto3
import pytest

from postureflow.mutelist import Mutelist, MutelistError, load_rule, unroll_tags

ACCOUNT = "123456789012"
OTHER = "210987654321"
REPO = Path(__file__).resolve().parents[1]


def mutelist(accounts: dict) -> Mutelist:
    return Mutelist.from_dict({"Mutelist": {"Accounts": accounts}}, source="test.yaml")


def entry(regions=("*",), resources=("*",), **extra) -> dict:
    return {"Regions": list(regions), "Resources": list(resources), **extra}


def finding(check="s3_bucket_no_mfa_delete", region="us-east-1", uid="arn:aws:s3:::logs-a", rid="logs-a", tags=None,
            account=ACCOUNT) -> dict:
    return {
        "account_id": account,
        "check_id": check,
        "region": region,
        "resource_uid": uid,
        "resource_id": rid,
        "resource_tags": tags or {},
        "status": "FAIL",
    }


def muted(ml: Mutelist, row: dict, account: str | None = None) -> bool:
    is_muted, reason = ml.rule_for(account or row["account_id"])(row)
    assert (reason is not None) == is_muted
    return is_muted


# -- matching ----------------------------------------------------------------------------------


def test_wildcards_mute_everything_in_the_account_only():
    ml = mutelist({ACCOUNT: {"Checks": {"*": entry()}}})
    assert muted(ml, finding())
    assert muted(ml, finding(check="iam_root_mfa_enabled", region="eu-west-1", uid="arn:aws:iam::1:root", rid="root"))
    assert not muted(ml, finding(account=OTHER))


def test_star_account_applies_to_every_account():
    ml = mutelist({"*": {"Checks": {"s3_bucket_no_mfa_delete": entry()}}})
    assert muted(ml, finding())
    assert muted(ml, finding(account=OTHER))
    assert not muted(ml, finding(check="s3_bucket_secure_transport_policy"))


def test_check_exact_regex_and_leading_star():
    ml = mutelist(
        {
            ACCOUNT: {
                "Checks": {
                    "ec2_.*_public": entry(),
                    "*_mfa_delete": entry(),
                }
            }
        }
    )
    assert muted(ml, finding(check="ec2_instance_public"))
    assert muted(ml, finding(check="s3_bucket_no_mfa_delete"))
    assert not muted(ml, finding(check="s3_bucket_secure_transport_policy"))
    assert not muted(ml, finding(check="ec2_instance_private"))


def test_lambda_prefix_maps_to_awslambda_like_prowler():
    ml = mutelist({ACCOUNT: {"Checks": {"lambda_function_url_public": entry()}}})
    assert muted(ml, finding(check="awslambda_function_url_public"))


def test_regions_are_patterns_and_required():
    ml = mutelist({ACCOUNT: {"Checks": {"*": entry(regions=["us-east-1", "^ap-"])}}})
    assert muted(ml, finding(region="us-east-1"))
    assert muted(ml, finding(region="ap-southeast-2"))
    assert not muted(ml, finding(region="eu-west-1"))


def test_empty_regions_mute_nothing_and_warn():
    ml = mutelist({ACCOUNT: {"Checks": {"*": entry(regions=[])}}})
    assert not muted(ml, finding())
    assert any("Regions" in w and "never mutes" in w for w in ml.warnings)


def test_resources_match_the_arn_or_the_short_id():
    by_id = mutelist({ACCOUNT: {"Checks": {"*": entry(resources=["^logs-"])}}})
    assert muted(by_id, finding(uid="arn:aws:s3:::logs-a", rid="logs-a"))  # only the short id starts with logs-
    assert not muted(by_id, finding(uid="arn:aws:s3:::data-logs", rid="data-logs"))
    by_arn = mutelist({ACCOUNT: {"Checks": {"*": entry(resources=[r"^arn:aws:s3:::data-"])}}})
    assert muted(by_arn, finding(uid="arn:aws:s3:::data-b", rid="data-b"))
    assert not muted(by_arn, finding())
    # unanchored patterns are searched anywhere, as Prowler does
    loose = mutelist({ACCOUNT: {"Checks": {"*": entry(resources=["logs"])}}})
    assert muted(loose, finding(uid="arn:aws:s3:::data-logs", rid="data-logs"))


def test_tags_every_item_must_match_and_alternation_is_or():
    ml = mutelist({ACCOUNT: {"Checks": {"*": entry(Tags=["env=dev|env=test", "team=data"])}}})
    assert muted(ml, finding(tags={"env": "dev", "team": "data"}))
    assert muted(ml, finding(tags={"team": "data", "env": "test", "x": "y"}))
    assert not muted(ml, finding(tags={"env": "dev"}))  # team missing
    assert not muted(ml, finding(tags={"env": "prod", "team": "data"}))
    assert not muted(ml, finding(tags={}))


def test_no_tags_means_any_tags():
    ml = mutelist({ACCOUNT: {"Checks": {"*": entry(Tags=[])}}})
    assert muted(ml, finding(tags={}))
    assert muted(ml, finding(tags={"env": "prod"}))


def test_tags_as_the_engine_stores_them():
    assert unroll_tags({"b": "2", "a": "1"}) == "a=1 | b=2"
    assert unroll_tags([("a", "1")]) == "a=1"
    ml = mutelist({ACCOUNT: {"Checks": {"*": entry(Tags=["^a=1$"])}}})
    assert muted(ml, finding(tags=[("a", "1")]))


def test_exception_region_unmutes():
    ml = mutelist({ACCOUNT: {"Checks": {"*": entry(Exceptions={"Regions": ["eu-west-1"]})}}})
    assert muted(ml, finding(region="us-east-1"))
    assert not muted(ml, finding(region="eu-west-1"))


def test_exception_fields_must_all_match():
    ml = mutelist(
        {ACCOUNT: {"Checks": {"*": entry(Exceptions={"Regions": ["eu-west-1"], "Resources": ["^prod-"]})}}}
    )
    assert not muted(ml, finding(region="eu-west-1", uid="arn:aws:s3:::prod-x", rid="prod-x"))
    assert muted(ml, finding(region="eu-west-1", uid="arn:aws:s3:::dev-x", rid="dev-x"))
    assert muted(ml, finding(region="us-east-1", uid="arn:aws:s3:::prod-x", rid="prod-x"))


def test_exception_accounts_on_the_star_block():
    ml = mutelist({"*": {"Checks": {"*": entry(Tags=["mute=true"], Exceptions={"Accounts": [OTHER]})}}})
    assert muted(ml, finding(tags={"mute": "true"}))
    assert not muted(ml, finding(tags={"mute": "true"}, account=OTHER))


def test_exception_tags():
    ml = mutelist({ACCOUNT: {"Checks": {"*": entry(Exceptions={"Tags": ["keep=yes"]})}}})
    assert muted(ml, finding(tags={"keep": "no"}))
    assert not muted(ml, finding(tags={"keep": "yes"}))


def test_exception_only_applies_to_its_own_check():
    ml = mutelist(
        {
            ACCOUNT: {
                "Checks": {
                    "iam_.*": entry(Exceptions={"Regions": ["*"]}),
                    "s3_.*": entry(),
                }
            }
        }
    )
    assert muted(ml, finding(check="s3_bucket_no_mfa_delete"))
    assert not muted(ml, finding(check="iam_root_mfa_enabled"))


def test_excepted_entry_ends_its_block_but_star_block_still_counts():
    ml = mutelist(
        {
            ACCOUNT: {
                "Checks": {
                    "s3_.*": entry(Exceptions={"Resources": ["^keep-"]}),
                    "s3_bucket_no_mfa_delete": entry(Description="later entry in the same block"),
                }
            },
        }
    )
    keep = finding(uid="arn:aws:s3:::keep-me", rid="keep-me")
    assert not muted(ml, keep)  # Prowler stops at the excepted entry
    with_star = mutelist(
        {
            ACCOUNT: {"Checks": {"s3_.*": entry(Exceptions={"Resources": ["^keep-"]})}},
            "*": {"Checks": {"s3_bucket_no_mfa_delete": entry(Description="org-wide")}},
        }
    )
    is_muted, reason = with_star.rule_for(ACCOUNT)(keep)
    assert is_muted and "org-wide" in reason and "*/s3_bucket_no_mfa_delete" in reason


def test_reason_names_the_entry_and_the_account_block_comes_first():
    ml = mutelist(
        {
            "*": {"Checks": {"*": entry(Description="everything, everywhere")}},
            ACCOUNT: {"Checks": {"s3_bucket_no_mfa_delete": entry(resources=["^logs-"])}},
        }
    )
    assert ml.rule_for(ACCOUNT)(finding()) == (True, f"mutelist: {ACCOUNT}/s3_bucket_no_mfa_delete")
    assert ml.rule_for(OTHER)(finding(account=OTHER)) == (True, "mutelist: */* (everything, everywhere)")


def test_unlisted_account_and_empty_mutelist_mute_nothing():
    ml = mutelist({OTHER: {"Checks": {"*": entry()}}})
    assert ml.rule_for(ACCOUNT)(finding()) == (False, None)
    empty = Mutelist.loads("Mutelist:\n  Accounts: {}\n", source="empty.yaml")
    assert empty.rule_for(ACCOUNT)(finding()) == (False, None)
    assert len(empty) == 0


def test_example_file_is_valid_and_does_what_its_comments_say():
    ml = Mutelist.load(REPO / "include" / "mutelist.example.yaml")
    assert ml.warnings == []
    assert muted(ml, finding(check="s3_bucket_no_mfa_delete", region="eu-west-1"))
    sandbox = {"environment": "sandbox"}
    assert muted(ml, finding(check="s3_bucket_secure_transport_policy", uid="arn:aws:s3:::sb-1", rid="sb-1", tags=sandbox))
    shared = finding(check="s3_bucket_secure_transport_policy", uid="arn:aws:s3:::sandbox-shared", rid="sandbox-shared",
                     tags=sandbox)
    assert not muted(ml, shared)
    assert muted(ml, finding(account="111111111111", tags={"postureflow-mute": "true"}))
    assert not muted(ml, finding(account=OTHER, tags={"postureflow-mute": "true"}))


def test_load_rule_without_a_file_is_none(tmp_path):
    assert load_rule(None, ACCOUNT) is None
    path = tmp_path / "m.yaml"
    path.write_text(f'Mutelist:\n  Accounts:\n    "{ACCOUNT}":\n      Checks:\n        "*": {{Regions: ["*"], Resources: ["*"]}}\n')
    assert load_rule(path, ACCOUNT)(finding())[0] is True


# -- errors ------------------------------------------------------------------------------------


def write(tmp_path, text: str) -> Path:
    path = tmp_path / "mutelist.yaml"
    path.write_text(textwrap.dedent(text))
    return path


def load_error(tmp_path, text: str) -> str:
    path = write(tmp_path, text)
    with pytest.raises(MutelistError) as info:
        Mutelist.load(path)
    message = str(info.value)
    assert str(path) in message
    return message


def test_error_bad_yaml_names_the_line(tmp_path):
    message = load_error(tmp_path, "Mutelist:\n  Accounts: [\n    oops: {\n")
    assert "not valid YAML" in message and "line" in message


def test_error_missing_file(tmp_path):
    with pytest.raises(MutelistError, match="nope.yaml.*cannot read"):
        Mutelist.load(tmp_path / "nope.yaml")


def test_error_missing_root_key_and_old_name(tmp_path):
    assert "'Mutelist' is missing" in load_error(tmp_path, "Accounts: {}\n")
    assert "rename 'Allowlist'" in load_error(tmp_path, "Allowlist:\n  Accounts: {}\n")
    assert "empty" in load_error(tmp_path, "")


def test_error_regions_not_a_list(tmp_path):
    message = load_error(
        tmp_path,
        f"""
        Mutelist:
          Accounts:
            "{ACCOUNT}":
              Checks:
                s3_bucket_no_mfa_delete:
                  Regions: us-east-1
                  Resources: ["*"]
        """,
    )
    assert f"account '{ACCOUNT}', check 's3_bucket_no_mfa_delete', field 'Regions'" in message
    assert "expected a list" in message


def test_error_invalid_resource_regex_names_account_check_field_and_item(tmp_path):
    message = load_error(
        tmp_path,
        """
        Mutelist:
          Accounts:
            "*":
              Checks:
                "*":
                  Regions: ["*"]
                  Resources: ["ok", "bad[regex"]
        """,
    )
    assert "account '*', check '*', field 'Resources', item 2 'bad[regex'" in message
    assert "not a valid regular expression" in message


def test_error_invalid_check_regex(tmp_path):
    message = load_error(
        tmp_path,
        f"""
        Mutelist:
          Accounts:
            "{ACCOUNT}":
              Checks:
                "s3_(":
                  Regions: ["*"]
                  Resources: ["*"]
        """,
    )
    assert f"account '{ACCOUNT}', check 's3_('" in message and "regular expression" in message


def test_error_invalid_tag_regex_in_exceptions(tmp_path):
    message = load_error(
        tmp_path,
        f"""
        Mutelist:
          Accounts:
            "{ACCOUNT}":
              Checks:
                "*":
                  Regions: ["*"]
                  Resources: ["*"]
                  Exceptions:
                    Tags: ["env=(dev"]
        """,
    )
    assert "field 'Exceptions.Tags', item 1" in message


def test_error_misspelt_key_is_not_silently_ignored(tmp_path):
    message = load_error(
        tmp_path,
        f"""
        Mutelist:
          Accounts:
            "{ACCOUNT}":
              Checks:
                "*":
                  Regions: ["*"]
                  Resources: ["*"]
                  Exception:
                    Regions: ["eu-west-1"]
        """,
    )
    assert "unexpected key(s) 'Exception'" in message and f"check '*'" in message


def test_error_missing_resources(tmp_path):
    message = load_error(
        tmp_path,
        f"""
        Mutelist:
          Accounts:
            "{ACCOUNT}":
              Checks:
                "*":
                  Regions: ["*"]
        """,
    )
    assert "missing required field(s) Resources" in message


def test_error_account_ids(tmp_path):
    assert "12-digit id" in load_error(tmp_path, 'Mutelist:\n  Accounts:\n    "prod":\n      Checks: {}\n')
    # YAML reads 000000000017 as the octal number 15: the leading zeros are gone
    message = load_error(tmp_path, "Mutelist:\n  Accounts:\n    000000000017:\n      Checks: {}\n")
    assert "quotes" in message
    # an unquoted 12-digit id lost nothing and is accepted
    ml = Mutelist.loads(f"Mutelist:\n  Accounts:\n    {ACCOUNT}:\n      Checks: {{'*': {{Regions: ['*'], Resources: ['*']}}}}\n")
    assert muted(ml, finding())


def test_error_non_string_item_and_description(tmp_path):
    message = load_error(
        tmp_path,
        """
        Mutelist:
          Accounts:
            "*":
              Checks:
                "*":
                  Regions: ["*", {a: 1}]
                  Resources: ["*"]
        """,
    )
    assert "field 'Regions', item 2" in message and "expected a string" in message
    message = load_error(
        tmp_path,
        """
        Mutelist:
          Accounts:
            "*":
              Checks:
                "*":
                  Regions: ["*"]
                  Resources: ["*"]
                  Description: [1, 2]
        """,
    )
    assert "field 'Description'" in message


# -- CLI ----------------------------------------------------------------------------------------


def test_cli_validate(tmp_path, capsys):
    from postureflow.cli import main

    assert main(["mutelist", "validate", str(REPO / "include" / "mutelist.example.yaml")]) == 0
    assert "OK, 3 entries" in capsys.readouterr().out
    bad = write(tmp_path, "Mutelist:\n  Accounts:\n    '*':\n      Checks:\n        '*': {Regions: x, Resources: ['*']}\n")
    assert main(["mutelist", "validate", str(bad)]) == 1
    err = capsys.readouterr().err
    assert str(bad) in err and "field 'Regions'" in err


def test_cli_match(capsys):
    from postureflow.cli import main

    example = str(REPO / "include" / "mutelist.example.yaml")
    args = ["mutelist", "match", example, "--account", ACCOUNT, "--check", "s3_bucket_no_mfa_delete",
            "--region", "us-east-1", "--resource", "arn:aws:s3:::logs-x", "--resource", "logs-x"]
    assert main(args) == 0
    assert "muted by mutelist: 123456789012/s3_bucket_no_mfa_delete" in capsys.readouterr().out
    args[-1] = "data-x"
    args[-3] = "arn:aws:s3:::data-x"
    assert main(args) == 0
    assert capsys.readouterr().out.strip() == "not muted"


# -- end to end: the engine's mute hook on a moto scan ------------------------------------------


def test_engine_scan_with_mutelist_keeps_muted_findings_in_the_lake(aws, lake, tmp_path):
    from postureflow.aws import AwsAccess
    from postureflow.engine import ScanContext, scan_account
    from postureflow.lake.query import connect

    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket="logs-archive")
    s3.create_bucket(Bucket="customer-data")
    s3.put_bucket_tagging(Bucket="customer-data", Tagging={"TagSet": [{"Key": "env", "Value": "dev"}]})
    path = write(
        tmp_path,
        f"""
        Mutelist:
          Accounts:
            "{ACCOUNT}":
              Checks:
                s3_bucket_no_mfa_delete:
                  Regions: ["*"]
                  Resources: ["^logs-"]
                  Description: log buckets use Object Lock
            "*":
              Checks:
                "s3_bucket_.*":
                  Regions: ["us-east-1"]
                  Resources: ["*"]
                  Tags: ["env=dev"]
                  Exceptions:
                    Resources: ["arn:aws:s3:::customer-data$"]
        """,
    )
    day = dt.date(2026, 11, 22)
    ctx = ScanContext(
        account_id=ACCOUNT,
        regions=["us-east-1"],
        scan_date=day,
        run_id="mutelist-run",
        lake=lake,
        mute=Mutelist.load(path).rule_for(ACCOUNT),
    )
    results = scan_account(ctx, ["s3"], AwsAccess.from_default_chain())
    rows = connect(lake, ["findings"]).sql("SELECT * FROM findings").to_arrow_table().to_pylist()
    by_key = {(r["check_id"], r["resource_id"]): r for r in rows}

    logs = by_key[("s3_bucket_no_mfa_delete", "logs-archive")]
    assert logs["status"] == "FAIL" and logs["muted"] is True
    assert logs["mute_reason"] == f"mutelist: {ACCOUNT}/s3_bucket_no_mfa_delete (log buckets use Object Lock)"
    # same bucket, other checks: not muted
    assert by_key[("s3_bucket_level_public_access_block", "logs-archive")]["muted"] is False
    # the tag rule would mute customer-data, but its exception keeps it
    customer = by_key[("s3_bucket_no_mfa_delete", "customer-data")]
    assert customer["muted"] is False and customer["mute_reason"] is None
    assert sum(r.muted for r in results) == sum(1 for r in rows if r["muted"]) == 1
