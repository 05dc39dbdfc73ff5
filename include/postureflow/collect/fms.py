"""Firewall Manager (global): whether this account is the FMS administrator, its policies, and each
policy's compliance per member account.

Calls per run: fms:ListPolicies (paginated) in the home region; ListComplianceStatus (paginated) per
policy. Outside the administrator account AWS answers ListPolicies with AccessDeniedException naming
the missing administrator: FMS is not administered from here.
"""

from __future__ import annotations

from postureflow.collect.base import RegionScope, collector

NOT_ADMIN = (
    ("AccessDeniedException", "No default admin could be found"),
    ("AccessDeniedException", "only available to AWS Firewall Manager Administrators"),
)


@collector("fms", scope="global")
def collect_fms(scope: RegionScope) -> None:
    client = scope.client("fms")
    policies = scope.list(client, "list_policies", "PolicyList", absent=NOT_ADMIN)
    if policies.state == "absent":
        return  # not the Firewall Manager administrator: nothing to judge here
    statuses = scope.each(policies.value or [], lambda policy: (policy, scope.list(
        client, "list_compliance_status", "PolicyComplianceStatusList", PolicyId=policy["PolicyId"])))  # fmt: skip
    failed = next((outcome for _, outcome in statuses if not outcome.known), None)
    scope.add(
        "administrator",
        uid=scope.arn("fms", "policy"),
        id=scope.account_id,
        policies=policies.map(lambda _: [
            {"name": policy.get("PolicyName"), "id": policy["PolicyId"],
             "accounts": {s.get("MemberAccount"): ((s.get("EvaluationResults") or [{}])[0].get("ComplianceStatus") or "")
                          for s in outcome.value or []}}
            for policy, outcome in statuses]) if failed is None else failed,
    )  # fmt: skip
