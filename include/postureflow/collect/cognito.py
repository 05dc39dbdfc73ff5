"""Cognito: user pools (cognito-idp) with their settings, threat protection, app clients and web ACL,
and identity pools (cognito-identity).

Calls per region: ListUserPools; per pool DescribeUserPool, ListUserPoolClients (paginated),
wafv2 GetWebACLForResource and, where threat protection is enforced, DescribeRiskConfiguration;
per app client DescribeUserPoolClient; ListIdentityPools (paginated) and DescribeIdentityPool per
identity pool.
"""

from __future__ import annotations

from postureflow.collect.base import RegionScope, collector

GONE = ("ResourceNotFoundException",)
WAF_NONE = ("WAFNonexistentItemException",)


@collector("cognito")
def collect_cognito(scope: RegionScope) -> None:
    idp = scope.client("cognito-idp")
    pools = scope.list(idp, "list_user_pools", "UserPools", kind=("user_pools", "user_pool_clients"), MaxResults=60)
    scope.each(pools.value or [], lambda listed: _collect_pool(scope, idp, listed))
    identity = scope.client("cognito-identity")
    identity_pools = scope.list(identity, "list_identity_pools", "IdentityPools", kind="identity_pools", MaxResults=60)
    scope.each(identity_pools.value or [], lambda listed: _collect_identity_pool(scope, identity, listed))


def _collect_pool(scope: RegionScope, idp, listed: dict) -> None:
    pool_id = listed["Id"]
    answer = scope.fetch(idp, "describe_user_pool", absent=GONE, UserPoolId=pool_id)
    if answer.state == "absent":
        return  # deleted since the listing
    uid = scope.arn("cognito-idp", f"userpool/{pool_id}")
    if not answer.ok:
        scope.add_unreadable("user_pools", answer, uid=uid, id=listed.get("Name") or pool_id, pool_id=pool_id)
        return
    pool = answer.value.get("UserPool") or {}
    uid = pool.get("Arn") or uid
    mode = (pool.get("UserPoolAddOns") or {}).get("AdvancedSecurityMode")
    risk = None  # only asked where threat protection is enforced: elsewhere nothing is blocked anyway
    if mode == "ENFORCED":
        risk = scope.fetch(idp, "describe_risk_configuration", UserPoolId=pool_id).get("RiskConfiguration", {})
    acl = scope.fetch(scope.client("wafv2"), "get_web_acl_for_resource", absent=WAF_NONE, ResourceArn=uid)
    password = (pool.get("Policies") or {}).get("PasswordPolicy")
    recovery = (pool.get("AccountRecoverySetting") or {}).get("RecoveryMechanisms") or []
    scope.add(
        "user_pools",
        uid=uid,
        id=pool.get("Name") or listed.get("Name") or pool_id,
        tags=pool.get("UserPoolTags"),
        pool_id=pool_id,
        tier=pool.get("UserPoolTier"),
        advanced_security_mode=mode,
        mfa_configuration=pool.get("MfaConfiguration"),
        deletion_protection=pool.get("DeletionProtection"),
        password_policy=password,
        admin_create_user_only=bool((pool.get("AdminCreateUserConfig") or {}).get("AllowAdminCreateUserOnly")),
        # recovery mechanisms by priority; empty: Cognito's legacy behaviour (SMS first, when a phone is known)
        recovery_mechanisms=[m.get("Name") for m in sorted(recovery, key=lambda m: m.get("Priority") or 0)],
        compromised_credentials=risk.map(_compromised) if risk is not None else None,
        account_takeover_actions=risk.map(_takeover) if risk is not None else None,
        web_acl_arn=acl.map(lambda r: (r.get("WebACL") or {}).get("ARN")),
    )
    clients = scope.list(idp, "list_user_pool_clients", "UserPoolClients", kind="user_pool_clients",
                         UserPoolId=pool_id, MaxResults=60)  # fmt: skip
    scope.each(clients.value or [], lambda c: _collect_client(scope, idp, pool_id, c))


def _compromised(risk: dict) -> dict:
    config = (risk or {}).get("CompromisedCredentialsRiskConfiguration") or {}
    return {"events": config.get("EventFilter") or [], "action": (config.get("Actions") or {}).get("EventAction")}


def _takeover(risk: dict) -> dict:
    actions = ((risk or {}).get("AccountTakeoverRiskConfiguration") or {}).get("Actions") or {}
    return {level: (actions.get(f"{level.capitalize()}Action") or {}).get("EventAction") for level in ("low", "medium", "high")}


def _collect_client(scope: RegionScope, idp, pool_id: str, listed: dict) -> None:
    client_id = listed["ClientId"]
    answer = scope.fetch(idp, "describe_user_pool_client", absent=GONE, UserPoolId=pool_id, ClientId=client_id)
    if answer.state == "absent":
        return
    uid = scope.arn("cognito-idp", f"userpool/{pool_id}/client/{client_id}")
    name = listed.get("ClientName") or client_id
    if not answer.ok:
        scope.add_unreadable("user_pool_clients", answer, uid=uid, id=name, pool_id=pool_id)
        return
    client = answer.value.get("UserPoolClient") or {}
    scope.add(
        "user_pool_clients",
        uid=uid,
        id=name,
        pool_id=pool_id,
        # the secret is never kept: only these two settings are read
        prevent_user_existence_errors=client.get("PreventUserExistenceErrors") or "LEGACY",
        token_revocation=bool(client.get("EnableTokenRevocation")),
    )


def _collect_identity_pool(scope: RegionScope, identity, listed: dict) -> None:
    pool_id = listed["IdentityPoolId"]
    answer = scope.fetch(identity, "describe_identity_pool", absent=GONE, IdentityPoolId=pool_id)
    if answer.state == "absent":
        return
    uid = scope.arn("cognito-identity", f"identitypool/{pool_id}")
    name = listed.get("IdentityPoolName") or pool_id
    if not answer.ok:
        scope.add_unreadable("identity_pools", answer, uid=uid, id=name, pool_id=pool_id)
        return
    scope.add(
        "identity_pools",
        uid=uid,
        id=name,
        tags=answer.value.get("IdentityPoolTags"),
        pool_id=pool_id,
        allow_unauthenticated=bool(answer.value.get("AllowUnauthenticatedIdentities")),
    )
