"""Account: the primary contact and the security alternate contact (global).

Only which contact fields are filled in is stored, never the names, numbers or addresses.
"""

from __future__ import annotations

from postureflow.collect.base import RegionScope, collector

PRIMARY_FIELDS = ("FullName", "PhoneNumber", "AddressLine1", "City", "CountryCode", "PostalCode")
SECURITY_FIELDS = ("Name", "EmailAddress", "PhoneNumber")
NOT_SET = ("ResourceNotFoundException",)


@collector("account", scope="global")
def collect_account(scope: RegionScope) -> None:
    account = scope.client("account")
    contact = scope.fetch(account, "get_contact_information", absent=NOT_SET)
    security = scope.fetch(account, "get_alternate_contact", absent=NOT_SET, AlternateContactType="SECURITY")
    scope.add(
        "account",
        uid=f"arn:{scope.partition}:iam::{scope.account_id}:root",
        id=scope.account_id,
        # the names of the filled-in fields; [] when the contact is not set
        primary_contact_fields=contact.map(lambda r: _filled(r, "ContactInformation", PRIMARY_FIELDS)).absent_as([]),
        security_contact_fields=security.map(lambda r: _filled(r, "AlternateContact", SECURITY_FIELDS)).absent_as([]),
    )


def _filled(response: dict, key: str, fields: tuple[str, ...]) -> list[str]:
    values = response.get(key) or {}
    return sorted(f for f in fields if str(values.get(f) or "").strip())
