"""Storage Gateway checks."""

from __future__ import annotations

from postureflow.checks.base import FAIL, PASS, check


@check(
    id="storagegateway_fileshare_encryption_enabled",
    title="Storage Gateway file share encrypts objects with a KMS key",
    severity="medium",
    resource_type="Other",
    reads=["storagegateway.file_shares"],
    risk="Objects written through the share are encrypted only with S3-managed keys, outside the controls and audit "
    "trail of a key you manage.",
    remediation="Turn on KMS encryption for the file share with a customer-managed key (storagegateway update-nfs-file-share / update-smb-file-share).",
)
def storagegateway_fileshare_encryption_enabled(shares):
    for share in shares:
        if share.get("kms_encrypted"):
            yield PASS(share, f"Storage Gateway file share {share.id} encrypts with KMS key {share.get('kms_key')}.")
        else:
            yield FAIL(share, f"Storage Gateway file share {share.id} does not encrypt with a KMS key.")


@check(
    id="storagegateway_gateway_fault_tolerant",
    title="Storage Gateway gateway is not hosted on a single EC2 instance",
    severity="medium",
    resource_type="Other",
    reads=["storagegateway.gateways"],
    risk="A gateway on one EC2 instance stops serving its shares and volumes when that instance or its zone fails.",
    remediation="Host the gateway on a hypervisor cluster with high availability (VMware HA) or a hardware appliance.",
)
def storagegateway_gateway_fault_tolerant(gateways):
    for gateway in gateways:
        environment = gateway.get("environment")
        if environment == "EC2":
            yield FAIL(gateway, f"Storage Gateway gateway {gateway.id} is hosted on EC2, a single point of failure.")
        else:
            yield PASS(gateway, f"Storage Gateway gateway {gateway.id} is hosted on {environment}.")
