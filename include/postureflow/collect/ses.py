"""SES (v2 API): email identities with their DKIM state and sending-authorization policies.

Calls per region: ListEmailIdentities and GetEmailIdentity once per identity.
"""

from __future__ import annotations

import json

from postureflow.collect.base import RegionScope, collector


@collector("ses")
def collect_ses(scope: RegionScope) -> None:
    ses = scope.client("sesv2")
    identities = scope.list(ses, "list_email_identities", "EmailIdentities", kind="identities")
    scope.each(identities.value or [], lambda listed: _collect_identity(scope, ses, listed))


def _collect_identity(scope: RegionScope, ses, listed: dict) -> None:
    name = listed["IdentityName"]
    uid = scope.arn("ses", f"identity/{name}")
    answer = scope.fetch(ses, "get_email_identity", absent=("NotFoundException",), EmailIdentity=name)
    if answer.state == "absent":
        return  # deleted since the listing
    if not answer.ok:
        scope.add_unreadable("identities", answer, uid=uid, id=name, identity_type=listed.get("IdentityType"))
        return
    identity = answer.value
    dkim = identity.get("DkimAttributes") or {}
    scope.add(
        "identities",
        uid=uid,
        id=name,
        tags=identity.get("Tags"),
        identity_type=listed.get("IdentityType"),
        dkim_status=dkim.get("Status"),
        dkim_signing=bool(dkim.get("SigningEnabled")),
        policies={policy_name: _json(text) for policy_name, text in (identity.get("Policies") or {}).items()},
    )


def _json(text: str) -> dict | str:
    try:
        return json.loads(text)
    except ValueError:
        return text  # kept as text: a policy we cannot parse is judged as unknown, never as harmless
