"""Is a config looser than Prowler's default? Per key, which way is "looser".

A compliance requirement judged with a threshold looser than Prowler's (90 days
for unused access keys where CIS says 45) can PASS where the benchmark FAILs;
the compliance output marks such requirements (``looser_config``) so a score is
never read as the benchmark's when it is not.

Directions:

- ``higher``: a larger number is looser (``max_*`` days, rule counts, thresholds);
- ``lower``: a smaller number is looser (``min_*``, retention, AZ counts);
- ``more``: a list that gains items is looser (trusted accounts, allowed types,
  ignore patterns);
- ``fewer``: a list that loses items is looser (high-risk ports, obsolete
  runtimes, required log types);
- ``true`` / ``false``: that boolean value is looser than the other;
- ``version_lower``: an older minimum version is looser;
- ``severity_higher``: a higher minimum severity is looser (fewer findings count);
- ``limit``: a positive resource limit (fewer resources judged) is looser than
  none; a smaller positive limit is looser than a larger one;
- ``neutral``: the value does not make the judgement more or less strict (an
  API key, a sample size of a best-effort probe).

Every Prowler AWS key has a direction (a test holds this), so a check that
declares a new key cannot slip through unmarked.
"""

from __future__ import annotations

import re
from typing import Any, Mapping

from postureflow.config import audit_config

DIRECTIONS: dict[str, str] = {
    "mute_non_default_regions": "true",
    "max_scanned_resources_per_service": "limit",
    "max_ebs_snapshots": "limit",
    "max_backup_recovery_points": "limit",
    "max_cloudwatch_log_groups": "limit",
    "max_lambda_functions": "limit",
    "max_ecs_task_definitions": "limit",
    "max_batch_job_definitions": "limit",
    "max_codeartifact_packages": "limit",
    "disallowed_regions": "more",  # regions left out of the scan
    "max_unused_access_keys_days": "higher",
    "max_console_access_days": "higher",
    "max_unused_sagemaker_access_days": "higher",
    "shodan_api_key": "neutral",
    "max_security_group_rules": "higher",
    "max_ec2_instance_age_in_days": "higher",
    "max_ec2_instance_stopped_days": "higher",
    "ec2_allowed_interface_types": "more",
    "ec2_allowed_instance_owners": "more",
    "ec2_high_risk_ports": "fewer",
    "fargate_linux_latest_version": "version_lower",
    "fargate_windows_latest_version": "version_lower",
    "trusted_account_ids": "more",
    "trusted_ips": "more",
    "log_group_retention_days": "lower",
    "agentcore_log_group_name_prefixes": "neutral",
    "recommended_cdk_bootstrap_version": "lower",
    "max_idle_disconnect_timeout_in_seconds": "higher",
    "max_disconnect_timeout_in_seconds": "higher",
    "max_session_duration_seconds": "higher",
    "elasticbeanstalk_php_min_branch": "version_lower",
    "elasticbeanstalk_php_min_platform_version": "version_lower",
    "lightsail_php_blueprints": "fewer",
    "obsolete_lambda_runtimes": "fewer",
    "lambda_min_azs": "lower",
    "organizations_enabled_regions": "more",
    "organizations_trusted_delegated_administrators": "more",
    "organizations_trusted_ids": "more",
    "ecr_repository_vulnerability_minimum_severity": "severity_higher",
    "inspector2_max_days_since_last_scan": "higher",
    "inspector2_active_finding_max_age_days": "higher",
    "verify_premium_support_plans": "false",
    "threat_detection_privilege_escalation_threshold": "higher",
    "threat_detection_privilege_escalation_minutes": "lower",
    "threat_detection_privilege_escalation_actions": "fewer",
    "threat_detection_enumeration_threshold": "higher",
    "threat_detection_enumeration_minutes": "lower",
    "threat_detection_enumeration_actions": "fewer",
    "threat_detection_llm_jacking_threshold": "higher",
    "threat_detection_llm_jacking_minutes": "lower",
    "threat_detection_llm_jacking_actions": "fewer",
    "check_rds_instance_replicas": "false",
    "days_to_expire_threshold": "lower",
    "insecure_key_algorithms": "fewer",
    "eks_required_log_types": "fewer",
    "eks_cluster_oldest_version_supported": "version_lower",
    "excluded_sensitive_environment_variables": "more",
    "elb_min_azs": "lower",
    "elbv2_min_azs": "lower",
    "acmpca_pqc_key_algorithms": "more",
    "cloudfront_pqc_min_protocol_versions": "more",
    "apigateway_pqc_tls_allowed_policies": "more",
    "elbv2_listener_pqc_tls_allowed_policies": "more",
    "rolesanywhere_pqc_pca_key_algorithms": "more",
    "transfer_pqc_ssh_allowed_policies": "more",
    "minimum_snapshot_retention_period": "lower",
    "secrets_ignore_patterns": "more",
    "secrets_ignore_files": "more",
    "secrets_validate": "neutral",
    "max_days_secret_unused": "higher",
    "max_days_secret_unrotated": "higher",
    "min_kinesis_stream_retention_hours": "lower",
    "s3_bucket_object_public_enabled": "false",
    "s3_bucket_object_public_max_objects": "lower",
    "s3_bucket_object_public_sample_size": "lower",
    "codebuild_github_allowed_organizations": "more",
    # Prowler's --scan-unused-services (off by default): on judges unused resources too, so off is the looser
    # value, and Prowler's own default; a requirement judged with it off is not marked looser.
    "scan_unused_services": "false",
}

SEVERITY_ORDER = ("INFORMATIONAL", "LOW", "MEDIUM", "HIGH", "CRITICAL")


def direction_of(key: str) -> str | None:
    """The direction of ``key``: from the table, else from its name (``max_`` higher, ``min_`` lower)."""
    if key in DIRECTIONS:
        return DIRECTIONS[key]
    if key.startswith("max_"):
        return "higher"
    if key.startswith(("min_", "minimum_")):
        return "lower"
    return None


def _version(value: Any) -> tuple:
    return tuple(int(part) if part.isdigit() else part for part in re.split(r"[.\-]", str(value)))


def _number(value: Any) -> float | None:
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def is_looser(key: str, value: Any, default: Any) -> bool:
    """Whether ``value`` for ``key`` judges more leniently than ``default``."""
    if value == default:
        return False
    direction = direction_of(key)
    if direction in (None, "neutral"):
        return False
    if direction == "true":
        return bool(value) and not bool(default)
    if direction == "false":
        return not bool(value) and bool(default)
    if direction in ("more", "fewer"):
        new, old = {str(v) for v in value or ()}, {str(v) for v in default or ()}
        return bool(new - old) if direction == "more" else bool(old - new)
    if direction == "limit":
        new, old = _number(value) or 0, _number(default) or 0
        if new <= 0:
            return False  # no limit: every resource is judged
        return old <= 0 or new < old
    if direction == "version_lower":
        try:
            return _version(value) < _version(default)
        except TypeError:
            return str(value) != str(default)
    if direction == "severity_higher":
        order = {name: rank for rank, name in enumerate(SEVERITY_ORDER)}
        return order.get(str(value).upper(), -1) > order.get(str(default).upper(), len(order))
    new, old = _number(value), _number(default)
    if new is None or old is None:
        return False
    return new > old if direction == "higher" else new < old


def looser_keys(keys: Any, config: Mapping[str, Any] | None) -> list[str]:
    """The keys among ``keys`` (or a check's ``config_keys``) whose value in ``config`` is looser than Prowler's."""
    if config is None:
        return []
    keys = getattr(keys, "config_keys", keys)
    defaults = audit_config()  # Prowler's keys and the flags offered like keys (scan_unused_services)
    return sorted(k for k in keys if k in config and k in defaults and is_looser(k, config[k], defaults[k]))
