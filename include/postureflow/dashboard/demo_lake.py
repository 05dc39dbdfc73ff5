"""A small real lake for the dashboard's tests and for trying the dashboard out.

The demo account's resources (``postureflow.demo.seed_account``) are created in
moto's in-process AWS, scanned by the real engine on two days with a mutelist,
and compliance is evaluated for each day. Between the two scans one
misconfigured bucket is fixed and a new misconfigured bucket appears, so the
second scan has both new and resolved failures.

    python -m postureflow.dashboard.demo_lake /tmp/demo-lake   # then: postureflow dashboard --lake /tmp/demo-lake

Needs moto (a test dependency).
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

ACCOUNT_ID = "123456789012"
REGIONS = ["us-east-1", "eu-west-1"]
SERVICES = ["s3", "iam", "kms", "cloudtrail", "ec2"]
DAYS = (dt.date(2026, 11, 21), dt.date(2026, 11, 22))
MUTELIST = f"""
Mutelist:
  Accounts:
    "{ACCOUNT_ID}":
      Checks:
        "s3_bucket_no_mfa_delete":
          Regions: ["*"]
          Resources: ["^pf-demo-good-"]
          Description: "Demo: the well-configured buckets keep versioning without MFA delete"
"""
FULL_BLOCK = {"BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
              "RestrictPublicBuckets": True}


@dataclass(frozen=True)
class DemoLake:
    path: str
    account_id: str
    days: tuple[dt.date, dt.date]
    fixed_bucket: str  # misconfigured on day 1, fixed before day 2
    new_bucket: str  # appears (misconfigured) on day 2


_BUILT: dict[str, DemoLake] = {}
_LOCK = threading.Lock()


def build_demo_lake(root: str | Path) -> DemoLake:
    """Build the demo lake at ``root`` (once per process and folder)."""
    root = str(Path(root).resolve())
    with _LOCK:
        if root in _BUILT:
            return _BUILT[root]
        _BUILT[root] = demo = _build(root)
        return demo


def _build(root: str) -> DemoLake:
    for name, value in (("AWS_ACCESS_KEY_ID", "testing"), ("AWS_SECRET_ACCESS_KEY", "testing"),
                        ("AWS_DEFAULT_REGION", "us-east-1")):
        os.environ.setdefault(name, value)
    import boto3
    from moto import mock_aws

    from postureflow.aws import AwsAccess
    from postureflow.compliance.evaluate import write_compliance
    from postureflow.demo import seed_account
    from postureflow.engine import ScanContext, scan_account
    from postureflow.lake import Lake
    from postureflow.mutelist import Mutelist

    lake = Lake(root)
    rule = Mutelist.loads(MUTELIST, "demo mutelist").rule_for(ACCOUNT_ID)
    fixed = f"pf-demo-bad-{ACCOUNT_ID}-us-east-1"
    new = f"pf-demo-new-{ACCOUNT_ID}"
    with mock_aws():
        session = boto3.session.Session(region_name="us-east-1")
        seed_account(session, ACCOUNT_ID, REGIONS)
        access = AwsAccess.from_default_chain()
        for number, day in enumerate(DAYS):
            if number == 1:
                s3 = session.client("s3", region_name="us-east-1")
                s3.put_public_access_block(Bucket=fixed, PublicAccessBlockConfiguration=FULL_BLOCK)
                s3.create_bucket(Bucket=new)
            run_id = f"scheduled__{day.isoformat()}T00:00:00+00:00"
            ctx = ScanContext(account_id=ACCOUNT_ID, regions=list(REGIONS), scan_date=day, run_id=run_id,
                              lake=lake, mute=rule,
                              scanned_at=dt.datetime.combine(day, dt.time(3), dt.timezone.utc))
            scan_account(ctx, list(SERVICES), access)
            write_compliance(lake, ACCOUNT_ID, day, run_id)
    return DemoLake(root, ACCOUNT_ID, DAYS, fixed, new)


if __name__ == "__main__":
    target = sys.argv[1] if len(sys.argv) > 1 else "demo-lake"
    print(build_demo_lake(target))
