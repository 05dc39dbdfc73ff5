"""Elastic Beanstalk: environments and the few configuration options checks read.

Calls per region: DescribeEnvironments; DescribeConfigurationSettings once per
environment. Only named options are kept (log streaming, managed updates, health
reporting); every option value (environment properties above all) is scanned for
secret-looking values and only the option's name and the kind of secret are kept.
"""

from __future__ import annotations

from postureflow.collect.base import Outcome, RegionScope, collector
from postureflow.secrets import scan_key_values

GONE = {"Terminated", "Terminating"}
# (namespace, option) -> field of the environment record.
OPTIONS = {
    ("aws:elasticbeanstalk:cloudwatch:logs", "StreamLogs"): "stream_logs",
    ("aws:elasticbeanstalk:managedactions", "ManagedActionsEnabled"): "managed_actions",
    ("aws:elasticbeanstalk:healthreporting:system", "SystemType"): "health_reporting",
}


@collector("elasticbeanstalk")
def collect_elasticbeanstalk(scope: RegionScope) -> None:
    client = scope.client("elasticbeanstalk")
    listing = scope.list(client, "describe_environments", "Environments", kind="environments", IncludeDeleted=False)
    environments = [e for e in listing.value or [] if e.get("Status") not in GONE]
    scope.each(environments, lambda env: _collect_environment(scope, client, env))


def _collect_environment(scope: RegionScope, client, env: dict) -> None:
    settings = _settings(scope, client, env)
    fields = [*OPTIONS.values(), "configuration_secrets"]
    options = {field: settings.map(lambda found, field=field: found.get(field)) for field in fields}
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
        options = configurations[0].get("OptionSettings") or []
        found: dict = {
            # "namespace:option" and the kind of secret; the value stays here
            "configuration_secrets": scan_key_values(
                [(f"{o.get('Namespace')}:{o.get('OptionName')}", o.get("Value")) for o in options]
            )
        }
        for option in options:
            field = OPTIONS.get((option.get("Namespace"), option.get("OptionName")))
            if field:
                found[field] = option.get("Value")
        return found

    return answer.map(named)
