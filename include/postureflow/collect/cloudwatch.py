"""CloudWatch and CloudWatch Logs: metric filters, metric alarms, log groups and Logs resource policies.

Per region: ``logs:DescribeMetricFilters`` (every log group's filters in one
paginated listing), ``cloudwatch:DescribeAlarms`` (metric alarms),
``logs:DescribeLogGroups`` (encryption, retention, data protection) and
``logs:DescribeResourcePolicies`` (the account-level resource policies, which
say who else may use the log groups). Once per account (in the global
region): ``iam:GetRole`` of the CloudWatch cross-account sharing role, one
call instead of making every CloudWatch scan read all of IAM. Only with ``read_customer_data: true``
in the audit config (reading log events reads customer data: see
docs/least-privilege.md), ``logs:FilterLogEvents`` once per log group (its
first page: up to 1,000 events, oldest first), over the newest
``max_cloudwatch_log_groups`` groups (all when unset), as Prowler; the events are scanned here for secrets and only
where a hit is (log stream, event time) and its kind are kept.
The ``regions`` record says which regions were scanned and whether the
listings answered (their outcomes), so the CIS monitoring checks can judge a
region that has nothing and stay silent where they could not look: the chain
is account-wide, so a failed listing in the log group's region decides for
every region.
"""

from __future__ import annotations

import datetime as dt
import json

from postureflow.collect.base import OK, Outcome, RegionScope, collector
from postureflow.collect.downloads import customer_data_allowed
from postureflow.secrets import scan_text

# Prowler's events_per_log_group_threshold: one FilterLogEvents call per log group, the first page (oldest first)
EVENTS_PER_LOG_GROUP = 1000
# The role the CloudWatch console creates when the account shares its metrics, dashboards and alarms with
# other accounts ("Share your CloudWatch data"); its trust policy names the accounts that may read them.
SHARING_ROLE = "CloudWatch-CrossAccountSharingRole"


def _alarm_metrics(alarm: dict) -> list[list[str]]:
    """[namespace, metric name] pairs an alarm watches, directly or inside metric math."""
    metrics = []
    if alarm.get("MetricName"):
        metrics.append([alarm.get("Namespace") or "", alarm["MetricName"]])
    for query in alarm.get("Metrics") or []:
        metric = (query.get("MetricStat") or {}).get("Metric") or {}
        if metric.get("MetricName"):
            metrics.append([metric.get("Namespace") or "", metric["MetricName"]])
    return metrics


@collector("cloudwatch")
def collect_cloudwatch(scope: RegionScope) -> None:
    logs = scope.client("logs")
    cloudwatch = scope.client("cloudwatch")

    filters = scope.list(logs, "describe_metric_filters", "metricFilters")
    for item in filters.value or []:
        group, name = item.get("logGroupName", ""), item.get("filterName", "")
        scope.add(
            "metric_filters",
            uid=scope.arn("logs", f"log-group:{group}:metric-filter/{name}"),
            id=name,
            log_group=group,
            pattern=item.get("filterPattern") or "",
            metrics=[
                [t.get("metricNamespace") or "", t.get("metricName") or ""]
                for t in item.get("metricTransformations") or []
            ],
        )

    alarms = scope.list(cloudwatch, "describe_alarms", "MetricAlarms", kind="alarms")
    for alarm in alarms.value or []:
        scope.add(
            "alarms",
            uid=alarm.get("AlarmArn") or scope.arn("cloudwatch", f"alarm:{alarm['AlarmName']}"),
            id=alarm["AlarmName"],
            metrics=_alarm_metrics(alarm),
            actions_enabled=bool(alarm.get("ActionsEnabled", True)),
            alarm_actions=alarm.get("AlarmActions") or [],
            state=alarm.get("StateValue"),
        )

    groups = scope.list(logs, "describe_log_groups", "logGroups", kind="log_groups")
    events = _log_events(scope, logs, groups.value or [])
    for group in groups.value or []:
        name = group["logGroupName"]
        arn = group.get("logGroupArn") or scope.arn("logs", f"log-group:{name}")
        scope.add(
            "log_groups",
            uid=arn,
            id=name,
            kms_key_id=group.get("kmsKeyId"),
            # absent: the log group never expires its events
            retention_days=group.get("retentionInDays"),
            data_protection_status=group.get("dataProtectionStatus"),
            inherited_properties=group.get("inheritedProperties") or [],
            # None (known): not read, the group being past max_cloudwatch_log_groups or deleted since listed;
            # unread (no verdict): read_customer_data off, or the call refused
            log_events_read=events.get(name, NOT_SELECTED).map(lambda r: r and r[0]),
            log_secrets=events.get(name, NOT_SELECTED).map(lambda r: r and r[1]),
        )

    policies = scope.list(logs, "describe_resource_policies", "resourcePolicies")
    for policy in policies.value or []:
        name = policy.get("policyName") or ""
        scope.add(
            "resource_policies",
            uid=scope.arn("logs", f"resource-policy:{name}"),
            id=name,
            policy=_parsed(policy.get("policyDocument")),
        )

    if scope.is_home:
        _sharing_role(scope)
    scope.add(
        "regions",
        uid=scope.arn("logs", "log-group"),
        id=scope.account_id,
        metric_filters_listed=filters.known,
        alarms_listed=alarms.known,
        resource_policies_listed=policies.known,
    )


def _sharing_role(scope: RegionScope) -> None:
    """The account's CloudWatch sharing role: ``exists`` False when IAM says there is none."""
    role = scope.fetch(scope.client("iam"), "get_role", absent=("NoSuchEntity",), RoleName=SHARING_ROLE)
    found = role.ok
    scope.add(
        "sharing_role",
        uid=scope.arn("iam", f"role/{SHARING_ROLE}" if found else "role", region=""),
        id=SHARING_ROLE if found else scope.account_id,
        exists=role.map(lambda r: True).absent_as(False),
        trust_policy=role.map(lambda r: (r.get("Role") or {}).get("AssumeRolePolicyDocument")),
    )


NOT_SELECTED = Outcome(OK, None, "logs:FilterLogEvents")


def _log_events(scope: RegionScope, logs, groups: list[dict]) -> dict[str, Outcome]:
    """log group name -> (events read, secret hits) of up to 1,000 of its events, for the newest
    ``max_cloudwatch_log_groups`` groups (Prowler's bound; all when unset)."""
    limit = scope.config.get("max_cloudwatch_log_groups")
    newest = sorted(groups, key=lambda g: g.get("creationTime") or 0, reverse=True)
    names = [g["logGroupName"] for g in (newest[: int(limit)] if limit and int(limit) > 0 else newest)]
    refused = customer_data_allowed(scope, "logs:FilterLogEvents")
    if refused is not None:
        return {name: refused for name in names}
    return dict(zip(names, scope.each(names, lambda name: _secrets_in_events(scope, logs, name))))


def _secrets_in_events(scope: RegionScope, logs, name: str) -> Outcome:
    answer = scope.fetch(logs, "filter_log_events", absent=("ResourceNotFoundException",), logGroupName=name,
                         limit=EVENTS_PER_LOG_GROUP)  # fmt: skip
    return answer.map(_scan_events)


def _scan_events(page: dict) -> tuple[int, list[dict[str, str]]]:
    """(events read, hits): each event's message is scanned as one JSON-quoted line, as Prowler lays them
    out (so its secrets_ignore_patterns match alike); a hit names the stream and the event's time."""
    streams: dict[str, list[dict]] = {}
    for event in page.get("events") or []:
        streams.setdefault(event.get("logStreamName") or "", []).append(event)
    hits = []
    for stream, items in sorted(streams.items()):
        text = "\n".join(json.dumps(e.get("message") or "") for e in items)
        for hit in scan_text(text):
            event = items[int(hit["location"].rsplit(" ", 1)[-1]) - 1]
            when = dt.datetime.fromtimestamp((event.get("timestamp") or 0) / 1000, dt.timezone.utc)
            hits.append({"location": f"log stream {stream}, event at {when.isoformat(timespec='milliseconds')}",
                         "type": hit["type"]})  # fmt: skip
    return sum(len(v) for v in streams.values()), hits


def _parsed(document: str | None) -> dict | str | None:
    """The policy as JSON; a text that is not JSON is kept as it is (the check gives no verdict on it)."""
    try:
        return json.loads(document) if document else None
    except ValueError:
        return document
