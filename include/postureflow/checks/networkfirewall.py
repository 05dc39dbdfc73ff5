"""Network Firewall checks: firewalls and the firewall policy each one enforces."""

from __future__ import annotations

from postureflow.checks._in_use import INTERFACES, SCAN_UNUSED, judged, vpcs_with_interfaces
from postureflow.checks.base import FAIL, MANUAL, PASS, check

# Stateless default actions that do not let unmatched packets straight through.
INSPECTING_ACTIONS = ("aws:drop", "aws:forward_to_sfe")


def _policy_label(firewall) -> str:
    policy = firewall.get("policy") or {}
    return policy.get("name") or str(firewall.get("policy_arn") or "").rsplit("/", 1)[-1]


@check(
    id="networkfirewall_deletion_protection",
    title="Network Firewall has deletion protection enabled",
    severity="medium",
    resource_type="AwsNetworkFirewallFirewall",
    reads=["networkfirewall.firewalls"],
    risk="A firewall without deletion protection can be deleted by one call, leaving the VPC's traffic " "uninspected.",
    remediation="Turn on deletion protection for the firewall (UpdateFirewallDeleteProtection).",
)
def networkfirewall_deletion_protection(firewalls):
    for firewall in firewalls:
        if firewall.get("delete_protection"):
            yield PASS(firewall, f"Network Firewall {firewall.id} has deletion protection enabled.")
        else:
            yield FAIL(firewall, f"Network Firewall {firewall.id} does not have deletion protection enabled.")


@check(
    id="networkfirewall_logging_enabled",
    title="Network Firewall has logging enabled",
    severity="high",
    resource_type="AwsNetworkFirewallFirewall",
    reads=["networkfirewall.firewalls"],
    risk="Without flow or alert logs there is no record of what the firewall passed or blocked.",
    remediation="Configure flow and/or alert logging for the firewall to S3, CloudWatch Logs or Firehose.",
)
def networkfirewall_logging_enabled(firewalls):
    for firewall in firewalls:
        types = firewall.get("log_types") or []
        if types:
            yield PASS(firewall, f"Network Firewall {firewall.id} logs {', '.join(types)} traffic.")
        else:
            yield FAIL(firewall, f"Network Firewall {firewall.id} does not have logging enabled.")


def _zones_read(firewall, listed) -> bool:
    """Whether everything that places the firewall in zones was read: its description and its region's subnets."""
    fields = ("subnet_ids", "sync_zones")
    return all(firewall.readable(f) for f in fields) and listed.complete("vpc.subnets", firewall.region)


@check(
    id="networkfirewall_multi_az",
    title="Network Firewall is deployed in multiple Availability Zones",
    severity="high",
    resource_type="AwsNetworkFirewallFirewall",
    reads=["networkfirewall.firewalls", "vpc.subnets"],
    risk="A firewall with endpoints in a single Availability Zone stops inspecting (or passing) traffic when "
    "that zone fails.",
    remediation="Add a firewall subnet in at least one more Availability Zone to the firewall.",
)
def networkfirewall_multi_az(firewalls, subnets, listed):
    zone_of = {(s.region, s.id): s.get("availability_zone") for s in subnets}
    for firewall in firewalls:
        mapped = {zone_of.get((firewall.region, sid)) for sid in firewall.get("subnet_ids") or []}
        zones = sorted({*(firewall.get("sync_zones") or []), *(z for z in mapped if z)})
        if not zones:
            if not _zones_read(firewall, listed):
                # unknown, not absent: the evaluation turns this into a no verdict naming what was not read
                yield MANUAL(firewall, f"Network Firewall {firewall.id}: its Availability Zones could not be read.")
            continue  # no zone is known for its subnets: nothing to judge
        if len(zones) > 1:
            yield PASS(
                firewall,
                f"Network Firewall {firewall.id} is deployed in {len(zones)} Availability Zones: {', '.join(zones)}.",
            )
        else:
            yield FAIL(
                firewall, f"Network Firewall {firewall.id} is deployed in one Availability Zone only: {zones[0]}."
            )


@check(
    id="networkfirewall_policy_rule_group_associated",
    title="Network Firewall policy has at least one rule group",
    severity="high",
    resource_type="AwsNetworkFirewallFirewall",
    reads=["networkfirewall.firewalls"],
    risk="A firewall whose policy has no rule groups filters nothing beyond its default actions.",
    remediation="Associate stateless or stateful rule groups with the firewall policy.",
)
def networkfirewall_policy_rule_group_associated(firewalls):
    for firewall in firewalls:
        if firewall.lacks("policy"):
            continue  # no policy found (deleted since): nothing to judge
        policy = firewall.get("policy") or {}
        count = len(policy.get("stateless_rule_groups") or []) + len(policy.get("stateful_rule_groups") or [])
        if count:
            yield PASS(
                firewall, f"Network Firewall {firewall.id} policy {_policy_label(firewall)} has {count} rule group(s)."
            )
        else:
            yield FAIL(firewall, f"Network Firewall {firewall.id} policy {_policy_label(firewall)} has no rule groups.")


def _default_action_check(firewalls, field: str, what: str):
    for firewall in firewalls:
        if firewall.lacks("policy"):
            continue  # no policy found (deleted since): nothing to judge
        policy = firewall.get("policy") or {}
        actions = policy.get(field) or []
        label = f"Network Firewall {firewall.id} policy {_policy_label(firewall)}"
        if any(a in INSPECTING_ACTIONS for a in actions):
            yield PASS(firewall, f"{label} drops or forwards {what} by default ({', '.join(actions)}).")
        else:
            yield FAIL(firewall, f"{label} passes {what} by default ({', '.join(actions) or 'no action'}).")


@check(
    id="networkfirewall_policy_default_action_fragmented_packets",
    title="Network Firewall policy drops or forwards fragmented packets by default",
    severity="high",
    resource_type="AwsNetworkFirewallFirewall",
    reads=["networkfirewall.firewalls"],
    risk="Fragmented packets that no stateless rule matches go through uninspected when the default action "
    "is pass, a classic way to slip traffic past a firewall.",
    remediation="Set the policy's stateless default action for fragmented packets to aws:drop or "
    "aws:forward_to_sfe.",
)
def networkfirewall_policy_default_action_fragmented_packets(firewalls):
    yield from _default_action_check(firewalls, "stateless_fragment_default_actions", "fragmented packets")


@check(
    id="networkfirewall_policy_default_action_full_packets",
    title="Network Firewall policy drops or forwards full packets by default",
    severity="high",
    resource_type="AwsNetworkFirewallFirewall",
    reads=["networkfirewall.firewalls"],
    risk="Packets that no stateless rule matches go through uninspected when the default action is pass.",
    remediation="Set the policy's stateless default action for full packets to aws:drop or aws:forward_to_sfe.",
)
def networkfirewall_policy_default_action_full_packets(firewalls):
    yield from _default_action_check(firewalls, "stateless_default_actions", "full packets")


@check(
    id="networkfirewall_in_all_vpc",
    title="VPC is protected by an AWS Network Firewall",
    severity="medium",
    resource_type="AwsEc2Vpc",
    reads=["vpc.vpcs", "networkfirewall.firewalls", INTERFACES],
    config=[SCAN_UNUSED],
    risk="Traffic into, out of and within a VPC without a network firewall is filtered only by security groups "
    "and network ACLs, with no stateful inspection, domain filtering or intrusion prevention.",
    remediation="Deploy an AWS Network Firewall in the VPC (firewall subnets in each Availability Zone) and route "
    "the traffic to inspect through its endpoints.",
)
def networkfirewall_in_all_vpc(vpcs, firewalls, network_interfaces, config, listed):
    protecting: dict[tuple[str, str], list[str]] = {}
    for firewall in firewalls:
        protecting.setdefault((firewall.region, firewall.get("vpc_id")), []).append(firewall.id)
    # Like Prowler, only VPCs with network interfaces are judged unless unused resources are scanned.
    used = vpcs_with_interfaces(network_interfaces)
    for vpc in vpcs:
        if not judged(config, (vpc.region, vpc.id) in used, listed.complete(INTERFACES, vpc.region)):
            continue
        found = protecting.get((vpc.region, vpc.id))
        if found:
            yield PASS(vpc, f"VPC {vpc.id} is protected by Network Firewall {', '.join(sorted(found))}.")
        else:
            yield FAIL(vpc, f"VPC {vpc.id} has no Network Firewall.")
