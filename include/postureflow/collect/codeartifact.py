"""CodeArtifact: repositories and their packages' origin controls, with where each package's latest
version came from.

Calls per region: ListRepositories (paginated); per repository ListPackages (paginated; each entry carries
the package's origin configuration); per package ListPackageVersions (latest version only). Prowler's
max_codeartifact_packages cap is not applied: every package is read (collectors do not see the audit config).
"""

from __future__ import annotations

from postureflow.collect.base import RegionScope, collector


@collector("codeartifact")
def collect_codeartifact(scope: RegionScope) -> None:
    client = scope.client("codeartifact")
    repositories = scope.list(client, "list_repositories", "repositories", kind="packages")
    scope.each(repositories.value or [], lambda repository: _collect_repository(scope, client, repository))


def _collect_repository(scope: RegionScope, client, repository: dict) -> None:
    where = {"domain": repository["domainName"], "domainOwner": repository["domainOwner"], "repository": repository["name"]}
    packages = scope.list(client, "list_packages", "packages", kind="packages", **where)
    for package in packages.value or []:
        name, namespace, package_format = package["package"], package.get("namespace"), package["format"]
        coordinates = {**where, "format": package_format, "package": name, **({"namespace": namespace} if namespace else {})}
        latest = scope.fetch(client, "list_package_versions", sortBy="PUBLISHED_TIME", maxResults=1, **coordinates)
        restrictions = (package.get("originConfiguration") or {}).get("restrictions") or {}
        full_name = f"{namespace}:{name}" if namespace else name
        scope.add(
            "packages",
            uid=f"{repository['arn']}/{package_format}/{full_name}",
            id=f"{repository['domainName']}/{repository['name']}/{full_name}",
            upstream=restrictions.get("upstream"),
            publish=restrictions.get("publish"),
            latest_origin=latest.map(lambda r: ((r.get("versions") or [{}])[0].get("origin") or {}).get("originType") or "UNKNOWN"),
        )
