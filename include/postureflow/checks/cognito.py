"""Cognito checks: user pools, their password policy, threat protection, app clients, and identity pools."""

from __future__ import annotations

from postureflow.checks.base import FAIL, PASS, check


@check(
    id="cognito_user_pool_advanced_security_enabled",
    title="Cognito user pool enforces threat protection (advanced security) in full-function mode",
    severity="medium",
    resource_type="Other",
    reads=["cognito.user_pools"],
    risk="Without enforced threat protection, sign-ins with leaked credentials or from risky contexts are "
    "neither blocked nor challenged: the pool only watches (audit mode) or does nothing.",
    remediation="Set the user pool's advanced security (threat protection) mode to ENFORCED.",
)
def cognito_user_pool_advanced_security_enabled(user_pools):
    for pool in user_pools:
        mode = pool.get("advanced_security_mode") or "OFF"
        if mode == "ENFORCED":
            yield PASS(pool, f"Cognito user pool {pool.id} enforces advanced security.")
        else:
            yield FAIL(pool, f"Cognito user pool {pool.id} has advanced security mode {mode}, not ENFORCED.")


def _pool_check(id: str, title: str, risk: str, remediation: str, reads=("cognito.user_pools",), **extra):
    return check(id=id, title=title, severity="medium", resource_type=extra.pop("resource_type", "Other"),
                 reads=list(reads), risk=risk, remediation=remediation, **extra)  # fmt: skip


def _password_rule(pools, field: str, wanted: str, ok):
    for pool in pools:
        policy = pool.get("password_policy")
        if not policy:
            yield FAIL(pool, f"Cognito user pool {pool.id} has no password policy.")
        elif ok(policy.get(field)):
            yield PASS(pool, f"Cognito user pool {pool.id} password policy {wanted}.")
        else:
            yield FAIL(pool, f"Cognito user pool {pool.id} password policy does not {wanted.replace('requires', 'require')}"
                       f" ({field} is {policy.get(field)}).")  # fmt: skip


WEAK_PASSWORD = ("Weak passwords fall to guessing and credential stuffing, the main way user pool accounts are "
                 "taken over.")  # fmt: skip
PASSWORD_FIX = "Tighten the user pool's password policy (cognito-idp update-user-pool --policies PasswordPolicy=...)."


@_pool_check("cognito_user_pool_password_policy_minimum_length_14", "Cognito user pool passwords are at least 14 characters",
             WEAK_PASSWORD, PASSWORD_FIX)  # fmt: skip
def cognito_user_pool_password_policy_minimum_length_14(user_pools):
    yield from _password_rule(user_pools, "MinimumLength", "requires at least 14 characters", lambda n: (n or 0) >= 14)


@_pool_check("cognito_user_pool_password_policy_lowercase", "Cognito user pool passwords need a lowercase letter",
             WEAK_PASSWORD, PASSWORD_FIX)  # fmt: skip
def cognito_user_pool_password_policy_lowercase(user_pools):
    yield from _password_rule(user_pools, "RequireLowercase", "requires a lowercase letter", bool)


@_pool_check("cognito_user_pool_password_policy_uppercase", "Cognito user pool passwords need an uppercase letter",
             WEAK_PASSWORD, PASSWORD_FIX)  # fmt: skip
def cognito_user_pool_password_policy_uppercase(user_pools):
    yield from _password_rule(user_pools, "RequireUppercase", "requires an uppercase letter", bool)


@_pool_check("cognito_user_pool_password_policy_number", "Cognito user pool passwords need a number",
             WEAK_PASSWORD, PASSWORD_FIX)  # fmt: skip
def cognito_user_pool_password_policy_number(user_pools):
    yield from _password_rule(user_pools, "RequireNumbers", "requires a number", bool)


@_pool_check("cognito_user_pool_password_policy_symbol", "Cognito user pool passwords need a symbol",
             WEAK_PASSWORD, PASSWORD_FIX)  # fmt: skip
def cognito_user_pool_password_policy_symbol(user_pools):
    yield from _password_rule(user_pools, "RequireSymbols", "requires a symbol", bool)


@_pool_check("cognito_user_pool_temporary_password_expiration",
             "Cognito user pool temporary passwords expire within 7 days",
             "A temporary password that stays valid for long can be used by whoever intercepts the invitation.",
             "Set TemporaryPasswordValidityDays to 7 or less in the pool's password policy.")  # fmt: skip
def cognito_user_pool_temporary_password_expiration(user_pools):
    yield from _password_rule(user_pools, "TemporaryPasswordValidityDays", "requires temporary passwords to expire "
                              "within 7 days", lambda days: days is not None and days <= 7)  # fmt: skip


@_pool_check("cognito_user_pool_mfa_enabled", "Cognito user pool requires multi-factor authentication",
             "With MFA off or optional, a guessed or phished password is enough to take over an account.",
             "Set the pool's MFA configuration to ON (cognito-idp set-user-pool-mfa-config --mfa-configuration ON).")  # fmt: skip
def cognito_user_pool_mfa_enabled(user_pools):
    # Prowler asks GetUserPoolMfaConfig; DescribeUserPool's MfaConfiguration is the same setting.
    for pool in user_pools:
        mfa = pool.get("mfa_configuration") or "OFF"
        if mfa == "ON":
            yield PASS(pool, f"Cognito user pool {pool.id} requires MFA.")
        else:
            yield FAIL(pool, f"Cognito user pool {pool.id} has MFA {mfa}, not required.")


@_pool_check("cognito_user_pool_deletion_protection_enabled", "Cognito user pool has deletion protection",
             "Deleting a user pool deletes every user in it, irrecoverably.",
             "Turn deletion protection on (cognito-idp update-user-pool --deletion-protection ACTIVE).")  # fmt: skip
def cognito_user_pool_deletion_protection_enabled(user_pools):
    for pool in user_pools:
        if pool.get("deletion_protection") == "ACTIVE":
            yield PASS(pool, f"Cognito user pool {pool.id} has deletion protection.")
        else:
            yield FAIL(pool, f"Cognito user pool {pool.id} has deletion protection off.")


@_pool_check("cognito_user_pool_self_registration_disabled", "Cognito user pool does not let anyone sign up",
             "With self-registration anyone can create an account and receive whatever the authenticated users "
             "get, such as the credentials of an identity pool's authenticated role.",
             "Allow only administrators to create users (AdminCreateUserConfig AllowAdminCreateUserOnly=true).")  # fmt: skip
def cognito_user_pool_self_registration_disabled(user_pools):
    for pool in user_pools:
        if pool.get("admin_create_user_only"):
            yield PASS(pool, f"Cognito user pool {pool.id} lets only administrators create users.")
        else:
            yield FAIL(pool, f"Cognito user pool {pool.id} lets anyone sign up.")


@_pool_check("cognito_user_pool_account_recovery_sms_not_preferred",
             "Cognito user pool does not prefer SMS for account recovery",
             "SMS recovery codes can be taken over through SIM swapping or number porting, handing over the account.",
             "Make verified_email the first recovery mechanism (AccountRecoverySetting RecoveryMechanisms with "
             "Priority 1 verified_email) or admin-only recovery.")  # fmt: skip
def cognito_user_pool_account_recovery_sms_not_preferred(user_pools):
    for pool in user_pools:
        mechanisms = pool.get("recovery_mechanisms") or []
        if not mechanisms:
            # Without AccountRecoverySetting Cognito falls back to SMS when the user has a phone (Cognito docs)
            yield FAIL(pool, f"Cognito user pool {pool.id} has no recovery setting, so SMS is used first.")
        elif mechanisms[0] == "verified_phone_number":
            yield FAIL(pool, f"Cognito user pool {pool.id} recovers accounts by SMS first.")
        else:
            yield PASS(pool, f"Cognito user pool {pool.id} recovers accounts with {mechanisms[0]} first.")


THREATS = ("Threat protection only blocks what it is told to: risky or leaked-credential sign-ins it merely logs or "
           "notifies about still succeed.")  # fmt: skip


@_pool_check("cognito_user_pool_blocks_compromised_credentials_sign_in_attempts",
             "Cognito user pool blocks sign-ins with compromised credentials", THREATS,
             "Enforce threat protection and set the compromised-credentials action to BLOCK for SIGN_IN events "
             "(cognito-idp set-risk-configuration).")  # fmt: skip
def cognito_user_pool_blocks_compromised_credentials_sign_in_attempts(user_pools):
    for pool in user_pools:
        if pool.get("advanced_security_mode") != "ENFORCED":
            yield FAIL(pool, f"Cognito user pool {pool.id} does not enforce threat protection.")
            continue
        config = pool.get("compromised_credentials") or {}
        if "SIGN_IN" in (config.get("events") or []) and config.get("action") == "BLOCK":
            yield PASS(pool, f"Cognito user pool {pool.id} blocks sign-ins with compromised credentials.")
        else:
            yield FAIL(pool, f"Cognito user pool {pool.id} does not block sign-ins with compromised credentials.")


@_pool_check("cognito_user_pool_blocks_potential_malicious_sign_in_attempts",
             "Cognito user pool blocks risky sign-ins at every risk level", THREATS,
             "Enforce threat protection and set the account-takeover action to BLOCK for low, medium and high risk "
             "(cognito-idp set-risk-configuration).")  # fmt: skip
def cognito_user_pool_blocks_potential_malicious_sign_in_attempts(user_pools):
    for pool in user_pools:
        if pool.get("advanced_security_mode") != "ENFORCED":
            yield FAIL(pool, f"Cognito user pool {pool.id} does not enforce threat protection.")
            continue
        actions = pool.get("account_takeover_actions") or {}
        lax = [level for level in ("low", "medium", "high") if actions.get(level) != "BLOCK"]
        if lax:
            yield FAIL(pool, f"Cognito user pool {pool.id} does not block {', '.join(lax)} risk sign-ins.")
        else:
            yield PASS(pool, f"Cognito user pool {pool.id} blocks risky sign-ins at every level.")


@_pool_check("cognito_user_pool_waf_acl_attached", "Cognito user pool is protected by a WAF web ACL",
             "Without a web ACL, sign-in and sign-up endpoints take credential stuffing, bots and floods unfiltered.",
             "Associate an AWS WAF web ACL with the user pool (wafv2 associate-web-acl --resource-arn <pool arn>).",
             resource_type="AwsWafv2WebAcl")  # fmt: skip
def cognito_user_pool_waf_acl_attached(user_pools):
    for pool in user_pools:
        acl = pool.get("web_acl_arn")
        if acl:
            yield PASS(pool, f"Cognito user pool {pool.id} is protected by web ACL {acl}.")
        else:
            yield FAIL(pool, f"Cognito user pool {pool.id} has no WAF web ACL.")


@_pool_check("cognito_user_pool_client_prevent_user_existence_errors",
             "Cognito app client does not reveal whether a user exists",
             "Distinct errors for unknown users let an attacker enumerate valid user names before guessing passwords.",
             "Set PreventUserExistenceErrors to ENABLED on the app client (cognito-idp update-user-pool-client).",
             reads=("cognito.user_pool_clients",))  # fmt: skip
def cognito_user_pool_client_prevent_user_existence_errors(user_pool_clients):
    for client in user_pool_clients:
        if client.get("prevent_user_existence_errors") == "ENABLED":
            yield PASS(client, f"Cognito app client {client.id} hides whether a user exists.")
        else:
            yield FAIL(client, f"Cognito app client {client.id} reveals whether a user exists.")


@_pool_check("cognito_user_pool_client_token_revocation_enabled", "Cognito app client can revoke refresh tokens",
             "Without token revocation a stolen refresh token keeps minting access tokens until it expires.",
             "Turn on EnableTokenRevocation on the app client (cognito-idp update-user-pool-client).",
             reads=("cognito.user_pool_clients",))  # fmt: skip
def cognito_user_pool_client_token_revocation_enabled(user_pool_clients):
    for client in user_pool_clients:
        if client.get("token_revocation"):
            yield PASS(client, f"Cognito app client {client.id} has token revocation enabled.")
        else:
            yield FAIL(client, f"Cognito app client {client.id} cannot revoke its refresh tokens.")


@_pool_check("cognito_identity_pool_guest_access_disabled", "Cognito identity pool gives no credentials to guests",
             "Guest (unauthenticated) access hands AWS credentials of the unauthenticated role to anyone on the internet.",
             "Turn off AllowUnauthenticatedIdentities (cognito-identity update-identity-pool).",
             reads=("cognito.identity_pools",))  # fmt: skip
def cognito_identity_pool_guest_access_disabled(identity_pools):
    for pool in identity_pools:
        if pool.get("allow_unauthenticated"):
            yield FAIL(pool, f"Cognito identity pool {pool.id} gives credentials to unauthenticated guests.")
        else:
            yield PASS(pool, f"Cognito identity pool {pool.id} has guest access disabled.")
