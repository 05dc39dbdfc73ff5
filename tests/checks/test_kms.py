import boto3


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
