"""IAM Roles Anywhere checks: what a certificate-authenticated session may do, and the trust anchor's PKI."""

from __future__ import annotations

from postureflow import policy as policy_language
from postureflow.checks.base import FAIL, MANUAL, PASS, check


def _role_is_administrative(role_arn: str, roles: dict, inline: dict, managed: dict) -> bool | None:
    """Whether the role's identity policies grant everything; None when one of them is unknown."""
    role = roles.get(role_arn)
    if role is None:
        return None
    documents = [p.get("document") for p in inline.get(role_arn, [])]
    for arn in role.get("attached_policies") or []:
        documents.append(managed[arn].get("document") if arn in managed else None)
    if any(not isinstance(d, dict) for d in documents):
        return None
    return any(policy_language.is_administrative(d) for d in documents)


@check(
    id="rolesanywhere_profile_restricts_session_permissions",
    title="Roles Anywhere profile scopes down the permissions of the sessions it vends",
    severity="medium",
    resource_type="AwsRolesAnywhereProfile",
    reads=["rolesanywhere.profiles", "iam.roles", "iam.inline_policies", "iam.policies"],
    risk="Without a session policy, every workload holding a trusted certificate gets the role's full permissions, "
    "administrative ones included, for as long as the certificate is valid.",
    remediation="Add a session policy or managed policies to the profile that allow only what the workloads need.",
)
def rolesanywhere_profile_restricts_session_permissions(profiles, roles, inline_policies, policies):
    roles_by_arn = {r.uid: r for r in roles}
    managed = {p.uid: p for p in policies}
    inline: dict[str, list] = {}
    for p in inline_policies:
        inline.setdefault(p.get("entity_arn"), []).append(p)
    for profile in profiles:
        if not profile.get("enabled"):
            yield PASS(profile, f"Roles Anywhere profile {profile.id} is disabled and vends no sessions.")
            continue
        session = [profile.get("session_policy")] if profile.get("session_policy") is not None else []
        for arn in profile.get("managed_policy_arns") or []:
            session.append(managed[arn].get("document") if arn in managed else None)
        if session and any(not isinstance(d, dict) for d in session):
            yield MANUAL(profile, f"Roles Anywhere profile {profile.id}: a session policy could not be read; review it.")
            continue
        if session and not any(policy_language.is_administrative(d) for d in session):
            yield PASS(profile, f"Roles Anywhere profile {profile.id} scopes its sessions down with session policies.")
            continue
        status = {arn: _role_is_administrative(arn, roles_by_arn, inline, managed) for arn in profile.get("role_arns") or []}
        admin = [arn for arn, is_admin in status.items() if is_admin]
        unknown = [arn for arn, is_admin in status.items() if is_admin is None]
        if admin:
            yield FAIL(profile, f"Roles Anywhere profile {profile.id} does not scope its sessions down and vends "
                                f"administrative role(s) {', '.join(admin)}.")  # fmt: skip
        elif unknown:
            yield MANUAL(profile, f"Roles Anywhere profile {profile.id} does not scope its sessions down, and the "
                                  f"permissions of {', '.join(unknown)} could not be read.")  # fmt: skip
        else:
            yield PASS(profile, f"Roles Anywhere profile {profile.id} vends no administrative role (a session policy "
                                "is still recommended).")  # fmt: skip


@check(
    id="rolesanywhere_trust_anchor_pqc_pki",
    title="Roles Anywhere trust anchor is an active Private CA with a post-quantum (ML-DSA) key",
    severity="low",
    resource_type="AwsRolesAnywhereTrustAnchor",
    reads=["rolesanywhere.trust_anchors", "acmpca.certificate_authorities"],
    config=["rolesanywhere_pqc_pca_key_algorithms"],
    risk="Certificates signed with RSA or ECDSA keys can be forged once large quantum computers exist, and with "
    "them any workload identity the anchor trusts.",
    remediation="Issue workload certificates from an AWS Private CA with an ML-DSA key and point the trust anchor at it.",
)
def rolesanywhere_trust_anchor_pqc_pki(anchors, authorities, config):
    allowed = set(config["rolesanywhere_pqc_pca_key_algorithms"] or [])
    by_arn = {ca.uid: ca for ca in authorities}
    for anchor in anchors:
        if anchor.get("source_type") != "AWS_ACM_PCA":
            yield FAIL(anchor, f"Roles Anywhere trust anchor {anchor.id} trusts a {anchor.get('source_type')} source, "
                               "whose algorithm cannot be verified; use a Private CA with an ML-DSA key.")  # fmt: skip
            continue
        ca = by_arn.get(anchor.get("acm_pca_arn"))
        if ca is None:
            # Prowler FAILs here; a CA we cannot see (another account's, or no acm-pca permission) is unknown.
            yield MANUAL(anchor, f"Roles Anywhere trust anchor {anchor.id} trusts Private CA {anchor.get('acm_pca_arn')}, "
                                 "which could not be inspected; verify its key algorithm.")  # fmt: skip
        elif ca.get("status") != "ACTIVE":
            yield FAIL(anchor, f"Roles Anywhere trust anchor {anchor.id} trusts Private CA {ca.id}, which is {ca.get('status')}.")
        elif ca.get("key_algorithm") in allowed:
            yield PASS(anchor, f"Roles Anywhere trust anchor {anchor.id} trusts Private CA {ca.id} with key {ca.get('key_algorithm')}.")
        else:
            yield FAIL(anchor, f"Roles Anywhere trust anchor {anchor.id} trusts Private CA {ca.id} with key "
                               f"{ca.get('key_algorithm')}, which is not post-quantum.")  # fmt: skip
