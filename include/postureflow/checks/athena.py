"""Athena checks: workgroups."""

from __future__ import annotations

from postureflow.checks.base import FAIL, PASS, check


@check(
    id="athena_workgroup_encryption",
    title="Athena workgroup encrypts query results",
    severity="medium",
    resource_type="AwsAthenaWorkGroup",
    reads=["athena.workgroups"],
    risk="Query results hold copies of the data queried; unencrypted in S3 they are readable by anyone who "
    "gets at the results bucket's objects.",
    remediation="Set the workgroup's query result encryption to SSE_S3, SSE_KMS or CSE_KMS (and enforce the "
    "workgroup configuration).",
)
def athena_workgroup_encryption(workgroups):
    # Like Prowler, only enabled workgroups that have run queries are judged: an untouched workgroup
    # (every region's "primary") holds no results.
    for group in workgroups:
        if group.get("state") != "ENABLED" or group.get("has_queries") is False:
            continue
        option = group.get("encryption_option")
        if option:
            yield PASS(group, f"Athena workgroup {group.id} encrypts query results with {option}.")
        else:
            yield FAIL(group, f"Athena workgroup {group.id} does not encrypt query results.")
