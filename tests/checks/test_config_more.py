"""AWS Config checks added for issue 12 (recorder service-linked role; delegated admin + org aggregator), on moto.

moto lacks iam:ListOrganizationsFeatures (read by the organizations collector): answered in its place.
moto refuses config.amazonaws.com as a delegated administrator's service (it knows only
config-multiaccountsetup): the test registers that one and an after-call hook names it as AWS would.
"""

import boto3

from postureflow.aws import AwsAccess
from postureflow.testing import DeniedAccess, answer_in_moto

ACCOUNT = "123456789012"
LINKED = f"arn:aws:iam::{ACCOUNT}:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig"
AGGREGATOR = "config_delegated_admin_and_org_aggregator_all_regions"
ROLE_CHECK = "config_recorder_using_aws_service_role"


def _access(access=None):
    access = access or AwsAccess.from_default_chain()

    def as_aws(parsed, **_):
        for service in parsed.get("DelegatedServices") or []:
            service["ServicePrincipal"] = service["ServicePrincipal"].replace("config-multiaccountsetup", "config")

    access.client("organizations", "us-east-1").meta.events.register(
        "after-call.organizations.ListDelegatedServicesForAccount", as_aws
    )
    return answer_in_moto(access, "us-east-1",
                          {"iam:ListOrganizationsFeatures": {"OrganizationId": "o-any", "EnabledFeatures": []}})  # fmt: skip


def _recorder(region, role):
    config = boto3.client("config", region_name=region)
    config.put_configuration_recorder(ConfigurationRecorder={"name": "default", "roleARN": role})
    config.put_delivery_channel(DeliveryChannel={"name": "default", "s3BucketName": "config-bucket"})
    config.start_configuration_recorder(ConfigurationRecorderName="default")


def _aggregator(name, all_regions=True, organization=True):
    source = {"RoleArn": f"arn:aws:iam::{ACCOUNT}:role/agg", "AllAwsRegions": all_regions}
    if not all_regions:
        source["AwsRegions"] = ["us-east-1"]
    params = {"OrganizationAggregationSource": source} if organization else {
        "AccountAggregationSources": [{"AccountIds": [ACCOUNT], "AllAwsRegions": True}]
    }
    boto3.client("config", region_name="us-east-1").put_configuration_aggregator(ConfigurationAggregatorName=name, **params)


def _organization(delegate: bool):
    org = boto3.client("organizations", region_name="us-east-1")
    org.create_organization(FeatureSet="ALL")
    if delegate:
        member = org.create_account(AccountName="audit", Email="audit@example.com")["CreateAccountStatus"]["AccountId"]
        org.register_delegated_administrator(AccountId=member, ServicePrincipal="config-multiaccountsetup.amazonaws.com")


def test_recorder_using_aws_service_role(scan):
    _recorder("us-east-1", LINKED)
    _recorder("eu-west-1", f"arn:aws:iam::{ACCOUNT}:role/my-config-role")
    run = scan("config")
    assert run.statuses(ROLE_CHECK) == {"config-recorders-us-east-1": "PASS", "config-recorders-eu-west-1": "FAIL"}


def test_recorder_role_unreadable_gives_no_verdict(scan):
    _recorder("us-east-1", LINKED)
    refused = DeniedAccess("config:DescribeConfigurationRecorders")
    run = scan("config", regions=["us-east-1"], access=refused)
    assert refused.hits and run.statuses(ROLE_CHECK) == {"config-recorders-us-east-1": "MANUAL"}


def test_org_aggregator_with_delegated_admin_passes_others_fail(scan):
    _organization(delegate=True)
    _aggregator("org-all")
    _aggregator("org-one-region", all_regions=False)
    _aggregator("accounts-only", organization=False)
    run = scan("config", "organizations", access=_access())
    assert run.statuses(AGGREGATOR) == {"org-all": "PASS", "org-one-region": "FAIL", "accounts-only": "FAIL"}


def test_org_aggregator_without_delegated_admin_fails(scan):
    _organization(delegate=False)
    _aggregator("org-all")
    run = scan("config", "organizations", access=_access())
    assert run.statuses(AGGREGATOR) == {"org-all": "FAIL"}
    assert "no delegated administrator" in run.of(AGGREGATOR)[0]["status_extended"]


def test_no_aggregator_anywhere_fails_on_the_organization(scan):
    _organization(delegate=True)
    run = scan("config", "organizations", access=_access())
    assert [f["status"] for f in run.of(AGGREGATOR)] == ["FAIL"]


def test_unreadable_data_gives_no_verdict(scan):
    _organization(delegate=True)
    _aggregator("org-all")
    refused = _access(DeniedAccess("organizations:ListDelegatedAdministrators"))
    run = scan("config", "organizations", access=refused)
    assert refused.hits and run.statuses(AGGREGATOR) == {"org-all": "MANUAL"}
    # an aggregator listing refused in one region: "none anywhere" is not known
    boto3.client("config", region_name="us-east-1").delete_configuration_aggregator(ConfigurationAggregatorName="org-all")
    refused = _access(DeniedAccess("config:DescribeConfigurationAggregators", regions=("eu-west-1",)))
    run = scan("config", "organizations", access=refused)
    assert refused.hits and {f["status"] for f in run.of(AGGREGATOR)} == {"MANUAL"}
