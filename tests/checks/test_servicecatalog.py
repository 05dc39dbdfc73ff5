"""Service Catalog check on portfolios created in moto (in an organization): FAIL, PASS and no verdict."""

import boto3
import pytest

from postureflow.aws import AwsAccess
from postureflow.lake import Lake
from postureflow.testing import DeniedAccess, scan_in_moto

REGION = "us-east-1"
CHECK = "servicecatalog_portfolio_shared_within_organization_only"


def _scan(tmp_path, in_organization=True, denied=None):
    from moto import mock_aws

    with mock_aws():
        if in_organization:
            boto3.client("organizations", region_name=REGION).create_organization(FeatureSet="ALL")
        catalog = boto3.client("servicecatalog", region_name=REGION)
        shared = catalog.create_portfolio(DisplayName="shared-portfolio", ProviderName="platform")["PortfolioDetail"]["Id"]
        catalog.create_portfolio(DisplayName="private-portfolio", ProviderName="platform")
        catalog.create_portfolio_share(PortfolioId=shared, AccountId="111122223333")
        access = DeniedAccess(denied) if denied else AwsAccess.from_default_chain()
        return scan_in_moto(Lake(str(tmp_path / "lake")), ["servicecatalog", "organizations"], [REGION], access=access)


def test_shared_within_organization_only(tmp_path):
    run = _scan(tmp_path)
    assert run.statuses(CHECK) == {"shared-portfolio": "FAIL", "private-portfolio": "PASS"}


def test_outside_an_organization_nothing_is_judged(tmp_path):
    assert _scan(tmp_path, in_organization=False).of(CHECK) == []


def test_unreadable_shares_give_no_verdict(tmp_path):
    run = _scan(tmp_path, denied="servicecatalog:DescribePortfolioShares")
    assert run.statuses(CHECK) == {"shared-portfolio": "MANUAL", "private-portfolio": "MANUAL"}
