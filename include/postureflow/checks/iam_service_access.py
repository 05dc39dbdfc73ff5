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


@check(
    service="iam",
    id="iam_inline_policy_no_full_access_to_cloudtrail",
    title="Inline IAM policy does not grant 'cloudtrail:*'",
    severity="high",
    resource_type="AwsIamPolicy",
    reads=["iam.inline_policies"],
    risk=_CLOUDTRAIL_RISK,
    remediation=_CLOUDTRAIL_REMEDY,
)
def iam_inline_policy_no_full_access_to_cloudtrail(inline_policies):
    for inline in inline_policies:
        yield _full_access_result(inline, inline_label(inline), "cloudtrail", "CloudTrail")


@check(
    service="iam",
    id="iam_policy_no_full_access_to_cloudtrail",
    title="Customer-managed IAM policy does not grant 'cloudtrail:*'",
    severity="medium",
    resource_type="AwsIamPolicy",
    reads=["iam.policies"],
    config=["scan_unused_services"],
    risk=_CLOUDTRAIL_RISK,
    remediation=_CLOUDTRAIL_REMEDY,
)
def iam_policy_no_full_access_to_cloudtrail(policies, config):
    for managed in customer_policies_in_scope(policies, config):
        yield _full_access_result(managed, f"Customer-managed policy {managed.id}", "cloudtrail", "CloudTrail")


@check(
    service="iam",
    id="iam_inline_policy_no_full_access_to_kms",
    title="Inline IAM policy does not grant 'kms:*'",
    severity="medium",
    resource_type="AwsIamPolicy",
    reads=["iam.inline_policies"],
    risk=_KMS_RISK,
    remediation=_KMS_REMEDY,
)
def iam_inline_policy_no_full_access_to_kms(inline_policies):
    for inline in inline_policies:
        yield _full_access_result(inline, inline_label(inline), "kms", "KMS")


@check(
    service="iam",
    id="iam_policy_no_full_access_to_kms",
    title="Customer-managed IAM policy does not grant 'kms:*'",
    severity="medium",
    resource_type="AwsIamPolicy",
    reads=["iam.policies"],
    config=["scan_unused_services"],
    risk=_KMS_RISK,
    remediation=_KMS_REMEDY,
)
def iam_policy_no_full_access_to_kms(policies, config):
    for managed in customer_policies_in_scope(policies, config):
        yield _full_access_result(managed, f"Customer-managed policy {managed.id}", "kms", "KMS")


@check(
    service="iam",
    id="iam_inline_policy_no_wildcard_marketplace_subscribe",
    title="Inline IAM policy does not allow 'aws-marketplace:Subscribe' on every resource",
    severity="medium",
    resource_type="AwsIamPolicy",
    reads=["iam.inline_policies"],
    risk=_SUBSCRIBE_RISK,
    remediation=_SUBSCRIBE_REMEDY,
)
def iam_inline_policy_no_wildcard_marketplace_subscribe(inline_policies):
    for inline in inline_policies:
        yield _subscribe_result(inline, inline_label(inline))


@check(
    service="iam",
    id="iam_policy_no_wildcard_marketplace_subscribe",
    title="Customer-managed IAM policy does not allow 'aws-marketplace:Subscribe' on every resource",
    severity="medium",
    resource_type="AwsIamPolicy",
    reads=["iam.policies"],
    config=["scan_unused_services"],
    risk=_SUBSCRIBE_RISK,
    remediation=_SUBSCRIBE_REMEDY,
)
def iam_policy_no_wildcard_marketplace_subscribe(policies, config):
    for managed in customer_policies_in_scope(policies, config):
        yield _subscribe_result(managed, f"Customer-managed policy {managed.id}")
