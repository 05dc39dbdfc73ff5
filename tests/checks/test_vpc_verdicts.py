"""VPC verdicts the other VPC tests leave out: a VPC whose subnets could not be listed."""

from __future__ import annotations

import boto3
import pytest

from postureflow.testing import scan_denied


# A VPC with no listed subnet is skipped only where the subnets were listed: refused, it gets no verdict.
@pytest.mark.parametrize("check", ["vpc_subnet_different_az", "vpc_subnet_separate_private_public"])
def test_vpc_whose_subnets_were_not_listed_gets_no_verdict(aws, tmp_path, check):
    ec2 = boto3.client("ec2", region_name="us-east-1")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.0.0/24", AvailabilityZone="us-east-1a")["Subnet"]["SubnetId"]
    ec2.create_network_interface(SubnetId=subnet)  # in use, so judged without scan_unused_services
    run = scan_denied(str(tmp_path), ["vpc"], ["us-east-1"], "ec2:DescribeSubnets")
    assert run.statuses(check).get(vpc) == "MANUAL"
