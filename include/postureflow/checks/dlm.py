"""Data Lifecycle Manager checks."""

from __future__ import annotations

from postureflow.checks.base import FAIL, PASS, check


@check(
    id="dlm_ebs_snapshot_lifecycle_policy_exists",
    title="Region that holds EBS snapshots has an EBS snapshot lifecycle policy",
    severity="medium",
    resource_type="Other",
    reads=["dlm.regions", "ec2.snapshots"],
    risk="Snapshots taken by hand are neither created on a schedule nor retired, so recovery points go missing "
    "and old ones pile up.",
    remediation="Create a Data Lifecycle Manager policy for EBS snapshots (dlm create-lifecycle-policy) that "
    "targets the volumes or instances by tag.",
)
def dlm_ebs_snapshot_lifecycle_policy_exists(regions, snapshots):
    # Like Prowler, only regions that hold snapshots of this account are judged.
    with_snapshots = {snapshot.region for snapshot in snapshots}
    for region in regions:
        if region.region not in with_snapshots:
            continue
        policies = region.get("policies") or []
        if policies:
            yield PASS(region, f"Region {region.region} has {len(policies)} lifecycle policy(ies) for its EBS snapshots.")
        else:
            yield FAIL(region, f"Region {region.region} holds EBS snapshots but has no lifecycle policy.")
