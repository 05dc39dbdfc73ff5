"""Which verdicts no test produced: per check, the statuses (FAIL / PASS / MANUAL) never seen.

    POSTUREFLOW_VERDICT_COVERAGE=/tmp/vcov .venv/bin/python -m pytest -n 2 --dist loadfile tests/checks ...
    .venv/bin/python scripts/verdict_coverage.py /tmp/vcov [--json] [--service S]

Reads the files tests/verdict_coverage.py wrote (one per xdist worker). Our standard: each check has a test
where it FAILs, one where it PASSes, one where its data could not be read (MANUAL). A status a check cannot
give is in IMPOSSIBLE with the reason, and is not counted missing.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from postureflow.checks import all_checks
from postureflow.checks.base import STATUSES

STATUS_ORDER = ("FAIL", "PASS", "MANUAL")
assert set(STATUS_ORDER) == set(STATUSES)

_NO_GOLDEN_LIST = "no list of approved enclave builds is configured, so the check only ever asks for a review (MANUAL)"

# check id -> {status: why no test can produce it}
IMPOSSIBLE: dict[str, dict[str, str]] = {
    "account_security_questions_are_registered_in_the_aws_account": dict.fromkeys(
        ("FAIL", "PASS"), "no API reports the root user's security questions: always MANUAL"),
    "kms_key_enclave_attestation_pcr_mismatch": dict.fromkeys(("FAIL", "PASS"), _NO_GOLDEN_LIST),
    "kms_key_enclave_attestation_unknown_image": dict.fromkeys(("FAIL", "PASS"), _NO_GOLDEN_LIST),
}

# No MANUAL: every field these checks read comes with the listing of their records, and a failed listing leaves
# no record to judge (RegionScope.list never returns part of a list), so no refused read leaves one unjudged.
# Services the demo seeds: measured by refusing each call the collector made on the demo account, one at a time
# (as tests/test_denied_calls.py does): the check judged its records, and no refusal made one MANUAL or dropped
# it while the record stayed (the demo's records only: a call it never made was never refused). _LISTING_ONLY_READ
# (services or records the demo lacks): read from their collectors.
LISTING_ONLY = "every field it reads comes with its records' listing: a failed listing leaves nothing to judge"
_LISTING_ONLY_READ = (
    "appstream_fleet_default_internet_access_disabled", "appstream_fleet_maximum_session_duration",
    "appstream_fleet_session_disconnect_timeout", "appstream_fleet_session_idle_disconnect_timeout",
    "bedrock_api_key_no_long_term_credentials", "directconnect_virtual_interface_redundancy",
    "directoryservice_ldap_certificate_expiration", "directoryservice_radius_server_security_protocol",
    "directoryservice_supported_mfa_radius_enabled", "dms_endpoint_mongodb_authentication_enabled",
    "dms_endpoint_neptune_iam_authorization_enabled", "dms_endpoint_redis_in_transit_encryption_enabled",
    "dms_endpoint_ssl_enabled", "dms_replication_task_source_logging_enabled",
    "dms_replication_task_target_logging_enabled", "dynamodb_accelerator_cluster_encryption_enabled",
    "dynamodb_accelerator_cluster_in_transit_encryption_enabled", "dynamodb_accelerator_cluster_multi_az",
    "ec2_ami_public", "ec2_ebs_snapshots_encrypted", "ec2_elastic_ip_unassigned",
    "glue_catalog_connection_no_secrets", "glue_database_connections_ssl_enabled",
    "glue_ml_transform_encrypted_at_rest", "kafka_connector_in_transit_encryption_enabled",
    "cloudwatch_log_group_agentcore_data_protection_policy_enabled",
    # CloudFront: the listing's summary holds origins, certificate and behaviours (GetDistributionConfig adds
    # only logging and the default root object)
    "cloudfront_distributions_https_sni_enabled", "cloudfront_distributions_s3_origin_access_control",
    "documentdb_cluster_backup_enabled", "documentdb_cluster_cloudwatch_log_export",
    "documentdb_cluster_deletion_protection", "documentdb_cluster_multi_az_enabled",
    "documentdb_cluster_storage_encrypted", "elasticbeanstalk_environment_php_platform_updated",
    "lightsail_database_public", "lightsail_instance_automated_snapshots", "lightsail_instance_public",
    "lightsail_static_ip_unused", "s3_multi_region_access_point_public_access_block",
    "storagegateway_gateway_fault_tolerant",
    "wellarchitected_workload_no_high_or_medium_risks", "apigateway_domain_name_pqc_tls_enabled",
    "autoscaling_group_capacity_rebalance_enabled", "autoscaling_group_elb_health_check_enabled",
    "ec2_client_vpn_endpoint_connection_logging_enabled", "ec2_transitgateway_auto_accept_vpc_attachments",
    "fsx_file_system_copy_tags_to_volumes_enabled", "rds_cluster_backtrack_enabled",
    "rds_instance_certificate_expiration",
    "vpc_endpoint_connections_trust_boundaries", "vpc_endpoint_multi_az_enabled", "vpc_vpn_connection_tunnels_up",
)
_LISTING_ONLY_MEASURED = (
    "acm_certificates_expiration_check", "acm_certificates_with_secure_key_algorithms",
    "acmpca_certificate_authority_pqc_key_algorithm", "apigateway_restapi_public",
    "appsync_field_level_logging_enabled", "appsync_graphql_api_no_api_key_authentication",
    "autoscaling_find_secrets_ec2_launch_configuration", "autoscaling_group_multiple_az",
    "autoscaling_group_multiple_instance_types", "autoscaling_group_using_ec2_launch_template",
    "awslambda_function_env_vars_not_encrypted_with_cmk", "awslambda_function_inside_vpc",
    "awslambda_function_no_dead_letter_queue", "awslambda_function_no_secrets_in_variables",
    "awslambda_function_using_cross_account_layers", "awslambda_function_using_supported_runtimes",
    "backup_vaults_encrypted", "batch_job_definition_no_secrets", "cloudformation_stack_outputs_find_secrets",
    "cloudformation_stacks_termination_protection_enabled", "cloudfront_distributions_custom_ssl_certificate",
    "cloudfront_distributions_field_level_encryption_enabled", "cloudfront_distributions_geo_restrictions_enabled",
    "cloudfront_distributions_https_enabled", "cloudfront_distributions_multiple_origin_failover_configured",
    "cloudfront_distributions_origin_traffic_encrypted", "cloudfront_distributions_pqc_tls_enabled",
    "cloudfront_distributions_using_deprecated_ssl_protocols", "cloudfront_distributions_using_waf",
    "cloudtrail_kms_encryption_enabled", "cloudtrail_log_file_validation_enabled",
    "cloudwatch_alarm_actions_alarm_state_configured", "cloudwatch_alarm_actions_enabled",
    "cloudwatch_log_group_kms_encryption_enabled", "cloudwatch_log_group_retention_policy_specific_days_enabled",
    "dms_instance_minor_version_upgrade_enabled", "dms_instance_multi_az_enabled", "ec2_ebs_volume_encryption",
    "ec2_instance_detailed_monitoring_enabled", "ec2_instance_imdsv2_enabled",
    "ec2_instance_internet_facing_with_instance_profile", "ec2_instance_older_than_specific_days",
    "ec2_instance_paravirtual_type", "ec2_instance_profile_attached", "ec2_instance_public_ip",
    "ec2_instance_uses_single_eni", "ec2_networkacl_unused", "ec2_securitygroup_from_launch_wizard",
    "ec2_securitygroup_with_many_ingress_egress_rules", "ecr_repositories_tag_immutability",
    "efs_encryption_at_rest_enabled", "elasticache_redis_cluster_automatic_failover_enabled",
    "elasticache_redis_cluster_in_transit_encryption_enabled", "elasticache_redis_cluster_multi_az_enabled",
    "elasticache_redis_cluster_rest_encryption_enabled", "elb_internet_facing", "elb_is_in_multiple_az",
    "elb_ssl_listeners", "elbv2_is_in_multiple_az", "eventbridge_bus_cross_account_access",
    "eventbridge_bus_exposed", "fsx_file_system_copy_tags_to_backups_enabled",
    "fsx_windows_file_system_multi_az_enabled", "glue_etl_jobs_logging_enabled",
    "glue_etl_jobs_no_secrets_in_arguments", "iam_group_administrator_access_policy",
    "iam_inline_policy_no_full_access_to_cloudtrail", "iam_no_expired_server_certificates_stored",
    "iam_policy_attached_only_to_group_or_roles", "iam_role_administratoraccess_policy",
    "iam_role_cross_account_readonlyaccess_policy", "iam_role_cross_service_confused_deputy_prevention",
    "iam_user_administrator_access_policy", "kafka_cluster_enhanced_monitoring_enabled",
    "kafka_cluster_in_transit_encryption_enabled", "kafka_cluster_is_public",
    "kafka_cluster_mutual_tls_authentication_enabled", "kafka_cluster_unrestricted_access_disabled",
    "memorydb_cluster_auto_minor_version_upgrades", "memorydb_cluster_in_transit_encryption_enabled",
    "neptune_cluster_backup_enabled", "neptune_cluster_copy_tags_to_snapshots",
    "neptune_cluster_deletion_protection", "neptune_cluster_iam_authentication_enabled",
    "neptune_cluster_integration_cloudwatch_logs", "neptune_cluster_multi_az", "neptune_cluster_snapshot_encrypted",
    "neptune_cluster_storage_encrypted", "rds_cluster_copy_tags_to_snapshots", "rds_cluster_default_admin",
    "rds_cluster_deletion_protection", "rds_cluster_iam_authentication_enabled",
    "rds_cluster_integration_cloudwatch_logs", "rds_cluster_minor_version_upgrade_enabled", "rds_cluster_multi_az",
    "rds_cluster_non_default_port", "rds_cluster_storage_encrypted", "rds_instance_backup_enabled",
    "rds_instance_copy_tags_to_snapshots", "rds_instance_default_admin", "rds_instance_deletion_protection",
    "rds_instance_enhanced_monitoring_enabled", "rds_instance_extended_support",
    "rds_instance_iam_authentication_enabled", "rds_instance_inside_vpc",
    "rds_instance_integration_cloudwatch_logs", "rds_instance_minor_version_upgrade_enabled",
    "rds_instance_no_public_access", "rds_instance_non_default_port", "rds_instance_storage_encrypted",
    "redshift_cluster_automated_snapshot", "redshift_cluster_automatic_upgrades",
    "redshift_cluster_encrypted_at_rest", "redshift_cluster_enhanced_vpc_routing",
    "redshift_cluster_multi_az_enabled", "redshift_cluster_non_default_database_name",
    "redshift_cluster_non_default_username", "secretsmanager_automatic_rotation_enabled",
    "secretsmanager_secret_rotated_periodically", "secretsmanager_secret_unused",
    "sns_subscription_not_using_http_endpoints", "vpc_subnet_no_public_ip_by_default",
    "workspaces_volume_encryption_enabled",
)
IMPOSSIBLE.update({check_id: {"MANUAL": LISTING_ONLY} for check_id in _LISTING_ONLY_READ + _LISTING_ONLY_MEASURED})


def merge(directory: Path) -> dict[str, dict[str, dict]]:
    """check id -> status -> {"count", "tests"} over every worker's file."""
    files = sorted(directory.glob("verdicts-*.json"))
    if not files:
        raise SystemExit(f"no verdicts-*.json in {directory}: run pytest with POSTUREFLOW_VERDICT_COVERAGE={directory}")
    merged: dict[str, dict[str, dict]] = {}
    for path in files:
        for check_id, by_status in json.loads(path.read_text())["verdicts"].items():
            for status, seen in by_status.items():
                into = merged.setdefault(check_id, {}).setdefault(status, {"count": 0, "tests": []})
                into["count"] += seen["count"]
                into["tests"].extend(t for t in seen["tests"] if t not in into["tests"])
    return merged


def report(seen: dict[str, dict[str, dict]], service: str | None = None) -> dict:
    checks = {cid: chk for cid, chk in all_checks().items() if service in (None, chk.service)}
    missing: dict[str, list[str]] = {}
    allowed: dict[str, dict[str, str]] = {}
    for check_id in checks:
        impossible = IMPOSSIBLE.get(check_id, {})
        gaps = [s for s in STATUS_ORDER if s not in seen.get(check_id, {}) and s not in impossible]
        if gaps:
            missing[check_id] = gaps
        if impossible:
            allowed[check_id] = impossible
    return {
        "checks": len(checks),
        "complete": len(checks) - len(missing),
        "missing": {status: sum(status in gaps for gaps in missing.values()) for status in STATUS_ORDER},
        "never_seen": sorted(cid for cid in checks if cid not in seen),
        "gaps": missing,
        "allowed": allowed,
        "unknown_checks": sorted(cid for cid in seen if cid not in all_checks()),
        # an allowed status a test produced after all: the allow-list is wrong
        "allowed_but_seen": sorted(f"{cid}:{s}" for cid, why in allowed.items() for s in why if s in seen.get(cid, {})),
    }


def print_text(summary: dict) -> None:
    for check_id, gaps in summary["gaps"].items():
        print(f"{check_id}: no {', '.join(gaps)}")
    print()
    print(f"checks: {summary['checks']}, none missing: {summary['complete']}")
    for status, count in summary["missing"].items():
        print(f"missing {status}: {count}")
    print(f"no verdict at all: {len(summary['never_seen'])}")
    print(f"statuses allowed missing (IMPOSSIBLE): {sum(len(v) for v in summary['allowed'].values())}")
    for entry in summary["allowed_but_seen"]:
        print(f"allowed missing but seen, fix IMPOSSIBLE: {entry}")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", type=Path)
    parser.add_argument("--json", action="store_true", help="the whole summary as JSON")
    parser.add_argument("--service", help="only this service's checks")
    args = parser.parse_args(argv)
    summary = report(merge(args.directory), args.service)
    if args.json:
        print(json.dumps(summary, indent=1))
    else:
        print_text(summary)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
