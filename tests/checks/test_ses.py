"""SES checks on identities created in moto: FAIL, PASS and no verdict."""

import json
from types import SimpleNamespace

import boto3
import pytest

from postureflow.aws import AwsAccess
from postureflow.lake import Lake
from postureflow.testing import scan_denied, scan_in_moto

REGION = "us-east-1"


def _sending_policy(identity, principal):
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": principal, "Action": ["ses:SendEmail", "ses:SendRawEmail"],
        "Resource": f"arn:aws:ses:{REGION}:123456789012:identity/{identity}"}]})  # fmt: skip


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from moto import mock_aws

    with mock_aws():
        ses = boto3.client("sesv2", region_name=REGION)
        ses.create_email_identity(EmailIdentity="open.example.com")
        ses.create_email_identity_policy(EmailIdentity="open.example.com", PolicyName="anyone",
                                         Policy=_sending_policy("open.example.com", "*"))  # fmt: skip
        ses.create_email_identity(EmailIdentity="partner.example.com")
        ses.create_email_identity_policy(EmailIdentity="partner.example.com", PolicyName="partner",
                                         Policy=_sending_policy("partner.example.com", {"AWS": "arn:aws:iam::111122223333:root"}))  # fmt: skip
        access = AwsAccess.from_default_chain()
        run = scan_in_moto(Lake(str(tmp_path_factory.mktemp("lake"))), ["ses"], [REGION], access=access)
        unread = scan_denied(str(tmp_path_factory.mktemp("denied")), ["ses"], [REGION], "sesv2:GetEmailIdentity")
    return SimpleNamespace(run=run, calls=access.call_log, unread=unread)


def test_not_publicly_accessible(world):
    assert world.run.statuses("ses_identity_not_publicly_accessible") == {
        "open.example.com": "FAIL", "partner.example.com": "PASS"}  # fmt: skip


def test_dkim_enabled(world):
    # moto reports DKIM as not started for new identities: both FAIL; a verified, signing identity PASSes
    statuses = world.run.statuses("ses_identity_dkim_enabled")
    assert set(statuses) == {"open.example.com", "partner.example.com"} and set(statuses.values()) == {"FAIL"}


def test_dkim_verified_and_signing_passes():
    from postureflow.checks import all_checks
    from postureflow.inventory import Resource

    signed = Resource("identities", "arn:aws:ses:us-east-1:123456789012:identity/a", "a", REGION, {},
                      {"dkim_status": "SUCCESS", "dkim_signing": True})  # fmt: skip
    unsigned = Resource("identities", "arn:aws:ses:us-east-1:123456789012:identity/b", "b", REGION, {},
                        {"dkim_status": "SUCCESS", "dkim_signing": False})  # fmt: skip
    check = all_checks()["ses_identity_dkim_enabled"]
    import datetime as dt

    results = {r.resource.id: r.status for r in check.evaluate({"ses.identities": [signed, unsigned]}, dt.datetime.now(dt.timezone.utc))}
    assert results == {"a": "PASS", "b": "FAIL"}


@pytest.mark.parametrize("check", ["ses_identity_dkim_enabled", "ses_identity_not_publicly_accessible"])
def test_unreadable_identity_gives_no_verdict(world, check):
    assert world.unread.statuses(check) == {"open.example.com": "MANUAL", "partner.example.com": "MANUAL"}


def test_calls(world):
    assert world.run.errors == [] and world.calls.repeated() == []
