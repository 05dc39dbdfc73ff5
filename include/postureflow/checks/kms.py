"""KMS checks."""

from __future__ import annotations

from postureflow.checks.base import FAIL, PASS, check


def _name(key) -> str:
    aliases = key.get("aliases") or []
    return f"{key.id} ({', '.join(aliases)})" if aliases else key.id


@check(
    id="kms_cmk_rotation_enabled",
    title="KMS customer managed symmetric key rotates automatically",
    severity="high",
    resource_type="AwsKmsKey",
    reads=["kms.keys"],
    risk="Key material that is never rotated protects more data for longer, so one exposure of it reaches further.",
    remediation="Enable automatic key rotation on the key (kms enable-key-rotation).",
)
def kms_cmk_rotation_enabled(keys):
    # Only enabled, customer managed, symmetric keys with KMS-generated material can rotate automatically;
    # rotation_enabled is None for everything else, and for keys whose status could not be read.
    for key in keys:
        if key.get("manager") != "CUSTOMER" or key.get("state") != "Enabled":
            continue
        if key.get("rotation_enabled") is None:
            continue
        if key.get("rotation_enabled"):
            yield PASS(key, f"KMS key {_name(key)} has automatic rotation enabled.")
        else:
            yield FAIL(key, f"KMS key {_name(key)} does not have automatic rotation enabled.")
