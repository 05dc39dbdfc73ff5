from types import SimpleNamespace

import boto3
import pytest

from postureflow.aws import AwsAccess
from postureflow.lake import Lake
from postureflow.testing import scan_in_moto

REGION = "us-east-1"
ANYWHERE = [{"CidrIp": "0.0.0.0/0"}]
ANYWHERE_V6 = [{"CidrIpv6": "::/0"}]
IMAGE = "ami-12c6146b"  # one of moto's built-in AMIs (listing them all is slow)


def _ec2(region=REGION):
    return boto3.client("ec2", region_name=region)


def _vpc(cidr="10.0.0.0/16", region=REGION):
    ec2 = _ec2(region)
    vpc_id = ec2.create_vpc(CidrBlock=cidr)["Vpc"]["VpcId"]
    subnet_id = ec2.create_subnet(VpcId=vpc_id, CidrBlock=cidr.replace("0.0/16", "1.0/24"))["Subnet"]["SubnetId"]
    return vpc_id, subnet_id


def _sg(vpc_id, name, *permissions, region=REGION):
    ec2 = _ec2(region)
    group_id = ec2.create_security_group(GroupName=name, Description=name, VpcId=vpc_id)["GroupId"]
    if permissions:
        ec2.authorize_security_group_ingress(GroupId=group_id, IpPermissions=list(permissions))
    return group_id


def _tcp(low, high=None, ranges=ANYWHERE, v6=()):
    return {
        "IpProtocol": "tcp",
        "FromPort": low,
        "ToPort": high or low,
        "IpRanges": list(ranges),
        "Ipv6Ranges": list(v6),
    }


def _instance(subnet_id=None, group_ids=(), tags=None, region=REGION, **kwargs):
    ec2 = _ec2(region)
    params = dict(ImageId=IMAGE, MinCount=1, MaxCount=1, InstanceType="m5.xlarge", **kwargs)
    if subnet_id:
        params["SubnetId"] = subnet_id
    if group_ids:
        params["SecurityGroupIds"] = list(group_ids)
    if tags:
        params["TagSpecifications"] = [
            {"ResourceType": "instance", "Tags": [{"Key": k, "Value": v} for k, v in tags.items()]}
        ]
    return ec2.run_instances(**params)["Instances"][0]["InstanceId"]


# -- one moto world, one scan -------------------------------------------------------------------------
#
# Setting up moto's EC2 backends costs seconds per test, so the resources for every check are built
# once in one mocked account and scanned once; each test then asserts on that scan's findings.


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from moto import mock_aws

    with mock_aws():
        ids: dict[str, str] = {}
        for build in (_build_volumes, _build_instances, _build_cifs, _build_enclaves, _build_groups, _build_acls):
            build(ids)
        ids["eu_vpc"], _ = _vpc(region="eu-west-1")
        ids["eu_instance"] = _instance(region="eu-west-1")
        access = _enclave_access()
        lake = Lake(str(tmp_path_factory.mktemp("ec2-lake")))
        run = scan_in_moto(lake, ["ec2"], regions=["us-east-1", "eu-west-1"], access=access)
    return SimpleNamespace(ids=ids, run=run, calls=access.call_log)


def _enclave_access():
    """moto accepts EnclaveOptions on RunInstances but drops it (DescribeInstances never reports it), so
    this hook amends moto's DescribeInstances answer: instances tagged enclave=yes get EnclaveOptions.Enabled."""
    access = AwsAccess.from_default_chain()

    def add_enclave_options(parsed, **_):
        for reservation in parsed.get("Reservations", []):
            for instance in reservation.get("Instances", []):
                tags = {t["Key"]: t["Value"] for t in instance.get("Tags", [])}
                instance["EnclaveOptions"] = {"Enabled": tags.get("enclave") == "yes"}

    for region in ("us-east-1", "eu-west-1"):
        access.client("ec2", region).meta.events.register("after-call.ec2.DescribeInstances", add_enclave_options)
    return access


def _status(world, check, key):
    return world.run.status(check, world.ids[key])


def _judged(world, check, key):
    return world.ids[key] in world.run.statuses(check)


# -- EBS ----------------------------------------------------------------------------------------


def _build_volumes(ids):
    ec2 = _ec2()
    ids["plain_volume"] = ec2.create_volume(AvailabilityZone="us-east-1a", Size=8)["VolumeId"]
    ids["sealed_volume"] = ec2.create_volume(AvailabilityZone="us-east-1a", Size=8, Encrypted=True)["VolumeId"]


def test_ebs_volume_encryption(world):
    assert _status(world, "ec2_ebs_volume_encryption", "plain_volume") == "FAIL"
    assert _status(world, "ec2_ebs_volume_encryption", "sealed_volume") == "PASS"


# -- instances --------------------------------------------------------------------------------


def _build_instances(ids):
    ids["imds_v1"] = _instance(MetadataOptions={"HttpTokens": "optional"})
    ids["imds_v2"] = _instance(MetadataOptions={"HttpTokens": "required"})
    ids["imds_off"] = _instance(MetadataOptions={"HttpEndpoint": "disabled"})
    ids["gone"] = _instance()
    _ec2().terminate_instances(InstanceIds=[ids["gone"]])
    boto3.client("iam", region_name=REGION).create_instance_profile(InstanceProfileName="app-profile")
    ids["with_role"] = _instance(IamInstanceProfile={"Name": "app-profile"})


def test_instance_imdsv2_enabled(world):
    check = "ec2_instance_imdsv2_enabled"
    assert _status(world, check, "imds_v1") == "FAIL"
    assert _status(world, check, "imds_v2") == "PASS"
    assert _status(world, check, "imds_off") == "PASS"


def test_terminated_instances_are_not_judged(world):
    assert not _judged(world, "ec2_instance_imdsv2_enabled", "gone")
    assert not _judged(world, "ec2_instance_profile_attached", "gone")


def test_instance_profile_attached(world):
    assert _status(world, "ec2_instance_profile_attached", "imds_v1") == "FAIL"
    assert _status(world, "ec2_instance_profile_attached", "with_role") == "PASS"


def _build_cifs(ids):
    ec2 = _ec2()
    vpc_id, subnet_id = _vpc("10.50.0.0/16")
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc_id)
    table = ec2.create_route_table(VpcId=vpc_id)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    ec2.associate_route_table(RouteTableId=table, SubnetId=subnet_id)
    ec2.modify_subnet_attribute(SubnetId=subnet_id, MapPublicIpOnLaunch={"Value": True})

    ids["smb_open"] = smb_open = _sg(vpc_id, "smb-open", _tcp(445))
    smb_v6 = _sg(vpc_id, "netbios-v6", _tcp(139, ranges=(), v6=ANYWHERE_V6))
    smb_private = _sg(vpc_id, "smb-private", _tcp(445, ranges=[{"CidrIp": "10.0.0.0/8"}]))
    web = _sg(vpc_id, "web", _tcp(443))
    ids["cifs_exposed"] = _instance(subnet_id, [smb_open])
    ids["cifs_exposed_v6"] = _instance(subnet_id, [smb_v6])
    ids["cifs_private"] = _instance(subnet_id, [smb_private, web])


def test_instance_port_cifs_exposed_to_internet(world):
    check = "ec2_instance_port_cifs_exposed_to_internet"
    assert _status(world, check, "cifs_exposed") == "FAIL"
    assert _status(world, check, "cifs_exposed_v6") == "FAIL"
    assert _status(world, check, "cifs_private") == "PASS"
    # The subnet routes 0.0.0.0/0 to an internet gateway: the vpc inventory says it is public.
    text = next(f for f in world.run.of(check) if f["resource_id"] == world.ids["cifs_exposed"])
    assert "public subnet" in text["status_extended"] and world.ids["smb_open"] in text["status_extended"]


# -- confidential-workload (Nitro Enclave) hosts ------------------------------------------------------


def _build_enclaves(ids):
    vpc_id, subnet_id = _vpc("10.60.0.0/16")
    web = _sg(vpc_id, "web", _tcp(443), _tcp(80, ranges=(), v6=ANYWHERE_V6), _tcp(22))
    proxy = _sg(vpc_id, "proxy", _tcp(8000, 8001))
    wide = _sg(vpc_id, "wide", {"IpProtocol": "udp", "FromPort": 1000, "ToPort": 2000, "IpRanges": ANYWHERE})
    internal = _sg(vpc_id, "internal", _tcp(0, 65535, ranges=[{"CidrIp": "10.0.0.0/8"}]))
    enclave = {"enclave": "yes"}
    ids["enclave_loose"] = _instance(subnet_id, [web], tags=enclave, MetadataOptions={"HttpTokens": "optional"})
    v2 = {"HttpTokens": "required"}
    ids["enclave_strict"] = _instance(subnet_id, [web, internal], tags=enclave, MetadataOptions=v2)
    ids["enclave_leaky"] = _instance(subnet_id, [web, proxy], tags=enclave, MetadataOptions=v2)
    ids["enclave_sprawling"] = _instance(subnet_id, [wide], tags=enclave)
    ids["ordinary"] = _instance(subnet_id, [proxy], MetadataOptions={"HttpTokens": "optional"})


def test_confidential_workload_host_imdsv2_not_enforced(world):
    check = "ec2_confidential_workload_host_imdsv2_not_enforced"
    assert _status(world, check, "enclave_loose") == "FAIL"
    assert _status(world, check, "enclave_strict") == "PASS"
    assert not _judged(world, check, "ordinary")
    assert not _judged(world, check, "imds_v1")


def test_confidential_workload_host_unrestricted_ingress(world):
    check = "ec2_confidential_workload_host_unrestricted_ingress"
    assert _status(world, check, "enclave_strict") == "PASS"
    assert _status(world, check, "enclave_loose") == "PASS"
    assert _status(world, check, "enclave_leaky") == "FAIL"
    assert _status(world, check, "enclave_sprawling") == "FAIL"
    assert not _judged(world, check, "ordinary")
    texts = {f["resource_id"]: f["status_extended"] for f in world.run.of(check)}
    assert "8000, 8001" in texts[world.ids["enclave_leaky"]]
    assert "1000-2000" in texts[world.ids["enclave_sprawling"]]


# -- security groups -----------------------------------------------------------------------------------


def _default_group(vpc_id):
    groups = _ec2().describe_security_groups(
        Filters=[{"Name": "vpc-id", "Values": [vpc_id]}, {"Name": "group-name", "Values": ["default"]}]
    )["SecurityGroups"]
    return groups[0]


def _build_groups(ids):
    ec2 = _ec2()
    vpc_id, _ = _vpc("10.70.0.0/16")
    ids["sg_everything_v6"] = _sg(vpc_id, "everything-v6", {"IpProtocol": "-1", "Ipv6Ranges": ANYWHERE_V6})
    ids["sg_everything"] = _sg(vpc_id, "everything", {"IpProtocol": "-1", "IpRanges": ANYWHERE})
    ids["sg_tcp_range"] = _sg(vpc_id, "tcp-range", _tcp(0, 65535))
    ids["sg_https"] = _sg(vpc_id, "https", _tcp(443))
    ids["sg_internal"] = _sg(vpc_id, "internal", {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "10.0.0.0/8"}]})
    ids["sg_ssh"] = _sg(vpc_id, "ssh", _tcp(22))
    ids["sg_ranged_v6"] = _sg(vpc_id, "ranged-v6", _tcp(20, 30, ranges=(), v6=ANYWHERE_V6))
    ids["sg_office_ssh"] = _sg(vpc_id, "office", _tcp(22, ranges=[{"CidrIp": "198.51.100.0/24"}]))
    ids["sg_udp_22"] = _sg(vpc_id, "udp", {"IpProtocol": "udp", "FromPort": 22, "ToPort": 22, "IpRanges": ANYWHERE})
    ids["sg_rdp"] = _sg(vpc_id, "rdp", _tcp(3389))

    ids["default_open"] = _default_group(vpc_id)["GroupId"]
    closed_vpc, _ = _vpc("10.71.0.0/16")
    closed = _default_group(closed_vpc)
    ec2.revoke_security_group_egress(GroupId=closed["GroupId"], IpPermissions=closed["IpPermissionsEgress"])
    if closed["IpPermissions"]:
        ec2.revoke_security_group_ingress(GroupId=closed["GroupId"], IpPermissions=closed["IpPermissions"])
    ids["default_closed"] = closed["GroupId"]


def test_securitygroup_allow_ingress_from_internet_to_all_ports(world):
    check = "ec2_securitygroup_allow_ingress_from_internet_to_all_ports"
    assert _status(world, check, "sg_everything_v6") == "FAIL"
    assert _status(world, check, "sg_tcp_range") == "FAIL"
    assert _status(world, check, "sg_https") == "PASS"
    assert _status(world, check, "sg_internal") == "PASS"
    assert _status(world, check, "sg_ssh") == "PASS"


def test_securitygroup_allow_ingress_from_internet_to_tcp_port_22(world):
    check = "ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_22"
    assert _status(world, check, "sg_ssh") == "FAIL"
    assert _status(world, check, "sg_ranged_v6") == "FAIL"
    assert _status(world, check, "sg_everything") == "FAIL"
    assert _status(world, check, "sg_office_ssh") == "PASS"
    assert _status(world, check, "sg_udp_22") == "PASS"
    assert _status(world, check, "sg_rdp") == "PASS"


def test_securitygroup_allow_ingress_from_internet_to_tcp_port_3389(world):
    check = "ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_3389"
    assert _status(world, check, "sg_rdp") == "FAIL"
    assert _status(world, check, "sg_everything") == "FAIL"
    assert _status(world, check, "sg_ssh") == "PASS"


def test_securitygroup_default_restrict_traffic(world):
    check = "ec2_securitygroup_default_restrict_traffic"
    assert _status(world, check, "default_open") == "FAIL"
    assert _status(world, check, "default_closed") == "PASS"
    assert not _judged(world, check, "sg_ssh")


# -- network ACLs ----------------------------------------------------------------------------------------


def _nacl(vpc_id, *entries):
    ec2 = _ec2()
    acl_id = ec2.create_network_acl(VpcId=vpc_id)["NetworkAcl"]["NetworkAclId"]
    for number, protocol, action, cidr, ports in entries:
        params = dict(NetworkAclId=acl_id, RuleNumber=number, Protocol=protocol, RuleAction=action, Egress=False)
        params["Ipv6CidrBlock" if ":" in cidr else "CidrBlock"] = cidr
        if ports:
            params["PortRange"] = {"From": ports[0], "To": ports[1]}
        ec2.create_network_acl_entry(**params)
    return acl_id


def _build_acls(ids):
    vpc_id, _ = _vpc("10.80.0.0/16")
    ids["acl_default"] = _ec2().describe_network_acls(
        Filters=[{"Name": "vpc-id", "Values": [vpc_id]}, {"Name": "default", "Values": ["true"]}]
    )["NetworkAcls"][0]["NetworkAclId"]  # AWS's default ACL allows all inbound traffic
    ids["acl_web_only"] = _nacl(vpc_id, (100, "6", "allow", "0.0.0.0/0", (443, 443)))
    ids["acl_shadowed"] = _nacl(vpc_id, (50, "-1", "deny", "0.0.0.0/0", None), (100, "-1", "allow", "0.0.0.0/0", None))
    ids["acl_v6_open"] = _nacl(vpc_id, (100, "-1", "allow", "::/0", None))
    ids["acl_ssh"] = _nacl(vpc_id, (100, "6", "allow", "0.0.0.0/0", (22, 22)))
    ids["acl_low_ports_v6"] = _nacl(vpc_id, (100, "6", "allow", "::/0", (1, 1024)))
    ids["acl_guarded"] = _nacl(
        vpc_id, (90, "6", "deny", "0.0.0.0/0", (22, 22)), (100, "-1", "allow", "0.0.0.0/0", None)
    )
    ids["acl_office_ssh"] = _nacl(vpc_id, (100, "6", "allow", "198.51.100.0/24", (22, 22)))
    ids["acl_rdp"] = _nacl(vpc_id, (100, "6", "allow", "0.0.0.0/0", (3389, 3389)))
    ids["acl_late_deny"] = _nacl(
        vpc_id, (100, "6", "allow", "0.0.0.0/0", (3389, 3389)), (200, "6", "deny", "0.0.0.0/0", (3389, 3389))
    )


def test_networkacl_allow_ingress_any_port(world):
    check = "ec2_networkacl_allow_ingress_any_port"
    assert _status(world, check, "acl_default") == "FAIL"
    assert _status(world, check, "acl_v6_open") == "FAIL"
    assert _status(world, check, "acl_web_only") == "PASS"
    assert _status(world, check, "acl_shadowed") == "PASS"
    assert _status(world, check, "acl_ssh") == "PASS"


def test_networkacl_allow_ingress_tcp_port_22(world):
    check = "ec2_networkacl_allow_ingress_tcp_port_22"
    assert _status(world, check, "acl_ssh") == "FAIL"
    assert _status(world, check, "acl_low_ports_v6") == "FAIL"
    assert _status(world, check, "acl_default") == "FAIL"
    assert _status(world, check, "acl_guarded") == "PASS"
    assert _status(world, check, "acl_office_ssh") == "PASS"
    assert _status(world, check, "acl_rdp") == "PASS"


def test_networkacl_allow_ingress_tcp_port_3389(world):
    check = "ec2_networkacl_allow_ingress_tcp_port_3389"
    assert _status(world, check, "acl_default") == "FAIL"
    assert _status(world, check, "acl_rdp") == "FAIL"
    assert _status(world, check, "acl_late_deny") == "FAIL"
    assert _status(world, check, "acl_guarded") == "FAIL"  # its deny covers port 22 only
    assert _status(world, check, "acl_ssh") == "PASS"


# -- collection ---------------------------------------------------------------------------------------------


def test_each_region_collected_once_without_repeated_calls(world):
    assert world.calls.repeated() == []
    assert not [e for e in world.run.errors if e["service"] in ("ec2", "vpc")]
    eu = [f for f in world.run.of("ec2_instance_imdsv2_enabled") if f["resource_id"] == world.ids["eu_instance"]]
    assert [f["region"] for f in eu] == ["eu-west-1"]
    calls = world.calls.calls
    assert calls[("ec2", "eu-west-1", "DescribeInstances")] == 1
    # Subnets are the vpc collector's (once per region); the ec2 collector never lists them.
    assert sum(n for (_s, _r, op), n in calls.items() if op == "DescribeSubnets") == 2


# -- demo seed ------------------------------------------------------------------------------------------------

# moto drops EnclaveOptions, so the seed cannot make a confidential-workload host in moto.
SEEDED_CHECKS = [
    "ec2_ebs_volume_encryption",
    "ec2_instance_imdsv2_enabled",
    "ec2_instance_port_cifs_exposed_to_internet",
    "ec2_instance_profile_attached",
    "ec2_networkacl_allow_ingress_any_port",
    "ec2_networkacl_allow_ingress_tcp_port_22",
    "ec2_networkacl_allow_ingress_tcp_port_3389",
    "ec2_securitygroup_allow_ingress_from_internet_to_all_ports",
    "ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_22",
    "ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_3389",
    "ec2_securitygroup_default_restrict_traffic",
    "vpc_flow_logs_enabled",
    "vpc_peering_routing_tables_with_least_privilege",
]


def test_demo_seed(scan):
    from postureflow.demo.seed_ec2 import seed

    regions = ["us-east-1", "eu-west-1"]
    seed(boto3.session.Session(), "123456789012", regions)
    run = scan("ec2", "vpc", regions=regions)
    assert not [e for e in run.errors if e["service"] in ("ec2", "vpc")]
    for check in SEEDED_CHECKS:
        for region in regions:
            statuses = {f["status"] for f in run.of(check) if f["region"] == region}
            assert {"PASS", "FAIL"} <= statuses, (check, region, statuses)
