"""Amplify: apps and their branches, with where secret-looking values sit in environment variables and
the build spec (never the values).

Calls per region: ListApps (paginated) and ListBranches once per app.
"""

from __future__ import annotations

from postureflow.collect.base import RegionScope, collector
from postureflow.secrets import scan_key_values, scan_text


@collector("amplify")
def collect_amplify(scope: RegionScope) -> None:
    amplify = scope.client("amplify")
    apps = scope.list(amplify, "list_apps", "apps", kind="apps")
    scope.each(apps.value or [], lambda app: _collect_app(scope, amplify, app))


def _collect_app(scope: RegionScope, amplify, app: dict) -> None:
    branches = scope.list(amplify, "list_branches", "branches", appId=app["appId"])
    hits = scan_key_values(app.get("environmentVariables") or {})
    hits += [dict(h, location=f"build spec {h['location']}") for h in scan_text(app.get("buildSpec") or "")]

    def branch_hits(items: list[dict]) -> list[dict]:
        found = []
        for branch in items:
            for hit in scan_key_values(branch.get("environmentVariables") or {}):
                found.append(dict(hit, location=f"branch {branch.get('branchName')} {hit['location']}"))
        return found

    scope.add(
        "apps",
        uid=app.get("appArn") or scope.arn("amplify", f"apps/{app['appId']}"),
        id=app.get("name") or app["appId"],
        tags=app.get("tags"),
        secrets=hits,
        branch_secrets=branches.map(branch_hits),
    )
