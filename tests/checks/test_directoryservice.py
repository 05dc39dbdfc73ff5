"""Directory Service checks: two Managed Microsoft AD directories, one well kept, one not; no verdict.

moto lacks DescribeEventTopics, GetSnapshotLimits and ListCertificates: before-call hooks answer them
per directory in moto's place. The rest (directories, log subscriptions, RADIUS) is moto's own.
"""

import datetime as dt
import json
from types import SimpleNamespace

import boto3
import pytest
from botocore.awsrequest import AWSResponse

from postureflow.aws import AwsAccess
from postureflow.lake import Lake
from postureflow.lake.query import connect
from postureflow.testing import DeniedAccess, scan_in_moto

REGION = "us-east-1"
RADIUS_SECRET = "radius-shared-secret-moto-only"
SCAN_DAY = dt.date(2026, 11, 22)


def _radius(protocol):
    return {"RadiusServers": ["10.0.0.5"], "RadiusPort": 1812, "RadiusTimeout": 5, "RadiusRetries": 2,
            "SharedSecret": RADIUS_SECRET, "AuthenticationProtocol": protocol, "DisplayLabel": "mfa",
            "UseSameUsername": True}  # fmt: skip


def _answer(access, good, bad):
    def ok(body):
        return AWSResponse("https://ds.amazonaws.com", 200, {}, None), body

    def directory(params):
        return json.loads(params["body"])["DirectoryId"]

    soon = dt.datetime(2026, 12, 1, tzinfo=dt.timezone.utc).isoformat()
    later = dt.datetime(2027, 11, 1, tzinfo=dt.timezone.utc).isoformat()
    topics = {good: [{"TopicName": "ds-status", "Status": "Registered"}], bad: []}
    limits = {good: {"ManualSnapshotsLimit": 5, "ManualSnapshotsCurrentCount": 1, "ManualSnapshotsLimitReached": False},
              bad: {"ManualSnapshotsLimit": 5, "ManualSnapshotsCurrentCount": 4, "ManualSnapshotsLimitReached": False}}
    certificates = {good: [{"CertificateId": "c-good", "ExpiryDateTime": later}],
                    bad: [{"CertificateId": "c-bad", "ExpiryDateTime": soon}]}  # fmt: skip
    events = access.client("ds", REGION).meta.events
    events.register("before-call.directory-service.DescribeEventTopics",
                    lambda params, **_: ok({"EventTopics": topics[directory(params)]}))
    events.register("before-call.directory-service.GetSnapshotLimits",
                    lambda params, **_: ok({"SnapshotLimits": limits[directory(params)]}))
    events.register("before-call.directory-service.ListCertificates",
                    lambda params, **_: ok({"CertificatesInfo": certificates[directory(params)]}))  # fmt: skip
    return access


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from moto import mock_aws

    with mock_aws():
        ec2 = boto3.client("ec2", region_name=REGION)
        vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i}.0/24", AvailabilityZone=f"{REGION}{z}")["Subnet"]["SubnetId"]
                   for i, z in enumerate("ab")]  # fmt: skip
        ds = boto3.client("ds", region_name=REGION)
        settings = {"VpcId": vpc, "SubnetIds": subnets}
        good = ds.create_microsoft_ad(Name="good.example.com", Password="Moto-only-Passw0rd", VpcSettings=settings)["DirectoryId"]
        bad = ds.create_microsoft_ad(Name="bad.example.com", Password="Moto-only-Passw0rd", VpcSettings=settings)["DirectoryId"]
        ds.create_log_subscription(DirectoryId=good, LogGroupName="/aws/directoryservice/good")
        ds.enable_radius(DirectoryId=good, RadiusSettings=_radius("MS-CHAPv2"))
        ds.enable_radius(DirectoryId=bad, RadiusSettings=_radius("PAP"))

        def scan(access, name):
            return scan_in_moto(Lake(str(tmp_path_factory.mktemp(name))), ["directoryservice"], [REGION],
                                access=_answer(access, good, bad), scan_date=SCAN_DAY)  # fmt: skip

        access = AwsAccess.from_default_chain()
        lake_dir = tmp_path_factory.mktemp("lake")
        run = scan_in_moto(Lake(str(lake_dir)), ["directoryservice"], [REGION], access=_answer(access, good, bad),
                           scan_date=SCAN_DAY)  # fmt: skip
        denied = {}
        for operation in ("ds:ListLogSubscriptions", "ds:DescribeEventTopics", "ds:GetSnapshotLimits",
                          "ds:ListCertificates", "ds:DescribeDirectories"):  # fmt: skip
            refused = DeniedAccess(operation)
            denied[operation] = scan(refused, "denied")
            assert refused.hits, operation
    return SimpleNamespace(run=run, denied=denied, calls=access.call_log, good=good, bad=bad, lake=Lake(str(lake_dir)))


@pytest.mark.parametrize("check, refused", [
    ("directoryservice_directory_log_forwarding_enabled", "ds:ListLogSubscriptions"),
    ("directoryservice_directory_monitor_notifications", "ds:DescribeEventTopics"),
    ("directoryservice_directory_snapshots_limit", "ds:GetSnapshotLimits"),
    ("directoryservice_radius_server_security_protocol", "ds:DescribeDirectories"),
    ("directoryservice_supported_mfa_radius_enabled", "ds:DescribeDirectories"),
])  # fmt: skip
def test_directory_checks(world, check, refused):
    statuses = world.run.statuses(check)
    if check == "directoryservice_supported_mfa_radius_enabled":
        # moto completes RADIUS set-up for both: the verdict follows RadiusStatus
        assert set(statuses) == {world.good, world.bad} and set(statuses.values()) == {"PASS"}
    else:
        assert statuses == {world.good: "PASS", world.bad: "FAIL"}
    unread = world.denied[refused].statuses(check)
    if refused == "ds:DescribeDirectories":
        assert unread == {}  # RADIUS settings come with the listing: refused, nothing is judged
    else:
        assert unread == {world.good: "MANUAL", world.bad: "MANUAL"}


def test_ldap_certificate_expiration(world):
    statuses = world.run.statuses("directoryservice_ldap_certificate_expiration")
    assert statuses == {"c-good": "PASS", "c-bad": "FAIL"}
    assert world.denied["ds:ListCertificates"].of("directoryservice_ldap_certificate_expiration") == []


def test_mfa_not_completed_fails():
    from postureflow.checks import all_checks
    from postureflow.inventory import Resource

    failing = Resource("directories", "arn:aws:ds:us-east-1:1:directory/d-1", "d-1", REGION, {},
                       {"radius_protocol": "MS-CHAPv2", "radius_status": "Failed"})  # fmt: skip
    check = all_checks()["directoryservice_supported_mfa_radius_enabled"]
    now = dt.datetime.now(dt.timezone.utc)
    assert [r.status for r in check.evaluate({"directoryservice.directories": [failing]}, now)] == ["FAIL"]


def test_the_radius_secret_never_reaches_the_lake(world):
    rows = connect(world.lake, ["inventory"]).sql("SELECT data FROM inventory").fetchall()
    assert rows and not any(RADIUS_SECRET in row[0] for row in rows)


def test_calls(world):
    assert world.run.errors == [] and world.calls.repeated() == []
