"""Shield Advanced (global): the subscription state, its protections, and the Global Accelerator
accelerators it can protect (no other collector lists them).

Calls per run: shield:GetSubscriptionState and shield:ListProtections (paginated) in us-east-1;
globalaccelerator:ListAccelerators (paginated) in us-west-2, where that API lives.
"""

from __future__ import annotations

from postureflow.collect.base import RegionScope, collector

ACCELERATOR_REGION = "us-west-2"


@collector("shield", scope="global")
def collect_shield(scope: RegionScope) -> None:
    shield = scope.client("shield", "us-east-1")
    state = scope.fetch(shield, "get_subscription_state")
    active = state.map(lambda r: r.get("SubscriptionState") == "ACTIVE")
    protections = scope.list(shield, "list_protections", "Protections", absent=("ResourceNotFoundException",)) \
        if active.or_else(True) else state.map(lambda _: [])  # fmt: skip
    scope.add(
        "subscription",
        uid=scope.arn("shield", "subscription", region=""),
        id=scope.account_id,
        active=active,
        protected_arns=protections.map(lambda items: sorted({p["ResourceArn"] for p in items if p.get("ResourceArn")})),
    )
    if scope.partition != "aws":
        return  # Global Accelerator is in the commercial partition only
    accelerators = scope.list(scope.client("globalaccelerator", ACCELERATOR_REGION), "list_accelerators", "Accelerators",
                              kind="accelerators")  # fmt: skip
    for accelerator in accelerators.value or []:
        scope.add("accelerators", uid=accelerator["AcceleratorArn"], id=accelerator.get("Name") or accelerator["AcceleratorArn"],
                  region=ACCELERATOR_REGION, enabled=accelerator.get("Enabled"))  # fmt: skip
