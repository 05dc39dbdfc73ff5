"""CodePipeline checks: source repositories reached through a connection are private."""

from __future__ import annotations

from postureflow.checks.base import FAIL, PASS, check


@check(
    id="codepipeline_project_repo_private",
    title="CodePipeline pipeline sources only private repositories",
    severity="medium",
    resource_type="AwsCodePipelinePipeline",
    reads=["codepipeline.pipelines"],
    config=["code_host_github_api_url", "code_host_gitlab_api_url"],
    risk="A public source repository shows everyone the build and deployment logic a pipeline runs, and "
    "anything committed by mistake (keys, internal hosts); forks and pull requests widen who can reach it.",
    remediation="Make the repository private on its host (GitHub or GitLab) and keep the pipeline's source "
    "action on an authenticated connection (codestar-connections), or move the code to a private repository.",
)
def codepipeline_project_repo_private(pipelines, config):
    # The collector asked the code hosts (config: where); a host it could not ask leaves
    # public_source_repositories unread, so such a pipeline gets no verdict, never a PASS (Prowler passes it).
    for pipeline in pipelines:
        if pipeline.lacks("source_repositories"):
            continue  # no connection-sourced repository to judge (an unread pipeline goes on to no verdict)
        repos = pipeline.get("source_repositories") or []
        public = pipeline.get("public_source_repositories")
        if public:
            yield FAIL(pipeline, f"CodePipeline {pipeline.id} sources public repositories: {', '.join(public)}.")
        else:
            yield PASS(pipeline, f"CodePipeline {pipeline.id} source repositories {', '.join(repos)} are not public.")
