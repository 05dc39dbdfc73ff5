"""Cognito: user pools (cognito-idp) with their threat protection (advanced security) mode."""

from __future__ import annotations

from postureflow.collect.base import RegionScope, collector


@collector("cognito")
def collect_cognito(scope: RegionScope) -> None:
    idp = scope.client("cognito-idp")
    for listed in scope.paginate(idp, "list_user_pools", "UserPools", MaxResults=60):
        pool_id = listed["Id"]
        answer = scope.call(idp, "describe_user_pool", absent=("ResourceNotFoundException",), UserPoolId=pool_id)
        if answer is None:
            continue
        pool = answer.get("UserPool") or {}
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
