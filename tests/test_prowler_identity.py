"""Each finding on the demo account carries the identity Prowler's code would write for its resource.

The demo account (postureflow.demo) is seeded in moto and scanned once with every
collector. For every check, ``PROWLER`` below says, in Prowler's own terms, what
Prowler's check writes as ``report.resource_arn``, ``report.resource_id`` and
``report.region`` (read from prowler/providers/aws/services/<svc>/<check>/<check>.py
and the service models' ``*_arn_template`` attributes and ``get_unknown_arn``);
checks not listed use ``Check_Report_AWS(resource=<model>)``: the model's ``arn``
(the ARN as AWS's API returns it, which is our ``resource_uid``), its ``id`` or
``name`` and its ``region``. Facts Prowler takes from AWS as returned are read
from moto the same way (a log group's ``arn`` from DescribeLogGroups, the hub
ARN from DescribeHub, detector ids from ListDetectors).

Prowler's "service region" (``<client>.region``, where account-level findings
go) is the region it was run from: the demo's profile region, us-east-1.

``DIFFERENCES`` are the checks whose findings postureflow deliberately files on
another resource than Prowler (docs/migrating-from-prowler.md, "Resource
identities"); those tests are strict xfails, so a fix shows up as a failure
asking to update the doc. ``test_share_of_matching_identities`` prints the share.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from types import SimpleNamespace

import boto3
import pytest

from postureflow import prowler_identity
from postureflow.aws import AwsAccess
from postureflow.checks import all_checks
from postureflow.collect import all_collectors
from postureflow.demo import seed_account
from postureflow.lake import Lake
from postureflow.testing import scan_in_moto

ACCOUNT = "123456789012"
REGIONS = ["us-east-1", "eu-west-1"]
HOME = "us-east-1"  # Prowler's <client>.region: the profile region, audited


def _template(service: str, suffix: str, region: str = HOME) -> str:
    return f"arn:aws:{service}:{region}:{ACCOUNT}:{suffix}"


def _account(arn: str, region: str):
    """``report.resource_arn = <template>; report.resource_id = <client>.audited_account``."""
    return lambda f, aws: (arn, ACCOUNT, region)


def _regional_account(service: str, suffix: str):
    """As _account, with the finding's own region in the template (``_get_<x>_arn_template(region)``)."""
    return lambda f, aws: (_template(service, suffix, f["region"]), ACCOUNT, f["region"])


def _home_template_each_region(service: str, suffix: str):
    """Prowler writes one account finding (home region); postureflow judges each region, so every region's
    finding takes the home template with its own region (only the home region's has a Prowler twin)."""
    return lambda f, aws: (_template(service, suffix), ACCOUNT, f["region"])


def _own(f, aws):
    return f["resource_uid"], f["resource_id"], f["region"]


def _log_group(f, aws):
    # LogGroup(arn=log_group["arn"], name=log_group["logGroupName"], region=...)
    return aws.log_group_arns[(f["region"], f["resource_id"])], f["resource_id"], f["region"]


def _hub(f, aws):
    arn = aws.hub_arns.get(f["region"])
    if arn is None:  # InvalidAccessException: SecurityHubHub(arn=get_unknown_arn(region, "hub"), id="hub/unknown")
        return _template("securityhub", "hub/unknown", f["region"]), "hub/unknown", f["region"]
    return arn, arn.split("/")[1], f["region"]


def _detector(f, aws):
    ids = aws.detector_ids.get(f["region"])
    if not ids:  # Detector(id="detector/unknown", arn=get_unknown_arn(region, "detector"))
        return _template("guardduty", "detector/unknown", f["region"]), "detector/unknown", f["region"]
    return _template("guardduty", f"detector/{f['resource_id']}", f["region"]), f["resource_id"], f["region"]


def _analyzer(f, aws):
    # no analyzer listed: Analyzer(arn=get_unknown_arn(region, "analyzer"), name="analyzer/unknown")
    return f"arn:aws:accessanalyzer:{f['region']}:{ACCOUNT}:analyzer/unknown", "analyzer/unknown", f["region"]


def _inline_policy(f, aws):
    # Policy(arn=<user|group|role>.arn, entity=<its name>); report.resource_id = f"{policy.entity}/{policy.name}"
    entity_type, entity, policy = f["resource_id"].split("/", 2)
    return f"arn:aws:iam::{ACCOUNT}:{entity_type}/{entity}", f"{entity}/{policy}", HOME


def _recorder(f, aws):
    # report.resource_arn = config_client._get_recorder_arn_template(recorder.region); id = recorder name
    names = aws.recorder_names.get(f["region"]) or [ACCOUNT]
    return _template("config", "recorder", f["region"]), names[0], f["region"]


def _user_policies(f, aws):
    # a user with policies: one finding per policy, resource_id = f"{user.name}/{policy name}", arn = user.arn
    policies = aws.user_policies.get(f["resource_id"]) or []
    name = f"{f['resource_id']}/{policies[0]}" if policies else f["resource_id"]
    return f["resource_uid"], name, HOME


def _organization(f, aws):
    # report on organizations_client.organization: Organization(arn, id), or get_unknown_arn() / "unknown"
    if aws.organization:
        return aws.organization["Arn"], aws.organization["Id"], HOME
    return f"arn:aws:organizations::{ACCOUNT}:unknown", "unknown", HOME


def _metric_filter(f, aws):
    # the trail's log group holding the filter; none: log_group_arn_template, audited_account, logs_client.region
    if ":alarm:" in f["resource_uid"]:
        return None  # Prowler reports the log group: see DIFFERENCES
    return _template("logs", "log-group"), ACCOUNT, f["region"]


PASSWORD_POLICY = _account(_template("iam", "password-policy"), HOME)
AUDITED_ACCOUNT = _account(f"arn:aws:iam::{ACCOUNT}:root", HOME)

PROWLER = {
    **{c: PASSWORD_POLICY for c in (
        "iam_password_policy_expires_passwords_within_90_days_or_less", "iam_password_policy_lowercase",
        "iam_password_policy_minimum_length_14", "iam_password_policy_number", "iam_password_policy_reuse_24",
        "iam_password_policy_symbol", "iam_password_policy_uppercase",
    )},
    **{c: AUDITED_ACCOUNT for c in (
        "account_maintain_different_contact_details_to_security_billing_and_operations",
        "account_security_contact_information_is_registered",
        "account_security_questions_are_registered_in_the_aws_account",
        "iam_check_saml_providers_sts",
    )},
    **{c: _inline_policy for c in (
        "iam_inline_policy_allows_privilege_escalation", "iam_inline_policy_no_administrative_privileges",
        "iam_inline_policy_no_full_access_to_cloudtrail", "iam_inline_policy_no_full_access_to_kms",
        "iam_inline_policy_no_wildcard_marketplace_subscribe",
    )},
    **{c: _log_group for c in (
        "cloudwatch_log_group_kms_encryption_enabled", "cloudwatch_log_group_not_publicly_accessible",
        "cloudwatch_log_group_retention_policy_specific_days_enabled", "cloudwatch_log_group_no_secrets_in_logs",
    )},
    **{c: _metric_filter for c in prowler_identity._METRIC_FILTER_CHECKS},
    **{c: _hub for c in ("securityhub_enabled", "securityhub_delegated_admin_enabled_all_regions")},
    **{c: _detector for c in ("guardduty_is_enabled", "guardduty_delegated_admin_enabled_all_regions")},
    **{c: _analyzer for c in ("accessanalyzer_enabled", "accessanalyzer_enabled_without_findings")},
    **{c: _recorder for c in ("config_recorder_all_regions_enabled", "config_recorder_using_aws_service_role")},
    "iam_policy_attached_only_to_group_or_roles": _user_policies,
    "organizations_account_part_of_organizations": _organization,
    # ModelRegistry(name="SageMaker Model Registry", arn=get_unknown_arn(region, "model-registry"))
    "sagemaker_models_registry_in_use": lambda f, aws: (
        _template("sagemaker", "model-registry/unknown", f["region"]), "SageMaker Model Registry", f["region"]),
    # no schedule in Scheduled state: MonitoringSchedule(name="SageMaker Monitoring Schedules", arn=get_unknown_arn(...))
    "sagemaker_models_monitor_enabled": lambda f, aws: (
        _template("sagemaker", "monitoring-schedule/unknown", f["region"]), "SageMaker Monitoring Schedules", f["region"]),
    "iam_root_hardware_mfa_enabled": lambda f, aws: (f"arn:aws:iam::{ACCOUNT}:mfa", "<root_account>", HOME),
    "iam_support_role_created": lambda f, aws: (f"arn:aws:iam::aws:policy/AWSSupportAccess", ACCOUNT, HOME),
    "iam_policy_cloudshell_admin_not_attached": lambda f, aws: (
        "arn:aws:iam::aws:policy/AWSCloudShellFullAccess", ACCOUNT, HOME),
    "iam_securityaudit_role_created": lambda f, aws: ("arn:aws:iam::aws:policy/SecurityAudit", "SecurityAudit", HOME),
    "ec2_ebs_default_encryption": _regional_account("ec2", "volume"),
    "ec2_instance_account_imdsv2_enabled": _regional_account("ec2", "account"),
    "ec2_ebs_snapshot_account_block_public_access": lambda f, aws: (_template("ec2", "account"), ACCOUNT, f["region"]),
    "ec2_ami_account_block_public_access": lambda f, aws: (_template("ec2", "account"), ACCOUNT, f["region"]),
    "emr_cluster_account_public_block_enabled": _regional_account("elasticmapreduce", "cluster"),
    "macie_is_enabled": _regional_account("macie", "session"),
    "macie_automated_sensitive_data_discovery_enabled": _regional_account("macie", "session"),
    "drs_job_exist": _regional_account("drs", "recovery-job"),
    **{c: _regional_account("rds", "account") for c in (
        "rds_cluster_critical_event_subscription", "rds_instance_critical_event_subscription",
        "rds_instance_event_subscription_parameter_groups", "rds_instance_event_subscription_security_groups",
    )},
    "s3_account_level_public_access_blocks": _account(_template("s3", "account"), HOME),
    "fms_policy_compliant": _account(_template("fms", "policy"), HOME),
    "trustedadvisor_errors_and_warnings": _account(_template("trusted-advisor", "account"), HOME),
    "trustedadvisor_premium_support_plan_subscribed": _account(_template("trusted-advisor", "account"), HOME),
    "ssmincidents_enabled_with_plans": _account(_template("ssm-incidents", "replication-set"), HOME),
    "resourceexplorer2_indexes_found": _account(_template("resource-explorer", "index"), HOME),
    "vpc_different_regions": _account(_template("ec2", "vpc"), HOME),
    "cloudwatch_cross_account_sharing_disabled": _account(_template("iam", "role"), HOME),
    "backup_plans_exist": _home_template_each_region("backup", "backup-plan"),
    "backup_reportplans_exist": _home_template_each_region("backup", "report-plan"),
    **{c: _home_template_each_region("cloudtrail", "trail") for c in (
        "cloudtrail_threat_detection_enumeration", "cloudtrail_threat_detection_llm_jacking",
        "cloudtrail_threat_detection_privilege_escalation",
    )},
    "bedrock_guardrails_configured": lambda f, aws: (
        _template("bedrock", "guardrails", f["region"]), "bedrock-guardrails", f["region"]),
    "bedrock_model_invocation_logging_enabled": lambda f, aws: (
        _template("bedrock", "model-invocation-logging", f["region"]), "model-invocation-logging", f["region"]),
    "bedrock_prompt_management_exists": lambda f, aws: (
        _template("bedrock", "prompt-management", f["region"]), "prompt-management", f["region"]),
    "sagemaker_clarify_exists": lambda f, aws: (
        _template("sagemaker", "processing-job", f["region"]), "sagemaker-clarify", f["region"]),
    # Inspector2(id="Inspector2", arn=f"arn:...:inspector2:{region}:{account}:inspector2")
    "inspector2_is_enabled": lambda f, aws: (_template("inspector2", "inspector2", f["region"]), "Inspector2", f["region"]),
    # Registry(id=registry_id (the account), arn=f"arn:...:ecr:{region}:{account}:registry/{registry_id}")
    **{c: (lambda f, aws: (_template("ecr", f"registry/{ACCOUNT}", f["region"]), ACCOUNT, f["region"])) for c in (
        "ecr_registry_enhanced_scanning_enabled", "ecr_registry_scan_images_on_push_enabled",
    )},
    # report.region = shield_client.region (a global service: the partition's global region)
    **{c: (lambda f, aws: (f["resource_uid"], f["resource_id"], HOME)) for c in (
        "shield_advanced_protection_in_classic_load_balancers",
        "shield_advanced_protection_in_internet_facing_load_balancers",
    )},
}

# check -> why postureflow files the finding on another resource than Prowler (docs/migrating-from-prowler.md)
DIFFERENCES = {
    **{c: "postureflow reports the alarm that watches the metric filter; Prowler the trail's log group"
       for c in prowler_identity._METRIC_FILTER_CHECKS},
    "iam_policy_attached_only_to_group_or_roles": "postureflow reports the user; Prowler each policy (<user>/<policy>)",
    "backup_vaults_exist": "postureflow reports each region's vault presence; Prowler each vault, or one account finding",
    **{c: "Prowler files every load balancer in the partition's global region (its own finding uids then collide "
          "for same-named load balancers in two regions); postureflow keeps the load balancer's region"
       for c in ("shield_advanced_protection_in_classic_load_balancers",
                 "shield_advanced_protection_in_internet_facing_load_balancers")},
}


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    from moto import mock_aws

    with mock_aws():
        seed_account(boto3.session.Session(region_name=HOME), ACCOUNT, REGIONS)
        run = scan_in_moto(Lake(str(tmp_path_factory.mktemp("lake"))), sorted(all_collectors()), regions=REGIONS,
                           access=AwsAccess.from_default_chain(), account_id=ACCOUNT, scan_date=dt.date(2026, 11, 22))
        yield run.findings, _prowler_reads()


def _prowler_reads() -> SimpleNamespace:
    """What Prowler's service models read from AWS verbatim, per region."""
    aws = SimpleNamespace(log_group_arns={}, hub_arns={}, detector_ids={}, recorder_names={}, user_policies={})
    try:
        aws.organization = boto3.client("organizations").describe_organization()["Organization"]
    except Exception:  # AWSOrganizationsNotInUseException
        aws.organization = None
    iam = boto3.client("iam")
    for user in iam.list_users()["Users"]:
        attached = iam.list_attached_user_policies(UserName=user["UserName"])["AttachedPolicies"]
        inline = iam.list_user_policies(UserName=user["UserName"])["PolicyNames"]
        aws.user_policies[user["UserName"]] = [p["PolicyName"] for p in attached] + list(inline)
    for region in REGIONS:
        logs = boto3.client("logs", region_name=region)
        for page in logs.get_paginator("describe_log_groups").paginate():
            for group in page["logGroups"]:
                aws.log_group_arns[(region, group["logGroupName"])] = group["arn"]
        try:
            aws.hub_arns[region] = boto3.client("securityhub", region_name=region).describe_hub()["HubArn"]
        except Exception:  # InvalidAccessException: not enabled there
            pass
        aws.detector_ids[region] = boto3.client("guardduty", region_name=region).list_detectors()["DetectorIds"]
        recorders = boto3.client("config", region_name=region).describe_configuration_recorders()
        aws.recorder_names[region] = [r["name"] for r in recorders["ConfigurationRecorders"]]
    return aws


def prowler_expected(finding: dict, aws) -> tuple[str, str, str] | None:
    return PROWLER.get(finding["check_id"], _own)(finding, aws)


def ours(finding: dict) -> tuple[str, str, str]:
    ident = prowler_identity.of_row(finding)
    return ident.uid, ident.name, ident.region


def _params():
    for check_id in sorted(all_checks()):
        marks = [pytest.mark.xfail(strict=True, reason=DIFFERENCES[check_id])] if check_id in DIFFERENCES else []
        yield pytest.param(check_id, marks=marks, id=check_id)


@pytest.mark.parametrize("check_id", list(_params()))
def test_prowler_identity_of_each_finding(demo, check_id):
    findings, aws = demo
    mine = [f for f in findings if f["check_id"] == check_id]
    if not mine:
        pytest.skip("no finding on the demo account")
    wrong = [(ours(f), prowler_expected(f, aws)) for f in mine if ours(f) != prowler_expected(f, aws)]
    assert not wrong, f"{len(wrong)} of {len(mine)} differ, e.g. ours {wrong[0][0]} vs Prowler's {wrong[0][1]}"


def test_prowler_identities_stay_unique_per_check(demo):
    """Prowler's finding uid and ASFF Id are built from them: two findings must never share one."""
    findings, _ = demo
    uids = Counter(prowler_identity.prowler_finding_uid(f) for f in findings)
    asff = Counter(prowler_identity.asff_id(f) for f in findings)
    assert [u for u, n in uids.items() if n > 1] == [] and [u for u, n in asff.items() if n > 1] == []


def test_share_of_matching_identities(demo, capsys):
    findings, aws = demo
    matching = sum(ours(f) == prowler_expected(f, aws) for f in findings)
    share = matching / len(findings)
    differing = Counter(f["check_id"] for f in findings if ours(f) != prowler_expected(f, aws))
    with capsys.disabled():
        print(f"\nProwler identity matches on the demo account: {matching} of {len(findings)} findings "
              f"({share:.1%}); differing by check: {dict(sorted(differing.items()))}")
    assert set(differing) <= set(DIFFERENCES), "a difference not documented in DIFFERENCES"
    assert share >= 0.95


def test_old_rows_without_the_columns_fall_back_to_ours():
    row = {"check_id": "c", "account_id": ACCOUNT, "resource_uid": "arn:aws:s3:::b", "resource_id": "b",
           "region": "eu-west-1"}
    assert prowler_identity.of_row(row) == prowler_identity.Identity("arn:aws:s3:::b", "b", "eu-west-1")
    assert prowler_identity.prowler_finding_uid(row) == f"prowler-aws-c-{ACCOUNT}-eu-west-1-b"


def test_asff_id_is_prowlers():
    """prowler/lib/outputs/asff/asff.py: Id=f"prowler-{CheckID}-{account}-{region}-{hash_sha512(resource_uid)}",
    hash_sha512 being the first 9 hex digits of the SHA-512 of the UTF-8 text."""
    import hashlib

    row = {"check_id": "iam_password_policy_lowercase", "account_id": ACCOUNT, "region": HOME,
           "resource_uid": f"arn:aws:iam::{ACCOUNT}:account-password-policy", "resource_id": "account-password-policy",
           "prowler_resource_uid": _template("iam", "password-policy"), "prowler_resource_name": ACCOUNT}
    digest = hashlib.sha512(_template("iam", "password-policy").encode()).hexdigest()[:9]
    assert prowler_identity.asff_id(row) == f"prowler-iam_password_policy_lowercase-{ACCOUNT}-{HOME}-{digest}"
