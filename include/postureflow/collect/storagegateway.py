"""Storage Gateway: gateways with their host environment, and file shares with their KMS encryption.

Calls per region: ListGateways and ListFileShares (both paginated); DescribeNFSFileShares and
DescribeSMBFileShares once per file share of that type.
"""

from __future__ import annotations

from postureflow.collect.base import RegionScope, collector

DESCRIBE = {"NFS": ("describe_nfs_file_shares", "NFSFileShareInfoList"), "SMB": ("describe_smb_file_shares", "SMBFileShareInfoList")}


@collector("storagegateway")
def collect_storagegateway(scope: RegionScope) -> None:
    client = scope.client("storagegateway")
    gateways = scope.list(client, "list_gateways", "Gateways", kind="gateways")
    for gateway in gateways.value or []:
        scope.add("gateways", uid=gateway["GatewayARN"], id=gateway.get("GatewayName") or gateway["GatewayId"],
                  environment=gateway.get("HostEnvironment"))  # fmt: skip
    shares = scope.list(client, "list_file_shares", "FileShareInfoList", kind="file_shares")
    scope.each(shares.value or [], lambda share: _collect_share(scope, client, share))


def _collect_share(scope: RegionScope, client, share: dict) -> None:
    arn = share["FileShareARN"]
    if share.get("FileShareType") not in DESCRIBE:
        return
    operation, key = DESCRIBE[share["FileShareType"]]
    answer = scope.fetch(client, operation, absent=("InvalidGatewayRequestException",), FileShareARNList=[arn])
    if answer.state == "absent":
        return  # deleted since the listing
    described = answer.map(lambda r: (r.get(key) or [{}])[0])
    scope.add(
        "file_shares",
        uid=arn,
        id=share.get("FileShareId") or arn.rsplit("/", 1)[-1],
        share_type=share.get("FileShareType"),
        kms_encrypted=described.map(lambda s: bool(s.get("KMSEncrypted"))),
        kms_key=described.map(lambda s: s.get("KMSKey")),
    )
