"""awslambda_function_invoke_api_operations_cloudtrail_logging_enabled, on moto (Lambda and CloudTrail)."""

import io
import zipfile

import boto3

from postureflow.testing import DeniedAccess

CHECK = "awslambda_function_invoke_api_operations_cloudtrail_logging_enabled"
REGION = "us-east-1"


def _function(name, region=REGION):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", "def handler(e, c):\n    return 1\n")
    role = f"arn:aws:iam::123456789012:role/fn-{name}"
    boto3.client("iam", region_name=REGION).create_role(RoleName=f"fn-{name}", AssumeRolePolicyDocument="{}")
    boto3.client("lambda", region_name=region).create_function(
        FunctionName=name, Runtime="python3.13", Role=role, Handler="app.handler", Code={"ZipFile": buffer.getvalue()}
    )
    return f"arn:aws:lambda:{region}:123456789012:function:{name}"


def _trail(name, multi_region=False, logging=True, **selectors):
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket=f"trail-{name}")
    trails = boto3.client("cloudtrail", region_name=REGION)
    trails.create_trail(Name=name, S3BucketName=f"trail-{name}", IsMultiRegionTrail=multi_region)
    if selectors:
        trails.put_event_selectors(TrailName=name, **selectors)
    if logging:
        trails.start_logging(Name=name)


def _lambda_selector(values, read_write="All"):
    return {"EventSelectors": [{"ReadWriteType": read_write, "IncludeManagementEvents": True,
                                "DataResources": [{"Type": "AWS::Lambda::Function", "Values": values}]}]}  # fmt: skip


def test_function_recorded_only_by_a_logging_trail_covering_it(scan):
    watched = _function("watched-fn")
    _function("other-fn")
    _function("eu-fn", region="eu-west-1")
    _trail("fn-trail", **_lambda_selector([watched]))  # this one function, us-east-1 only
    _trail("stopped-trail", logging=False, **_lambda_selector(["arn:aws:lambda"]))
    _trail("reads-trail", multi_region=True, **_lambda_selector(["arn:aws:lambda"], read_write="ReadOnly"))
    run = scan("awslambda", "cloudtrail", regions=[REGION, "eu-west-1"])
    # Prowler would pass all three on the stopped or read-only trails
    assert run.statuses(CHECK) == {"watched-fn": "PASS", "other-fn": "FAIL", "eu-fn": "FAIL"}


def test_advanced_selector_for_all_functions_passes(scan):
    _function("any-fn", region="eu-west-1")
    _trail("all-trail", multi_region=True, AdvancedEventSelectors=[{"Name": "lambda", "FieldSelectors": [
        {"Field": "eventCategory", "Equals": ["Data"]}, {"Field": "resources.type", "Equals": ["AWS::Lambda::Function"]},
    ]}])  # fmt: skip
    run = scan("awslambda", "cloudtrail", regions=[REGION, "eu-west-1"])
    assert run.statuses(CHECK) == {"any-fn": "PASS"}


def test_unreadable_selectors_give_no_verdict(scan):
    _function("some-fn")
    _trail("plain-trail")
    refused = DeniedAccess("cloudtrail:GetEventSelectors")
    run = scan("awslambda", "cloudtrail", regions=[REGION], access=refused)
    assert refused.hits and run.statuses(CHECK) == {"some-fn": "MANUAL"}
