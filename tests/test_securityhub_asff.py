"""ASFF documents, options and batching, without AWS."""

from __future__ import annotations

import datetime as dt

import pytest

from postureflow.securityhub.asff import (
    BEST_PRACTICES_TYPE,
    MAX_FINDING_BYTES,
    CheckInfo,
    FindingTooLarge,
    build_asff,
    content_hash,
    fit_size,
    load_check_info,
    product_arn,
    size_of,
    validate_findings,
)
from postureflow.securityhub.delta import Outgoing
from postureflow.securityhub.forward import batches
from postureflow.securityhub.options import ForwardOptions, ForwardOptionsError
from postureflow.securityhub.asff import Built
from postureflow.securityhub.testing import row

NOW = dt.datetime(2026, 11, 22, 7, 30, tzinfo=dt.timezone.utc)
FIRST = dt.datetime(2026, 11, 1, 6, 0, tzinfo=dt.timezone.utc)


def doc_for(r, **kwargs):
    kwargs.setdefault("record_state", "ACTIVE")
    kwargs.setdefault("workflow_status", "NEW")
    return build_asff(r, first_observed_at=FIRST, updated_at=NOW, **kwargs)


# -- options --------------------------------------------------------------------------------------


def test_options_defaults_and_parsing():
    assert ForwardOptions.from_dict(None) == ForwardOptions() == ForwardOptions.from_dict({})
    assert ForwardOptions().enabled is False  # opt-in, like Prowler's --security-hub
    opts = ForwardOptions.from_dict({"enabled": False, "statuses": "ALL", "min_severity": "High"})
    assert (opts.enabled, opts.statuses, opts.min_severity) == (False, "all", "high")
    assert opts.wanted_statuses() == ("FAIL", "PASS", "MANUAL")
    assert opts.wanted_severities() == ("critical", "high")
    assert ForwardOptions().wanted_statuses() == ("FAIL",)
    assert len(ForwardOptions().wanted_severities()) == 5


@pytest.mark.parametrize(
    "block, field",
    [
        ({"statuses": "failed"}, "statuses"),
        ({"min_severity": "severe"}, "min_severity"),
        ({"enabled": "yes"}, "enabled"),
        ({"refresh_days": 120}, "refresh_days"),
        ({"refresh_days": True}, "refresh_days"),
        ({"send_only_fails": True}, "send_only_fails"),
        (["fail"], "mapping"),
    ],
)
def test_options_errors_name_the_field(block, field):
    with pytest.raises(ForwardOptionsError, match=field):
        ForwardOptions.from_dict(block)
    assert issubclass(ForwardOptionsError, ValueError)  # the accounts file loader catches ValueError


# -- documents ------------------------------------------------------------------------------------


def test_document_fields_from_the_finding_row():
    r = row("logs", tags={"team": "data", "blank": ""}, severity="critical")
    info = CheckInfo(remediation="Do the thing.", frameworks=("CIS 6.0",), requirements=("CIS 6.0 2.1.1",))
    doc = doc_for(r, info=info)
    assert doc["Id"] == r["finding_uid"] and doc["GeneratorId"] == r["check_id"]
    assert doc["ProductArn"] == "arn:aws:securityhub:us-east-1:123456789012:product/123456789012/default"
    assert doc["AwsAccountId"] == "123456789012"
    assert doc["Severity"] == {"Label": "CRITICAL", "Original": "critical"}
    assert doc["Types"] == [
        BEST_PRACTICES_TYPE,
        "Software and Configuration Checks/Industry and Regulatory Standards/CIS 6.0",
    ]
    assert doc["Compliance"] == {"Status": "FAILED", "RelatedRequirements": ["CIS 6.0 2.1.1"]}
    assert doc["Remediation"]["Recommendation"]["Text"] == "Do the thing."
    assert doc["Resources"] == [
        {
            "Type": "AwsS3Bucket",
            "Id": "arn:aws:s3:::logs",
            "Partition": "aws",
            "Region": "us-east-1",
            "Tags": {"team": "data"},  # a blank tag value does not fit ASFF's non-empty strings
        }
    ]
    assert doc["FirstObservedAt"] == doc["CreatedAt"] == "2026-11-01T06:00:00.000Z"
    assert doc["LastObservedAt"] == "2026-11-20T06:00:00.000Z"
    assert doc["UpdatedAt"] == "2026-11-22T07:30:00.000Z"
    assert doc["RecordState"] == "ACTIVE" and doc["Workflow"] == {"Status": "NEW"}
    assert validate_findings([doc]) == []


def test_long_texts_are_clipped_to_asff_limits():
    r = row("logs", status_extended="x" * 5000)
    r["check_title"] = "t" * 400
    doc = doc_for(r, info=CheckInfo(remediation="r" * 900))
    assert len(doc["Description"]) == 1024 and doc["Description"].endswith("...")
    assert len(doc["Title"]) <= 256
    assert len(doc["Remediation"]["Recommendation"]["Text"]) <= 512
    assert validate_findings([doc]) == []


def test_product_arn_and_partition_follow_the_region():
    assert product_arn("cn-north-1", "123456789012").startswith("arn:aws-cn:securityhub:cn-north-1:")
    assert product_arn("us-gov-west-1", "123456789012").startswith("arn:aws-us-gov:")
    doc = doc_for(row("b", region="cn-north-1"))
    assert doc["Resources"][0]["Partition"] == "aws-cn"
    assert validate_findings([doc]) == []


def test_statuses_map_to_compliance_statuses():
    assert doc_for(row("b", "PASS"))["Compliance"]["Status"] == "PASSED"
    assert doc_for(row("b", "MANUAL"))["Compliance"]["Status"] == "WARNING"


def test_the_validator_catches_what_security_hub_would_refuse():
    doc = doc_for(row("b"))
    assert validate_findings([{**doc, "RecordState": "CLOSED"}])
    assert validate_findings([{**doc, "Title": "   "}])
    missing = dict(doc)
    del missing["Resources"]
    assert any("Resources" in e for e in validate_findings([missing]))


def test_content_hash_ignores_timestamps_only():
    r = row("b")
    doc = doc_for(r)
    later = build_asff(r, record_state="ACTIVE", workflow_status="NEW", first_observed_at=FIRST,
                       updated_at=NOW + dt.timedelta(days=3))
    assert content_hash(doc) == content_hash(later)
    assert content_hash(doc) != content_hash(doc_for(row("b", status_extended="changed")))
    assert content_hash(doc) != content_hash(doc_for(r, record_state="ARCHIVED"))


def test_oversized_findings_are_trimmed_or_refused():
    tags = {f"k{i:04d}": "v" * 250 for i in range(1500)}
    doc = doc_for(row("b", tags=tags))
    assert size_of(doc) > MAX_FINDING_BYTES
    trimmed, cut = fit_size(doc)
    assert size_of(trimmed) <= MAX_FINDING_BYTES and cut == ["Resources.Tags"]
    assert len(trimmed["Resources"][0]["Tags"]) == 50
    assert trimmed["ProductFields"]["postureflow/Trimmed"] == "Resources.Tags"
    assert size_of(doc) > MAX_FINDING_BYTES  # the original is left alone
    with pytest.raises(FindingTooLarge):
        fit_size(doc_for(row("b", resource_uid="arn:aws:s3:::" + "x" * 300_000)))


def test_check_info_carries_remediation_and_framework_requirements():
    info = load_check_info()
    mfa = info["s3_bucket_no_mfa_delete"]
    assert mfa.remediation
    try:
        from postureflow.compliance.frameworks import frameworks_by_check
    except ImportError:
        return
    labels = frameworks_by_check().get("s3_bucket_no_mfa_delete", [])
    assert set(mfa.frameworks) == set(labels)
    assert all(any(req.startswith(f"{label} ") for req in mfa.requirements) for label in labels)


# -- batching -------------------------------------------------------------------------------------


def _outgoing(size: int, i: int) -> Outgoing:
    return Outgoing(str(i), "us-east-1", "c", "new", "ACTIVE", Built(doc={}, size=size, content_hash=""), {})


def test_batches_respect_count_and_bytes():
    small = [_outgoing(1000, i) for i in range(250)]
    assert [len(b) for b in batches(small)] == [100, 100, 50]
    big = [_outgoing(230_000, i) for i in range(60)]
    sizes = [sum(o.built.size for o in b) for b in batches(big)]
    assert all(s <= 6_000_000 for s in sizes) and sum(len(b) for b in batches(big)) == 60
    assert len(sizes) == 3
