"""S3 Glacier: vaults and their access policies, per region.

``ListVaults`` once per region (paginated), then ``GetVaultAccessPolicy`` once
per vault (a vault without a policy answers ResourceNotFoundException).
"""

from __future__ import annotations

from postureflow.collect.base import RegionScope, collector

NO_POLICY = ("ResourceNotFoundException",)


@collector("glacier")
def collect_glacier(scope: RegionScope) -> None:
    glacier = scope.client("glacier")
    vaults = scope.list(glacier, "list_vaults", "VaultList", kind="vaults", accountId="-")
    scope.each(vaults.value or [], lambda vault: _collect_vault(scope, glacier, vault))


def _collect_vault(scope: RegionScope, glacier, vault: dict) -> None:
    name = vault["VaultName"]
    policy = scope.fetch(glacier, "get_vault_access_policy", absent=NO_POLICY, accountId="-", vaultName=name)
    scope.add(
        "vaults",
        uid=vault.get("VaultARN") or scope.arn("glacier", f"vaults/{name}"),
        id=name,
        # The JSON text as AWS returns it (checks read it with postureflow.policy); None when the vault
        # has none; unread (no verdict) when it could not be read.
        policy=policy.map(lambda r: (r.get("policy") or {}).get("Policy") or None),
    )
