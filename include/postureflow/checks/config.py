"""AWS Config checks."""

from __future__ import annotations

from postureflow import arn
from postureflow.checks.base import FAIL, PASS, check

CONFIG_PRINCIPAL = "config.amazonaws.com"


@check(
    id="config_recorder_all_regions_enabled",
    title="AWS Config records all resource types in every region",
    severity="medium",
    resource_type="Other",
    reads=["config.recorders"],
    risk="Without a working recorder there is no history of resource changes to investigate an incident or prove "
    "compliance with.",
    remediation="In each region, create a configuration recorder for all supported resource types with a delivery "
    "channel, and start it (config put-configuration-recorder, start-configuration-recorder).",
)
def config_recorder_all_regions_enabled(regions):
    for region in regions:
        recorders = region.get("recorders") or []
        where = f"region {region.region}"
        if not recorders:
            yield FAIL(region, f"AWS Config has no configuration recorder in {where}.")
            continue
        good = [
            r for r in recorders if r.get("all_supported") and r.get("recording") and r.get("last_status") != "FAILURE"
        ]
        if good:
            yield PASS(region, f"AWS Config recorder {good[0]['name']} records all resource types in {where}.")
            continue
        r = recorders[0]
        if not r.get("recording"):
            why = "is not recording"
        elif r.get("last_status") == "FAILURE":
            why = "is in a failure state"
        else:
            why = "does not record all resource types"
        yield FAIL(region, f"AWS Config recorder {r['name']} in {where} {why}.")


@check(
    id="config_recorder_using_aws_service_role",
    title="AWS Config recorder uses the AWSServiceRoleForConfig service-linked role",
    severity="medium",
    resource_type="Other",
    reads=["config.recorders"],
    risk="A custom recorder role can lose permissions or be edited by anyone with IAM access, silently stopping "
    "recording; the service-linked role is kept complete by AWS and cannot be changed by account users.",
    remediation="Point the recorder at AWSServiceRoleForConfig (config put-configuration-recorder "
    "--configuration-recorder roleARN=arn:aws:iam::ACCOUNT:role/aws-service-role/config.amazonaws.com/"
    "AWSServiceRoleForConfig).",
)
def config_recorder_using_aws_service_role(regions):
    for region in regions:
        account = arn.account_of(region.uid)
        linked = f"arn:{arn.partition_of(region.region)}:iam::{account}:role/aws-service-role/{CONFIG_PRINCIPAL}/AWSServiceRoleForConfig"
        recorders = region.get("recorders")
        if recorders is None:  # could not be read: this becomes a no verdict
            yield FAIL(region, f"AWS Config recorders of region {region.region} could not be read.")
        for recorder in recorders or []:
            if not recorder.get("recording"):
                continue  # as Prowler: only recorders at work (a stopped one is config_recorder_all_regions_enabled's)
            if recorder.get("role_arn") == linked:
                yield PASS(region, f"AWS Config recorder {recorder['name']} in region {region.region} uses AWSServiceRoleForConfig.")
            else:
                yield FAIL(region, f"AWS Config recorder {recorder['name']} in region {region.region} uses "
                           f"{recorder.get('role_arn')}, not AWSServiceRoleForConfig.")  # fmt: skip


@check(
    id="config_delegated_admin_and_org_aggregator_all_regions",
    title="AWS Config has a delegated administrator and an organization aggregator covering all regions",
    severity="high",
    resource_type="AwsConfigConfigurationAggregator",
    reads=["config.aggregators", "config.recorders", "organizations.organization"],
    risk="Without an organization aggregator over all regions, configuration and compliance data of the "
    "organization's accounts and regions are never seen in one place; without a delegated administrator it "
    "is run from the management account, which should run nothing.",
    remediation="Register a delegated administrator for config.amazonaws.com (organizations "
    "register-delegated-administrator) and create there an aggregator with an organization source and "
    "AllAwsRegions=true (config put-configuration-aggregator).",
)
def config_delegated_admin_and_org_aggregator_all_regions(aggregators, regions, organizations):
    def delegated(org) -> bool:
        return any(CONFIG_PRINCIPAL in (a.get("services") or []) for a in org.get("delegated_administrators") or [])

    org = organizations[0] if organizations else None
    for aggregator in aggregators:
        issues = []
        if not aggregator.get("organization_source"):
            issues.append("it is not an organization aggregator")
        elif not aggregator.get("all_regions"):
            issues.append("it does not cover all regions")
        elif org is None or not delegated(org):  # an unreadable list of administrators: no verdict
            issues.append(f"no delegated administrator is registered for {CONFIG_PRINCIPAL}")
        if issues:
            yield FAIL(aggregator, f"AWS Config aggregator {aggregator.id} in region {aggregator.region}: {'; '.join(issues)}.")
        else:
            yield PASS(aggregator, f"AWS Config aggregator {aggregator.id} in region {aggregator.region} covers the "
                       "organization in all regions, with a delegated administrator.")  # fmt: skip
    if not aggregators and org is not None:
        # "None anywhere" is only known when every region's aggregators were listed: reading each region's
        # flag turns this into no verdict otherwise. Outside an organization there is nothing to aggregate
        # (organizations_account_part_of_organizations says so), so no finding then.
        for region in regions:
            region.get("aggregators_listed")
        yield FAIL(org, "AWS Config has no configuration aggregator in any region.",
                   resource_type="AwsConfigConfigurationAggregator")  # fmt: skip
