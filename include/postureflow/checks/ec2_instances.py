"""EC2 instance checks: metadata service, roles, addresses, age, user data, the ports their security
groups open to the internet (``INSTANCE_PORT_CHECKS``, one shared rule over a table of ports) and
Nitro Enclave (confidential-workload) hosts; and the region's instance metadata default.
"""

from __future__ import annotations

import ipaddress
import re

from postureflow.checks._in_use import SCAN_UNUSED, judged, regions_with
from postureflow.checks.base import FAIL, MANUAL, PASS, check, days_since, parse_time
from postureflow.checks.ec2_securitygroups import (
    ALL_PORTS,
    TCP,
    UDP,
    _groups_by_id,
    _instance_groups,
    _internet_rules,
    _open_tcp_ports,
    _port_range,
    _ports_text,
)
from postureflow.secrets import describe_hits

# Ports a confidential-workload host may open to the internet (Prowler's default allow-list).
CONFIDENTIAL_HOST_ALLOWED_PORTS = frozenset({22, 80, 443})
# Instance states in which a host is in transition and not judged as a confidential-workload host.
TRANSIENT_STATES = {"pending", "shutting-down", "terminated"}
# States in which a Nitro Enclave parent has destroyed its enclaves.
ENCLAVE_GONE_STATES = {"stopped", "shutting-down", "terminated"}
# TCP ports vsock-proxy applications commonly listen on (Prowler's enclave_vsock_ports default).
VSOCK_PROXY_PORTS = frozenset({5000, *range(8000, 8091), 9000})
# EC2's StateTransitionReason for a stop: "User initiated (2016-09-14 15:07:39 GMT)".
STOPPED_AT = re.compile(r"\((\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}) GMT\)")


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
    service="ec2",
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
    service="ec2",
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
    service="ec2",
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
    service="ec2",
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
    service="ec2",
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
        if managed:
            yield PASS(instance, f"EC2 instance {instance.id} is managed by Systems Manager.")
        elif state != "running":
            yield PASS(instance, f"EC2 instance {instance.id} is not managed by Systems Manager but is {state}.")
        else:
            yield FAIL(instance, f"EC2 instance {instance.id} is running and not managed by Systems Manager.")


@check(
    id="ec2_instance_older_than_specific_days",
    service="ec2",
    title="Running EC2 instance was launched recently enough (max_ec2_instance_age_in_days, 180 by default)",
    severity="medium",
    resource_type="AwsEc2Instance",
    reads=["ec2.instances"],
    config=["max_ec2_instance_age_in_days"],
    risk="Long-running instances tend to carry unpatched operating systems and configuration drift; "
    "replacing hosts regularly keeps them on current, known-good images.",
    remediation="Rebuild old instances from a current AMI (or an Auto Scaling instance refresh) and keep "
    "hosts short-lived.",
)
def ec2_instance_older_than_specific_days(instances, now, config):
    limit = config["max_ec2_instance_age_in_days"]
    for instance in instances:
        if instance.get("state") != "running":
            continue
        age = days_since(instance.get("launch_time"), now)
        if age is None:
            continue
        if age > limit:
            yield FAIL(instance, f"EC2 instance {instance.id} has been running for {int(age)} days, more than {limit}.")
        else:
            yield PASS(instance, f"EC2 instance {instance.id} was launched {int(age)} days ago (limit {limit}).")


@check(
    id="ec2_instance_paravirtual_type",
    service="ec2",
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
    service="ec2",
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
    service="ec2",
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
        user_data = instance.get("user_data") or {}
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
        service="ec2",
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
    service="ec2",
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
    service="ec2",
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
    service="ec2",
    title="New EC2 instances require IMDSv2 by default in the region",
    severity="high",
    resource_type="AwsEc2Instance",
    reads=["ec2.instance_metadata_defaults", "ec2.instances"],
    config=[SCAN_UNUSED],
    risk="Without an account-level default, every instance launched without explicit metadata options accepts "
    "IMDSv1, which SSRF bugs can use to steal the instance role's credentials.",
    remediation="Set the region's instance metadata defaults to require IMDSv2 "
    "(aws ec2 modify-instance-metadata-defaults --http-tokens required).",
)
def ec2_instance_account_imdsv2_enabled(defaults, instances, config, listed):
    # Like Prowler, only regions with instances are judged unless unused services are scanned.
    used = regions_with(instances)
    for setting in defaults:
        if not judged(config, setting.region in used, listed.complete("ec2.instances", setting.region)):
            continue
        if setting.get("http_tokens") == "required":
            yield PASS(setting, f"Instances launched in {setting.region} require IMDSv2 by default.")
        else:
            yield FAIL(setting, f"Instances launched in {setting.region} do not require IMDSv2 by default.")


@check(
    id="ec2_confidential_workload_host_not_running",
    service="ec2",
    title="Nitro Enclave parent instance is running",
    severity="medium",
    resource_type="AwsEc2Instance",
    reads=["ec2.instances"],
    risk="Enclaves die with their parent: a stopped or terminating enclave host means every consumer of the "
    "enclave (key release, attestation, signing) is failing, or a lifecycle change went unnoticed.",
    remediation="Start the instance again (and its enclave), or remove the dependency on it and terminate it.",
)
def ec2_confidential_workload_host_not_running(instances):
    for host in instances:
        if not host.get("enclaves_enabled"):
            continue
        state = host.get("state")
        if state in ENCLAVE_GONE_STATES:
            yield FAIL(host, f"Nitro Enclave host {host.id} is {state}; its enclaves no longer exist.")
        else:
            yield PASS(host, f"Nitro Enclave host {host.id} is {state}.")


@check(
    id="ec2_confidential_workload_host_public_ip",
    service="ec2",
    title="Confidential-workload (Nitro Enclave) host is not reachable from the internet",
    severity="medium",
    resource_type="AwsEc2Instance",
    reads=["ec2.instances", "ec2.network_interfaces", "vpc.subnets"],
    risk="An enclave parent with a public address or in a subnet routed to an internet gateway can be attacked "
    "directly, and it relays every byte that reaches the enclave.",
    remediation="Move the host to a private subnet (outbound through NAT or VPC endpoints), release its public "
    "IPv4 and remove global IPv6 addresses from its interfaces.",
)
def ec2_confidential_workload_host_public_ip(instances, network_interfaces, subnets):
    interfaces = {(n.region, n.id): n for n in network_interfaces}
    subnet_of = {(s.region, s.id): s for s in subnets}
    for host in _confidential_hosts(instances):
        exposure, unseen = [], []
        if host.get("public_ip"):
            exposure.append(f"public IPv4 {host.get('public_ip')}")
        for attached in host.get("network_interfaces") or []:
            interface = interfaces.get((host.region, attached.get("id")))
            if interface is None:
                unseen.append(f"network interface {attached.get('id')}")
                continue
            addresses = [a for a in interface.get("ipv6_addresses") or [] if ipaddress.ip_address(a).is_global]
            if addresses:
                exposure.append(f"global IPv6 {', '.join(addresses)} on {interface.id}")
        subnet_id = host.get("subnet_id")
        subnet = subnet_of.get((host.region, subnet_id))
        if subnet_id and subnet is None:
            unseen.append(f"subnet {subnet_id}")
        elif subnet is not None and subnet.get("public"):
            exposure.append(f"subnet {subnet_id} routes the internet to an internet gateway")
        if exposure:
            yield FAIL(host, f"Nitro Enclave host {host.id} is reachable from the internet: {'; '.join(exposure)}.")
        elif unseen:
            yield MANUAL(host, f"No verdict: Nitro Enclave host {host.id}: {', '.join(unseen)} not in the inventory.")
        else:
            yield PASS(host, f"Nitro Enclave host {host.id} has no public address and sits in a private subnet.")


@check(
    id="ec2_confidential_workload_host_vsock_proxy_exposed",
    service="ec2",
    title="Confidential-workload (Nitro Enclave) host does not open likely vsock-proxy TCP ports to the internet",
    severity="medium",
    resource_type="AwsEc2Instance",
    reads=["ec2.instances", "ec2.security_groups"],
    risk="vsock-proxy applications bridge TCP ports on the host to the enclave's vsock channel; opened to the "
    "internet (ports 5000, 8000-8090, 9000 by convention) they let anyone talk to the enclave's channel.",
    remediation="Remove internet ingress to these ports from the host's security groups; keep the proxy "
    "reachable only from the host itself or named private ranges.",
)
def ec2_confidential_workload_host_vsock_proxy_exposed(instances, security_groups):
    # A heuristic like Prowler's: the ports are the vsock-proxy convention, a different service may listen there.
    groups = _groups_by_id(security_groups)
    for host in _confidential_hosts(instances):
        exposed = {port for group in _instance_groups(host, groups) for port in _open_tcp_ports(group, VSOCK_PROXY_PORTS)}
        unseen = [g for g in host.get("security_group_ids") or [] if (host.region, g) not in groups]
        if exposed:
            ports = sorted(exposed)
            text = f"{ports[0]}-{ports[-1]} ({len(ports)} ports)" if len(ports) > 10 else ", ".join(map(str, ports))
            yield FAIL(host, f"Nitro Enclave host {host.id} opens likely vsock-proxy TCP ports to the internet: {text}.")
        elif unseen:
            yield MANUAL(host, f"No verdict: Nitro Enclave host {host.id}: security group(s) {', '.join(unseen)} "
                         "not in the inventory.")  # fmt: skip
        else:
            yield PASS(host, f"Nitro Enclave host {host.id} opens no likely vsock-proxy TCP port to the internet.")


# -- monitoring, stopped instances and AMIs -----------------------------------------------------------


@check(
    id="ec2_instance_detailed_monitoring_enabled",
    service="ec2",
    title="EC2 instance has detailed (one-minute) monitoring enabled",
    severity="low",
    resource_type="AwsEc2Instance",
    reads=["ec2.instances"],
    risk="With basic five-minute metrics, short CPU, network or status spikes go unseen and alarms react late.",
    remediation="Enable detailed monitoring (aws ec2 monitor-instances --instance-ids ...).",
)
def ec2_instance_detailed_monitoring_enabled(instances):
    for instance in instances:
        state = instance.get("monitoring")
        if state == "enabled":
            yield PASS(instance, f"EC2 instance {instance.id} has detailed monitoring enabled.")
        else:
            yield FAIL(instance, f"EC2 instance {instance.id} does not have detailed monitoring enabled ({state}).")


@check(
    id="ec2_instance_stopped_older_than_specific_days",
    service="ec2",
    title="EC2 instance has not been stopped longer than max_ec2_instance_stopped_days (30 by default)",
    severity="low",
    resource_type="AwsEc2Instance",
    reads=["ec2.instances"],
    config=["max_ec2_instance_stopped_days"],
    risk="Instances stopped for long keep their volumes (and costs), miss every patch, and come back with stale "
    "software and credentials when someone starts them again.",
    remediation="Terminate instances no longer needed (after a snapshot or AMI if their data matters), or start "
    "and patch them.",
)
def ec2_instance_stopped_older_than_specific_days(instances, now, config):
    limit = config["max_ec2_instance_stopped_days"]
    for instance in instances:
        if instance.get("state") != "stopped":
            yield PASS(instance, f"EC2 instance {instance.id} is not stopped ({instance.get('state')}).")
            continue
        stamp = STOPPED_AT.search(str(instance.get("state_reason") or ""))
        stopped = parse_time(stamp.group(1).replace(" ", "T")) if stamp else None
        if stopped is None:
            # Prowler PASSes a stopped instance whose stop time it cannot tell; unknown is no verdict here.
            yield MANUAL(instance, f"No verdict: EC2 instance {instance.id} is stopped but its stop time is not "
                         f"stated ({instance.get('state_reason')!r}).")  # fmt: skip
            continue
        days = int((now - stopped).total_seconds() // 86400)
        if days > limit:
            yield FAIL(instance, f"EC2 instance {instance.id} has been stopped for {days} days, more than {limit}.")
        else:
            yield PASS(instance, f"EC2 instance {instance.id} has been stopped for {days} days (limit {limit}).")


@check(
    id="ec2_instance_with_outdated_ami",
    service="ec2",
    title="EC2 instance does not run an Amazon AMI past its deprecation date",
    severity="medium",
    resource_type="AwsEc2Instance",
    reads=["ec2.instances"],
    risk="A deprecated Amazon AMI no longer receives updates: instances built from it start with an operating "
    "system missing every fix released since.",
    remediation="Rebuild the instance from the current Amazon AMI of the same family (or an image of yours based "
    "on it), then retire the old one.",
)
def ec2_instance_with_outdated_ami(instances, now):
    # Like Prowler, only Amazon's AMIs are judged: their deprecation date is Amazon's statement that the
    # image is outdated, while a date on an image of your own or a partner's means what its owner chose.
    for instance in instances:
        if instance.lacks("ami"):
            continue  # AWS no longer shows the AMI: whose it was cannot be told
        ami = instance.get("ami") or {}
        if instance.readable("ami") and ami.get("owner_alias") != "amazon":
            continue
        deprecated = parse_time(ami.get("deprecation_time"))
        image = instance.get("image_id")
        if deprecated is not None and deprecated < now:
            yield FAIL(instance, f"EC2 instance {instance.id} runs Amazon AMI {image}, deprecated on {deprecated:%Y-%m-%d}.")
        else:
            yield PASS(instance, f"EC2 instance {instance.id} runs Amazon AMI {image}, which is not deprecated.")
