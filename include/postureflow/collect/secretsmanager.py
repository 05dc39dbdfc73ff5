"""Secrets Manager: every secret's rotation settings, dates, encryption key and resource
policy. Never a secret's value: GetSecretValue is not called.

API calls per region: secretsmanager:ListSecrets (paginated) and
secretsmanager:GetResourcePolicy per secret.
"""

from __future__ import annotations

from postureflow.collect.base import RegionScope, collector

NO_SECRET = ("ResourceNotFoundException",)


@collector("secretsmanager")
def collect_secretsmanager(scope: RegionScope) -> None:
    client = scope.client("secretsmanager")
    secrets = scope.list(client, "list_secrets", "SecretList", kind="secrets").value or []
    scope.each(secrets, lambda secret: _collect_secret(scope, client, secret))


def _collect_secret(scope: RegionScope, client, secret: dict) -> None:
    policy = scope.fetch(client, "get_resource_policy", absent=NO_SECRET, SecretId=secret["ARN"])
    scope.add(
        "secrets",
        uid=secret["ARN"],
        id=secret["Name"],
        tags=secret.get("Tags"),
        rotation_enabled=bool(secret.get("RotationEnabled")),
        rotation_days=(secret.get("RotationRules") or {}).get("AutomaticallyAfterDays"),
        rotation_lambda=secret.get("RotationLambdaARN"),
        last_rotated=secret.get("LastRotatedDate"),
        last_accessed=secret.get("LastAccessedDate"),
        created=secret.get("CreatedDate"),
        kms_key_id=secret.get("KmsKeyId"),
        owning_service=secret.get("OwningService"),
        # None when the secret has no resource policy; unread (no verdict) when it could not be read
        # (the JSON text as AWS returns it: checks read it with postureflow.policy)
        policy=policy.map(lambda r: r.get("ResourcePolicy") or None),
    )

