"""Lambda checks added for issue 12 (code and layer secrets, cross-account layers, env encryption, DLQ,
URL CORS), on moto.

Code and layer packages are served by a local HTTP server on 127.0.0.1 (postureflow.testing.LocalHttp):
moto's own GetFunction location is an unsigned amazonaws.com placeholder, which is never fetched, so
GetFunction is moto's answer with the location pointed at the local server. moto lacks
GetLayerVersionByArn, records its own layer ARN when a function names another account's layer, and drops
DeadLetterConfig: ListFunctions is moto's answer with those put back, GetLayerVersionByArn is answered
in moto's place (answer_in_moto).
"""

import io
import zipfile
from types import SimpleNamespace

import boto3
import pytest

from postureflow.aws import AwsAccess
from postureflow.collect import awslambda as collect_lambda
from postureflow.collect.downloads import DownloadError, download, is_presigned
from postureflow.collect.package_scan import PackageScan
from postureflow.lake import Lake
from postureflow.testing import LocalHttp, answer_in_moto, scan_denied, scan_in_moto, stored_text

REGION = "us-east-1"
SECRET = "AKIAIOSFODNN7EXAMPLX"
FOREIGN_LAYER = f"arn:aws:lambda:{REGION}:999999999999:layer:shared-layer:1"
OPTED_IN = {"read_customer_data": True}
PLAIN_PASS = {"big-fn": "PASS", "image-fn": "PASS"}  # functions added for the code check: no layers, no variables


def _zip(text: str, extra: dict[str, bytes] | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", text)
        archive.writestr("lib/blob.bin", b"\x00\x01binary")
        for name, body in (extra or {}).items():
            archive.writestr(name, body)
    return buffer.getvalue()


CLEAN = _zip("def handler(event, context):\n    return 1\n")
LEAKY = _zip(f"import boto3\n\naws_access_key_id = '{SECRET}'\n\ndef handler(event, context):\n    return 2\n")
# a clean package with one file over the per-file cap: not fully scanned
BIG = _zip("x = 1\n", {"data/big.txt": b"a" * (collect_lambda.MAX_FILE_BYTES + 1)})
# what the local server serves: path -> package (other paths answer 404)
PACKAGES = {
    "/code/leaky-fn": LEAKY, "/code/clean-fn": CLEAN, "/code/bare-fn": CLEAN, "/code/big-fn": BIG,
    "/layer/leaky-layer": LEAKY, "/layer/own-layer": CLEAN, "/layer/shared-layer": CLEAN,
}  # fmt: skip


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from moto import mock_aws

    with mock_aws(), LocalHttp({path: (200, body) for path, body in PACKAGES.items()}) as server:
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
        function("big-fn", CLEAN)
        function("image-fn", CLEAN)  # listed below as a container image: ECR's to scan

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
                if fn["FunctionName"] == "image-fn":  # a container image function (moto needs an image URI)
                    fn["PackageType"] = "Image"
            return page

        def layer_version(region, request):  # moto lacks GetLayerVersionByArn
            arn = request["query_string"]["Arn"]
            return {"LayerVersionArn": arn, "Content": {"Location": f"{server.url}/layer/{arn.split(':')[6]}"}}

        def get_function(region, request):  # moto's answer, its unsigned placeholder location made local
            name = request["url_path"].rstrip("/").split("/")[-1]
            answer = plain.get_function(FunctionName=name)
            answer["Code"]["Location"] = f"{server.url}/code/{name}?X-Amz-Signature=local"
            return answer

        answers = {"lambda:ListFunctions": list_functions, "lambda:GetLayerVersionByArn": layer_version,
                   "lambda:GetFunction": get_function}  # fmt: skip
        access = answer_in_moto(AwsAccess.from_default_chain(), REGION, answers)
        lake = Lake(str(tmp_path_factory.mktemp("lake")))
        run = scan_in_moto(lake, ["awslambda"], [REGION], access=access, config=OPTED_IN)
        default_access = answer_in_moto(AwsAccess.from_default_chain(), REGION, answers)
        default = scan_in_moto(Lake(str(tmp_path_factory.mktemp("default"))), ["awslambda"], [REGION],
                               access=default_access)  # fmt: skip

        def denied(*ops):
            return scan_denied(str(tmp_path_factory.mktemp("denied")), ["awslambda"], [REGION], *ops, config=OPTED_IN)

        unread = {
            "url": denied("lambda:GetFunctionUrlConfig"),
            "listing": denied("lambda:ListFunctions"),
            "layer": denied("lambda:GetLayerVersionByArn"),
            "code": denied("lambda:GetFunction"),
        }
        server.routes.clear()  # every download now answers 404
        unread["download"] = scan_in_moto(
            Lake(str(tmp_path_factory.mktemp("nodownload"))), ["awslambda"], [REGION],
            access=answer_in_moto(AwsAccess.from_default_chain(), REGION, answers), config=OPTED_IN,
        )  # fmt: skip
        unsigned = scan_in_moto(Lake(str(tmp_path_factory.mktemp("unsigned"))), ["awslambda"], [REGION],
                                config=OPTED_IN)  # moto's own placeholder locations  # fmt: skip
        requests = list(server.requests)
    return SimpleNamespace(run=run, calls=access.call_log, unread=unread, lake=lake, unsigned=unsigned,
                           default=default, default_calls=default_access.call_log.calls, requests=requests)  # fmt: skip


def test_layer_no_secrets_in_content(world):
    check = "awslambda_layer_no_secrets_in_content"
    assert world.run.statuses(check) == {"leaky-layer:1": "FAIL", "own-layer:1": "PASS", "shared-layer:1": "PASS"}
    (finding,) = [f for f in world.run.of(check) if f["resource_id"] == "leaky-layer:1"]
    assert "app.py line 3" in finding["status_extended"]


def test_the_secret_never_reaches_the_lake(world):
    stored = stored_text(world.lake)
    assert stored and not any(SECRET in text for text in stored)


def test_function_no_secrets_in_code(world):
    check = "awslambda_function_no_secrets_in_code"
    # image-fn is a container image (ECR's check); big-fn has a file over the per-file cap: no clean verdict
    assert world.run.statuses(check) == {"leaky-fn": "FAIL", "clean-fn": "PASS", "bare-fn": "PASS", "big-fn": "MANUAL"}
    (finding,) = [f for f in world.run.of(check) if f["resource_id"] == "leaky-fn"]
    assert "app.py line 3" in finding["status_extended"] and "AWS Access Key" in finding["status_extended"]
    (big,) = [f for f in world.run.of(check) if f["resource_id"] == "big-fn"]
    assert "data/big.txt" in big["status_extended"]


def test_code_is_not_read_unless_opted_in(world):
    # default audit config: read_customer_data is false, GetFunction is never called, no verdict
    statuses = world.default.statuses("awslambda_function_no_secrets_in_code")
    assert statuses and set(statuses.values()) == {"MANUAL"}
    assert all("read_customer_data" in f["status_extended"] for f in world.default.of("awslambda_function_no_secrets_in_code"))
    assert not any(op == "GetFunction" for _service, _region, op in world.default_calls)
    assert world.default.errors == []


def test_function_using_cross_account_layers(world):
    check = "awslambda_function_using_cross_account_layers"
    assert world.run.statuses(check) == {"leaky-fn": "FAIL", "clean-fn": "PASS", "bare-fn": "PASS", **PLAIN_PASS}


def test_env_vars_not_encrypted_with_cmk(world):
    check = "awslambda_function_env_vars_not_encrypted_with_cmk"
    # bare-fn has no variables at all: nothing to encrypt
    assert world.run.statuses(check) == {"leaky-fn": "FAIL", "clean-fn": "PASS", "bare-fn": "PASS", **PLAIN_PASS}


def test_no_dead_letter_queue(world):
    check = "awslambda_function_no_dead_letter_queue"
    assert world.run.statuses(check) == {"leaky-fn": "FAIL", "clean-fn": "PASS", "bare-fn": "FAIL", "big-fn": "FAIL",
                                         "image-fn": "FAIL"}  # fmt: skip


def test_url_cors_policy(world):
    # bare-fn has no function URL: nothing to judge
    assert world.run.statuses("awslambda_function_url_cors_policy") == {"leaky-fn": "FAIL", "clean-fn": "PASS"}


@pytest.mark.parametrize(
    "check, refused",
    [
        ("awslambda_function_url_cors_policy", "url"),
        ("awslambda_layer_no_secrets_in_content", "layer"),
        ("awslambda_layer_no_secrets_in_content", "download"),
        ("awslambda_function_no_secrets_in_code", "code"),
        ("awslambda_function_no_secrets_in_code", "download"),
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
    # moto's own locations are unsigned amazonaws.com placeholders: not fetched, no verdict, no error row
    for check in ("awslambda_layer_no_secrets_in_content", "awslambda_function_no_secrets_in_code"):
        statuses = world.unsigned.statuses(check)
        assert statuses and set(statuses.values()) == {"MANUAL"}, check
    # every download the tests caused went to the local server
    assert world.requests and all(p.startswith(("/code/", "/layer/")) for p in world.requests)


def test_package_limits():
    assert is_presigned("https://b.s3.amazonaws.com/k?X-Amz-Algorithm=x&X-Amz-Signature=ab")
    assert is_presigned("http://127.0.0.1:1/k")  # an emulator on this machine
    assert not is_presigned("https://awslambda-us-east-1-tasks.s3.us-east-1.amazonaws.com/fn-1")
    assert not is_presigned("http://b.s3.amazonaws.com/k?X-Amz-Signature=ab")
    with LocalHttp({"/big": (200, b"x" * 2048), "/gone": (403, b"")}) as server:
        assert download(f"{server.url}/big", max_bytes=4096, timeout=5) == b"x" * 2048
        with pytest.raises(DownloadError, match="limit"):
            download(f"{server.url}/big", max_bytes=1024, timeout=5)
        with pytest.raises(DownloadError, match="403"):
            download(f"{server.url}/gone", max_bytes=1024, timeout=5)
    scan = PackageScan(max_file_bytes=1024, max_total_bytes=10**6, max_files=3)  # app.py, lib/blob.bin, b.txt
    scan.add_zip(_zip("x = 1\n", {"b.txt": b"y = 2\n", "c.txt": b"z = 3\n"}))
    assert scan.result() == {"hits": [], "unscanned": ["c.txt"], "unscanned_count": 1}  # past the file count


def test_calls(world):
    assert world.run.errors == [] and world.calls.repeated() == []
