"""SSM checks: documents and managed instances' patch compliance."""

from __future__ import annotations

from postureflow.checks.base import FAIL, PASS, check
from postureflow.secrets import describe_hits

PUBLIC = "all"  # the account id SSM uses for "shared with everyone"


@check(
    id="ssm_documents_set_as_public",
    title="SSM document is not shared publicly",
    severity="high",
    resource_type="AwsSsmPatchCompliance",  # as Prowler files it
    reads=["ssm.documents"],
    risk="A public document can be read and run by any AWS account, exposing the scripts, parameters and "
    "internal details it contains.",
    remediation="Stop sharing the document publicly (ModifyDocumentPermission, remove 'all'); share it with "
    "named accounts only, and turn on the account-level block of public document sharing.",
)
def ssm_documents_set_as_public(documents):
    for document in documents:
        shared = document.get("shared_with") or []
        if any(account.lower() == PUBLIC for account in shared):  # AWS answers "All"
            yield FAIL(document, f"SSM document {document.id} is shared publicly.")
        elif shared:
            yield PASS(document, f"SSM document {document.id} is not public; it is shared with {', '.join(shared)}.")
        else:
            yield PASS(document, f"SSM document {document.id} is not shared.")


@check(
    id="ssm_document_secrets",
    title="SSM document contains no secrets",
    severity="high",
    resource_type="AwsSsmPatchCompliance",  # as Prowler files it
    reads=["ssm.documents"],
    risk="Credentials written into a document's commands or parameter defaults can be read by anyone who "
    "can read the document, and they end up in command histories and logs.",
    remediation="Move the secrets to Secrets Manager or SecureString parameters and reference them from the "
    "document ({{resolve:...}} or {{ssm-secure:...}}), then rotate the exposed ones.",
)
def ssm_document_secrets(documents):
    for document in documents:
        hits = document.get("secret_hits") or []
        if hits:
            yield FAIL(document, f"SSM document {document.id} has secret-looking content at {describe_hits(hits)}.")
        else:
            yield PASS(document, f"SSM document {document.id} has no secret-looking content.")


@check(
    id="ssm_managed_compliant_patching",
    title="SSM managed instance is compliant with its patch baseline",
    severity="high",
    resource_type="AwsSsmPatchCompliance",
    reads=["ssm.patch_compliance"],
    risk="Missing patches leave known, often publicly exploited, vulnerabilities open on the instance.",
    remediation="Install the missing patches (Patch Manager 'Install' operation or a maintenance window), "
    "then rescan.",
)
def ssm_managed_compliant_patching(patch_compliance):
    for item in patch_compliance:
        if item.get("status") == "COMPLIANT":
            yield PASS(item, f"Managed instance {item.id} is compliant with its patch baseline.")
        else:
            missing = item.get("non_compliant_count") or 0
            yield FAIL(
                item,
                f"Managed instance {item.id} is not compliant with its patch baseline "
                f"({missing} missing or failed patch(es), severity {item.get('overall_severity') or 'unknown'}).",
            )
