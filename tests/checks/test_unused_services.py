"""Prowler's --scan-unused-services (audit-config key scan_unused_services, off by default): each check
Prowler limits to resources in use skips an unused one by default and judges it with the key on; where
the "in use" fact could not be read the resource is judged, and so gets no verdict (never a silent skip).
Pure evaluations of hand-made inventory records: the moto-backed cases live in each service's tests."""

from __future__ import annotations

import datetime as dt

import pytest

from postureflow.checks import all_checks
from postureflow.config import audit_config
from postureflow.inventory import INCOMPLETE_KIND, Resource

NOW = dt.datetime(2026, 11, 22, tzinfo=dt.timezone.utc)
REGION = "us-east-1"


def _r(record_kind, id, region=REGION, **data):
    return Resource(kind=record_kind, uid=f"arn:{record_kind}:{id}", id=id, region=region, tags={}, data=data)


def _gap(service, kind, region=REGION):
    return {f"{service}.{INCOMPLETE_KIND}": [_r(INCOMPLETE_KIND, f"{kind}-gap", region, kind=kind, reason="denied")]}


def _judge(check_id, inventory, unused: bool):
    config = audit_config({"scan_unused_services": unused})
    return {r.resource.id: r.status for r in all_checks()[check_id].evaluate(inventory, NOW, config)}


def _cert(in_use):
    return _r("certificates", "cert-1", in_use=in_use, domain="x.example", not_after="2026-11-23T00:00:00+00:00",
              key_algorithm="RSA_1024", type="AMAZON_ISSUED", transparency_logging="DISABLED")  # fmt: skip


def _workgroup(queries):
    return _r("workgroups", "wg", state="ENABLED", has_queries=queries, encryption_option=None,
              enforce_configuration=False, cloudwatch_metrics=False)  # fmt: skip


def _catalog():
    return _r("data_catalogs", "123456789012", connection_count=0, has_databases=False, password_encryption=False,
              metadata_encryption="DISABLED")  # fmt: skip


def _key(state):
    return _r("keys", "key-1", manager="CUSTOMER", state=state, aliases=[])


VPC = _r("vpcs", "vpc-1")
ENI = _r("network_interfaces", "eni-1", vpc_id="vpc-1", group_ids=[])
SUBSCRIPTIONS = _r("event_subscriptions", "rds-events-us-east-1", subscriptions=[])

# (check, inventory whose only judged resource is unused, the same made used, expected status when judged)
CASES = [
    *[(c, {"acm.certificates": [_cert(False)]}, {"acm.certificates": [_cert(True)]}, "FAIL")
      for c in ("acm_certificates_expiration_check", "acm_certificates_with_secure_key_algorithms",
                "acm_certificates_transparency_logs_enabled")],
    *[(c, {"athena.workgroups": [_workgroup(False)]}, {"athena.workgroups": [_workgroup(True)]}, "FAIL")
      for c in ("athena_workgroup_encryption", "athena_workgroup_enforce_configuration",
                "athena_workgroup_logging_enabled")],
    ("glue_data_catalogs_connection_passwords_encryption_enabled", {"glue.data_catalogs": [_catalog()]},
     {"glue.data_catalogs": [_r("data_catalogs", "123456789012", connection_count=2, password_encryption=False)]},
     "FAIL"),
    ("glue_data_catalogs_metadata_encryption_enabled", {"glue.data_catalogs": [_catalog()]},
     {"glue.data_catalogs": [_r("data_catalogs", "123456789012", has_databases=True, metadata_encryption="DISABLED")]},
     "FAIL"),
    ("kms_cmk_not_deleted_unintentionally", {"kms.keys": [_key("Disabled")]}, {"kms.keys": [_key("Enabled")]},
     "PASS"),
    ("networkfirewall_in_all_vpc", {"vpc.vpcs": [VPC]}, {"vpc.vpcs": [VPC], "ec2.network_interfaces": [ENI]},
     "FAIL"),
    *[(c, {"rds.event_subscriptions": [SUBSCRIPTIONS]},
       {"rds.event_subscriptions": [SUBSCRIPTIONS], "rds.instances": [_r("instances", "db-1", engine="postgres",
                                                                          parameter_group="pg", db_security_groups=[])],
        "rds.clusters": [_r("clusters", "cl-1", engine="aurora-postgresql")]},
       "FAIL")
      for c in ("rds_cluster_critical_event_subscription", "rds_instance_critical_event_subscription",
                "rds_instance_event_subscription_parameter_groups", "rds_instance_event_subscription_security_groups")],
    ("bedrock_vpc_endpoints_configured",
     {"vpc.vpcs": [VPC], "bedrock.guardrails": [_r("guardrails", "g-1")]},
     {"vpc.vpcs": [VPC], "bedrock.guardrails": [_r("guardrails", "g-1")], "ec2.network_interfaces": [ENI]}, "FAIL"),
]  # fmt: skip


@pytest.mark.parametrize("check_id,unused,used,status", CASES, ids=[c[0] for c in CASES])
def test_unused_is_skipped_by_default_and_judged_with_scan_unused_services(check_id, unused, used, status):
    assert "scan_unused_services" in all_checks()[check_id].config_keys
    assert _judge(check_id, unused, unused=False) == {}
    judged = _judge(check_id, unused, unused=True)
    assert list(judged.values()) == [status]
    assert list(_judge(check_id, used, unused=False).values()) == [status]


def test_the_check_version_says_whether_unused_resources_were_judged():
    check = all_checks()["kms_cmk_not_deleted_unintentionally"]
    assert check.version_for(audit_config()) != check.version_for(audit_config({"scan_unused_services": True}))


@pytest.mark.parametrize(
    "check_id,inventory",
    [
        ("networkfirewall_in_all_vpc", {"vpc.vpcs": [VPC], **_gap("ec2", "network_interfaces")}),
        ("bedrock_vpc_endpoints_configured",
         {"vpc.vpcs": [VPC], "bedrock.guardrails": [_r("guardrails", "g-1")], **_gap("ec2", "network_interfaces")}),
        ("ec2_ebs_default_encryption",
         {"ec2.ebs_encryption_by_default": [_r("ebs_encryption_by_default", "r", enabled=False)], **_gap("ec2", "volumes")}),
        ("ec2_instance_account_imdsv2_enabled",
         {"ec2.instance_metadata_defaults": [_r("instance_metadata_defaults", "r", http_tokens=None)],
          **_gap("ec2", "instances")}),
        ("ec2_networkacl_allow_ingress_any_port",
         {"ec2.network_acls": [_r("network_acls", "acl-1", entries=[])], **_gap("ec2", "security_groups")}),
        ("athena_workgroup_encryption",
         {"athena.workgroups": [_r("workgroups", "wg", state="ENABLED", has_queries=None,
                                   _unread={"has_queries": "athena:ListQueryExecutions AccessDenied"})]}),
        ("acm_certificates_transparency_logs_enabled",
         {"acm.certificates": [_r("certificates", "c", in_use=None, _unread={"in_use": "acm:DescribeCertificate"})]}),
    ],  # fmt: skip
)
def test_an_unreadable_in_use_fact_gives_no_verdict_not_a_skip(check_id, inventory):
    assert set(_judge(check_id, inventory, unused=False).values()) == {"MANUAL"}
