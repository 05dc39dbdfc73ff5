"""Compatibility: the policy language moved to :mod:`postureflow.policy` (one reader for every check).

Import from ``postureflow.policy`` in new code; these names stay until every
check has switched.
"""

from __future__ import annotations

from postureflow.policy import (  # noqa: F401
    ANYONE,
    allows,
    as_list,
    aws_principals,
    document,
    grants,
    grants_any,
    is_public,
    is_public_statement,
    matches,
    outside_accounts,
    public_actions,
    public_statements,
    resource_matches,
    statements,
)
from postureflow.policy import principal_account as account_of  # noqa: F401
