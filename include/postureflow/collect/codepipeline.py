"""CodePipeline: pipelines and whether their connection-sourced repositories are public.

Calls per region: ListPipelines; per pipeline GetPipeline; per connection the sources use,
codestar-connections GetConnection (its provider: GitHub or GitLab). Outside AWS, per distinct source
repository (``FullRepositoryId`` of a CodeStarSourceConnection source action), one anonymous GET to its
provider's API: GitHub ``{code_host_github_api_url}/repos/{owner}/{repo}``, GitLab
``{code_host_gitlab_api_url}/projects/{id}`` (audit-config keys; "" turns a host off). Public means the
host shows it to anyone: GitHub ``"private": false``, GitLab ``"visibility": "public"``; a 404 is "not
visible to anyone": not public. Anything else (unreachable, rate limited, a host turned off, another
provider such as Bitbucket or a self-managed host, an unreadable connection) is unknown: the pipeline
gets no verdict, never a PASS.

Prowler asks github.com and gitlab.com about every repository whatever its connection: a same-named
public repository on the other host fails a private one, and the name goes to a host that has nothing
to do with it. Asking only the connection's provider costs one GetConnection per connection.
"""

from __future__ import annotations

import json
import urllib.parse

from postureflow.collect.base import OK, UNAVAILABLE, Outcome, RegionScope, collector
from postureflow.collect.downloads import http_get, is_loopback, read_outcome

NOT_FOUND = ("PipelineNotFoundException",)
NO_CONNECTION = ("ResourceNotFoundException",)
# Prowler's HTTP_TIMEOUT for the code-host request; an API answer about one repository is small.
HOST_TIMEOUT = 30
MAX_ANSWER_BYTES = 1024 * 1024
# connection provider -> (audit-config key of the API base URL, web host, path of a repository, is it public?)
HOSTS = {
    "GitHub": ("code_host_github_api_url", "github.com", lambda repo: f"/repos/{repo}",
               lambda body: body.get("private") is False),
    "GitLab": ("code_host_gitlab_api_url", "gitlab.com", lambda repo: f"/projects/{urllib.parse.quote(repo, safe='')}",
               lambda body: body.get("visibility") == "public"),
}  # fmt: skip


@collector("codepipeline")
def collect_codepipeline(scope: RegionScope) -> None:
    client = scope.client("codepipeline")
    listed = scope.list(client, "list_pipelines", "pipelines", kind="pipelines").value or []
    answers = scope.each(listed, lambda p: (p, scope.fetch(client, "get_pipeline", absent=NOT_FOUND, name=p["name"])))
    pipelines = [(summary, answer) for summary, answer in answers if answer.state != "absent"]
    sources = sorted({source for _, answer in pipelines if answer.ok for source in _sources(answer.value)})
    connections = scope.client("codestar-connections")
    arns = sorted({arn for arn, _ in sources})
    providers = dict(zip(arns, scope.each(arns, lambda arn: scope.fetch(
        connections, "get_connection", absent=NO_CONNECTION, ConnectionArn=arn
    ).map(lambda r: (r.get("Connection") or {}).get("ProviderType")))))  # fmt: skip
    visibility = dict(zip(sources, scope.each(sources, lambda source: _public_url(scope, providers[source[0]], source[1]))))
    for summary, answer in pipelines:
        uid = scope.arn("codepipeline", summary["name"])
        if not answer.ok:
            scope.add_unreadable("pipelines", answer, uid=uid, id=summary["name"])
            continue
        own = _sources(answer.value)
        scope.add(
            "pipelines",
            uid=(answer.value.get("metadata") or {}).get("pipelineArn") or uid,
            id=summary["name"],
            source_repositories=sorted({repo for _, repo in own}),
            public_source_repositories=_public_of(own, visibility),
        )


def _sources(response: dict) -> list[tuple[str, str]]:
    """(ConnectionArn, FullRepositoryId) of every source action reading through a CodeStar connection
    (Prowler reads the first action of the first stage only; a pipeline may have several sources)."""
    sources = set()
    for stage in (response.get("pipeline") or {}).get("stages") or []:
        for action in stage.get("actions") or []:
            kind = action.get("actionTypeId") or {}
            config = action.get("configuration") or {}
            if kind.get("category") == "Source" and kind.get("provider") == "CodeStarSourceConnection":
                if config.get("FullRepositoryId") and config.get("ConnectionArn"):
                    sources.add((config["ConnectionArn"], config["FullRepositoryId"]))
    return sorted(sources)


def _public_of(sources: list[tuple[str, str]], visibility: dict[tuple[str, str], Outcome]) -> Outcome:
    """The public URLs among ``sources``, or the first failed lookup (a repository of unknown visibility)."""
    public = []
    for source in sources:
        answer = visibility[source]
        if not answer.ok:
            return answer
        if answer.value:
            public.append(answer.value)
    return Outcome(OK, public)


def _public_url(scope: RegionScope, provider: Outcome, repo: str) -> Outcome:
    """The web URL where ``repo`` is public on its connection's provider, "" when it is not public there,
    or a failed outcome when that could not be told."""
    if not provider.known:
        return provider
    if provider.value not in HOSTS:
        # Bitbucket, GitHub Enterprise Server, self-managed GitLab, a deleted connection: not asked
        return Outcome(UNAVAILABLE, None, "codehost:GetRepository", f"provider {provider.value or 'unknown'} not asked")
    key, web, path, is_public = HOSTS[provider.value]
    base = str(scope.config.get(key) or "").rstrip("/")
    api = f"{provider.value.lower()}:GetRepository"
    if not base:
        return Outcome(UNAVAILABLE, None, api, f"{key} is empty")
    if not (base.startswith("https://") or is_loopback(base)):
        return scope.failed(api, "InsecureCodeHostUrl", f"{key} must be an https URL: {base}")
    url = base + path(repo)
    answer = read_outcome(scope, api, lambda: http_get(url, max_bytes=MAX_ANSWER_BYTES, timeout=HOST_TIMEOUT,
                                                       headers={"Accept": "application/json"}))  # fmt: skip
    if not answer.ok:
        return answer
    status, body = answer.value
    if status == 404:
        return Outcome(OK, "", api)  # nobody may see it anonymously: not public
    if status != 200:
        return scope.failed(api, f"HTTP{status}", f"{url} answered {status}")
    try:
        parsed = json.loads(body)
    except ValueError:
        return scope.failed(api, "InvalidJson", f"{url} did not answer JSON")
    if isinstance(parsed, dict) and is_public(parsed):
        return Outcome(OK, parsed.get("html_url") or parsed.get("web_url") or f"https://{web}/{repo}", api)
    return Outcome(OK, "", api)
