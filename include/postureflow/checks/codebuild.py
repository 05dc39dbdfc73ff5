"""CodeBuild checks: project visibility and credentials in variables or source URLs."""

from __future__ import annotations

from postureflow.checks.base import FAIL, PASS, check
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
