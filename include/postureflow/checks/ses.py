"""SES checks: DKIM signing and public sending authorization."""

from __future__ import annotations

from postureflow import policy as policy_language
from postureflow.checks.base import FAIL, MANUAL, PASS, check


@check(
    id="ses_identity_dkim_enabled",
    title="SES identity signs mail with verified DKIM",
    severity="medium",
    resource_type="Other",
    reads=["ses.identities"],
    risk="Mail without a valid DKIM signature is easier to spoof in the identity's name and more often rejected "
    "or filtered as spam.",
    remediation="Set up Easy DKIM (or BYODKIM) for the identity, publish the DNS records and keep signing enabled.",
)
def ses_identity_dkim_enabled(identities):
    for identity in identities:
        status, signing = identity.get("dkim_status"), identity.get("dkim_signing")
        if status == "SUCCESS" and signing:
            yield PASS(identity, f"SES identity {identity.id} signs mail with verified DKIM.")
        elif status == "SUCCESS":
            yield FAIL(identity, f"SES identity {identity.id} has verified DKIM, but signing is turned off.")
        elif status:
            yield FAIL(identity, f"SES identity {identity.id} DKIM is not verified (status {status}).")
        else:
            yield FAIL(identity, f"SES identity {identity.id} has no DKIM set up.")


@check(
    id="ses_identity_not_publicly_accessible",
    title="SES identity's sending-authorization policies do not let everyone send as it",
    severity="high",
    resource_type="AwsIamPolicy",
    reads=["ses.identities"],
    risk="A policy that lets any AWS account send through the identity lets anyone send mail in its name, "
    "for phishing that passes SPF and DKIM.",
    remediation="Name the accounts allowed to send in each sending-authorization policy, or delete the policy.",
)
def ses_identity_not_publicly_accessible(identities):
    # Like Prowler: only identities with a sending-authorization policy are judged.
    for identity in identities:
        if identity.lacks("policies"):
            continue
        policies = identity.get("policies") or {}
        unparsed = [name for name, document in policies.items() if not isinstance(document, dict)]
        public = [name for name, document in policies.items() if isinstance(document, dict) and policy_language.is_public(document)]
        if public:
            yield FAIL(identity, f"SES identity {identity.id} lets everyone send through policy {', '.join(public)}.")
        elif unparsed:
            yield MANUAL(identity, f"SES identity {identity.id}: policy {', '.join(unparsed)} could not be parsed; review it.")
        else:
            yield PASS(identity, f"SES identity {identity.id} policies name who may send.")
