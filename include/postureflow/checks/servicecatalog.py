"""Service Catalog checks."""

from __future__ import annotations

from postureflow.checks.base import FAIL, PASS, check


@check(
    id="servicecatalog_portfolio_shared_within_organization_only",
    title="Service Catalog portfolio is shared through the organization, not with individual accounts",
    severity="high",
    resource_type="Other",
    reads=["servicecatalog.portfolios", "organizations.organization"],
    risk="A portfolio shared account by account can reach accounts outside the organization, handing them the "
    "products and launch roles it contains.",
    remediation="Stop the account shares and share the portfolio with the organization or its OUs (AWS Organizations "
    "sharing) instead.",
)
def servicecatalog_portfolio_shared_within_organization_only(portfolios, organizations):
    # Like Prowler, judged only in an account that belongs to an organization.
    if not organizations:
        return
    for portfolio in portfolios:
        accounts = portfolio.get("account_shares") or []
        if accounts:
            yield FAIL(portfolio, f"Service Catalog portfolio {portfolio.id} is shared with account(s) {', '.join(accounts)}.")
        else:
            yield PASS(portfolio, f"Service Catalog portfolio {portfolio.id} is not shared with individual accounts.")
