"""Lambda checks added for issue 12 (layer secrets, cross-account layers, env encryption, DLQ, URL CORS), on moto.

Layer packages: the tests mark the locations as presigned and serve the zips themselves
(``read_package`` stubbed: no network).
moto lacks GetLayerVersionByArn, and records its own layer ARN when a function names another
account's layer, and drops DeadLetterConfig: ListFunctions is moto's answer with those put back,
GetLayerVersionByArn is answered in moto's place (answer_in_moto).
"""

import io
import zipfile
from types import SimpleNamespace

import boto3
import pytest

from postureflow.aws import AwsAccess
from postureflow.collect import awslambda as collect_lambda
from postureflow.lake import Lake
from postureflow.lake.query import connect
from postureflow.testing import answer_in_moto, scan_denied, scan_in_moto

REGION = "us-east-1"
SECRET = "AKIAIOSFODNN7EXAMPLX"
FOREIGN_LAYER = f"arn:aws:lambda:{REGION}:999999999999:layer:shared-layer:1"


def _zip(text: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", text)
        archive.writestr("lib/blob.bin", b"\x00\x01binary")
    return buffer.getvalue()


CLEAN = _zip("def handler(event, context):\n    return 1\n")
LEAKY = _zip(f"import boto3\n\naws_access_key_id = '{SECRET}'\n\ndef handler(event, context):\n    return 2\n")
# what the stubbed download serves: a fragment of the location -> the package
PACKAGES = {"/layer/leaky-layer": LEAKY}


def _serve(url: str) -> bytes:
    return next((body for fragment, body in PACKAGES.items() if fragment in url), CLEAN)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from moto import mock_aws

    with mock_aws(), pytest.MonkeyPatch.context() as patch:
        patch.setattr(collect_lambda, "is_presigned", lambda url: url.startswith("https://"))
        patch.setattr(collect_lambda, "read_package", _serve)
        role = boto3.client("iam", region_name=REGION).create_role(RoleName="fn", AssumeRolePolicyDocument="{}")
        role = role["Role"]["Arn"]
        boto3.client("sqs", region_name=REGION).create_queue(QueueName="dlq")
        queue_arn = f"arn:aws:sqs:{REGION}:123456789012:dlq"
        key = boto3.client("kms", region_name=REGION).create_key()["KeyMetadata"]["Arn"]
        lam = boto3.client("lambda", region_name=REGION)
        layers = {
            name: lam.publish_layer_version(LayerName=name, Content={"ZipFile": CLEAN})["LayerVersionArn"]
            for name in ("own-layer", "leaky-layer", "shared-layer")
        }

        def function(name, code, **params):
            lam.create_function(FunctionName=name, Runtime="python3.13", Role=role, Handler="app.handler",
                                Code={"ZipFile": code}, **params)  # fmt: skip

        function("leaky-fn", LEAKY, Environment={"Variables": {"LOG_LEVEL": "debug"}},
                 Layers=[layers["shared-layer"], layers["leaky-layer"]])  # fmt: skip
        lam.create_function_url_config(FunctionName="leaky-fn", AuthType="AWS_IAM", Cors={"AllowOrigins": ["*"]})
        function("clean-fn", CLEAN, Environment={"Variables": {"LOG_LEVEL": "info"}}, KMSKeyArn=key,
                 DeadLetterConfig={"TargetArn": queue_arn}, Layers=[layers["own-layer"]])  # fmt: skip
        lam.create_function_url_config(
            FunctionName="clean-fn", AuthType="AWS_IAM", Cors={"AllowOrigins": ["https://app.example.com"]}
        )
        function("bare-fn", CLEAN)

        plain = boto3.client("lambda", region_name=REGION)  # a client without the answers below

        def list_functions(region, params):
            # moto stores its own ARN for a layer named by another account's ARN; AWS keeps the named one
            page = plain.list_functions()  # one page here
            for fn in page["Functions"]:
                if fn["FunctionName"] == "clean-fn":  # moto drops DeadLetterConfig
                    fn["DeadLetterConfig"] = {"TargetArn": queue_arn}
                for layer in fn.get("Layers") or []:
                    if ":layer:shared-layer:" in layer["Arn"]:
                        layer["Arn"] = FOREIGN_LAYER
            return page

        def layer_version(region, request):  # moto lacks GetLayerVersionByArn
            arn = request["query_string"]["Arn"]
            return {"LayerVersionArn": arn, "Content": {"Location": f"https://layers.invalid/layer/{arn.split(':')[6]}"}}

        answers = {"lambda:ListFunctions": list_functions, "lambda:GetLayerVersionByArn": layer_version}
        access = answer_in_moto(AwsAccess.from_default_chain(), REGION, answers)
        lake = Lake(str(tmp_path_factory.mktemp("lake")))
        run = scan_in_moto(lake, ["awslambda"], [REGION], access=access)

        def denied(*ops):
            return scan_denied(str(tmp_path_factory.mktemp("denied")), ["awslambda"], [REGION], *ops)

        unread = {
            "url": denied("lambda:GetFunctionUrlConfig"),
            "listing": denied("lambda:ListFunctions"),
            "layer": denied("lambda:GetLayerVersionByArn"),
        }
        patch.setattr(collect_lambda, "read_package", lambda url: (_ for _ in ()).throw(TimeoutError("timed out")))
        unread["download"] = scan_in_moto(
            Lake(str(tmp_path_factory.mktemp("nodownload"))), ["awslambda"], [REGION],
            access=answer_in_moto(AwsAccess.from_default_chain(), REGION, answers),
        )  # fmt: skip
        unsigned = scan_in_moto(Lake(str(tmp_path_factory.mktemp("unsigned"))), ["awslambda"], [REGION],
                                access=answer_in_moto(AwsAccess.from_default_chain(), REGION, answers))  # fmt: skip
    return SimpleNamespace(run=run, calls=access.call_log, unread=unread, lake=lake, unsigned=unsigned)


def test_layer_no_secrets_in_content(world):
    check = "awslambda_layer_no_secrets_in_content"
    assert world.run.statuses(check) == {"leaky-layer:1": "FAIL", "own-layer:1": "PASS", "shared-layer:1": "PASS"}
    (finding,) = [f for f in world.run.of(check) if f["resource_id"] == "leaky-layer:1"]
    assert "app.py line 3" in finding["status_extended"]


def test_the_secret_never_reaches_the_lake(world):
    rows = connect(world.lake, ["inventory", "findings"]).sql(
        "SELECT data FROM inventory UNION ALL SELECT status_extended FROM findings"
    ).fetchall()
    assert rows and not any(SECRET in row[0] for row in rows)


def test_function_using_cross_account_layers(world):
    check = "awslambda_function_using_cross_account_layers"
    assert world.run.statuses(check) == {"leaky-fn": "FAIL", "clean-fn": "PASS", "bare-fn": "PASS"}


def test_env_vars_not_encrypted_with_cmk(world):
    check = "awslambda_function_env_vars_not_encrypted_with_cmk"
    # bare-fn has no variables at all: nothing to encrypt
    assert world.run.statuses(check) == {"leaky-fn": "FAIL", "clean-fn": "PASS", "bare-fn": "PASS"}


def test_no_dead_letter_queue(world):
    check = "awslambda_function_no_dead_letter_queue"
    assert world.run.statuses(check) == {"leaky-fn": "FAIL", "clean-fn": "PASS", "bare-fn": "FAIL"}


def test_url_cors_policy(world):
    # bare-fn has no function URL: nothing to judge
    assert world.run.statuses("awslambda_function_url_cors_policy") == {"leaky-fn": "FAIL", "clean-fn": "PASS"}


@pytest.mark.parametrize(
    "check, refused",
    [
        ("awslambda_function_url_cors_policy", "url"),
        ("awslambda_layer_no_secrets_in_content", "layer"),
        ("awslambda_layer_no_secrets_in_content", "download"),
    ],
)
def test_unreadable_data_gives_no_verdict(world, check, refused):
    statuses = world.unread[refused].statuses(check)
    assert statuses and set(statuses.values()) == {"MANUAL"}


@pytest.mark.parametrize(
    "check",
    [
        "awslambda_function_using_cross_account_layers",
        "awslambda_function_env_vars_not_encrypted_with_cmk",
        "awslambda_function_no_dead_letter_queue",
    ],
)
def test_unlisted_functions_give_no_verdict(world, check):
    # these read only what ListFunctions says: refused, there is no function to judge (and no PASS)
    assert world.unread["listing"].of(check) == []


def test_an_unsigned_location_is_never_downloaded_and_gives_no_verdict(world):
    # a location that is not an AWS presigned URL (moto's placeholders) is not fetched
    statuses = world.unsigned.statuses("awslambda_layer_no_secrets_in_content")
    assert statuses and set(statuses.values()) == {"MANUAL"}


def test_package_limits():
    assert collect_lambda.is_presigned("https://b.s3.amazonaws.com/k?X-Amz-Algorithm=x&X-Amz-Signature=ab")
    assert not collect_lambda.is_presigned("https://awslambda-us-east-1-tasks.s3.us-east-1.amazonaws.com/fn-1")
    assert not collect_lambda.is_presigned("http://b.s3.amazonaws.com/k?X-Amz-Signature=ab")
    assert collect_lambda.scan_package(CLEAN) == []


def test_calls(world):
    assert world.run.errors == [] and world.calls.repeated() == []
