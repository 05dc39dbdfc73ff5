"""Account: the primary contact and the security, billing and operations alternate contacts (global).

Calls: GetContactInformation and GetAlternateContact for SECURITY, BILLING and OPERATIONS.
Only which contact fields are filled in, and one-way fingerprints of names, e-mail addresses and
phone numbers (to tell whether two contacts are the same person), are stored: never the details.
"""

from __future__ import annotations

from postureflow.collect.base import Outcome, RegionScope, collector
from postureflow.secrets import fingerprint

PRIMARY_FIELDS = ("FullName", "PhoneNumber", "AddressLine1", "City", "CountryCode", "PostalCode")
SECURITY_FIELDS = ("Name", "EmailAddress", "PhoneNumber")
NOT_SET = ("ResourceNotFoundException",)


@collector("account", scope="global")
def collect_account(scope: RegionScope) -> None:
    account = scope.client("account")
    contact = scope.fetch(account, "get_contact_information", absent=NOT_SET)
    alternates = {
        kind: scope.fetch(account, "get_alternate_contact", absent=NOT_SET, AlternateContactType=kind)
        for kind in ("SECURITY", "BILLING", "OPERATIONS")
    }
    security = alternates["SECURITY"]
    scope.add(
        "account",
        uid=f"arn:{scope.partition}:iam::{scope.account_id}:root",
        id=scope.account_id,
        # the names of the filled-in fields; [] when the contact is not set
        primary_contact_fields=contact.map(lambda r: _filled(r, "ContactInformation", PRIMARY_FIELDS)).absent_as([]),
        security_contact_fields=security.map(lambda r: _filled(r, "AlternateContact", SECURITY_FIELDS)).absent_as([]),
        contact_fingerprints=_fingerprints(contact, alternates),
    )


def _fingerprints(contact: Outcome, alternates: dict[str, Outcome]) -> Outcome:
    """{"PRIMARY": {"name", "phone"}, "SECURITY": {"name", "email", "phone"}, ...} as fingerprints (None: not
    set), or the first read that failed."""
    failed = next((o for o in [contact, *alternates.values()] if not o.known), None)
    if failed:
        return failed
    primary = (contact.value or {}).get("ContactInformation")
    found = {"PRIMARY": _prints(primary, name="FullName", phone="PhoneNumber")}
    for kind, answer in alternates.items():
        details = (answer.value or {}).get("AlternateContact")
        found[kind] = _prints(details, name="Name", email="EmailAddress", phone="PhoneNumber")
    return Outcome("ok", found)


def _prints(details: dict | None, **fields: str) -> dict | None:
    if not details:
        return None
    normal = {key: str(details.get(field) or "").strip().lower().replace(" ", "") for key, field in fields.items()}
    return {key: fingerprint(value) if value else None for key, value in normal.items()}


def _filled(response: dict, key: str, fields: tuple[str, ...]) -> list[str]:
    values = response.get(key) or {}
    return sorted(f for f in fields if str(values.get(f) or "").strip())
