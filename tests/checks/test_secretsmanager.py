"""Secrets Manager checks against moto: one account with a failing and a passing secret per check,
scanned once."""

from __future__ import annotations

import json
from types import SimpleNamespace

import boto3
import pytest

from postureflow.aws import AwsAccess

ACCOUNT = "123456789012"
OTHER = "111122223333"
READER = f"arn:aws:iam::{ACCOUNT}:role/payments-app"


def _policy(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def _allow(principal, action="secretsmanager:GetSecretValue", **extra):
    return {"Effect": "Allow", "Principal": principal, "Action": action, "Resource": "*", **extra}


def _deny_all_but(condition):
    return {"Effect": "Deny", "Principal": "*", "Action": "secretsmanager:*", "Resource": "*", "Condition": condition}


POLICIES = {
    "public": _policy(_allow("*")),
    "org-only": _policy(_allow("*", Condition={"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}})),
    "cross-account": _policy(
        _allow({"AWS": f"arn:aws:iam::{OTHER}:root"}),
        _deny_all_but({"StringNotEquals": {"aws:PrincipalArn": READER}}),
    ),
    "locked": _policy(
        _allow({"AWS": READER}),
        _deny_all_but({"StringNotEquals": {"aws:PrincipalArn": [READER, f"arn:aws:iam::{ACCOUNT}:role/secret-admin"]}}),
    ),
    "locked-with-service": _policy(
        _deny_all_but(
            {
                "StringNotEqualsIfExists": {
                    "aws:PrincipalArn": READER,
                    "aws:PrincipalServiceName": "cloudformation.amazonaws.com",
                },
                "Null": {"aws:PrincipalArn": "true", "aws:PrincipalServiceName": "true"},
            }
        ),
    ),
    "deny-wildcard-exception": _policy(_deny_all_but({"StringNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/*"}})),
    "deny-with-loophole": _policy(
        _deny_all_but({"StringNotEquals": {"aws:PrincipalArn": READER}, "Bool": {"aws:SecureTransport": "true"}})
    ),
    "allow-only": _policy(_allow({"AWS": READER})),
}


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from moto import mock_aws

    from postureflow.lake import Lake
    from postureflow.testing import scan_in_moto

    with mock_aws():
        sm = boto3.client("secretsmanager", region_name="us-east-1")
        for name in ("rotated", "static", "no-policy", *POLICIES):
            tags = [{"Key": "team", "Value": "payments"}]
            sm.create_secret(Name=name, SecretString="s3cr3t-value-never-stored", Tags=tags)
        sm.rotate_secret(SecretId="rotated", RotationRules={"AutomaticallyAfterDays": 30}, RotateImmediately=False)
        for name, policy in POLICIES.items():
            sm.put_resource_policy(SecretId=name, ResourcePolicy=policy)
        boto3.client("secretsmanager", region_name="eu-west-1").create_secret(Name="eu-static", SecretString="x")
        access = AwsAccess.from_default_chain()
        lake = Lake(str(tmp_path_factory.mktemp("secretsmanager-lake")))
        run = scan_in_moto(lake, ["secretsmanager"], regions=["us-east-1", "eu-west-1"], access=access)
        inventory = [row[0] for row in lake_rows(lake)]
    return SimpleNamespace(run=run, calls=access.call_log, inventory=inventory)


def lake_rows(lake):
    from postureflow.lake.query import connect

    return connect(lake, ["inventory"]).sql("SELECT data FROM inventory").fetchall()


def _expect(world, check_id, expected):
    statuses = world.run.statuses(check_id)
    assert {name: statuses.get(name) for name in expected} == expected, statuses


def test_collection(world):
    assert world.run.errors == []
    assert world.calls.repeated() == []
    assert not any("s3cr3t-value-never-stored" in data for data in world.inventory)
    assert world.run.status("secretsmanager_automatic_rotation_enabled", "eu-static") == "FAIL"
    static = [f for f in world.run.of("secretsmanager_automatic_rotation_enabled") if f["resource_id"] == "static"]
    assert dict(static[0]["resource_tags"]) == {"team": "payments"}
    assert static[0]["resource_uid"].startswith(f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:static-")


def test_automatic_rotation_enabled(world):
    _expect(world, "secretsmanager_automatic_rotation_enabled", {"rotated": "PASS", "static": "FAIL"})


def test_not_publicly_accessible(world):
    _expect(
        world,
        "secretsmanager_not_publicly_accessible",
        {"public": "FAIL", "org-only": "PASS", "locked": "PASS", "no-policy": "PASS"},
    )


def test_has_restrictive_resource_policy(world):
    _expect(
        world,
        "secretsmanager_has_restrictive_resource_policy",
        {
            "locked": "PASS",
            "locked-with-service": "PASS",
            "no-policy": "FAIL",
            "public": "FAIL",
            "cross-account": "FAIL",
            "deny-wildcard-exception": "FAIL",
            "deny-with-loophole": "FAIL",
            "allow-only": "FAIL",
        },
    )


@pytest.mark.parametrize(
    "check",
    ["secretsmanager_not_publicly_accessible", "secretsmanager_has_restrictive_resource_policy"],
)
def test_unreadable_policy_gives_no_verdict(scan, check):
    from postureflow.testing import DeniedAccess

    sm = boto3.client("secretsmanager", region_name="us-east-1")
    sm.create_secret(Name="unknown", SecretString="x")
    sm.put_resource_policy(SecretId="unknown", ResourcePolicy=POLICIES["public"])
    access = DeniedAccess("secretsmanager:GetResourcePolicy")
    run = scan("secretsmanager", regions=["us-east-1"], access=access)
    assert run.statuses(check) == {"unknown": "MANUAL"}
    assert access.hits


def test_unlisted_secrets_give_nothing(scan):
    from postureflow.testing import DeniedAccess

    boto3.client("secretsmanager", region_name="us-east-1").create_secret(Name="hidden", SecretString="x")
    run = scan("secretsmanager", regions=["us-east-1"], access=DeniedAccess("secretsmanager:ListSecrets"))
    assert run.of("secretsmanager_automatic_rotation_enabled") == []
    assert "secretsmanager:list_secrets" in {e["api"] for e in run.errors}


# -- checks added for issue 12 --------------------------------------------------------------------------

SCANNED = "2026-11-22"


def _dates_hook(access, dates: dict):
    """moto dates every secret now and never records access: this hook sets CreatedDate, LastRotatedDate and
    LastAccessedDate per secret name (days before the scan date; None leaves the field out)."""
    import datetime as dt

    day = dt.datetime.fromisoformat(SCANNED).replace(tzinfo=dt.timezone.utc)

    def amend(parsed, **_):
        for secret in parsed.get("SecretList", []):
            for field, days in dates.get(secret["Name"], {}).items():
                secret.pop(field, None)
                if days is not None:
                    secret[field] = day - dt.timedelta(days=days)

    access.client("secretsmanager", "us-east-1").meta.events.register("after-call.secretsmanager.ListSecrets", amend)
    return access


DATES = {
    "stale": {"CreatedDate": 400, "LastRotatedDate": 200, "LastAccessedDate": 120},
    "fresh": {"CreatedDate": 400, "LastRotatedDate": 10, "LastAccessedDate": 1},
    "brand-new": {"CreatedDate": 3, "LastRotatedDate": None, "LastAccessedDate": None},
}


@pytest.mark.parametrize("check", ["secretsmanager_secret_rotated_periodically", "secretsmanager_secret_unused"])
def test_new_checks_fail_stale_and_pass_fresh(aws, scan, check):
    sm = boto3.client("secretsmanager", region_name="us-east-1")
    for name in DATES:
        sm.create_secret(Name=name, SecretString="x")
    run = scan("secretsmanager", regions=["us-east-1"], access=_dates_hook(AwsAccess.from_default_chain(), DATES))
    # a secret created 3 days ago is neither unrotated nor unused for too long (Prowler FAILs it)
    assert run.statuses(check) == {"stale": "FAIL", "fresh": "PASS", "brand-new": "PASS"}


def test_new_checks_read_the_audit_config():
    import datetime as dt

    from postureflow.checks import all_checks
    from postureflow.config import audit_config
    from postureflow.inventory import Resource

    now = dt.datetime(2026, 11, 22, tzinfo=dt.timezone.utc)
    old = (now - dt.timedelta(days=45)).isoformat()
    secret = Resource("secrets", "arn:s", "s", "us-east-1", {}, {"last_rotated": old, "last_accessed": old, "created": old})
    for check_id, key in (("secretsmanager_secret_rotated_periodically", "max_days_secret_unrotated"),
                          ("secretsmanager_secret_unused", "max_days_secret_unused")):  # fmt: skip
        check = all_checks()[check_id]
        assert [r.status for r in check.evaluate({"secretsmanager.secrets": [secret]}, now, audit_config())] == ["PASS"]
        strict = audit_config({key: 30})
        assert [r.status for r in check.evaluate({"secretsmanager.secrets": [secret]}, now, strict)] == ["FAIL"]


@pytest.mark.parametrize("check", ["secretsmanager_secret_rotated_periodically", "secretsmanager_secret_unused"])
def test_new_checks_judge_nothing_unlisted(aws, scan, check):
    from postureflow.testing import DeniedAccess

    boto3.client("secretsmanager", region_name="us-east-1").create_secret(Name="hidden", SecretString="x")
    run = scan("secretsmanager", regions=["us-east-1"], access=DeniedAccess("secretsmanager:ListSecrets"))
    assert run.of(check) == []
