"""Secrets Manager: every secret's rotation settings, dates, encryption key and resource
policy. Never a secret's value: GetSecretValue is not called.

API calls per region: secretsmanager:ListSecrets (paginated) and
secretsmanager:GetResourcePolicy per secret.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

from postureflow.collect.base import RegionScope, collector

SECRET_THREADS = 8


@collector("secretsmanager")
def collect_secretsmanager(scope: RegionScope) -> None:
    client = scope.client("secretsmanager")
    secrets = list(scope.paginate(client, "list_secrets", "SecretList"))

    def policy_of(secret: dict):
        answer = scope.call(
            client, "get_resource_policy", absent=("ResourceNotFoundException",), SecretId=secret["ARN"]
        )
        return _json((answer or {}).get("ResourcePolicy")), answer is not None

    with ThreadPoolExecutor(max_workers=SECRET_THREADS) as pool:
        policies = list(pool.map(policy_of, secrets))
    for secret, (policy, policy_read) in zip(secrets, policies):
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
            policy=policy,
            policy_read=policy_read,
        )


def _json(text: str | None) -> dict | None:
    try:
        return json.loads(text) if text else None
    except ValueError:
        return None
