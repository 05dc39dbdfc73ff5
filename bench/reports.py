"""Report and mutelist cost on a synthetic lake.

    .venv/bin/python bench/reports.py [N_FINDINGS] [REPEATS] [MUTELIST]

Medians of REPEATS runs; the last line is one JSON object with every figure.
"""
import datetime as dt, json, statistics, sys, tempfile, time
import pyarrow as pa
from postureflow.lake import Lake
from postureflow.lake.schema import FINDINGS
from postureflow.mutelist import Mutelist
from postureflow.reports import load_run, render_csv, render_html, render_ocsf, write_reports

n = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 3
account, day = "123456789012", dt.date(2026, 11, 22)
now = dt.datetime(2026, 11, 22, 3, tzinfo=dt.timezone.utc)
services = ["s3", "ec2", "iam", "rds", "kms"]
lake = Lake(tempfile.mkdtemp(prefix="pf-bench-"))
for s_i, service in enumerate(services):
    rows = [dict(finding_uid=f"{service}{i}", check_id=f"{service}_check_{i % 20}", check_title=f"{service} check {i % 20}",
                 severity=("critical", "high", "medium", "low", "informational")[i % 5], status=("FAIL", "PASS")[i % 2],
                 status_extended=f"Resource {service}-{i} is not configured as expected.", account_id=account,
                 region=("us-east-1", "eu-west-1")[i % 2], service=service, resource_uid=f"arn:aws:{service}:::r{i}",
                 resource_id=f"r{i}", resource_type="AwsS3Bucket", resource_tags=[("env", "dev")], muted=i % 17 == 0,
                 mute_reason=None, scan_date=day, run_id="bench", scanned_at=now, check_version="v")
            for i in range(n // len(services))]
    lake.write_partition("findings", {"scan_date": day, "service": service, "account_id": account},
                         pa.Table.from_pylist(rows, schema=FINDINGS))

def median(fn):
    times = []
    for _ in range(repeats):
        t = time.perf_counter(); fn(); times.append(time.perf_counter() - t)
    return statistics.median(times)

data = load_run(lake, account, day)
result = {
    "findings": len(data.findings),
    "load_s": median(lambda: load_run(lake, account, day)),
    "ocsf_s": median(lambda: render_ocsf(data)),
    "csv_s": median(lambda: render_csv(data)),
    "html_s": median(lambda: render_html(data)),
    "write_reports_s": median(lambda: write_reports(lake, account, day)),
}
ml = Mutelist.load(sys.argv[3]) if len(sys.argv) > 3 else Mutelist.loads(
    'Mutelist:\n  Accounts:\n    "*":\n      Checks:\n' + "".join(
        f'        "s3_check_{k}$":\n          Regions: ["*"]\n          Resources: ["^r1"]\n          Tags: ["env=prod"]\n' for k in range(50)))
rule = ml.rule_for(account)
sample = data.findings[:10000]
result["mute_rule_us_per_finding"] = median(lambda: [rule(r) for r in sample]) / len(sample) * 1e6
for k, v in result.items():
    print(f"{k:28} {v:.4f}" if isinstance(v, float) else f"{k:28} {v}")
print(f"per 1000 findings: write_reports {1000 * result['write_reports_s'] / result['findings']:.3f} s")
print(json.dumps({k: round(v, 4) if isinstance(v, float) else v for k, v in result.items()}))
