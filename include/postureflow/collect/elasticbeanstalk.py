"""Elastic Beanstalk: environments and the few configuration options checks read.

Calls per region: DescribeEnvironments; DescribeConfigurationSettings once per
environment. Only named options are kept (log streaming, managed updates);
environment properties, which may hold secrets, are never read out.
"""

from __future__ import annotations

from postureflow.collect.base import Outcome, RegionScope, collector

GONE = {"Terminated", "Terminating"}
# (namespace, option) -> field of the environment record.
OPTIONS = {
    ("aws:elasticbeanstalk:cloudwatch:logs", "StreamLogs"): "stream_logs",
    ("aws:elasticbeanstalk:managedactions", "ManagedActionsEnabled"): "managed_actions",
}


@collector("elasticbeanstalk")
def collect_elasticbeanstalk(scope: RegionScope) -> None:
    client = scope.client("elasticbeanstalk")
    listing = scope.list(client, "describe_environments", "Environments", kind="environments", IncludeDeleted=False)
    environments = [e for e in listing.value or [] if e.get("Status") not in GONE]
    scope.each(environments, lambda env: _collect_environment(scope, client, env))


def _collect_environment(scope: RegionScope, client, env: dict) -> None:
    settings = _settings(scope, client, env)
    options = {field: settings.map(lambda found, field=field: found.get(field)) for field in OPTIONS.values()}
    name = env["EnvironmentName"]
    scope.add(
        "environments",
        uid=env.get("EnvironmentArn") or scope.arn("elasticbeanstalk", f"environment/{env['ApplicationName']}/{name}"),
        id=name,
        application=env.get("ApplicationName"),
        status=env.get("Status"),
        solution_stack=env.get("SolutionStackName"),
        platform_arn=env.get("PlatformArn"),
        **options,
    )


def _settings(scope: RegionScope, client, env: dict) -> Outcome:
    """The environment's named options (field -> value), as the outcome of reading its settings."""
    answer = scope.fetch(
        client,
        "describe_configuration_settings",
        ApplicationName=env["ApplicationName"],
        EnvironmentName=env["EnvironmentName"],
    )

    def named(response: dict) -> dict[str, str | None]:
        configurations = response.get("ConfigurationSettings") or [{}]
        found: dict[str, str | None] = {}
        for option in configurations[0].get("OptionSettings") or []:
            field = OPTIONS.get((option.get("Namespace"), option.get("OptionName")))
            if field:
                found[field] = option.get("Value")
        return found

    return answer.map(named)
