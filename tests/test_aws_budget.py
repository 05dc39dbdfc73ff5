"""The per-account-and-region request budget: one token bucket shared by every client of an account."""

from __future__ import annotations

import boto3
import pytest
from moto import mock_aws

from postureflow import aws
from postureflow.aws import AwsAccess, TokenBucket, request_budget


class FakeClock:
    def __init__(self):
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_bucket_allows_a_burst_then_paces_at_the_rate():
    clock = FakeClock()
    bucket = TokenBucket(rate=2, burst=3, clock=clock, sleep=clock.sleep)
    waits = [bucket.acquire() for _ in range(7)]
    assert waits[:3] == [0, 0, 0]  # the burst
    assert waits[3:] == pytest.approx([0.5, 0.5, 0.5, 0.5])  # then 2 per second
    clock.now += 10  # idle: the bucket refills up to the burst, not beyond
    assert [bucket.acquire() for _ in range(4)] == pytest.approx([0, 0, 0, 0.5])


def test_bucket_refuses_a_nonsense_budget():
    with pytest.raises(ValueError):
        TokenBucket(rate=0, burst=5)


@pytest.fixture
def counting_budgets(monkeypatch):
    """Replace the process's buckets with ones that count acquisitions (and never wait)."""
    taken: dict[tuple[str, str], int] = {}

    class Counting:
        def __init__(self, key):
            self.key = key

        def acquire(self):
            taken[self.key] = taken.get(self.key, 0) + 1
            return 0.0

    monkeypatch.setattr(aws, "request_budget", lambda account, region: Counting((account, region)))
    return taken


def test_every_client_of_an_account_and_region_shares_one_budget(counting_budgets, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        first = AwsAccess(lambda: boto3.session.Session(), budget_key="conn:aws_prod")
        second = AwsAccess(lambda: boto3.session.Session(), budget_key="conn:aws_prod")  # another task
        other = AwsAccess(lambda: boto3.session.Session(), budget_key="conn:aws_dev")
        first.client("s3", "us-east-1").list_buckets()
        first.client("ec2", "us-east-1").describe_vpcs()
        second.client("sqs", "us-east-1").list_queues()
        second.client("sqs", "eu-west-1").list_queues()
        other.client("s3", "us-east-1").list_buckets()
    assert counting_budgets == {
        ("conn:aws_prod", "us-east-1"): 3,  # s3 + ec2 + sqs, two AwsAccess objects, one budget
        ("conn:aws_prod", "eu-west-1"): 1,
        ("conn:aws_dev", "us-east-1"): 1,
    }


def test_request_budget_is_one_bucket_per_account_and_region():
    assert request_budget("conn:a", "us-east-1") is request_budget("conn:a", "us-east-1")
    assert request_budget("conn:a", "us-east-1") is not request_budget("conn:a", "eu-west-1")
    assert request_budget("conn:a", "us-east-1") is not request_budget("conn:b", "us-east-1")
