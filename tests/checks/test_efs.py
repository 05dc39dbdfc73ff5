import boto3


def _file_system(name, encrypted, region="us-east-1"):
    efs = boto3.client("efs", region_name=region)
    return efs.create_file_system(CreationToken=name, Encrypted=encrypted, Tags=[{"Key": "Name", "Value": name}])


def test_encryption_at_rest(scan):
    plain = _file_system("plain-share", False)["FileSystemId"]
    sealed = _file_system("sealed-share", True, region="eu-west-1")["FileSystemId"]
    run = scan("efs")
    assert run.status("efs_encryption_at_rest_enabled", plain) == "FAIL"
    assert run.status("efs_encryption_at_rest_enabled", sealed) == "PASS"
    by_id = {f["resource_id"]: f for f in run.of("efs_encryption_at_rest_enabled")}
    assert by_id[sealed]["region"] == "eu-west-1"
    assert by_id[plain]["resource_uid"].startswith("arn:aws:elasticfilesystem:us-east-1:123456789012:file-system/")
    assert by_id[plain]["resource_tags"] == [("Name", "plain-share")] or dict(by_id[plain]["resource_tags"]) == {
        "Name": "plain-share"
    }
    assert "plain-share" in by_id[plain]["status_extended"]


def test_no_file_systems_no_findings(scan):
    assert scan("efs").of("efs_encryption_at_rest_enabled") == []


def test_unlisted_file_systems_give_no_verdict(scan):
    from postureflow.testing import DeniedAccess

    _file_system("hidden-share", False)
    access = DeniedAccess("elasticfilesystem:DescribeFileSystems")
    run = scan("efs", access=access)
    assert run.of("efs_encryption_at_rest_enabled") == []
    assert access.hits and {e["api"] for e in run.errors} == {"efs:describe_file_systems"}
