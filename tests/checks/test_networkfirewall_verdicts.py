"""Network Firewall verdicts the other tests leave out: a firewall whose description could not be read."""

from __future__ import annotations

import boto3
import pytest

from postureflow.testing import scan_denied


# The firewall's subnets are not moto's and moto reports no zone: its zones come only from what was refused.
@pytest.mark.parametrize("refused", ["network-firewall:DescribeFirewall", "ec2:DescribeSubnets"])
def test_unread_firewall_zones_get_no_verdict(aws, tmp_path, refused):
    # moto has no CreateFirewallPolicy: the firewall names a policy ARN that is never read here
    boto3.client("network-firewall", region_name="us-east-1").create_firewall(
        FirewallName="spread", VpcId="vpc-1", SubnetMappings=[{"SubnetId": "subnet-a"}, {"SubnetId": "subnet-b"}],
        FirewallPolicyArn="arn:aws:network-firewall:us-east-1:123456789012:firewall-policy/p",
    )  # fmt: skip
    run = scan_denied(str(tmp_path), ["networkfirewall"], ["us-east-1"], refused)
    assert run.statuses("networkfirewall_multi_az") == {"spread": "MANUAL"}
