"""Elastic Beanstalk checks: log streaming, managed updates, health reporting, secrets and the PHP platform."""

from __future__ import annotations

import re

from postureflow.checks.base import FAIL, MANUAL, PASS, check
from postureflow.secrets import describe_hits
from postureflow.versions import version_tuple

PHP_BRANCH = re.compile(r"PHP (\d+(?:\.\d+)+)")
# "64bit Amazon Linux 2023 v4.13.13 running PHP 8.4", or a platform ARN ending ".../64bit Amazon Linux 2023/4.13.13"
PLATFORM_VERSION = re.compile(r"(?: v|/)(\d+(?:\.\d+)+)(?: running|$)")


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


@check(
    id="elasticbeanstalk_environment_enhanced_health_reporting",
    title="Elastic Beanstalk environment has enhanced health reporting",
    severity="low",
    resource_type="AwsElasticBeanstalkEnvironment",
    reads=["elasticbeanstalk.environments"],
    risk="Basic health reporting only watches the load balancer's health checks; failing requests, latency and "
    "instance problems go unnoticed until users report them.",
    remediation="Set aws:elasticbeanstalk:healthreporting:system SystemType to enhanced "
    "(aws elasticbeanstalk update-environment --option-settings ...).",
)
def elasticbeanstalk_environment_enhanced_health_reporting(environments):
    for env in environments:
        system = env.get("health_reporting")
        if system == "enhanced":
            yield PASS(env, f"Elastic Beanstalk environment {env.id} has enhanced health reporting.")
        else:
            yield FAIL(env, f"Elastic Beanstalk environment {env.id} has {system or 'basic'} health reporting only.")


@check(
    id="elasticbeanstalk_environment_no_secrets_in_configuration",
    title="Elastic Beanstalk environment configuration holds no secrets",
    severity="high",
    resource_type="AwsElasticBeanstalkEnvironment",
    reads=["elasticbeanstalk.environments"],
    risk="Option settings (environment properties above all) are shown in plain text to anyone who may describe "
    "the environment's configuration, in saved configurations and in templates.",
    remediation="Keep the secret in Secrets Manager or SSM Parameter Store and have the application read it "
    "(or reference it from the environment property), then rotate the exposed secret.",
)
def elasticbeanstalk_environment_no_secrets_in_configuration(environments):
    for env in environments:
        hits = env.get("configuration_secrets")
        if hits:
            yield FAIL(env, f"Elastic Beanstalk environment {env.id} has secret-looking settings: {describe_hits(hits)}.")
        else:
            yield PASS(env, f"Elastic Beanstalk environment {env.id} has no secret-looking settings.")


@check(
    id="elasticbeanstalk_environment_php_platform_updated",
    title="Elastic Beanstalk PHP environment runs a platform version with the fixed PHP release",
    severity="critical",
    resource_type="AwsElasticBeanstalkEnvironment",
    reads=["elasticbeanstalk.environments"],
    config=["elasticbeanstalk_php_min_branch", "elasticbeanstalk_php_min_platform_version"],
    risk="A PHP platform older than the version that bundles the fixed PHP release (or a PHP branch past its "
    "security support) keeps serving requests with publicly known, remotely exploitable PHP flaws.",
    remediation="Update the environment to the latest platform version of a supported PHP branch on Amazon Linux "
    "2023 (aws elasticbeanstalk update-environment --platform-arn ...) and turn on managed platform updates.",
)
def elasticbeanstalk_environment_php_platform_updated(environments, config):
    min_branch = version_tuple(config["elasticbeanstalk_php_min_branch"]) or ()
    min_platform = str(config["elasticbeanstalk_php_min_platform_version"])
    for env in environments:
        platform = env.get("solution_stack") or env.get("platform_arn") or ""
        branch = PHP_BRANCH.search(platform)
        if not branch:
            continue  # not a PHP platform
        version = PLATFORM_VERSION.search(platform)
        if (version_tuple(branch.group(1)) or ())[:2] < min_branch:
            yield FAIL(env, f"Elastic Beanstalk environment {env.id} runs PHP {branch.group(1)}, a branch past its "
                       f"security fixes (oldest supported: {'.'.join(map(str, min_branch))}).")  # fmt: skip
        elif "Amazon Linux 2023" not in platform:
            # The fixed PHP release ships in the Amazon Linux 2023 platforms; Amazon Linux 2 is past its end of life.
            yield FAIL(env, f"Elastic Beanstalk environment {env.id} runs PHP on '{platform}', not on an Amazon "
                       "Linux 2023 platform bundling the fixed PHP release.")  # fmt: skip
        elif not version:
            yield MANUAL(env, f"Elastic Beanstalk environment {env.id}: the platform version of '{platform}' "
                         "could not be read; check it by hand.")  # fmt: skip
        elif (version_tuple(version.group(1)) or ()) < (version_tuple(min_platform) or ()):
            yield FAIL(env, f"Elastic Beanstalk environment {env.id} runs PHP platform version {version.group(1)}, "
                       f"older than {min_platform} which bundles the fixed PHP release.")  # fmt: skip
        else:
            yield PASS(env, f"Elastic Beanstalk environment {env.id} runs PHP platform version {version.group(1)} "
                       f"(at least {min_platform}).")  # fmt: skip
