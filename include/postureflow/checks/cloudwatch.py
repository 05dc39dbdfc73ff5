"""CloudWatch checks: the CIS "log metric filter and alarm" monitoring controls.

Each control asks for the same chain, built for one kind of event:

1. a multi-region CloudTrail trail that is logging and delivers to a CloudWatch
   Logs log group;
2. on that log group, a metric filter whose pattern catches the control's
   events (we look for the essential comparisons, e.g. ``$.eventName =
   DeleteVpc``, in any order, quoted or not, whatever the whitespace);
3. a CloudWatch alarm, with actions enabled, on the filter's metric (same
   namespace and name, in the log group's region);
4. an SNS topic among the alarm's actions with at least one confirmed
   subscription (a topic in another account counts: its subscribers are not
   visible from here).

The control is account-level: a multi-region trail sends every region's events
to one log group, so one complete chain covers the whole account. The rule for
findings is one per scanned region (the cloudwatch collector's ``regions``
records), so every region gets a verdict:

- PASS on the alarm, in the region where a complete chain's alarm lives;
- PASS on the region's record elsewhere, naming the alarm that covers it;
- with no complete chain in the account, FAIL in every region: on the alarm
  that came closest when it lives in that region (an alarm without a subscribed
  topic), otherwise on the region's record, naming how far the chain got;
- MANUAL on each region's record instead when the only trail to judge is one
  delivering to another account's log group (an organization trail seen from a
  member account): that account holds the filters and alarms.

Nothing is yielded without a CloudTrail inventory (no region answered
DescribeTrails), and no FAIL is yielded when part of the chain could not be
looked at (a listing of filters, alarms or subscriptions failed where it
mattered): the scan errors say why.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from postureflow.checks import _policy
from postureflow.checks.base import FAIL, MANUAL, PASS, check

CIS_READS = [
    "cloudtrail.trails",
    "cloudtrail.regions",
    "cloudwatch.metric_filters",
    "cloudwatch.alarms",
    "cloudwatch.regions",
    "sns.subscriptions",
    "sns.regions",
]

# One comparison in a JSON filter pattern: `$.field = value`, `$.field != "value"`, `$.field NOT EXISTS`.
_COMPARISON = re.compile(
    r"""\$\.(?P<field>[\w.\[\]-]+)\s*
        (?:(?P<op>!=|=)\s*(?:"(?P<quoted>[^"]*)"|(?P<bare>[^\s()&|}]+))
          |(?P<exists>NOT\s+EXISTS|EXISTS))""",
    re.X | re.I,
)


def comparisons(pattern: str) -> set[tuple[str, str, str]]:
    """The (field, operator, value) comparisons a metric filter pattern makes."""
    found = set()
    for m in _COMPARISON.finditer(pattern or ""):
        if m.group("exists"):
            found.add((m.group("field"), " ".join(m.group("exists").upper().split()), ""))
        else:
            value = m.group("quoted") if m.group("quoted") is not None else m.group("bare")
            found.add((m.group("field"), m.group("op"), value.strip()))
    return found


def events(*names: str) -> list[tuple[str, str, str]]:
    return [("eventName", "=", name) for name in names]


def _arn_parts(arn: str) -> list[str]:
    parts = (arn or "").split(":")
    return parts + [""] * (7 - len(parts))


def _log_group(arn: str) -> tuple[str, str]:
    """(region, name) of arn:aws:logs:<region>:<account>:log-group:<name>[:*]."""
    parts = _arn_parts(arn)
    name = ":".join(parts[6:])
    if name.endswith(":*"):
        name = name[:-2]
    return parts[3], name


@dataclass
class _Verdict:
    passes: list = field(default_factory=list)  # (alarm, sentence)
    stage: int = -1
    failure: str = ""
    failing_alarm: object = None
    unknown: bool = False
    elsewhere: str = ""  # a trail delivering to another account's log group (an organization trail)

    def fell_short(self, stage: int, sentence: str, alarm=None) -> None:
        if stage > self.stage:
            self.stage, self.failure, self.failing_alarm = stage, sentence, alarm


def _chain(what, required, trails, filters, alarms, cw_regions, subscriptions, sns_regions) -> _Verdict:
    verdict = _Verdict()
    looked = {r.region for r in cw_regions if r.get("metric_filters_listed") and r.get("alarms_listed")}
    sns_looked = {r.region for r in sns_regions if r.get("subscriptions_listed")}
    subscribed = {s.get("topic_arn") for s in subscriptions if s.get("confirmed")}
    required = set(required)
    account = _arn_parts(cw_regions[0].uid)[4] if cw_regions else ""

    with_logs = [t for t in sorted(trails, key=lambda t: t.uid) if t.get("cloudwatch_log_group_arn")]
    candidates = [t for t in with_logs if t.get("multi_region") and t.get("is_logging")]
    if not with_logs:
        verdict.fell_short(0, "no CloudTrail trail delivers to CloudWatch Logs")
    elif not candidates:
        if any(t.get("is_logging") is None for t in with_logs):
            verdict.unknown = True
        verdict.fell_short(0, "no multi-region, logging CloudTrail trail delivers to CloudWatch Logs")

    for trail in candidates:
        region, group = _log_group(trail["cloudwatch_log_group_arn"])
        group_account = _arn_parts(trail["cloudwatch_log_group_arn"])[4]
        if group_account and account and group_account != account:
            verdict.elsewhere = verdict.elsewhere or (
                f"multi-region trail {trail.id} delivers to log group {group} in account {group_account}, "
                "whose metric filters and alarms are not visible from here"
            )
            continue
        if region not in looked:
            verdict.unknown = True
            continue
        matching = sorted(
            (
                f
                for f in filters
                if f.region == region and f.get("log_group") == group and required <= comparisons(f.get("pattern"))
            ),
            key=lambda f: f.uid,
        )
        if not matching:
            verdict.fell_short(
                1, f"trail {trail.id} delivers to log group {group}, but no metric filter there matches {what}"
            )
        for flt in matching:
            metrics = {tuple(m) for m in flt.get("metrics") or []}
            watching = sorted(
                (a for a in alarms if a.region == region and metrics & {tuple(m) for m in a.get("metrics") or []}),
                key=lambda a: a.uid,
            )
            if not watching:
                verdict.fell_short(2, f"metric filter {flt.id} on log group {group} has no CloudWatch alarm")
            for alarm in watching:
                topics = [a for a in alarm.get("alarm_actions") or [] if _arn_parts(a)[2] == "sns"]
                notified = None
                for topic in topics:
                    _, _, _, topic_region, topic_account, *_ = _arn_parts(topic)
                    if topic_account != account or topic in subscribed:
                        notified = topic
                        break
                    if topic_region not in sns_looked:
                        verdict.unknown = True
                chain = f"metric filter {flt.id} on log group {group} of multi-region trail {trail.id}"
                if not alarm.get("actions_enabled"):
                    verdict.fell_short(3, f"alarm {alarm.id} on {chain} has its actions disabled", alarm)
                elif notified is None:
                    verdict.fell_short(
                        3, f"alarm {alarm.id} on {chain} notifies no SNS topic with a confirmed subscription", alarm
                    )
                else:
                    verdict.passes.append(
                        (alarm, f"alarm {alarm.id} watches {chain} and notifies SNS topic {_arn_parts(notified)[5]}")
                    )
    return verdict


def judge(what, required, trails, trail_regions, filters, alarms, cw_regions, subscriptions, sns_regions):
    """One result per scanned region for one CIS monitoring control (see the module docstring)."""
    if not trail_regions:
        return
    verdict = _chain(what, required, trails, filters, alarms, cw_regions, subscriptions, sns_regions)
    if not verdict.passes and verdict.unknown:
        return
    if not verdict.passes and verdict.elsewhere:
        for record in sorted(cw_regions, key=lambda r: r.region):
            yield MANUAL(record, f"Monitoring of {what} cannot be judged here: {verdict.elsewhere}.")
        return
    for record in sorted(cw_regions, key=lambda r: r.region):
        region = record.region
        local = [p for p in verdict.passes if p[0].region == region]
        if local:
            alarm, sentence = local[0]
            yield PASS(alarm, f"Monitoring of {what} is in place: CloudWatch {sentence}.")
        elif verdict.passes:
            alarm, sentence = verdict.passes[0]
            yield PASS(
                record, f"Monitoring of {what} covers region {region}: in {alarm.region}, CloudWatch {sentence}."
            )
        else:
            alarm = verdict.failing_alarm
            if alarm is not None and alarm.region == region:
                yield FAIL(alarm, f"Monitoring of {what} is incomplete: CloudWatch {verdict.failure}.")
            else:
                yield FAIL(record, f"Monitoring of {what} does not cover region {region}: {verdict.failure}.")


def _any_event(*names: str, source: str | None = None) -> str:
    alternatives = " || ".join(f"($.eventName = {n})" for n in names)
    return f"{{ ($.eventSource = {source}) && ({alternatives}) }}" if source else f"{{ {alternatives} }}"


_IAM_POLICY_EVENTS = (
    "DeleteGroupPolicy", "DeleteRolePolicy", "DeleteUserPolicy", "PutGroupPolicy", "PutRolePolicy",
    "PutUserPolicy", "CreatePolicy", "DeletePolicy", "CreatePolicyVersion", "DeletePolicyVersion",
    "AttachRolePolicy", "DetachRolePolicy", "AttachUserPolicy", "DetachUserPolicy", "AttachGroupPolicy",
    "DetachGroupPolicy",
)  # fmt: skip
_CLOUDTRAIL_EVENTS = ("CreateTrail", "UpdateTrail", "DeleteTrail", "StartLogging", "StopLogging")
_KMS_EVENTS = ("DisableKey", "ScheduleKeyDeletion")
_S3_POLICY_EVENTS = (
    "PutBucketAcl", "PutBucketPolicy", "PutBucketCors", "PutBucketLifecycle", "PutBucketReplication",
    "DeleteBucketPolicy", "DeleteBucketCors", "DeleteBucketLifecycle", "DeleteBucketReplication",
)  # fmt: skip
_CONFIG_EVENTS = (
    "StopConfigurationRecorder", "DeleteDeliveryChannel", "PutDeliveryChannel", "PutConfigurationRecorder",
)  # fmt: skip
_SG_EVENTS = (
    "AuthorizeSecurityGroupIngress", "AuthorizeSecurityGroupEgress", "RevokeSecurityGroupIngress",
    "RevokeSecurityGroupEgress", "CreateSecurityGroup", "DeleteSecurityGroup",
)  # fmt: skip
_NACL_EVENTS = (
    "CreateNetworkAcl", "CreateNetworkAclEntry", "DeleteNetworkAcl", "DeleteNetworkAclEntry",
    "ReplaceNetworkAclEntry", "ReplaceNetworkAclAssociation",
)  # fmt: skip
_GATEWAY_EVENTS = (
    "CreateCustomerGateway", "DeleteCustomerGateway", "AttachInternetGateway", "CreateInternetGateway",
    "DeleteInternetGateway", "DetachInternetGateway",
)  # fmt: skip
_ROUTE_EVENTS = (
    "CreateRoute", "CreateRouteTable", "ReplaceRoute", "ReplaceRouteTableAssociation", "DeleteRouteTable",
    "DeleteRoute", "DisassociateRouteTable",
)  # fmt: skip
# EC2-Classic (and its ClassicLink events) is retired, so they are not required of a VPC filter.
_VPC_EVENTS = (
    "CreateVpc", "DeleteVpc", "ModifyVpcAttribute", "AcceptVpcPeeringConnection", "CreateVpcPeeringConnection",
    "DeleteVpcPeeringConnection", "RejectVpcPeeringConnection",
)  # fmt: skip
_ORGANIZATIONS_EVENTS = (
    "AcceptHandshake", "AttachPolicy", "CreateAccount", "CreateOrganizationalUnit", "CreatePolicy",
    "DeclineHandshake", "DeleteOrganization", "DeleteOrganizationalUnit", "DeletePolicy", "DetachPolicy",
    "DisablePolicyType", "EnablePolicyType", "InviteAccountToOrganization", "LeaveOrganization", "MoveAccount",
    "RemoveAccountFromOrganization", "UpdatePolicy", "UpdateOrganizationalUnit",
)  # fmt: skip

# A filter pattern that satisfies each control (shown in the remediation, used by the demo seed).
CIS_PATTERNS = {
    "cloudwatch_log_metric_filter_unauthorized_api_calls": (
        '{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") }'
    ),
    "cloudwatch_log_metric_filter_sign_in_without_mfa": (
        '{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") }'
    ),
    "cloudwatch_log_metric_filter_root_usage": (
        '{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }'
    ),
    "cloudwatch_log_metric_filter_authentication_failures": (
        '{ ($.eventName = ConsoleLogin) && ($.errorMessage = "Failed authentication") }'
    ),
    "cloudwatch_log_metric_filter_policy_changes": _any_event(*_IAM_POLICY_EVENTS),
    "cloudwatch_log_metric_filter_and_alarm_for_cloudtrail_configuration_changes_enabled": _any_event(
        *_CLOUDTRAIL_EVENTS
    ),
    "cloudwatch_log_metric_filter_disable_or_scheduled_deletion_of_kms_cmk": _any_event(
        *_KMS_EVENTS, source="kms.amazonaws.com"
    ),
    "cloudwatch_log_metric_filter_for_s3_bucket_policy_changes": _any_event(
        *_S3_POLICY_EVENTS, source="s3.amazonaws.com"
    ),
    "cloudwatch_log_metric_filter_and_alarm_for_aws_config_configuration_changes_enabled": _any_event(
        *_CONFIG_EVENTS, source="config.amazonaws.com"
    ),
    "cloudwatch_log_metric_filter_security_group_changes": _any_event(*_SG_EVENTS),
    "cloudwatch_changes_to_network_acls_alarm_configured": _any_event(*_NACL_EVENTS),
    "cloudwatch_changes_to_network_gateways_alarm_configured": _any_event(*_GATEWAY_EVENTS),
    "cloudwatch_changes_to_network_route_tables_alarm_configured": _any_event(*_ROUTE_EVENTS),
    "cloudwatch_changes_to_vpcs_alarm_configured": _any_event(*_VPC_EVENTS),
    "cloudwatch_log_metric_filter_aws_organizations_changes": _any_event(
        *_ORGANIZATIONS_EVENTS, source="organizations.amazonaws.com"
    ),
}


def _remedy(check_id: str) -> str:
    return (
        "On the log group of a multi-region CloudTrail trail, create a metric filter with the pattern "
        f"{CIS_PATTERNS[check_id]}, a CloudWatch alarm on its metric, and an SNS topic with at least one "
        "confirmed subscription as the alarm's action."
    )


@check(
    id="cloudwatch_log_metric_filter_unauthorized_api_calls",
    title="A CloudWatch alarm notifies on unauthorized API calls",
    severity="medium",
    resource_type="AwsCloudWatchAlarm",
    reads=CIS_READS,
    risk="A burst of denied API calls is often the first sign of stolen credentials probing the account; "
    "unwatched, it goes unnoticed.",
    remediation=_remedy("cloudwatch_log_metric_filter_unauthorized_api_calls"),
)
def cloudwatch_log_metric_filter_unauthorized_api_calls(*inventory):
    required = [("errorCode", "=", "*UnauthorizedOperation"), ("errorCode", "=", "AccessDenied*")]
    yield from judge("unauthorized API calls", required, *inventory)


@check(
    id="cloudwatch_log_metric_filter_sign_in_without_mfa",
    title="A CloudWatch alarm notifies on console sign-ins without MFA",
    severity="medium",
    resource_type="AwsCloudWatchAlarm",
    reads=CIS_READS,
    risk="Console sign-ins with only a password are the easiest to abuse with a leaked password, and nobody hears "
    "of them.",
    remediation=_remedy("cloudwatch_log_metric_filter_sign_in_without_mfa"),
)
def cloudwatch_log_metric_filter_sign_in_without_mfa(*inventory):
    required = [("eventName", "=", "ConsoleLogin"), ("additionalEventData.MFAUsed", "!=", "Yes")]
    yield from judge("console sign-ins without MFA", required, *inventory)


@check(
    id="cloudwatch_log_metric_filter_root_usage",
    title="A CloudWatch alarm notifies on use of the root user",
    severity="medium",
    resource_type="AwsCloudWatchAlarm",
    reads=CIS_READS,
    risk="The root user can do anything and should almost never act; any use of it that nobody is told about "
    "may be an attacker's.",
    remediation=_remedy("cloudwatch_log_metric_filter_root_usage"),
)
def cloudwatch_log_metric_filter_root_usage(*inventory):
    required = [
        ("userIdentity.type", "=", "Root"),
        ("userIdentity.invokedBy", "NOT EXISTS", ""),
        ("eventType", "!=", "AwsServiceEvent"),
    ]
    yield from judge("root user activity", required, *inventory)


@check(
    id="cloudwatch_log_metric_filter_policy_changes",
    title="A CloudWatch alarm notifies on IAM policy changes",
    severity="medium",
    resource_type="AwsCloudWatchAlarm",
    reads=CIS_READS,
    risk="An unnoticed change to IAM policies can quietly grant an attacker, or a mistake, broad access.",
    remediation=_remedy("cloudwatch_log_metric_filter_policy_changes"),
)
def cloudwatch_log_metric_filter_policy_changes(*inventory):
    yield from judge("IAM policy changes", events(*_IAM_POLICY_EVENTS), *inventory)


@check(
    id="cloudwatch_log_metric_filter_and_alarm_for_cloudtrail_configuration_changes_enabled",
    title="A CloudWatch alarm notifies on CloudTrail configuration changes",
    severity="medium",
    resource_type="AwsCloudWatchAlarm",
    reads=CIS_READS,
    risk="Stopping or changing a trail is how an intruder hides what comes next; without an alarm the gap in "
    "the audit log is found too late.",
    remediation=_remedy("cloudwatch_log_metric_filter_and_alarm_for_cloudtrail_configuration_changes_enabled"),
)
def cloudwatch_log_metric_filter_and_alarm_for_cloudtrail_configuration_changes_enabled(*inventory):
    yield from judge("CloudTrail configuration changes", events(*_CLOUDTRAIL_EVENTS), *inventory)


@check(
    id="cloudwatch_log_metric_filter_authentication_failures",
    title="A CloudWatch alarm notifies on failed console sign-ins",
    severity="medium",
    resource_type="AwsCloudWatchAlarm",
    reads=CIS_READS,
    risk="Repeated failed console sign-ins point to password guessing that nobody is watching for.",
    remediation=_remedy("cloudwatch_log_metric_filter_authentication_failures"),
)
def cloudwatch_log_metric_filter_authentication_failures(*inventory):
    required = [("eventName", "=", "ConsoleLogin"), ("errorMessage", "=", "Failed authentication")]
    yield from judge("console authentication failures", required, *inventory)


@check(
    id="cloudwatch_log_metric_filter_disable_or_scheduled_deletion_of_kms_cmk",
    title="A CloudWatch alarm notifies when a customer managed KMS key is disabled or scheduled for deletion",
    severity="medium",
    resource_type="AwsCloudWatchAlarm",
    reads=CIS_READS,
    risk="Data encrypted under a disabled or deleted key becomes unreadable; an unnoticed deletion "
    "can destroy data for good once the waiting period ends.",
    remediation=_remedy("cloudwatch_log_metric_filter_disable_or_scheduled_deletion_of_kms_cmk"),
)
def cloudwatch_log_metric_filter_disable_or_scheduled_deletion_of_kms_cmk(*inventory):
    yield from judge("disabling or scheduled deletion of KMS keys", events(*_KMS_EVENTS), *inventory)


@check(
    id="cloudwatch_log_metric_filter_for_s3_bucket_policy_changes",
    title="A CloudWatch alarm notifies on S3 bucket policy changes",
    severity="medium",
    resource_type="AwsCloudWatchAlarm",
    reads=CIS_READS,
    risk="A changed bucket policy or ACL can expose data publicly within seconds; without an alarm nobody "
    "reacts in time.",
    remediation=_remedy("cloudwatch_log_metric_filter_for_s3_bucket_policy_changes"),
)
def cloudwatch_log_metric_filter_for_s3_bucket_policy_changes(*inventory):
    yield from judge("S3 bucket policy changes", events(*_S3_POLICY_EVENTS), *inventory)


@check(
    id="cloudwatch_log_metric_filter_and_alarm_for_aws_config_configuration_changes_enabled",
    title="A CloudWatch alarm notifies on AWS Config configuration changes",
    severity="medium",
    resource_type="AwsCloudWatchAlarm",
    reads=CIS_READS,
    risk="Stopping the Config recorder or its delivery channel blinds configuration history and compliance "
    "rules; unnoticed, changes after that are untracked.",
    remediation=_remedy("cloudwatch_log_metric_filter_and_alarm_for_aws_config_configuration_changes_enabled"),
)
def cloudwatch_log_metric_filter_and_alarm_for_aws_config_configuration_changes_enabled(*inventory):
    yield from judge("AWS Config configuration changes", events(*_CONFIG_EVENTS), *inventory)


@check(
    id="cloudwatch_log_metric_filter_security_group_changes",
    title="A CloudWatch alarm notifies on security group changes",
    severity="medium",
    resource_type="AwsCloudWatchAlarm",
    reads=CIS_READS,
    risk="An opened security group exposes instances to the network; without an alarm the change is found "
    "only after it is exploited.",
    remediation=_remedy("cloudwatch_log_metric_filter_security_group_changes"),
)
def cloudwatch_log_metric_filter_security_group_changes(*inventory):
    yield from judge("security group changes", events(*_SG_EVENTS), *inventory)


@check(
    id="cloudwatch_changes_to_network_acls_alarm_configured",
    title="A CloudWatch alarm notifies on network ACL changes",
    severity="medium",
    resource_type="AwsCloudWatchAlarm",
    reads=CIS_READS,
    risk="A changed network ACL can open whole subnets to traffic that should be blocked, unnoticed.",
    remediation=_remedy("cloudwatch_changes_to_network_acls_alarm_configured"),
)
def cloudwatch_changes_to_network_acls_alarm_configured(*inventory):
    yield from judge("network ACL changes", events(*_NACL_EVENTS), *inventory)


@check(
    id="cloudwatch_changes_to_network_gateways_alarm_configured",
    title="A CloudWatch alarm notifies on network gateway changes",
    severity="medium",
    resource_type="AwsCloudWatchAlarm",
    reads=CIS_READS,
    risk="A new or re-attached gateway can route traffic into or out of a VPC around the intended controls.",
    remediation=_remedy("cloudwatch_changes_to_network_gateways_alarm_configured"),
)
def cloudwatch_changes_to_network_gateways_alarm_configured(*inventory):
    yield from judge("network gateway changes", events(*_GATEWAY_EVENTS), *inventory)


@check(
    id="cloudwatch_changes_to_network_route_tables_alarm_configured",
    title="A CloudWatch alarm notifies on route table changes",
    severity="medium",
    resource_type="AwsCloudWatchAlarm",
    reads=CIS_READS,
    risk="A changed route can send traffic through an attacker's host or to the internet without anyone noticing.",
    remediation=_remedy("cloudwatch_changes_to_network_route_tables_alarm_configured"),
)
def cloudwatch_changes_to_network_route_tables_alarm_configured(*inventory):
    yield from judge("route table changes", events(*_ROUTE_EVENTS), *inventory)


@check(
    id="cloudwatch_changes_to_vpcs_alarm_configured",
    title="A CloudWatch alarm notifies on VPC changes",
    severity="medium",
    resource_type="AwsCloudWatchAlarm",
    reads=CIS_READS,
    risk="New VPCs, changed attributes or peering connections can bridge networks that were meant to stay apart.",
    remediation=_remedy("cloudwatch_changes_to_vpcs_alarm_configured"),
)
def cloudwatch_changes_to_vpcs_alarm_configured(*inventory):
    yield from judge("VPC changes", events(*_VPC_EVENTS), *inventory)


@check(
    id="cloudwatch_log_metric_filter_aws_organizations_changes",
    title="A CloudWatch alarm notifies on AWS Organizations changes",
    severity="medium",
    resource_type="AwsCloudWatchAlarm",
    reads=CIS_READS,
    risk="Changes to the organization (accounts leaving, policies detached) can remove guardrails from "
    "every account at once.",
    remediation=_remedy("cloudwatch_log_metric_filter_aws_organizations_changes"),
)
def cloudwatch_log_metric_filter_aws_organizations_changes(*inventory):
    yield from judge("AWS Organizations changes", events(*_ORGANIZATIONS_EVENTS), *inventory)


# -- alarms and log groups on their own ------------------------------------------------------------


@check(
    id="cloudwatch_alarm_actions_enabled",
    title="CloudWatch metric alarm has its actions enabled",
    severity="high",
    resource_type="AwsCloudWatchAlarm",
    reads=["cloudwatch.alarms"],
    risk="An alarm with actions disabled changes state without notifying anyone or running its remediation, so "
    "the condition it watches for goes unhandled.",
    remediation="Enable the alarm's actions (cloudwatch enable-alarm-actions --alarm-names ...).",
)
def cloudwatch_alarm_actions_enabled(alarms):
    for alarm in alarms:
        if alarm.get("actions_enabled"):
            yield PASS(alarm, f"CloudWatch alarm {alarm.id} has its actions enabled.")
        else:
            yield FAIL(alarm, f"CloudWatch alarm {alarm.id} has its actions disabled.")


@check(
    id="cloudwatch_alarm_actions_alarm_state_configured",
    title="CloudWatch metric alarm does something when it goes into ALARM",
    severity="high",
    resource_type="AwsCloudWatchAlarm",
    reads=["cloudwatch.alarms"],
    risk="An alarm with no action for the ALARM state only changes colour on a dashboard; nobody is told and "
    "nothing is done.",
    remediation="Add an action for the ALARM state to the alarm (an SNS topic, an Auto Scaling policy, an EC2 "
    "or Systems Manager action).",
)
def cloudwatch_alarm_actions_alarm_state_configured(alarms):
    for alarm in alarms:
        actions = alarm.get("alarm_actions") or []
        if actions:
            yield PASS(alarm, f"CloudWatch alarm {alarm.id} has {len(actions)} action(s) for the ALARM state.")
        else:
            yield FAIL(alarm, f"CloudWatch alarm {alarm.id} has no action for the ALARM state.")


def _covers(statement: dict, group_arn: str) -> bool:
    """Whether a statement's resources include the log group or its streams."""
    return any(
        _policy.resource_matches(statement, arn)
        for arn in (group_arn, f"{group_arn}:*", f"{group_arn}:log-stream:*")
    )


@check(
    id="cloudwatch_log_group_not_publicly_accessible",
    title="CloudWatch Logs log group is not open to everyone through a resource policy",
    severity="high",
    resource_type="Other",
    reads=["cloudwatch.log_groups", "cloudwatch.resource_policies", "cloudwatch.regions"],
    risk="A Logs resource policy for everyone lets any AWS account write into or read from the log group: "
    "forged entries, or log data (often full of internal detail) in outsiders' hands.",
    remediation="Narrow the CloudWatch Logs resource policy (logs put-resource-policy): name the service "
    "principals that deliver logs and add aws:SourceAccount or aws:SourceArn conditions.",
)
def cloudwatch_log_group_not_publicly_accessible(groups, policies, regions):
    looked = {r.region for r in regions if r.get("resource_policies_listed")}
    for group in groups:
        if group.region not in looked:
            continue
        opening = sorted(
            p.id
            for p in policies
            if p.region == group.region and any(_covers(s, group.uid) for s in _policy.public_statements(p["policy"]))
        )
        if opening:
            yield FAIL(
                group, f"CloudWatch log group {group.id} is open to everyone by resource policy {', '.join(opening)}."
            )
        else:
            yield PASS(group, f"CloudWatch log group {group.id} is not open to everyone by any resource policy.")
