"""IAM checks live in the iam_*.py modules beside this one (users, policies, roles, account).

This module keeps the policy-language names the KMS, Secrets Manager and
Organizations checks import from here, until they import
:mod:`postureflow.policy` themselves.
"""

from __future__ import annotations

from postureflow.policy import (  # noqa: F401
    CALLER_KEYS,
    SOURCE_KEYS,
    allowed_actions,
    condition_limits_callers,
    is_everyone,
    pattern_matches,
    principal_accounts,
    public_statements,
    statements,
)
from postureflow.policy import arn_account as account_of  # noqa: F401
from postureflow.policy import as_list as _as_list  # noqa: F401
from postureflow.policy import grants as grants_action  # noqa: F401
from postureflow.policy import summary as _summary  # noqa: F401
