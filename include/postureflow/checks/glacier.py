"""S3 Glacier checks."""

from __future__ import annotations

from postureflow import policy as _policy
from postureflow.checks.base import FAIL, PASS, check, no_verdict

# A policy AWS returned that is not a JSON policy document: judged by no one (never PASS).
UNPARSEABLE = "its policy (not a JSON policy document)"


@check(
    id="glacier_vaults_policy_public_access",
    title="S3 Glacier vault policy does not let everyone in",
    severity="critical",
    resource_type="Other",
    reads=["glacier.vaults"],
    risk="A vault policy open to everyone lets anyone retrieve the archived data, or delete archives that are "
    "meant to be kept for years.",
    remediation="Remove or narrow the statements for Principal \"*\" in the vault access policy "
    "(glacier set-vault-access-policy), naming the accounts or roles that need access.",
)
def glacier_vaults_policy_public_access(vaults):
    # A policy that could not be read is an unread field: the evaluation turns the verdict into no verdict.
    for vault in vaults:
        if not _policy.parseable(vault.get("policy")):
            yield no_verdict(FAIL(vault, ""), [UNPARSEABLE])
        elif not vault.get("policy"):
            yield PASS(vault, f"S3 Glacier vault {vault.id} has no access policy.")
        elif actions := _policy.public_actions(vault["policy"]):
            yield FAIL(vault, f"S3 Glacier vault {vault.id} policy lets everyone use {', '.join(actions)}.")
        else:
            yield PASS(vault, f"S3 Glacier vault {vault.id} policy does not let everyone in.")
