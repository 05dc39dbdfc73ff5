"""Unknown is never a verdict: refuse each AWS call a collector makes, one at a time.

On the demo account (a misconfigured resource beside a well-configured twin, for
every seeded service), each service is scanned once normally, which lists the
operations its collection calls. Then, for each of those operations, the scan is
repeated with that one operation refused with AccessDenied (a botocore
``before-call`` hook, see ``postureflow.testing.DeniedAccess``). Every finding of
the refused run must be either "No verdict" (MANUAL) or have the status it has in
the normal run: a refused read may cost a verdict, never change one or invent one
(its text may lose a detail that only decorates it, such as a KMS key's alias).
And the refusal must be recorded as a scan error.
"""

from __future__ import annotations

import datetime as dt

import boto3
import pytest

from postureflow.aws import AwsAccess
from postureflow.checks.base import NO_VERDICT
from postureflow.collect import all_collectors
from postureflow.demo import seed_account
from postureflow.engine import with_dependencies
from postureflow.lake import Lake
from postureflow.testing import DeniedAccess, scan_in_moto

REGIONS = ["us-east-1"]
ACCOUNT = "123456789012"


@pytest.fixture(scope="module")
def demo_account():
    from moto import mock_aws

    with mock_aws():
        seed_account(boto3.session.Session(region_name="us-east-1"), ACCOUNT, ["us-east-1", "eu-west-1"])
        yield


def _scan(tmp_path_factory, service: str | list[str], access: AwsAccess):
    lake = Lake(str(tmp_path_factory.mktemp("lake")))
    services = [service] if isinstance(service, str) else service
    return scan_in_moto(lake, services, regions=REGIONS, access=access, account_id=ACCOUNT, scan_date=dt.date(2026, 11, 22))


def _operations(access: AwsAccess) -> list[str]:
    """The "service:Operation" names a scan called (sts is the scanner's own identity)."""
    return sorted({f"{service}:{operation}" for service, _, operation in access.call_log.calls if service != "sts"})


@pytest.mark.parametrize("service", sorted(all_collectors()))
def test_a_refused_call_never_changes_or_invents_a_verdict(demo_account, tmp_path_factory, service):
    baseline_access = AwsAccess.from_default_chain()
    baseline = _scan(tmp_path_factory, service, baseline_access)
    expected = {f["finding_uid"]: f["status"] for f in baseline.findings}
    # The calls of the services this one reads are refused in their own test: only this collector's here.
    dependencies = sorted(set(with_dependencies([service])) - {service})
    theirs: set[str] = set()
    if dependencies:
        dependency_access = AwsAccess.from_default_chain()
        _scan(tmp_path_factory, dependencies, dependency_access)
        theirs = set(_operations(dependency_access))
    problems = []
    for operation in sorted(set(_operations(baseline_access)) - theirs):
        access = DeniedAccess(operation)
        run = _scan(tmp_path_factory, service, access)
        if not access.hits:
            continue  # a call only the first scan needed (nothing to refuse the second time)
        if not any(e["error_code"] == "AccessDenied" for e in run.errors):
            problems.append(f"{operation}: refused but no scan error recorded")
        for finding in run.findings:
            if finding["status"] == "MANUAL" and finding["status_extended"].startswith(NO_VERDICT):
                continue
            if expected.get(finding["finding_uid"]) != finding["status"]:
                problems.append(
                    f"{operation} refused: {finding['check_id']} on {finding['resource_id']} gave "
                    f"{finding['status']} ({finding['status_extended']}), normally {expected.get(finding['finding_uid'])}"
                )
    assert not problems, "\n".join(problems[:40])
