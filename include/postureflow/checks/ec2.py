"""EC2 checks: instances, EBS volumes, security groups and network ACLs."""

from __future__ import annotations

from typing import Iterable

from postureflow.checks.base import FAIL, PASS, check

INTERNET_V4 = "0.0.0.0/0"
INTERNET_V6 = "::/0"
ALL_PORTS = (0, 65535)
TCP = ("tcp", "6")
UDP = ("udp", "17")
# Ports a confidential-workload host may open to the internet (Prowler's default allow-list).
CONFIDENTIAL_HOST_ALLOWED_PORTS = frozenset({22, 80, 443})
# Instance states in which a host is in transition and not judged as a confidential-workload host.
TRANSIENT_STATES = {"pending", "shutting-down", "terminated"}


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


def _group_label(group) -> str:
    name = group.get("name")
    return f"{name} ({group.id})" if name and name != group.id else group.id


def _groups_by_id(security_groups) -> dict[tuple[str, str], object]:
    return {(g.region, g.id): g for g in security_groups}


def _instance_groups(instance, groups: dict) -> list:
    keys = [(instance.region, gid) for gid in instance.get("security_group_ids") or []]
    return [groups[key] for key in keys if key in groups]


def _port_check(security_groups, port: int, service_name: str):
    for group in security_groups:
        what = f"ingress from the internet to TCP port {port} ({service_name})"
        if any(_rule_opens_tcp_port(rule, port) for rule in _internet_rules(group)):
            yield FAIL(group, f"Security group {_group_label(group)} allows {what}.")
        else:
            yield PASS(group, f"Security group {_group_label(group)} does not allow {what}.")


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
    id="ec2_instance_port_cifs_exposed_to_internet",
    title="EC2 instance does not admit internet traffic to CIFS/SMB ports (TCP 139, 445)",
    severity="critical",
    resource_type="AwsEc2Instance",
    reads=["ec2.instances", "ec2.security_groups", "vpc.subnets"],
    risk="SMB/CIFS exposed to the internet is a favourite target for worms, ransomware and credential "
    "brute-forcing, and leaks file shares.",
    remediation="Remove security group rules that allow 0.0.0.0/0 or ::/0 to TCP 139 or 445 on the instance's "
    "groups; reach file shares over a VPN or private link instead.",
)
def ec2_instance_port_cifs_exposed_to_internet(instances, security_groups, subnets):
    groups = _groups_by_id(security_groups)
    public_subnets = {(s.region, s.id) for s in subnets if s.get("public")}
    for instance in instances:
        exposing = [
            g.id
            for g in _instance_groups(instance, groups)
            if any(_rule_opens_tcp_port(r, 139) or _rule_opens_tcp_port(r, 445) for r in _internet_rules(g))
        ]
        if not exposing:
            yield PASS(instance, f"EC2 instance {instance.id} does not admit internet traffic to CIFS ports 139/445.")
            continue
        if instance.get("public_ip") and (instance.region, instance.get("subnet_id")) in public_subnets:
            reach = f"and is reachable at public IP {instance['public_ip']} in a public subnet"
        elif instance.get("public_ip"):
            reach = f"and has public IP {instance['public_ip']} (its subnet has no internet gateway route)"
        else:
            reach = "though it has no public IP address today"
        yield FAIL(
            instance,
            f"EC2 instance {instance.id} admits internet traffic to CIFS ports 139/445 through security group(s) "
            f"{', '.join(exposing)} {reach}.",
        )


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


# -- EBS ---------------------------------------------------------------------------------------------


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
    id="ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_22",
    title="Security group does not allow SSH (TCP 22) from the internet",
    severity="high",
    resource_type="AwsEc2SecurityGroup",
    reads=["ec2.security_groups"],
    risk="SSH open to the internet invites brute-force and exploitation of the SSH service on every member.",
    remediation="Remove rules allowing 0.0.0.0/0 or ::/0 to TCP 22; use Session Manager, a bastion or a VPN "
    "with narrow source ranges.",
)
def ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_22(security_groups):
    yield from _port_check(security_groups, 22, "SSH")


@check(
    id="ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_3389",
    title="Security group does not allow RDP (TCP 3389) from the internet",
    severity="high",
    resource_type="AwsEc2SecurityGroup",
    reads=["ec2.security_groups"],
    risk="RDP open to the internet is a leading ransomware entry point through brute force and RDP flaws.",
    remediation="Remove rules allowing 0.0.0.0/0 or ::/0 to TCP 3389; use Fleet Manager, a bastion or a VPN "
    "with narrow source ranges.",
)
def ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_3389(security_groups):
    yield from _port_check(security_groups, 3389, "RDP")


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
