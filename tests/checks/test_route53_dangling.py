"""route53_dangling_ip_subdomain_takeover: public A records judged against the account's Elastic IPs and
network-interface IPs (ec2 inventory) and a local ip-ranges.json (audit config aws_ip_ranges_file)."""

from __future__ import annotations

import json
from types import SimpleNamespace

import boto3
import pytest

from postureflow.aws import AwsAccess
from postureflow.lake import Lake
from postureflow.testing import DeniedAccess, scan_in_moto

CHECK = "route53_dangling_ip_subdomain_takeover"
REGIONS = ["us-east-1", "eu-west-1"]
RANGES = {
    "syncToken": "1733300000",
    "createDate": "2026-12-01-00-00-00",
    "prefixes": [
        {"ip_prefix": "3.5.0.0/16", "region": "us-east-1", "service": "EC2"},
        {"ip_prefix": "3.5.0.0/16", "region": "us-east-1", "service": "AMAZON"},
        {"ip_prefix": "52.95.0.0/16", "region": "ap-south-1", "service": "EC2"},
        {"ip_prefix": "54.214.0.0/16", "region": "us-east-1", "service": "EC2"},  # moto's instance public IPs
        {"ip_prefix": "13.32.0.0/15", "region": "GLOBAL", "service": "CLOUDFRONT"},
    ],
}


def _record(name, *ips):
    return {"Action": "CREATE", "ResourceRecordSet": {"Name": name, "Type": "A", "TTL": 60,
                                                      "ResourceRecords": [{"Value": ip} for ip in ips]}}  # fmt: skip


def _build():
    ec2 = boto3.client("ec2", region_name="us-east-1")
    eip = ec2.allocate_address(Domain="vpc")["PublicIp"]
    ec2.run_instances(ImageId="ami-12c6146b", MinCount=1, MaxCount=1)
    [instance_ip] = [n["Association"]["PublicIp"] for n in ec2.describe_network_interfaces()["NetworkInterfaces"]]
    assert instance_ip.startswith("54.214.")
    route53 = boto3.client("route53", region_name="us-east-1")
    zone = route53.create_hosted_zone(Name="example.com", CallerReference="public")["HostedZone"]["Id"]
    changes = [
        _record("dangling.example.com", "3.5.1.1"),
        _record("ours.example.com", eip),
        _record("instance.example.com", instance_ip),
        _record("private.example.com", "10.0.0.5"),
        _record("outside.example.com", "8.8.8.8"),
        _record("unscanned.example.com", "52.95.1.1"),
        _record("cdn.example.com", "13.32.0.9"),
        {"Action": "CREATE", "ResourceRecordSet": {"Name": "alias.example.com", "Type": "A", "AliasTarget": {
            "HostedZoneId": "Z35SXDOTRQ7X7K", "DNSName": "lb.us-east-1.elb.amazonaws.com", "EvaluateTargetHealth": False}}},
    ]  # fmt: skip
    route53.change_resource_record_sets(HostedZoneId=zone, ChangeBatch={"Changes": changes})
    vpc = boto3.client("ec2", region_name="us-east-1").create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    private = route53.create_hosted_zone(
        Name="internal.example", CallerReference="private", HostedZoneConfig={"PrivateZone": True},
        VPC={"VPCRegion": "us-east-1", "VPCId": vpc},
    )["HostedZone"]["Id"]  # fmt: skip
    route53.change_resource_record_sets(
        HostedZoneId=private, ChangeBatch={"Changes": [_record("db.internal.example", "3.5.2.2")]}
    )
    return eip


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from moto import mock_aws

    tmp = tmp_path_factory.mktemp("route53-dangling")
    ranges = tmp / "ip-ranges.json"
    ranges.write_text(json.dumps(RANGES))
    with mock_aws():
        eip = _build()
        access = AwsAccess.from_default_chain()
        config = {"aws_ip_ranges_file": str(ranges)}
        run = scan_in_moto(Lake(str(tmp / "lake")), ["route53"], REGIONS, access=access, config=config)
        yield SimpleNamespace(run=run, calls=access.call_log, eip=eip, tmp=tmp, config=config)


def _by_name(run) -> dict[str, str]:
    return {f["resource_id"].split("/")[1]: f["status"] for f in run.of(CHECK)}


def test_judged_with_the_ip_ranges_file(world):
    assert _by_name(world.run) == {
        "dangling.example.com.": "FAIL",  # an AWS address of a scanned region the account does not hold
        "ours.example.com.": "PASS",
        "instance.example.com.": "PASS",  # a network interface's public IP
        "private.example.com.": "PASS",
        "outside.example.com.": "PASS",  # not AWS's
        "unscanned.example.com.": "MANUAL",  # ap-south-1 was not scanned: its Elastic IPs are unknown
        "cdn.example.com.": "FAIL",  # AWS's (CloudFront), never an address of the account
    }  # no alias, and no record of the private zone
    [dangling] = [f for f in world.run.of(CHECK) if "dangling" in f["resource_id"]]
    assert dangling["resource_type"] == "AwsRoute53HostedZone" and "3.5.1.1" in dangling["resource_id"]
    assert world.calls.repeated() == []
    assert [e for e in world.run.errors if e["service"] == "route53"] == []


def test_without_the_file_an_address_that_is_not_ours_gets_no_verdict(world):
    run = scan_in_moto(Lake(str(world.tmp / "no-file")), ["route53"], REGIONS)
    statuses = _by_name(run)
    assert statuses["ours.example.com."] == "PASS" and statuses["private.example.com."] == "PASS"
    assert {statuses[n] for n in ("dangling.example.com.", "outside.example.com.", "cdn.example.com.")} == {"MANUAL"}
    [dangling] = [f for f in run.of(CHECK) if "dangling" in f["resource_id"]]
    assert dangling["status_extended"].startswith("No verdict:") and "aws_ip_ranges_file" in dangling["status_extended"]


def test_unreadable_file_is_no_verdict_with_a_scan_error(world):
    config = {"aws_ip_ranges_file": str(world.tmp / "missing.json")}
    run = scan_in_moto(Lake(str(world.tmp / "bad-file")), ["route53"], REGIONS, config=config)
    assert _by_name(run)["dangling.example.com."] == "MANUAL"
    assert ("route53:aws-ip-ranges", "FileNotFoundError") in {(e["api"], e["error_code"]) for e in run.errors}


def test_unlisted_elastic_ips_are_no_verdict(world):
    access = DeniedAccess("ec2:DescribeAddresses")
    run = scan_in_moto(Lake(str(world.tmp / "denied-eips")), ["route53"], REGIONS, access=access, config=world.config)
    assert access.hits
    assert _by_name(run)["dangling.example.com."] == "MANUAL"


def test_unlisted_records_are_no_verdict(world):
    access = DeniedAccess("route53:ListResourceRecordSets")
    run = scan_in_moto(Lake(str(world.tmp / "denied-records")), ["route53"], REGIONS, access=access, config=world.config)
    assert access.hits
    [zone] = run.of(CHECK)
    assert zone["status"] == "MANUAL" and zone["status_extended"].startswith("No verdict:")
