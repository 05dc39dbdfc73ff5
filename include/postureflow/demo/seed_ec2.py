"""Demo seed for EC2 and VPC: one misconfigured resource and one well-configured twin per check.

Meant for moto only (it opens security groups and ACLs to the internet). Every
resource is named (Name tag or group name) pf-demo-bad-* or pf-demo-good-*.
"""

from __future__ import annotations

import boto3
from botocore.exceptions import ClientError

SERVICES = ("ec2", "vpc")

ANYWHERE = [{"CidrIp": "0.0.0.0/0"}]
PRIVATE = [{"CidrIp": "10.0.0.0/8"}]
PROFILE = "pf-demo-good-instance-profile"


def _name(resource_type: str, name: str) -> list[dict]:
    return [{"ResourceType": resource_type, "Tags": [{"Key": "Name", "Value": name}]}]


def _instance_profile(session: boto3.session.Session, region: str) -> str:
    iam = session.client("iam", region_name=region)
    try:
        iam.create_role(
            RoleName="pf-demo-good-instance-role",
            AssumeRolePolicyDocument='{"Version":"2012-10-17","Statement":[{"Effect":"Allow",'
            '"Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}',
        )
        iam.create_instance_profile(InstanceProfileName=PROFILE)
        iam.add_role_to_instance_profile(InstanceProfileName=PROFILE, RoleName="pf-demo-good-instance-role")
    except ClientError as err:
        if err.response["Error"]["Code"] != "EntityAlreadyExists":
            raise
    return PROFILE


def seed(session: boto3.session.Session, account_id: str, regions: list[str]) -> None:
    if not regions:
        return
    profile = _instance_profile(session, regions[0])
    for region in regions:
        _seed_region(session, account_id, region, profile)


def _seed_region(session: boto3.session.Session, account_id: str, region: str, profile: str) -> None:
    ec2 = session.client("ec2", region_name=region)

    # VPCs: the bad one has no flow log and keeps its default security group's rules.
    def vpc(name: str, cidr: str) -> str:
        return ec2.create_vpc(CidrBlock=cidr, TagSpecifications=_name("vpc", name))["Vpc"]["VpcId"]

    bad_vpc = vpc("pf-demo-bad-vpc", "10.10.0.0/16")
    good_vpc = vpc("pf-demo-good-vpc", "10.20.0.0/16")
    peer_vpc = vpc("pf-demo-good-peer-vpc", "10.30.0.0/16")
    ec2.create_flow_logs(
        ResourceIds=[good_vpc, peer_vpc],
        ResourceType="VPC",
        TrafficType="ALL",
        LogDestinationType="cloud-watch-logs",
        LogGroupName="pf-demo-good-flow-logs",
        DeliverLogsPermissionArn=f"arn:aws:iam::{account_id}:role/pf-demo-good-flow-logs",
    )
    default_group = ec2.describe_security_groups(
        Filters=[{"Name": "vpc-id", "Values": [good_vpc]}, {"Name": "group-name", "Values": ["default"]}]
    )["SecurityGroups"][0]
    default_id = default_group["GroupId"]
    if default_group.get("IpPermissionsEgress"):
        ec2.revoke_security_group_egress(GroupId=default_id, IpPermissions=default_group["IpPermissionsEgress"])
    if default_group.get("IpPermissions"):
        ec2.revoke_security_group_ingress(GroupId=default_id, IpPermissions=default_group["IpPermissions"])

    bad_subnet = ec2.create_subnet(
        VpcId=bad_vpc, CidrBlock="10.10.1.0/24", TagSpecifications=_name("subnet", "pf-demo-bad-subnet")
    )["Subnet"]["SubnetId"]
    good_subnet = ec2.create_subnet(
        VpcId=good_vpc, CidrBlock="10.20.1.0/24", TagSpecifications=_name("subnet", "pf-demo-good-subnet")
    )["Subnet"]["SubnetId"]

    # Security groups.
    def group(name: str, vpc_id: str, *permissions: dict) -> str:
        group_id = ec2.create_security_group(
            GroupName=name, Description=name, VpcId=vpc_id, TagSpecifications=_name("security-group", name)
        )["GroupId"]
        if permissions:
            ec2.authorize_security_group_ingress(GroupId=group_id, IpPermissions=list(permissions))
        return group_id

    def tcp(port: int, ranges: list[dict]) -> dict:
        return {"IpProtocol": "tcp", "FromPort": port, "ToPort": port, "IpRanges": ranges}

    group("pf-demo-bad-sg-all-ports", bad_vpc, {"IpProtocol": "-1", "IpRanges": ANYWHERE})
    group("pf-demo-bad-sg-ssh", bad_vpc, tcp(22, ANYWHERE))
    group("pf-demo-bad-sg-rdp", bad_vpc, tcp(3389, ANYWHERE))
    bad_cifs = group("pf-demo-bad-sg-cifs", bad_vpc, tcp(445, ANYWHERE))
    good_sg = group("pf-demo-good-sg", good_vpc, tcp(443, ANYWHERE), tcp(22, PRIVATE), tcp(445, PRIVATE))

    # Network ACLs.
    def acl(name: str, vpc_id: str, *entries: dict) -> None:
        acl_id = ec2.create_network_acl(VpcId=vpc_id, TagSpecifications=_name("network-acl", name))["NetworkAcl"][
            "NetworkAclId"
        ]
        for entry in entries:
            ec2.create_network_acl_entry(NetworkAclId=acl_id, Egress=False, **entry)

    acl("pf-demo-bad-nacl", bad_vpc, dict(RuleNumber=100, Protocol="-1", RuleAction="allow", CidrBlock="0.0.0.0/0"))
    acl(
        "pf-demo-good-nacl",
        good_vpc,
        dict(RuleNumber=100, Protocol="6", RuleAction="allow", CidrBlock="0.0.0.0/0", PortRange=dict(From=443, To=443)),
        dict(RuleNumber=110, Protocol="6", RuleAction="allow", CidrBlock="10.0.0.0/8", PortRange=dict(From=22, To=22)),
    )

    # EBS volumes.
    zone = f"{region}a"
    ec2.create_volume(AvailabilityZone=zone, Size=8, TagSpecifications=_name("volume", "pf-demo-bad-volume"))
    ec2.create_volume(
        AvailabilityZone=zone, Size=8, Encrypted=True, TagSpecifications=_name("volume", "pf-demo-good-volume")
    )

    # Instances. EnclaveOptions makes both confidential-workload hosts on real AWS (moto ignores it).
    images = ec2.describe_images(Owners=["amazon"], Filters=[{"Name": "name", "Values": ["amzn2-ami-hvm-*"]}])
    image = images["Images"][0]["ImageId"]
    ec2.run_instances(
        ImageId=image,
        MinCount=1,
        MaxCount=1,
        InstanceType="m5.xlarge",
        SubnetId=bad_subnet,
        SecurityGroupIds=[bad_cifs],
        MetadataOptions={"HttpTokens": "optional", "HttpEndpoint": "enabled"},
        EnclaveOptions={"Enabled": True},
        TagSpecifications=_name("instance", "pf-demo-bad-instance"),
    )
    ec2.run_instances(
        ImageId=image,
        MinCount=1,
        MaxCount=1,
        InstanceType="m5.xlarge",
        SubnetId=good_subnet,
        SecurityGroupIds=[good_sg],
        IamInstanceProfile={"Name": profile},
        MetadataOptions={"HttpTokens": "required", "HttpEndpoint": "enabled"},
        EnclaveOptions={"Enabled": True},
        TagSpecifications=_name("instance", "pf-demo-good-instance"),
    )

    # Peering: the bad one routes the whole peer VPC, the good one a single subnet.
    def peering(name: str, vpc_id: str, peer_id: str) -> str:
        pcx = ec2.create_vpc_peering_connection(
            VpcId=vpc_id, PeerVpcId=peer_id, TagSpecifications=_name("vpc-peering-connection", name)
        )["VpcPeeringConnection"]["VpcPeeringConnectionId"]
        ec2.accept_vpc_peering_connection(VpcPeeringConnectionId=pcx)
        return pcx

    def main_table(vpc_id: str) -> str:
        return ec2.describe_route_tables(
            Filters=[{"Name": "vpc-id", "Values": [vpc_id]}, {"Name": "association.main", "Values": ["true"]}]
        )["RouteTables"][0]["RouteTableId"]

    bad_pcx = peering("pf-demo-bad-peering", bad_vpc, good_vpc)
    good_pcx = peering("pf-demo-good-peering", good_vpc, peer_vpc)
    # The bad route covers all of pf-demo-good-vpc (10.20.0.0/16); the good one a /24 of the peer VPC.
    for vpc_id, destination, pcx in ((bad_vpc, "10.20.0.0/16", bad_pcx), (good_vpc, "10.30.1.0/24", good_pcx)):
        ec2.create_route(RouteTableId=main_table(vpc_id), DestinationCidrBlock=destination, VpcPeeringConnectionId=pcx)
