"""CodePipeline: pipelines and whether their connection-sourced repositories are public.

Calls per region: ListPipelines; per pipeline GetPipeline. Outside AWS, per distinct source repository
(``FullRepositoryId`` of a CodeStarSourceConnection source action), one anonymous GET to each code
host's API: GitHub ``{code_host_github_api_url}/repos/{owner}/{repo}`` and GitLab
``{code_host_gitlab_api_url}/projects/{id}`` (audit-config keys; "" turns a host off). Public means
the host shows it to anyone: GitHub ``"private": false``, GitLab ``"visibility": "public"``; a 404 is
"not visible to anyone": not public. Anything else (unreachable, rate limited, a host turned off) is
unknown: the pipeline gets no verdict, never a PASS.

Like Prowler, both hosts are asked for every repository: the source action names a connection, not a
host (its provider type needs codestar-connections:GetConnection, left out here).
"""

from __future__ import annotations

import json
import urllib.parse

from postureflow.collect.base import OK, UNAVAILABLE, Outcome, RegionScope, collector
from postureflow.collect.downloads import http_get, is_loopback, read_outcome

NOT_FOUND = ("PipelineNotFoundException",)
# Prowler's HTTP_TIMEOUT for the code-host request; an API answer about one repository is small.
HOST_TIMEOUT = 30
MAX_ANSWER_BYTES = 1024 * 1024
# (audit-config key of the API base URL, host name for messages, path of a repository, is it public?)
HOSTS = (
    ("code_host_github_api_url", "github", lambda repo: f"/repos/{repo}", lambda body: body.get("private") is False),
    (
        "code_host_gitlab_api_url",
        "gitlab",
        lambda repo: f"/projects/{urllib.parse.quote(repo, safe='')}",
        lambda body: body.get("visibility") == "public",
    ),
)


@collector("codepipeline")
def collect_codepipeline(scope: RegionScope) -> None:
    client = scope.client("codepipeline")
    listed = scope.list(client, "list_pipelines", "pipelines", kind="pipelines").value or []
    answers = scope.each(listed, lambda p: (p, scope.fetch(client, "get_pipeline", absent=NOT_FOUND, name=p["name"])))
    pipelines = [(summary, answer) for summary, answer in answers if answer.state != "absent"]
    repositories = sorted({repo for _, answer in pipelines if answer.ok for repo in _source_repositories(answer.value)})
    visibility = dict(zip(repositories, scope.each(repositories, lambda repo: _public_url(scope, repo))))
    for summary, answer in pipelines:
        uid = scope.arn("codepipeline", summary["name"])
        if not answer.ok:
            scope.add_unreadable("pipelines", answer, uid=uid, id=summary["name"])
            continue
        repos = _source_repositories(answer.value)
        scope.add(
            "pipelines",
            uid=(answer.value.get("metadata") or {}).get("pipelineArn") or uid,
            id=summary["name"],
            source_repositories=repos,
            public_source_repositories=_public_of(repos, visibility),
        )


def _source_repositories(response: dict) -> list[str]:
    """FullRepositoryId of every source action reading through a CodeStar connection (Prowler reads the
    first action of the first stage only; a pipeline may have several sources)."""
    repos = []
    for stage in (response.get("pipeline") or {}).get("stages") or []:
        for action in stage.get("actions") or []:
            kind = action.get("actionTypeId") or {}
            repo = (action.get("configuration") or {}).get("FullRepositoryId")
            if kind.get("category") == "Source" and kind.get("provider") == "CodeStarSourceConnection" and repo:
                repos.append(repo)
    return sorted(set(repos))


def _public_of(repos: list[str], visibility: dict[str, Outcome]) -> Outcome:
    """The public URLs among ``repos``, or the first failed lookup (a repository of unknown visibility)."""
    public = []
    for repo in repos:
        answer = visibility[repo]
        if not answer.ok:
            return answer
        if answer.value:
            public.append(answer.value)
    return Outcome(OK, public)


def _public_url(scope: RegionScope, repo: str) -> Outcome:
    """The web URL where ``repo`` is public (GitHub or GitLab), "" when neither shows it to anyone, or
    a failed outcome when a host could not say."""
    unknown = None
    for key, host, path, is_public in HOSTS:
        base = str((scope.config or {}).get(key) or "").rstrip("/")
        api = f"{host}:GetRepository"
        if not base:
            unknown = unknown or Outcome(UNAVAILABLE, None, api, f"{key} is empty")
            continue
        if not (base.startswith("https://") or is_loopback(base)):
            unknown = unknown or scope.failed(api, "InsecureCodeHostUrl", f"{key} must be an https URL: {base}")
            continue
        answer = read_outcome(scope, api, lambda: http_get(base + path(repo), max_bytes=MAX_ANSWER_BYTES,
                                                           timeout=HOST_TIMEOUT, headers={"Accept": "application/json"}))  # fmt: skip
        if not answer.ok:
            unknown = unknown or answer
            continue
        status, body = answer.value
        if status == 404:
            continue  # nobody may see it anonymously: not public there
        if status != 200:
            unknown = unknown or scope.failed(api, f"HTTP{status}", f"{base}{path(repo)} answered {status}")
            continue
        try:
            parsed = json.loads(body)
        except ValueError:
            unknown = unknown or scope.failed(api, "InvalidJson", f"{base}{path(repo)} did not answer JSON")
            continue
        if isinstance(parsed, dict) and is_public(parsed):
            web = f"https://{host}.com/{repo}"
            return Outcome(OK, parsed.get("html_url") or parsed.get("web_url") or web, api)
    return unknown or Outcome(OK, "", "codehost:GetRepository")
