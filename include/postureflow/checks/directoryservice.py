"""Directory Service checks: monitoring, snapshot quota, LDAPS certificates, RADIUS MFA."""

from __future__ import annotations

from postureflow.checks.base import FAIL, PASS, check, days_since

SNAPSHOTS_LEFT_WARNING = 2  # as Prowler: two or fewer manual snapshots left is a FAIL
CERTIFICATE_DAYS_WARNING = 90  # as Prowler


@check(
    id="directoryservice_directory_log_forwarding_enabled",
    title="Directory forwards its security logs to CloudWatch Logs",
    severity="medium",
    resource_type="Other",
    reads=["directoryservice.directories"],
    risk="Without log forwarding, domain controller security events (logons, lockouts, changes) stay on the "
    "controllers where nobody monitors or keeps them.",
    remediation="Enable log forwarding for the directory (ds create-log-subscription --log-group-name ...).",
)
def directoryservice_directory_log_forwarding_enabled(directories):
    for directory in directories:
        if directory.get("log_subscriptions"):
            yield PASS(directory, f"Directory {directory.id} forwards its logs to CloudWatch Logs.")
        else:
            yield FAIL(directory, f"Directory {directory.id} does not forward its logs to CloudWatch Logs.")


@check(
    id="directoryservice_directory_monitor_notifications",
    title="Directory publishes its status changes to an SNS topic",
    severity="medium",
    resource_type="Other",
    reads=["directoryservice.directories"],
    risk="An impaired or inoperable directory goes unnoticed until users cannot sign in.",
    remediation="Register an SNS topic for the directory's status messages (ds register-event-topic).",
)
def directoryservice_directory_monitor_notifications(directories):
    for directory in directories:
        if directory.get("type") == "SharedMicrosoftAD":
            continue  # status messages belong to the owner's directory
        if directory.get("event_topics"):
            yield PASS(directory, f"Directory {directory.id} publishes status changes to SNS.")
        else:
            yield FAIL(directory, f"Directory {directory.id} does not publish status changes to SNS.")


@check(
    id="directoryservice_directory_snapshots_limit",
    title="Directory has manual snapshots to spare",
    severity="low",
    resource_type="Other",
    reads=["directoryservice.directories"],
    risk="At the manual snapshot quota no new snapshot can be taken before a risky change.",
    remediation="Delete manual snapshots that are no longer needed, or ask for a higher quota.",
)
def directoryservice_directory_snapshots_limit(directories):
    for directory in directories:
        if directory.get("type") != "MicrosoftAD":
            continue
        limits = directory.get("snapshot_limits") or {}
        limit, count = limits.get("limit") or 0, limits.get("count") or 0
        if limits.get("reached") or limit - count <= SNAPSHOTS_LEFT_WARNING:
            yield FAIL(directory, f"Directory {directory.id} uses {count} of its {limit} manual snapshots.")
        else:
            yield PASS(directory, f"Directory {directory.id} uses {count} of its {limit} manual snapshots.")


@check(
    id="directoryservice_ldap_certificate_expiration",
    title="Directory's LDAPS certificate is valid for more than 90 days",
    severity="medium",
    resource_type="Other",
    reads=["directoryservice.certificates"],
    risk="When the LDAPS certificate expires, applications that bind over LDAPS stop authenticating.",
    remediation="Register a renewed certificate with the directory before the current one expires.",
)
def directoryservice_ldap_certificate_expiration(certificates, now):
    for certificate in certificates:
        age = days_since(certificate.get("expires"), now)
        left = None if age is None else int(-age)
        where = f"LDAPS certificate {certificate.id} of directory {certificate.get('directory_id')}"
        if left is not None and left > CERTIFICATE_DAYS_WARNING:
            yield PASS(certificate, f"{where} expires in {left} days.")
        else:
            yield FAIL(certificate, f"{where} expires in {left} days." if left is not None else f"{where} has no expiry date.")


@check(
    id="directoryservice_radius_server_security_protocol",
    title="Directory's RADIUS server authenticates with MS-CHAPv2",
    severity="medium",
    resource_type="Other",
    reads=["directoryservice.directories"],
    risk="PAP, CHAP and MS-CHAPv1 expose or weakly protect the MFA exchange between the directory and the RADIUS server.",
    remediation="Set the directory's RADIUS authentication protocol to MS-CHAPv2 (ds update-radius).",
)
def directoryservice_radius_server_security_protocol(directories):
    for directory in directories:
        if directory.lacks("radius_protocol"):
            continue  # no RADIUS server configured
        protocol = directory.get("radius_protocol")
        if protocol == "MS-CHAPv2":
            yield PASS(directory, f"Directory {directory.id} authenticates to RADIUS with MS-CHAPv2.")
        else:
            yield FAIL(directory, f"Directory {directory.id} authenticates to RADIUS with {protocol}, not MS-CHAPv2.")


@check(
    id="directoryservice_supported_mfa_radius_enabled",
    title="Directory has RADIUS multi-factor authentication working",
    severity="medium",
    resource_type="Other",
    reads=["directoryservice.directories"],
    risk="Without MFA a stolen directory password is enough to sign in to the applications behind it.",
    remediation="Configure a RADIUS server for MFA on the directory and check its status reaches Completed.",
)
def directoryservice_supported_mfa_radius_enabled(directories):
    for directory in directories:
        if directory.lacks("radius_protocol"):
            continue  # no RADIUS server configured
        status = directory.get("radius_status")
        if status == "Completed":
            yield PASS(directory, f"Directory {directory.id} has RADIUS MFA enabled.")
        else:
            yield FAIL(directory, f"Directory {directory.id} RADIUS MFA is not working (status {status}).")
