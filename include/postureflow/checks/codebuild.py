"""CodeBuild checks: project visibility, credentials, sources, buildspecs, webhooks, logs, age and report exports."""

from __future__ import annotations

from postureflow.checks.base import FAIL, PASS, check, days_since
from postureflow.secrets import describe_hits


@check(
    id="codebuild_project_not_publicly_accessible",
    title="CodeBuild project's builds are not publicly visible",
    severity="high",
    resource_type="AwsCodeBuildProject",
    reads=["codebuild.projects"],
    risk="A public project shows its build logs and artifacts to anyone, and build logs often contain "
    "internal names, tokens printed by scripts and dependency details.",
    remediation="Set the project's visibility to PRIVATE (aws codebuild update-project-visibility "
    "--project-visibility PRIVATE).",
)
def codebuild_project_not_publicly_accessible(projects):
    for project in projects:
        visibility = project.get("visibility") or "PRIVATE"
        if visibility == "PUBLIC_READ":
            yield FAIL(project, f"CodeBuild project {project.id} makes its builds publicly readable.")
        else:
            yield PASS(project, f"CodeBuild project {project.id} is private ({visibility}).")


@check(
    id="codebuild_project_no_secrets_in_variables",
    title="CodeBuild project keeps no secrets in plaintext environment variables",
    severity="critical",
    resource_type="AwsCodeBuildProject",
    reads=["codebuild.projects"],
    risk="Plaintext environment variables are shown to anyone allowed codebuild:BatchGetProjects and in the "
    "console, and are easily echoed into build logs.",
    remediation="Change the variables to type SECRETS_MANAGER or PARAMETER_STORE and rotate the exposed secrets.",
)
def codebuild_project_no_secrets_in_variables(projects):
    for project in projects:
        hits = project.get("environment_secrets") or []
        if hits:
            yield FAIL(
                project,
                f"CodeBuild project {project.id} has secret-looking plaintext variables: {describe_hits(hits)}.",
            )
        else:
            yield PASS(project, f"CodeBuild project {project.id} has no secret-looking plaintext variables.")


@check(
    id="codebuild_project_source_repo_url_no_sensitive_credentials",
    title="CodeBuild project source URLs carry no credentials",
    severity="critical",
    resource_type="AwsCodeBuildProject",
    reads=["codebuild.projects"],
    risk="A user name and password or token embedded in a repository URL is stored in clear text in the "
    "project and shown to anyone who can read it.",
    remediation="Remove the credentials from the URL, connect the source provider with a CodeConnections "
    "connection or a source credential (aws codebuild import-source-credentials), and revoke the exposed ones.",
)
def codebuild_project_source_repo_url_no_sensitive_credentials(projects):
    for project in projects:
        found = project.get("source_url_credentials") or []
        if found:
            where = ", ".join(f"{f.get('type')} in {f.get('source')} {f.get('source_type')} source" for f in found)
            yield FAIL(project, f"CodeBuild project {project.id} has credentials in source URLs: {where}.")
        else:
            yield PASS(project, f"CodeBuild project {project.id} has no credentials in its source URLs.")


# Webhook filters on who pushed and which branch: an unanchored pattern matches more than meant
# (ACTOR_ACCOUNT_ID "123" also matches "91234"), letting outsiders' pushes or pull requests trigger builds.
RISKY_FILTER_TYPES = {"ACTOR_ACCOUNT_ID", "HEAD_REF", "BASE_REF"}
STALE_PROJECT_DAYS = 90


def _anchored(pattern: str) -> bool:
    return all(alt.startswith("^") and alt.endswith("$") for alt in (a.strip() for a in pattern.split("|")) if alt)


@check(
    id="codebuild_project_uses_allowed_github_organizations",
    title="CodeBuild project builds GitHub sources only from allowed organizations",
    severity="high",
    resource_type="AwsCodeBuildProject",
    reads=["codebuild.projects"],
    config=["codebuild_github_allowed_organizations"],
    risk="A project building a repository of an organization outside the allowed list runs code that people "
    "outside the company control, with the project's service role and secrets.",
    remediation="Point the project at a repository of an allowed organization, or add the organization to "
    "codebuild_github_allowed_organizations once it is trusted.",
)
def codebuild_project_uses_allowed_github_organizations(projects, config):
    # Prowler only judges projects whose service role (found in IAM) trusts codebuild.amazonaws.com. Every
    # working project's role does, so that adds nothing to the question asked here (whose code is built)
    # and silently skips projects whose role is in another account or unreadable: we judge every GitHub source.
    allowed = list(config["codebuild_github_allowed_organizations"] or [])
    for project in projects:
        if project.lacks("github_organization"):
            continue  # not a GitHub source
        org = project.get("github_organization")
        if org in allowed:
            yield PASS(project, f"CodeBuild project {project.id} builds from GitHub organization {org}, which is allowed.")
        else:
            yield FAIL(project, f"CodeBuild project {project.id} builds from GitHub organization {org}, "
                       "which is not in the allowed organizations.")  # fmt: skip


@check(
    id="codebuild_project_webhook_filters_use_anchored_patterns",
    title="CodeBuild project webhook filters on actors and branches use anchored patterns",
    severity="high",
    resource_type="AwsCodeBuildProject",
    reads=["codebuild.projects"],
    risk="A webhook filter pattern without ^ and $ matches substrings: an attacker's account id or branch name "
    "that merely contains the allowed value triggers a build with the project's credentials.",
    remediation="Anchor every ACTOR_ACCOUNT_ID, HEAD_REF and BASE_REF pattern (each | alternative) with ^ and $ "
    "(aws codebuild update-webhook --filter-groups ...).",
)
def codebuild_project_webhook_filters_use_anchored_patterns(projects):
    for project in projects:
        loose = [f"{f['type']}: '{f['pattern']}'" for f in project.get("webhook_filters") or []
                 if f.get("type") in RISKY_FILTER_TYPES and not _anchored(f.get("pattern") or "")]  # fmt: skip
        if loose:
            shown = ", ".join(loose[:3]) + (f" and {len(loose) - 3} more" if len(loose) > 3 else "")
            yield FAIL(project, f"CodeBuild project {project.id} has webhook filters with unanchored patterns: {shown}.")
        else:
            yield PASS(project, f"CodeBuild project {project.id} has no unanchored actor or branch webhook filter.")


@check(
    id="codebuild_project_logging_enabled",
    title="CodeBuild project sends build logs to CloudWatch Logs or S3",
    severity="medium",
    resource_type="AwsCodeBuildProject",
    reads=["codebuild.projects"],
    risk="Without build logs there is no record of what a build ran, fetched or printed, for debugging or for "
    "investigating a compromised pipeline.",
    remediation="Enable CloudWatch Logs or S3 logs in the project's logs configuration "
    "(aws codebuild update-project --logs-config ...).",
)
def codebuild_project_logging_enabled(projects):
    for project in projects:
        where = [name for name, field in (("CloudWatch Logs", "cloudwatch_logs_enabled"), ("S3", "s3_logs_enabled"))
                 if project.get(field)]  # fmt: skip
        if where:
            yield PASS(project, f"CodeBuild project {project.id} sends build logs to {' and '.join(where)}.")
        else:
            yield FAIL(project, f"CodeBuild project {project.id} keeps no build logs.")


@check(
    id="codebuild_project_s3_logs_encrypted",
    title="CodeBuild project encrypts the build logs it writes to S3",
    severity="low",
    resource_type="AwsCodeBuildProject",
    reads=["codebuild.projects"],
    risk="Build logs often show environment details, URLs and accidentally printed secrets; unencrypted in S3 "
    "they rely on bucket permissions alone.",
    remediation="Clear encryptionDisabled in the project's S3 logs configuration.",
)
def codebuild_project_s3_logs_encrypted(projects):
    for project in projects:
        if project.lacks("s3_logs_enabled"):
            continue  # no S3 logs
        location = project.get("s3_logs_location")
        if project.get("s3_logs_encrypted"):
            yield PASS(project, f"CodeBuild project {project.id} encrypts its S3 logs in {location}.")
        else:
            yield FAIL(project, f"CodeBuild project {project.id} writes unencrypted S3 logs to {location}.")


@check(
    id="codebuild_project_user_controlled_buildspec",
    title="CodeBuild project does not take its build commands from the source repository",
    severity="medium",
    resource_type="AwsCodeBuildProject",
    reads=["codebuild.projects"],
    risk="A buildspec read from the repository lets anyone who can push (or open a pull request that triggers "
    "a build) change what runs with the project's role and secrets.",
    remediation="Define the buildspec inline in the project or keep it in an S3 bucket only the pipeline owners "
    "can write (aws codebuild update-project --source buildspec=...).",
)
def codebuild_project_user_controlled_buildspec(projects):
    # Prowler only flags a buildspec named *.yml/*.yaml. Per the CodeBuild API reference, an empty buildspec
    # means "buildspec.yml in the source root", a repository file too, so it fails here; and a buildspec given
    # as an S3 object ARN (which also ends in .yml) is not in the repository, so it passes.
    for project in projects:
        spec = project.get("buildspec") or {}
        if spec.get("origin") == "repository":
            yield FAIL(project, f"CodeBuild project {project.id} runs the buildspec {spec.get('path')} of its source.")
        else:
            yield PASS(project, f"CodeBuild project {project.id} takes its buildspec from {spec.get('origin')}, "
                       "not from the source repository.")  # fmt: skip


@check(
    id="codebuild_project_older_90_days",
    title="CodeBuild project has been built in the last 90 days",
    severity="medium",
    resource_type="AwsCodeBuildProject",
    reads=["codebuild.projects"],
    risk="An unused project keeps its service role, secrets and source connections alive: attack surface "
    "nobody watches.",
    remediation="Delete projects no longer needed (aws codebuild delete-project) or run them.",
)
def codebuild_project_older_90_days(projects, now):
    for project in projects:
        last = project.get("last_build_time")
        if last is None:
            yield FAIL(project, f"CodeBuild project {project.id} has never been built.")
            continue
        days = days_since(last, now)
        if days is not None and days > STALE_PROJECT_DAYS:
            yield FAIL(project, f"CodeBuild project {project.id} was last built {int(days)} days ago.")
        else:
            yield PASS(project, f"CodeBuild project {project.id} was built in the last {STALE_PROJECT_DAYS} days.")


@check(
    id="codebuild_report_group_export_encrypted",
    title="CodeBuild report group encrypts the test reports it exports to S3",
    severity="medium",
    resource_type="AwsCodeBuildProject",
    reads=["codebuild.report_groups"],
    risk="Exported test and coverage reports describe code, paths and sometimes data; unencrypted they rely "
    "on bucket permissions alone.",
    remediation="Clear encryptionDisabled in the report group's S3 export and set a KMS key "
    "(aws codebuild update-report-group --export-config ...).",
)
def codebuild_report_group_export_encrypted(report_groups):
    for group in report_groups:
        if group.readable("export_type") and group.get("export_type") != "S3":
            continue  # reports are not exported
        bucket = group.get("export_bucket")
        if group.get("export_encrypted"):
            yield PASS(group, f"CodeBuild report group {group.id} encrypts its exports to {bucket} "
                       f"(key {group.get('export_key') or 'the default'}).")  # fmt: skip
        else:
            yield FAIL(group, f"CodeBuild report group {group.id} exports unencrypted reports to {bucket}.")
