"""Network Firewall: firewalls with their logging, subnets and (read once per policy) firewall policy."""

from __future__ import annotations

from postureflow.collect.base import RegionScope, collector


@collector("networkfirewall")
def collect_networkfirewall(scope: RegionScope) -> None:
    client = scope.client("network-firewall")
    policies: dict[str, dict | None] = {}
    for listed in scope.paginate(client, "list_firewalls", "Firewalls"):
        arn = listed["FirewallArn"]
        answer = scope.call(client, "describe_firewall", absent=("ResourceNotFoundException",), FirewallArn=arn)
        if answer is None:
            continue
        firewall = answer.get("Firewall") or {}
        policy_arn = firewall.get("FirewallPolicyArn")
        if policy_arn and policy_arn not in policies:
            policies[policy_arn] = _policy(scope, client, policy_arn)
        policy = policies.get(policy_arn)
        logging_conf = scope.call(
            client, "describe_logging_configuration", absent=("ResourceNotFoundException",), FirewallArn=arn
        )
        scope.add(
            "firewalls",
            uid=arn,
            id=firewall.get("FirewallName") or listed.get("FirewallName"),
            tags=firewall.get("Tags"),
            vpc_id=firewall.get("VpcId"),
            delete_protection=bool(firewall.get("DeleteProtection")),
            subnet_ids=[m["SubnetId"] for m in firewall.get("SubnetMappings", []) if m.get("SubnetId")],
            # the firewall's per-zone endpoints, keyed by Availability Zone
            sync_zones=sorted(((answer.get("FirewallStatus") or {}).get("SyncStates") or {}).keys()),
            logging_known=logging_conf is not None,
            log_types=sorted(
                {
                    c.get("LogType")
                    for c in ((logging_conf or {}).get("LoggingConfiguration") or {}).get("LogDestinationConfigs", [])
                }
            ),
            policy_arn=policy_arn,
            policy=policy,
        )


def _policy(scope: RegionScope, client, arn: str) -> dict | None:
    answer = scope.call(
        client, "describe_firewall_policy", absent=("ResourceNotFoundException",), FirewallPolicyArn=arn
    )
    if answer is None:
        return None
    policy = answer.get("FirewallPolicy") or {}
    return {
        "name": (answer.get("FirewallPolicyResponse") or {}).get("FirewallPolicyName"),
        "stateless_default_actions": policy.get("StatelessDefaultActions", []),
        "stateless_fragment_default_actions": policy.get("StatelessFragmentDefaultActions", []),
        "stateless_rule_groups": [r.get("ResourceArn") for r in policy.get("StatelessRuleGroupReferences", [])],
        "stateful_rule_groups": [r.get("ResourceArn") for r in policy.get("StatefulRuleGroupReferences", [])],
    }
