"""FSx checks: tag copying and Multi-AZ Windows file systems."""

from __future__ import annotations

from postureflow.checks.base import FAIL, PASS, check


def _copy_tags(systems, field: str, what: str):
    for system in systems:
        if system.readable(field) and system.get(field) is None:
            continue  # the file system type has no such setting
        if system.get(field):
            yield PASS(system, f"FSx file system {system.id} copies its tags to {what}.")
        else:
            yield FAIL(system, f"FSx file system {system.id} does not copy its tags to {what}.")


@check(
    id="fsx_file_system_copy_tags_to_backups_enabled",
    title="FSx file system copies its tags to its backups",
    severity="low",
    resource_type="AwsFSxFileSystem",
    reads=["fsx.file_systems"],
    risk="Backups without the file system's tags escape tag-based access control, cost allocation and retention rules.",
    remediation="Turn on CopyTagsToBackups for the file system (fsx update-file-system).",
)
def fsx_file_system_copy_tags_to_backups_enabled(systems):
    yield from _copy_tags(systems, "copy_tags_to_backups", "backups")


@check(
    id="fsx_file_system_copy_tags_to_volumes_enabled",
    title="FSx for OpenZFS file system copies its tags to its volumes",
    severity="low",
    resource_type="Other",
    reads=["fsx.file_systems"],
    risk="Volumes without the file system's tags escape tag-based access control and cost allocation.",
    remediation="Turn on CopyTagsToVolumes for the OpenZFS file system.",
)
def fsx_file_system_copy_tags_to_volumes_enabled(systems):
    yield from _copy_tags(systems, "copy_tags_to_volumes", "volumes")


@check(
    id="fsx_windows_file_system_multi_az_enabled",
    title="FSx for Windows file system is deployed across two Availability Zones",
    severity="low",
    resource_type="Other",
    reads=["fsx.file_systems"],
    risk="A single-AZ Windows file system is unavailable while its zone or file server fails.",
    remediation="Create the file system with deployment type MULTI_AZ_1 and move the data to it.",
)
def fsx_windows_file_system_multi_az_enabled(systems):
    # Prowler counts subnets; the deployment type is what AWS documents as Multi-AZ, and a MULTI_AZ_1
    # system always spans two subnets, so both agree where the type is known.
    for system in systems:
        if system.get("type") != "WINDOWS":
            continue
        if system.get("deployment_type") == "MULTI_AZ_1" or len(system.get("subnet_ids") or []) > 1:
            yield PASS(system, f"FSx Windows file system {system.id} is deployed across two Availability Zones.")
        else:
            yield FAIL(system, f"FSx Windows file system {system.id} is deployed in a single Availability Zone.")
