"""CodeArtifact checks."""

from __future__ import annotations

from postureflow.checks.base import FAIL, PASS, check


@check(
    id="codeartifact_packages_external_public_publishing_disabled",
    title="Internal CodeArtifact package does not take versions from public upstreams",
    severity="critical",
    resource_type="Other",
    reads=["codeartifact.packages"],
    risk="An internal package that still accepts upstream versions can be replaced by a higher version someone "
    "publishes under the same name on a public registry (dependency confusion).",
    remediation="Set the package's origin controls to upstream=BLOCK (codeartifact put-package-origin-configuration).",
)
def codeartifact_packages_external_public_publishing_disabled(packages):
    for package in packages:
        origin = package.get("latest_origin")  # None when unread: judged, and so no verdict
        if origin is not None and origin not in ("INTERNAL", "UNKNOWN"):
            continue  # a package that comes from upstream is meant to
        if package.get("upstream") == "ALLOW":
            yield FAIL(package, f"Internal package {package.id} accepts versions from upstream repositories.")
        else:
            yield PASS(package, f"Internal package {package.id} blocks versions from upstream repositories.")
