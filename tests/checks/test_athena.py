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


# -- checks added for issue 12 --------------------------------------------------------------------------

import pytest  # noqa: E402


@pytest.fixture
def athena_world(aws):
    athena = boto3.client("athena", region_name=REGION)
    athena.create_work_group(Name="wg-loose", Configuration={"EnforceWorkGroupConfiguration": False,
                                                              "PublishCloudWatchMetricsEnabled": False})  # fmt: skip
    athena.create_work_group(Name="wg-strict", Configuration={"EnforceWorkGroupConfiguration": True,
                                                               "PublishCloudWatchMetricsEnabled": True})  # fmt: skip
    for name in ("wg-loose", "wg-strict"):
        athena.start_query_execution(QueryString="SELECT 1", WorkGroup=name)


@pytest.mark.parametrize("check", ["athena_workgroup_enforce_configuration", "athena_workgroup_logging_enabled"])
def test_new_checks_fail_loose_and_pass_strict(athena_world, scan, check):
    run = scan("athena", regions=[REGION])
    assert run.statuses(check) == {"wg-loose": "FAIL", "wg-strict": "PASS"}  # primary never ran a query


@pytest.mark.parametrize("check", ["athena_workgroup_enforce_configuration", "athena_workgroup_logging_enabled"])
def test_new_checks_give_no_verdict_on_unread_workgroups(athena_world, scan, check):
    from postureflow.testing import DeniedAccess

    run = scan("athena", regions=[REGION], access=DeniedAccess("athena:GetWorkGroup"))
    assert run.statuses(check) == {"wg-loose": "MANUAL", "wg-strict": "MANUAL"}
