"""Scan cost at scale: wall time, AWS API calls, findings and peak memory per scale N.

    .venv/bin/python bench/scan.py                 # N = 1, 10, 50
    .venv/bin/python bench/scan.py --scales 1 10   # a quicker run
    .venv/bin/python bench/scan.py --services s3,iam,ec2   # only these services

--services lets two versions be compared on the same work: give the older
version's service list to the newer one.

For each N it resets a moto_server on 127.0.0.1, seeds one account with the demo
account's resources plus N copies of a mixed resource set in two regions, and
runs the scan engine (every service, both regions) in a fresh process so peak
RSS belongs to that scan alone. API calls are counted with a botocore event
hook; an identical call (same operation, region and parameters) made twice in
one run is reported and makes the bench exit non-zero. Each N is scanned
--repeats times and the median wall time is printed. The last line is one JSON
object with every figure.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REGIONS = ["us-east-1", "eu-west-1"]
ACCOUNT = "123456789012"


def seed(url: str, scale: int) -> int:
    """The demo resources once, then ``scale`` copies of a mixed set per region; returns resources made."""
    import boto3

    from postureflow.demo import seed_account

    os.environ["AWS_ENDPOINT_URL"] = url
    session = boto3.session.Session(region_name="us-east-1")
    seed_account(session, ACCOUNT, REGIONS)
    made = 0
    iam = session.client("iam")
    for i in range(scale):
        iam.create_user(UserName=f"bench-user-{i}")
        iam.create_access_key(UserName=f"bench-user-{i}")
        made += 1
    for region in REGIONS:
        s3 = session.client("s3", region_name=region)
        ec2 = session.client("ec2", region_name=region)
        kms = session.client("kms", region_name=region)
        sns = session.client("sns", region_name=region)
        sqs = session.client("sqs", region_name=region)
        logs = session.client("logs", region_name=region)
        ddb = session.client("dynamodb", region_name=region)
        vpc = ec2.describe_vpcs()["Vpcs"][0]["VpcId"]
        location = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
        for i in range(scale):
            s3.create_bucket(Bucket=f"bench-{region}-{i}", **location)
            group = ec2.create_security_group(GroupName=f"bench-{i}", Description="bench", VpcId=vpc)["GroupId"]
            ec2.authorize_security_group_ingress(
                GroupId=group,
                IpPermissions=[{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}],
            )
            ec2.create_volume(AvailabilityZone=f"{region}a", Size=1, Encrypted=bool(i % 2))
            kms.create_key(Description=f"bench-{i}")
            sns.create_topic(Name=f"bench-{i}")
            sqs.create_queue(QueueName=f"bench-{i}")
            logs.create_log_group(logGroupName=f"/bench/{i}")
            ddb.create_table(
                TableName=f"bench-{i}",
                KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
                AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
                BillingMode="PAY_PER_REQUEST",
            )
            made += 8
    return made


def scan_once(url: str, services: list[str] | None) -> dict:
    """Run the engine over ``services`` (every service if None); meant to run in its own process."""
    os.environ["AWS_ENDPOINT_URL"] = url
    # moto_server does not throttle: the request budget's waits would measure the budget, not the scan
    os.environ.setdefault("POSTUREFLOW_API_RATE", "100000")
    os.environ.setdefault("POSTUREFLOW_API_BURST", "100000")
    import datetime as dt

    from postureflow.aws import AwsAccess
    from postureflow.engine import ScanContext, all_services, scan_account
    from postureflow.lake import Lake

    with tempfile.TemporaryDirectory() as lake_dir:
        access = AwsAccess.from_default_chain()
        ctx = ScanContext(ACCOUNT, REGIONS, dt.date(2026, 11, 22), "bench", Lake(lake_dir))
        started, cpu_started = time.perf_counter(), time.process_time()
        results = scan_account(ctx, services or all_services(), access)
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    repeated = access.call_log.repeated()
    return {
        "wall_s": round(wall, 3),
        # CPU seconds of the scan process: steadier than wall time on a shared machine (moto_server's own
        # work is not in it)
        "cpu_s": round(cpu, 3),
        "api_calls": access.call_log.total,
        "repeated_identical_calls": len(repeated),
        "repeated_examples": [list(map(str, r[:3])) for r in repeated[:5]],
        "findings": sum(r.findings for r in results),
        "resources": sum(r.resources for r in results),
        "scan_errors": sum(r.errors for r in results),
        "services": len(results),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scales", type=int, nargs="+", default=[1, 10, 50])
    parser.add_argument("--repeats", type=int, default=3, help="scans per scale (median wall time)")
    parser.add_argument("--services", help="comma-separated services to scan (default: every service)")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    if args.worker:
        print(json.dumps(scan_once(args.worker, args.services.split(",") if args.services else None)))
        return 0

    from postureflow.checks import all_checks
    from postureflow.moto_server import MotoServer

    figures: dict[str, dict] = {}
    with MotoServer(log_path=Path(tempfile.gettempdir()) / "postureflow-bench-moto.log") as server_url:
        server = MotoServer.__new__(MotoServer)
        server.url = server_url
        for scale in args.scales:
            MotoServer.reset(server)
            made = seed(server_url, scale)
            runs = []
            for _ in range(args.repeats):
                out = subprocess.run(
                    [sys.executable, __file__, "--worker", server_url, *(["--services", args.services] if args.services else [])],
                    capture_output=True, text=True, check=True,
                )
                runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
            walls = [r["wall_s"] for r in runs]
            result = {**runs[-1], "wall_s_median": statistics.median(walls), "wall_s_runs": walls,
                      "cpu_s_median": statistics.median(r["cpu_s"] for r in runs),
                      "seeded_resources": made, "checks": len(all_checks())}
            figures[str(scale)] = result
            print(
                f"N={scale:>3}: wall {result['wall_s_median']:.2f} s, CPU {result['cpu_s_median']:.2f} s "
                f"(medians of {len(walls)}), "
                f"{result['api_calls']} API calls, {result['findings']} findings, "
                f"{result['resources']} inventory records, peak RSS {result['peak_rss_mb']} MB, "
                f"repeated identical calls: {result['repeated_identical_calls']}",
                flush=True,
            )
    scales = sorted(figures, key=int)
    if len(scales) > 1:
        first, last = figures[scales[0]], figures[scales[-1]]
        growth = int(scales[-1]) / int(scales[0])
        print(
            f"N={scales[0]} -> N={scales[-1]} ({growth:.0f}x resources): wall x{last['wall_s_median'] / first['wall_s_median']:.2f}, "
            f"API calls x{last['api_calls'] / first['api_calls']:.2f}, findings x{last['findings'] / first['findings']:.2f}"
        )
    print(json.dumps({"bench": "scan", "regions": REGIONS, "scales": figures}))
    return 1 if any(f["repeated_identical_calls"] for f in figures.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
