"""CodeBuild: projects (with their last build) and report groups.

Calls per region: ListProjects and BatchGetProjects in batches of 100; ListBuildsForProject once per
project (its first page: the newest build id) and BatchGetBuilds for those ids in batches of 100;
ListReportGroups and BatchGetReportGroups in batches of 100.

Plaintext environment variables and source URLs are inspected here; only variable
names, source identifiers and the kind of credential are stored, never a value or a URL.
"""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

from postureflow.collect.base import Outcome, RegionScope, collector
from postureflow.secrets import scan_key_values

BATCH = 100
# User names that Bitbucket, GitHub and GitLab use for an access token embedded in a clone URL.
TOKEN_USERS = {"x-token-auth", "x-access-token", "oauth2"}


@collector("codebuild")
def collect_codebuild(scope: RegionScope) -> None:
    client = scope.client("codebuild")
    names = scope.list(client, "list_projects", "projects", kind="projects").value or []
    projects = scope.describe_batches(
        "projects", client, "batch_get_projects", names, size=BATCH, param="names", key="projects",
        listed=lambda name: {"uid": scope.arn("codebuild", f"project/{name}"), "id": name},
    )
    last_builds = _last_build_times(scope, client, projects)
    for project in projects:
        _add_project(scope, project, last_builds[project["name"]])
    _collect_report_groups(scope, client)


def _batches(items: list) -> list[list]:
    return [items[start : start + BATCH] for start in range(0, len(items), BATCH)]


def _last_build_times(scope: RegionScope, client, projects: list[dict]) -> dict[str, Outcome]:
    """Project name -> outcome of its newest build's time (None: never built)."""
    listed = scope.each(
        projects, lambda p: scope.fetch(client, "list_builds_for_project", projectName=p["name"], sortOrder="DESCENDING")
    )
    newest = {p["name"]: answer.map(lambda r: (r.get("ids") or [None])[0]) for p, answer in zip(projects, listed)}
    ids = [answer.value for answer in newest.values() if answer.ok and answer.value]
    times: dict[str, Outcome] = {}
    for batch in _batches(ids):
        answer = scope.fetch(client, "batch_get_builds", ids=batch)
        found = {b["id"]: b.get("endTime") or b.get("startTime") for b in (answer.value or {}).get("builds", [])}
        for build in batch:
            times[build] = answer.map(lambda _, build=build: found.get(build))
    return {name: times[answer.value] if answer.ok and answer.value else answer for name, answer in newest.items()}


def _collect_report_groups(scope: RegionScope, client) -> None:
    arns = scope.list(client, "list_report_groups", "reportGroups", kind="report_groups").value or []
    groups = scope.describe_batches(
        "report_groups", client, "batch_get_report_groups", arns, size=BATCH, param="reportGroupArns",
        key="reportGroups", listed=lambda arn: {"uid": arn, "id": arn.rsplit("/", 1)[-1]},
    )
    for group in groups:
        export = group.get("exportConfig") or {}
        destination = export.get("s3Destination") or {}
        scope.add(
            "report_groups",
            uid=group["arn"],
            id=group.get("name") or group["arn"].rsplit("/", 1)[-1],
            tags=group.get("tags"),
            export_type=export.get("exportConfigType") or "NO_EXPORT",
            export_bucket=destination.get("bucket"),
            export_encrypted=not destination.get("encryptionDisabled", False),
            export_key=destination.get("encryptionKey"),
        )


def _add_project(scope: RegionScope, project: dict, last_build: Outcome) -> None:
    environment = project.get("environment") or {}
    logs = project.get("logsConfig") or {}
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
        source_type=(project.get("source") or {}).get("type"),
        github_organization=github_organization(project.get("source") or {}),
        buildspec=buildspec_origin(project.get("source") or {}),
        webhook_filters=[
            {"type": f.get("type"), "pattern": f.get("pattern") or ""}
            for group in (project.get("webhook") or {}).get("filterGroups") or []
            for f in group or []
        ],
        cloudwatch_logs_enabled=(logs.get("cloudWatchLogs") or {}).get("status", "ENABLED") == "ENABLED",
        s3_logs_enabled=(logs.get("s3Logs") or {}).get("status") == "ENABLED",
        s3_logs_location=(logs.get("s3Logs") or {}).get("location"),
        s3_logs_encrypted=not (logs.get("s3Logs") or {}).get("encryptionDisabled", False),
        created=project.get("created"),
        last_build_time=last_build,
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


def github_organization(source: dict) -> str | None:
    """The owner (organization or user) of a GitHub / GitHub Enterprise source: https://host/<owner>/<repo>."""
    if source.get("type") not in ("GITHUB", "GITHUB_ENTERPRISE") or not source.get("location"):
        return None
    try:
        path = urlsplit(source["location"]).path.strip("/").split("/")
    except ValueError:
        return None
    return path[0] if path and path[0] else None


def buildspec_origin(source: dict) -> dict:
    """Where the build's commands come from: {"origin": "inline" | "s3" | "repository", "path": ...}.

    An empty buildspec means buildspec.yml at the source root (CodeBuild's default); an S3 ARN is a
    file the bucket owner controls; a one-line .yml/.yaml name is a file in the source repository;
    anything else is the buildspec itself, inline in the project (never stored: it may hold secrets).
    """
    spec = (source.get("buildspec") or "").strip()
    if source.get("type") == "NO_SOURCE":
        return {"origin": "inline", "path": None}
    if not spec:
        return {"origin": "repository", "path": "buildspec.yml"}
    if spec.startswith("arn:") and ":s3:::" in spec:
        return {"origin": "s3", "path": spec}
    if "\n" not in spec and spec.lower().endswith((".yml", ".yaml")):
        return {"origin": "repository", "path": spec}
    return {"origin": "inline", "path": None}
