"""KMS: every key's description; rotation status and tags for customer-managed keys."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from postureflow.collect.base import RegionScope, collector

KEY_THREADS = 8


@collector("kms")
def collect_kms(scope: RegionScope) -> None:
    kms = scope.client("kms")
    aliases: dict[str, list[str]] = {}
    for alias in scope.paginate(kms, "list_aliases", "Aliases"):
        if alias.get("TargetKeyId"):
            aliases.setdefault(alias["TargetKeyId"], []).append(alias["AliasName"])
    keys = list(scope.paginate(kms, "list_keys", "Keys"))
    with ThreadPoolExecutor(max_workers=KEY_THREADS) as pool:
        list(pool.map(lambda k: _collect_key(scope, k["KeyId"], aliases.get(k["KeyId"], [])), keys))


def _collect_key(scope: RegionScope, key_id: str, aliases: list[str]) -> None:
    kms = scope.client("kms")
    described = scope.call(kms, "describe_key", KeyId=key_id)
    if described is None:
        return
    meta = described["KeyMetadata"]
    customer = meta.get("KeyManager") == "CUSTOMER"
    rotation = None
    tags: list[dict] = []
    if customer:
        if meta.get("KeyState") == "Enabled" and _rotation_possible(meta):
            status = scope.call(kms, "get_key_rotation_status", KeyId=key_id)
            if status is not None:
                rotation = bool(status.get("KeyRotationEnabled"))
        tags = [
            {"Key": t["TagKey"], "Value": t["TagValue"]}
            for t in scope.paginate(kms, "list_resource_tags", "Tags", KeyId=key_id)
        ]
    scope.add(
        "keys",
        uid=meta.get("Arn") or scope.arn("kms", f"key/{key_id}"),
        id=key_id,
        tags=tags,
        aliases=sorted(aliases),
        manager=meta.get("KeyManager"),
        state=meta.get("KeyState"),
        spec=meta.get("KeySpec") or meta.get("CustomerMasterKeySpec"),
        origin=meta.get("Origin"),
        rotation_enabled=rotation,
    )


def _rotation_possible(meta: dict) -> bool:
    """Automatic rotation exists only for symmetric keys whose material KMS generated."""
    spec = meta.get("KeySpec") or meta.get("CustomerMasterKeySpec")
    return spec == "SYMMETRIC_DEFAULT" and meta.get("Origin", "AWS_KMS") == "AWS_KMS"
