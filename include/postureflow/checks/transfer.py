"""Transfer Family checks: encryption in transit and the server's security policy."""

from __future__ import annotations

from postureflow.checks.base import FAIL, PASS, check


@check(
    id="transfer_server_in_transit_encryption_enabled",
    title="Transfer Family server does not offer plain FTP",
    severity="high",
    resource_type="Other",
    reads=["transfer.servers"],
    risk="FTP sends user names, passwords and files in the clear, readable by anyone on the network path.",
    remediation="Remove FTP from the server's protocols and have clients use SFTP or FTPS.",
)
def transfer_server_in_transit_encryption_enabled(servers):
    for server in servers:
        protocols = server.get("protocols") or []
        if "FTP" in protocols:
            yield FAIL(server, f"Transfer Family server {server.id} offers unencrypted FTP ({', '.join(protocols)}).")
        else:
            yield PASS(server, f"Transfer Family server {server.id} offers only encrypted protocols ({', '.join(protocols)}).")


@check(
    id="transfer_server_fips_security_policy_enabled",
    title="Transfer Family server uses a FIPS security policy",
    severity="low",
    resource_type="AwsTransferServer",
    reads=["transfer.servers"],
    risk="A non-FIPS policy allows cryptographic algorithms that FIPS 140 validated workloads must not use.",
    remediation="Set a TransferSecurityPolicy-FIPS-* security policy on the server (transfer update-server).",
)
def transfer_server_fips_security_policy_enabled(servers):
    for server in servers:
        policy = server.get("security_policy") or "<none>"
        if "-FIPS-" in policy:
            yield PASS(server, f"Transfer Family server {server.id} uses FIPS security policy {policy}.")
        else:
            yield FAIL(server, f"Transfer Family server {server.id} uses security policy {policy}, which is not FIPS.")


@check(
    id="transfer_server_pqc_ssh_kex_enabled",
    title="Transfer Family server offers post-quantum hybrid SSH key exchange",
    severity="low",
    resource_type="AwsTransferServer",
    reads=["transfer.servers"],
    config=["transfer_pqc_ssh_allowed_policies"],
    risk="SSH sessions recorded today can be decrypted later once large quantum computers exist, unless the key "
    "exchange is post-quantum hybrid.",
    remediation="Set one of the security policies that enable hybrid post-quantum key exchange "
    "(audit config transfer_pqc_ssh_allowed_policies).",
)
def transfer_server_pqc_ssh_kex_enabled(servers, config):
    allowed = set(config["transfer_pqc_ssh_allowed_policies"] or [])
    for server in servers:
        policy = server.get("security_policy") or "<none>"
        if policy in allowed:
            yield PASS(server, f"Transfer Family server {server.id} uses post-quantum security policy {policy}.")
        else:
            yield FAIL(server, f"Transfer Family server {server.id} uses security policy {policy}, without "
                               "post-quantum hybrid SSH key exchange.")  # fmt: skip
