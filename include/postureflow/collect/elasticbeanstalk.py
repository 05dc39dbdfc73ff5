"""Elastic Beanstalk: environments and the few configuration options checks read.

Calls per region: DescribeEnvironments; DescribeConfigurationSettings once per
environment. Only named options are kept (log streaming, managed updates);
environment properties, which may hold secrets, are never read out.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from postureflow.collect.base import RegionScope, collector

ENVIRONMENT_THREADS = 8
GONE = {"Terminated", "Terminating"}
# (namespace, option) -> field of the environment record.
OPTIONS = {
    ("aws:elasticbeanstalk:cloudwatch:logs", "StreamLogs"): "stream_logs",
    ("aws:elasticbeanstalk:managedactions", "ManagedActionsEnabled"): "managed_actions",
}


@collector("elasticbeanstalk")
def collect_elasticbeanstalk(scope: RegionScope) -> None:
    client = scope.client("elasticbeanstalk")
    environments = [
        e
        for e in scope.paginate(client, "describe_environments", "Environments", IncludeDeleted=False)
        if e.get("Status") not in GONE
    ]
    with ThreadPoolExecutor(max_workers=ENVIRONMENT_THREADS) as pool:
        list(pool.map(lambda env: _collect_environment(scope, client, env), environments))


def _collect_environment(scope: RegionScope, client, env: dict) -> None:
    settings = _settings(scope, client, env)
    options: dict[str, str | None] = dict.fromkeys(OPTIONS.values())
    for option in settings or []:
        field = OPTIONS.get((option.get("Namespace"), option.get("OptionName")))
        if field:
            options[field] = option.get("Value")
    name = env["EnvironmentName"]
    scope.add(
        "environments",
        uid=env.get("EnvironmentArn") or scope.arn("elasticbeanstalk", f"environment/{env['ApplicationName']}/{name}"),
        id=name,
        application=env.get("ApplicationName"),
        status=env.get("Status"),
        solution_stack=env.get("SolutionStackName"),
        platform_arn=env.get("PlatformArn"),
        settings_read=settings is not None,
        **options,
    )


def _settings(scope: RegionScope, client, env: dict) -> list[dict] | None:
    answer = scope.call(
        client,
        "describe_configuration_settings",
        ApplicationName=env["ApplicationName"],
        EnvironmentName=env["EnvironmentName"],
    )
    if answer is None:
        return None
    configurations = answer.get("ConfigurationSettings") or [{}]
    return configurations[0].get("OptionSettings") or []
