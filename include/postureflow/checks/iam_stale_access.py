"""IAM checks on permissions to AI services that their users and roles no longer use (Bedrock,
SageMaker), from IAM's service last-accessed report.

The report lists every service an identity's policies reach, with when the
identity last authenticated to it (none: never). An identity whose permissions
do not reach the service is not judged; an identity whose report could not be
read gives no verdict. Service-linked roles are not judged: AWS owns their
permissions.
"""

from __future__ import annotations

from postureflow.checks.base import FAIL, PASS, check
from postureflow.checks.iam_common import whole_days

# Prowler's built-in threshold (max_unused_bedrock_access_days is not a key of its config file,
# so there is nothing to override it with here).
BEDROCK_MAX_UNUSED_DAYS = 60


def _stale_access(identities, kind: str, namespace: str, name: str, max_days: int, now):
    for identity in identities:
        if identity.get("service_linked") or identity.lacks("services_last_accessed"):
            continue
        reach = identity.get("services_last_accessed")
        if reach is not None and namespace not in reach:
            continue  # its permissions do not reach the service
        last = (reach or {}).get(namespace)
        label = f"IAM {kind} {identity.id}"
        if last is None:
            yield FAIL(identity, f"{label} has {name} permissions but has never used them.")
            continue
        age = whole_days(last, now)
        if age > max_days:
            yield FAIL(identity, f"{label} has not used its {name} permissions for {age} days "
                       f"(more than {max_days}).")
        else:
            yield PASS(identity, f"{label} used its {name} permissions {age} days ago (at most {max_days}).")


def _stale_rule(check_id: str, kind: str, resource_type: str, namespace: str, name: str,
                config_key: str | None = None) -> None:  # fmt: skip
    """Register the check of one identity kind's permissions to one service (threshold: ``config_key``,
    or Bedrock's fixed one)."""

    @check(
        service="iam",
        id=check_id,
        title=f"IAM {kind} has used its {name} permissions recently",
        severity="medium",
        resource_type=resource_type,
        reads=[f"iam.{kind}s"],
        config=[config_key] if config_key else [],
        risk=f"Unused {name} permissions widen what a stolen credential can do (invoke models, read training "
        "data, run jobs billed to the account) without serving anyone.",
        remediation=f"Remove the {name} permissions the {kind} no longer uses (IAM Access Advisor shows when they "
        f"were last used), or delete the {kind} if it is not needed any more.",
    )
    def rule(identities, now, config):
        max_days = config[config_key] if config_key else BEDROCK_MAX_UNUSED_DAYS
        yield from _stale_access(identities, kind, namespace, name, max_days, now)


_stale_rule("iam_user_access_not_stale_to_bedrock", "user", "AwsIamUser", "bedrock", "Bedrock")
_stale_rule("iam_role_access_not_stale_to_bedrock", "role", "AwsIamRole", "bedrock", "Bedrock")
_stale_rule("iam_user_access_not_stale_to_sagemaker", "user", "AwsIamUser", "sagemaker", "SageMaker",
            "max_unused_sagemaker_access_days")  # fmt: skip
