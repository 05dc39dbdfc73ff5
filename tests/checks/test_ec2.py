import base64
import copy
import datetime as dt
import gzip
from types import SimpleNamespace

import boto3
import pytest

from postureflow.aws import AwsAccess
from postureflow.checks.ec2_instances import INSTANCE_PORT_CHECKS
from postureflow.checks.ec2_securitygroups import SECURITY_GROUP_PORT_CHECKS
from postureflow.lake import Lake
from postureflow.testing import answer_in_moto, scan_in_moto

from .unused_services import judged_with_unused

REGION = "us-east-1"
ANYWHERE = [{"CidrIp": "0.0.0.0/0"}]
ANYWHERE_V6 = [{"CidrIpv6": "::/0"}]
IMAGE = "ami-12c6146b"  # one of moto's built-in AMIs (listing them all is slow)
PV_IMAGE = "ami-8104a4f8"  # a paravirtual one
ACCOUNT = "123456789012"
REGIONS = ["us-east-1", "eu-west-1"]
SCAN_DATE = dt.date(2026, 11, 22)
# A fake key in AWS's documented example format, and the secret it must never leave behind in the lake.
FAKE_KEY_ID = "AKIAIOSFODNN7EXAMPLE"
FAKE_PASSWORD = "Tr0ub4dor-and-3"


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
    params = dict(ImageId=IMAGE, MinCount=1, MaxCount=1, InstanceType="m5.xlarge")
    params.update(kwargs)
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
        builders = (
            _build_volumes,
            _build_instances,
            _build_cifs,
            _build_enclaves,
            _build_groups,
            _build_acls,
            _build_images_and_addresses,
            _build_launch_templates,
            _build_instance_hosts,
            _build_port_exposure,
            _build_gateways,
            _build_backup_plan,
        )
        for build in builders:
            build(ids)
        ids["eu_vpc"], _ = _vpc(region="eu-west-1")
        ids["eu_instance"] = _instance(region="eu-west-1")
        access = _amended_access(ids)
        lake = Lake(str(tmp_path_factory.mktemp("ec2-lake")))
        run = scan_in_moto(lake, ["ec2"], regions=REGIONS, access=access, scan_date=SCAN_DATE)
    # The same inventory judged with unused resources too (Prowler's --scan-unused-services): most groups
    # here are attached to nothing, which Prowler (and the default scan above) skips.
    unused = judged_with_unused(lake, ["ec2"], REGIONS, ACCOUNT, SCAN_DATE)
    return SimpleNamespace(ids=ids, run=run, all=unused, calls=access.call_log, lake=lake)


def _canned(answer: dict):
    """A canned answer for answer_in_moto, copied per call: the collector may change what it is given."""
    return lambda region, params: copy.deepcopy(answer)


def _amended_access(ids):
    """The clients the collector gets, with botocore hooks where moto falls short:

    - moto accepts EnclaveOptions on RunInstances but drops it (DescribeInstances never reports it), and
      cannot back-date LaunchTime: DescribeInstances answers are amended for instances tagged enclave=yes
      (EnclaveOptions.Enabled) and age=old (launched 400 days ago);
    - moto has no GetSnapshotBlockPublicAccessState, GetImageBlockPublicAccessState, GetInstanceMetadataDefaults,
      DescribeClientVpnEndpoints
      or ssm:DescribeInstanceInformation: they get canned answers per region;
    - moto never reports load-balancer interfaces: interfaces tagged owner=amazon-elb get that
      Attachment.InstanceOwnerId, as ELB's requester-managed interfaces have.
    """
    access = AwsAccess.from_default_chain()
    old = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=400)

    def amend_instances(parsed, **_):
        for reservation in parsed.get("Reservations", []):
            for instance in reservation.get("Instances", []):
                tags = {t["Key"]: t["Value"] for t in instance.get("Tags", [])}
                instance["EnclaveOptions"] = {"Enabled": tags.get("enclave") == "yes"}
                if tags.get("age") == "old":
                    instance["LaunchTime"] = old

    def amend_interfaces(parsed, **_):
        for interface in parsed.get("NetworkInterfaces", []):
            tags = {t["Key"]: t["Value"] for t in interface.get("TagSet", [])}
            if tags.get("owner") == "amazon-elb":
                interface["RequesterManaged"] = True
                interface["Attachment"] = {"InstanceOwnerId": "amazon-elb", "Status": "attached"}

    settings = {
        "us-east-1": ("block-all-sharing", {"HttpTokens": "required"}, ids["client_vpns"], "block-new-sharing"),
        "eu-west-1": ("block-new-sharing", {}, [], "unblocked"),
    }

    def amend(client, service, region):  # on every ec2 client the scan makes (released between services)
        if service == "ec2" and region in settings:
            client.meta.events.register("after-call.ec2.DescribeInstances", amend_instances)
            client.meta.events.register("after-call.ec2.DescribeNetworkInterfaces", amend_interfaces)

    access.on_client(amend)
    for region, (snapshot_state, metadata, vpns, image_state) in settings.items():
        managed = [{"InstanceId": i} for i in ids["ssm_managed"]] if region == "us-east-1" else []
        answer_in_moto(access, region, {
            "ec2:GetSnapshotBlockPublicAccessState": _canned({"State": snapshot_state}),
            "ec2:GetInstanceMetadataDefaults": _canned({"AccountLevel": metadata}),
            "ec2:GetImageBlockPublicAccessState": _canned({"ImageBlockPublicAccessState": image_state}),
            "ec2:DescribeClientVpnEndpoints": _canned({"ClientVpnEndpoints": vpns}),
            "ssm:DescribeInstanceInformation": _canned({"InstanceInformationList": managed}),
        })  # fmt: skip
    _answer_backup_selections(access, ids["backup_selections"])
    return access


def _answer_backup_selections(access, selections: dict) -> None:
    """moto keeps backup plans but has no ListBackupSelections or GetBackupSelection: answer both from
    ``selections`` (selection id -> BackupSelection)."""
    listed = {
        "BackupSelectionsList": [{"SelectionId": k, "SelectionName": v["SelectionName"]} for k, v in selections.items()]
    }

    def get_selection(region, params):
        selection_id = params["url_path"].rstrip("/").rsplit("/", 1)[-1]
        return {"SelectionId": selection_id, "BackupSelection": selections[selection_id]}

    answer_in_moto(access, "us-east-1", {"backup:ListBackupSelections": _canned(listed),
                                         "backup:GetBackupSelection": get_selection})  # fmt: skip


def _status(world, check, key):
    return world.all.status(check, world.ids[key])


def _judged(world, check, key):
    return world.ids[key] in world.all.statuses(check)


# Checks whose verdict is a plain yes/no on one fact: (check, resources that FAIL, resources that PASS).
# Checks with more to them have tests of their own below.
FAIL_AND_PASS = [
    ("ec2_ebs_volume_snapshots_exists", ["lonely_volume"], ["plain_volume", "sealed_volume"]),
    ("ec2_ebs_public_snapshot", ["plain_snapshot"], ["sealed_snapshot"]),
    ("ec2_ebs_snapshots_encrypted", ["plain_snapshot"], ["sealed_snapshot"]),
    ("ec2_elastic_ip_unassigned", ["eip_idle"], ["eip_used"]),
    ("ec2_instance_public_ip", ["public_host"], ["private_host"]),
    ("ec2_instance_internet_facing_with_instance_profile", ["public_with_role"], ["private_with_role", "public_host"]),
    ("ec2_instance_paravirtual_type", ["pv_host"], ["private_host"]),
    ("ec2_instance_uses_single_eni", ["two_eni_host"], ["private_host"]),
    ("ec2_transitgateway_auto_accept_vpc_attachments", ["tgw_auto"], ["tgw_manual"]),
    # stopped_host is not running: nothing for Systems Manager to manage now
    ("ec2_instance_managed_by_ssm", ["private_host"], ["ssm_host", "stopped_host"]),
    # lt_bad's version 1 allows IMDSv1 though version 2 does not; the "inherits" templates set no metadata
    # options, so the region's default decides (required in us-east-1 only); lt_metadata_off turns IMDS off.
    (
        "ec2_launch_template_imdsv2_required",
        ["lt_bad", "lt_inherits_eu"],
        ["lt_good", "lt_metadata_off", "lt_inherits"],
    ),
    # smb_open is open to the internet on an instance; elb_front only on a load balancer's interface;
    # sg_https is open but attached to nothing; hosts_sg has no internet rule.
    (
        "ec2_securitygroup_allow_ingress_from_internet_to_any_port",
        ["smb_open"],
        ["elb_front", "sg_https", "hosts_sg"],
    ),
    # a /8 inbound and a /16 outbound fail; a /24, private 10.0.0.0/8 and 0.0.0.0/0 (the other checks' business) pass.
    (
        "ec2_securitygroup_allow_wide_open_public_ipv4",
        ["sg_wide_public", "sg_wide_egress"],
        ["sg_office_ssh", "sg_internal", "sg_ssh"],
    ),
    (
        "ec2_securitygroup_allow_ingress_from_internet_to_high_risk_tcp_ports",
        ["sg_high_risk", "sg_everything"],
        ["sg_ssh", "sg_https"],
    ),
]


@pytest.mark.parametrize("check,failing,passing", FAIL_AND_PASS, ids=[row[0] for row in FAIL_AND_PASS])
def test_fails_the_bad_and_passes_the_good(world, check, failing, passing):
    assert {key: _status(world, check, key) for key in failing + passing} == {
        **{key: "FAIL" for key in failing},
        **{key: "PASS" for key in passing},
    }


# Region settings: us-east-1 is set up right, eu-west-1 is not (EBS encryption by default is enabled in
# us-east-1 only; snapshot block public access is block-all-sharing there and only block-new-sharing in
# eu-west-1, which leaves public snapshots public; IMDSv2 is the default in us-east-1 only).
REGION_SETTINGS = [
    "ec2_ebs_default_encryption",
    "ec2_ebs_snapshot_account_block_public_access",
    "ec2_instance_account_imdsv2_enabled",
]


@pytest.mark.parametrize("check", REGION_SETTINGS)
def test_region_setting(world, check):
    assert {f["region"]: f["status"] for f in world.all.of(check)} == {"us-east-1": "PASS", "eu-west-1": "FAIL"}
    assert len(world.all.of(check)) == 2


# -- EBS ----------------------------------------------------------------------------------------


def _build_volumes(ids):
    ec2 = _ec2()
    ids["plain_volume"] = ec2.create_volume(AvailabilityZone="us-east-1a", Size=8)["VolumeId"]
    ids["sealed_volume"] = ec2.create_volume(AvailabilityZone="us-east-1a", Size=8, Encrypted=True)["VolumeId"]
    ids["lonely_volume"] = ec2.create_volume(AvailabilityZone="us-east-1a", Size=8)["VolumeId"]
    ids["plain_snapshot"] = ec2.create_snapshot(VolumeId=ids["plain_volume"])["SnapshotId"]
    ids["sealed_snapshot"] = ec2.create_snapshot(VolumeId=ids["sealed_volume"])["SnapshotId"]
    ec2.modify_snapshot_attribute(
        SnapshotId=ids["plain_snapshot"], Attribute="createVolumePermission", OperationType="add", GroupNames=["all"]
    )
    ec2.enable_ebs_encryption_by_default()  # in us-east-1 only


def test_ebs_volume_encryption(world):
    assert _status(world, "ec2_ebs_volume_encryption", "plain_volume") == "FAIL"
    assert _status(world, "ec2_ebs_volume_encryption", "sealed_volume") == "PASS"


def test_only_own_snapshots_are_judged(world):
    # moto lists the snapshots behind its public AMIs even with OwnerIds=self; they are not this account's.
    # Ours: the two volume snapshots and the two behind the AMIs built from an instance.
    judged = world.run.statuses("ec2_ebs_snapshots_encrypted")
    assert {world.ids["plain_snapshot"], world.ids["sealed_snapshot"]} <= set(judged)
    assert len(judged) == 4
    assert world.calls.calls[("ec2", "us-east-1", "DescribeSnapshotAttribute")] == 4


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


# -- AMIs and Elastic IPs -------------------------------------------------------------------------------


def _build_images_and_addresses(ids):
    ec2 = _ec2()
    source = _instance()
    ids["public_image"] = ec2.create_image(InstanceId=source, Name="golden-public")["ImageId"]
    ids["private_image"] = ec2.create_image(InstanceId=source, Name="golden-private")["ImageId"]
    ec2.modify_image_attribute(ImageId=ids["public_image"], LaunchPermission={"Add": [{"Group": "all"}]})

    ids["eip_idle"] = ec2.allocate_address(Domain="vpc")["AllocationId"]
    ids["eip_used"] = ec2.allocate_address(Domain="vpc")["AllocationId"]
    ec2.associate_address(AllocationId=ids["eip_used"], InstanceId=source)


def test_ami_public(world):
    assert _status(world, "ec2_ami_public", "public_image") == "FAIL"
    assert _status(world, "ec2_ami_public", "private_image") == "PASS"
    # moto's catalogue of other owners' public AMIs is not judged: only DescribeImages(Owners=self) is read.
    assert len(world.run.of("ec2_ami_public")) == 2


# -- launch templates ------------------------------------------------------------------------------------


def _user_data(text: str, zipped: bool = False) -> str:
    raw = gzip.compress(text.encode()) if zipped else text.encode()
    return base64.b64encode(raw).decode()


def _template(name, region=REGION, **data):
    return _ec2(region).create_launch_template(LaunchTemplateName=name, LaunchTemplateData=data)["LaunchTemplate"][
        "LaunchTemplateId"
    ]


def _build_launch_templates(ids):
    ec2 = _ec2()
    required = {"HttpTokens": "required", "HttpEndpoint": "enabled"}
    # The bad template: version 1 leaks a key and a public IP and allows IMDSv1; version 2 is clean.
    ids["lt_bad"] = _template(
        "bad",
        UserData=_user_data(f"#!/bin/bash\necho start\nexport AWS_ACCESS_KEY_ID={FAKE_KEY_ID}\n"),
        NetworkInterfaces=[{"DeviceIndex": 0, "AssociatePublicIpAddress": True}],
        MetadataOptions={"HttpTokens": "optional"},
    )
    ec2.create_launch_template_version(
        LaunchTemplateId=ids["lt_bad"], LaunchTemplateData={"ImageId": IMAGE, "MetadataOptions": required}
    )
    ids["lt_good"] = _template(
        "good",
        UserData=_user_data("#!/bin/bash\nyum -y update\n"),
        NetworkInterfaces=[{"DeviceIndex": 0, "AssociatePublicIpAddress": False}],
        MetadataOptions=required,
    )
    ids["lt_metadata_off"] = _template("metadata-off", MetadataOptions={"HttpEndpoint": "disabled"})
    # No metadata options: the region's default decides (us-east-1 requires IMDSv2, eu-west-1 does not).
    ids["lt_inherits"] = _template("inherits", ImageId=IMAGE)
    ids["lt_inherits_eu"] = _template("inherits-eu", region="eu-west-1", ImageId=IMAGE)
    # A template that attaches an existing interface holding an Elastic IP.
    vpc_id, subnet_id = _vpc("10.90.0.0/16")
    interface = ec2.create_network_interface(SubnetId=subnet_id)["NetworkInterface"]["NetworkInterfaceId"]
    address = ec2.allocate_address(Domain="vpc")["AllocationId"]
    ec2.associate_address(AllocationId=address, NetworkInterfaceId=interface)
    ids["lt_public_eni"] = _template(
        "public-eni", NetworkInterfaces=[{"DeviceIndex": 0, "NetworkInterfaceId": interface}], MetadataOptions=required
    )
    ids["lt_secret_zipped"] = _template(
        "zipped", UserData=_user_data(f"#cloud-config\npassword: {FAKE_PASSWORD}\n", zipped=True)
    )


def test_launch_template_no_public_ip(world):
    check = "ec2_launch_template_no_public_ip"
    assert _status(world, check, "lt_bad") == "FAIL"
    assert _status(world, check, "lt_public_eni") == "FAIL"
    assert _status(world, check, "lt_good") == "PASS"
    texts = {f["resource_id"]: f["status_extended"] for f in world.run.of(check)}
    assert "version(s) 1." in texts[world.ids["lt_bad"]]


def test_launch_template_no_secrets(world):
    check = "ec2_launch_template_no_secrets"
    assert _status(world, check, "lt_bad") == "FAIL"
    assert _status(world, check, "lt_secret_zipped") == "FAIL"
    assert _status(world, check, "lt_good") == "PASS"
    assert _status(world, check, "lt_inherits") == "PASS"
    texts = {f["resource_id"]: f["status_extended"] for f in world.run.of(check)}
    assert "version 1: line 3 (AWS Access Key)" in texts[world.ids["lt_bad"]]


# -- instance hosts: exposure, age, management, user data ------------------------------------------------------


def _build_instance_hosts(ids):
    ec2 = _ec2()
    vpc_id, private_subnet = _vpc("10.100.0.0/16")
    public_subnet = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.100.2.0/24")["Subnet"]["SubnetId"]
    ec2.modify_subnet_attribute(SubnetId=public_subnet, MapPublicIpOnLaunch={"Value": True})
    ids["hosts_sg"] = _sg(vpc_id, "hosts")
    ids["referenced_sg"] = _sg(vpc_id, "app-tier")
    ids["referrer_sg"] = _sg(
        vpc_id,
        "db-tier",
        {
            "IpProtocol": "tcp",
            "FromPort": 5432,
            "ToPort": 5432,
            "UserIdGroupPairs": [{"GroupId": ids["referenced_sg"]}],
        },
    )
    iam = boto3.client("iam", region_name=REGION)
    iam.create_instance_profile(InstanceProfileName="host-profile")
    profile = {"IamInstanceProfile": {"Name": "host-profile"}}

    ids["private_host"] = _instance(private_subnet, [ids["hosts_sg"]])
    ids["public_host"] = _instance(public_subnet, [ids["hosts_sg"]])
    ids["public_with_role"] = _instance(public_subnet, [ids["hosts_sg"]], **profile)
    ids["private_with_role"] = _instance(private_subnet, [ids["hosts_sg"]], **profile)
    ids["old_host"] = _instance(private_subnet, [ids["hosts_sg"]], tags={"age": "old"})
    ids["pv_host"] = _instance(private_subnet, [ids["hosts_sg"]], ImageId=PV_IMAGE)
    ids["ssm_host"] = _instance(private_subnet, [ids["hosts_sg"]])
    ids["ssm_managed"] = [ids["ssm_host"]]
    ids["stopped_host"] = _instance(private_subnet, [ids["hosts_sg"]], tags={"age": "old"})
    ec2.stop_instances(InstanceIds=[ids["stopped_host"]])

    ids["two_eni_host"] = _instance(private_subnet, [ids["hosts_sg"]])
    extra = ec2.create_network_interface(SubnetId=private_subnet, Groups=[ids["hosts_sg"]])["NetworkInterface"]
    ec2.attach_network_interface(
        NetworkInterfaceId=extra["NetworkInterfaceId"], InstanceId=ids["two_eni_host"], DeviceIndex=1
    )

    secret_lines = f"#!/bin/bash\nyum -y install app\nexport AWS_ACCESS_KEY_ID={FAKE_KEY_ID}\n"
    ids["leaky_host"] = _instance(private_subnet, [ids["hosts_sg"]], UserData=secret_lines)
    # RunInstances base64-encodes UserData itself; gzip is for the instance to unpack: both are scanned.
    zipped = gzip.compress(f"#cloud-config\npassword: {FAKE_PASSWORD}\n".encode())
    ids["zipped_leaky_host"] = _instance(private_subnet, [ids["hosts_sg"]], UserData=zipped)
    ids["clean_host"] = _instance(private_subnet, [ids["hosts_sg"]], UserData="#!/bin/bash\nyum -y update\n")


def test_instance_older_than_specific_days(world):
    check = "ec2_instance_older_than_specific_days"
    assert _status(world, check, "old_host") == "FAIL"
    assert _status(world, check, "private_host") == "PASS"
    assert not _judged(world, check, "stopped_host")


def test_instance_secrets_user_data(world):
    check = "ec2_instance_secrets_user_data"
    assert _status(world, check, "leaky_host") == "FAIL"
    assert _status(world, check, "zipped_leaky_host") == "FAIL"
    assert _status(world, check, "clean_host") == "PASS"
    assert _status(world, check, "private_host") == "PASS"  # no user data at all
    texts = {f["resource_id"]: f["status_extended"] for f in world.run.of(check)}
    assert "line 3 (AWS Access Key)" in texts[world.ids["leaky_host"]]
    assert FAKE_KEY_ID not in texts[world.ids["leaky_host"]]


def test_user_data_is_read_once_per_instance(world):
    calls = world.calls.calls
    instances = len(world.run.of("ec2_instance_imdsv2_enabled"))
    assert sum(n for (s, _r, op), n in calls.items() if op == "DescribeInstanceAttribute") == instances
    assert world.calls.repeated() == []


def test_no_user_data_text_reaches_the_lake(world):
    raw = []
    for service in ("ec2", "vpc"):
        table = world.lake.read_partition(
            "inventory", {"scan_date": SCAN_DATE, "service": service, "account_id": ACCOUNT}
        )
        raw.extend(str(v) for row in table.to_pylist() for v in row.values())
    findings = [str(v) for f in world.run.findings for v in f.values()]
    text = "\n".join(raw + findings)
    for leaked in (FAKE_KEY_ID, FAKE_PASSWORD, "yum -y", base64.b64encode(FAKE_KEY_ID.encode()).decode()[:16]):
        assert leaked not in text
    assert "AWS Access Key" in text  # what was found is recorded, just not the value


# -- security group use -------------------------------------------------------------------------------------


def test_securitygroup_not_used(world):
    check = "ec2_securitygroup_not_used"
    assert _status(world, check, "sg_ssh") == "FAIL"  # built for the rule checks, attached to nothing
    assert _status(world, check, "hosts_sg") == "PASS"
    assert _status(world, check, "referenced_sg") == "PASS"  # only another group's rule points at it
    assert not _judged(world, check, "default_open")


# -- port exposure, one row per check ---------------------------------------------------------------------------

ALL_TABLE_PORTS = {p for table in (INSTANCE_PORT_CHECKS, SECURITY_GROUP_PORT_CHECKS) for row in table for p in row[2]}


def _near_miss(ports) -> int:
    """A port just above the row's last one that no port check of either table covers."""
    port = ports[-1] + 1
    while port in ALL_TABLE_PORTS:
        port += 1
    return port


def _build_port_exposure(ids):
    ec2 = _ec2()
    vpc_id, subnet_id = _vpc("10.110.0.0/16")
    near_misses = sorted(
        {_near_miss(row[2]) for table in (INSTANCE_PORT_CHECKS, SECURITY_GROUP_PORT_CHECKS) for row in table}
    )
    ids["sg_near_miss"] = _sg(vpc_id, "near-miss", *[_tcp(p) for p in near_misses])
    ids["near_miss_host"] = _instance(subnet_id, [ids["sg_near_miss"]])
    for number, (key, _name, ports, _risk) in enumerate(INSTANCE_PORT_CHECKS):
        # Alternate IPv4 and IPv6 sources; open the row's last port only.
        rule = _tcp(ports[-1]) if number % 2 else _tcp(ports[-1], ranges=(), v6=ANYWHERE_V6)
        group = _sg(vpc_id, f"host-{key}", rule)
        ids[f"host_{key}"] = _instance(subnet_id, [group])
    for number, (check_id, _name, ports, _risk) in enumerate(SECURITY_GROUP_PORT_CHECKS):
        rule = _tcp(ports[-1]) if number % 2 else _tcp(ports[-1], ranges=(), v6=ANYWHERE_V6)
        ids[f"sg_{check_id}"] = _sg(vpc_id, f"port-{number}", rule)

    ids["sg_high_risk"] = _sg(vpc_id, "dev-server", _tcp(8080))
    ids["sg_wide_public"] = _sg(vpc_id, "wide-public", _tcp(443, ranges=[{"CidrIp": "52.0.0.0/8"}]))
    ids["sg_wide_egress"] = _sg(vpc_id, "wide-egress")
    ec2.authorize_security_group_egress(
        GroupId=ids["sg_wide_egress"],
        IpPermissions=[_tcp(443, ranges=[{"CidrIp": "198.18.0.0/15"}, {"CidrIp": "3.5.0.0/16"}])],
    )
    ids["elb_front"] = _sg(vpc_id, "elb-front", _tcp(443))
    elb_interface = ec2.create_network_interface(SubnetId=subnet_id, Groups=[ids["elb_front"]])["NetworkInterface"]
    ec2.create_tags(Resources=[elb_interface["NetworkInterfaceId"]], Tags=[{"Key": "owner", "Value": "amazon-elb"}])


@pytest.mark.parametrize(
    "key,service_name,ports", [row[:3] for row in INSTANCE_PORT_CHECKS], ids=[r[0] for r in INSTANCE_PORT_CHECKS]
)
def test_instance_port_exposed_to_internet(world, key, service_name, ports):
    check = f"ec2_instance_port_{key}_exposed_to_internet"
    assert _status(world, check, f"host_{key}") == "FAIL"
    assert _status(world, check, "near_miss_host") == "PASS"
    assert _status(world, check, "private_host") == "PASS"
    text = next(f["status_extended"] for f in world.run.of(check) if f["resource_id"] == world.ids[f"host_{key}"])
    assert service_name in text and str(ports[-1]) in text
    # every other row's host opens a port this check does not watch
    others = {world.ids[f"host_{other[0]}"] for other in INSTANCE_PORT_CHECKS if other[0] != key}
    assert {s for r, s in world.run.statuses(check).items() if r in others} == {"PASS"}


@pytest.mark.parametrize(
    "check_id,service_name,ports",
    [row[:3] for row in SECURITY_GROUP_PORT_CHECKS],
    ids=[r[1] for r in SECURITY_GROUP_PORT_CHECKS],
)
def test_securitygroup_port_open_to_internet(world, check_id, service_name, ports):
    assert _status(world, check_id, f"sg_{check_id}") == "FAIL"
    assert _status(world, check_id, "sg_everything") == "FAIL"  # all traffic includes the port
    assert _status(world, check_id, "sg_near_miss") == "PASS"
    assert _status(world, check_id, "sg_internal") == "PASS"  # everything, but from 10.0.0.0/8 only


# -- network ACL use, transit gateways, Client VPN ----------------------------------------------------------------


def _build_gateways(ids):
    ec2 = _ec2()
    ids["tgw_auto"] = ec2.create_transit_gateway(Options={"AutoAcceptSharedAttachments": "enable"})["TransitGateway"][
        "TransitGatewayId"
    ]
    ids["tgw_manual"] = ec2.create_transit_gateway(Options={"AutoAcceptSharedAttachments": "disable"})[
        "TransitGateway"
    ]["TransitGatewayId"]
    ids["vpn_logged"], ids["vpn_silent"] = "cvpn-endpoint-0a1b2c3d4e5f60001", "cvpn-endpoint-0a1b2c3d4e5f60002"
    ids["client_vpns"] = [
        {
            "ClientVpnEndpointId": ids["vpn_logged"],
            "Status": {"Code": "available"},
            "ConnectionLogOptions": {"Enabled": True, "CloudwatchLogGroup": "client-vpn"},
        },
        {
            "ClientVpnEndpointId": ids["vpn_silent"],
            "Status": {"Code": "available"},
            "ConnectionLogOptions": {"Enabled": False},
        },
        {"ClientVpnEndpointId": "cvpn-endpoint-0a1b2c3d4e5f60003", "Status": {"Code": "deleted"}},
    ]
    # An ACL in use: associate a subnet with acl_ssh (built by _build_acls).
    vpc_id = ec2.describe_network_acls(NetworkAclIds=[ids["acl_ssh"]])["NetworkAcls"][0]["VpcId"]
    subnet_id = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.80.9.0/24")["Subnet"]["SubnetId"]
    current = ec2.describe_network_acls(Filters=[{"Name": "association.subnet-id", "Values": [subnet_id]}])
    association = next(
        a["NetworkAclAssociationId"]
        for acl in current["NetworkAcls"]
        for a in acl["Associations"]
        if a["SubnetId"] == subnet_id
    )
    ec2.replace_network_acl_association(AssociationId=association, NetworkAclId=ids["acl_ssh"])


def test_networkacl_unused(world):
    assert _status(world, "ec2_networkacl_unused", "acl_rdp") == "FAIL"
    assert _status(world, "ec2_networkacl_unused", "acl_ssh") == "PASS"
    assert not _judged(world, "ec2_networkacl_unused", "acl_default")


def test_client_vpn_endpoint_connection_logging_enabled(world):
    check = "ec2_client_vpn_endpoint_connection_logging_enabled"
    assert _status(world, check, "vpn_silent") == "FAIL"
    assert _status(world, check, "vpn_logged") == "PASS"
    assert len(world.run.of(check)) == 2  # the deleted endpoint is not judged


# -- AWS Backup coverage ---------------------------------------------------------------------------------------


def _attached_volume(instance_id):
    volumes = _ec2().describe_volumes(Filters=[{"Name": "attachment.instance-id", "Values": [instance_id]}])
    return volumes["Volumes"][0]["VolumeId"]


def _build_backup_plan(ids):
    ec2 = _ec2()
    ids["tagged_volume"] = ec2.create_volume(
        AvailabilityZone="us-east-1a",
        Size=8,
        TagSpecifications=[{"ResourceType": "volume", "Tags": [{"Key": "backup", "Value": "daily"}]}],
    )["VolumeId"]
    ids["backed_up_host_volume"] = _attached_volume(ids["clean_host"])
    ids["unprotected_host_volume"] = _attached_volume(ids["leaky_host"])
    boto3.client("backup", region_name=REGION).create_backup_plan(
        BackupPlan={
            "BackupPlanName": "daily",
            "Rules": [
                {"RuleName": "daily", "TargetBackupVaultName": "Default", "ScheduleExpression": "cron(0 5 * * ? *)"}
            ],
        }
    )
    role = f"arn:aws:iam::{ACCOUNT}:role/backup"
    ids["backup_selections"] = {
        "sel-tagged": {
            "SelectionName": "tagged",
            "IamRoleArn": role,
            "ListOfTags": [{"ConditionType": "STRINGEQUALS", "ConditionKey": "backup", "ConditionValue": "daily"}],
        },
        "sel-host": {
            "SelectionName": "one-host",
            "IamRoleArn": role,
            "Resources": [f"arn:aws:ec2:us-east-1:{ACCOUNT}:instance/{ids['clean_host']}"],
        },
    }


def test_ebs_volume_protected_by_backup_plan(world):
    check = "ec2_ebs_volume_protected_by_backup_plan"
    assert _status(world, check, "tagged_volume") == "PASS"
    assert _status(world, check, "backed_up_host_volume") == "PASS"  # its instance is selected
    assert _status(world, check, "unprotected_host_volume") == "FAIL"
    assert _status(world, check, "plain_volume") == "FAIL"
    eu = {f["status"] for f in world.run.of(check) if f["region"] == "eu-west-1"}
    assert eu == {"FAIL"}  # no plan in eu-west-1


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

# Operations moto's in-process mock does not implement (recorded as scan errors without the world's hooks).
MOTO_LACKS = {
    "ec2:get_snapshot_block_public_access_state",
    "ec2:get_image_block_public_access_state",
    "ec2:get_instance_metadata_defaults",
    "ec2:describe_client_vpn_endpoints",
    "ssm:describe_instance_information",
}

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


def test_demo_seed(scan, lake):
    from postureflow.demo.seed_ec2 import seed

    regions = ["us-east-1", "eu-west-1"]
    seed(boto3.session.Session(), "123456789012", regions)
    scan("ec2", "vpc", regions=regions)
    # The demo's open groups are attached to nothing: judged with unused resources, as Prowler's
    # --scan-unused-services does (the default scan skips them).
    run = judged_with_unused(lake, ["ec2", "vpc"], regions, "123456789012", dt.date(2026, 11, 22))
    assert not [e for e in run.errors if e["service"] in ("ec2", "vpc") and e["api"] not in MOTO_LACKS]
    for check in SEEDED_CHECKS:
        for region in regions:
            statuses = {f["status"] for f in run.of(check) if f["region"] == region}
            assert {"PASS", "FAIL"} <= statuses, (check, region, statuses)


# -- unused resources (Prowler's --scan-unused-services) --------------------------------------------

SKIPPED_WHEN_UNUSED = [
    "ec2_securitygroup_allow_ingress_from_internet_to_all_ports",
    "ec2_securitygroup_allow_ingress_from_internet_to_any_port",
    "ec2_securitygroup_allow_ingress_from_internet_to_any_port_from_ip",
    "ec2_securitygroup_allow_ingress_from_internet_to_high_risk_tcp_ports",
    "ec2_securitygroup_allow_wide_open_public_ipv4",
    *[row[0] for row in SECURITY_GROUP_PORT_CHECKS],
]


@pytest.mark.parametrize("check", SKIPPED_WHEN_UNUSED)
def test_a_group_attached_to_nothing_is_judged_only_with_scan_unused_services(world, check):
    default, everything = world.run.statuses(check), world.all.statuses(check)
    unused, used = world.ids["sg_everything"], world.ids["smb_open"]  # smb_open is on an instance's interface
    assert unused not in default and unused in everything
    assert used in default and default[used] == everything[used]


def test_default_group_of_a_vpc_without_interfaces_is_judged_only_with_scan_unused_services(world):
    check = "ec2_securitygroup_default_restrict_traffic"
    assert world.ids["default_open"] not in world.run.statuses(check)
    assert world.all.status(check, world.ids["default_open"]) == "FAIL"


@pytest.mark.parametrize(
    "check",
    ["ec2_networkacl_allow_ingress_any_port", "ec2_networkacl_allow_ingress_tcp_port_22",
     "ec2_networkacl_allow_ingress_tcp_port_3389"],
)  # fmt: skip
def test_acls_of_a_region_without_own_security_groups_are_judged_only_with_scan_unused_services(world, check):
    # eu-west-1 holds one instance in its VPC's default group: no other group, so Prowler skips its ACLs.
    assert {f["region"] for f in world.run.of(check)} == {"us-east-1"}
    assert {f["region"] for f in world.all.of(check)} == {"us-east-1", "eu-west-1"}


def test_region_settings_of_a_region_without_the_resources_are_judged_only_with_scan_unused_services(world):
    # eu-west-1 has an instance (and its root volume) but no snapshot of this account.
    judged = {check: {f["region"] for f in world.run.of(check)} for check in REGION_SETTINGS}
    assert judged == {
        "ec2_ebs_default_encryption": {"us-east-1", "eu-west-1"},
        "ec2_ebs_snapshot_account_block_public_access": {"us-east-1"},
        "ec2_instance_account_imdsv2_enabled": {"us-east-1", "eu-west-1"},
    }
