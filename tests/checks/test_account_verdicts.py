"""Account verdicts the other account tests leave out: contacts that could not be read.

moto has no Account API; the refusals happen before any call is sent, so moto's gap does not matter here.
"""

from __future__ import annotations

import pytest

from postureflow.testing import scan_denied


@pytest.mark.parametrize("check, refused", [
    ("account_maintain_current_contact_details", "account:GetContactInformation"),
    ("account_security_contact_information_is_registered", "account:GetAlternateContact"),
])  # fmt: skip
def test_unread_contacts_get_no_verdict(aws, tmp_path, check, refused):
    run = scan_denied(str(tmp_path), ["account"], ["us-east-1"], refused)
    assert [f["status"] for f in run.of(check)] == ["MANUAL"]
    assert "AccessDenied" in run.of(check)[0]["status_extended"]
