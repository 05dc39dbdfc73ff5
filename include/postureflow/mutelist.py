"""The mutelist: findings an account owner has accepted, in Prowler's YAML format.

::

    Mutelist:
      Accounts:
        "123456789012":                 # an account id, or "*" for every account
          Checks:
            "s3_bucket_no_mfa_delete":  # a check id, a regex, or "*"
              Regions: ["*"]
              Resources: ["logs-.*"]    # matched against the resource ARN and short id, ours and Prowler's
              Tags: ["env=dev"]         # optional; "key=value" regexes, all must match
              Exceptions:               # optional; what this entry must NOT mute
                Regions: ["eu-west-1"]
              Description: "dev log buckets do not need MFA delete"

Matching follows Prowler so a mutelist written for Prowler behaves the same here:

- every pattern is a regular expression searched (not anchored) in the value;
  a pattern that starts with ``*`` has it turned into ``.*`` first, so ``*``
  matches anything;
- an entry mutes a finding when its check, a region pattern, a resource
  pattern and every tag pattern match (no ``Tags`` means any tags);
- tags are matched against ``"k1=v1 | k2=v2"``, so ``env=dev|env=test`` is an
  OR and two list items are an AND;
- ``Exceptions`` unmute: an entry whose check matches is excepted when every
  exception field it lists matches the finding (account, region, resource,
  tags); an excepted entry also stops the rest of that account block, as in
  Prowler, while the ``"*"`` block is still consulted;
- the account's own block is consulted first, then ``"*"``; the first entry
  that mutes a finding names the reason.

Muted findings stay in the lake with ``muted = true`` and ``mute_reason`` set;
the engine applies the rule through ``ScanContext.mute``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

import yaml

from postureflow import prowler_identity

ROOT_KEY = "Mutelist"
ENTRY_KEYS = ("Regions", "Resources", "Tags", "Exceptions", "Description")
REQUIRED_ENTRY_KEYS = ("Regions", "Resources")
EXCEPTION_KEYS = ("Accounts", "Regions", "Resources", "Tags")
ACCOUNT_ID = re.compile(r"^\d{12}$")

MuteRule = Callable[[dict], tuple[bool, "str | None"]]


class MutelistError(ValueError):
    """The mutelist file cannot be used; the message names the file and the entry."""


def _compile(pattern: str) -> re.Pattern[str]:
    """Prowler's rule: a leading '*' means '.*'; the rest is a regex searched anywhere."""
    if pattern.startswith("*"):
        pattern = ".*" + pattern[1:]
    return re.compile(pattern)


@dataclass(frozen=True)
class _Patterns:
    """A list of patterns from the file; empty means 'matches nothing' (Prowler's rule)."""

    items: tuple[re.Pattern[str], ...] = ()

    def __bool__(self) -> bool:
        return bool(self.items)

    def any(self, *values: str | None) -> bool:
        return any(p.search(v) for p in self.items for v in values if v is not None)

    def all(self, value: str) -> bool:
        return bool(self.items) and all(p.search(value) for p in self.items)


@dataclass(frozen=True)
class Entry:
    """One ``Checks`` entry of one account block."""

    account: str
    check: str
    check_pattern: re.Pattern[str] | None
    regions: _Patterns
    resources: _Patterns
    tags: _Patterns  # empty: any tags
    except_accounts: _Patterns = _Patterns()
    except_regions: _Patterns = _Patterns()
    except_resources: _Patterns = _Patterns()
    except_tags: _Patterns = _Patterns()
    description: str | None = None

    @property
    def reason(self) -> str:
        label = f"mutelist: {self.account}/{self.check}"
        return f"{label} ({self.description})" if self.description else label

    def check_matches(self, check_id: str) -> bool:
        if self.check == "*" or self.check == check_id:
            return True
        return bool(self.check_pattern and self.check_pattern.search(check_id))

    def excepted(self, account_id: str, regions: tuple[str, ...], resources: tuple[str, ...], tags: str) -> bool:
        fields = [
            (self.except_accounts, self.except_accounts.any(account_id)),
            (self.except_regions, self.except_regions.any(*regions)),
            (self.except_resources, self.except_resources.any(*resources)),
            (self.except_tags, self.except_tags.all(tags)),
        ]
        if not any(hit for _, hit in fields):
            return False
        return all(hit or not patterns for patterns, hit in fields)

    def mutes(self, regions: tuple[str, ...], resources: tuple[str, ...], tags: str) -> bool:
        return (
            self.regions.any(*regions)
            and self.resources.any(*resources)
            and (self.tags.all(tags) if self.tags else True)
        )


def unroll_tags(tags: Any) -> str:
    """A finding's tags as Prowler matches them: ``"k1=v1 | k2=v2"`` (sorted by key)."""
    if not tags:
        return ""
    pairs = tags.items() if isinstance(tags, dict) else tags
    return " | ".join(f"{k}={v}" for k, v in sorted((str(k), "" if v is None else str(v)) for k, v in pairs))


@dataclass
class Mutelist:
    """A parsed, validated mutelist. Build it with :meth:`load`, :meth:`loads` or :meth:`from_dict`."""

    entries: dict[str, list[Entry]] = field(default_factory=dict)  # account id or "*" -> entries in file order
    source: str = "<mutelist>"
    warnings: list[str] = field(default_factory=list)

    # -- building -------------------------------------------------------------------------

    @classmethod
    def load(cls, path: str | Path) -> "Mutelist":
        """Read and validate a mutelist file; raise MutelistError naming the file and the entry."""
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as err:
            raise MutelistError(f"{path}: cannot read the mutelist: {err}") from err
        return cls.loads(text, source=str(path))

    @classmethod
    def loads(cls, text: str, source: str = "<mutelist>") -> "Mutelist":
        try:
            document = yaml.safe_load(text)
        except yaml.YAMLError as err:
            where = ""
            mark = getattr(err, "problem_mark", None)
            if mark is not None:
                where = f" at line {mark.line + 1}, column {mark.column + 1}"
            problem = getattr(err, "problem", None) or str(err)
            raise MutelistError(f"{source}: not valid YAML{where}: {problem}") from err
        return cls.from_dict(document, source=source)

    @classmethod
    def from_dict(cls, document: Any, source: str = "<mutelist>") -> "Mutelist":
        """Validate a parsed document (``{"Mutelist": {"Accounts": ...}}``)."""
        return _Parser(source).parse(document)

    # -- matching -------------------------------------------------------------------------

    def blocks_for(self, account_id: str) -> list[list[Entry]]:
        blocks = []
        if account_id in self.entries:
            blocks.append(self.entries[account_id])
        if account_id != "*" and "*" in self.entries:
            blocks.append(self.entries["*"])
        return blocks

    def match(
        self,
        account_id: str,
        check_id: str,
        region: str,
        resource_uid: str = "",
        resource_id: str = "",
        tags: Any = None,
    ) -> Entry | None:
        """The entry that mutes this finding, or None."""
        return self._match(
            self.blocks_for(account_id), account_id, check_id, (region or "",), (resource_uid or "", resource_id or ""), tags
        )

    @staticmethod
    def _match(
        blocks: list[list[Entry]],
        account_id: str,
        check_id: str,
        regions: tuple[str, ...],
        resources: tuple[str, ...],
        tags: Any,
    ) -> Entry | None:
        """``regions`` and ``resources``: every form of the finding's region and resource (ours and Prowler's)."""
        tag_text = tags if isinstance(tags, str) else unroll_tags(tags)
        for entries in blocks:
            for entry in entries:
                if not entry.check_matches(check_id):
                    continue
                if entry.excepted(account_id, regions, resources, tag_text):
                    break  # Prowler: an excepted entry ends this account block
                if entry.mutes(regions, resources, tag_text):
                    return entry
        return None

    def is_muted(self, row: dict) -> tuple[bool, str | None]:
        """Apply to one finding row (uses the row's own account_id)."""
        return self.rule_for(str(row.get("account_id") or ""))(row)

    def rule_for(self, account_id: str) -> MuteRule:
        """The ``ScanContext.mute`` hook for one account: row -> (muted, reason)."""
        account_id = str(account_id)
        blocks = self.blocks_for(account_id)
        by_check: dict[str, list[list[Entry]]] = {}  # check id -> the entries that name it, per block

        def rule(row: dict) -> tuple[bool, str | None]:
            if not blocks:
                return False, None
            check_id = str(row.get("check_id") or "")
            if check_id not in by_check:
                by_check[check_id] = [[e for e in entries if e.check_matches(check_id)] for entries in blocks]
            # Prowler matches its own resource name and region (prowler_identity): a Prowler mutelist
            # mutes the same findings; patterns written for postureflow's ARN and id still match too.
            prowler = prowler_identity.of_row(row)
            entry = self._match(
                by_check[check_id],
                account_id,
                check_id,
                tuple(dict.fromkeys((row.get("region") or "", prowler.region))),
                tuple(dict.fromkeys((row.get("resource_uid") or "", row.get("resource_id") or "", prowler.uid, prowler.name))),
                row.get("resource_tags"),
            )
            return (True, entry.reason) if entry else (False, None)

        return rule

    def unmatched_checks(self, known_checks: Iterable[str]) -> list[str]:
        """Entries whose check (an id or a pattern) matches none of ``known_checks``: a typo, or a
        check postureflow does not have. Reported as warnings, not errors (docs/mutelist.md)."""
        known = list(known_checks)
        return [
            f"account '{entry.account}', check '{entry.check}': matches no postureflow check, so it mutes nothing"
            for entries in self.entries.values()
            for entry in entries
            if entry.check != "*" and not any(entry.check_matches(check_id) for check_id in known)
        ]

    def __len__(self) -> int:
        return sum(len(v) for v in self.entries.values())

    def summary(self) -> str:
        accounts = ", ".join(sorted(self.entries)) or "none"
        return f"{len(self)} entr{'y' if len(self) == 1 else 'ies'} for account(s) {accounts}"


class _Parser:
    """Validation with messages like ``file: account '1234…', check 's3_*', field 'Regions': …``."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.warnings: list[str] = []

    def fail(self, where: str, message: str) -> MutelistError:
        return MutelistError(f"{self.source}: {where}{': ' if where else ''}{message}")

    def parse(self, document: Any) -> Mutelist:
        if document is None:
            raise self.fail("", f"the file is empty; expected a top-level '{ROOT_KEY}' key")
        if not isinstance(document, dict):
            raise self.fail("", f"expected a mapping with a top-level '{ROOT_KEY}' key, found {_kind(document)}")
        if ROOT_KEY not in document:
            hint = " (rename 'Allowlist' to 'Mutelist')" if "Allowlist" in document else ""
            raise self.fail("", f"top-level key '{ROOT_KEY}' is missing{hint}; found {_keys(document)}")
        extra = [k for k in document if k != ROOT_KEY]
        if extra:
            raise self.fail("", f"unexpected top-level key(s) {_keys(extra)}; only '{ROOT_KEY}' is allowed")
        body = document[ROOT_KEY]
        if body is None:
            body = {"Accounts": {}}
        if not isinstance(body, dict):
            raise self.fail(ROOT_KEY, f"expected a mapping with 'Accounts', found {_kind(body)}")
        extra = [k for k in body if k != "Accounts"]
        if extra:
            raise self.fail(ROOT_KEY, f"unexpected key(s) {_keys(extra)}; only 'Accounts' is allowed")
        accounts = body.get("Accounts")
        if accounts is None:
            accounts = {}
        if not isinstance(accounts, dict):
            raise self.fail(f"{ROOT_KEY}.Accounts", f"expected a mapping of account id to checks, found {_kind(accounts)}")

        entries: dict[str, list[Entry]] = {}
        for raw_account, block in accounts.items():
            account = self.account_key(raw_account)
            if account in entries:
                raise self.fail(f"account '{account}'", "listed twice")
            entries[account] = self.account_block(account, block)
        mutelist = Mutelist(entries=entries, source=self.source, warnings=self.warnings)
        return mutelist

    def account_key(self, raw: Any) -> str:
        if isinstance(raw, bool) or not isinstance(raw, (str, int)):
            raise self.fail(f"account {raw!r}", "an account must be a 12-digit id in quotes or '*'")
        if isinstance(raw, int):
            # YAML reads an unquoted id as a number; that is only safe when no leading zero was lost.
            if len(str(raw)) != 12:
                raise self.fail(
                    f"account {raw}", "unquoted account ids lose leading zeros; write the 12-digit id in quotes"
                )
            return str(raw)
        if raw != "*" and not ACCOUNT_ID.match(raw):
            raise self.fail(f"account '{raw}'", "an account must be a 12-digit id or '*'")
        return raw

    def account_block(self, account: str, block: Any) -> list[Entry]:
        where = f"account '{account}'"
        if not isinstance(block, dict):
            raise self.fail(where, f"expected a mapping with 'Checks', found {_kind(block)}")
        extra = [k for k in block if k != "Checks"]
        if extra:
            raise self.fail(where, f"unexpected key(s) {_keys(extra)}; only 'Checks' is allowed")
        checks = block.get("Checks")
        if not isinstance(checks, dict):
            raise self.fail(where, f"'Checks' must be a mapping of check id to entry, found {_kind(checks)}")
        return [self.entry(account, check, info) for check, info in checks.items()]

    def entry(self, account: str, raw_check: Any, info: Any) -> Entry:
        if not isinstance(raw_check, str) or not raw_check.strip():
            raise self.fail(f"account '{account}', check {raw_check!r}", "a check must be a non-empty string")
        where = f"account '{account}', check '{raw_check}'"
        # Prowler's lambda checks are named awslambda_*; a mutelist may say lambda_*.
        check = re.sub(r"^lambda", "awslambda", raw_check)
        pattern = None
        if check != "*":
            try:
                pattern = _compile(check)
            except re.error as err:
                raise self.fail(where, f"the check is not a valid regular expression: {err}") from err
        if not isinstance(info, dict):
            raise self.fail(where, f"expected a mapping with Regions and Resources, found {_kind(info)}")
        extra = [k for k in info if k not in ENTRY_KEYS]
        if extra:
            raise self.fail(where, f"unexpected key(s) {_keys(extra)}; allowed: {', '.join(ENTRY_KEYS)}")
        missing = [k for k in REQUIRED_ENTRY_KEYS if k not in info]
        if missing:
            raise self.fail(where, f"missing required field(s) {', '.join(missing)} (use ['*'] for all)")
        description = info.get("Description")
        if description is not None and not isinstance(description, str):
            raise self.fail(f"{where}, field 'Description'", f"expected a string, found {_kind(description)}")
        regions = self.patterns(where, "Regions", info.get("Regions"))
        resources = self.patterns(where, "Resources", info.get("Resources"))
        tags = self.patterns(where, "Tags", info.get("Tags"), optional=True)
        for name, value in (("Regions", regions), ("Resources", resources)):
            if not value:
                self.warnings.append(f"{where}: '{name}' is empty, so this entry never mutes anything")
        exceptions = info.get("Exceptions")
        parsed_exceptions: dict[str, _Patterns] = {}
        if exceptions is not None:
            if not isinstance(exceptions, dict):
                raise self.fail(f"{where}, field 'Exceptions'", f"expected a mapping, found {_kind(exceptions)}")
            extra = [k for k in exceptions if k not in EXCEPTION_KEYS]
            if extra:
                raise self.fail(
                    f"{where}, field 'Exceptions'",
                    f"unexpected key(s) {_keys(extra)}; allowed: {', '.join(EXCEPTION_KEYS)}",
                )
            for key in EXCEPTION_KEYS:
                parsed_exceptions[key] = self.patterns(where, f"Exceptions.{key}", exceptions.get(key), optional=True)
        return Entry(
            account=account,
            check=raw_check,
            check_pattern=pattern,
            regions=regions,
            resources=resources,
            tags=tags,
            except_accounts=parsed_exceptions.get("Accounts", _Patterns()),
            except_regions=parsed_exceptions.get("Regions", _Patterns()),
            except_resources=parsed_exceptions.get("Resources", _Patterns()),
            except_tags=parsed_exceptions.get("Tags", _Patterns()),
            description=description.strip() if description else None,
        )

    def patterns(self, where: str, name: str, value: Any, optional: bool = False) -> _Patterns:
        location = f"{where}, field '{name}'"
        if value is None:
            if optional:
                return _Patterns()
            raise self.fail(location, "expected a list of patterns, found nothing")
        if not isinstance(value, list):
            raise self.fail(location, f"expected a list of patterns (e.g. ['*']), found {_kind(value)}")
        compiled = []
        for index, item in enumerate(value):
            if isinstance(item, bool) or not isinstance(item, (str, int)):
                raise self.fail(f"{location}, item {index + 1}", f"expected a string, found {_kind(item)}")
            if isinstance(item, int) and name == "Exceptions.Accounts" and len(str(item)) != 12:
                raise self.fail(
                    f"{location}, item {index + 1}", "unquoted account ids lose leading zeros; quote the 12-digit id"
                )
            item = str(item)
            if not item:
                raise self.fail(f"{location}, item {index + 1}", "an empty pattern would match everything; use '*'")
            try:
                compiled.append(_compile(item))
            except re.error as err:
                raise self.fail(f"{location}, item {index + 1} {item!r}", f"not a valid regular expression: {err}") from err
        return _Patterns(tuple(compiled))


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    return {dict: "a mapping", list: "a list", str: "a string", bool: "a boolean", int: "a number", float: "a number"}.get(
        type(value), type(value).__name__
    ) + (f" ({value!r})" if isinstance(value, (str, int, float, bool)) and len(repr(value)) <= 40 else "")


def _keys(keys: Iterable[Any]) -> str:
    return ", ".join(repr(k) for k in keys) or "none"


def load_checked(path: str | Path, known_checks: Iterable[str] | None = None) -> Mutelist:
    """Load a mutelist file and add a warning for each entry whose check matches no known check
    (default: every postureflow check). Raises MutelistError naming the file and the entry."""
    if known_checks is None:
        from postureflow.checks import all_checks

        known_checks = all_checks()
    mutelist = Mutelist.load(path)
    mutelist.warnings.extend(mutelist.unmatched_checks(known_checks))
    return mutelist


def load_rule(path: str | Path | None, account_id: str) -> MuteRule | None:
    """Convenience for the DAG: the mute hook for ``account_id`` from ``path``, or None without a file."""
    if not path:
        return None
    return Mutelist.load(path).rule_for(account_id)
