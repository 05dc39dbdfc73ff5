"""DataSync: tasks with their CloudWatch log group.

Calls per region: ListTasks and DescribeTask once per task.
"""

from __future__ import annotations

from postureflow.collect.base import RegionScope, collector


@collector("datasync")
def collect_datasync(scope: RegionScope) -> None:
    datasync = scope.client("datasync")
    tasks = scope.list(datasync, "list_tasks", "Tasks", kind="tasks")
    scope.each(tasks.value or [], lambda listed: _collect_task(scope, datasync, listed))


def _collect_task(scope: RegionScope, datasync, listed: dict) -> None:
    arn = listed["TaskArn"]
    name = listed.get("Name") or arn.rsplit("/", 1)[-1]
    answer = scope.fetch(datasync, "describe_task", absent=("InvalidRequestException",), TaskArn=arn)
    if answer.state == "absent":
        return  # deleted since the listing
    if not answer.ok:
        scope.add_unreadable("tasks", answer, uid=arn, id=name)
        return
    scope.add("tasks", uid=arn, id=name, log_group_arn=answer.value.get("CloudWatchLogGroupArn"))
