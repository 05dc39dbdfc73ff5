"""Take over the findings Prowler sent to a Security Hub, so no duplicate stays active.

A hub that Prowler fed (``prowler --security-hub``) holds Prowler's ACTIVE findings under
Prowler's product (``arn:<partition>:securityhub:<region>::product/prowler/prowler``),
``GeneratorId`` ``prowler-<check>`` and ``Id``
``prowler-<check>-<account>-<region>-<sha512(resource uid)[:9]>``. The first time
postureflow forwards into a region (no forwarding state there yet), right after its own
findings were accepted, every ACTIVE Prowler finding of that account and region whose
check postureflow forwards is archived the way Prowler archives its own resolved
findings: the document is imported again with ``RecordState: ARCHIVED``. Its
``ProductFields`` say why: ``postureflow/TakenOverBy`` names postureflow's finding
for the same check and resource (matched by Prowler's Id, which postureflow computes
from the finding's Prowler identity, ``postureflow.prowler_identity``), or
``postureflow/ArchiveReason`` when postureflow has no such finding to forward (it
passed, was muted, or is outside the forwarded statuses). Findings of checks
postureflow does not forward are left alone.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Iterable

from postureflow.securityhub.asff import arn_partition, timestamp

log = logging.getLogger(__name__)

GENERATOR_PREFIX = "prowler-"
MAX_BATCH = 100
TAKEN_OVER_BY = "postureflow/TakenOverBy"
ARCHIVE_REASON = "postureflow/ArchiveReason"


def prowler_product_arn(region: str) -> str:
    return f"arn:{arn_partition(region)}:securityhub:{region}::product/prowler/prowler"


@dataclass
class Takeover:
    region: str
    archived: int = 0
    matched: int = 0  # archived findings postureflow forwards under its own Id
    failed: list[tuple[str, str, str]] = field(default_factory=list)  # (Prowler finding Id, code, message)


def _equals(value: str) -> list[dict]:
    return [{"Value": value, "Comparison": "EQUALS"}]


def active_prowler_findings(client, region: str, account_id: str) -> list[dict]:
    """Prowler's ACTIVE findings of the account in the region (filtered here too: the filter is the contract)."""
    product = prowler_product_arn(region)
    filters = {"ProductArn": _equals(product), "RecordState": _equals("ACTIVE"),
               "AwsAccountId": _equals(account_id), "Region": _equals(region)}
    found, token = [], None
    while True:  # GetFindings called by name (not through a paginator) so the IAM policy analysis sees it
        page = client.get_findings(Filters=filters, MaxResults=100, **({"NextToken": token} if token else {}))
        for finding in page.get("Findings") or []:
            if (finding.get("ProductArn") == product and finding.get("RecordState", "ACTIVE") == "ACTIVE"
                    and finding.get("AwsAccountId") == account_id and finding.get("Region", region) == region):
                found.append(finding)
        token = page.get("NextToken")
        if not token:
            return found


def archived_copy(finding: dict, now: dt.datetime, ours: str | None) -> dict:
    doc = dict(finding)
    doc["RecordState"] = "ARCHIVED"
    doc["UpdatedAt"] = timestamp(now)
    fields = dict(doc.get("ProductFields") or {})
    if ours:
        fields[TAKEN_OVER_BY] = ours
    else:
        fields[ARCHIVE_REASON] = "taken over by postureflow, which has no active finding to forward for it"
    doc["ProductFields"] = fields
    return doc


def take_over(access, region: str, account_id: str, forwarded: Iterable, now: dt.datetime) -> Takeover:
    """Archive Prowler's ACTIVE findings of the checks in ``forwarded`` (the region's accepted
    ``Outgoing`` items: ``check_id``, ``finding_uid``, ``prowler_id``, ``record_state``)."""
    client = access.client("securityhub", region)
    result = Takeover(region)
    forwarded = list(forwarded)
    checks = {o.check_id for o in forwarded}
    ours = {o.prowler_id: o.finding_uid for o in forwarded if o.prowler_id and o.record_state == "ACTIVE"}
    docs = []
    for finding in active_prowler_findings(client, region, account_id):
        generator = str(finding.get("GeneratorId") or "")
        if not generator.startswith(GENERATOR_PREFIX) or generator[len(GENERATOR_PREFIX):] not in checks:
            continue
        match = ours.get(finding.get("Id"))
        result.matched += bool(match)
        docs.append(archived_copy(finding, now, match))
    for start in range(0, len(docs), MAX_BATCH):
        batch = docs[start:start + MAX_BATCH]
        response = client.batch_import_findings(Findings=batch)
        failed = {f.get("Id"): f for f in response.get("FailedFindings") or []}
        result.archived += len(batch) - len(failed)
        result.failed += [(i, str(f.get("ErrorCode") or ""), str(f.get("ErrorMessage") or "")[:1000]) for i, f in failed.items()]
    if docs:
        log.info("Security Hub in %s: archived %d of Prowler's active finding(s) (%d now forwarded by postureflow)",
                 region, result.archived, result.matched)
    return result
