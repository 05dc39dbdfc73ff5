"""Least privilege: the read-only IAM policy postureflow's scanning role needs, derived from the code.

``python -m postureflow.iam`` regenerates ``postureflow-readonly-policy.json``; see
``postureflow.iam.policy`` for how, and docs/least-privilege.md for how to use it.
"""

from postureflow.iam.policy import (
    DATA_ACTIONS,
    POLICY_FILE,
    PolicyError,
    build_policy,
    iam_action,
    load_policy,
    policy_allows,
    render,
    required_operations,
)

__all__ = [
    "DATA_ACTIONS",
    "POLICY_FILE",
    "PolicyError",
    "build_policy",
    "iam_action",
    "load_policy",
    "policy_allows",
    "render",
    "required_operations",
]
