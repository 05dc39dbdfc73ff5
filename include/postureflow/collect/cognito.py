"""Cognito: user pools (cognito-idp) with their threat protection (advanced security) mode."""

from __future__ import annotations

from postureflow.collect.base import RegionScope, collector


@collector("cognito")
def collect_cognito(scope: RegionScope) -> None:
    idp = scope.client("cognito-idp")
    pools = scope.list(idp, "list_user_pools", "UserPools", kind="user_pools", MaxResults=60)
    scope.each(pools.value or [], lambda listed: _collect_pool(scope, idp, listed))


def _collect_pool(scope: RegionScope, idp, listed: dict) -> None:
    pool_id = listed["Id"]
    answer = scope.fetch(idp, "describe_user_pool", absent=("ResourceNotFoundException",), UserPoolId=pool_id)
    if answer.state == "absent":
        return  # deleted since the listing
    if not answer.ok:
        uid = scope.arn("cognito-idp", f"userpool/{pool_id}")
        scope.add_unreadable("user_pools", answer, uid=uid, id=listed.get("Name") or pool_id, pool_id=pool_id)
        return
    pool = answer.value.get("UserPool") or {}
    scope.add(
        "user_pools",
        uid=pool.get("Arn") or scope.arn("cognito-idp", f"userpool/{pool_id}"),
        id=pool.get("Name") or listed.get("Name") or pool_id,
        tags=pool.get("UserPoolTags"),
        pool_id=pool_id,
        tier=pool.get("UserPoolTier"),
        advanced_security_mode=(pool.get("UserPoolAddOns") or {}).get("AdvancedSecurityMode"),
        mfa_configuration=pool.get("MfaConfiguration"),
        deletion_protection=pool.get("DeletionProtection"),
    )
