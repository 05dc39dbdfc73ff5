"""KMS: every key's description; rotation status, tags and key policy for customer-managed
keys; for keys that serve Nitro Enclaves, what CloudTrail saw of enclaves using them.

API calls per region: kms:ListAliases, kms:ListKeys (paginated), kms:DescribeKey per key;
per customer-managed key kms:ListResourceTags and kms:GetKeyPolicy (and
kms:GetKeyRotationStatus when the key can rotate); per enclave key (tagged, described or
aliased as one, or with kms:RecipientAttestation conditions in its policy)
cloudtrail:LookupEvents filtered on the key's ARN, at most MAX_EVENT_PAGES pages.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from postureflow import policy as policy_language
from postureflow.collect.base import Outcome, RegionScope, collector

MAX_EVENT_PAGES = 20  # 50 events a page: the most recent 1,000 events per enclave key
ENCLAVE_KMS_EVENTS = {"Decrypt", "DeriveSharedSecret", "GenerateDataKey", "GenerateDataKeyPair", "GenerateRandom"}
# An enclave started with --debug-mode attests with these measurements (PCR0, PCR1, PCR2) all zero.
DEBUG_ZEROED_FIELDS = (
    "attestationDocumentEnclaveImageDigest",
    "attestationDocumentEnclavePCR1",
    "attestationDocumentEnclavePCR2",
)
ATTESTATION_PREFIX = "kms:recipientattestation:"


@collector("kms")
def collect_kms(scope: RegionScope) -> None:
    kms = scope.client("kms")
    # an alias/aws/... name marks an AWS managed key, so unread aliases leave a key's owner unknown
    aliases = scope.list(kms, "list_aliases", "Aliases").map(_aliases_by_key)
    keys = scope.list(kms, "list_keys", "Keys", kind="keys").value or []
    scope.each(keys, lambda k: _collect_key(scope, k, aliases.map(lambda by_key: by_key.get(k["KeyId"], []))))


def _aliases_by_key(listed: list[dict]) -> dict[str, list[str]]:
    by_key: dict[str, list[str]] = {}
    for alias in listed:
        if alias.get("TargetKeyId"):
            by_key.setdefault(alias["TargetKeyId"], []).append(alias["AliasName"])
    return {key: sorted(names) for key, names in by_key.items()}


def _collect_key(scope: RegionScope, listed: dict, aliases: Outcome) -> None:
    kms = scope.client("kms")
    key_id = listed["KeyId"]
    described = scope.fetch(kms, "describe_key", KeyId=key_id)
    if not described.ok:
        scope.add_unreadable("keys", described, uid=listed.get("KeyArn") or scope.arn("kms", f"key/{key_id}"), id=key_id)
        return
    meta = described.value["KeyMetadata"]
    customer = meta.get("KeyManager") == "CUSTOMER"
    rotation: Outcome | None = None
    tags: Outcome | list = []
    policy: Outcome | None = None
    if customer:
        if meta.get("KeyState") == "Enabled" and _rotation_possible(meta):
            rotation = scope.fetch(kms, "get_key_rotation_status", KeyId=key_id).map(
                lambda r: bool(r.get("KeyRotationEnabled"))
            )
        tags = scope.list(kms, "list_resource_tags", "Tags", token=("NextMarker", "Marker"), KeyId=key_id).map(
            lambda found: [{"Key": t["TagKey"], "Value": t["TagValue"]} for t in found]
        )
        if meta.get("KeyState") not in ("PendingDeletion", "PendingReplicaDeletion"):
            policy = scope.fetch(
                kms, "get_key_policy", absent=("NotFoundException", "KMSInvalidStateException"),
                KeyId=key_id, PolicyName="default",
            ).map(lambda r: r.get("Policy") or None)  # fmt: skip  (JSON text: checks parse it)
    arn = meta.get("Arn") or scope.arn("kms", f"key/{key_id}")
    known_tags = tags.or_else([]) if isinstance(tags, Outcome) else tags
    known_policy = policy.or_else(None) if policy is not None else None
    enclave = customer and _enclave_key(meta, aliases.or_else([]), known_tags, known_policy)
    scope.add(
        "keys",
        uid=arn,
        id=key_id,
        tags=tags,
        aliases=aliases,
        description=meta.get("Description") or "",
        manager=meta.get("KeyManager"),
        state=meta.get("KeyState"),
        deletion_date=meta.get("DeletionDate"),
        spec=meta.get("KeySpec") or meta.get("CustomerMasterKeySpec"),
        usage=meta.get("KeyUsage"),
        origin=meta.get("Origin"),
        multi_region=bool(meta.get("MultiRegion")),
        # None where automatic rotation does not apply (not enabled, asymmetric, imported)
        rotation_enabled=rotation,
        policy=policy,
        enclave_key=enclave,
        enclave_calls=_enclave_calls(scope, arn) if enclave and meta.get("KeyState") == "Enabled" else None,
    )


def _rotation_possible(meta: dict) -> bool:
    """Automatic rotation exists only for symmetric keys whose material KMS generated."""
    spec = meta.get("KeySpec") or meta.get("CustomerMasterKeySpec")
    return spec == "SYMMETRIC_DEFAULT" and meta.get("Origin", "AWS_KMS") == "AWS_KMS"


def _enclave_key(meta: dict, aliases: list[str], tags: list[dict], policy: str | None) -> bool:
    """A key for Nitro Enclave workloads: named so (description, alias, tag) or bound to attestation."""
    words = [meta.get("Description") or "", *aliases, *(t["Key"] for t in tags), *(t["Value"] for t in tags)]
    if any("enclave" in word.lower() for word in words):
        return True
    for statement in policy_language.statements(policy):
        condition = statement.get("Condition")
        for block in (condition or {}).values() if isinstance(condition, dict) else ():
            if isinstance(block, dict) and any(str(k).lower().startswith(ATTESTATION_PREFIX) for k in block):
                return True
    return False


def _enclave_calls(scope: RegionScope, key_arn: str) -> Outcome:
    """What CloudTrail's event history holds of enclaves using the key: how many calls, which attested
    in debug mode, and whether the history was read to its end (at most MAX_EVENT_PAGES pages)."""
    cloudtrail = scope.client("cloudtrail")
    lookup = {"LookupAttributes": [{"AttributeKey": "ResourceName", "AttributeValue": key_arn}], "MaxResults": 50}
    observed, debug, complete = 0, [], False
    for _ in range(MAX_EVENT_PAGES):
        page = scope.fetch(cloudtrail, "lookup_events", **lookup)
        if not page.ok:
            return page
        for event in page.value.get("Events", []):
            call = _enclave_call(event)
            if call is not None:
                observed += 1
                if call.pop("debug"):
                    debug.append(call)
        if not page.value.get("NextToken"):
            complete = True
            break
        lookup["NextToken"] = page.value["NextToken"]
    debug.sort(key=lambda c: c["time"] or "")
    result = {"observed": observed, "debug_count": len(debug), "debug": debug[:5], "complete": complete}
    return Outcome("ok", result, "cloudtrail:lookup_events")


def _enclave_call(event: dict) -> dict | None:
    """A KMS call made from a Nitro Enclave (the request carried an attestation document), else None."""
    try:
        body = json.loads(event.get("CloudTrailEvent") or "")
    except ValueError:
        return None
    recipient = (body.get("additionalEventData") or {}).get("recipient") if isinstance(body, dict) else None
    module = (recipient or {}).get("attestationDocumentModuleId") if isinstance(recipient, dict) else None
    if body.get("eventName") not in ENCLAVE_KMS_EVENTS or not isinstance(module, str) or "-enc" not in module:
        return None
    return {
        "event": body.get("eventName"),
        "time": body.get("eventTime"),
        "instance": module.split("-enc", 1)[0],
        "debug": all(_all_zero(recipient.get(field)) for field in DEBUG_ZEROED_FIELDS),
    }


def _all_zero(value) -> bool:
    """A 48-byte PCR value, written as hex (nitro-cli) or base64 (CloudTrail), that is all zeros."""
    if not isinstance(value, str):
        return False
    if re.fullmatch(r"[0-9a-fA-F]{96}", value):
        raw = bytes.fromhex(value)
    else:
        try:
            raw = base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            return False
    return len(raw) == 48 and not any(raw)
