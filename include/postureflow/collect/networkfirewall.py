"""Network Firewall: firewalls with their logging, subnets and (read once per policy) firewall policy.

Per region: ListFirewalls (paginated; a failed listing marks ``firewalls`` incomplete); per
firewall, through ``scope.each``: DescribeFirewall and DescribeLoggingConfiguration; per distinct
firewall policy: DescribeFirewallPolicy. A firewall that could not be described is recorded
unreadable (every check on it: no verdict); unread logging or policy fields are named in ``_unread``.
"""

from __future__ import annotations

from postureflow.collect.base import ABSENT, Outcome, RegionScope, collector

MISSING = ("ResourceNotFoundException",)


@collector("networkfirewall")
def collect_networkfirewall(scope: RegionScope) -> None:
    client = scope.client("network-firewall")
    listed = scope.list(client, "list_firewalls", "Firewalls", kind="firewalls").or_else([])

    def read(firewall: dict) -> tuple[Outcome, Outcome]:
        arn = firewall["FirewallArn"]
        described = scope.fetch(client, "describe_firewall", absent=MISSING, FirewallArn=arn)
        logging_conf = scope.fetch(client, "describe_logging_configuration", absent=MISSING, FirewallArn=arn)
        return described, logging_conf

    answers = scope.each(listed, read)
    policy_arns = sorted({
        (answer.value.get("Firewall") or {}).get("FirewallPolicyArn") for answer, _ in answers if answer.ok
    } - {None})  # fmt: skip
    policies = dict(zip(policy_arns, scope.each(policy_arns, lambda arn: _policy(scope, client, arn)), strict=True))
    for firewall, (described, logging_conf) in zip(listed, answers, strict=True):
        arn, name = firewall["FirewallArn"], firewall.get("FirewallName")
        if described.state == ABSENT:
            continue  # deleted since it was listed
        if not described.ok:
            scope.add_unreadable("firewalls", described, uid=arn, id=name)
            continue
        details = described.value.get("Firewall") or {}
        policy_arn = details.get("FirewallPolicyArn")
        scope.add(
            "firewalls",
            uid=arn,
            id=details.get("FirewallName") or name,
            tags=details.get("Tags"),
            vpc_id=details.get("VpcId"),
            delete_protection=bool(details.get("DeleteProtection")),
            subnet_ids=[m["SubnetId"] for m in details.get("SubnetMappings", []) if m.get("SubnetId")],
            # the firewall's per-zone endpoints, keyed by Availability Zone
            sync_zones=sorted(((described.value.get("FirewallStatus") or {}).get("SyncStates") or {}).keys()),
            log_types=logging_conf.map(
                lambda c: sorted(
                    {d.get("LogType") for d in (c.get("LoggingConfiguration") or {}).get("LogDestinationConfigs", [])}
                )
            ).absent_as([]),
            policy_arn=policy_arn,
            policy=policies.get(policy_arn, Outcome(ABSENT)),
        )


def _policy(scope: RegionScope, client, arn: str) -> Outcome:
    answer = scope.fetch(client, "describe_firewall_policy", absent=MISSING, FirewallPolicyArn=arn)
    return answer.map(
        lambda a: {
            "name": (a.get("FirewallPolicyResponse") or {}).get("FirewallPolicyName"),
            "stateless_default_actions": (a.get("FirewallPolicy") or {}).get("StatelessDefaultActions", []),
            "stateless_fragment_default_actions": (a.get("FirewallPolicy") or {}).get(
                "StatelessFragmentDefaultActions", []
            ),
            "stateless_rule_groups": [
                r.get("ResourceArn") for r in (a.get("FirewallPolicy") or {}).get("StatelessRuleGroupReferences", [])
            ],
            "stateful_rule_groups": [
                r.get("ResourceArn") for r in (a.get("FirewallPolicy") or {}).get("StatefulRuleGroupReferences", [])
            ],
        }
    )
