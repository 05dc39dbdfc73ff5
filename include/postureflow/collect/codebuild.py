"""CodeBuild: projects.

Calls per region: ListProjects and BatchGetProjects in batches of 100.

Plaintext environment variables and source URLs are inspected here; only variable
names, source identifiers and the kind of credential are stored, never a value or a URL.
"""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

from postureflow.collect.base import RegionScope, collector
from postureflow.secrets import scan_key_values

BATCH = 100
# User names that Bitbucket, GitHub and GitLab use for an access token embedded in a clone URL.
TOKEN_USERS = {"x-token-auth", "x-access-token", "oauth2"}


@collector("codebuild")
def collect_codebuild(scope: RegionScope) -> None:
    client = scope.client("codebuild")
    names = scope.list(client, "list_projects", "projects", kind="projects").value or []
    for start in range(0, len(names), BATCH):
        batch = names[start : start + BATCH]
        answer = scope.fetch(client, "batch_get_projects", names=batch)
        if not answer.ok:
            for name in batch:
                scope.add_unreadable("projects", answer, uid=scope.arn("codebuild", f"project/{name}"), id=name)
            continue
        for project in answer.value.get("projects", []):
            _add_project(scope, project)


def _add_project(scope: RegionScope, project: dict) -> None:
    environment = project.get("environment") or {}
    plaintext = [
        (v.get("name", ""), v.get("value"))
        for v in environment.get("environmentVariables") or []
        if (v.get("type") or "PLAINTEXT") == "PLAINTEXT"
    ]
    sources = [("primary", project.get("source") or {})] + [
        (s.get("sourceIdentifier") or f"secondary-{i}", s) for i, s in enumerate(project.get("secondarySources") or [])
    ]
    scope.add(
        "projects",
        uid=project.get("arn") or scope.arn("codebuild", f"project/{project['name']}"),
        id=project["name"],
        tags=project.get("tags"),
        visibility=project.get("projectVisibility"),
        source_types=sorted({s.get("type") for _, s in sources if s.get("type")}),
        # Only the names and kinds of secret-looking variables and URLs; never a value.
        environment_secrets=scan_key_values(plaintext),
        source_url_credentials=[
            {"source": label, "source_type": source.get("type"), "type": kind}
            for label, source in sources
            if (kind := url_credential(source.get("location")))
        ],
    )


def url_credential(location: str | None) -> str | None:
    """The kind of credential embedded in a repository URL (user:password@ or token@), or None."""
    if not location or "@" not in location:
        return None
    try:
        parts = urlsplit(location)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or "@" not in parts.netloc:
        return None
    userinfo = parts.netloc.rsplit("@", 1)[0]
    user, _, password = userinfo.partition(":")
    if password:
        return "Token" if unquote(user).lower() in TOKEN_USERS else "Basic auth credentials"
    return "Token" if user else None
