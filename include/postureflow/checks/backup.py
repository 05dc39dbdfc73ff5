"""AWS Backup checks: plans and vaults exist, vaults are encrypted.

Also the shared rule for which resources a backup selection covers (``selects``)
and ``judge_protected``, which the other services' ``*_protected_by_backup_plan``
checks (dynamodb, ec2, rds) use with the ``backup.selections`` records.
"""

from __future__ import annotations

from typing import Iterable

from postureflow import policy as _policy
from postureflow.checks.base import FAIL, PASS, check, no_verdict
from postureflow.inventory import Resource

RESOURCE_TAG = "aws:resourcetag/"


def _tag_conditions_hold(conditions: dict, tags: dict[str, str]) -> bool:
    """All of a selection's Conditions (StringEquals/NotEquals/Like/NotLike on aws:ResourceTag/...) hold."""
    for operator, clauses in (conditions or {}).items():
        op = operator.lower()
        for clause in clauses or []:
            key = str(clause.get("ConditionKey", ""))
            if not key.lower().startswith(RESOURCE_TAG):
                continue
            value = tags.get(key[len(RESOURCE_TAG) :])
            wanted = str(clause.get("ConditionValue", ""))
            if op.endswith("like"):
                hit = value is not None and _policy.matches(value, wanted)
            else:
                hit = value == wanted
            if hit == ("not" in op):
                return False
    return True


def selects(selection, resource_arn: str, tags: dict[str, str]) -> bool:
    """Whether a ``backup.selections`` record selects the resource ``resource_arn`` carrying ``tags``.

    A resource is selected by ARN (``resources``, wildcards allowed) or by one of the
    ``list_of_tags`` (StringEquals), unless ``not_resources`` excludes it, and only when
    every tag ``conditions`` clause holds.
    """
    if _policy.matches(resource_arn, selection.get("not_resources") or []):
        return False
    by_arn = _policy.matches(resource_arn, selection.get("resources") or [])
    by_tag = any(
        str(t.get("ConditionType", "STRINGEQUALS")).upper() == "STRINGEQUALS"
        and tags.get(str(t.get("ConditionKey"))) == str(t.get("ConditionValue"))
        for t in selection.get("list_of_tags") or []
    )
    return (by_arn or by_tag) and _tag_conditions_hold(selection.get("conditions") or {}, tags)


def plan_label(selection) -> str:
    return selection.get("plan_name") or selection.get("plan_id")


def selections_by_region(selections: Iterable[Resource]) -> dict[str, list]:
    by_region: dict[str, list] = {}
    for selection in selections:
        by_region.setdefault(selection.region, []).append(selection)
    return by_region


def judge_protected(resources: Iterable[Resource], selections: Iterable[Resource], noun: str):
    """PASS a resource some readable selection in its region covers; FAIL when none covers it, or no
    verdict when some selection there (or the resource's tags) could not be read."""
    by_region = selections_by_region(selections)
    for resource in resources:
        in_region = by_region.get(resource.region, [])
        readable = [s for s in in_region if s.readable("resources")]
        tags = resource.tags if resource.readable("tags") else {}
        covering = sorted({plan_label(s) for s in readable if selects(s, resource.uid, tags)})
        if covering:
            yield PASS(resource, f"{noun} {resource.id} is covered by AWS Backup plan(s) {', '.join(covering)}.")
            continue
        verdict = FAIL(resource, f"{noun} {resource.id} is not covered by any AWS Backup plan.")
        # An unreadable selection (or unread tags a selection might match) could cover it. Named here
        # rather than read: reading another kind's unread field would void every verdict of the check.
        gaps = [f"backup selections of plan {plan_label(s)} ({r})" for s in in_region if not s.readable("resources")
                for r in s.unread.values()]  # fmt: skip
        gaps += [f"tags ({resource.unread['tags']})"] if not resource.readable("tags") else []
        yield no_verdict(verdict, sorted(set(gaps))) if gaps else verdict


@check(
    id="backup_plans_exist",
    title="At least one AWS Backup plan exists in a region that uses AWS Backup",
    severity="low",
    resource_type="AwsBackupBackupPlan",
    reads=["backup.regions"],
    risk="Backup vaults without any backup plan hold only what someone remembered to back up by hand: "
    "nothing is backed up on a schedule or retained by policy.",
    remediation="Create an AWS Backup plan with a schedule and retention that fit the data, and assign "
    "resources to it by tag or ARN.",
)
def backup_plans_exist(regions):
    for setting in regions:
        plans, vaults = setting.get("plan_count"), setting.get("vault_count")
        if plans:
            names = ", ".join(setting.get("plan_names") or [])
            yield PASS(setting, f"Region {setting.region} has {plans} AWS Backup plan(s): {names}.")
        elif vaults or plans is None:
            # Like Prowler, a region that has no vault either does not use AWS Backup and is not judged
            # (an unread plan listing is judged, and so gives no verdict).
            yield FAIL(setting, f"Region {setting.region} has backup vaults but no AWS Backup plan.")


@check(
    id="backup_vaults_exist",
    title="At least one AWS Backup vault exists",
    severity="low",
    resource_type="AwsBackupBackupVault",
    reads=["backup.regions"],
    risk="Without a backup vault, AWS Backup has nowhere to keep recovery points, so no resource in the "
    "region can be backed up centrally.",
    remediation="Create a backup vault (encrypted with a KMS key you manage) and back resources up to it "
    "with a backup plan.",
)
def backup_vaults_exist(regions):
    for setting in regions:
        vaults = setting.get("vault_count")
        if vaults:
            names = ", ".join(setting.get("vault_names") or [])
            yield PASS(setting, f"Region {setting.region} has {vaults} AWS Backup vault(s): {names}.")
        else:
            yield FAIL(setting, f"Region {setting.region} has no AWS Backup vault.")


@check(
    id="backup_vaults_encrypted",
    title="AWS Backup vault encrypts recovery points with a KMS key",
    severity="medium",
    resource_type="AwsBackupBackupVault",
    reads=["backup.vaults"],
    risk="Recovery points in a vault without an encryption key are not protected by a key whose use can "
    "be restricted and audited, so anyone who reaches them can read the backed-up data.",
    remediation="Create a new vault with an AWS KMS key (ideally a customer managed key), copy or re-create "
    "the recovery points in it, and point the backup plans at the new vault.",
)
def backup_vaults_encrypted(vaults):
    for vault in vaults:
        key = vault.get("encryption_key_arn")
        if key:
            yield PASS(vault, f"Backup vault {vault.id} encrypts its recovery points with KMS key {key}.")
        else:
            yield FAIL(vault, f"Backup vault {vault.id} has no encryption key.")


@check(
    id="backup_reportplans_exist",
    title="An AWS Backup report plan exists where backup plans do",
    severity="low",
    resource_type="AwsBackupBackupPlan",
    reads=["backup.regions"],
    risk="Without a report plan, failed or missing backups and non-compliant resources go unreported until a "
    "restore is needed.",
    remediation="Create an AWS Backup Audit Manager report plan (backup jobs, compliance) delivering to an S3 "
    "bucket.",
)
def backup_reportplans_exist(regions):
    for setting in regions:
        plans = setting.get("plan_count")
        if plans == 0:
            continue  # like Prowler, only regions with backup plans are judged
        reports = setting.get("report_plan_count")
        if reports:
            names = ", ".join(setting.get("report_plan_names") or [])
            yield PASS(setting, f"Region {setting.region} has {reports} AWS Backup report plan(s): {names}.")
        else:
            yield FAIL(setting, f"Region {setting.region} has backup plans but no AWS Backup report plan.")


@check(
    id="backup_recovery_point_encrypted",
    title="AWS Backup recovery point is encrypted",
    severity="medium",
    resource_type="AwsBackupRecoveryPoint",
    reads=["backup.recovery_points"],
    risk="An unencrypted recovery point holds a full copy of the resource's data readable by anyone who "
    "reaches it.",
    remediation="Back the resource up to a vault with a KMS key (and encrypt the source resource), then delete "
    "the unencrypted recovery points.",
)
def backup_recovery_point_encrypted(recovery_points):
    for point in recovery_points:
        where = f"in vault {point.get('vault_name')}"
        if point.get("encrypted"):
            yield PASS(point, f"Recovery point {point.id} {where} is encrypted.")
        else:
            yield FAIL(point, f"Recovery point {point.id} {where} is not encrypted.")
