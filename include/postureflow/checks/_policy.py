"""Reading resource-based policies: who may do what (S3, SNS, SQS, Glacier, CloudWatch Logs).

A statement is *public* when it allows ``Principal: "*"`` (or ``{"AWS": "*"}``)
and no condition narrows who can use it. A condition narrows when it pins an
identity or network key (``aws:SourceAccount``, ``aws:SourceArn``,
``aws:PrincipalOrgID``, ``aws:SourceVpce``, ``aws:SourceIp``, ...) to concrete
values with a positive operator (``StringEquals``, ``ArnLike``, ``IpAddress``,
...). ``...IfExists`` operators do not narrow (a request without the key
passes), nor do wildcards like ``"*"`` or ``0.0.0.0/0``.

The account-typed keys also tell *which* accounts a public statement is
narrowed to, so :func:`outside_accounts` can tell a cross-account grant from
one kept inside the owner's account.
"""

from __future__ import annotations

import functools
import json
import re
from typing import Any, Iterable

ANYONE = "*"
# Condition keys naming the caller's account (values are account ids) ...
ACCOUNT_KEYS = {"aws:sourceaccount", "aws:sourceowner", "aws:principalaccount", "s3:dataaccesspointaccount"}
# ... or ARNs (the account is the ARN's fifth field) ...
ARN_KEYS = {"aws:sourcearn", "aws:principalarn", "s3:dataaccesspointarn"}
# ... an organization (trusted as the owner's own) ...
ORG_KEYS = {"aws:principalorgid", "aws:principalorgpaths", "aws:sourceorgid", "aws:sourceorgpaths"}
# ... or a network path or identity that only insiders have.
NETWORK_KEYS = {"aws:sourcevpc", "aws:sourcevpce", "aws:sourceip", "aws:userid", "aws:principalservicename"}
NARROWING_KEYS = ACCOUNT_KEYS | ARN_KEYS | ORG_KEYS | NETWORK_KEYS
OPEN_VALUES = {"*", "0.0.0.0/0", "::/0", "arn:*", "arn:aws:*"}
_ACCOUNT = re.compile(r"^(?:arn:[\w-]+:(?:iam|sts)::)?(\d{12})(?::|$)")


def as_list(value: Any) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def document(policy: Any) -> dict:
    """A policy as a dict, whether stored parsed or as the JSON text AWS returns."""
    if isinstance(policy, str):
        try:
            policy = json.loads(policy)
        except ValueError:
            return {}
    return policy if isinstance(policy, dict) else {}


def statements(policy: Any) -> list[dict]:
    return [s for s in as_list(document(policy).get("Statement")) if isinstance(s, dict)]


def allows(statement: dict) -> bool:
    return statement.get("Effect") == "Allow"


def aws_principals(statement: dict) -> list[str]:
    """The AWS principals a statement names; ``"*"`` stands for everyone."""
    principal = statement.get("Principal")
    if principal == ANYONE:
        return [ANYONE]
    if not isinstance(principal, dict):
        return []
    named = [str(p) for p in as_list(principal.get("AWS"))]
    if ANYONE in as_list(principal.get("CanonicalUser")):
        named.append(ANYONE)
    return named


def account_of(principal: str) -> str | None:
    """The 12-digit account of an account id or IAM/STS ARN; None for anything else."""
    match = _ACCOUNT.match(principal.strip())
    return match.group(1) if match else None


@functools.lru_cache(maxsize=4096)
def _glob(pattern: str, ignore_case: bool) -> re.Pattern:
    """An IAM wildcard pattern (``*`` any run, ``?`` one character) as a regex."""
    body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(f"^{body}$", re.I | re.S if ignore_case else re.S)


def matches(value: str, patterns: Any, ignore_case: bool = False) -> bool:
    return any(_glob(str(p), ignore_case).match(value) for p in as_list(patterns))


def grants(statement: dict, action: str) -> bool:
    """Whether the statement's Action (or NotAction) covers ``action`` (IAM wildcards, any case)."""
    if "Action" in statement:
        return matches(action, statement["Action"], ignore_case=True)
    if "NotAction" in statement:
        return not matches(action, statement["NotAction"], ignore_case=True)
    return False


def grants_any(statement: dict, actions: Iterable[str] | None) -> bool:
    return actions is None or any(grants(statement, a) for a in actions)


def _narrowing(statement: dict) -> dict[str, list[str]]:
    """Condition keys (lower case) that narrow the statement, with their concrete values."""
    found: dict[str, list[str]] = {}
    for operator, clauses in (statement.get("Condition") or {}).items():
        op = operator.lower()
        # Negations, ...IfExists and ForAllValues: (true when the key is absent) let other callers through.
        if "not" in op or op.endswith("ifexists") or op.startswith("forallvalues:") or not isinstance(clauses, dict):
            continue
        if not op.split(":")[-1].startswith(("string", "arn", "ipaddress")):
            continue
        for key, values in clauses.items():
            key = key.lower()
            values = [str(v) for v in as_list(values)]
            if key in NARROWING_KEYS and values and not any(v in OPEN_VALUES for v in values):
                if key in ACCOUNT_KEYS | ARN_KEYS and any(_open_account(key, v) for v in values):
                    continue
                found.setdefault(key, []).extend(values)
    return found


def _open_account(key: str, value: str) -> bool:
    """An account or ARN value whose account part is a wildcard (``arn:aws:sns:*:*:topic``)."""
    if key in ACCOUNT_KEYS:
        return not re.fullmatch(r"\d{12}", value)
    parts = value.split(":")
    return len(parts) < 5 or not re.fullmatch(r"\d{12}", parts[4])


def _condition_accounts(narrowing: dict[str, list[str]]) -> set[str] | None:
    """Accounts a narrowing condition limits callers to; None when it narrows by org or network instead."""
    accounts: set[str] = set()
    for key, values in narrowing.items():
        if key in ACCOUNT_KEYS:
            accounts.update(values)
        elif key in ARN_KEYS:
            accounts.update(v.split(":")[4] for v in values)
        else:
            return None
    return accounts


def is_public_statement(statement: dict, actions: Iterable[str] | None = None) -> bool:
    """An Allow for everyone, not narrowed by a condition, covering one of ``actions`` (any when None)."""
    return (
        allows(statement)
        and ANYONE in aws_principals(statement)
        and not _narrowing(statement)
        and grants_any(statement, actions)
    )


def public_statements(policy: Any, actions: Iterable[str] | None = None) -> list[dict]:
    actions = list(actions) if actions is not None else None
    return [s for s in statements(policy) if is_public_statement(s, actions)]


def public_actions(policy: Any) -> list[str]:
    """The actions everyone is allowed by the policy's public statements (``NotAction ...`` for those)."""
    found: set[str] = set()
    for statement in public_statements(policy):
        if "Action" in statement:
            found.update(str(a) for a in as_list(statement["Action"]))
        else:
            found.add("NotAction " + ",".join(str(a) for a in as_list(statement.get("NotAction"))))
    return sorted(found)


def is_public(policy: Any, actions: Iterable[str] | None = None) -> bool:
    return bool(public_statements(policy, actions))


def outside_accounts(policy: Any, owner: str, public_counts: bool = True) -> set[str]:
    """Accounts other than ``owner`` that an Allow statement lets in; ``"*"`` for anyone.

    A statement for everyone narrowed to accounts by a condition counts those
    accounts; narrowed by organization or network path, it counts none (the
    organization is trusted like the owner). With ``public_counts=False``
    (S3's RestrictPublicBuckets) an unnarrowed statement for everyone counts
    none either: AWS then only lets the owner's principals and services in.
    """
    outside: set[str] = set()
    for statement in statements(policy):
        if not allows(statement):
            continue
        for principal in aws_principals(statement):
            if principal != ANYONE:
                account = account_of(principal)
                if account and account != owner:
                    outside.add(account)
                continue
            narrowing = _narrowing(statement)
            if not narrowing:
                if public_counts:
                    outside.add(ANYONE)
                continue
            accounts = _condition_accounts(narrowing)
            outside.update((accounts or set()) - {owner})
    return outside


def resource_matches(statement: dict, arn: str) -> bool:
    """Whether the statement's Resource covers ``arn`` (a statement without Resource covers all)."""
    if "Resource" in statement:
        return matches(arn, statement["Resource"])
    return "NotResource" not in statement or not matches(arn, statement["NotResource"])
