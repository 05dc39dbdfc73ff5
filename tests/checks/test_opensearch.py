import json
from types import SimpleNamespace

import boto3
import pytest

from postureflow.aws import AwsAccess
from postureflow.lake import Lake
from postureflow.testing import scan_in_moto

ACCOUNT = "123456789012"
REGIONS = ["us-east-1", "eu-west-1"]
LOG_GROUP = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/opensearch/{}"


def _policy(principal):
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"AWS": principal}, "Action": "es:*", "Resource": "*"}],
        }
    )


def _logs(*names):
    return {name: {"CloudWatchLogsLogGroupArn": LOG_GROUP.format(name), "Enabled": True} for name in names}


def _build():
    client = boto3.client("opensearch", region_name="us-east-1")
    # Everything off, and an access policy that lets anyone in.
    client.create_domain(DomainName="open-domain", AccessPolicies=_policy("*"))
    # Everything on, access limited to the account.
    client.create_domain(
        DomainName="tight-domain",
        AccessPolicies=_policy(f"arn:aws:iam::{ACCOUNT}:root"),
        EncryptionAtRestOptions={"Enabled": True},
        NodeToNodeEncryptionOptions={"Enabled": True},
        DomainEndpointOptions={"EnforceHTTPS": True},
        AdvancedSecurityOptions={
            "Enabled": True,
            "InternalUserDatabaseEnabled": True,
            "MasterUserOptions": {"MasterUserName": "admin", "MasterUserPassword": "Str0ng-Passw0rd!"},
        },
        LogPublishingOptions=_logs("AUDIT_LOGS", "SEARCH_SLOW_LOGS", "INDEX_SLOW_LOGS"),
    )
    # A policy for anyone, but the endpoint lives in a VPC; only the index slow log is published.
    client.create_domain(
        DomainName="vpc-domain",
        AccessPolicies=_policy("*"),
        VPCOptions={"SubnetIds": ["subnet-12345678"], "SecurityGroupIds": ["sg-12345678"]},
        LogPublishingOptions=_logs("INDEX_SLOW_LOGS"),
    )
    boto3.client("opensearch", region_name="eu-west-1").create_domain(DomainName="eu-domain")


def _software_hook(access):
    """moto's DescribeDomains leaves out ServiceSoftwareOptions; this hook adds it to moto's answer: an update is
    pending for open-domain only."""

    def add_software(parsed, **_):
        for domain in parsed.get("DomainStatusList", []):
            pending = domain["DomainName"] == "open-domain"
            domain["ServiceSoftwareOptions"] = {
                "CurrentVersion": "OpenSearch_2_11_R20231113",
                "NewVersion": "OpenSearch_2_11_R20240502" if pending else "",
                "UpdateAvailable": pending,
            }

    for region in REGIONS:
        access.client("opensearch", region).meta.events.register("after-call.opensearch.DescribeDomains", add_software)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from moto import mock_aws

    with mock_aws():
        _build()
        access = AwsAccess.from_default_chain()
        _software_hook(access)
        lake = Lake(str(tmp_path_factory.mktemp("opensearch-lake")))
        run = scan_in_moto(lake, ["opensearch"], REGIONS, access=access)
    return SimpleNamespace(run=run, calls=access.call_log)


@pytest.mark.parametrize(
    "check",
    [
        "opensearch_service_domains_access_control_enabled",
        "opensearch_service_domains_audit_logging_enabled",
        "opensearch_service_domains_encryption_at_rest_enabled",
        "opensearch_service_domains_https_communications_enforced",
        "opensearch_service_domains_node_to_node_encryption_enabled",
        "opensearch_service_domains_updated_to_the_latest_service_software_version",
    ],
)
def test_fails_open_and_passes_tight(world, check):
    _pair(world, check)


def _pair(world, check, bad="open-domain", good="tight-domain"):
    assert world.run.status(check, bad) == "FAIL"
    assert world.run.status(check, good) == "PASS"


def test_every_region_and_domain_collected(world):
    judged = world.run.statuses("opensearch_service_domains_encryption_at_rest_enabled")
    assert set(judged) == {"open-domain", "tight-domain", "vpc-domain", "eu-domain"}
    assert world.run.errors == []


def test_no_identical_api_call_twice(world):
    assert world.calls.repeated() == []


def test_cloudwatch_slow_logs(world):
    _pair(world, "opensearch_service_domains_cloudwatch_logging_enabled")
    # Only one of the two slow logs is not enough.
    assert world.run.status("opensearch_service_domains_cloudwatch_logging_enabled", "vpc-domain") == "FAIL"


def test_not_publicly_accessible(world):
    _pair(world, "opensearch_service_domains_not_publicly_accessible")
    # The same open policy behind a VPC endpoint is not public.
    assert world.run.status("opensearch_service_domains_not_publicly_accessible", "vpc-domain") == "PASS"


@pytest.mark.parametrize(
    "check",
    [
        "opensearch_service_domains_access_control_enabled",
        "opensearch_service_domains_audit_logging_enabled",
        "opensearch_service_domains_cloudwatch_logging_enabled",
        "opensearch_service_domains_encryption_at_rest_enabled",
        "opensearch_service_domains_https_communications_enforced",
        "opensearch_service_domains_node_to_node_encryption_enabled",
        "opensearch_service_domains_not_publicly_accessible",
        "opensearch_service_domains_updated_to_the_latest_service_software_version",
    ],
)
def test_undescribed_domain_gives_no_verdict(scan, check):
    from postureflow.testing import DeniedAccess

    boto3.client("opensearch", region_name="us-east-1").create_domain(
        DomainName="unknown-domain", AccessPolicies=_policy("*")
    )
    access = DeniedAccess("opensearch:DescribeDomains")
    run = scan("opensearch", regions=["us-east-1"], access=access)
    assert run.statuses(check) == {"unknown-domain": "MANUAL"}
    assert access.hits


# -- checks added for issue 12 --------------------------------------------------------------------------


@pytest.fixture
def os_world(aws):
    client = boto3.client("opensearch", region_name="us-east-1")
    client.create_domain(
        DomainName="os-weak",
        ClusterConfig={"InstanceCount": 1},
        AdvancedSecurityOptions={"Enabled": True, "InternalUserDatabaseEnabled": True,
                                 "MasterUserOptions": {"MasterUserName": "admin", "MasterUserPassword": "Str0ng-Pa55!"}},
    )  # fmt: skip
    client.create_domain(
        DomainName="os-strong",
        ClusterConfig={"InstanceCount": 3, "ZoneAwarenessEnabled": True, "DedicatedMasterEnabled": True,
                       "DedicatedMasterCount": 3, "ZoneAwarenessConfig": {"AvailabilityZoneCount": 3}},
        AdvancedSecurityOptions={"Enabled": True, "InternalUserDatabaseEnabled": False,
                                 "MasterUserOptions": {"MasterUserARN": f"arn:aws:iam::{ACCOUNT}:role/os-admin"}},
        CognitoOptions={"Enabled": True, "UserPoolId": "us-east-1_abc", "IdentityPoolId": "us-east-1:1",
                        "RoleArn": f"arn:aws:iam::{ACCOUNT}:role/cognito"},
    )  # fmt: skip


@pytest.mark.parametrize(
    "check",
    [
        "opensearch_service_domains_fault_tolerant_data_nodes",
        "opensearch_service_domains_fault_tolerant_master_nodes",
        "opensearch_service_domains_internal_user_database_enabled",
        "opensearch_service_domains_use_cognito_authentication_for_kibana",
    ],
)
def test_new_checks_fail_weak_and_pass_strong(os_world, scan, check):
    run = scan("opensearch", regions=["us-east-1"])
    assert run.status(check, "os-weak") == "FAIL"
    assert run.status(check, "os-strong") == "PASS"


@pytest.mark.parametrize(
    "check",
    [
        "opensearch_service_domains_fault_tolerant_data_nodes",
        "opensearch_service_domains_fault_tolerant_master_nodes",
        "opensearch_service_domains_internal_user_database_enabled",
        "opensearch_service_domains_use_cognito_authentication_for_kibana",
    ],
)
def test_new_checks_give_no_verdict_on_undescribed_domains(os_world, scan, check):
    from postureflow.testing import DeniedAccess

    access = DeniedAccess("opensearch:DescribeDomains")
    run = scan("opensearch", regions=["us-east-1"], access=access)
    assert run.statuses(check) == {"os-weak": "MANUAL", "os-strong": "MANUAL"}
