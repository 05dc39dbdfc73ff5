"""KMS checks against moto.

moto does not implement cloudtrail:LookupEvents, which the collector reads for enclave keys;
a hook answers it with chosen events.
"""

import base64
import json
from types import SimpleNamespace

import boto3

import pytest

from postureflow.aws import AwsAccess


def _key(region="us-east-1", alias=None, **kwargs):
    kms = boto3.client("kms", region_name=region)
    key_id = kms.create_key(**kwargs)["KeyMetadata"]["KeyId"]
    if alias:
        kms.create_alias(AliasName=f"alias/{alias}", TargetKeyId=key_id)
    return kms, key_id


def test_cmk_rotation(scan):
    _, stale = _key(alias="never-rotated", Tags=[{"TagKey": "team", "TagValue": "payments"}])
    kms, fresh = _key(region="eu-west-1")
    kms.enable_key_rotation(KeyId=fresh)
    run = scan("kms")
    assert run.status("kms_cmk_rotation_enabled", stale) == "FAIL"
    assert run.status("kms_cmk_rotation_enabled", fresh) == "PASS"
    failing = [f for f in run.of("kms_cmk_rotation_enabled") if f["resource_id"] == stale][0]
    assert "alias/never-rotated" in failing["status_extended"]
    assert dict(failing["resource_tags"]) == {"team": "payments"}
    assert failing["resource_type"] == "AwsKmsKey"


def test_keys_that_cannot_rotate_are_not_judged(scan):
    kms, disabled = _key()
    kms.disable_key(KeyId=disabled)
    _, asymmetric = _key(KeySpec="RSA_2048", KeyUsage="SIGN_VERIFY")
    _, judged = _key()
    run = scan("kms")
    assert run.statuses("kms_cmk_rotation_enabled") == {judged: "FAIL"}
    assert run.errors == []


# -- deletion, public policies and enclave keys: one moto account, scanned once -----------------

ACCOUNT = "123456789012"
ROOT = {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}
ENCLAVE_ROLE = {"AWS": f"arn:aws:iam::{ACCOUNT}:role/enclave-parent"}
IMAGE = "ab" * 48  # an enclave image measurement (SHA-384, hex)
SENSITIVE = ["kms:Decrypt", "kms:GenerateDataKey*"]
ADMIN_ONLY = ["kms:Create*", "kms:Describe*", "kms:Enable*", "kms:List*", "kms:Put*", "kms:Update*",
              "kms:Revoke*", "kms:Disable*", "kms:Get*", "kms:Delete*", "kms:ScheduleKeyDeletion",
              "kms:CancelKeyDeletion"]  # fmt: skip


def _policy(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def _statement(sid, principal, action, effect="Allow", **extra):
    return {"Sid": sid, "Effect": effect, "Principal": principal, "Action": action, "Resource": "*", **extra}


ATTESTED = {"StringEqualsIgnoreCase": {"kms:RecipientAttestation:ImageSha384": IMAGE}}
KEYS = {
    # name: create_key arguments
    "kept": {},
    "doomed": {},
    "public": {"Policy": _policy(_statement("Admin", ROOT, "kms:*"), _statement("Anyone", "*", "kms:Decrypt"))},
    "public-account-bound": {
        "Policy": _policy(
            _statement("Admin", ROOT, "kms:*"),
            _statement(
                "ViaAccount", {"AWS": "*"}, "kms:Decrypt", Condition={"StringEquals": {"kms:CallerAccount": ACCOUNT}}
            ),
        )
    },
    "enclave-default": {"Description": "secrets for the payments enclave"},
    "enclave-attested": {
        "Tags": [{"TagKey": "workload", "TagValue": "nitro-enclave"}],
        "Policy": _policy(
            _statement("Admin", ROOT, ADMIN_ONLY),
            _statement("Enclave", ENCLAVE_ROLE, SENSITIVE, Condition=ATTESTED),
        ),
    },
    "enclave-guarded": {
        "Policy": _policy(
            _statement("Admin", ROOT, "kms:*"),
            _statement("Enclave", ENCLAVE_ROLE, SENSITIVE, Condition=ATTESTED),
            _statement("NoAttestationNoSecrets", "*", SENSITIVE + ["kms:DeriveSharedSecret", "kms:GenerateRandom"],
                       effect="Deny", Condition={"Null": {"kms:RecipientAttestation:ImageSha384": "true"}}),
        )
    },
    "enclave-wildcard": {
        "Policy": _policy(
            _statement("Admin", ROOT, ADMIN_ONLY),
            _statement("Enclave", ENCLAVE_ROLE, SENSITIVE,
                       Condition={"StringLike": {"kms:RecipientAttestation:ImageSha384": "*"}}),
        )
    },
}


def _pcr(byte: int) -> str:
    return base64.b64encode(bytes([byte]) * 48).decode()


def _enclave_event(name: str, pcr: str, when: str) -> dict:
    recipient = {
        "attestationDocumentModuleId": "i-0abc1234def567890-enc0123456789abcdef",
        "attestationDocumentEnclaveImageDigest": pcr,
        "attestationDocumentEnclavePCR1": pcr,
        "attestationDocumentEnclavePCR2": pcr,
    }
    body = {"eventName": name, "eventTime": when, "additionalEventData": {"recipient": recipient}}
    return {"EventId": when, "EventName": name, "CloudTrailEvent": json.dumps(body)}


def _answer_lookup_events(access: AwsAccess, events_by_key: dict[str, list[dict]], endless: set[str]):
    """moto does not implement cloudtrail:LookupEvents: answer it with the given events per key ARN.
    Keys in ``endless`` always have another page, as a key with a very long history would."""
    from botocore.awsrequest import AWSResponse

    def lookup(params, **_):
        request = json.loads(params["body"])
        arn = request["LookupAttributes"][0]["AttributeValue"]
        page = {"Events": events_by_key.get(arn, []), "ResponseMetadata": {}}
        if arn in endless:
            page["NextToken"] = f"page-{int(request.get('NextToken', 'page-1').split('-')[1]) + 1}"
        return AWSResponse("https://cloudtrail.amazonaws.com/", 200, {}, None), page

    access.client("cloudtrail", "us-east-1").meta.events.register("before-call.cloudtrail.LookupEvents", lookup)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from moto import mock_aws

    from postureflow.lake import Lake
    from postureflow.testing import scan_in_moto

    with mock_aws():
        kms = boto3.client("kms", region_name="us-east-1")
        ids, arns = {}, {}
        for name, arguments in KEYS.items():
            meta = kms.create_key(**arguments)["KeyMetadata"]
            ids[name], arns[name] = meta["KeyId"], meta["Arn"]
            kms.create_alias(AliasName=f"alias/{name}", TargetKeyId=meta["KeyId"])
        kms.schedule_key_deletion(KeyId=ids["doomed"], PendingWindowInDays=7)
        access = AwsAccess.from_default_chain()
        normal, zeroed = _pcr(0x11), _pcr(0)
        _answer_lookup_events(
            access,
            {
                arns["enclave-default"]: [
                    _enclave_event("Decrypt", normal, "2026-11-20T10:00:00Z"),
                    _enclave_event("GenerateDataKey", zeroed, "2026-11-21T10:00:00Z"),
                ],
                arns["enclave-attested"]: [_enclave_event("Decrypt", normal, "2026-11-21T09:00:00Z")],
                arns["enclave-wildcard"]: [_enclave_event("Decrypt", normal, "2026-11-21T09:00:00Z")],
            },
            endless={arns["enclave-wildcard"]},
        )
        lake = Lake(str(tmp_path_factory.mktemp("kms-lake")))
        run = scan_in_moto(lake, ["kms"], regions=["us-east-1"], access=access)
    return SimpleNamespace(ids=ids, run=run, calls=access.call_log)


def _expect(world, check_id, expected: dict[str, str | None]):
    statuses = world.run.statuses(check_id)
    got = {name: statuses.get(world.ids[name]) for name in expected}
    assert got == expected, statuses


def test_world_scanned_cleanly(world):
    assert world.run.errors == []
    assert world.calls.repeated() == []


def test_cmk_not_deleted_unintentionally(world):
    _expect(world, "kms_cmk_not_deleted_unintentionally", {"doomed": "FAIL", "kept": "PASS"})


def test_key_not_publicly_accessible(world):
    _expect(
        world,
        "kms_key_not_publicly_accessible",
        # kms:CallerAccount pinned to the key's own account narrows the statement open to everyone
        {"public": "FAIL", "public-account-bound": "PASS", "kept": "PASS", "doomed": None},
    )
    failing = [f for f in world.run.of("kms_key_not_publicly_accessible") if f["resource_id"] == world.ids["public"]]
    assert "Anyone" in failing[0]["status_extended"]


def test_key_enclave_attestation_not_enforced(world):
    # Only keys that serve enclaves (named, tagged or attestation-bound) are judged.
    _expect(
        world,
        "kms_key_enclave_attestation_not_enforced",
        {
            "enclave-default": "FAIL",
            "enclave-guarded": "FAIL",
            "enclave-wildcard": "FAIL",
            "enclave-attested": "PASS",
            "kept": None,
        },
    )


def test_key_enclave_attestation_bypassable_path(world):
    _expect(
        world,
        "kms_key_enclave_attestation_bypassable_path",
        {"enclave-default": "FAIL", "enclave-wildcard": "FAIL", "enclave-guarded": "PASS", "enclave-attested": "PASS"},
    )


def test_key_enclave_debug_attestation_detected(world):
    # CloudTrail event history comes from a hook (moto lacks LookupEvents).
    _expect(
        world,
        "kms_key_enclave_debug_attestation_detected",
        {"enclave-default": "FAIL", "enclave-attested": "PASS", "enclave-wildcard": "MANUAL", "enclave-guarded": None},
    )
    assert world.calls.repeated() == []


@pytest.mark.parametrize(
    "check, key, denied",
    [
        ("kms_key_not_publicly_accessible", "public", "kms:GetKeyPolicy"),
        ("kms_key_enclave_attestation_not_enforced", "enclave-default", "kms:GetKeyPolicy"),
        ("kms_key_enclave_attestation_bypassable_path", "enclave-default", "kms:GetKeyPolicy"),
        ("kms_cmk_rotation_enabled", "public", "kms:GetKeyRotationStatus"),
        ("kms_cmk_rotation_enabled", "public", "kms:DescribeKey"),
        ("kms_cmk_not_deleted_unintentionally", "public", "kms:DescribeKey"),
        ("kms_key_enclave_debug_attestation_detected", "enclave-default", "cloudtrail:LookupEvents"),
    ],
)
def test_unreadable_key_data_gives_no_verdict(scan, check, key, denied):
    from postureflow.testing import DeniedAccess

    kms = boto3.client("kms", region_name="us-east-1")
    key_id = kms.create_key(**KEYS[key])["KeyMetadata"]["KeyId"]
    access = DeniedAccess(denied)
    run = scan("kms", regions=["us-east-1"], access=access)
    assert run.statuses(check) == {key_id: "MANUAL"}
    assert access.hits


def test_unparseable_key_policy_gives_no_verdict(scan):
    """A policy text that is not a JSON policy is judged by no check (AWS validates policies, so this guards
    against a reader that would treat it as "no statements" and PASS)."""
    from botocore.awsrequest import AWSResponse

    from postureflow.aws import AwsAccess

    kms = boto3.client("kms", region_name="us-east-1")
    key_id = kms.create_key(Description="enclave secrets")["KeyMetadata"]["KeyId"]
    access = AwsAccess.from_default_chain()

    def garbled(**_):
        return AWSResponse("https://kms", 200, {}, None), {"Policy": "{not json", "ResponseMetadata": {}}

    access.client("kms", "us-east-1").meta.events.register("before-call.kms.GetKeyPolicy", garbled)
    run = scan("kms", regions=["us-east-1"], access=access)
    for check in ("kms_key_not_publicly_accessible", "kms_key_enclave_attestation_not_enforced",
                  "kms_key_enclave_attestation_bypassable_path"):
        assert run.statuses(check) == {key_id: "MANUAL"}, check


# -- checks added for issue 12 --------------------------------------------------------------------------


@pytest.fixture
def key_world(aws):
    kms = boto3.client("kms", region_name="us-east-1")
    ids = {name: kms.create_key(Description=name, **extra)["KeyMetadata"]["KeyId"]
           for name, extra in (("in-use", {}), ("switched-off", {}), ("leaving", {}), ("everywhere", {"MultiRegion": True}))}  # fmt: skip
    kms.disable_key(KeyId=ids["switched-off"])
    kms.schedule_key_deletion(KeyId=ids["leaving"], PendingWindowInDays=7)
    return ids


def test_cmk_are_used(key_world, scan):
    run = scan("kms", regions=["us-east-1"])
    statuses = run.statuses("kms_cmk_are_used")
    assert {name: statuses[key_id] for name, key_id in key_world.items() if name != "everywhere"} == {
        "in-use": "PASS", "switched-off": "FAIL", "leaving": "PASS"}


def test_cmk_not_multi_region(key_world, scan):
    run = scan("kms", regions=["us-east-1"])
    assert run.status("kms_cmk_not_multi_region", key_world["everywhere"]) == "FAIL"
    assert run.status("kms_cmk_not_multi_region", key_world["in-use"]) == "PASS"


@pytest.mark.parametrize("check", ["kms_cmk_are_used", "kms_cmk_not_multi_region"])
def test_new_checks_give_no_verdict_on_undescribed_keys(key_world, scan, check):
    from postureflow.testing import DeniedAccess

    run = scan("kms", regions=["us-east-1"], access=DeniedAccess("kms:DescribeKey"))
    assert run.status(check, key_world["in-use"]) == "MANUAL"


def _enclave_key(scan_access=None, **conditions):
    kms = boto3.client("kms", region_name="us-east-1")
    policy = _policy(_statement("Admin", ROOT, ADMIN_ONLY),
                     _statement("Enclave", ENCLAVE_ROLE, SENSITIVE, Condition=conditions))  # fmt: skip
    return kms.create_key(Description="enclave key", Policy=policy)["KeyMetadata"]["KeyId"]


def test_enclave_attestation_no_deployment_binding(aws, scan):
    image_only = _enclave_key(**ATTESTED)
    bound = _enclave_key(StringEqualsIgnoreCase={"kms:RecipientAttestation:ImageSha384": IMAGE,
                                                 "kms:RecipientAttestation:PCR3": "cd" * 48})  # fmt: skip
    by_account = _enclave_key(**ATTESTED, StringEquals={"aws:PrincipalAccount": ACCOUNT})
    run = scan("kms", regions=["us-east-1"])
    assert run.statuses("kms_key_enclave_attestation_no_deployment_binding") == {
        image_only: "FAIL", bound: "PASS", by_account: "PASS"}


def test_enclave_checks_without_golden_list_are_manual(aws, scan):
    key = _enclave_key(**ATTESTED)
    run = scan("kms", regions=["us-east-1"])
    finding = run.of("kms_key_enclave_attestation_pcr_mismatch")
    assert [f["status"] for f in finding] == ["MANUAL"]
    assert "kms:RecipientAttestation:ImageSha384" in finding[0]["status_extended"]
    assert "No verdict" not in finding[0]["status_extended"]
    # moto has no CloudTrail event history: whether any enclave used the key is unknown
    assert run.statuses("kms_key_enclave_attestation_unknown_image") == {key: "MANUAL"}


def test_enclave_unknown_image_manual_when_used(world):
    statuses = world.run.statuses("kms_key_enclave_attestation_unknown_image")
    assert statuses[world.ids["enclave-default"]] == "MANUAL"


@pytest.mark.parametrize(
    "check, denied",
    [
        ("kms_key_enclave_attestation_no_deployment_binding", "kms:GetKeyPolicy"),
        ("kms_key_enclave_attestation_pcr_mismatch", "kms:GetKeyPolicy"),
        ("kms_key_enclave_attestation_unknown_image", "cloudtrail:LookupEvents"),
    ],
)
def test_enclave_checks_give_no_verdict_on_unread_data(aws, scan, check, denied):
    from postureflow.testing import DeniedAccess

    key = _enclave_key(**ATTESTED)
    run = scan("kms", regions=["us-east-1"], access=DeniedAccess(denied))
    assert run.status(check, key) == "MANUAL"
    assert "No verdict" in run.of(check)[0]["status_extended"]
