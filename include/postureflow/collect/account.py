"""Account: the primary contact and the security alternate contact (global).

Only which contact fields are filled in is stored, never the names, numbers or addresses.
"""

from __future__ import annotations

from botocore.exceptions import ClientError

from postureflow.collect.base import RECORDED_ERROR_CODES, RegionScope, ScanError, collector

PRIMARY_FIELDS = ("FullName", "PhoneNumber", "AddressLine1", "City", "CountryCode", "PostalCode")
SECURITY_FIELDS = ("Name", "EmailAddress", "PhoneNumber")
UNKNOWN = object()


@collector("account", scope="global")
def collect_account(scope: RegionScope) -> None:
    account = scope.client("account")
    contact = _read(scope, account, "get_contact_information")
    security = _read(scope, account, "get_alternate_contact", AlternateContactType="SECURITY")
    scope.add(
        "account",
        uid=f"arn:{scope.partition}:iam::{scope.account_id}:root",
        id=scope.account_id,
        # None: could not be read (a scan error says why); otherwise the names of the filled-in fields.
        primary_contact_fields=_filled(contact, "ContactInformation", PRIMARY_FIELDS),
        security_contact_fields=_filled(security, "AlternateContact", SECURITY_FIELDS),
    )


def _read(scope: RegionScope, client, operation: str, **params):
    """The response; {} when the contact is not set; UNKNOWN when we may not look (recorded)."""
    try:
        return getattr(client, operation)(**params)
    except ClientError as err:
        error = err.response.get("Error", {})
        code = str(error.get("Code", ""))
        if code == "ResourceNotFoundException":
            return {}
        if code in RECORDED_ERROR_CODES:
            api = f"{client.meta.service_model.service_name}:{operation}"  # as RegionScope records it
            message = str(error.get("Message", ""))[:1000]
            scope.collection.error(ScanError(scope.service, scope.region, api, code, message))
            return UNKNOWN
        raise


def _filled(response, key: str, fields: tuple[str, ...]) -> list[str] | None:
    if response is UNKNOWN:
        return None
    values = response.get(key) or {}
    return sorted(f for f in fields if str(values.get(f) or "").strip())
