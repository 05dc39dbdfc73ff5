"""Transfer Family: servers with their protocols and security policy.

Calls per region: ListServers and DescribeServer once per server.
"""

from __future__ import annotations

from postureflow.collect.base import RegionScope, collector


@collector("transfer")
def collect_transfer(scope: RegionScope) -> None:
    transfer = scope.client("transfer")
    servers = scope.list(transfer, "list_servers", "Servers", kind="servers")
    scope.each(servers.value or [], lambda listed: _collect_server(scope, transfer, listed))


def _collect_server(scope: RegionScope, transfer, listed: dict) -> None:
    server_id = listed["ServerId"]
    uid = listed.get("Arn") or scope.arn("transfer", f"server/{server_id}")
    answer = scope.fetch(transfer, "describe_server", absent=("ResourceNotFoundException",), ServerId=server_id)
    if answer.state == "absent":
        return  # deleted since the listing
    if not answer.ok:
        scope.add_unreadable("servers", answer, uid=uid, id=server_id)
        return
    server = answer.value.get("Server") or {}
    scope.add(
        "servers",
        uid=uid,
        id=server_id,
        tags=server.get("Tags"),
        protocols=server.get("Protocols") or ["SFTP"],  # AWS's default when none is set
        security_policy=server.get("SecurityPolicyName") or "",
    )
