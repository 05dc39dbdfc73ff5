"""Elastic Disaster Recovery checks."""

from __future__ import annotations

from postureflow.checks.base import FAIL, PASS, check


@check(
    id="drs_job_exist",
    title="Elastic Disaster Recovery is set up in the region and has run recovery jobs",
    severity="medium",
    resource_type="Other",
    reads=["drs.regions"],
    risk="Without disaster recovery replication, or never having tested a recovery, servers in the region cannot be "
    "brought back quickly after an outage or ransomware.",
    remediation="Initialise Elastic Disaster Recovery, replicate the source servers and run drills (recovery jobs).",
)
def drs_job_exist(regions):
    # Prowler mutes this FAIL outside the default region when mute_non_default_regions is set; the mutelist
    # (or the accounts file's regions) does the same here without a special case in the check.
    for region in regions:
        if not region.get("enabled"):
            yield FAIL(region, f"Elastic Disaster Recovery is not set up in {region.region}.")
        elif region.get("jobs"):
            yield PASS(region, f"Elastic Disaster Recovery is set up in {region.region} with {region.get('jobs')} job(s).")
        else:
            yield FAIL(region, f"Elastic Disaster Recovery is set up in {region.region} but has run no job.")
