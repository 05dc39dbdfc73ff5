import datetime as dt
import json
from types import SimpleNamespace

import boto3
import pytest

from postureflow.aws import AwsAccess
from postureflow.lake import Lake
from postureflow.testing import DeniedAccess, answer_in_moto, scan_in_moto

from .unused_services import judged_with_unused

REGION = "us-east-1"
POLICY_ARN = f"arn:aws:network-firewall:{REGION}:123456789012:firewall-policy/"
RULE_GROUP = f"arn:aws:network-firewall:{REGION}:123456789012:stateful-rulegroup/block-list"
POLICIES = {
    POLICY_ARN
    + "open": {
        "StatelessDefaultActions": ["aws:pass"],
        "StatelessFragmentDefaultActions": ["aws:pass"],
    },
    POLICY_ARN
    + "strict": {
        "StatelessDefaultActions": ["aws:forward_to_sfe"],
        "StatelessFragmentDefaultActions": ["aws:drop"],
        "StatefulRuleGroupReferences": [{"ResourceArn": RULE_GROUP}],
    },
}


def _describe_policy(region, params):
    """moto lacks DescribeFirewallPolicy: answer_in_moto answers it (without sending anything)
    from the POLICIES above, as AWS would for those policies."""
    arn = json.loads(params["body"])["FirewallPolicyArn"]
    response = {
        "FirewallPolicyResponse": {"FirewallPolicyName": arn.rsplit("/", 1)[-1]},
        "FirewallPolicy": POLICIES[arn],
    }
    return response


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from moto import mock_aws

    with mock_aws():
        # moto's default VPC has one default subnet per Availability Zone: take two zones' subnets.
        ec2 = boto3.client("ec2", region_name=REGION)
        defaults = ec2.describe_subnets(Filters=[{"Name": "default-for-az", "Values": ["true"]}])["Subnets"]
        by_zone = {s["AvailabilityZone"]: s for s in defaults}
        subnets = [by_zone[f"{REGION}a"]["SubnetId"], by_zone[f"{REGION}b"]["SubnetId"]]
        vpc = by_zone[f"{REGION}a"]["VpcId"]
        bare_vpc = ec2.create_vpc(CidrBlock="10.99.0.0/16")["Vpc"]["VpcId"]  # no network interface: unused
        ec2.create_network_interface(SubnetId=subnets[0])  # the protected VPC is in use
        client = boto3.client("network-firewall", region_name=REGION)
        client.create_firewall(
            FirewallName="fw-bad",
            FirewallPolicyArn=POLICY_ARN + "open",
            VpcId=vpc,
            SubnetMappings=[{"SubnetId": subnets[0]}],
            DeleteProtection=False,
        )
        client.create_firewall(
            FirewallName="fw-good",
            FirewallPolicyArn=POLICY_ARN + "strict",
            VpcId=vpc,
            SubnetMappings=[{"SubnetId": s} for s in subnets],
            DeleteProtection=True,
        )
        client.create_firewall(
            FirewallName="fw-twin",
            FirewallPolicyArn=POLICY_ARN + "strict",
            VpcId=vpc,
            SubnetMappings=[{"SubnetId": subnets[1]}],
        )
        destination = {"logGroup": "fw-logs"}
        client.update_logging_configuration(
            FirewallName="fw-good",
            LoggingConfiguration={
                "LogDestinationConfigs": [
                    {"LogType": kind, "LogDestinationType": "CloudWatchLogs", "LogDestination": destination}
                    for kind in ("FLOW", "ALERT")
                ]
            },
        )
        access = AwsAccess.from_default_chain()
        answer_in_moto(access, REGION, {"network-firewall:DescribeFirewallPolicy": _describe_policy})
        lake = Lake(str(tmp_path_factory.mktemp("networkfirewall-lake")))
        run = scan_in_moto(lake, ["networkfirewall"], regions=[REGION], access=access)
        # The same account with the logging and policy reads refused, and with the firewall listing refused.
        denied = DeniedAccess("network-firewall:DescribeLoggingConfiguration", "network-firewall:DescribeFirewallPolicy")
        unread = scan_in_moto(Lake(str(tmp_path_factory.mktemp("nfw-denied"))), ["networkfirewall"], [REGION], denied)
        unlisted_access = DeniedAccess("network-firewall:ListFirewalls")
        unlisted = scan_in_moto(
            Lake(str(tmp_path_factory.mktemp("nfw-unlisted"))), ["networkfirewall"], [REGION], unlisted_access
        )
        assert denied.hits and unlisted_access.hits
        # the same inventory judged with unused resources too (no second round of AWS calls)
        every = judged_with_unused(lake, ["networkfirewall"], [REGION], "123456789012", dt.date(2026, 11, 22))
    return SimpleNamespace(run=run, calls=access.call_log, vpc=vpc, bare_vpc=bare_vpc, unread=unread, unlisted=unlisted,
                           every=every)  # fmt: skip


@pytest.mark.parametrize(
    "check",
    [
        "networkfirewall_deletion_protection",
        "networkfirewall_logging_enabled",
        "networkfirewall_multi_az",
        "networkfirewall_policy_rule_group_associated",
        "networkfirewall_policy_default_action_fragmented_packets",
        "networkfirewall_policy_default_action_full_packets",
    ],
)
def test_firewall_checks(world, check):
    assert world.run.status(check, "fw-bad") == "FAIL"
    assert world.run.status(check, "fw-good") == "PASS"


def test_each_policy_read_once(world):
    # three firewalls, two policies
    assert world.run.status("networkfirewall_policy_rule_group_associated", "fw-twin") == "PASS"
    assert world.calls.calls[("network-firewall", REGION, "DescribeFirewallPolicy")] == 2
    # the ec2 inventory (which VPCs are in use) comes along; moto lacks some of ec2's region-setting calls
    assert [e for e in world.run.errors if e["service"] != "ec2"] == [] and world.calls.repeated() == []


UNREAD_CHECKS = [
    "networkfirewall_logging_enabled",
    "networkfirewall_policy_rule_group_associated",
    "networkfirewall_policy_default_action_fragmented_packets",
    "networkfirewall_policy_default_action_full_packets",
]


@pytest.mark.parametrize("check", UNREAD_CHECKS)
def test_unreadable_logging_or_policy_gives_no_verdict(world, check):
    statuses = world.unread.statuses(check)
    assert statuses == {"fw-bad": "MANUAL", "fw-good": "MANUAL", "fw-twin": "MANUAL"}


def test_in_all_vpc(world):
    assert world.run.status("networkfirewall_in_all_vpc", world.vpc) == "PASS"
    # A VPC without network interfaces is unused: skipped as Prowler does, judged with scan_unused_services.
    assert world.bare_vpc not in world.run.statuses("networkfirewall_in_all_vpc")
    assert world.every.status("networkfirewall_in_all_vpc", world.bare_vpc) == "FAIL"
    assert world.every.status("networkfirewall_in_all_vpc", world.vpc) == "PASS"
    # With the firewalls unlisted, no VPC is judged unprotected.
    assert set(world.unlisted.statuses("networkfirewall_in_all_vpc").values()) == {"MANUAL"}
