"""IAM checks on policies granting a whole sensitive service (CloudTrail, KMS) or Marketplace
subscriptions on every resource.

"Full access" to a service is an Allow reaching every one of its actions
(``svc:*``, ``*`` or a NotAction sparing the service) on every resource (``*``,
``arn:*`` or a NotResource), not taken back by an unconditional Deny of the
service on every resource (:func:`postureflow.policy.full_service_access`). An
Allow under a condition still counts: the condition holds for some requests.

Customer-managed policies are judged when attached; unattached ones too when
unused resources are scanned (``scan_unused_services``, Prowler's
``--scan-unused-services``). Inline policies are always in use. A document that
is not a valid policy gives no verdict.
"""

from __future__ import annotations

from postureflow import policy
from postureflow.checks.base import FAIL, PASS, check
from postureflow.checks.iam_common import customer_policies_in_scope, inline_label, unjudgeable

MARKETPLACE_SUBSCRIBE = "aws-marketplace:Subscribe"


def _full_access_result(resource, label: str, service: str, name: str):
    if (gap := unjudgeable(resource, label)) is not None:
        return gap
    if policy.full_service_access(resource.get("document"), service):
        return FAIL(resource, f"{label} allows every {name} action ('{service}:*') on every resource.")
    return PASS(resource, f"{label} does not allow every {name} action on every resource.")


def _subscribe_result(resource, label: str):
    if (gap := unjudgeable(resource, label)) is not None:
        return gap
    if policy.grants_everywhere(resource.get("document"), MARKETPLACE_SUBSCRIBE):
        return FAIL(resource, f"{label} allows {MARKETPLACE_SUBSCRIBE} on every resource.")
    return PASS(resource, f"{label} does not allow {MARKETPLACE_SUBSCRIBE} on every resource.")


_CLOUDTRAIL_RISK = (
    "Full CloudTrail access includes stopping and deleting trails, which lets an intruder erase the record of "
    "what they do."
)
_CLOUDTRAIL_REMEDY = "Grant only the CloudTrail actions needed (for example read-only ones) instead of 'cloudtrail:*'."
_KMS_RISK = (
    "Full KMS access includes changing key policies, disabling keys and scheduling their deletion: whoever holds "
    "it can lock the account out of its encrypted data or read data the keys protect."
)
_KMS_REMEDY = (
    "Grant the KMS actions each identity needs (for example kms:Decrypt) on the ARNs of the keys it uses, "
    "instead of 'kms:*' on '*'."
)
_SUBSCRIBE_RISK = (
    "Subscribing to Marketplace products commits the account to their charges and can bring unvetted "
    "software into it; allowed on every product, anyone holding the policy can do both."
)
_SUBSCRIBE_REMEDY = (
    "Remove aws-marketplace:Subscribe from general policies; grant it to procurement roles only, scoped to "
    "approved products (or through a Private Marketplace)."
)


def _inline_rule(check_id: str, severity: str, grant: str, risk: str, remediation: str, judge, *args) -> None:
    """Register the check of ``judge(policy, label, *args)`` on every inline policy."""

    @check(service="iam", id=check_id, title=f"Inline IAM policy does not {grant}", severity=severity,
           resource_type="AwsIamPolicy", reads=["iam.inline_policies"], risk=risk, remediation=remediation)  # fmt: skip
    def rule(inline_policies):
        for inline in inline_policies:
            yield judge(inline, inline_label(inline), *args)


def _customer_rule(check_id: str, severity: str, grant: str, risk: str, remediation: str, judge, *args) -> None:
    """Register the check of ``judge(policy, label, *args)`` on the customer-managed policies in scope."""

    @check(service="iam", id=check_id, title=f"Customer-managed IAM policy does not {grant}", severity=severity,
           resource_type="AwsIamPolicy", reads=["iam.policies"], config=["scan_unused_services"], risk=risk,
           remediation=remediation)  # fmt: skip
    def rule(policies, config):
        for managed in customer_policies_in_scope(policies, config):
            yield judge(managed, f"Customer-managed policy {managed.id}", *args)


_CLOUDTRAIL = ("grant 'cloudtrail:*'", _CLOUDTRAIL_RISK, _CLOUDTRAIL_REMEDY, _full_access_result, "cloudtrail",
               "CloudTrail")  # fmt: skip
_KMS = ("grant 'kms:*'", _KMS_RISK, _KMS_REMEDY, _full_access_result, "kms", "KMS")
_SUBSCRIBE = (f"allow '{MARKETPLACE_SUBSCRIBE}' on every resource", _SUBSCRIBE_RISK, _SUBSCRIBE_REMEDY,
              _subscribe_result)  # fmt: skip

# Prowler's ids and severities.
_inline_rule("iam_inline_policy_no_full_access_to_cloudtrail", "high", *_CLOUDTRAIL)
_customer_rule("iam_policy_no_full_access_to_cloudtrail", "medium", *_CLOUDTRAIL)
_inline_rule("iam_inline_policy_no_full_access_to_kms", "medium", *_KMS)
_customer_rule("iam_policy_no_full_access_to_kms", "medium", *_KMS)
_inline_rule("iam_inline_policy_no_wildcard_marketplace_subscribe", "medium", *_SUBSCRIBE)
_customer_rule("iam_policy_no_wildcard_marketplace_subscribe", "medium", *_SUBSCRIBE)
