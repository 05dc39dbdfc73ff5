"""Service Catalog: portfolios and whether any is shared with individual accounts.

Calls per region: ListPortfolios (paginated) and DescribePortfolioShares (Type ACCOUNT) once per
portfolio; shares of the other types stay inside the organization, so only this one is read.
"""

from __future__ import annotations

from postureflow.collect.base import RegionScope, collector


@collector("servicecatalog")
def collect_servicecatalog(scope: RegionScope) -> None:
    client = scope.client("servicecatalog")
    portfolios = scope.list(client, "list_portfolios", "PortfolioDetails", kind="portfolios")
    scope.each(portfolios.value or [], lambda portfolio: _collect_portfolio(scope, client, portfolio))


def _collect_portfolio(scope: RegionScope, client, portfolio: dict) -> None:
    shares = scope.list(client, "describe_portfolio_shares", "PortfolioShareDetails", absent=("ResourceNotFoundException",),
                        PortfolioId=portfolio["Id"], Type="ACCOUNT")  # fmt: skip
    scope.add(
        "portfolios",
        uid=portfolio.get("ARN") or scope.arn("catalog", f"portfolio/{portfolio['Id']}"),
        id=portfolio.get("DisplayName") or portfolio["Id"],
        account_shares=shares.map(lambda items: sorted(s.get("PrincipalId") for s in items if s.get("PrincipalId"))),
    )
