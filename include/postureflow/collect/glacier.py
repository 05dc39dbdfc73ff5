"""S3 Glacier: vaults and their access policies, per region.

``ListVaults`` once per region (paginated), then ``GetVaultAccessPolicy`` once
per vault (a vault without a policy answers ResourceNotFoundException).
"""

from __future__ import annotations

import json

from postureflow.collect.base import RegionScope, collector

NO_POLICY = ("ResourceNotFoundException",)


def _region_errors(scope: RegionScope) -> int:
    return sum(1 for e in list(scope.collection.errors) if e.region == scope.region)


@collector("glacier")
def collect_glacier(scope: RegionScope) -> None:
    glacier = scope.client("glacier")
    for vault in scope.paginate(glacier, "list_vaults", "VaultList", accountId="-"):
        name = vault["VaultName"]
        before = _region_errors(scope)
        response = scope.call(glacier, "get_vault_access_policy", absent=NO_POLICY, accountId="-", vaultName=name)
        policy = ((response or {}).get("policy") or {}).get("Policy")
        scope.add(
            "vaults",
            uid=vault.get("VaultARN") or scope.arn("glacier", f"vaults/{name}"),
            id=name,
            # False where the policy could not be read (a recorded error): the check leaves the vault unjudged.
            policy_read=_region_errors(scope) == before,
            policy=json.loads(policy) if policy else None,
        )
