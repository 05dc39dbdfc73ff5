"""Forwarding findings to AWS Security Hub: ASFF documents, the delta since the last run, the import.

The DAG's last task calls::

    from postureflow.securityhub import ForwardOptions, forward_findings

    result = forward_findings(lake, access, account_id, scan_date, ForwardOptions.from_dict(block), regions)
"""

from postureflow.securityhub import state as _state  # noqa: F401 - registers the lake datasets
from postureflow.securityhub.forward import FailedFinding, ForwardResult, forward_findings
from postureflow.securityhub.options import ForwardOptions, ForwardOptionsError

__all__ = ["FailedFinding", "ForwardOptions", "ForwardOptionsError", "ForwardResult", "forward_findings"]
