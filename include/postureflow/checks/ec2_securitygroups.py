"""EC2 security group checks, and the rule helpers the instance checks share.

The port-exposure checks are one shared rule over a table of ports
(``SECURITY_GROUP_PORT_CHECKS``); every row is still a check of its own, with its
Prowler id.
"""

from __future__ import annotations

import ipaddress
from typing import Iterable

from postureflow.checks._in_use import INTERFACES, SCAN_UNUSED, interfaces_by_group, judged
from postureflow.checks.base import FAIL, PASS, check

INTERNET_V4 = "0.0.0.0/0"
INTERNET_V6 = "::/0"
ALL_PORTS = (0, 65535)
TCP = ("tcp", "6")
UDP = ("udp", "17")
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


def _groups_in_use(security_groups, network_interfaces, config, listed) -> list:
    """The groups Prowler judges without scan_unused_services: those a network interface carries (and so
    whose VPC is in use), plus those of regions where the interfaces could not be listed (no verdict)."""
    users = interfaces_by_group(network_interfaces)
    return [
        g for g in security_groups
        if judged(config, (g.region, g.id) in users, listed.complete(INTERFACES, g.region))
    ]  # fmt: skip


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


# -- security groups -----------------------------------------------------------------------------------


@check(
    id="ec2_securitygroup_allow_ingress_from_internet_to_all_ports",
    service="ec2",
    title="Security group does not open every port to the internet",
    severity="critical",
    resource_type="AwsEc2SecurityGroup",
    reads=["ec2.security_groups", INTERFACES],
    config=[SCAN_UNUSED],
    risk="A group that admits all traffic from anywhere exposes every service on its members, including ones "
    "never meant to be reachable.",
    remediation="Replace all-traffic or 0-65535 rules from 0.0.0.0/0 or ::/0 with rules for the specific ports "
    "and source ranges the workload needs.",
)
def ec2_securitygroup_allow_ingress_from_internet_to_all_ports(security_groups, network_interfaces, config, listed):
    for group in _groups_in_use(security_groups, network_interfaces, config, listed):
        if any(_rule_opens_all_ports(rule) for rule in _internet_rules(group)):
            yield FAIL(group, f"Security group {_group_label(group)} opens all ports to the internet.")
        else:
            yield PASS(group, f"Security group {_group_label(group)} does not open all ports to the internet.")


@check(
    id="ec2_securitygroup_allow_ingress_from_internet_to_any_port",
    service="ec2",
    title="Security group admits no internet traffic, unless it only fronts load balancers or endpoints",
    severity="high",
    resource_type="AwsEc2SecurityGroup",
    reads=["ec2.security_groups", "ec2.network_interfaces"],
    config=["ec2_allowed_interface_types", "ec2_allowed_instance_owners", SCAN_UNUSED],
    risk="Any port open to 0.0.0.0/0 or ::/0 on a group used by instances or other customer-managed interfaces "
    "exposes those services to the whole internet.",
    remediation="Narrow internet-facing rules to known source ranges, or put the service behind a load balancer, "
    "API Gateway or VPC endpoint and allow only that front end in the group.",
)
def ec2_securitygroup_allow_ingress_from_internet_to_any_port(security_groups, network_interfaces, config, listed):
    users = interfaces_by_group(network_interfaces)
    allowed_types = set(config["ec2_allowed_interface_types"] or ())
    allowed_owners = set(config["ec2_allowed_instance_owners"] or ())
    for group in _groups_in_use(security_groups, network_interfaces, config, listed):
        if not _internet_rules(group):
            yield PASS(group, f"Security group {_group_label(group)} admits no traffic from the internet.")
            continue
        interfaces = users.get((group.region, group.id), [])
        exposed = [n for n in interfaces if not _allowed_front_end(n, allowed_types, allowed_owners)]
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


def _allowed_front_end(interface, types: set, owners: set) -> bool:
    return (
        interface.get("type") in types
        or interface.get("instance_owner_id") in owners
    )


@check(
    id="ec2_securitygroup_allow_ingress_from_internet_to_high_risk_tcp_ports",
    service="ec2",
    title="Security group does not admit the internet to high-risk TCP ports (ec2_high_risk_ports)",
    severity="high",
    resource_type="AwsEc2SecurityGroup",
    reads=["ec2.security_groups", INTERFACES],
    config=["ec2_high_risk_ports", SCAN_UNUSED],
    risk="Mail, RPC, SMB and common development and admin ports (by default 25, 110, 135, 143, 445, 3000, 4333, "
    "5000, 5500, 8080, 8088) are frequent targets; open to the internet they invite exploitation and data theft.",
    remediation="Remove rules allowing 0.0.0.0/0 or ::/0 to these ports, or restrict them to known source "
    "ranges; publish web applications through a load balancer instead.",
)
def ec2_securitygroup_allow_ingress_from_internet_to_high_risk_tcp_ports(security_groups, network_interfaces, config, listed):
    ports = tuple(int(p) for p in config["ec2_high_risk_ports"] or ())
    yield from _port_check(_groups_in_use(security_groups, network_interfaces, config, listed), ports, "high-risk services")


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
        service="ec2",
        title=f"Security group does not allow {service_name} (TCP {_ports_text(ports)}) from the internet",
        severity="high",
        resource_type="AwsEc2SecurityGroup",
        reads=["ec2.security_groups", INTERFACES],
        config=[SCAN_UNUSED],
        risk=risk,
        remediation=f"Remove rules allowing 0.0.0.0/0 or ::/0 to TCP {_ports_text(ports)}; reach {service_name} "
        "over a VPN, PrivateLink, a bastion or Session Manager, or allow only named source ranges.",
    )
    def security_group_port_open(security_groups, network_interfaces, config, listed):
        yield from _port_check(_groups_in_use(security_groups, network_interfaces, config, listed), ports, service_name)


for _row in SECURITY_GROUP_PORT_CHECKS:
    _register_security_group_port_check(*_row)


@check(
    id="ec2_securitygroup_allow_wide_open_public_ipv4",
    service="ec2",
    title="Security group has no rules for wide public IPv4 ranges (/1 to /23)",
    severity="high",
    resource_type="AwsEc2SecurityGroup",
    reads=["ec2.security_groups", INTERFACES],
    config=[SCAN_UNUSED],
    risk="A rule for a wide public range (a /8 or /16 of someone else's address space) admits or reaches far "
    "more hosts than intended, often a whole cloud provider or ISP.",
    remediation="Replace wide public CIDR ranges with the specific addresses (/24 or narrower) or prefix lists "
    "the workload needs.",
)
def ec2_securitygroup_allow_wide_open_public_ipv4(security_groups, network_interfaces, config, listed):
    for group in _groups_in_use(security_groups, network_interfaces, config, listed):
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
    service="ec2",
    title="Non-default security group is in use",
    severity="low",
    resource_type="AwsEc2SecurityGroup",
    reads=["ec2.security_groups", "ec2.network_interfaces"],
    risk="Unused security groups pile up with stale rules; attached later by mistake, they grant access nobody "
    "reviewed.",
    remediation="Delete security groups that no network interface uses and no other group references.",
)
def ec2_securitygroup_not_used(security_groups, network_interfaces):
    users = interfaces_by_group(network_interfaces)
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
    service="ec2",
    title="VPC default security group has no inbound or outbound rules",
    severity="high",
    resource_type="AwsEc2SecurityGroup",
    reads=["ec2.security_groups", INTERFACES],
    config=[SCAN_UNUSED],
    risk="Resources launched without an explicit group land in the default group; if it has rules they get "
    "network access nobody chose for them.",
    remediation="Delete every inbound and outbound rule of each VPC's default security group and attach "
    "purpose-built groups instead.",
)
def ec2_securitygroup_default_restrict_traffic(security_groups, network_interfaces, config, listed):
    for group in _groups_in_use(security_groups, network_interfaces, config, listed):
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


# -- specific public sources, launch wizard groups, rule counts --------------------------------------


def _specific_public_sources(rule: dict, trusted: list) -> list[str]:
    """Globally routable source ranges of a rule other than the whole internet and the trusted ranges."""
    found = []
    for cidr in [r.get("CidrIp") for r in rule.get("IpRanges") or []] + [
        r.get("CidrIpv6") for r in rule.get("Ipv6Ranges") or []
    ]:
        if not cidr or cidr in (INTERNET_V4, INTERNET_V6):
            continue
        network = ipaddress.ip_network(cidr, strict=False)
        if network.is_global and not any(
            network.version == t.version and network.subnet_of(t) for t in trusted
        ):
            found.append(cidr)
    return found


@check(
    id="ec2_securitygroup_allow_ingress_from_internet_to_any_port_from_ip",
    service="ec2",
    title="Security group admits no specific public IP address that is not trusted (trusted_ips)",
    severity="medium",
    resource_type="AwsEc2SecurityGroup",
    reads=["ec2.security_groups", INTERFACES],
    config=["trusted_ips", SCAN_UNUSED],
    risk="A rule admitting a single public address (a home connection, a contractor, a forgotten test host) "
    "keeps working for whoever holds that address next, and such rules are rarely reviewed.",
    remediation="Replace rules for individual public addresses with a VPN, AWS Client VPN or Session Manager; "
    "list the addresses that must stay in trusted_ips.",
)
def ec2_securitygroup_allow_ingress_from_internet_to_any_port_from_ip(security_groups, network_interfaces, config, listed):
    # Unlike Prowler, a group that also opens all ports to the internet is still judged here (Prowler
    # PASSes it to avoid reporting twice; a PASS on a group that admits single public addresses is wrong).
    trusted = [ipaddress.ip_network(str(t), strict=False) for t in config["trusted_ips"] or ()]
    for group in _groups_in_use(security_groups, network_interfaces, config, listed):
        sources = sorted({cidr for rule in group.get("ingress_rules") or [] for cidr in _specific_public_sources(rule, trusted)})
        if sources:
            shown = ", ".join(sources[:5]) + (f" and {len(sources) - 5} more" if len(sources) > 5 else "")
            yield FAIL(group, f"Security group {_group_label(group)} admits specific public addresses: {shown}.")
        else:
            yield PASS(group, f"Security group {_group_label(group)} admits no untrusted specific public address.")


@check(
    id="ec2_securitygroup_from_launch_wizard",
    service="ec2",
    title="Security group was not created by the EC2 launch wizard",
    severity="medium",
    resource_type="AwsEc2SecurityGroup",
    reads=["ec2.security_groups"],
    risk="Launch-wizard groups are created on the fly with broad defaults (SSH or RDP from anywhere) and "
    "rarely revisited.",
    remediation="Replace launch-wizard-N groups with purpose-named groups holding only the rules the workload "
    "needs, then delete them.",
)
def ec2_securitygroup_from_launch_wizard(security_groups):
    for group in security_groups:
        if "launch-wizard" in str(group.get("name") or ""):
            yield FAIL(group, f"Security group {_group_label(group)} was created by the EC2 launch wizard.")
        else:
            yield PASS(group, f"Security group {_group_label(group)} was not created by the EC2 launch wizard.")


def _rule_count(permissions: list[dict]) -> int:
    """Rules as AWS counts them against the per-group quota: one per source or destination (CIDR, IPv6
    range, prefix list or security group) of each permission."""
    return sum(
        max(1, len(p.get("IpRanges") or []) + len(p.get("Ipv6Ranges") or []) + len(p.get("PrefixListIds") or [])
            + len(p.get("UserIdGroupPairs") or []))
        for p in permissions
    )  # fmt: skip


@check(
    id="ec2_securitygroup_with_many_ingress_egress_rules",
    service="ec2",
    title="Security group has at most max_security_group_rules (50) inbound and outbound rules",
    severity="medium",
    resource_type="AwsEc2SecurityGroup",
    reads=["ec2.security_groups"],
    config=["max_security_group_rules"],
    risk="Groups with very many rules are hard to review, so overly broad or stale rules hide among them, and "
    "they approach the per-group rule quota.",
    remediation="Split the group by role, replace lists of addresses with managed prefix lists or security "
    "group references, and remove stale rules.",
)
def ec2_securitygroup_with_many_ingress_egress_rules(security_groups, config):
    # Prowler counts IpPermissions entries, but one entry holding ten CIDRs is ten rules for AWS (the
    # quota and DescribeSecurityGroupRules count each source); this check counts as AWS does.
    limit = config["max_security_group_rules"]
    for group in security_groups:
        inbound, outbound = _rule_count(group.get("ingress_rules") or []), _rule_count(group.get("egress_rules") or [])
        text = f"Security group {_group_label(group)} has {inbound} inbound and {outbound} outbound rules (limit {limit})."
        yield (FAIL if inbound > limit or outbound > limit else PASS)(group, text)
