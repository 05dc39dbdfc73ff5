"""Secrets planted in AWS configuration never reach the lake, the reports or the logs.

Distinctive secret values are planted in moto where a posture scanner reads configuration
(Lambda environment variables, an ECS task definition's container environment,
CloudFormation stack outputs, launch configuration and EC2 instance user data, CodeBuild
plaintext variables and a source URL, resource tags), the real engine scans them and writes the reports,
and then every byte of every file under the lake - Parquet read raw and decoded through
pyarrow - and every log record is searched for the values. The findings must still say
FAIL for the resources that hold them: the scanner saw the secrets, it just did not keep them.
"""

import base64
import io
import json
import logging
import pathlib
import zipfile

import boto3
import pyarrow.parquet as pq

from postureflow.reports import write_reports

REGION = "us-east-1"
ACCOUNT = "123456789012"
IMAGE = "ami-12c6146b"  # one of moto's built-in AMIs

LAMBDA_PASSWORD = "pfLeakLambda-7Qx2Vm9Kd4"
LAMBDA_ACCESS_KEY = "AKIAPFLEAKLAMBDA0001"
ECS_TOKEN = "pfLeakEcs-3Rt8Wn5Hy1"
CFN_PASSWORD = "pfLeakCfn-6Jk1Zs4Bv8"
LC_PASSWORD = "pfLeakUserData-2Lp7Cx3Qm"
EC2_PASSWORD = "pfLeakInstance-8Wz5Rk1Hs"
CODEBUILD_PASSWORD = "pfLeakCodeBuild-9Ty4Gh2Nf"
URL_TOKEN = "pfLeakUrlToken-5Df8Sa1Wq"
TAG_PASSWORD = "pfLeakTag-4Hb7Qz2Xc"
TAG_ACCESS_KEY = "AKIAPFLEAKTAGVALUE01"
SECRETS = [
    LAMBDA_PASSWORD,
    LAMBDA_ACCESS_KEY,
    ECS_TOKEN,
    CFN_PASSWORD,
    LC_PASSWORD,
    EC2_PASSWORD,
    CODEBUILD_PASSWORD,
    URL_TOKEN,
    TAG_PASSWORD,
    TAG_ACCESS_KEY,
]
LC_USER_DATA = f"#!/bin/bash\nexport DB_PASSWORD={LC_PASSWORD}\n/opt/app/start\n"
EC2_USER_DATA = f"#!/bin/bash\nexport ADMIN_PASSWORD={EC2_PASSWORD}\n"
SERVICES = ["awslambda", "ecs", "cloudformation", "autoscaling", "codebuild", "ec2"]


def _plant() -> None:
    role = boto3.client("iam", region_name=REGION).create_role(RoleName="leak-test", AssumeRolePolicyDocument="{}")[
        "Role"
    ]["Arn"]

    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as archive:
        archive.writestr("app.py", "def handler(event, context):\n    return 1\n")
    boto3.client("lambda", region_name=REGION).create_function(
        FunctionName="leaky-fn",
        Runtime="python3.13",
        Role=role,
        Handler="app.handler",
        Code={"ZipFile": code.getvalue()},
        Environment={"Variables": {"DB_PASSWORD": LAMBDA_PASSWORD, "DEPLOY_KEY_ID": LAMBDA_ACCESS_KEY}},
    )

    boto3.client("ecs", region_name=REGION).register_task_definition(
        family="leaky-task",
        containerDefinitions=[
            {"name": "app", "image": "app:1", "memory": 128, "environment": [{"name": "API_TOKEN", "value": ECS_TOKEN}]}
        ],
        # Tags reach the lake, the reports and Security Hub: their secret values must not.
        tags=[{"key": "db_password", "value": TAG_PASSWORD}, {"key": "team", "value": "payments"}],
    )

    template = {
        "Resources": {"Topic": {"Type": "AWS::SNS::Topic"}},
        "Outputs": {"DbPassword": {"Value": CFN_PASSWORD}},
    }
    boto3.client("cloudformation", region_name=REGION).create_stack(
        StackName="leaky-stack",
        TemplateBody=json.dumps(template),
        Tags=[{"Key": "deploy-key", "Value": TAG_ACCESS_KEY}, {"Key": "owner", "Value": "alice"}],
    )

    boto3.client("autoscaling", region_name=REGION).create_launch_configuration(
        LaunchConfigurationName="leaky-lc", ImageId=IMAGE, InstanceType="t3.micro", UserData=LC_USER_DATA
    )
    boto3.client("ec2", region_name=REGION).run_instances(
        ImageId=IMAGE, MinCount=1, MaxCount=1, InstanceType="t3.micro", UserData=EC2_USER_DATA
    )

    boto3.client("codebuild", region_name=REGION).create_project(
        name="leaky-build",
        source={"type": "BITBUCKET", "location": f"https://x-token-auth:{URL_TOKEN}@bitbucket.org/acme/app.git"},
        artifacts={"type": "NO_ARTIFACTS"},
        environment={
            "type": "LINUX_CONTAINER",
            "image": "aws/codebuild/standard:7.0",
            "computeType": "BUILD_GENERAL1_SMALL",
            "environmentVariables": [{"name": "DB_PASSWORD", "value": CODEBUILD_PASSWORD, "type": "PLAINTEXT"}],
        },
        serviceRole=role,
    )


def _forbidden() -> list[bytes]:
    """The values, and the base64 forms in which AWS hands out user data."""
    values = [s.encode() for s in SECRETS]
    values += [base64.b64encode(text.encode()) for text in (LC_USER_DATA, EC2_USER_DATA)]
    return values


def _lake_texts(root: pathlib.Path) -> dict[str, bytes]:
    """Every file under the lake as raw bytes, plus every Parquet file decoded to JSON rows."""
    texts: dict[str, bytes] = {}
    for path in root.rglob("*"):
        if not path.is_file():
            continue
        texts[str(path)] = path.read_bytes()
        if path.suffix == ".parquet":
            rows = pq.read_table(path).to_pylist()
            texts[f"{path} (decoded)"] = json.dumps(rows, default=str).encode()
    return texts


def test_planted_secrets_stay_out_of_lake_reports_and_logs(scan, lake, caplog):
    caplog.set_level(logging.INFO)
    caplog.set_level(logging.DEBUG, logger="postureflow")
    _plant()

    run = scan(*SERVICES, regions=[REGION])
    paths = write_reports(lake, ACCOUNT, run.findings[0]["scan_date"])

    # The scanner did see every planted secret.
    assert run.status("awslambda_function_no_secrets_in_variables", "leaky-fn") == "FAIL"
    assert run.status("ecs_task_definitions_no_environment_secrets", "leaky-task:1") == "FAIL"
    assert run.status("cloudformation_stack_outputs_find_secrets", "leaky-stack") == "FAIL"
    assert run.status("autoscaling_find_secrets_ec2_launch_configuration", "leaky-lc") == "FAIL"
    assert run.status("codebuild_project_no_secrets_in_variables", "leaky-build") == "FAIL"
    assert run.status("codebuild_project_source_repo_url_no_sensitive_credentials", "leaky-build") == "FAIL"

    root = pathlib.Path(lake.path(""))
    texts = _lake_texts(root)
    assert any(name.endswith(".parquet (decoded)") and "inventory" in name for name in texts)
    assert {pathlib.Path(p).suffix for p in paths.values()} == {".json", ".csv", ".html"}
    assert len([n for n in texts if "reports" in n]) == 3

    # Tag keys are kept (mutelists match them); only the secret values are redacted.
    task_tags = next(f["resource_tags"] for f in run.findings if f["resource_id"] == "leaky-task:1")
    assert dict(task_tags) == {"db_password": "[redacted: Secret Keyword]", "team": "payments"}
    stack_tags = next(f["resource_tags"] for f in run.findings if f["resource_id"] == "leaky-stack")
    assert dict(stack_tags) == {"deploy-key": "[redacted: AWS Access Key]", "owner": "alice"}

    leaks = [(name, value) for name, data in texts.items() for value in _forbidden() if value in data]
    assert leaks == []
    assert caplog.records, "the scan is expected to log something"
    logged = caplog.text + "".join(str(r.args) for r in caplog.records)
    assert [s for s in SECRETS if s in logged] == []


# -- the detector itself: detect-secrets with Prowler's plugins, secrets_ignore_patterns ----------------


def test_detect_secrets_finds_prowlers_kinds_and_keeps_no_value():
    from postureflow.secrets import scan_key_values, scan_text

    text = "\n".join([
        "#!/bin/bash",
        "export AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLF",
        "export ADMIN_PASSWORD=pfLeakUnit-1Qw2Er3Ty",
        "curl https://deploy:pfLeakUrl-9Zx8Cv7Bn@example.com/x",
        "-----BEGIN RSA PRIVATE KEY-----",
        "echo done",
    ])  # fmt: skip
    hits = scan_text(text)
    assert hits == [
        {"location": "line 2", "type": "AWS Access Key"},
        {"location": "line 3", "type": "Secret Keyword"},
        {"location": "line 4", "type": "Basic Auth Credentials"},
        {"location": "line 5", "type": "Private Key"},
    ]
    env = {"DB_PASSWORD": "pfLeakUnit-5Gh6Jk7Lm", "API_TOKEN": "pfLeakUnit-8Nb9Vc0Xz", "PATH": "/usr/bin",
           "DB_SECRET_ARN": "arn:aws:secretsmanager:us-east-1:123456789012:secret:db", "REF": "{{resolve:ssm:/x}}"}  # fmt: skip
    found = {h["location"]: h["type"] for h in scan_key_values(env)}
    assert found == {"DB_PASSWORD": "Secret Keyword", "API_TOKEN": "Secret keyword in name"}
    assert "pfLeakUnit" not in repr(hits) + repr(found)


def test_secrets_ignore_patterns_skip_matching_lines_only_while_configured():
    from postureflow.secrets import scan_key_values, use_config

    env = {"DB_PASSWORD": "pfLeakUnit-5Gh6Jk7Lm", "KNOWN_TEST_KEY": "AKIAIOSFODNN7EXAMPLF"}
    with use_config({"secrets_ignore_patterns": ["KNOWN_TEST_KEY"]}):
        assert [h["location"] for h in scan_key_values(env)] == ["DB_PASSWORD"]
    assert [h["location"] for h in scan_key_values(env)] == ["DB_PASSWORD", "KNOWN_TEST_KEY"]


def test_tag_values_are_redacted_and_keys_kept():
    from postureflow.secrets import redact_values

    tags = {"Name": "web-1", "owner": "alice@example.com", "deploy-key": "AKIAIOSFODNN7EXAMPLF", "db_password": "pfLeakUnit-3Df4Gh5Jk"}
    assert redact_values(tags) == {"Name": "web-1", "owner": "alice@example.com",
                                   "deploy-key": "[redacted: AWS Access Key]", "db_password": "[redacted: Secret Keyword]"}  # fmt: skip
    assert redact_values({"auth-team": "platform", "token-expiry": "2026-12-31"}) == {
        "auth-team": "platform", "token-expiry": "2026-12-31"}  # names alone never redact a tag  # fmt: skip
