"""Collectors see the run's audit config (``scope.config``), and parts extend a service's collection."""

from __future__ import annotations

from postureflow.aws import AwsAccess
from postureflow.collect.base import COLLECTOR_PARTS, Collector, collector_part, run_collector
from postureflow.config import audit_config

ACCOUNT = "123456789012"


def test_scope_config_is_the_runs_audit_config_or_prowlers_defaults(aws):
    seen: list = []
    probe = Collector("pf_probe", lambda scope: seen.append((scope.region, scope.config)), "regional")
    access = AwsAccess.from_default_chain()

    run_collector(probe, access, ACCOUNT, ["us-east-1"], config=audit_config({"max_ec2_instance_age_in_days": 7}))
    run_collector(probe, access, ACCOUNT, ["us-east-1"])

    assert seen[0][1]["max_ec2_instance_age_in_days"] == 7
    assert seen[1][1]["max_ec2_instance_age_in_days"] == audit_config()["max_ec2_instance_age_in_days"]
    assert seen[1][1]["shodan_api_key"] is None


def test_a_part_runs_after_the_collector_in_each_region_and_reads_its_records(aws):
    def main(scope):
        scope.add("things", uid=f"thing@{scope.region}", id="thing", size=1)

    def part(scope):
        for thing in scope.recorded("things"):
            scope.add("thing_notes", uid=thing.uid, id=thing.id, seen_in=scope.region)

    collector_part("pf_probe_parts")(part)
    try:
        collection = run_collector(
            Collector("pf_probe_parts", main, "regional"), AwsAccess.from_default_chain(), ACCOUNT,
            ["us-east-1", "eu-west-1"],
        )  # fmt: skip
    finally:
        COLLECTOR_PARTS.pop("pf_probe_parts")

    notes = sorted((r.region, r.uid, r.data["seen_in"]) for r in collection.resources if r.kind == "thing_notes")
    assert notes == [("eu-west-1", "thing@eu-west-1", "eu-west-1"), ("us-east-1", "thing@us-east-1", "us-east-1")]
