"""Bad answers from AWS: AccessDenied in one region, throttling, an unexpected exception."""

from __future__ import annotations

import datetime as dt
import io

import boto3
import pytest
from botocore.awsrequest import AWSResponse

from postureflow.aws import AwsAccess
from postureflow.engine import ScanContext, scan_service
from postureflow.lake import Lake
from postureflow.lake.query import connect

DAY = dt.date(2026, 11, 22)
REGIONS = ["us-east-1", "eu-west-1"]


class _Raw:
    def __init__(self, body: bytes):
        self._body = io.BytesIO(body)

    def stream(self, **_):
        yield self._body.read()


def ec2_error(code: str, status: int) -> AWSResponse:
    body = (
        f"<Response><Errors><Error><Code>{code}</Code><Message>{code} for test</Message></Error></Errors>"
        "<RequestID>x</RequestID></Response>"
    ).encode()
    return AWSResponse("https://ec2.amazonaws.com/", status, {}, _Raw(body))


def make_groups():
    for region in REGIONS:
        ec2 = boto3.client("ec2", region_name=region)
        vpc = ec2.describe_vpcs()["Vpcs"][0]["VpcId"]
        ec2.create_security_group(GroupName="open", Description="x", VpcId=vpc)


def run(lake: Lake, access: AwsAccess):
    ctx = ScanContext("123456789012", REGIONS, DAY, "r", lake)
    return scan_service(ctx, "ec2", access)


def test_access_denied_in_one_region_is_recorded_and_the_rest_is_scanned(aws, lake):
    make_groups()
    access = AwsAccess.from_default_chain()

    def deny(request, **_):
        if "DescribeSecurityGroups" in (request.body.decode() if isinstance(request.body, bytes) else str(request.body)):
            return ec2_error("UnauthorizedOperation", 403)
        return None

    access.client("ec2", "eu-west-1").meta.events.register("before-send.ec2", deny)
    result = run(lake, access)
    con = connect(lake, ["findings", "scan_errors"])
    errors = con.execute("SELECT region, api, error_code FROM scan_errors").fetchall()
    assert ("eu-west-1", "ec2:describe_security_groups", "UnauthorizedOperation") in errors
    regions = {r[0] for r in con.execute(
        "SELECT DISTINCT region FROM findings WHERE check_id LIKE 'ec2_securitygroup%'").fetchall()}
    assert regions == {"us-east-1"}
    assert result.errors >= 1 and result.findings > 0


def test_throttling_is_ridden_out_by_botocore_retries(aws, lake):
    make_groups()
    access = AwsAccess.from_default_chain()
    throttled = {"left": 3}

    def throttle(request, **_):
        body = request.body.decode() if isinstance(request.body, bytes) else str(request.body)
        if "DescribeSecurityGroups" in body and throttled["left"]:
            throttled["left"] -= 1
            return ec2_error("RequestLimitExceeded", 503)
        return None

    access.client("ec2", "us-east-1").meta.events.register("before-send.ec2", throttle)
    run(lake, access)
    con = connect(lake, ["findings", "scan_errors"])
    assert throttled["left"] == 0
    assert con.execute("SELECT count(*) FROM scan_errors WHERE error_code = 'RequestLimitExceeded'").fetchone()[0] == 0
    regions = {r[0] for r in con.execute(
        "SELECT DISTINCT region FROM findings WHERE check_id LIKE 'ec2_securitygroup%'").fetchall()}
    assert regions == set(REGIONS)


def test_an_unexpected_exception_fails_and_keeps_the_old_partition(aws, lake):
    make_groups()
    run(lake, AwsAccess.from_default_chain())
    before = connect(lake, ["findings"]).execute("SELECT count(*) FROM findings").fetchone()[0]
    access = AwsAccess.from_default_chain()

    def broken(request, **_):
        raise RuntimeError("bug in a collector")

    access.client("ec2", "us-east-1").meta.events.register("before-send.ec2", broken)
    with pytest.raises(RuntimeError, match="bug in a collector"):
        run(lake, access)
    after = connect(lake, ["findings"]).execute("SELECT count(*) FROM findings").fetchone()[0]
    assert after == before > 0
