"""Amplify checks."""

from __future__ import annotations

from postureflow.checks.base import FAIL, PASS, check
from postureflow.secrets import describe_hits


@check(
    id="amplify_app_no_secrets_in_environment",
    title="Amplify app holds no secrets in its environment variables or build settings",
    severity="high",
    resource_type="AwsAmplifyApp",
    reads=["amplify.apps"],
    risk="Environment variables and build specs are readable by everyone with access to the app's settings and are "
    "often printed in build logs.",
    remediation="Keep secrets in Amplify's secret environment variables (Parameter Store) or Secrets Manager and "
    "rotate the exposed values.",
)
def amplify_app_no_secrets_in_environment(apps):
    for app in apps:
        hits = (app.get("secrets") or []) + (app.get("branch_secrets") or [])
        if hits:
            yield FAIL(app, f"Amplify app {app.id} has secret-looking values at {describe_hits(hits)}.")
        else:
            yield PASS(app, f"Amplify app {app.id} has no secret-looking values in its settings.")
