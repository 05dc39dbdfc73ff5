"""EFS checks."""

from __future__ import annotations

from postureflow.checks.base import FAIL, PASS, check


@check(
    id="efs_encryption_at_rest_enabled",
    title="EFS file system is encrypted at rest",
    severity="medium",
    resource_type="AwsEfsFileSystem",
    reads=["efs.file_systems"],
    risk="Files on an unencrypted file system, and in its backups, are readable by anyone who gets the storage.",
    remediation="Encryption is chosen at creation: create an encrypted file system and copy the data across "
    "(for example with AWS DataSync), then retire the old one.",
)
def efs_encryption_at_rest_enabled(file_systems):
    for fs in file_systems:
        name = f"{fs.id} ({fs.get('name')})" if fs.get("name") else fs.id
        if fs.get("encrypted"):
            yield PASS(fs, f"EFS file system {name} is encrypted at rest.")
        else:
            yield FAIL(fs, f"EFS file system {name} is not encrypted at rest.")
