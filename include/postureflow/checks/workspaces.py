"""WorkSpaces checks: volume encryption and network placement."""

from __future__ import annotations

from postureflow.checks.base import FAIL, PASS, check


@check(
    id="workspaces_volume_encryption_enabled",
    title="WorkSpaces workspace encrypts its root and user volumes",
    severity="high",
    resource_type="AwsEc2Volume",
    reads=["workspaces.workspaces"],
    risk="Unencrypted workspace volumes keep the user's files, cached credentials and profile in the clear on disk "
    "and in snapshots.",
    remediation="Recreate the workspace with root and user volume encryption enabled (encryption cannot be added later).",
)
def workspaces_volume_encryption_enabled(workspaces):
    for workspace in workspaces:
        plain = [name for name in ("root", "user") if not workspace.get(f"{name}_volume_encrypted")]
        if plain:
            yield FAIL(workspace, f"WorkSpaces workspace {workspace.id} has unencrypted {' and '.join(plain)} volume(s).")
        else:
            yield PASS(workspace, f"WorkSpaces workspace {workspace.id} encrypts its root and user volumes.")


@check(
    id="workspaces_vpc_2private_1public_subnets_nat",
    title="Workspace sits in a private subnet of a VPC with a public subnet, two private subnets and a NAT gateway",
    severity="high",
    resource_type="Other",
    reads=["workspaces.workspaces", "vpc.subnets", "vpc.route_tables"],
    risk="A workspace in a public subnet is reachable from the internet; without the recommended layout it either "
    "is exposed or has no controlled way out.",
    remediation="Place workspaces in private subnets (in two zones) whose route tables send internet traffic to a NAT "
    "gateway in a public subnet of the same VPC.",
)
def workspaces_vpc_2private_1public_subnets_nat(workspaces, subnets, route_tables):
    by_id = {subnet.id: subnet for subnet in subnets}
    nat_tables = {table.id for table in route_tables if any(r.get("nat_gateway_id") for r in table.get("routes") or [])}
    for workspace in workspaces:
        subnet = by_id.get(workspace.get("subnet_id"))
        siblings = [s for s in subnets if subnet is not None and s.get("vpc_id") == subnet.get("vpc_id")]
        public = [s for s in siblings if s.get("public")]
        private = [s for s in siblings if not s.get("public")]
        nat = any(s.get("route_table_id") in nat_tables for s in private)
        problems = []
        if subnet is None or subnet.get("public"):
            problems.append("it is not in a private subnet")
        if len(public) < 1 or len(private) < 2 or not nat:
            problems.append(f"its VPC has {len(public)} public and {len(private)} private subnet(s)"
                            + ("" if nat else " and no NAT gateway route"))  # fmt: skip
        if problems:
            yield FAIL(workspace, f"Workspace {workspace.id}: {'; '.join(problems)}.")
        else:
            yield PASS(workspace, f"Workspace {workspace.id} is in a private subnet of a VPC with {len(public)} public "
                                  f"and {len(private)} private subnets and a NAT gateway.")  # fmt: skip
