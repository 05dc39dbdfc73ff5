"""KMS checks: rotation, deletion, public key policies, and keys used by Nitro Enclaves."""

from __future__ import annotations

import re

from postureflow import policy as _policy
from postureflow.checks._in_use import SCAN_UNUSED, judged
from postureflow.checks.base import FAIL, MANUAL, PASS, check, no_verdict
from postureflow.policy import as_list as _as_list, statements

# A policy AWS returned that is not a JSON policy document: judged by no one (never PASS).
UNPARSEABLE = "its policy (not a JSON policy document)"


def _name(key) -> str:
    # a name is not a verdict: unread aliases only shorten it (``data`` reads note nothing)
    aliases = key.data.get("aliases") or []
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
    for key in _customer_keys(keys):
        if key.get("rotation_enabled") is None and key.readable("rotation_enabled"):
            continue  # automatic rotation does not apply (an unread status gives no verdict)
        if key.get("rotation_enabled"):
            yield PASS(key, f"KMS key {_name(key)} has automatic rotation enabled.")
        else:
            yield FAIL(key, f"KMS key {_name(key)} does not have automatic rotation enabled.")


def _customer_keys(keys, enabled_only: bool = True):
    for key in keys:
        if not key.readable("manager"):
            yield key  # not described: judged, and so given no verdict
        elif _aws_managed_alias(key):
            continue  # only AWS may create alias/aws/... names (KMS docs): an AWS managed key, whatever else says
        elif key.get("manager") == "CUSTOMER" and (not enabled_only or key.get("state") == "Enabled"):
            yield key


def _aws_managed_alias(key) -> bool:
    return any(str(alias).startswith("alias/aws/") for alias in key.get("aliases") or [])


@check(
    id="kms_cmk_not_deleted_unintentionally",
    title="KMS customer managed key is not scheduled for deletion",
    severity="critical",
    resource_type="AwsKmsKey",
    reads=["kms.keys"],
    config=[SCAN_UNUSED],
    risk="Once a key is deleted, everything encrypted under it can never be decrypted again.",
    remediation="If the deletion was not intended, cancel it (kms cancel-key-deletion) and re-enable the key.",
)
def kms_cmk_not_deleted_unintentionally(keys, config):
    for key in _customer_keys(keys, enabled_only=False):
        if not judged(config, key.get("state") != "Disabled"):
            continue  # like Prowler, a disabled key is unused unless unused resources are scanned
        if key.get("state") in ("PendingDeletion", "PendingReplicaDeletion"):
            when = key.get("deletion_date")
            yield FAIL(key, f"KMS key {_name(key)} is scheduled for deletion" + (f" on {when[:10]}." if when else "."))
        else:
            yield PASS(key, f"KMS key {_name(key)} is not scheduled for deletion.")


@check(
    id="kms_key_not_publicly_accessible",
    title="KMS key policy does not let everyone use the key",
    severity="critical",
    resource_type="AwsKmsKey",
    reads=["kms.keys"],
    risk="A key policy open to '*' lets any AWS account use the key, and so read what it protects, unless a "
    "condition limits the callers.",
    remediation="Name the account, roles or organization allowed to use the key in its policy, or add a "
    "condition such as kms:CallerAccount or aws:PrincipalOrgID to the statement open to '*'.",
)
def kms_key_not_publicly_accessible(keys):
    for key in _customer_keys(keys):
        if key.lacks("policy"):
            continue  # no policy read (pending deletion): nothing to judge; an unread one gives no verdict
        if not _policy.parseable(key.get("policy")):
            yield no_verdict(FAIL(key, ""), [UNPARSEABLE])
            continue
        open_to_all = _policy.public_statements(key.get("policy"))
        if open_to_all:
            sids = ", ".join(s.get("Sid") or "(no Sid)" for s in open_to_all)
            yield FAIL(key, f"KMS key {_name(key)} has policy statements open to everyone: {sids}.")
        else:
            yield PASS(key, f"KMS key {_name(key)} has no policy statement open to everyone.")


# -- keys used by Nitro Enclaves ------------------------------------------------------------------

ENCLAVE_SENSITIVE_ACTIONS = (
    "kms:Decrypt",
    "kms:DeriveSharedSecret",
    "kms:GenerateDataKey",
    "kms:GenerateDataKeyPair",
    "kms:GenerateRandom",
)
_ATTESTATION = "kms:recipientattestation:"
_ATTESTATION_OPERATOR = re.compile(
    r"^(ForAnyValue:|ForAllValues:)?(StringEquals|StringEqualsIgnoreCase|StringLike)$", re.IGNORECASE
)
_UNATTESTED_OPERATOR = re.compile(r"^StringNotEquals(IgnoreCase)?IfExists$", re.I)


def _sensitive_actions(statement: dict) -> set[str]:
    return {action for action in ENCLAVE_SENSITIVE_ACTIONS if _policy.grants(statement, action)}


def _null_blocks(condition: dict, value: str) -> set[str]:
    """Condition keys under a Null test whose every value is ``value`` ("true": absent, "false": present)."""
    return {
        str(key).lower()
        for operator, block in condition.items()
        if str(operator).lower() == "null" and isinstance(block, dict)
        for key, values in block.items()
        if _as_list(values) and all(str(v).strip().lower() == value for v in _as_list(values))
    }


def _requires_attestation(statement: dict) -> bool:
    """The statement only applies to requests bearing an attestation document with pinned measurements."""
    condition = statement.get("Condition") if isinstance(statement.get("Condition"), dict) else {}
    present = _null_blocks(condition, "false")
    for operator, block in condition.items():
        if not isinstance(block, dict) or not _ATTESTATION_OPERATOR.match(str(operator)):
            continue
        for key, values in block.items():
            key, values = str(key).lower(), _as_list(values)
            if not key.startswith(_ATTESTATION) or not values:
                continue
            if any(not isinstance(v, str) or "*" in v or "?" in v for v in values):
                continue  # a wildcard measurement accepts any enclave image
            if str(operator).lower().startswith("forallvalues:") and key not in present:
                continue  # true when the request carries no attestation at all
            return True
    return False


def _denies_unattested(statement: dict, actions: set[str]) -> bool:
    """A Deny to everyone, covering ``actions``, that fires whenever the request carries no attestation."""
    if statement.get("Effect") != "Deny" or _policy.ANYONE not in _policy.aws_principals(statement):
        return False
    if not all(_policy.grants(statement, action) for action in actions):
        return False
    condition = statement.get("Condition")
    if not condition:
        return True
    if not isinstance(condition, dict):
        return False
    if any(key.startswith(_ATTESTATION) for key in _null_blocks(condition, "true")):
        return True
    return any(
        _UNATTESTED_OPERATOR.match(str(operator)) and isinstance(block, dict)
        and any(str(key).lower().startswith(_ATTESTATION) for key in block)
        for operator, block in condition.items()
    )


def _unattested_grants(policy: dict) -> list[dict]:
    return [
        s
        for s in statements(policy)
        if s.get("Effect") == "Allow" and _sensitive_actions(s) and not _requires_attestation(s)
    ]


def _sids(found: list[dict]) -> str:
    return ", ".join(s.get("Sid") or "(no Sid)" for s in found[:5])


def _enclave_keys(keys):
    for key in _customer_keys(keys):
        if key.get("enclave_key") and not key.lacks("policy"):
            yield key


@check(
    id="kms_key_enclave_attestation_not_enforced",
    title="KMS enclave key requires attestation on every statement granting decryption or key generation",
    severity="high",
    resource_type="AwsKmsKey",
    reads=["kms.keys"],
    risk="A statement granting kms:Decrypt or data-key generation without kms:RecipientAttestation conditions "
    "hands the enclave's secrets to code running outside the attested enclave.",
    remediation="Add kms:RecipientAttestation:ImageSha384 (or PCR) conditions to every Allow statement that "
    "grants Decrypt, GenerateDataKey*, DeriveSharedSecret or GenerateRandom on the key.",
)
def kms_key_enclave_attestation_not_enforced(keys):
    for key in _enclave_keys(keys):
        if not _policy.parseable(key.get("policy")):
            yield no_verdict(FAIL(key, ""), [UNPARSEABLE])
            continue
        unattested = _unattested_grants(key["policy"])
        if unattested:
            yield FAIL(key, f"KMS enclave key {_name(key)} grants sensitive actions without attestation conditions "
                       f"in statements {_sids(unattested)}.")
        else:
            yield PASS(key, f"KMS enclave key {_name(key)} requires attestation on every sensitive grant.")


@check(
    id="kms_key_enclave_attestation_bypassable_path",
    title="KMS enclave key has no way to decrypt without attestation",
    severity="high",
    resource_type="AwsKmsKey",
    reads=["kms.keys"],
    risk="If any grant of decryption skips attestation and no Deny closes it, the enclave's protection can be "
    "bypassed by any principal that statement covers.",
    remediation="Condition every sensitive Allow on kms:RecipientAttestation, or add a Deny for all principals "
    "that applies when the kms:RecipientAttestation keys are absent (Null: true).",
)
def kms_key_enclave_attestation_bypassable_path(keys):
    for key in _enclave_keys(keys):
        policy = key["policy"]
        if not _policy.parseable(policy):
            yield no_verdict(FAIL(key, ""), [UNPARSEABLE])
            continue
        open_paths = [
            s
            for s in _unattested_grants(policy)
            if not any(_denies_unattested(d, _sensitive_actions(s)) for d in statements(policy))
        ]
        if open_paths:
            yield FAIL(key, f"KMS enclave key {_name(key)} can be used without attestation through statements "
                       f"{_sids(open_paths)}.")
        else:
            yield PASS(key, f"KMS enclave key {_name(key)} cannot be used for sensitive actions without attestation.")


@check(
    id="kms_key_enclave_debug_attestation_detected",
    title="No Nitro Enclave in debug mode has used the KMS key",
    severity="high",
    resource_type="AwsKmsKey",
    reads=["kms.keys"],
    risk="An enclave in debug mode attests with zeroed measurements and exposes its memory and console to the "
    "host, so secrets it decrypts are no longer isolated.",
    remediation="Stop the debug-mode enclave, rotate what it decrypted, and pin the key policy to the production "
    "image's measurements (kms:RecipientAttestation:ImageSha384).",
)
def kms_key_enclave_debug_attestation_detected(keys):
    for key in _customer_keys(keys):
        calls = key.get("enclave_calls") or {}
        if not calls.get("observed") and key.readable("enclave_calls"):
            continue  # no enclave has used the key in CloudTrail's event history: nothing to judge
        if calls.get("debug_count"):
            first = calls["debug"][0]
            yield FAIL(key, f"KMS key {_name(key)} served {calls['debug_count']} calls from debug-mode enclaves, "
                       f"the first a {first['event']} from instance {first['instance']} at {first['time']}.")
        elif calls.get("complete"):
            yield PASS(key, f"KMS key {_name(key)} served {calls['observed']} enclave calls, none in debug mode.")
        else:
            yield MANUAL(key, f"KMS key {_name(key)} served {calls.get('observed', 0)} enclave calls without debug mode in "
                         "the most recent events read; older events were not read.")


# -- checks added for issue 12 --------------------------------------------------------------------------


@check(
    id="kms_cmk_are_used",
    title="KMS customer managed key is enabled or on its way to deletion",
    severity="low",
    resource_type="AwsKmsKey",
    reads=["kms.keys"],
    risk="A disabled key nobody uses still costs money and keeps old data decryptable by whoever re-enables it.",
    remediation="Re-enable the key if it is needed; otherwise schedule its deletion after checking nothing "
    "encrypted under it is still needed.",
)
def kms_cmk_are_used(keys):
    for key in _customer_keys(keys, enabled_only=False):
        state = key.get("state")
        if state == "Enabled":
            yield PASS(key, f"KMS key {_name(key)} is enabled.")
        elif state in ("PendingDeletion", "PendingReplicaDeletion"):
            yield PASS(key, f"KMS key {_name(key)} is not used and is scheduled for deletion.")
        else:
            yield FAIL(key, f"KMS key {_name(key)} is {state} and not scheduled for deletion.")


@check(
    id="kms_cmk_not_multi_region",
    title="KMS customer managed key is a single-Region key",
    severity="medium",
    resource_type="AwsKmsKey",
    reads=["kms.keys"],
    risk="A multi-Region key's material is shared with its replicas: whoever may use a replica in another Region "
    "can decrypt data encrypted here.",
    remediation="Use single-Region keys unless data must be decrypted in several Regions; re-encrypt under a "
    "single-Region key and retire the multi-Region one.",
)
def kms_cmk_not_multi_region(keys):
    for key in _customer_keys(keys):
        if key.get("multi_region"):
            yield FAIL(key, f"KMS key {_name(key)} is a multi-Region key.")
        else:
            yield PASS(key, f"KMS key {_name(key)} is a single-Region key.")


# Deployment context, per the Nitro Enclaves documentation: PCR3 (the parent instance's IAM role), PCR4 (the
# parent instance id) or PCR8 (the enclave image's signing certificate). PCR0-2 identify the image, which
# can be copied and run anywhere.
_DEPLOYMENT_PCRS = {f"{_ATTESTATION}pcr3", f"{_ATTESTATION}pcr4", f"{_ATTESTATION}pcr8"}
_ACCOUNT_KEYS = {"aws:principalaccount", "aws:sourceaccount", "aws:principalorgid", "aws:resourceaccount",
                 "aws:principalorgpaths"}  # fmt: skip
_EXACT_OPERATOR = re.compile(r"^(StringEquals|StringEqualsIgnoreCase|ArnEquals)$", re.IGNORECASE)


def _binds_deployment(statement: dict) -> bool:
    """A pinned PCR3/PCR4/PCR8 measurement, or an exact account/organization condition, next to the attestation."""
    for operator, block in (statement.get("Condition") or {}).items():
        if not isinstance(block, dict):
            continue
        for key, values in block.items():
            key, values = str(key).lower(), _as_list(values)
            pinned = bool(values) and not any(not isinstance(v, str) or "*" in v or "?" in v for v in values)
            if not pinned:
                continue
            if key in _DEPLOYMENT_PCRS and _ATTESTATION_OPERATOR.match(str(operator)):
                return True
            if key in _ACCOUNT_KEYS and _EXACT_OPERATOR.match(str(operator)):
                return True
    return False


@check(
    id="kms_key_enclave_attestation_no_deployment_binding",
    title="KMS enclave key binds its attestation conditions to a deployment",
    severity="informational",
    resource_type="AwsKmsKey",
    reads=["kms.keys"],
    risk="Attestation pinned to the image measurements alone (PCR0-2) lets the same enclave image decrypt from "
    "any instance, role or account that runs it.",
    remediation="Add PCR3 (parent instance role), PCR4 (instance id) or PCR8 (signing certificate) conditions, or "
    "an exact aws:PrincipalAccount / aws:PrincipalOrgID condition, to each attested statement.",
)
def kms_key_enclave_attestation_no_deployment_binding(keys):
    # Keys whose sensitive grants carry no attestation at all are kms_key_enclave_attestation_not_enforced's
    # findings; with nothing attested there is nothing to judge here (Prowler reports MANUAL).
    for key in _enclave_keys(keys):
        if not _policy.parseable(key.get("policy")):
            yield no_verdict(FAIL(key, ""), [UNPARSEABLE])
            continue
        attested = [s for s in statements(key["policy"]) if s.get("Effect") == "Allow" and _sensitive_actions(s)
                    and _requires_attestation(s)]  # fmt: skip
        if not attested and key.readable("policy"):
            continue  # (an unread policy is judged, and so gives no verdict)
        unbound = [s for s in attested if not _binds_deployment(s)]
        if unbound:
            yield FAIL(key, f"KMS enclave key {_name(key)} attests only the image in statements {_sids(unbound)}: "
                       "any deployment of that image may use it.")  # fmt: skip
        else:
            yield PASS(key, f"KMS enclave key {_name(key)} binds every attested statement to a deployment.")


# A golden list of PCR measurements (Prowler's enclave_golden_pcr_values) is not part of Prowler 5.46's audit
# config, so postureflow has no configured list to compare with: like Prowler without one, these two checks
# report MANUAL on each enclave key, naming what a reviewer compares.


@check(
    id="kms_key_enclave_attestation_pcr_mismatch",
    title="KMS enclave key's attestation values match the approved enclave build",
    severity="medium",
    resource_type="AwsKmsKey",
    reads=["kms.keys"],
    risk="A key policy pinned to measurements of an old or unapproved build lets that build decrypt, and "
    "refuses the approved one.",
    remediation="Compare the kms:RecipientAttestation values in the key policy with the PCRs nitro-cli reports "
    "for the approved enclave image, and update the policy.",
)
def kms_key_enclave_attestation_pcr_mismatch(keys):
    for key in _enclave_keys(keys):
        if not _policy.parseable(key.get("policy")):
            yield no_verdict(FAIL(key, ""), [UNPARSEABLE])
            continue
        pinned = sorted({str(k) for s in statements(key["policy"]) for block in (s.get("Condition") or {}).values()
                         if isinstance(block, dict) for k in block if str(k).lower().startswith(_ATTESTATION)})  # fmt: skip
        yield MANUAL(key, f"KMS enclave key {_name(key)}: compare its attestation conditions "
                     f"({', '.join(pinned) or 'none'}) with the approved build's measurements (no golden list "
                     "is configured).")  # fmt: skip


@check(
    id="kms_key_enclave_attestation_unknown_image",
    title="Only approved enclave images have used the KMS key",
    severity="medium",
    resource_type="AwsKmsKey",
    reads=["kms.keys"],
    risk="An enclave image outside the approved builds that decrypts with the key may exfiltrate what it reads.",
    remediation="Review the attestation documents of the key's CloudTrail events against the approved builds' "
    "PCR values, and pin the key policy to them.",
)
def kms_key_enclave_attestation_unknown_image(keys):
    for key in _enclave_keys(keys):
        calls = key.get("enclave_calls") or {}
        if not calls.get("observed") and key.readable("enclave_calls"):
            continue  # no enclave has used the key in CloudTrail's event history
        yield MANUAL(key, f"KMS enclave key {_name(key)} served {calls.get('observed', 0)} enclave calls: compare "
                     "their attested images with the approved builds (no golden list is configured).")  # fmt: skip
