"""IAM Roles Anywhere: trust anchors (their certificate source) and profiles (roles and session policies).

Calls per region: ListTrustAnchors and ListProfiles (both paginated; they describe every entry).
"""

from __future__ import annotations

import json

from postureflow.collect.base import RegionScope, collector


@collector("rolesanywhere")
def collect_rolesanywhere(scope: RegionScope) -> None:
    client = scope.client("rolesanywhere")
    anchors = scope.list(client, "list_trust_anchors", "trustAnchors", kind="trust_anchors")
    for anchor in anchors.value or []:
        source = anchor.get("source") or {}
        scope.add(
            "trust_anchors",
            uid=anchor["trustAnchorArn"],
            id=anchor.get("name") or anchor["trustAnchorId"],
            enabled=bool(anchor.get("enabled")),
            source_type=source.get("sourceType"),
            acm_pca_arn=(source.get("sourceData") or {}).get("acmPcaArn"),
        )
    profiles = scope.list(client, "list_profiles", "profiles", kind="profiles")
    for profile in profiles.value or []:
        scope.add(
            "profiles",
            uid=profile["profileArn"],
            id=profile.get("name") or profile["profileId"],
            enabled=bool(profile.get("enabled")),
            role_arns=profile.get("roleArns") or [],
            session_policy=_json(profile.get("sessionPolicy")),
            managed_policy_arns=profile.get("managedPolicyArns") or [],
        )


def _json(text: str | None):
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text  # kept as text: an unparseable session policy proves nothing
