"""DataSync checks."""

from __future__ import annotations

from postureflow.checks.base import FAIL, PASS, check


@check(
    id="datasync_task_logging_enabled",
    title="DataSync task logs to a CloudWatch Logs group",
    severity="high",
    resource_type="Other",
    reads=["datasync.tasks"],
    risk="Without a log group, transfers that fail, skip files or copy data somewhere unexpected leave no record.",
    remediation="Set a CloudWatch log group on the task (datasync update-task --cloud-watch-log-group-arn).",
)
def datasync_task_logging_enabled(tasks):
    for task in tasks:
        group = task.get("log_group_arn")
        if group:
            yield PASS(task, f"DataSync task {task.id} logs to {group}.")
        else:
            yield FAIL(task, f"DataSync task {task.id} has no CloudWatch log group.")
