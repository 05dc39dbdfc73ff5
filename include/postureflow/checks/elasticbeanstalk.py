"""Elastic Beanstalk checks: log streaming and managed platform updates."""

from __future__ import annotations

from postureflow.checks.base import FAIL, PASS, check


def _option_findings(environments, field: str, when_on: str, when_off: str):
    """PASS where the option ``field`` is "true", FAIL elsewhere; the texts follow "Elastic Beanstalk environment X"."""
    for env in environments:
        if str(env.get(field)).lower() == "true":
            yield PASS(env, f"Elastic Beanstalk environment {env.id} {when_on}.")
        else:
            yield FAIL(env, f"Elastic Beanstalk environment {env.id} {when_off}.")


@check(
    id="elasticbeanstalk_environment_cloudwatch_logging_enabled",
    title="Elastic Beanstalk environment streams its logs to CloudWatch Logs",
    severity="high",
    resource_type="AwsElasticBeanstalkEnvironment",
    reads=["elasticbeanstalk.environments"],
    risk="Logs kept only on the instances disappear when instances are replaced and are not available for "
    "investigation or alarms.",
    remediation="Set aws:elasticbeanstalk:cloudwatch:logs StreamLogs to true "
    "(aws elasticbeanstalk update-environment --option-settings ...).",
)
def elasticbeanstalk_environment_cloudwatch_logging_enabled(environments):
    yield from _option_findings(
        environments,
        "stream_logs",
        "streams its logs to CloudWatch Logs",
        "does not stream its logs to CloudWatch Logs",
    )


@check(
    id="elasticbeanstalk_environment_managed_updates_enabled",
    title="Elastic Beanstalk environment has managed platform updates turned on",
    severity="high",
    resource_type="AwsElasticBeanstalkEnvironment",
    reads=["elasticbeanstalk.environments"],
    risk="Without managed updates the environment keeps running a platform version with known, already-fixed "
    "vulnerabilities until someone updates it by hand.",
    remediation="Set aws:elasticbeanstalk:managedactions ManagedActionsEnabled to true and choose a weekly "
    "maintenance window.",
)
def elasticbeanstalk_environment_managed_updates_enabled(environments):
    yield from _option_findings(
        environments,
        "managed_actions",
        "has managed platform updates enabled",
        "has managed platform updates disabled",
    )
