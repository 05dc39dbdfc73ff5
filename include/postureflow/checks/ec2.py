"""EC2 checks: instances, EBS, AMIs, addresses, launch templates, security groups, network ACLs,
transit gateways, Client VPN endpoints and the region's EC2 account settings.

The port-exposure checks come in two families, each one shared rule over a table
of ports: security groups that admit the internet to a service's ports
(``SECURITY_GROUP_PORT_CHECKS``) and instances whose groups do
(``INSTANCE_PORT_CHECKS``). Every row is still a check of its own, with its
Prowler id.
"""

from __future__ import annotations

import ipaddress
from typing import Iterable

from postureflow.checks.base import FAIL, MANUAL, PASS, check, days_since
from postureflow.checks.backup import plan_label, selections_by_region, selects as backup_selects
from postureflow.secrets import describe_hits

INTERNET_V4 = "0.0.0.0/0"
INTERNET_V6 = "::/0"
ALL_PORTS = (0, 65535)
TCP = ("tcp", "6")
UDP = ("udp", "17")
# Ports a confidential-workload host may open to the internet (Prowler's default allow-list).
CONFIDENTIAL_HOST_ALLOWED_PORTS = frozenset({22, 80, 443})
# Instance states in which a host is in transition and not judged as a confidential-workload host.
TRANSIENT_STATES = {"pending", "shutting-down", "terminated"}
# Prowler's defaults: high-risk ports, the instance age limit, and what may front an internet-open group.
HIGH_RISK_TCP_PORTS = (25, 110, 135, 143, 445, 3000, 4333, 5000, 5500, 8080, 8088)
MAX_INSTANCE_AGE_DAYS = 180
ALLOWED_INTERFACE_TYPES = frozenset({"api_gateway_managed", "vpc_endpoint"})
ALLOWED_INSTANCE_OWNERS = frozenset({"amazon-elb"})
# Public IPv4 ranges at least this wide (a prefix shorter than /24, but not /0) are "wide open".
WIDE_OPEN_PREFIX = 24


# -- security group rules -----------------------------------------------------------------------


def _open_to_internet(rule: dict) -> bool:
    """The rule admits traffic from 0.0.0.0/0 or ::/0."""
    return any(r.get("CidrIp") == INTERNET_V4 for r in rule.get("IpRanges") or []) or any(
        r.get("CidrIpv6") == INTERNET_V6 for r in rule.get("Ipv6Ranges") or []
    )


def _port_range(rule: dict) -> tuple[int, int] | None:
    """(from, to) of a TCP/UDP rule; None when the rule states no ports."""
    low, high = rule.get("FromPort"), rule.get("ToPort")
    if low is None or high is None:
        return None
    return int(low), int(high)


def _rule_opens_all_ports(rule: dict) -> bool:
    protocol = str(rule.get("IpProtocol"))
    if protocol == "-1":
        return True
    return protocol in (*TCP, *UDP) and _port_range(rule) == ALL_PORTS


def _rule_opens_tcp_port(rule: dict, port: int) -> bool:
    protocol = str(rule.get("IpProtocol"))
    if protocol == "-1":
        return True
    if protocol not in TCP:
        return False
    ports = _port_range(rule)
    return ports is not None and ports[0] <= port <= ports[1]


def _internet_rules(group) -> list[dict]:
    return [rule for rule in group.get("ingress_rules") or [] if _open_to_internet(rule)]


def _open_tcp_ports(group, ports: Iterable[int]) -> list[int]:
    """Which of ``ports`` the group opens to the internet over TCP (all-traffic rules included)."""
    rules = _internet_rules(group)
    return [port for port in ports if any(_rule_opens_tcp_port(rule, port) for rule in rules)]


def _group_label(group) -> str:
    name = group.get("name")
    return f"{name} ({group.id})" if name and name != group.id else group.id


def _groups_by_id(security_groups) -> dict[tuple[str, str], object]:
    return {(g.region, g.id): g for g in security_groups}


def _instance_groups(instance, groups: dict) -> list:
    keys = [(instance.region, gid) for gid in instance.get("security_group_ids") or []]
    return [groups[key] for key in keys if key in groups]


def _ports_text(ports: Iterable[int]) -> str:
    ports = list(ports)
    return f"port {ports[0]}" if len(ports) == 1 else "ports " + ", ".join(str(p) for p in ports)


def _port_check(security_groups, ports: tuple[int, ...], service_name: str):
    for group in security_groups:
        opened = _open_tcp_ports(group, ports)
        if opened:
            what = f"TCP {_ports_text(opened)} ({service_name})"
            yield FAIL(group, f"Security group {_group_label(group)} allows ingress from the internet to {what}.")
        else:
            what = f"TCP {_ports_text(ports)} ({service_name})"
            yield PASS(
                group, f"Security group {_group_label(group)} does not allow ingress from the internet to {what}."
            )


# -- network ACL entries -------------------------------------------------------------------------


def _nacl_admits(entries: Iterable[dict], protocol: str, port: int | None) -> bool:
    """Whether the ACL's inbound rules, evaluated in rule-number order, let the internet in.

    ``protocol`` "-1" with ``port`` None asks about an all-traffic allow. IPv4
    (0.0.0.0/0) and IPv6 (::/0) entries are evaluated separately, as AWS does:
    the lowest-numbered entry that matches decides.
    """
    inbound = sorted((e for e in entries if not e.get("egress")), key=lambda e: e.get("rule_number") or 0)
    for field, internet in (("cidr", INTERNET_V4), ("ipv6_cidr", INTERNET_V6)):
        for entry in inbound:
            if entry.get(field) != internet or not _nacl_entry_matches(entry, protocol, port):
                continue
            if entry.get("action") == "allow":
                return True
            break  # denied before any allow
    return False


def _nacl_entry_matches(entry: dict, protocol: str, port: int | None) -> bool:
    entry_protocol = str(entry.get("protocol"))
    if entry_protocol == "-1":
        return True
    if protocol == "-1" or entry_protocol != protocol or port is None:
        return False
    low, high = entry.get("from_port"), entry.get("to_port")
    return low is not None and high is not None and int(low) <= port <= int(high)


def _nacl_port_check(network_acls, port: int, service_name: str):
    for acl in network_acls:
        what = f"ingress from the internet to TCP port {port} ({service_name})"
        if _nacl_admits(acl.get("entries") or [], "6", port):
            yield FAIL(acl, f"Network ACL {acl.id} allows {what}.")
        else:
            yield PASS(acl, f"Network ACL {acl.id} does not allow {what}.")


# -- confidential-workload hosts -----------------------------------------------------------------


def _confidential_hosts(instances) -> list:
    """Nitro Enclave parent instances (EnclaveOptions.Enabled) that are not in transition."""
    return [i for i in instances if i.get("enclaves_enabled") and i.get("state") not in TRANSIENT_STATES]


def _exposed_non_allowed_ports(rule: dict) -> list[str]:
    protocol = str(rule.get("IpProtocol"))
    if protocol == "-1":
        return ["all"]
    if protocol not in (*TCP, *UDP):
        return []
    ports = _port_range(rule)
    if ports is None:
        return []
    if ports == ALL_PORTS:
        return ["all"]
    low, high = ports
    extra = set(range(low, high + 1)) - CONFIDENTIAL_HOST_ALLOWED_PORTS
    if not extra:
        return []
    if len(extra) > 10:
        return [f"{low}-{high}"]
    return [str(p) for p in sorted(extra)]


# -- instance checks -------------------------------------------------------------------------------


@check(
    id="ec2_instance_imdsv2_enabled",
    title="EC2 instance requires IMDSv2 or has the instance metadata service turned off",
    severity="high",
    resource_type="AwsEc2Instance",
    reads=["ec2.instances"],
    risk="With IMDSv1 allowed, a server-side request forgery in any application on the instance can read "
    "the instance role's temporary credentials from the metadata service.",
    remediation="Set the instance's metadata options to HttpTokens=required "
    "(aws ec2 modify-instance-metadata-options --http-tokens required), or disable the endpoint if unused.",
)
def ec2_instance_imdsv2_enabled(instances):
    for instance in instances:
        endpoint, tokens = instance.get("http_endpoint"), instance.get("http_tokens")
        if endpoint == "disabled":
            yield PASS(instance, f"EC2 instance {instance.id} has the instance metadata service turned off.")
        elif tokens == "required":
            yield PASS(instance, f"EC2 instance {instance.id} requires IMDSv2 session tokens for metadata access.")
        else:
            yield FAIL(instance, f"EC2 instance {instance.id} still accepts IMDSv1 requests (HttpTokens={tokens}).")


@check(
    id="ec2_instance_profile_attached",
    title="EC2 instance has an IAM instance profile",
    severity="medium",
    resource_type="AwsEc2Instance",
    reads=["ec2.instances"],
    risk="An instance without a role tends to get long-lived access keys stored on disk, which leak and are "
    "rarely rotated.",
    remediation="Attach an IAM instance profile with a least-privilege role "
    "(aws ec2 associate-iam-instance-profile) and remove any stored access keys.",
)
def ec2_instance_profile_attached(instances):
    for instance in instances:
        profile = instance.get("instance_profile_arn")
        if profile:
            yield PASS(instance, f"EC2 instance {instance.id} has the IAM instance profile {profile} attached.")
        else:
            yield FAIL(instance, f"EC2 instance {instance.id} has no IAM instance profile attached.")


@check(
    id="ec2_instance_public_ip",
    title="EC2 instance has no public IPv4 address",
    severity="medium",
    resource_type="AwsEc2Instance",
    reads=["ec2.instances"],
    risk="An instance with a public address can be reached from the internet whenever its security groups "
    "and network ACLs allow it; one loosened rule exposes it directly.",
    remediation="Launch instances in private subnets without public addresses and publish services through "
    "a load balancer, NAT or private connectivity; release or disassociate public addresses that are not needed.",
)
def ec2_instance_public_ip(instances):
    for instance in instances:
        if instance.get("public_ip"):
            yield FAIL(instance, f"EC2 instance {instance.id} has the public IP address {instance['public_ip']}.")
        else:
            yield PASS(instance, f"EC2 instance {instance.id} has no public IP address.")


@check(
    id="ec2_instance_internet_facing_with_instance_profile",
    title="Internet-facing EC2 instance has no IAM instance profile",
    severity="high",
    resource_type="AwsEc2Instance",
    reads=["ec2.instances"],
    risk="A compromise of an instance reachable from the internet hands the attacker its role's credentials, "
    "turning one exposed host into access to the account's AWS resources.",
    remediation="Move the instance behind a load balancer or into a private subnet, or detach the instance "
    "profile and give the workload only the credentials it must have.",
)
def ec2_instance_internet_facing_with_instance_profile(instances):
    for instance in instances:
        public_ip, profile = instance.get("public_ip"), instance.get("instance_profile_arn")
        if public_ip and profile:
            yield FAIL(
                instance,
                f"EC2 instance {instance.id} is internet-facing at {public_ip} with instance profile {profile}.",
            )
        elif public_ip:
            yield PASS(instance, f"EC2 instance {instance.id} is internet-facing but has no instance profile.")
        else:
            yield PASS(instance, f"EC2 instance {instance.id} has no public IP address.")


@check(
    id="ec2_instance_managed_by_ssm",
    title="Running EC2 instance is managed by AWS Systems Manager",
    severity="medium",
    resource_type="AwsEc2Instance",
    reads=["ec2.instances"],
    risk="Instances Systems Manager does not manage miss its patching, inventory and remote-access controls, "
    "so they drift out of date and get reached over SSH or RDP instead.",
    remediation="Install and run the SSM Agent, give the instance profile the AmazonSSMManagedInstanceCore "
    "policy and make sure the instance can reach the Systems Manager endpoints.",
)
def ec2_instance_managed_by_ssm(instances):
    for instance in instances:
        managed, state = instance.get("ssm_managed"), instance.get("state")
        if managed is None:
            continue  # Systems Manager could not be asked in this region; the scan errors say why
        if managed:
            yield PASS(instance, f"EC2 instance {instance.id} is managed by Systems Manager.")
        elif state != "running":
            yield PASS(instance, f"EC2 instance {instance.id} is not managed by Systems Manager but is {state}.")
        else:
            yield FAIL(instance, f"EC2 instance {instance.id} is running and not managed by Systems Manager.")


@check(
    id="ec2_instance_older_than_specific_days",
    title=f"Running EC2 instance was launched less than {MAX_INSTANCE_AGE_DAYS} days ago",
    severity="medium",
    resource_type="AwsEc2Instance",
    reads=["ec2.instances"],
    risk="Long-running instances tend to carry unpatched operating systems and configuration drift; "
    "replacing hosts regularly keeps them on current, known-good images.",
    remediation="Rebuild old instances from a current AMI (or an Auto Scaling instance refresh) and keep "
    "hosts short-lived.",
)
def ec2_instance_older_than_specific_days(instances, now):
    for instance in instances:
        if instance.get("state") != "running":
            continue
        age = days_since(instance.get("launch_time"), now)
        if age is None:
            continue
        if age > MAX_INSTANCE_AGE_DAYS:
            yield FAIL(
                instance,
                f"EC2 instance {instance.id} has been running for {int(age)} days, more than {MAX_INSTANCE_AGE_DAYS}.",
            )
        else:
            yield PASS(instance, f"EC2 instance {instance.id} was launched {int(age)} days ago.")


@check(
    id="ec2_instance_paravirtual_type",
    title="EC2 instance uses HVM virtualization",
    severity="medium",
    resource_type="AwsEc2Instance",
    reads=["ec2.instances"],
    risk="Paravirtual (PV) instances run on previous-generation types and kernels that no longer get the "
    "hardware and security improvements of HVM and Nitro.",
    remediation="Migrate the workload to an HVM AMI on a current-generation instance type.",
)
def ec2_instance_paravirtual_type(instances):
    for instance in instances:
        kind = instance.get("virtualization_type")
        if not kind:
            continue
        if kind == "paravirtual":
            yield FAIL(instance, f"EC2 instance {instance.id} uses paravirtual virtualization.")
        else:
            yield PASS(instance, f"EC2 instance {instance.id} uses {kind} virtualization.")


@check(
    id="ec2_instance_uses_single_eni",
    title="EC2 instance has at most one network interface",
    severity="low",
    resource_type="AwsEc2Instance",
    reads=["ec2.instances"],
    risk="Each extra network interface can join the instance to another subnet or security boundary, making "
    "its reachability hard to reason about and a pivot point between networks.",
    remediation="Detach network interfaces the workload does not need; connect networks through routing "
    "and security groups rather than multi-homed hosts.",
)
def ec2_instance_uses_single_eni(instances):
    for instance in instances:
        interfaces = [
            n for n in instance.get("network_interfaces") or [] if n.get("type") in ("interface", "efa", "trunk")
        ]
        ids = ", ".join(str(n.get("id")) for n in interfaces)
        if len(interfaces) > 1:
            yield FAIL(instance, f"EC2 instance {instance.id} has {len(interfaces)} network interfaces: {ids}.")
        elif interfaces:
            yield PASS(instance, f"EC2 instance {instance.id} has a single network interface ({ids}).")
        else:
            yield PASS(instance, f"EC2 instance {instance.id} has no network interface attached.")


@check(
    id="ec2_instance_secrets_user_data",
    title="EC2 instance user data contains no secrets",
    severity="high",
    resource_type="AwsEc2Instance",
    reads=["ec2.instances"],
    risk="User data is readable by anyone with ec2:DescribeInstanceAttribute and by every process on the "
    "instance through the metadata service, so credentials in it leak easily.",
    remediation="Remove the secrets from the user data (stop the instance to edit it), rotate them, and have "
    "the instance fetch secrets at boot from Secrets Manager or Parameter Store through its role.",
)
def ec2_instance_secrets_user_data(instances):
    for instance in instances:
        user_data = instance.get("user_data")
        if user_data is None:
            continue  # the user data could not be read; the scan errors say why
        if user_data.get("secrets"):
            yield FAIL(
                instance,
                f"EC2 instance {instance.id} has secret-looking user data: {describe_hits(user_data['secrets'])}.",
            )
        elif user_data.get("present"):
            yield PASS(instance, f"EC2 instance {instance.id} has user data with no secret-looking lines.")
        else:
            yield PASS(instance, f"EC2 instance {instance.id} has no user data.")


# -- port exposure: instances ------------------------------------------------------------------------

# (key in the check id, service, TCP ports, what exposing it risks)
INSTANCE_PORT_CHECKS = [
    (
        "cassandra",
        "Cassandra",
        (7000, 7001, 7199, 9042, 9160),
        "Cassandra's inter-node, JMX and client ports on the internet let anyone read or drop keyspaces and "
        "take over nodes through JMX.",
    ),
    (
        "cifs",
        "CIFS/SMB",
        (139, 445),
        "SMB/CIFS exposed to the internet is a favourite target for worms, ransomware and credential "
        "brute-forcing, and leaks file shares.",
    ),
    (
        "elasticsearch_kibana",
        "Elasticsearch/Kibana",
        (9200, 9300, 5601),
        "Internet-reachable Elasticsearch and Kibana are found by scanners within hours and their indices "
        "copied, ransomed or deleted.",
    ),
    (
        "ftp",
        "FTP",
        (20, 21),
        "FTP sends credentials and files in clear text and FTP daemons are a common brute-force and exploit target.",
    ),
    (
        "kafka",
        "Kafka",
        (9092,),
        "An exposed Kafka broker lets outsiders read, inject or delete messages on its topics.",
    ),
    (
        "kerberos",
        "Kerberos",
        (88, 464, 749, 750),
        "Kerberos KDC and password-change services on the internet invite password spraying, roasting attacks "
        "and attacks on the domain's authentication.",
    ),
    (
        "ldap",
        "LDAP",
        (389, 636),
        "A directory reachable from the internet leaks users and groups and allows credential brute-forcing and "
        "LDAP reflection attacks.",
    ),
    (
        "memcached",
        "Memcached",
        (11211,),
        "Memcached has no authentication by default: exposed servers leak cached data and are abused for "
        "amplification attacks.",
    ),
    (
        "mongodb",
        "MongoDB",
        (27017, 27018),
        "Internet-facing MongoDB is a frequent target of data theft and ransom wipes.",
    ),
    (
        "mysql",
        "MySQL",
        (3306,),
        "A MySQL server reachable from the internet is open to credential brute-forcing and database-engine exploits.",
    ),
    (
        "oracle",
        "Oracle",
        (1521, 2483, 2484),
        "An Oracle listener reachable from the internet is open to TNS attacks, credential guessing and "
        "database exploits.",
    ),
    (
        "postgresql",
        "PostgreSQL",
        (5432,),
        "A PostgreSQL server reachable from the internet is open to credential brute-forcing and "
        "database-engine exploits.",
    ),
    (
        "rdp",
        "RDP",
        (3389,),
        "RDP on the internet is a leading ransomware entry point through brute force and RDP vulnerabilities.",
    ),
    (
        "redis",
        "Redis",
        (6379,),
        "Redis trusts whoever connects by default; an exposed server can be read, wiped or turned into remote "
        "code execution.",
    ),
    (
        "sqlserver",
        "SQL Server",
        (1433, 1434),
        "A SQL Server instance reachable from the internet is open to credential brute-forcing and engine exploits.",
    ),
    (
        "ssh",
        "SSH",
        (22,),
        "SSH on the internet draws constant brute-force attempts and exposes the host to any SSH daemon flaw.",
    ),
    (
        "telnet",
        "Telnet",
        (23,),
        "Telnet sends credentials in clear text and exposed Telnet services are a staple of botnet recruitment.",
    ),
]


def _instance_reach(instance, public_subnets: set) -> str:
    """How reachable an instance is, for the status text (Prowler grades severity on the same facts)."""
    public_ip = instance.get("public_ip")
    if public_ip and (instance.region, instance.get("subnet_id")) in public_subnets:
        return f"and is reachable at public IP {public_ip} in a public subnet"
    if public_ip:
        return f"and has public IP {public_ip} (its subnet has no internet gateway route)"
    return "though it has no public IP address today"


def _instance_port_exposure(instances, security_groups, subnets, ports: tuple[int, ...], service_name: str):
    groups = _groups_by_id(security_groups)
    public_subnets = {(s.region, s.id) for s in subnets if s.get("public")}
    for instance in instances:
        exposing: dict[str, list[int]] = {}
        for group in _instance_groups(instance, groups):
            opened = _open_tcp_ports(group, ports)
            if opened:
                exposing[group.id] = opened
        if not exposing:
            yield PASS(
                instance,
                f"EC2 instance {instance.id} does not admit internet traffic to {service_name} "
                f"TCP {_ports_text(ports)}.",
            )
            continue
        opened = sorted({port for found in exposing.values() for port in found})
        yield FAIL(
            instance,
            f"EC2 instance {instance.id} admits internet traffic to {service_name} TCP {_ports_text(opened)} "
            f"through security group(s) {', '.join(exposing)} {_instance_reach(instance, public_subnets)}.",
        )


def _register_instance_port_check(key: str, service_name: str, ports: tuple[int, ...], risk: str) -> None:
    @check(
        id=f"ec2_instance_port_{key}_exposed_to_internet",
        title=f"EC2 instance does not admit internet traffic to {service_name} (TCP {_ports_text(ports)})",
        severity="critical",
        resource_type="AwsEc2Instance",
        reads=["ec2.instances", "ec2.security_groups", "vpc.subnets"],
        risk=risk,
        remediation=f"Remove rules allowing 0.0.0.0/0 or ::/0 to TCP {_ports_text(ports)} from the instance's "
        f"security groups; reach {service_name} over a VPN, PrivateLink or Session Manager port forwarding, "
        "or from named source ranges.",
    )
    def instance_port_exposed(instances, security_groups, subnets):
        yield from _instance_port_exposure(instances, security_groups, subnets, ports, service_name)


for _row in INSTANCE_PORT_CHECKS:
    _register_instance_port_check(*_row)


# -- confidential-workload hosts -------------------------------------------------------------------


@check(
    id="ec2_confidential_workload_host_imdsv2_not_enforced",
    title="Confidential-workload (Nitro Enclave) host enforces IMDSv2",
    severity="high",
    resource_type="AwsEc2Instance",
    reads=["ec2.instances"],
    risk="A Nitro Enclave parent passes its IAM role to the enclave workload; if the host still accepts IMDSv1, "
    "an SSRF on the host exposes the credentials that the enclave's KMS access depends on.",
    remediation="Require IMDSv2 on enclave-enabled instances "
    "(aws ec2 modify-instance-metadata-options --http-tokens required).",
)
def ec2_confidential_workload_host_imdsv2_not_enforced(instances):
    for host in _confidential_hosts(instances):
        tokens = host.get("http_tokens")
        if tokens == "required":
            yield PASS(host, f"Nitro Enclave host {host.id} enforces IMDSv2.")
        else:
            yield FAIL(host, f"Nitro Enclave host {host.id} does not enforce IMDSv2 (HttpTokens={tokens}).")


@check(
    id="ec2_confidential_workload_host_unrestricted_ingress",
    title="Confidential-workload (Nitro Enclave) host exposes no non-standard ports to the internet",
    severity="high",
    resource_type="AwsEc2Instance",
    reads=["ec2.instances", "ec2.security_groups"],
    risk="Every port a Nitro Enclave parent opens to the internet widens the attack surface of the host that "
    "relays all traffic to and from the enclave.",
    remediation="Limit internet ingress on the host's security groups to the ports it must serve (22, 80, 443 "
    "at most) and reach anything else through private networking.",
)
def ec2_confidential_workload_host_unrestricted_ingress(instances, security_groups):
    groups = _groups_by_id(security_groups)
    for host in _confidential_hosts(instances):
        exposed: set[str] = set()
        for group in _instance_groups(host, groups):
            for rule in _internet_rules(group):
                exposed.update(_exposed_non_allowed_ports(rule))
        if exposed:
            ordered = sorted(exposed, key=lambda p: (not p.isdigit(), int(p) if p.isdigit() else 0, p))
            yield FAIL(
                host,
                f"Nitro Enclave host {host.id} exposes ports outside 22/80/443 to the internet: {', '.join(ordered)}.",
            )
        else:
            yield PASS(host, f"Nitro Enclave host {host.id} exposes at most ports 22, 80 and 443 to the internet.")


# -- account settings (one record per region) ----------------------------------------------------------


@check(
    id="ec2_instance_account_imdsv2_enabled",
    title="New EC2 instances require IMDSv2 by default in the region",
    severity="high",
    resource_type="AwsEc2Instance",
    reads=["ec2.instance_metadata_defaults"],
    risk="Without an account-level default, every instance launched without explicit metadata options accepts "
    "IMDSv1, which SSRF bugs can use to steal the instance role's credentials.",
    remediation="Set the region's instance metadata defaults to require IMDSv2 "
    "(aws ec2 modify-instance-metadata-defaults --http-tokens required).",
)
def ec2_instance_account_imdsv2_enabled(defaults):
    for setting in defaults:
        if setting.get("http_tokens") == "required":
            yield PASS(setting, f"Instances launched in {setting.region} require IMDSv2 by default.")
        else:
            yield FAIL(setting, f"Instances launched in {setting.region} do not require IMDSv2 by default.")


@check(
    id="ec2_ebs_default_encryption",
    title="EBS encryption by default is enabled in the region",
    severity="high",
    resource_type="AwsEc2Volume",
    reads=["ec2.ebs_encryption_by_default"],
    risk="Without encryption by default, any volume or snapshot copy created without the flag stores its data "
    "unencrypted.",
    remediation="Turn on EBS encryption by default in every region (aws ec2 enable-ebs-encryption-by-default), "
    "optionally with a customer managed KMS key.",
)
def ec2_ebs_default_encryption(settings):
    for setting in settings:
        if setting.get("enabled"):
            yield PASS(setting, f"EBS encryption by default is enabled in {setting.region}.")
        else:
            yield FAIL(setting, f"EBS encryption by default is disabled in {setting.region}.")


@check(
    id="ec2_ebs_snapshot_account_block_public_access",
    title="EBS snapshot block public access blocks all sharing in the region",
    severity="high",
    resource_type="AwsEc2Volume",
    reads=["ec2.snapshot_block_public_access"],
    risk="Without block public access, one mistaken permission change publishes a snapshot, and with it a "
    "full copy of the volume's data, to every AWS account.",
    remediation="Enable block public access for EBS snapshots in block-all-sharing mode "
    "(aws ec2 enable-snapshot-block-public-access --state block-all-sharing).",
)
def ec2_ebs_snapshot_account_block_public_access(settings):
    for setting in settings:
        state = setting.get("state")
        if state == "block-all-sharing":
            yield PASS(setting, f"EBS snapshot block public access blocks all public sharing in {setting.region}.")
        elif state == "block-new-sharing":
            yield FAIL(
                setting,
                f"EBS snapshot block public access in {setting.region} blocks only new public sharing; "
                "snapshots already public stay public.",
            )
        else:
            yield FAIL(setting, f"EBS snapshot block public access is off in {setting.region} (state {state}).")


# -- EBS volumes, snapshots and AMIs ---------------------------------------------------------------------


@check(
    id="ec2_ebs_volume_encryption",
    title="EBS volume is encrypted",
    severity="high",
    resource_type="AwsEc2Volume",
    reads=["ec2.volumes"],
    risk="Unencrypted volumes and their snapshots expose data to anyone who obtains a copy, and fail most "
    "compliance regimes for data at rest.",
    remediation="Copy the data to an encrypted volume (or restore an encrypted snapshot copy) and turn on EBS "
    "encryption by default in every region.",
)
def ec2_ebs_volume_encryption(volumes):
    for volume in volumes:
        if volume.get("encrypted"):
            yield PASS(volume, f"EBS volume {volume.id} is encrypted.")
        else:
            yield FAIL(volume, f"EBS volume {volume.id} is not encrypted.")


@check(
    id="ec2_ebs_volume_snapshots_exists",
    title="EBS volume has at least one snapshot",
    severity="high",
    resource_type="AwsEc2Volume",
    reads=["ec2.volumes", "ec2.snapshots"],
    risk="A volume without any snapshot cannot be restored after deletion, corruption or ransomware.",
    remediation="Take snapshots of the volume on a schedule (Data Lifecycle Manager or AWS Backup).",
)
def ec2_ebs_volume_snapshots_exists(volumes, snapshots):
    counts: dict[tuple[str, str], int] = {}
    for snapshot in snapshots:
        key = (snapshot.region, snapshot.get("volume_id"))
        counts[key] = counts.get(key, 0) + 1
    for volume in volumes:
        found = counts.get((volume.region, volume.id), 0)
        if found:
            yield PASS(volume, f"EBS volume {volume.id} has {found} snapshot(s).")
        else:
            yield FAIL(volume, f"EBS volume {volume.id} has no snapshot.")


@check(
    id="ec2_ebs_volume_protected_by_backup_plan",
    title="EBS volume is covered by an AWS Backup plan",
    severity="medium",
    resource_type="AwsEc2Volume",
    reads=["ec2.volumes", "ec2.instances", "backup.selections"],
    risk="A volume no backup plan covers has no scheduled, retained backups to recover from deletion, "
    "corruption or ransomware.",
    remediation="Assign the volume (or the instance it is attached to) to an AWS Backup plan, by ARN or by a tag "
    "the plan's resource selection uses.",
)
def ec2_ebs_volume_protected_by_backup_plan(volumes, instances, selections):
    by_region = selections_by_region(selections)
    instance_of = {(i.region, i.id): i for i in instances}
    for volume in volumes:
        in_region = by_region.get(volume.region, [])
        # An EC2 instance backup includes every EBS volume attached to the instance.
        targets = [volume] + [
            instance_of[(volume.region, i)]
            for i in volume.get("attached_instance_ids") or []
            if (volume.region, i) in instance_of
        ]
        covering = sorted(
            {
                plan_label(s) + ("" if target is volume else f" (via {target.id})")
                for s in in_region
                if s.get("complete")
                for target in targets
                if backup_selects(s, target.uid, target.tags)
            }
        )
        if covering:
            yield PASS(volume, f"EBS volume {volume.id} is covered by AWS Backup plan(s) {', '.join(covering)}.")
        elif any(not s.get("complete") for s in in_region):
            yield MANUAL(
                volume,
                f"EBS volume {volume.id} is not covered by any readable backup selection, and some backup "
                "selections in the region could not be read.",
            )
        else:
            yield FAIL(volume, f"EBS volume {volume.id} is not covered by any AWS Backup plan.")


@check(
    id="ec2_ebs_public_snapshot",
    title="EBS snapshot is not public",
    severity="critical",
    resource_type="AwsEc2Volume",
    reads=["ec2.snapshots"],
    risk="Any AWS account can create a volume from a public snapshot and read all the data it holds.",
    remediation="Remove the public create-volume permission (aws ec2 modify-snapshot-attribute --attribute "
    "createVolumePermission --operation-type remove --group-names all) and enable snapshot block public access.",
)
def ec2_ebs_public_snapshot(snapshots):
    for snapshot in snapshots:
        public = snapshot.get("public")
        if public is None:
            continue  # its permissions could not be read; the scan errors say why
        if public:
            yield FAIL(snapshot, f"EBS snapshot {snapshot.id} can be used by any AWS account to create a volume.")
        else:
            yield PASS(snapshot, f"EBS snapshot {snapshot.id} is not public.")


@check(
    id="ec2_ebs_snapshots_encrypted",
    title="EBS snapshot is encrypted",
    severity="high",
    resource_type="AwsEc2Volume",
    reads=["ec2.snapshots"],
    risk="An unencrypted snapshot holds the volume's data in the clear; copied or shared, it carries that data along.",
    remediation="Copy the snapshot with encryption enabled (aws ec2 copy-snapshot --encrypted), delete the "
    "unencrypted original and encrypt the source volume.",
)
def ec2_ebs_snapshots_encrypted(snapshots):
    for snapshot in snapshots:
        if snapshot.get("encrypted"):
            yield PASS(snapshot, f"EBS snapshot {snapshot.id} is encrypted.")
        else:
            yield FAIL(snapshot, f"EBS snapshot {snapshot.id} is not encrypted.")


@check(
    id="ec2_ami_public",
    title="AMI owned by the account is not public",
    severity="critical",
    resource_type="Other",
    reads=["ec2.images"],
    risk="A public AMI lets any AWS account launch a copy of the image, with whatever code, configuration and "
    "credentials were baked into it.",
    remediation="Make the image private (aws ec2 modify-image-attribute --launch-permission "
    '"Remove=[{Group=all}]") and share it only with named accounts; enable image block public access.',
)
def ec2_ami_public(images):
    for image in images:
        label = f"{image.get('name')} ({image.id})" if image.get("name") else image.id
        if image.get("public"):
            yield FAIL(image, f"AMI {label} is public: any AWS account can launch it.")
        else:
            yield PASS(image, f"AMI {label} is private.")


# -- addresses and network interfaces ---------------------------------------------------------------------


@check(
    id="ec2_elastic_ip_unassigned",
    title="Elastic IP address is associated with an instance or network interface",
    severity="low",
    resource_type="AwsEc2Eip",
    reads=["ec2.addresses"],
    risk="An unassociated Elastic IP is forgotten inventory: it costs money, and DNS records still pointing at "
    "it can end up sending traffic to whoever gets the address next.",
    remediation="Associate the address with the resource that needs it, or release it after removing any DNS "
    "records that point to it.",
)
def ec2_elastic_ip_unassigned(addresses):
    for address in addresses:
        ip = address.get("public_ip") or address.id
        if address.get("association_id"):
            target = address.get("instance_id") or address.get("network_interface_id") or "a resource"
            yield PASS(address, f"Elastic IP {ip} ({address.id}) is associated with {target}.")
        else:
            yield FAIL(address, f"Elastic IP {ip} ({address.id}) is not associated with anything.")


# -- launch templates --------------------------------------------------------------------------------------


def _version_list(numbers: list) -> str:
    return ", ".join(str(n) for n in numbers)


@check(
    id="ec2_launch_template_no_public_ip",
    title="EC2 launch template gives its instances no public IP address",
    severity="high",
    resource_type="AwsEc2LaunchTemplate",
    reads=["ec2.launch_templates", "ec2.network_interfaces"],
    risk="Instances launched from a template that assigns public addresses are reachable from the internet as "
    "soon as a security group allows it.",
    remediation="Create a template version without AssociatePublicIpAddress (and without network interfaces "
    "that carry public addresses), make it the default and delete the versions that assign public IPs.",
)
def ec2_launch_template_no_public_ip(templates, network_interfaces):
    public_interfaces = {(n.region, n.id) for n in network_interfaces if n.get("public_ip")}
    for template in templates:
        assigning = [v["number"] for v in template.get("versions") or [] if v.get("associate_public_ip")]
        attaching = [
            v["number"]
            for v in template.get("versions") or []
            if any((template.region, n) in public_interfaces for n in v.get("network_interface_ids") or [])
        ]
        name = template.get("name") or template.id
        problems = []
        if assigning:
            problems.append(f"assigns public IP addresses in version(s) {_version_list(assigning)}")
        if attaching:
            problems.append(f"attaches network interfaces with public IPs in version(s) {_version_list(attaching)}")
        if problems:
            yield FAIL(template, f"EC2 launch template {name} {' and '.join(problems)}.")
        else:
            yield PASS(template, f"EC2 launch template {name} gives its instances no public IP address.")


@check(
    id="ec2_launch_template_imdsv2_required",
    title="EC2 launch template requires IMDSv2 or turns the metadata service off",
    severity="high",
    resource_type="AwsEc2LaunchTemplate",
    reads=["ec2.launch_templates", "ec2.instance_metadata_defaults"],
    risk="Instances launched from a template version that allows IMDSv1 expose their role credentials to any "
    "server-side request forgery in the workload.",
    remediation="Create a template version with MetadataOptions HttpTokens=required (or HttpEndpoint=disabled), "
    "make it the default and delete versions that allow IMDSv1.",
)
def ec2_launch_template_imdsv2_required(templates, defaults):
    region_requires = {d.region for d in defaults if d.get("http_tokens") == "required"}
    for template in templates:
        versions = template.get("versions") or []
        if not versions:
            continue
        loose = [
            v["number"]
            for v in versions
            if v.get("http_endpoint") != "disabled"
            and v.get("http_tokens") != "required"
            and not (v.get("http_tokens") is None and template.region in region_requires)
        ]
        name = template.get("name") or template.id
        if loose:
            yield FAIL(
                template,
                f"EC2 launch template {name} allows IMDSv1 in version(s) {_version_list(loose)}.",
            )
        else:
            yield PASS(template, f"EC2 launch template {name} requires IMDSv2 or disables metadata in every version.")


@check(
    id="ec2_launch_template_no_secrets",
    title="EC2 launch template user data contains no secrets in any version",
    severity="high",
    resource_type="AwsEc2LaunchTemplate",
    reads=["ec2.launch_templates"],
    risk="Launch template user data is readable by anyone allowed to describe template versions and by every "
    "instance launched from it, so credentials in it leak easily.",
    remediation="Create a template version without the secrets, delete the versions that hold them, rotate "
    "the secrets and fetch them at boot from Secrets Manager or Parameter Store.",
)
def ec2_launch_template_no_secrets(templates):
    for template in templates:
        versions = template.get("versions") or []
        if not versions:
            continue
        found = [
            f"version {v['number']}: {describe_hits(v['user_data']['secrets'])}"
            for v in versions
            if (v.get("user_data") or {}).get("secrets")
        ]
        name = template.get("name") or template.id
        if found:
            yield FAIL(template, f"EC2 launch template {name} has secret-looking user data in {'; '.join(found)}.")
        else:
            yield PASS(template, f"EC2 launch template {name} has no secret-looking user data in any version.")


# -- security groups -----------------------------------------------------------------------------------


@check(
    id="ec2_securitygroup_allow_ingress_from_internet_to_all_ports",
    title="Security group does not open every port to the internet",
    severity="critical",
    resource_type="AwsEc2SecurityGroup",
    reads=["ec2.security_groups"],
    risk="A group that admits all traffic from anywhere exposes every service on its members, including ones "
    "never meant to be reachable.",
    remediation="Replace all-traffic or 0-65535 rules from 0.0.0.0/0 or ::/0 with rules for the specific ports "
    "and source ranges the workload needs.",
)
def ec2_securitygroup_allow_ingress_from_internet_to_all_ports(security_groups):
    for group in security_groups:
        if any(_rule_opens_all_ports(rule) for rule in _internet_rules(group)):
            yield FAIL(group, f"Security group {_group_label(group)} opens all ports to the internet.")
        else:
            yield PASS(group, f"Security group {_group_label(group)} does not open all ports to the internet.")


@check(
    id="ec2_securitygroup_allow_ingress_from_internet_to_any_port",
    title="Security group admits no internet traffic, unless it only fronts load balancers or endpoints",
    severity="high",
    resource_type="AwsEc2SecurityGroup",
    reads=["ec2.security_groups", "ec2.network_interfaces"],
    risk="Any port open to 0.0.0.0/0 or ::/0 on a group used by instances or other customer-managed interfaces "
    "exposes those services to the whole internet.",
    remediation="Narrow internet-facing rules to known source ranges, or put the service behind a load balancer, "
    "API Gateway or VPC endpoint and allow only that front end in the group.",
)
def ec2_securitygroup_allow_ingress_from_internet_to_any_port(security_groups, network_interfaces):
    users = _interfaces_by_group(network_interfaces)
    for group in security_groups:
        if not _internet_rules(group):
            yield PASS(group, f"Security group {_group_label(group)} admits no traffic from the internet.")
            continue
        interfaces = users.get((group.region, group.id), [])
        exposed = [n for n in interfaces if not _allowed_front_end(n)]
        if exposed:
            first = exposed[0]
            owner = first.get("instance_owner_id") or first.get("instance_id") or "this account"
            yield FAIL(
                group,
                f"Security group {_group_label(group)} admits internet traffic and is attached to "
                f"{len(exposed)} network interface(s) that are not load balancer or endpoint interfaces "
                f"(e.g. {first.id}, type {first.get('type')}, owner {owner}).",
            )
        elif interfaces:
            yield PASS(
                group,
                f"Security group {_group_label(group)} admits internet traffic only to load balancer, "
                "API Gateway or VPC endpoint interfaces.",
            )
        else:
            yield PASS(
                group,
                f"Security group {_group_label(group)} admits internet traffic but is not attached to any "
                "network interface.",
            )


def _interfaces_by_group(network_interfaces) -> dict[tuple[str, str], list]:
    users: dict[tuple[str, str], list] = {}
    for interface in network_interfaces:
        for group_id in interface.get("group_ids") or []:
            users.setdefault((interface.region, group_id), []).append(interface)
    return users


def _allowed_front_end(interface) -> bool:
    return (
        interface.get("type") in ALLOWED_INTERFACE_TYPES
        or interface.get("instance_owner_id") in ALLOWED_INSTANCE_OWNERS
    )


@check(
    id="ec2_securitygroup_allow_ingress_from_internet_to_high_risk_tcp_ports",
    title="Security group does not admit the internet to high-risk TCP ports",
    severity="high",
    resource_type="AwsEc2SecurityGroup",
    reads=["ec2.security_groups"],
    risk="Mail, RPC, SMB and common development and admin ports (25, 110, 135, 143, 445, 3000, 4333, 5000, "
    "5500, 8080, 8088) are frequent targets; open to the internet they invite exploitation and data theft.",
    remediation="Remove rules allowing 0.0.0.0/0 or ::/0 to these ports, or restrict them to known source "
    "ranges; publish web applications through a load balancer instead.",
)
def ec2_securitygroup_allow_ingress_from_internet_to_high_risk_tcp_ports(security_groups):
    yield from _port_check(security_groups, HIGH_RISK_TCP_PORTS, "high-risk services")


# (check id, service, TCP ports, what exposing it risks)
SECURITY_GROUP_PORT_CHECKS = [
    (
        "ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_22",
        "SSH",
        (22,),
        "SSH open to the internet invites brute-force and exploitation of the SSH service on every member.",
    ),
    (
        "ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_3389",
        "RDP",
        (3389,),
        "RDP open to the internet is a leading ransomware entry point through brute force and RDP flaws.",
    ),
    (
        "ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_cassandra_7199_9160_8888",
        "Cassandra",
        (7199, 9160, 8888),
        "Cassandra's JMX, Thrift and OpsCenter ports on the internet let anyone read or change the cluster's data "
        "and configuration.",
    ),
    (
        "ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_elasticsearch_kibana_9200_9300_5601",
        "Elasticsearch/Kibana",
        (9200, 9300, 5601),
        "Internet-reachable Elasticsearch and Kibana are found by scanners within hours and their indices "
        "copied, ransomed or deleted.",
    ),
    (
        "ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_ftp_20_21",
        "FTP",
        (20, 21),
        "FTP sends credentials and files in clear text and FTP daemons are a common brute-force and exploit target.",
    ),
    (
        "ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_kafka_9092",
        "Kafka",
        (9092,),
        "An exposed Kafka broker lets outsiders read, inject or delete messages on its topics.",
    ),
    (
        "ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_memcached_11211",
        "Memcached",
        (11211,),
        "Memcached has no authentication by default: exposed servers leak cached data and are abused for "
        "amplification attacks.",
    ),
    (
        "ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_mongodb_27017_27018",
        "MongoDB",
        (27017, 27018),
        "Internet-facing MongoDB is a frequent target of data theft and ransom wipes.",
    ),
    (
        "ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_mysql_3306",
        "MySQL",
        (3306,),
        "A MySQL server reachable from the internet is open to credential brute-forcing and database-engine exploits.",
    ),
    (
        "ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_oracle_1521_2483",
        "Oracle",
        (1521, 2483),
        "An Oracle listener reachable from the internet is open to TNS attacks, credential guessing and "
        "database exploits.",
    ),
    (
        "ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_postgres_5432",
        "PostgreSQL",
        (5432,),
        "A PostgreSQL server reachable from the internet is open to credential brute-forcing and "
        "database-engine exploits.",
    ),
    (
        "ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_redis_6379",
        "Redis",
        (6379,),
        "Redis trusts whoever connects by default; an exposed server can be read, wiped or turned into remote "
        "code execution.",
    ),
    (
        "ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_sql_server_1433_1434",
        "SQL Server",
        (1433, 1434),
        "A SQL Server instance reachable from the internet is open to credential brute-forcing and engine exploits.",
    ),
    (
        "ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_telnet_23",
        "Telnet",
        (23,),
        "Telnet sends credentials in clear text and exposed Telnet services are a staple of botnet recruitment.",
    ),
]


def _register_security_group_port_check(check_id: str, service_name: str, ports: tuple[int, ...], risk: str) -> None:
    @check(
        id=check_id,
        title=f"Security group does not allow {service_name} (TCP {_ports_text(ports)}) from the internet",
        severity="high",
        resource_type="AwsEc2SecurityGroup",
        reads=["ec2.security_groups"],
        risk=risk,
        remediation=f"Remove rules allowing 0.0.0.0/0 or ::/0 to TCP {_ports_text(ports)}; reach {service_name} "
        "over a VPN, PrivateLink, a bastion or Session Manager, or allow only named source ranges.",
    )
    def security_group_port_open(security_groups):
        yield from _port_check(security_groups, ports, service_name)


for _row in SECURITY_GROUP_PORT_CHECKS:
    _register_security_group_port_check(*_row)


@check(
    id="ec2_securitygroup_allow_wide_open_public_ipv4",
    title="Security group has no rules for wide public IPv4 ranges (/1 to /23)",
    severity="high",
    resource_type="AwsEc2SecurityGroup",
    reads=["ec2.security_groups"],
    risk="A rule for a wide public range (a /8 or /16 of someone else's address space) admits or reaches far "
    "more hosts than intended, often a whole cloud provider or ISP.",
    remediation="Replace wide public CIDR ranges with the specific addresses (/24 or narrower) or prefix lists "
    "the workload needs.",
)
def ec2_securitygroup_allow_wide_open_public_ipv4(security_groups):
    for group in security_groups:
        wide = [
            f"{cidr} ({direction})"
            for direction, key in (("inbound", "ingress_rules"), ("outbound", "egress_rules"))
            for rule in group.get(key) or []
            for cidr in (r.get("CidrIp") for r in rule.get("IpRanges") or [])
            if _wide_public_ipv4(cidr)
        ]
        if wide:
            yield FAIL(
                group, f"Security group {_group_label(group)} has rules for wide public ranges: {', '.join(wide)}."
            )
        else:
            yield PASS(group, f"Security group {_group_label(group)} has no rules for wide public IPv4 ranges.")


def _wide_public_ipv4(cidr) -> bool:
    try:
        network = ipaddress.ip_network(str(cidr), strict=False)
    except ValueError:
        return False
    return network.version == 4 and network.is_global and 0 < network.prefixlen < WIDE_OPEN_PREFIX


@check(
    id="ec2_securitygroup_not_used",
    title="Non-default security group is in use",
    severity="low",
    resource_type="AwsEc2SecurityGroup",
    reads=["ec2.security_groups", "ec2.network_interfaces"],
    risk="Unused security groups pile up with stale rules; attached later by mistake, they grant access nobody "
    "reviewed.",
    remediation="Delete security groups that no network interface uses and no other group references.",
)
def ec2_securitygroup_not_used(security_groups, network_interfaces):
    users = _interfaces_by_group(network_interfaces)
    referenced = {
        (group.region, pair.get("GroupId"))
        for group in security_groups
        for key in ("ingress_rules", "egress_rules")
        for rule in group.get(key) or []
        for pair in rule.get("UserIdGroupPairs") or []
        if pair.get("GroupId") and pair.get("GroupId") != group.id
    }
    for group in security_groups:
        if group.get("name") == "default":
            continue  # a VPC's default group cannot be deleted
        attached = users.get((group.region, group.id), [])
        if attached:
            yield PASS(group, f"Security group {_group_label(group)} is used by {len(attached)} network interface(s).")
        elif (group.region, group.id) in referenced:
            yield PASS(group, f"Security group {_group_label(group)} is referenced by another security group's rules.")
        else:
            yield FAIL(
                group,
                f"Security group {_group_label(group)} is not used by any network interface or security group rule.",
            )


@check(
    id="ec2_securitygroup_default_restrict_traffic",
    title="VPC default security group has no inbound or outbound rules",
    severity="high",
    resource_type="AwsEc2SecurityGroup",
    reads=["ec2.security_groups"],
    risk="Resources launched without an explicit group land in the default group; if it has rules they get "
    "network access nobody chose for them.",
    remediation="Delete every inbound and outbound rule of each VPC's default security group and attach "
    "purpose-built groups instead.",
)
def ec2_securitygroup_default_restrict_traffic(security_groups):
    for group in security_groups:
        if group.get("name") != "default":
            continue
        inbound, outbound = len(group.get("ingress_rules") or []), len(group.get("egress_rules") or [])
        where = f" of VPC {group['vpc_id']}" if group.get("vpc_id") else ""
        if inbound == 0 and outbound == 0:
            yield PASS(group, f"Default security group {group.id}{where} has no inbound or outbound rules.")
        else:
            yield FAIL(
                group,
                f"Default security group {group.id}{where} has {inbound} inbound and {outbound} outbound rule(s).",
            )


# -- network ACLs ----------------------------------------------------------------------------------------


@check(
    id="ec2_networkacl_allow_ingress_any_port",
    title="Network ACL does not allow all inbound traffic from the internet",
    severity="high",
    resource_type="AwsEc2NetworkAcl",
    reads=["ec2.network_acls"],
    risk="An ACL that admits all traffic from anywhere leaves security groups as the only network control "
    "for its subnets.",
    remediation="Replace the all-traffic allow from 0.0.0.0/0 or ::/0 with entries for the ports the subnets "
    "serve, and deny the rest.",
)
def ec2_networkacl_allow_ingress_any_port(network_acls):
    for acl in network_acls:
        if _nacl_admits(acl.get("entries") or [], "-1", None):
            yield FAIL(acl, f"Network ACL {acl.id} allows all inbound traffic from the internet.")
        else:
            yield PASS(acl, f"Network ACL {acl.id} does not allow all inbound traffic from the internet.")


@check(
    id="ec2_networkacl_allow_ingress_tcp_port_22",
    title="Network ACL does not allow SSH (TCP 22) from the internet",
    severity="medium",
    resource_type="AwsEc2NetworkAcl",
    reads=["ec2.network_acls"],
    risk="An ACL admitting SSH from anywhere removes a layer of defence for every instance in its subnets.",
    remediation="Add a lower-numbered deny for TCP 22 from 0.0.0.0/0 and ::/0, or narrow the allow to known "
    "source ranges.",
)
def ec2_networkacl_allow_ingress_tcp_port_22(network_acls):
    yield from _nacl_port_check(network_acls, 22, "SSH")


@check(
    id="ec2_networkacl_allow_ingress_tcp_port_3389",
    title="Network ACL does not allow RDP (TCP 3389) from the internet",
    severity="medium",
    resource_type="AwsEc2NetworkAcl",
    reads=["ec2.network_acls"],
    risk="An ACL admitting RDP from anywhere removes a layer of defence for every instance in its subnets.",
    remediation="Add a lower-numbered deny for TCP 3389 from 0.0.0.0/0 and ::/0, or narrow the allow to known "
    "source ranges.",
)
def ec2_networkacl_allow_ingress_tcp_port_3389(network_acls):
    yield from _nacl_port_check(network_acls, 3389, "RDP")


@check(
    id="ec2_networkacl_unused",
    title="Non-default network ACL is associated with a subnet",
    severity="low",
    resource_type="AwsEc2NetworkAcl",
    reads=["ec2.network_acls"],
    risk="Unassociated network ACLs are clutter whose rules nobody reviews; associated later by mistake, they "
    "change a subnet's access unexpectedly.",
    remediation="Associate the ACL with the subnets it was made for, or delete it.",
)
def ec2_networkacl_unused(network_acls):
    for acl in network_acls:
        if acl.get("is_default"):
            continue
        subnets = acl.get("subnet_ids") or []
        if subnets:
            yield PASS(acl, f"Network ACL {acl.id} is associated with subnet(s) {', '.join(subnets)}.")
        else:
            yield FAIL(acl, f"Network ACL {acl.id} is not associated with any subnet.")


# -- transit gateways and Client VPN ------------------------------------------------------------------------


@check(
    id="ec2_transitgateway_auto_accept_vpc_attachments",
    title="Transit gateway does not automatically accept shared VPC attachments",
    severity="high",
    resource_type="AwsEc2TransitGateway",
    reads=["ec2.transit_gateways"],
    risk="With auto-accept on, any account the gateway is shared with can attach its VPCs and route into every "
    "network connected to the gateway without review.",
    remediation="Turn off AutoAcceptSharedAttachments (aws ec2 modify-transit-gateway --options "
    "AutoAcceptSharedAttachments=disable) and accept attachments individually.",
)
def ec2_transitgateway_auto_accept_vpc_attachments(gateways):
    for gateway in gateways:
        if gateway.get("auto_accept_shared_attachments") == "enable":
            yield FAIL(gateway, f"Transit gateway {gateway.id} automatically accepts shared VPC attachments.")
        else:
            yield PASS(gateway, f"Transit gateway {gateway.id} requires shared VPC attachments to be accepted.")


@check(
    id="ec2_client_vpn_endpoint_connection_logging_enabled",
    title="Client VPN endpoint logs client connections",
    severity="low",
    resource_type="AwsEc2ClientVpnEndpoint",
    reads=["ec2.client_vpn_endpoints"],
    risk="Without connection logs there is no record of who connected to the network through the VPN, from "
    "where and when, which blinds incident response.",
    remediation="Enable connection logging to a CloudWatch Logs log group "
    "(aws ec2 modify-client-vpn-endpoint --connection-log-options Enabled=true,CloudwatchLogGroup=...).",
)
def ec2_client_vpn_endpoint_connection_logging_enabled(endpoints):
    for endpoint in endpoints:
        if endpoint.get("connection_logging"):
            where = f" to {endpoint['log_group']}" if endpoint.get("log_group") else ""
            yield PASS(endpoint, f"Client VPN endpoint {endpoint.id} logs client connections{where}.")
        else:
            yield FAIL(endpoint, f"Client VPN endpoint {endpoint.id} does not log client connections.")
