"""Secrets Manager checks: rotation, and who the secret's resource policy lets in."""

from __future__ import annotations

import re

from postureflow import arn
from postureflow import policy as _policy
from postureflow.checks.base import FAIL, PASS, check, days_since, no_verdict

# A policy AWS returned that is not a JSON policy document: judged by no one (never PASS).
UNPARSEABLE = "its policy (not a JSON policy document)"

_NEGATED = re.compile(
    r"^(StringNotEquals|StringNotEqualsIgnoreCase|StringNotLike|ArnNotEquals|ArnNotLike)(IfExists)?$", re.IGNORECASE
)
_EXCEPTION_KEYS = {"aws:principalarn", "aws:principalservicename"}
_IDENTITY = re.compile(r"^arn:aws[a-z-]*:(iam|sts)::\d{12}:(role|user|assumed-role)/(.+)$")
_SERVICE = re.compile(r"^[a-z0-9-]+(\.[a-z0-9-]+)*\.amazonaws\.com$")
MIN_FIXED_NAME = 12  # a wildcard in an excepted role name must follow at least this many fixed characters


@check(
    id="secretsmanager_automatic_rotation_enabled",
    title="Secrets Manager secret rotates automatically",
    severity="high",
    resource_type="AwsSecretsManagerSecret",
    reads=["secretsmanager.secrets"],
    risk="A secret that never changes stays valid for as long as any copy of it, leaked or forgotten, exists.",
    remediation="Turn on automatic rotation for the secret with a rotation function or managed rotation.",
)
def secretsmanager_automatic_rotation_enabled(secrets):
    for secret in secrets:
        if secret.get("rotation_enabled"):
            days = secret.get("rotation_days")
            every = f" every {days} days" if days else ""
            yield PASS(secret, f"Secret {secret.id} rotates automatically{every}.")
        else:
            yield FAIL(secret, f"Secret {secret.id} does not rotate automatically.")


@check(
    id="secretsmanager_not_publicly_accessible",
    title="Secrets Manager secret's resource policy does not let everyone in",
    severity="high",
    resource_type="AwsSecretsManagerSecret",
    reads=["secretsmanager.secrets"],
    risk="A resource policy open to '*' lets principals of any AWS account act on the secret, including reading it.",
    remediation="Remove the statement open to '*', or limit it with a condition on aws:PrincipalAccount or "
    "aws:PrincipalOrgID.",
)
def secretsmanager_not_publicly_accessible(secrets):
    for secret in secrets:
        if not _policy.parseable(secret.get("policy")):
            yield no_verdict(FAIL(secret, ""), [UNPARSEABLE])
            continue
        open_to_all = _policy.public_statements(secret.get("policy"))
        if open_to_all:
            sids = ", ".join(s.get("Sid") or "(no Sid)" for s in open_to_all)
            yield FAIL(secret, f"Secret {secret.id} has resource policy statements open to everyone: {sids}.")
        elif secret.get("policy") is None:
            yield PASS(secret, f"Secret {secret.id} has no resource policy.")
        else:
            yield PASS(secret, f"Secret {secret.id} has no resource policy statement open to everyone.")


def _named_exception(key: str, value) -> bool:
    value = str(value)
    if key == "aws:principalservicename":
        return bool(_SERVICE.match(value))
    match = _IDENTITY.match(value)
    if not match:
        return False
    name = match.group(3)
    fixed = re.split(r"[*?]", name, maxsplit=1)[0]
    return fixed == name or len(fixed) >= MIN_FIXED_NAME


def _excepted_identities(statement: dict, secret_arn: str) -> list[str] | None:
    """For a Deny of every Secrets Manager action to everyone except listed principal ARNs (and, optionally,
    AWS services), the principals it lets through; None for any other statement."""
    if statement.get("Effect") != "Deny" or _policy.ANYONE not in _policy.aws_principals(statement):
        return None
    if not _policy.grants(statement, "secretsmanager:zz-every-action"):
        return None
    if not _policy.resource_matches(statement, secret_arn):
        return None
    condition = statement.get("Condition")
    if not isinstance(condition, dict) or not condition:
        return None
    excepted: list[str] = []
    for operator, block in condition.items():
        if not isinstance(block, dict):
            return None
        keys = {str(k).lower() for k in block}
        if str(operator).lower() == "null" and keys <= _EXCEPTION_KEYS:
            continue
        if not _NEGATED.match(str(operator)) or not keys <= _EXCEPTION_KEYS:
            return None  # another operator or key could let more callers through
        for key, values in block.items():
            if not all(_named_exception(str(key).lower(), v) for v in _policy.as_list(values)):
                return None
            if str(key).lower() == "aws:principalarn":
                excepted.extend(str(v) for v in _policy.as_list(values))
    return excepted or None


@check(
    id="secretsmanager_has_restrictive_resource_policy",
    title="Secrets Manager secret's resource policy denies everyone but named principals",
    severity="high",
    resource_type="AwsSecretsManagerSecret",
    reads=["secretsmanager.secrets"],
    risk="Without an explicit Deny for everyone else, any identity policy in the account that grants "
    "secretsmanager:* or '*' can read the secret.",
    remediation="Add a Deny of secretsmanager:* for Principal '*' with StringNotEquals on aws:PrincipalArn listing "
    "the roles that need the secret, and grant no other account access.",
)
def secretsmanager_has_restrictive_resource_policy(secrets):
    for secret in secrets:
        policy = secret.get("policy")
        if not _policy.parseable(policy):
            yield no_verdict(FAIL(secret, ""), [UNPARSEABLE])
            continue
        if policy is None:
            yield FAIL(secret, f"Secret {secret.id} has no resource policy.")
            continue
        outsiders = _policy.outside_accounts(policy, arn.account_of(secret.uid))
        excepted = next(
            (found for s in _policy.statements(policy) if (found := _excepted_identities(s, secret.uid)) is not None), None
        )
        if outsiders:
            yield FAIL(secret, f"Secret {secret.id} allows principals outside its account: {_policy.summary(outsiders)}.")
        elif excepted is None:
            yield FAIL(secret, f"Secret {secret.id} has no Deny that keeps out every principal but named ones.")
        else:
            yield PASS(secret, f"Secret {secret.id} denies every principal except {_policy.summary(excepted, 3)}.")


# -- checks added for issue 12 --------------------------------------------------------------------------


def _judge_age(secrets, now, limit: int, field: str, verb: str):
    """FAIL a secret whose ``field`` date (or, when it never happened, its creation) is more than ``limit``
    days before ``now``. Prowler FAILs a secret that never had it however new the secret is; counting from
    creation instead, a secret created yesterday is not "un-{verb} for too long"."""
    for secret in secrets:
        happened, created = secret.get(field), secret.get("created")
        baseline = happened or created
        if baseline is None:
            yield FAIL(secret, f"Secret {secret.id} has never been {verb}.")
            continue
        days = int(days_since(baseline, now))
        since = verb if happened else f"created and never {verb}"
        if days > limit:
            yield FAIL(secret, f"Secret {secret.id} was last {since} {days} days ago (more than {limit}).")
        else:
            yield PASS(secret, f"Secret {secret.id} was {since} {days} days ago (within {limit}).")


@check(
    id="secretsmanager_secret_rotated_periodically",
    title="Secrets Manager secret was rotated recently",
    severity="medium",
    resource_type="AwsSecretsManagerSecret",
    reads=["secretsmanager.secrets"],
    risk="A secret left unchanged for long stays valid in every copy that leaked or was forgotten.",
    remediation="Rotate the secret now and turn on automatic rotation at most every max_days_secret_unrotated "
    "days (90 by default).",
    config=["max_days_secret_unrotated"],
)
def secretsmanager_secret_rotated_periodically(secrets, now, config):
    yield from _judge_age(secrets, now, int(config["max_days_secret_unrotated"]), "last_rotated", "rotated")


@check(
    id="secretsmanager_secret_unused",
    title="Secrets Manager secret has been used recently",
    severity="medium",
    resource_type="AwsSecretsManagerSecret",
    reads=["secretsmanager.secrets"],
    risk="A secret nobody reads is a credential kept alive for no one: it can only serve whoever finds it.",
    remediation="Find out whether the secret is still needed; if not, revoke the credential it holds and delete "
    "the secret.",
    config=["max_days_secret_unused"],
)
def secretsmanager_secret_unused(secrets, now, config):
    yield from _judge_age(secrets, now, int(config["max_days_secret_unused"]), "last_accessed", "accessed")
