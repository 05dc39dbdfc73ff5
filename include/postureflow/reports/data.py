"""Everything one account's report shows, read from the lake for one scan date.

Only finding-record columns, the checks' own risk/remediation text, the
compliance dataset and scan-error *codes* are read: never inventory data and
never scan-error messages, so nothing a collector saw (and nothing secret)
can reach a report unless it is already a finding field.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass, field


from postureflow.lake import Lake
from postureflow.lake import schema as lake_schema
from postureflow.lake.query import create_dataset_view

log = logging.getLogger(__name__)

SEVERITIES = ("critical", "high", "medium", "low", "informational")
SEVERITY_RANK = {s: i for i, s in enumerate(SEVERITIES)}
ACCOUNT_ID = re.compile(r"^\d{12}$")


class NoScanData(LookupError):
    """The lake holds no findings partition for this account and scan date."""


@dataclass
class CheckInfo:
    risk: str = ""
    remediation: str = ""
    # Prowler's metadata columns: the texts only a custom checks metadata file sets, and Prowler's categories.
    description: str = ""
    related_url: str = ""
    remediation_url: str = ""
    remediation_code: dict[str, str] = field(default_factory=dict)
    categories: tuple[str, ...] = ()


@dataclass
class RunData:
    account_id: str
    scan_date: dt.date
    run_ids: list[str]
    services: list[str]  # services with a findings partition (even an empty one)
    findings: list[dict]  # finding-record columns only, sorted
    checks: dict[str, CheckInfo]
    frameworks_by_check: dict[str, list[str]] = field(default_factory=dict)
    compliance: list[dict] | None = None  # per framework; None: no compliance partition for the run
    compliance_failed: dict[str, list[dict]] = field(default_factory=dict)  # label -> failed requirements
    compliance_note: str | None = None
    scan_errors: list[dict] = field(default_factory=list)  # service, region, api, error_code, count
    requested_run_id: str | None = None  # the DAG run writing the report, when given

    @property
    def run_id(self) -> str:
        written_by = ", ".join(self.run_ids)
        if not self.requested_run_id:
            return written_by or "-"
        if set(self.run_ids) <= {self.requested_run_id}:
            return self.requested_run_id
        return f"{self.requested_run_id} (findings written by {written_by})"

    @property
    def scanned_at(self) -> dt.datetime | None:
        times = [f["scanned_at"] for f in self.findings if f.get("scanned_at")]
        return max(times) if times else None


def check_account(account_id: str) -> str:
    if not isinstance(account_id, str) or not ACCOUNT_ID.match(account_id):
        raise ValueError(f"account id must be 12 digits, got {account_id!r}")
    return account_id


def as_date(value: dt.date | str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as err:
        raise ValueError(f"scan date must be YYYY-MM-DD, got {value!r}") from err


def scanned_services(lake: Lake, account_id: str, scan_date: dt.date) -> list[str]:
    """Services whose findings partition for (scan_date, account_id) was written."""
    return sorted({p["service"] for p in lake.partitions("findings", [scan_date], [account_id])})


def _check_metadata() -> dict[str, CheckInfo]:
    from postureflow.checks import all_checks

    return {cid: _info(c) for cid, c in all_checks().items()}


def _info(check) -> CheckInfo:
    return CheckInfo(
        risk=check.risk,
        remediation=check.remediation,
        description=check.description,
        related_url=check.related_url,
        remediation_url=check.remediation_url,
        remediation_code=dict(check.remediation_code or {}),
        categories=check.categories,
    )


def _frameworks_by_check() -> dict[str, list[str]]:
    try:
        from postureflow.compliance.frameworks import frameworks_by_check
    except ImportError:
        return {}
    try:
        return frameworks_by_check()
    except Exception as err:  # noqa: BLE001 - a broken framework file must not cost the report
        log.warning("framework mapping unavailable for the report: %s", err)
        return {}


def _normalise_tags(tags) -> dict[str, str]:
    if not tags:
        return {}
    pairs = tags.items() if isinstance(tags, dict) else tags
    return {str(k): "" if v is None else str(v) for k, v in pairs}


def _load_compliance(con, lake: Lake, params: dict) -> tuple[list[dict] | None, dict[str, list[dict]], str | None]:
    try:
        import postureflow.compliance  # noqa: F401  (registers the dataset when the part is installed)
    except ImportError:
        pass
    if "compliance" not in lake_schema.DATASETS:
        return None, {}, None
    _, partition_by = lake_schema.DATASETS["compliance"]
    if set(partition_by) <= {"scan_date", "account_id"}:
        values = {"scan_date": params["day"], "account_id": params["account"]}
        if not lake.partition_exists("compliance", {k: values[k] for k in partition_by}):
            return None, {}, None
    try:
        create_dataset_view(con, lake, "compliance")
        where = "WHERE account_id = $account AND scan_date = CAST($day AS DATE)"
        rows = con.sql(
            f"""SELECT coalesce(label, framework || ' ' || version) AS label,
                       count(*) AS requirements,
                       count(*) FILTER (WHERE status = 'PASS') AS passed,
                       count(*) FILTER (WHERE status = 'FAIL') AS failed,
                       count(*) FILTER (WHERE status = 'MANUAL') AS manual,
                       count(*) FILTER (WHERE status NOT IN ('PASS', 'FAIL', 'MANUAL')) AS not_evaluated
                FROM compliance {where}
                GROUP BY 1 ORDER BY 1""",
            params=params,
        ).fetchall()
        failed_rows = con.sql(
            f"""SELECT coalesce(label, framework || ' ' || version) AS label, requirement_id, section, title,
                       fail_count
                FROM compliance {where} AND status = 'FAIL'
                ORDER BY 1, requirement_id""",
            params=params,
        ).fetchall()
    except Exception as err:  # noqa: BLE001 - the compliance table changed shape: report the rest
        log.warning("compliance results could not be read for the report: %s", err)
        return None, {}, "Compliance results exist for this run but could not be read."
    if not rows:
        return None, {}, None
    frameworks = []
    for label, requirements, passed, failed, manual, not_evaluated in rows:
        judged = passed + failed
        frameworks.append(
            {
                "label": label,
                "requirements": requirements,
                "passed": passed,
                "failed": failed,
                "manual": manual,
                "not_evaluated": not_evaluated,
                "score": round(100.0 * passed / judged, 1) if judged else None,
            }
        )
    failed: dict[str, list[dict]] = {}
    for label, requirement_id, section, title, fail_count in failed_rows:
        failed.setdefault(label, []).append(
            {"requirement_id": requirement_id, "section": section, "title": title, "fail_count": fail_count}
        )
    return frameworks, failed, None


def _load_scan_errors(con, lake: Lake, params: dict) -> list[dict]:
    try:
        create_dataset_view(con, lake, "scan_errors")
        rows = con.sql(
            """SELECT service, region, api, error_code, count(*) AS n
               FROM scan_errors WHERE account_id = $account AND scan_date = CAST($day AS DATE)
               GROUP BY ALL ORDER BY service, region, api, error_code""",
            params=params,
        ).fetchall()
    except Exception as err:  # noqa: BLE001
        log.warning("scan errors could not be read for the report: %s", err)
        return []
    return [dict(zip(("service", "region", "api", "error_code", "count"), r)) for r in rows]


def load_run(lake: Lake, account_id: str, scan_date: dt.date | str) -> RunData:
    """Read one account's scan for one date from the lake (raises NoScanData if there is none)."""
    import duckdb

    account_id = check_account(account_id)
    scan_date = as_date(scan_date)
    services = scanned_services(lake, account_id, scan_date)
    if not services:
        raise NoScanData(f"no findings in the lake {lake.location()} for account {account_id} on {scan_date}")
    con = duckdb.connect(":memory:")
    try:
        create_dataset_view(con, lake, "findings")
        columns = ", ".join(f'"{n}"' for n in lake_schema.FINDINGS.names)
        params = {"account": account_id, "day": scan_date.isoformat()}
        table = con.sql(
            f"""SELECT {columns} FROM findings
                WHERE account_id = $account AND scan_date = CAST($day AS DATE)
                ORDER BY service, check_id, region, resource_uid, finding_uid""",
            params=params,
        ).to_arrow_table()
        findings = table.to_pylist()
        for row in findings:
            row["resource_tags"] = _normalise_tags(row["resource_tags"])
            row["muted"] = bool(row["muted"])
        compliance, compliance_failed, note = _load_compliance(con, lake, params)
        errors = _load_scan_errors(con, lake, params)
    finally:
        con.close()
    return RunData(
        account_id=account_id,
        scan_date=scan_date,
        run_ids=sorted({r["run_id"] for r in findings if r["run_id"]}),
        services=services,
        findings=findings,
        checks=_check_metadata(),
        frameworks_by_check=_frameworks_by_check(),
        compliance=compliance,
        compliance_failed=compliance_failed,
        compliance_note=note,
        scan_errors=errors,
    )


# -- counts the HTML (and the CLI) show --------------------------------------------------------


def overview(findings: list[dict]) -> dict:
    total = len(findings)
    counts = {
        "total": total,
        "failed": sum(1 for f in findings if f["status"] == "FAIL" and not f["muted"]),
        "passed": sum(1 for f in findings if f["status"] == "PASS" and not f["muted"]),
        "manual": sum(1 for f in findings if f["status"] == "MANUAL" and not f["muted"]),
        "muted": sum(1 for f in findings if f["muted"]),
    }
    for key in ("failed", "passed", "manual", "muted"):
        counts[f"{key}_pct"] = round(100.0 * counts[key] / total, 1) if total else 0.0
    return counts


def by_service(findings: list[dict], services: list[str]) -> list[dict]:
    rows = {
        s: {"service": s, "total": 0, "passed": 0, "failed": 0, "manual": 0, "muted": 0, **{k: 0 for k in SEVERITIES}}
        for s in services
    }
    for f in findings:
        row = rows.setdefault(
            f["service"],
            {"service": f["service"], "total": 0, "passed": 0, "failed": 0, "manual": 0, "muted": 0, **{k: 0 for k in SEVERITIES}},
        )
        row["total"] += 1
        if f["muted"]:
            row["muted"] += 1
        elif f["status"] == "FAIL":
            row["failed"] += 1
            if f["severity"] in SEVERITY_RANK:
                row[f["severity"]] += 1
        elif f["status"] == "PASS":
            row["passed"] += 1
        elif f["status"] == "MANUAL":
            row["manual"] += 1
    return [rows[s] for s in sorted(rows)]


def failed_by_check(data: RunData) -> list[dict]:
    """Non-muted FAIL findings grouped by check, most severe first."""
    groups: dict[str, dict] = {}
    for f in data.findings:
        if f["status"] != "FAIL" or f["muted"]:
            continue
        info = data.checks.get(f["check_id"], CheckInfo())
        group = groups.setdefault(
            f["check_id"],
            {
                "check_id": f["check_id"],
                "check_title": f["check_title"],
                "severity": f["severity"],
                "service": f["service"],
                "risk": info.risk,
                "remediation": info.remediation,
                "frameworks": data.frameworks_by_check.get(f["check_id"], []),
                "findings": [],
            },
        )
        group["findings"].append(f)
    return sorted(groups.values(), key=lambda g: (SEVERITY_RANK.get(g["severity"], 99), g["service"], g["check_id"]))
