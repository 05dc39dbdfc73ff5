"""The identity Prowler writes for a finding: its resource UID (ARN), name and region.

postureflow keeps AWS's documented ARN in the lake's ``resource_uid``. Prowler
writes some resources differently (account-level settings get pseudo ARNs such
as ``arn:aws:iam:us-east-1:<account>:password-policy``, log groups keep the
``:*`` that DescribeLogGroups returns, inline policies are reported on their
user or role, ...). A Prowler mutelist, Prowler CSV reader or Security Hub
history keys on Prowler's form, so each finding also carries it
(``prowler_resource_uid``, ``prowler_resource_name``, ``prowler_region``).

Most checks' identity is ours unchanged; the differences are rules, one per
resource kind (:data:`BY_KIND`) or per check (:data:`BY_CHECK`, which wins).
Each rule was derived from Prowler's check code (``report.resource_arn``,
``report.resource_id``, ``report.region``) and its service models (the
``*_arn_template`` attributes and ``get_unknown_arn``). Where Prowler uses
"the service's region" (``<client>.region``) the rule uses the partition's
global region (``us-east-1`` in ``aws``): what Prowler uses when it scans all
regions, or when its profile region is that one. docs/migrating-from-prowler.md
lists the deliberate differences.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any, Callable, Mapping

from postureflow.arn import partition_of

# Prowler's AwsProvider.get_global_region, by partition
GLOBAL_REGION = {"aws": "us-east-1", "aws-cn": "cn-north-1", "aws-us-gov": "us-gov-east-1", "aws-eusc": "eusc-de-east-1"}


@dataclass(frozen=True)
class Identity:
    uid: str
    name: str
    region: str


@dataclass(frozen=True)
class Subject:
    """What a rule sees: the finding's own identity, the account, and the resource's facts."""

    check_id: str
    account: str
    region: str
    uid: str
    id: str
    kind: str = ""
    data: Mapping[str, Any] = None  # type: ignore[assignment]

    @property
    def partition(self) -> str:
        return partition_of(self.region) if self.region else "aws"

    @property
    def home(self) -> str:
        """Prowler's ``<service client>.region`` for account-level findings (see module doc)."""
        return GLOBAL_REGION.get(self.partition, self.region)

    def fact(self, name: str, default: Any = None) -> Any:
        return (self.data or {}).get(name, default)


@dataclass(frozen=True)
class Form:
    """Prowler's identity as ``str.format`` templates over a Subject's fields
    (``partition``, ``account``, ``region``, ``home``, ``uid``, ``id``)."""

    uid: str = "{uid}"
    name: str = "{id}"
    region: str = "{region}"

    def __call__(self, s: Subject) -> Identity:
        fields = {"partition": s.partition, "account": s.account, "region": s.region, "home": s.home,
                  "uid": s.uid, "id": s.id}
        return Identity(self.uid.format(**fields), self.name.format(**fields), self.region.format(**fields))


Rule = Callable[[Subject], Identity]

SAME = Form()
ACCOUNT = "{account}"


def _account_setting(arn: str, region: str = "{region}") -> Form:
    """An account-level setting Prowler reports under a pseudo ARN, named by the account id."""
    return Form(arn, ACCOUNT, region)


def _unknown_or_own(service: str, kind: str, present: Callable[[Subject], bool], name: Callable[[Subject], str]) -> Rule:
    """Prowler's model for a regional singleton: its real ARN when present, else ``get_unknown_arn``."""

    def rule(s: Subject) -> Identity:
        if present(s):
            return Identity(s.uid, name(s), s.region)
        return Identity(f"arn:{s.partition}:{service}:{s.region}:{s.account}:{kind}/unknown", f"{kind}/unknown", s.region)

    return rule


def _analyzer(s: Subject) -> Identity:
    analyzers = s.fact("analyzers") or []
    if len(analyzers) == 1 and analyzers[0].get("arn"):
        return Identity(analyzers[0]["arn"], analyzers[0].get("name") or s.id, s.region)
    return Identity(f"arn:{s.partition}:accessanalyzer:{s.region}:{s.account}:analyzer/unknown", "analyzer/unknown", s.region)


def _inline_policy(s: Subject) -> Identity:
    """Prowler files an inline policy under its user, group or role: ``<entity>/<policy>``."""
    entity_arn, entity, policy = s.fact("entity_arn"), s.fact("entity_name"), s.fact("name")
    if not (entity_arn and entity and policy):
        return Identity(s.uid, s.id, s.region)
    return Identity(entity_arn, f"{entity}/{policy}", s.home)


def _organization(s: Subject) -> Identity:
    """Prowler reports the organization (its ARN and id), or ``get_unknown_arn()`` / "unknown" outside one."""
    arn, org_id = s.fact("organization_arn"), s.fact("organization_id")
    if arn and org_id:
        return Identity(arn, org_id, s.home)
    return Identity(f"arn:{s.partition}:organizations::{s.account}:unknown", "unknown", s.home)


def _recorder(s: Subject) -> Identity:
    recorders = s.fact("recorders") or []
    name = recorders[0].get("name") if len(recorders) == 1 else None
    return Identity(f"arn:{s.partition}:config:{s.region}:{s.account}:recorder", name or s.account, s.region)


def _log_group(s: Subject) -> Identity:
    # DescribeLogGroups' ``arn`` (what Prowler keeps) ends with ":*"; the documented log-group ARN does not
    return Identity(s.uid if s.uid.endswith(":*") else f"{s.uid}:*", s.id, s.region)


def _metric_filter_log_group(s: Subject) -> Identity:
    """The CIS metric-filter checks report on the trail's log group holding the filter, else the account."""
    group = s.fact("log_group")
    if s.kind == "metric_filters" and group:
        return Identity(f"arn:{s.partition}:logs:{s.region}:{s.account}:log-group:{group}:*", group, s.region)
    if s.kind == "alarms":
        return Identity(s.uid, s.id, s.region)  # not derivable from the alarm alone: a documented difference
    # none found: Prowler's one account finding (home region); each of our regions keeps its own region
    return Identity(f"arn:{s.partition}:logs:{s.home}:{s.account}:log-group", s.account, s.region)


PASSWORD_POLICY = _account_setting("arn:{partition}:iam:{home}:{account}:password-policy", "{home}")
AUDITED_ACCOUNT = _account_setting("arn:{partition}:iam::{account}:root", "{home}")

BY_KIND: dict[str, Rule] = {
    "password_policy": PASSWORD_POLICY,
    "inline_policies": _inline_policy,
    "log_groups": _log_group,
    "analyzers": _analyzer,
    "detectors": _unknown_or_own("guardduty", "detector", lambda s: bool(s.fact("exists")), lambda s: s.id),
    "hubs": _unknown_or_own("securityhub", "hub", lambda s: s.fact("enabled") is True,
                            lambda s: s.uid.split("/", 1)[1] if "/" in s.uid else s.id),
    "recorders": _recorder,
    "membership": _organization,
    "ebs_encryption_by_default": _account_setting("arn:{partition}:ec2:{region}:{account}:volume"),
    "snapshot_block_public_access": _account_setting("arn:{partition}:ec2:{home}:{account}:account"),
    "image_block_public_access": _account_setting("arn:{partition}:ec2:{home}:{account}:account"),
    "instance_metadata_defaults": _account_setting("arn:{partition}:ec2:{region}:{account}:account"),
    "sessions": _account_setting("arn:{partition}:macie:{region}:{account}:session"),
    "event_subscriptions": _account_setting("arn:{partition}:rds:{region}:{account}:account"),
    "account_public_access_block": _account_setting("arn:{partition}:s3:{home}:{account}:account", "{home}"),
}

_METRIC_FILTER_CHECKS = (
    "cloudwatch_changes_to_network_acls_alarm_configured",
    "cloudwatch_changes_to_network_gateways_alarm_configured",
    "cloudwatch_changes_to_network_route_tables_alarm_configured",
    "cloudwatch_changes_to_vpcs_alarm_configured",
    "cloudwatch_log_metric_filter_and_alarm_for_aws_config_configuration_changes_enabled",
    "cloudwatch_log_metric_filter_and_alarm_for_cloudtrail_configuration_changes_enabled",
    "cloudwatch_log_metric_filter_authentication_failures",
    "cloudwatch_log_metric_filter_aws_organizations_changes",
    "cloudwatch_log_metric_filter_disable_or_scheduled_deletion_of_kms_cmk",
    "cloudwatch_log_metric_filter_for_s3_bucket_policy_changes",
    "cloudwatch_log_metric_filter_policy_changes",
    "cloudwatch_log_metric_filter_root_usage",
    "cloudwatch_log_metric_filter_security_group_changes",
    "cloudwatch_log_metric_filter_sign_in_without_mfa",
    "cloudwatch_log_metric_filter_unauthorized_api_calls",
)

BY_CHECK: dict[str, Rule] = {
    **{c: _metric_filter_log_group for c in _METRIC_FILTER_CHECKS},
    **{c: AUDITED_ACCOUNT for c in (
        "account_maintain_different_contact_details_to_security_billing_and_operations",
        "account_security_contact_information_is_registered",
        "account_security_questions_are_registered_in_the_aws_account",
        "iam_check_saml_providers_sts",
    )},
    "iam_root_hardware_mfa_enabled": Form("arn:{partition}:iam::{account}:mfa", "<root_account>", "{home}"),
    "iam_support_role_created": Form(name=ACCOUNT, region="{home}"),
    "iam_policy_cloudshell_admin_not_attached": Form(name=ACCOUNT, region="{home}"),
    "backup_vaults_exist": _account_setting("arn:{partition}:backup:{home}:{account}:backup-vault"),
    "bedrock_guardrails_configured": Form("arn:{partition}:bedrock:{region}:{account}:guardrails", "bedrock-guardrails"),
    "bedrock_model_invocation_logging_enabled": Form(
        "arn:{partition}:bedrock:{region}:{account}:model-invocation-logging", "model-invocation-logging"),
    "bedrock_prompt_management_exists": Form(
        "arn:{partition}:bedrock:{region}:{account}:prompt-management", "prompt-management"),
    "drs_job_exist": _account_setting("arn:{partition}:drs:{region}:{account}:recovery-job"),
    "emr_cluster_account_public_block_enabled": _account_setting("arn:{partition}:elasticmapreduce:{region}:{account}:cluster"),
    "fms_policy_compliant": _account_setting("arn:{partition}:fms:{home}:{account}:policy", "{home}"),
    "trustedadvisor_errors_and_warnings": _account_setting("arn:{partition}:trusted-advisor:{home}:{account}:account", "{home}"),
    "trustedadvisor_premium_support_plan_subscribed": _account_setting(
        "arn:{partition}:trusted-advisor:{home}:{account}:account", "{home}"),
    "ssmincidents_enabled_with_plans": _account_setting(
        "arn:{partition}:ssm-incidents:{home}:{account}:replication-set", "{home}"),
    "resourceexplorer2_indexes_found": _account_setting(
        "arn:{partition}:resource-explorer:{home}:{account}:index", "{home}"),
    "vpc_different_regions": _account_setting("arn:{partition}:ec2:{home}:{account}:vpc", "{home}"),
    "cloudwatch_cross_account_sharing_disabled": _account_setting("arn:{partition}:iam:{home}:{account}:role", "{home}"),
    "backup_plans_exist": _account_setting("arn:{partition}:backup:{home}:{account}:backup-plan"),
    "backup_reportplans_exist": _account_setting("arn:{partition}:backup:{home}:{account}:report-plan"),
    "sagemaker_clarify_exists": Form("arn:{partition}:sagemaker:{region}:{account}:processing-job", "sagemaker-clarify"),
    "inspector2_is_enabled": Form(name="Inspector2"),
    "ecr_registry_enhanced_scanning_enabled": Form(name=ACCOUNT),  # the registry id is the account id
    "ecr_registry_scan_images_on_push_enabled": Form(name=ACCOUNT),
    # Prowler's model per region: the unknown ARN and a fixed name unless one is found
    "sagemaker_models_registry_in_use": Form(
        "arn:{partition}:sagemaker:{region}:{account}:model-registry/unknown", "SageMaker Model Registry"),
    "sagemaker_models_monitor_enabled": Form(
        "arn:{partition}:sagemaker:{region}:{account}:monitoring-schedule/unknown", "SageMaker Monitoring Schedules"),
    # Prowler: one account finding in its home region; we judge each region, so each keeps its region
    **{c: _account_setting("arn:{partition}:cloudtrail:{home}:{account}:trail") for c in (
        "cloudtrail_threat_detection_enumeration",
        "cloudtrail_threat_detection_llm_jacking",
        "cloudtrail_threat_detection_privilege_escalation",
    )},
}


def rule_for(check_id: str, kind: str = "") -> Rule:
    return BY_CHECK.get(check_id) or BY_KIND.get(kind) or SAME


def identity(subject: Subject) -> Identity:
    return rule_for(subject.check_id, subject.kind)(subject)


def columns(check_id: str, account: str, resource) -> dict[str, str | None]:
    """The lake's compatibility columns for a finding on ``resource`` (an inventory Resource):
    each holds Prowler's value, or None where it is postureflow's own (readers fall back, see :func:`of_row`)."""
    s = Subject(check_id, account, resource.region, resource.uid or "", resource.id or "", resource.kind, resource.data)
    ident = identity(s)
    return {
        "prowler_resource_uid": None if ident.uid == s.uid else ident.uid,
        "prowler_resource_name": None if ident.name == s.id else ident.name,
        "prowler_region": None if ident.region == s.region else ident.region,
    }


def of_row(row: Mapping[str, Any]) -> Identity:
    """Prowler's identity of a finding row (rows written before the columns existed: postureflow's own)."""
    return Identity(
        row.get("prowler_resource_uid") or row.get("resource_uid") or "",
        row.get("prowler_resource_name") or row.get("resource_id") or "",
        row.get("prowler_region") or row.get("region") or "",
    )


def prowler_finding_uid(row: Mapping[str, Any]) -> str:
    """Prowler's ``Finding.uid`` (the CSV's FINDING_UID): ``prowler-aws-<check>-<account>-<region>-<resource name>``."""
    ident = of_row(row)
    return f"prowler-aws-{row['check_id']}-{row['account_id']}-{ident.region}-{ident.name}"


def asff_id(row: Mapping[str, Any]) -> str:
    """The Security Hub finding ``Id`` Prowler's ASFF output gives this finding
    (prowler/lib/outputs/asff/asff.py: the first 9 hex digits of SHA-512 of the resource UID)."""
    ident = of_row(row)
    digest = hashlib.sha512(ident.uid.encode("utf-8")).hexdigest()[:9]
    return f"prowler-{row['check_id']}-{row['account_id']}-{ident.region}-{digest}"
