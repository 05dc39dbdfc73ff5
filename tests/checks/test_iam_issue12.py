"""Issue 12's IAM checks: FAIL, PASS and no verdict for each.

Policies, roles and users are created in moto and judged by a real scan. moto does not implement
IAM's service last-accessed report (GenerateServiceLastAccessedDetails / GetServiceLastAccessedDetails):
botocore before-call hooks answer it in moto's place (``_answer_last_accessed`` in test_iam.py), with
each identity's last-used time per service. Documents IAM itself would refuse (not JSON) are judged on
hand-built inventory records through ``Check.evaluate``, as the engine runs checks.
"""

from __future__ import annotations

import datetime as dt
import json
from types import SimpleNamespace

import pytest

from postureflow.aws import AwsAccess
from postureflow.checks import all_checks
from postureflow.config import audit_config
from postureflow.inventory import Resource
from postureflow.testing import DeniedAccess

from .test_iam import ACCOUNT, _answer_last_accessed, _aws_managed_policy_data, _errors, _iam

REGION = "us-east-1"
POLICY_ARN = f"arn:aws:iam::{ACCOUNT}:policy/"

UNATTACHED_ADMIN = "iam_customer_unattached_policy_no_administrative_privileges"
POLICY_KMS = "iam_policy_no_full_access_to_kms"
POLICY_TRAIL = "iam_policy_no_full_access_to_cloudtrail"
POLICY_SUBSCRIBE = "iam_policy_no_wildcard_marketplace_subscribe"
INLINE_KMS = "iam_inline_policy_no_full_access_to_kms"
INLINE_SUBSCRIBE = "iam_inline_policy_no_wildcard_marketplace_subscribe"
SERVICE_TRUST = "iam_role_service_trust_restricts_source_to_account"
SECURITY_AUDIT = "iam_securityaudit_role_created"
ROLE_BEDROCK = "iam_role_access_not_stale_to_bedrock"
USER_BEDROCK = "iam_user_access_not_stale_to_bedrock"
USER_SAGEMAKER = "iam_user_access_not_stale_to_sagemaker"


def _doc(*statements) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def _allow(action, resource="*", **extra) -> dict:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def _service_trust(service: str, condition: dict | None = None) -> str:
    statement = {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}
    return _doc({**statement, **({"Condition": condition} if condition else {})})


HUMAN_TRUST = _doc({"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "sts:AssumeRole"})

# name: (document, attached)
CUSTOMER_POLICIES = {
    "unattached-admin": (_doc(_allow("*")), False),
    "unattached-narrow": (_doc(_allow("s3:GetObject")), False),
    "unattached-kms-all": (_doc(_allow("kms:*")), False),
    "kms-all": (_doc(_allow("kms:*")), True),
    "kms-some": (_doc(_allow(["kms:Decrypt", "kms:Encrypt"])), True),
    "kms-one-key": (_doc(_allow("kms:*", f"arn:aws:kms:{REGION}:{ACCOUNT}:key/k-1")), True),
    "trail-all": (_doc(_allow("cloudtrail:*")), True),
    "trail-read": (_doc(_allow(["cloudtrail:LookupEvents", "cloudtrail:Describe*"])), True),
    "subscribe-all": (_doc(_allow("aws-marketplace:Subscribe")), True),
    "subscribe-denied": (
        _doc(_allow("aws-marketplace:*"), {"Effect": "Deny", "Action": "aws-marketplace:Subscribe", "Resource": "*"}),
        True,
    ),
    "narrow": (_doc(_allow("s3:GetObject")), True),
}

INLINE_POLICIES = {
    # policy name on user "inline-holder": document
    "kms-all": _doc(_allow("kms:*")),
    "subscribe-all": _doc(_allow("aws-marketplace:Sub*")),
    "narrow": _doc(_allow(["kms:Decrypt", "aws-marketplace:ViewSubscriptions"])),
}

ROLES = {
    "svc-open": _service_trust("ec2.amazonaws.com"),
    "svc-account": _service_trust("lambda.amazonaws.com", {"StringEquals": {"aws:SourceAccount": ACCOUNT}}),
    "svc-arn": _service_trust("sns.amazonaws.com", {"ArnLike": {"aws:SourceArn": f"arn:aws:sns:{REGION}:{ACCOUNT}:t"}}),
    # An organization is not an account: iam_role_cross_service_confused_deputy_prevention accepts it, this does not.
    "svc-org": _service_trust("sns.amazonaws.com", {"StringEquals": {"aws:SourceOrgID": "o-abcdef1234"}}),
    "svc-bucket": _service_trust("s3.amazonaws.com", {"ArnEquals": {"aws:SourceArn": "arn:aws:s3:::some-bucket"}}),
    "svc-any-account": _service_trust("sns.amazonaws.com", {"StringLike": {"aws:SourceAccount": "*"}}),
    "auditor": HUMAN_TRUST,
    "bedrock-fresh": HUMAN_TRUST,
    "bedrock-stale": HUMAN_TRUST,
    "bedrock-never": HUMAN_TRUST,
    "no-bedrock": HUMAN_TRUST,
}

USERS = ("inline-holder", "u-bedrock-fresh", "u-bedrock-stale", "u-bedrock-never", "u-sm-fresh", "u-sm-stale",
         "u-sm-never", "u-sm-edge", "u-no-ai")  # fmt: skip

# The service last-accessed report: {identity name: {namespace: days since last used, None for never}}
LAST_ACCESSED = {
    "bedrock-fresh": {"bedrock": 10, "s3": 1},
    "bedrock-stale": {"bedrock": 100},
    "bedrock-never": {"bedrock": None},
    "no-bedrock": {"s3": 200},
    "u-bedrock-fresh": {"bedrock": 59},
    "u-bedrock-stale": {"bedrock": 61.5},
    "u-bedrock-never": {"bedrock": None},
    "u-sm-fresh": {"sagemaker": 30},
    "u-sm-stale": {"sagemaker": 120},
    "u-sm-never": {"sagemaker": None, "iam": 1},
    "u-sm-edge": {"sagemaker": 90.5},  # 90 whole days: not more than the 90-day threshold
    "u-no-ai": {"iam": 1},
}


def _install_security_audit(backend) -> None:
    from moto.iam.models import AWSManagedPolicy

    policy = AWSManagedPolicy.from_data("SecurityAudit", ACCOUNT, REGION, _aws_managed_policy_data()["SecurityAudit"])
    backend.aws_managed_policies.append(policy)
    backend.managed_policies[policy.arn] = policy


def _build(iam) -> None:
    iam.create_role(RoleName="holder", AssumeRolePolicyDocument=HUMAN_TRUST)
    for name, (document, attached) in CUSTOMER_POLICIES.items():
        iam.create_policy(PolicyName=name, PolicyDocument=document)
        if attached:
            iam.attach_role_policy(RoleName="holder", PolicyArn=POLICY_ARN + name)
    for name, trust in ROLES.items():
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust)
    iam.attach_role_policy(RoleName="auditor", PolicyArn="arn:aws:iam::aws:policy/SecurityAudit")
    for name in USERS:
        iam.create_user(UserName=name)
    for name, document in INLINE_POLICIES.items():
        iam.put_user_policy(UserName="inline-holder", PolicyName=name, PolicyDocument=document)


def _scan_findings(lake, ctx_kwargs: dict, access: AwsAccess) -> dict:
    """Run the engine with ScanContext options scan_in_moto does not offer; the findings by check and resource."""
    from postureflow.engine import ScanContext, scan_account
    from postureflow.lake.query import connect

    day = dt.date(2026, 11, 22)
    ctx = ScanContext(account_id=ACCOUNT, regions=[REGION], scan_date=day, run_id="unused", lake=lake, **ctx_kwargs)
    scan_account(ctx, ["iam"], access)
    rows = connect(lake, ["findings"]).sql("SELECT check_id, resource_id, status FROM findings").fetchall()
    return {(check_id, resource): status for check_id, resource, status in rows}


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from moto import mock_aws
    from moto.iam.models import iam_backends

    from postureflow.lake import Lake
    from postureflow.testing import scan_in_moto

    def lake(name):
        return Lake(str(tmp_path_factory.mktemp(name)))

    with mock_aws():
        _install_security_audit(iam_backends[ACCOUNT]["aws"])
        _build(_iam())
        access = _answer_last_accessed(AwsAccess.from_default_chain(), LAST_ACCESSED)
        run = scan_in_moto(lake("ok"), ["iam"], [REGION], access=access)
        unused = _scan_findings(lake("unused"), {"scan_unused_services": True},
                                _answer_last_accessed(AwsAccess.from_default_chain(), LAST_ACCESSED))  # fmt: skip
        report_refused = DeniedAccess("iam:GenerateServiceLastAccessedDetails")
        no_report = scan_in_moto(lake("no-report"), ["iam"], [REGION],
                                 access=_answer_last_accessed(report_refused, LAST_ACCESSED))  # fmt: skip
        listing_refused = DeniedAccess("iam:GetAccountAuthorizationDetails")
        no_listing = scan_in_moto(lake("no-listing"), ["iam"], [REGION],
                                  access=_answer_last_accessed(listing_refused, LAST_ACCESSED))  # fmt: skip
    assert report_refused.hits and listing_refused.hits
    return SimpleNamespace(run=run, calls=access.call_log, unused=unused, no_report=no_report, no_listing=no_listing)


def _expect(run, check_id: str, expected: dict[str, str | None]) -> None:
    statuses = run.statuses(check_id)
    assert {name: statuses.get(name) for name in expected} == expected, statuses


def test_scanned_cleanly_with_each_call_once(world):
    assert _errors(world.run) == [] and world.calls.repeated() == []


# -- customer-managed and inline policies -------------------------------------------------------------


def test_customer_unattached_policy_no_administrative_privileges(world):
    _expect(world.run, UNATTACHED_ADMIN,
            {"unattached-admin": "FAIL", "unattached-narrow": "PASS", "unattached-kms-all": "PASS",
             "kms-all": None})  # fmt: skip


def test_policy_no_full_access_to_kms(world):
    _expect(world.run, POLICY_KMS, {"kms-all": "FAIL", "kms-some": "PASS", "kms-one-key": "PASS", "narrow": "PASS",
                                    "unattached-kms-all": None})  # fmt: skip


def test_policy_no_full_access_to_cloudtrail(world):
    _expect(world.run, POLICY_TRAIL, {"trail-all": "FAIL", "trail-read": "PASS", "kms-all": "PASS",
                                      "unattached-admin": None})  # fmt: skip


def test_policy_no_wildcard_marketplace_subscribe(world):
    _expect(world.run, POLICY_SUBSCRIBE, {"subscribe-all": "FAIL", "subscribe-denied": "PASS", "narrow": "PASS",
                                          "unattached-admin": None})  # fmt: skip


@pytest.mark.parametrize("check_id, name", [(POLICY_KMS, "unattached-kms-all"), (POLICY_TRAIL, "unattached-admin"),
                                            (POLICY_SUBSCRIBE, "unattached-admin")])  # fmt: skip
def test_unattached_policies_are_judged_when_unused_services_are_scanned(world, check_id, name):
    # ScanContext(scan_unused_services=True), Prowler's --scan-unused-services: unattached policies count too.
    assert world.unused[(check_id, name)] == "FAIL"
    assert world.unused[(check_id, "narrow")] == "PASS"
    assert all_checks()[check_id].config_keys == ("scan_unused_services",)


def test_inline_policy_no_full_access_to_kms(world):
    _expect(world.run, INLINE_KMS, {"user/inline-holder/kms-all": "FAIL", "user/inline-holder/narrow": "PASS"})


def test_inline_policy_no_wildcard_marketplace_subscribe(world):
    _expect(world.run, INLINE_SUBSCRIBE,
            {"user/inline-holder/subscribe-all": "FAIL", "user/inline-holder/narrow": "PASS",
             "user/inline-holder/kms-all": "PASS"})  # fmt: skip


NOW = dt.datetime(2026, 11, 22, 12, tzinfo=dt.timezone.utc)


def _evaluate(check_id: str, kind: str, records: list[Resource], config=None) -> list:
    return list(all_checks()[check_id].evaluate({f"iam.{kind}": records}, NOW, config))


def _policy_record(rid: str, **data) -> Resource:
    return Resource(kind="policies", uid=POLICY_ARN + rid, id=rid, region=REGION, tags={}, data=data)


def _inline_record(document) -> Resource:
    data = {"name": "p", "entity_type": "user", "entity_name": "x", "document": document}
    return Resource(kind="inline_policies", uid=f"arn:aws:iam::{ACCOUNT}:user/x/inline-policy/p", id="user/x/p",
                    region=REGION, tags={}, data=data)  # fmt: skip


@pytest.mark.parametrize("check_id", [UNATTACHED_ADMIN, POLICY_KMS, POLICY_TRAIL, POLICY_SUBSCRIBE])
def test_unparseable_customer_policy_is_no_verdict(check_id):
    broken = _policy_record("broken", aws_managed=False, attachment_count=0 if check_id == UNATTACHED_ADMIN else 1,
                            document="{not json")  # fmt: skip
    [result] = _evaluate(check_id, "policies", [broken], audit_config())
    assert result.status == "MANUAL" and result.status_extended.startswith("No verdict:"), result


@pytest.mark.parametrize("check_id", [INLINE_KMS, INLINE_SUBSCRIBE])
def test_unparseable_inline_policy_is_no_verdict(check_id):
    [result] = _evaluate(check_id, "inline_policies", [_inline_record({"Statement": "Allow everything"})])
    assert result.status == "MANUAL" and result.status_extended.startswith("No verdict:"), result


@pytest.mark.parametrize("check_id", [POLICY_KMS, POLICY_TRAIL, POLICY_SUBSCRIBE])
def test_unread_customer_policy_document_is_no_verdict(check_id):
    unread = _policy_record("unread", aws_managed=False, attachment_count=1, document=None,
                            _unread={"document": "iam:GetPolicyVersion AccessDenied"})  # fmt: skip
    [result] = _evaluate(check_id, "policies", [unread], audit_config())
    assert result.status == "MANUAL", result


# -- roles and the account ------------------------------------------------------------------------------


def test_role_service_trust_restricts_source_to_account(world):
    _expect(
        world.run,
        SERVICE_TRUST,
        {"svc-open": "FAIL", "svc-org": "FAIL", "svc-bucket": "FAIL", "svc-any-account": "FAIL",
         "svc-account": "PASS", "svc-arn": "PASS", "auditor": None},
    )  # fmt: skip
    # The organization condition does guard against the confused deputy: the two checks differ there.
    assert world.run.status("iam_role_cross_service_confused_deputy_prevention", "svc-org") == "PASS"


def test_unparseable_or_unread_trust_policy_is_no_verdict():
    def role(**data) -> Resource:
        return Resource(kind="roles", uid=f"arn:aws:iam::{ACCOUNT}:role/r", id="r", region=REGION, tags={},
                        data={"service_linked": False, **data})  # fmt: skip

    for record in (role(trust_policy="{not json"),
                   role(trust_policy=None, _unread={"trust_policy": "iam:GetRole AccessDenied"})):  # fmt: skip
        [result] = _evaluate(SERVICE_TRUST, "roles", [record])
        assert result.status == "MANUAL", result


def test_securityaudit_role_created(world, scan):
    assert world.run.statuses(SECURITY_AUDIT) == {"SecurityAudit": "PASS"}
    assert "auditor" in world.run.of(SECURITY_AUDIT)[0]["status_extended"]
    _iam().create_role(RoleName="someone", AssumeRolePolicyDocument=HUMAN_TRUST)
    empty = scan("iam", regions=[REGION], access=_answer_last_accessed(AwsAccess.from_default_chain(), {}))
    assert empty.statuses(SECURITY_AUDIT) == {"SecurityAudit": "FAIL"}
    # The roles could not be listed: whether any holds the policy is unknown.
    assert world.no_listing.statuses(SECURITY_AUDIT) == {"SecurityAudit": "MANUAL"}


# -- stale Bedrock and SageMaker permissions ----------------------------------------------------------------


def test_role_access_not_stale_to_bedrock(world):
    _expect(world.run, ROLE_BEDROCK,
            {"bedrock-fresh": "PASS", "bedrock-stale": "FAIL", "bedrock-never": "FAIL", "no-bedrock": None,
             "auditor": None})  # fmt: skip


def test_user_access_not_stale_to_bedrock(world):
    # Prowler's 60-day threshold: 61.5 days is 61 whole days, more than 60.
    _expect(world.run, USER_BEDROCK,
            {"u-bedrock-fresh": "PASS", "u-bedrock-stale": "FAIL", "u-bedrock-never": "FAIL", "u-no-ai": None})  # fmt: skip
    assert "never used" in [f for f in world.run.of(USER_BEDROCK) if f["resource_id"] == "u-bedrock-never"][0][
        "status_extended"]


def test_user_access_not_stale_to_sagemaker(world):
    _expect(world.run, USER_SAGEMAKER,
            {"u-sm-fresh": "PASS", "u-sm-edge": "PASS", "u-sm-stale": "FAIL", "u-sm-never": "FAIL",
             "u-bedrock-fresh": None})  # fmt: skip


def test_sagemaker_threshold_comes_from_the_audit_config():
    user = Resource(kind="users", uid=f"arn:aws:iam::{ACCOUNT}:user/u", id="u", region=REGION, tags={},
                    data={"services_last_accessed": {"sagemaker": (NOW - dt.timedelta(days=45)).isoformat()}})
    assert _evaluate(USER_SAGEMAKER, "users", [user], audit_config())[0].status == "PASS"
    strict = audit_config({"max_unused_sagemaker_access_days": 30})
    assert _evaluate(USER_SAGEMAKER, "users", [user], strict)[0].status == "FAIL"


@pytest.mark.parametrize("check_id, names", [
    (ROLE_BEDROCK, ["bedrock-fresh", "bedrock-stale", "no-bedrock"]),
    (USER_BEDROCK, ["u-bedrock-fresh", "u-bedrock-never", "u-no-ai"]),
    (USER_SAGEMAKER, ["u-sm-fresh", "u-sm-stale", "u-no-ai"]),
])  # fmt: skip
def test_refused_last_accessed_report_is_no_verdict(world, check_id, names):
    statuses = world.no_report.statuses(check_id)
    assert {statuses.get(n) for n in names} == {"MANUAL"}, statuses
    assert all(f["status_extended"].startswith("No verdict:") for f in world.no_report.of(check_id))
    assert any(e["api"] == "iam:generate_service_last_accessed_details" for e in world.no_report.errors)


def test_temporary_credentials_check_reads_the_same_report(world):
    # No active keys anywhere in this world: every user passes without needing the report.
    assert set(world.no_report.statuses("iam_user_with_temporary_credentials").values()) <= {"PASS"}
