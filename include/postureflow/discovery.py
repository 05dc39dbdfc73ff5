"""Account discovery: keep the accounts file in step with an AWS Organization.

``postureflow accounts discover`` lists the organization's accounts from the
management account (or a delegated administrator) with
``organizations:ListAccounts`` and merges them into the accounts file:

- an account already in the file (matched by account id) is left exactly as the
  user wrote it: alias, connection, regions, services, schedule, comments;
- an ACTIVE account not in the file is appended with an alias made from its
  name (lower-case, unique), its id (quoted) and the connection id from the
  template (``aws_{alias}``); everything else comes from ``defaults:``. The
  management account itself uses the management connection when one was given;
- an account in the file that the organization lists as suspended or closing,
  or no longer lists at all, keeps its entry (a scan of it fails in preflight
  and shows up) and gets an end-of-line comment on its ``account_id`` saying so;
  the comment goes away when the account is ACTIVE again. Comments that the user
  wrote are never changed.

The file is rewritten with ruamel.yaml's round trip, so comments, quotes and
order survive, atomically (a temporary file renamed over it), and only when the
result validates with :func:`postureflow.accounts.load_accounts` without any
error the original did not have.

Each new account's scanning role is reached through its own Airflow AWS
connection: ``role_arn`` ``arn:<partition>:iam::<id>:role/<role name>`` in the
connection's extra. :func:`connection_definitions` gives those connections in the
format ``airflow connections import`` reads; they carry no secret (the base
credentials come from the Airflow host's own chain).
"""

from __future__ import annotations

import datetime as dt
import difflib
import io
import json
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from postureflow.accounts import ALIAS, AccountsFileError, load_accounts

DEFAULT_ROLE_NAME = "PostureflowAudit"
DEFAULT_CONN_ID_TEMPLATE = "aws_{alias}"
NOTE_MARK = "postureflow discover:"
ORGANIZATIONS_REGION = {"aws": "us-east-1", "aws-us-gov": "us-gov-west-1", "aws-cn": "cn-northwest-1"}
NEW_FILE_HEADER = """\
# postureflow accounts: one scan DAG (posture_scan__<alias>) per account.
# The role ARN lives in the Airflow AWS connection (extra: role_arn).
# `postureflow accounts discover` adds the organization's new accounts; entries
# already here are left as written.
defaults:
  schedule: "@daily"
  regions: all
  catchup: false
accounts: []
"""


@dataclass(frozen=True)
class OrgAccount:
    """One account as AWS Organizations lists it."""

    account_id: str
    name: str
    state: str  # ACTIVE, SUSPENDED, PENDING_CLOSURE, PENDING_ACTIVATION, CLOSED
    arn: str = ""

    @property
    def active(self) -> bool:
        return self.state == "ACTIVE"


@dataclass
class Discovery:
    """What a discover run found and did."""

    path: Path
    management_account_id: str | None
    added: list[dict] = field(default_factory=list)  # {alias, account_id, aws_conn_id, name}
    kept: list[str] = field(default_factory=list)  # aliases left as they were
    flagged: list[tuple[str, str]] = field(default_factory=list)  # (alias, why)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (account id, why) not added
    active: list[dict] = field(default_factory=list)  # every ACTIVE account in the merged file, as in added
    text: str = ""
    original: str = ""
    written: bool = False

    @property
    def changed(self) -> bool:
        return self.text != self.original

    def diff(self) -> str:
        return "".join(
            difflib.unified_diff(
                self.original.splitlines(keepends=True),
                self.text.splitlines(keepends=True),
                fromfile=f"{self.path} (before)",
                tofile=f"{self.path} (after)",
            )
        )


# -- listing the organization ---------------------------------------------------------------------


def list_organization_accounts(access, region: str = "us-east-1") -> list[OrgAccount]:
    """Every account of the caller's organization (all pages), in the order AWS lists them."""
    client = access.client("organizations", region)
    accounts = []
    # 20 is the most ListAccounts returns per page
    for page in client.get_paginator("list_accounts").paginate(PaginationConfig={"PageSize": 20}):
        for item in page.get("Accounts", []):
            # "State" superseded "Status" in 2025; older answers carry only Status.
            state = str(item.get("State") or item.get("Status") or "ACTIVE").upper()
            accounts.append(OrgAccount(str(item["Id"]), str(item.get("Name") or ""), state, str(item.get("Arn") or "")))
    return accounts


def management_account_id(access, region: str = "us-east-1") -> str | None:
    client = access.client("organizations", region)
    return client.describe_organization()["Organization"].get("MasterAccountId")


# -- aliases -----------------------------------------------------------------------------------------


def slugify(name: str) -> str:
    """An account name as an alias: lower-case letters, digits and '-' (``"Prod Workloads"`` -> ``prod-workloads``)."""
    import unicodedata

    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    return slug[:50].strip("-")


def unique_alias(name: str, account_id: str, taken: set[str]) -> str:
    """An alias for the account, not in ``taken``: its slug, else slug-<last 4 digits>, else numbered."""
    base = slugify(name) or f"account-{account_id}"
    candidates = [base, f"{base}-{account_id[-4:]}", f"{base}-{account_id}"]
    candidates += [f"{base}-{account_id}-{n}" for n in range(2, 100)]
    for alias in candidates:
        if alias not in taken and ALIAS.match(alias):
            return alias
    raise AccountsFileError(f"no free alias for account {account_id} ({name!r})")


def conn_id_for(template: str, alias: str, account_id: str, name: str) -> str:
    """The connection id of a new account. ``{alias}`` and ``{name}`` have '_' for '-', so the id can
    also be an ``AIRFLOW_CONN_<ID>`` environment variable."""
    try:
        conn_id = template.format(
            alias=alias.replace("-", "_"),
            account_id=account_id,
            name=(slugify(name) or alias).replace("-", "_"),
        )
    except (KeyError, IndexError, ValueError) as err:
        raise AccountsFileError(
            f"--conn-id-template {template!r} is not valid: use {{alias}}, {{account_id}} or {{name}} ({err})"
        ) from err
    if not re.fullmatch(r"[A-Za-z0-9_.-]+", conn_id):
        raise AccountsFileError(f"--conn-id-template {template!r} gives {conn_id!r}, not a valid connection id")
    return conn_id


# -- the YAML round trip ------------------------------------------------------------------------------


def guess_indent(text: str) -> tuple[int, int, int]:
    """(mapping, sequence, offset) indentation of a block-style YAML text; (2, 4, 2) when it shows none."""
    mapping = sequence = offset = None
    parent: int | None = None  # indent of the previous line when it opened a block ("key:")
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        indent = len(line) - len(line.lstrip(" "))
        if parent is not None and indent >= parent:
            item = re.match(r"^( *)-( +)", line)
            if item and sequence is None:
                offset = len(item.group(1)) - parent
                sequence = item.end() - parent
            elif not item and mapping is None and indent > parent:
                mapping = indent - parent
        parent = indent if re.search(r":\s*(#.*)?$", stripped) and not stripped.startswith("- ") else None
        if stripped.startswith("- ") and re.search(r":\s*(#.*)?$", stripped):
            parent = indent + 2
    return mapping or 2, sequence or 4, 2 if offset is None else offset


def _yaml(text: str):
    """A round-trip YAML that writes with the indentation ``text`` already uses."""
    from ruamel.yaml import YAML

    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.width = 4096
    mapping, sequence, offset = guess_indent(text)
    yaml.indent(mapping=mapping, sequence=sequence, offset=offset)
    return yaml


def _note(entry, key: str, note: str | None) -> bool:
    """Set (or, with None, clear) our end-of-line note on ``entry[key]``; a user's own comment wins.

    ruamel keeps the end-of-line comment of ``key`` and any full-line comments after it in one
    token: only its first line (the end-of-line part) is ours to replace."""
    slot = entry.ca.items.get(key)
    token = slot[2] if slot and len(slot) > 2 else None
    if token is None:
        if note:
            entry.yaml_add_eol_comment(f"{NOTE_MARK} {note}", key)
            return True
        return False
    value = token.value
    if value.startswith("#"):
        eol, _, rest = value.partition("\n")
        if not eol.lstrip("# ").startswith(NOTE_MARK):
            return False  # the user's comment
    else:
        eol, rest = "", value[1:] if value.startswith("\n") else value
    new_eol = f"# {NOTE_MARK} {note}" if note else ""
    if _without_date(new_eol) == _without_date(eol):
        return False  # the same news, first seen earlier: keep that date
    new_value = f"{new_eol}\n{rest}" if new_eol else f"\n{rest}"
    if new_value == "\n":
        slot[2] = None
        if not any(slot):
            del entry.ca.items[key]
    else:
        token.value = new_value
    return True


def _without_date(comment: str) -> str:
    return re.sub(r" \(seen \d{4}-\d{2}-\d{2}\)$", "", comment.strip())


def _move_trailing_comment(seq, new_last) -> None:
    """Comments after the last entry (ruamel hangs them on its last key) stay at the end of the list."""
    if not len(seq):
        return
    last = seq[-1]
    if not hasattr(last, "ca") or not len(last):
        return
    last_key = list(last.keys())[-1]
    slot = last.ca.items.get(last_key)
    token = slot[2] if slot and len(slot) > 2 else None
    if token is None or "\n" not in token.value.rstrip("\n"):
        return
    eol, _, rest = token.value.partition("\n")
    if not rest.strip():
        return
    from ruamel.yaml.error import CommentMark
    from ruamel.yaml.tokens import CommentToken

    token.value = f"{eol}\n" if eol else "\n"
    new_key = list(new_last.keys())[-1]
    new_last.ca.items[new_key] = [None, None, CommentToken(f"\n{rest}", CommentMark(0), None), None]


def merge(
    text: str | None,
    org_accounts: Iterable[OrgAccount],
    path: Path,
    *,
    management_id: str | None = None,
    management_conn_id: str | None = None,
    conn_id_template: str = DEFAULT_CONN_ID_TEMPLATE,
    today: dt.date | None = None,
) -> Discovery:
    """The accounts file ``text`` with the organization's accounts merged in (nothing is written)."""
    from ruamel.yaml.comments import CommentedMap
    from ruamel.yaml.error import YAMLError
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString

    today = today or dt.date.today()
    original = text if text is not None else ""
    source = text if text and text.strip() else NEW_FILE_HEADER
    yaml = _yaml(source)
    try:
        data = yaml.load(source)
    except YAMLError as err:
        raise AccountsFileError(f"accounts file {path}: is not valid YAML: {err}") from err
    if not isinstance(data, dict) or not isinstance(data.get("accounts"), list):
        raise AccountsFileError(f"accounts file {path}: must be a mapping with an 'accounts' list")
    entries = data["accounts"]
    found = Discovery(path=path, management_account_id=management_id, original=original)

    org = {a.account_id: a for a in org_accounts}
    modified = text is None or not text.strip()
    declared: dict[str, object] = {}
    taken: set[str] = set()
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict):
            continue
        alias = entry.get("alias")
        if isinstance(alias, str):
            taken.add(alias)
        account_id = entry.get("account_id")
        if isinstance(account_id, int):
            account_id = str(account_id)
        if isinstance(account_id, str):
            declared.setdefault(account_id, entry)
        label = alias if isinstance(alias, str) else f"#{index + 1}"
        key = "account_id" if "account_id" in entry else None
        known = org.get(str(account_id)) if account_id is not None else None
        if known is None:
            why = f"not in the organization (seen {today.isoformat()})"
        elif not known.active:
            why = f"{known.state} in the organization (seen {today.isoformat()})"
        else:
            why = None
        if why:
            found.flagged.append((label, why))
        else:
            found.kept.append(label)
            conn_id = entry.get("aws_conn_id") or (data.get("defaults") or {}).get("aws_conn_id")
            if isinstance(alias, str) and isinstance(conn_id, str):
                found.active.append(
                    {"alias": alias, "account_id": str(account_id), "aws_conn_id": conn_id, "name": known.name}
                )
        if key and _note(entry, key, why):
            modified = True

    new_entries = []
    for account in org.values():
        if account.account_id in declared:
            continue
        if not account.active:
            found.skipped.append((account.account_id, f"{account.state} in the organization"))
            continue
        alias = unique_alias(account.name, account.account_id, taken)
        taken.add(alias)
        if account.account_id == management_id and management_conn_id:
            conn_id = management_conn_id
        else:
            conn_id = conn_id_for(conn_id_template, alias, account.account_id, account.name)
        entry = CommentedMap()
        entry["alias"] = alias
        entry["account_id"] = DoubleQuotedScalarString(account.account_id)
        entry["aws_conn_id"] = conn_id
        described = account.name.replace("\n", " ")
        if account.account_id == management_id:
            described += ", the management account"
        entry.yaml_add_eol_comment(f"{NOTE_MARK} added {today.isoformat()} ({described})", "alias")
        new_entries.append(entry)
        found.added.append(
            {"alias": alias, "account_id": account.account_id, "aws_conn_id": conn_id, "name": account.name}
        )
        found.active.append(found.added[-1])

    if new_entries:
        if entries.fa.flow_style():
            entries.fa.set_block_style()
        _move_trailing_comment(entries, new_entries[-1])
        entries.extend(new_entries)
    if not (modified or new_entries):
        found.text = original  # nothing to say: the file stays byte for byte as it is
        return found
    out = io.StringIO()
    yaml.dump(data, out)
    # ruamel puts one space before a new end-of-line comment; PEP 8 and yamllint want two
    found.text = re.sub(r"(?m)(\S) # " + re.escape(NOTE_MARK), r"\1  # " + NOTE_MARK, out.getvalue())
    return found


# -- writing ---------------------------------------------------------------------------------------


def _errors_of(text: str, path: Path) -> list[str]:
    """Validation errors of ``text`` as the accounts file at ``path`` (relative mutelist paths resolve there)."""
    where = path.parent if path.parent.is_dir() else None
    with tempfile.NamedTemporaryFile("w", dir=where, prefix=f".{path.name}.", suffix=".check", delete=False) as f:
        f.write(text)
        check = Path(f.name)
    try:
        return [e.replace(str(check), str(path)) for e in load_accounts(check).errors]
    finally:
        check.unlink(missing_ok=True)


def write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def discover(
    access,
    path: str | Path,
    *,
    management_conn_id: str | None = None,
    conn_id_template: str = DEFAULT_CONN_ID_TEMPLATE,
    region: str = "us-east-1",
    dry_run: bool = False,
    today: dt.date | None = None,
) -> Discovery:
    """List the organization through ``access`` and merge it into the accounts file at ``path``.

    Raises AccountsFileError (naming the file) when the file cannot be read or parsed, or when
    the merged file would not validate; the file is then left untouched.
    """
    path = Path(path)
    try:
        text = path.read_text() if path.exists() else None
    except OSError as err:
        raise AccountsFileError(f"accounts file {path}: cannot be read: {err.strerror or err}") from err
    accounts = list_organization_accounts(access, region)
    management = management_account_id(access, region)
    found = merge(
        text,
        accounts,
        path,
        management_id=management,
        management_conn_id=management_conn_id,
        conn_id_template=conn_id_template,
        today=today,
    )
    before = set(_errors_of(text, path)) if text is not None else set()
    new_errors = [e for e in _errors_of(found.text, path) if e not in before]
    if new_errors:
        raise AccountsFileError(
            f"accounts file {path}: not updated, the merged file would not validate:\n" + "\n".join(new_errors)
        )
    if not dry_run and (found.changed or text is None):
        write_atomically(path, found.text)
        found.written = True
    return found


def connection_definitions(
    added: Iterable[dict],
    role_name: str = DEFAULT_ROLE_NAME,
    *,
    partition: str = "aws",
    region: str = "us-east-1",
    external_id: str | None = None,
    skip: Iterable[str] = (),
) -> dict[str, dict]:
    """Airflow AWS connections for new accounts (``airflow connections import`` JSON): each assumes
    ``role_name`` in its account from the Airflow host's own credentials. Connections in ``skip``
    (the management connection, which exists already) are left out."""
    skip = set(skip)
    out: dict[str, dict] = {}
    for account in added:
        if account["aws_conn_id"] in skip:
            continue
        extra = {
            "role_arn": f"arn:{partition}:iam::{account['account_id']}:role/{role_name}",
            "region_name": region,
            "assume_role_method": "assume_role",
        }
        if external_id:
            extra["assume_role_kwargs"] = {"ExternalId": external_id}
        out[account["aws_conn_id"]] = {
            "conn_type": "aws",
            "description": f"postureflow scan role in {account['name'] or account['alias']} ({account['account_id']})",
            "extra": extra,
        }
    return out


def merge_connections_file(path: Path, connections: dict[str, dict]) -> list[str]:
    """Add ``connections`` to the JSON file at ``path`` (kept entries win); returns the ids added."""
    existing: dict = {}
    if path.exists():
        try:
            existing = json.loads(path.read_text() or "{}")
        except json.JSONDecodeError as err:
            raise AccountsFileError(f"connections file {path}: is not valid JSON: {err}") from err
        if not isinstance(existing, dict):
            raise AccountsFileError(f"connections file {path}: must be a JSON object of connection ids")
    added = [c for c in connections if c not in existing]
    if added or not path.exists():
        merged = {**existing, **{c: connections[c] for c in added}}
        write_atomically(path, json.dumps(merged, indent=2, sort_keys=True) + "\n")
    return added
