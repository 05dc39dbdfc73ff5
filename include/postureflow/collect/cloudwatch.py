"""CloudWatch and CloudWatch Logs: metric filters, metric alarms, log groups and Logs resource policies.

Per region: ``logs:DescribeMetricFilters`` (every log group's filters in one
paginated listing), ``cloudwatch:DescribeAlarms`` (metric alarms),
``logs:DescribeLogGroups`` (encryption, retention, data protection) and
``logs:DescribeResourcePolicies`` (the account-level resource policies, which
say who else may use the log groups).
The ``regions`` record says which regions were scanned and whether the
listings answered (their outcomes), so the CIS monitoring checks can judge a
region that has nothing and stay silent where they could not look: the chain
is account-wide, so a failed listing in the log group's region decides for
every region.
"""

from __future__ import annotations

import json

from postureflow.collect.base import RegionScope, collector


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

    scope.add(
        "regions",
        uid=scope.arn("logs", "log-group"),
        id=scope.account_id,
        metric_filters_listed=filters.known,
        alarms_listed=alarms.known,
        resource_policies_listed=policies.known,
    )


def _parsed(document: str | None) -> dict | str | None:
    """The policy as JSON; a text that is not JSON is kept as it is (the check gives no verdict on it)."""
    try:
        return json.loads(document) if document else None
    except ValueError:
        return document
