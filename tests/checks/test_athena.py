import boto3

REGION = "us-east-1"


def _workgroup(name, encryption=None, query=True):
    athena = boto3.client("athena", region_name=REGION)
    results = {"OutputLocation": f"s3://athena-results/{name}/"}
    if encryption:
        results["EncryptionConfiguration"] = encryption
    athena.create_work_group(Name=name, Configuration={"ResultConfiguration": results})
    if query:
        athena.start_query_execution(QueryString="SELECT 1", WorkGroup=name)


def test_workgroup_encryption(scan):
    _workgroup("wg-plain")
    _workgroup("wg-sealed", {"EncryptionOption": "SSE_KMS", "KmsKey": "alias/athena"})
    _workgroup("wg-idle", query=False)
    run = scan("athena", regions=[REGION, "eu-west-1"])
    # idle workgroups (moto's "primary" and wg-idle) hold no results and are not judged
    assert run.statuses("athena_workgroup_encryption") == {"wg-plain": "FAIL", "wg-sealed": "PASS"}
    assert (
        run.status("athena_workgroup_encryption", f"arn:aws:athena:{REGION}:123456789012:workgroup/wg-plain") == "FAIL"
    )
    assert run.errors == []


def test_unreadable_workgroup_gives_no_verdict(scan):
    from postureflow.testing import DeniedAccess

    _workgroup("wg-plain")
    access = DeniedAccess("athena:GetWorkGroup", regions=(REGION,))
    run = scan("athena", regions=[REGION], access=access)
    assert run.statuses("athena_workgroup_encryption") == {"wg-plain": "MANUAL"}  # primary never ran a query
    assert access.hits
