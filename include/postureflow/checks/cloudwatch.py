"""CloudWatch checks: the CIS "log metric filter and alarm" monitoring controls.

Each control asks for the same chain, built for one kind of event:

1. a multi-region CloudTrail trail that is logging, records management events
   (``IncludeManagementEvents`` on, or an advanced selector for them) and
   delivers to a CloudWatch Logs log group;
2. on that log group, a metric filter whose pattern matches the control's
   events: the pattern is parsed (CloudWatch Logs JSON filter syntax) and run
   over sample CloudTrail records of every event CIS lists, made by ordinary
   callers; it must match each of them. A missing ``||`` branch, or an ``&&``
   clause only some callers meet (``$.userIdentity.userName = nobody``), fails;
   ``{($.eventName=CreateVpc) && ($.eventName=DeleteVpc)}`` matches nothing;
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

from postureflow import policy as _policy
from postureflow.checks.base import FAIL, MANUAL, NO_VERDICT, PASS, check
from postureflow.checks.cloudtrail import records_management_events
from postureflow.secrets import describe_hits

CIS_READS = [
    "cloudtrail.trails",
    "cloudtrail.regions",
    "cloudwatch.metric_filters",
    "cloudwatch.alarms",
    "cloudwatch.regions",
    "sns.subscriptions",
    "sns.regions",
]

# -- CloudWatch Logs JSON filter patterns ------------------------------------------------------------
#
# A metric filter pattern on CloudTrail's log group is a JSON filter: ``{ $.eventName = CreateVpc ||
# ($.errorCode = "AccessDenied*" && $.sourceIPAddress != "delivery.logs.amazonaws.com") }``. We parse it
# and run it over sample CloudTrail records of the events a CIS control is about: the filter matches
# the control when it matches every one of them (every ``||`` branch CIS asks for is there) under every
# ordinary caller (an ``&&`` clause that only some callers meet narrows it: it fails).

_TOKEN = re.compile(
    r"""\s*(?:(?P<punct>\{|\}|\(|\)|&&|\|\||!=|<=|>=|=|<|>)
        |"(?P<quoted>(?:[^"\\]|\\.)*)"
        |(?P<selector>\$\.[^\s=!<>()&|{}]+)
        |(?P<word>[^\s=!<>()&|{}"]+))""",
    re.X,
)


class FilterSyntaxError(ValueError):
    """Not a CloudWatch Logs JSON filter pattern we can read."""


def _tokens(pattern: str) -> list[tuple[str, str]]:
    found, position, text = [], 0, pattern.strip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if not match or match.end() == position:
            raise FilterSyntaxError(f"unexpected text at {text[position:position + 20]!r}")
        position = match.end()
        kind = match.lastgroup
        value = match.group(kind)
        found.append((kind, value.replace('\\"', '"') if kind == "quoted" else value))
    return found


def parse_filter(pattern: str):
    """The pattern as a tree: ("or", [...]), ("and", [...]), ("cmp", field, operator, value)."""
    tokens = _tokens(pattern or "")
    if len(tokens) < 2 or tokens[0] != ("punct", "{") or tokens[-1] != ("punct", "}"):
        raise FilterSyntaxError("a JSON filter pattern is written { ... }")
    tree, rest = _expression(tokens[1:-1])
    if rest:
        raise FilterSyntaxError(f"unexpected {rest[0][1]!r}")
    return tree


def _expression(tokens):
    branches, tokens = [], list(tokens)
    while True:
        clause, tokens = _conjunction(tokens)
        branches.append(clause)
        if tokens[:1] != [("punct", "||")]:
            return (branches[0] if len(branches) == 1 else ("or", branches)), tokens
        tokens = tokens[1:]


def _conjunction(tokens):
    clauses = []
    while True:
        clause, tokens = _atom(tokens)
        clauses.append(clause)
        if tokens[:1] != [("punct", "&&")]:
            return (clauses[0] if len(clauses) == 1 else ("and", clauses)), tokens
        tokens = tokens[1:]


def _atom(tokens):
    if not tokens:
        raise FilterSyntaxError("the pattern ends too early")
    if tokens[0] == ("punct", "("):
        tree, rest = _expression(tokens[1:])
        if rest[:1] != [("punct", ")")]:
            raise FilterSyntaxError("a '(' is not closed")
        return tree, rest[1:]
    kind, selector = tokens[0]
    if kind != "selector":
        raise FilterSyntaxError(f"expected a $.field selector, not {selector!r}")
    field = selector[2:]
    words = [v.upper() for _, v in tokens[1:3]]
    if words[:2] == ["NOT", "EXISTS"]:
        return ("cmp", field, "NOT EXISTS", None), tokens[3:]
    if words[:1] == ["EXISTS"]:
        return ("cmp", field, "EXISTS", None), tokens[2:]
    if words[:1] == ["IS"] and words[1:2] in (["NULL"], ["TRUE"], ["FALSE"]):
        return ("cmp", field, "IS " + words[1], None), tokens[3:]
    if len(tokens) < 3 or tokens[1][0] != "punct" or tokens[1][1] not in ("=", "!=", "<", ">", "<=", ">="):
        raise FilterSyntaxError(f"expected a comparison after {selector}")
    if tokens[2][0] not in ("quoted", "word"):
        raise FilterSyntaxError(f"expected a value after {selector} {tokens[1][1]}")
    return ("cmp", field, tokens[1][1], tokens[2][1]), tokens[3:]


def _number(value):
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _compare(field, operator, value, record: dict) -> bool:
    present = field in record
    actual = record.get(field)
    if operator == "NOT EXISTS":
        return not present
    if operator == "EXISTS":
        return present
    if operator == "IS NULL":
        return present and actual is None
    if operator in ("IS TRUE", "IS FALSE"):
        return actual is (operator == "IS TRUE")
    if not present or actual is None:
        return False  # a comparison on a field the event lacks does not match, not even !=
    if operator in ("=", "!="):
        equal = (_number(value) == _number(actual) if _number(value) is not None and _number(actual) is not None
                 else _policy.matches(str(actual), value))  # '*' is a wildcard in filter strings  # fmt: skip
        return equal if operator == "=" else not equal
    left, right = _number(actual), _number(value)
    if left is None or right is None:
        return False
    return {"<": left < right, ">": left > right, "<=": left <= right, ">=": left >= right}[operator]


def filter_matches(tree, record: dict) -> bool:
    """Whether a parsed filter pattern matches one CloudTrail record (flattened: {"userIdentity.type": ...})."""
    kind = tree[0]
    if kind == "or":
        return any(filter_matches(t, record) for t in tree[1])
    if kind == "and":
        return all(filter_matches(t, record) for t in tree[1])
    return _compare(tree[1], tree[2], tree[3], record)


# Who makes an ordinary call: a filter must catch a control's events whoever makes them.
_CALLERS = (
    {"userIdentity.type": "IAMUser", "userIdentity.userName": "alice", "userIdentity.arn":
     "arn:aws:iam::111122223333:user/alice", "sourceIPAddress": "198.51.100.7", "userAgent": "aws-cli/2.15"},
    {"userIdentity.type": "AssumedRole", "userIdentity.arn": "arn:aws:sts::111122223333:assumed-role/ops/bob",
     "userIdentity.sessionContext.sessionIssuer.userName": "ops", "sourceIPAddress": "203.0.113.9",
     "userAgent": "console.amazonaws.com"},
)  # fmt: skip
_ROOT = ({"userIdentity.type": "Root", "userIdentity.arn": "arn:aws:iam::111122223333:root",
          "sourceIPAddress": "198.51.100.7", "userAgent": "console.amazonaws.com"},)  # fmt: skip


def event(name: str, source: str, callers=_CALLERS, **fields) -> list[dict]:
    """Sample CloudTrail records of one event (one per kind of caller)."""
    base = {"eventVersion": "1.09", "eventType": "AwsApiCall", "eventName": name, "eventSource": source,
            "awsRegion": "us-east-1", "recipientAccountId": "111122223333"}  # fmt: skip
    return [{**base, **caller, **{k.replace("__", "."): v for k, v in fields.items()}} for caller in callers]


def events(*names: str, source: str) -> list[dict]:
    return [record for name in names for record in event(name, source)]


def filter_verdict(pattern: str, records: list[dict]) -> tuple[bool, str]:
    """(matches, why not) for a filter pattern against a control's sample records."""
    try:
        tree = parse_filter(pattern)
    except FilterSyntaxError as err:
        return False, f"cannot be read as a JSON filter pattern ({err})"
    missed = sorted({r["eventName"] + (f" ({r['errorCode']})" if "errorCode" in r else "")
                     for r in records if not filter_matches(tree, r)})  # fmt: skip
    if missed:
        return False, f"does not match {', '.join(missed[:4])}" + (" ..." if len(missed) > 4 else "")
    return True, ""


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
    unknown: str = ""  # what could not be looked at, when that may hide a complete chain
    elsewhere: str = ""  # a trail delivering to another account's log group (an organization trail)

    def fell_short(self, stage: int, sentence: str, alarm=None) -> None:
        if stage > self.stage:
            self.stage, self.failure, self.failing_alarm = stage, sentence, alarm


def _chain(what, required, trails, filters, alarms, cw_regions, subscriptions, sns_regions) -> _Verdict:
    verdict = _Verdict()
    looked = {r.region for r in cw_regions if r.get("metric_filters_listed") and r.get("alarms_listed")}
    sns_looked = {r.region for r in sns_regions if r.get("subscriptions_listed")}
    subscribed = {s.get("topic_arn") for s in subscriptions if s.get("confirmed")}
    account = _arn_parts(cw_regions[0].uid)[4] if cw_regions else ""

    with_logs = [t for t in sorted(trails, key=lambda t: t.uid) if t.get("cloudwatch_log_group_arn")]
    logging = [t for t in with_logs if t.get("multi_region") and t.get("is_logging")]
    candidates = [t for t in logging if records_management_events(t)]
    if not with_logs:
        verdict.fell_short(0, "no CloudTrail trail delivers to CloudWatch Logs")
    elif not logging:
        verdict.fell_short(0, "no multi-region, logging CloudTrail trail delivers to CloudWatch Logs")
    elif not candidates:
        verdict.fell_short(0, f"multi-region trail {logging[0].id} delivers to CloudWatch Logs but does not log "
                           "management events (IncludeManagementEvents off, or its event selectors exclude them)")

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
            verdict.unknown = verdict.unknown or f"the metric filters or alarms of {region} (log group {group})"
            continue
        on_group = sorted((f for f in filters if f.region == region and f.get("log_group") == group),
                          key=lambda f: f.uid)  # fmt: skip
        judged = [(f, *filter_verdict(f.get("pattern") or "", required)) for f in on_group]
        matching = [f for f, ok, _ in judged if ok]
        if not matching:
            closest = next((f"; metric filter {f.id} {why}" for f, _, why in judged), "")
            verdict.fell_short(
                1, f"trail {trail.id} delivers to log group {group}, but no metric filter there matches {what}{closest}"
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
                        verdict.unknown = verdict.unknown or f"the subscriptions of SNS topic {_arn_parts(topic)[5]}"
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
        for record in sorted(cw_regions, key=lambda r: r.region):
            yield MANUAL(record, f"{NO_VERDICT} monitoring of {what}: could not read {verdict.unknown} "
                         "(see the scan errors).")
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
    required = [
        *event("RunInstances", "ec2.amazonaws.com", errorCode="Client.UnauthorizedOperation"),
        *event("DescribeVpcs", "ec2.amazonaws.com", errorCode="UnauthorizedOperation"),
        *event("GetObject", "s3.amazonaws.com", errorCode="AccessDenied"),
        *event("Decrypt", "kms.amazonaws.com", errorCode="AccessDeniedException"),
    ]
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
    # CIS's own pattern counts IAM users' sign-ins only (federated sign-ins do their MFA elsewhere).
    required = event("ConsoleLogin", "signin.amazonaws.com", callers=_CALLERS[:1], eventType="AwsConsoleSignIn",
                     additionalEventData__MFAUsed="No", responseElements__ConsoleLogin="Success")  # fmt: skip
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
        *event("ListBuckets", "s3.amazonaws.com", callers=_ROOT),
        *event("ConsoleLogin", "signin.amazonaws.com", callers=_ROOT, eventType="AwsConsoleSignIn"),
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
    yield from judge("IAM policy changes", events(*_IAM_POLICY_EVENTS, source="iam.amazonaws.com"), *inventory)


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
    yield from judge("CloudTrail configuration changes", events(*_CLOUDTRAIL_EVENTS, source="cloudtrail.amazonaws.com"), *inventory)


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
    required = event("ConsoleLogin", "signin.amazonaws.com", eventType="AwsConsoleSignIn",
                     errorMessage="Failed authentication", responseElements__ConsoleLogin="Failure")  # fmt: skip
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
    yield from judge("disabling or scheduled deletion of KMS keys", events(*_KMS_EVENTS, source="kms.amazonaws.com"), *inventory)


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
    yield from judge("S3 bucket policy changes", events(*_S3_POLICY_EVENTS, source="s3.amazonaws.com"), *inventory)


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
    yield from judge("AWS Config configuration changes", events(*_CONFIG_EVENTS, source="config.amazonaws.com"), *inventory)


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
    yield from judge("security group changes", events(*_SG_EVENTS, source="ec2.amazonaws.com"), *inventory)


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
    yield from judge("network ACL changes", events(*_NACL_EVENTS, source="ec2.amazonaws.com"), *inventory)


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
    yield from judge("network gateway changes", events(*_GATEWAY_EVENTS, source="ec2.amazonaws.com"), *inventory)


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
    yield from judge("route table changes", events(*_ROUTE_EVENTS, source="ec2.amazonaws.com"), *inventory)


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
    yield from judge("VPC changes", events(*_VPC_EVENTS, source="ec2.amazonaws.com"), *inventory)


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
    yield from judge("AWS Organizations changes", events(*_ORGANIZATIONS_EVENTS, source="organizations.amazonaws.com"), *inventory)


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
            yield MANUAL(group, f"{NO_VERDICT} CloudWatch log group {group.id}: could not list the CloudWatch Logs "
                         "resource policies (logs:DescribeResourcePolicies).")
            continue
        unreadable = sorted(p.id for p in policies if p.region == group.region and not _policy.parseable(p["policy"]))
        if unreadable:
            yield MANUAL(group, f"{NO_VERDICT} CloudWatch log group {group.id}: resource policy "
                         f"{', '.join(unreadable)} is not a valid policy.")
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


@check(
    id="cloudwatch_log_group_kms_encryption_enabled",
    title="CloudWatch Logs log group is encrypted with a KMS key",
    severity="medium",
    resource_type="Other",
    reads=["cloudwatch.log_groups"],
    risk="Logs encrypted only with the service's own key can be read by anyone allowed to read the log group; "
    "a KMS key adds a second permission, audited and revocable on its own.",
    remediation="Associate a KMS key with the log group (logs associate-kms-key) after allowing the CloudWatch "
    "Logs service principal to use the key in its key policy.",
)
def cloudwatch_log_group_kms_encryption_enabled(groups):
    for group in groups:
        if key := group.get("kms_key_id"):
            yield PASS(group, f"CloudWatch log group {group.id} is encrypted with KMS key {key}.")
        else:
            yield FAIL(group, f"CloudWatch log group {group.id} is not encrypted with a KMS key.")


@check(
    id="cloudwatch_log_group_retention_policy_specific_days_enabled",
    title="CloudWatch Logs log group keeps its events at least the configured number of days",
    severity="medium",
    resource_type="AwsLogsLogGroup",
    reads=["cloudwatch.log_groups"],
    risk="Logs deleted too early are missing when an incident is discovered months later, and many standards "
    "require a year of retention.",
    remediation="Set the log group's retention to at least the required days, or to never expire (logs "
    "put-retention-policy --retention-in-days 365).",
    config=["log_group_retention_days"],
)
def cloudwatch_log_group_retention_policy_specific_days_enabled(groups, config):
    minimum = int(config["log_group_retention_days"])
    for group in groups:
        days = group.get("retention_days")
        if days is None:
            yield PASS(group, f"CloudWatch log group {group.id} never expires its events (at least {minimum} days "
                       "required).")
        elif days < minimum:
            yield FAIL(group, f"CloudWatch log group {group.id} keeps its events {days} days, less than {minimum}.")
        else:
            yield PASS(group, f"CloudWatch log group {group.id} keeps its events {days} days (at least {minimum}).")


@check(
    id="cloudwatch_log_group_agentcore_data_protection_policy_enabled",
    title="Bedrock AgentCore log group masks sensitive data with a data protection policy",
    severity="medium",
    resource_type="Other",
    reads=["cloudwatch.log_groups"],
    risk="Agents log prompts, tool arguments and retrieved context; without a data protection policy, personal "
    "data and credentials in them are stored in clear text for anyone who may read the logs.",
    remediation="Put a data protection policy on the log group (logs put-data-protection-policy) or an "
    "account-level one (logs put-account-policy --policy-type DATA_PROTECTION_POLICY) that masks the data "
    "identifiers your agents may log.",
    config=["agentcore_log_group_name_prefixes"],
)
def cloudwatch_log_group_agentcore_data_protection_policy_enabled(groups, config):
    prefixes = config["agentcore_log_group_name_prefixes"]
    # An unset key means Prowler's defaults; an empty list is the operator saying "none".
    prefixes = tuple(AGENTCORE_PREFIXES if prefixes is None else prefixes)
    for group in groups:
        if not group.id.startswith(prefixes):
            continue
        if group.get("data_protection_status") == "ACTIVATED":
            yield PASS(group, f"AgentCore log group {group.id} has an activated data protection policy.")
        elif "ACCOUNT_DATA_PROTECTION" in (group.get("inherited_properties") or []):
            yield PASS(group, f"AgentCore log group {group.id} inherits the account-level data protection policy.")
        else:
            status = group.get("data_protection_status")
            yield FAIL(group, f"AgentCore log group {group.id} has no active data protection policy"
                       + (f" (status {status})" if status else "") + ": what the agent logs is not masked.")


AGENTCORE_PREFIXES = ("/aws/bedrock-agentcore/", "/aws/vendedlogs/bedrock-agentcore/")


@check(
    id="cloudwatch_log_group_no_secrets_in_logs",
    title="CloudWatch Logs log group's events contain no secrets",
    severity="medium",
    resource_type="Other",
    reads=["cloudwatch.log_groups"],
    risk="Credentials written to logs can be read by everyone with log access, are kept as long as the logs, "
    "and are copied to every subscription and export.",
    remediation="Stop the application from logging the secret, rotate it, and mask such values at ingestion "
    "with a CloudWatch Logs data protection policy.",
)
def cloudwatch_log_group_no_secrets_in_logs(groups):
    # The collector read up to 1,000 events of each of the newest max_cloudwatch_log_groups groups (Prowler's
    # bounds), only with read_customer_data on (else the fields are unread: no verdict), and kept where hits are.
    for group in groups:
        read = group.get("log_events_read")
        if read is None and group.readable("log_events_read"):
            continue  # past max_cloudwatch_log_groups, as Prowler, or deleted since the listing
        hits = group.get("log_secrets") or []
        if hits:
            yield FAIL(group, f"CloudWatch log group {group.id} has potential secrets in its events: "
                       f"{describe_hits(hits)}.")
        else:
            yield PASS(group, f"CloudWatch log group {group.id} has no secrets in the {read} events read.")


@check(
    id="cloudwatch_cross_account_sharing_disabled",
    title="CloudWatch data is not shared with other accounts",
    severity="medium",
    resource_type="AwsIamRole",
    reads=["cloudwatch.sharing_role"],
    risk="Accounts trusted by the sharing role can read this account's metrics, dashboards, alarms and, with "
    "the broader options, its logs: operational detail an attacker in one of them can use.",
    remediation="If the sharing is not needed, turn it off in the CloudWatch console settings (or delete the "
    "CloudWatch-CrossAccountSharingRole role); otherwise keep its trust policy to the accounts that need it.",
)
def cloudwatch_cross_account_sharing_disabled(roles):
    # The collector asked IAM for the role the console creates to share CloudWatch data (as Prowler, by name).
    for role in roles:
        if not role.get("exists"):
            yield PASS(role, "No CloudWatch-CrossAccountSharingRole role: CloudWatch does not share data with other "
                       "accounts.", "Other")
            continue
        trusted = sorted({a for s in _policy.statements(role.get("trust_policy")) if _policy.allows(s)
                          for a in _policy.principal_accounts(s)})  # fmt: skip
        yield FAIL(role, f"CloudWatch shares its data with other accounts through role {role.id}"
                   + (f" (trusted: {', '.join(trusted)})." if trusted else "."))
