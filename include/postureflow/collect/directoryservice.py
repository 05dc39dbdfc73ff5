"""Directory Service: directories with their log forwarding, SNS event topics, RADIUS settings,
manual snapshot quota, and their LDAPS certificates.

Calls per region: DescribeDirectories (paginated); per directory ListLogSubscriptions and
DescribeEventTopics (not for shared directories), ListCertificates (not for Simple AD, which has
no LDAPS) and GetSnapshotLimits (Managed Microsoft AD only, the only type with manual snapshot quotas
that Prowler judges).
"""

from __future__ import annotations

from postureflow.collect.base import Outcome, RegionScope, collector

UNSUPPORTED = ("UnsupportedOperationException", "ClientException")


@collector("directoryservice")
def collect_directoryservice(scope: RegionScope) -> None:
    ds = scope.client("ds")
    directories = scope.list(ds, "describe_directories", "DirectoryDescriptions", kind=("directories", "certificates"))
    scope.each(directories.value or [], lambda directory: _collect_directory(scope, ds, directory))


def _collect_directory(scope: RegionScope, ds, directory: dict) -> None:
    directory_id, kind = directory["DirectoryId"], directory.get("Type")
    uid = scope.arn("ds", f"directory/{directory_id}")
    not_applicable = Outcome("absent")
    logs = scope.list(ds, "list_log_subscriptions", "LogSubscriptions", DirectoryId=directory_id)
    topics = (scope.fetch(ds, "describe_event_topics", DirectoryId=directory_id).get("EventTopics", [])
              if kind != "SharedMicrosoftAD" else not_applicable)  # fmt: skip
    limits = (scope.fetch(ds, "get_snapshot_limits", DirectoryId=directory_id).get("SnapshotLimits", {})
              if kind == "MicrosoftAD" else not_applicable)  # fmt: skip
    radius = directory.get("RadiusSettings")
    scope.add(
        "directories",
        uid=uid,
        id=directory_id,
        type=kind,
        log_subscriptions=logs.map(len),
        event_topics=topics.map(len),
        snapshot_limits=limits.map(lambda l: {"limit": l.get("ManualSnapshotsLimit"), "count": l.get("ManualSnapshotsCurrentCount"),
                                              "reached": bool(l.get("ManualSnapshotsLimitReached"))}),  # fmt: skip
        radius_protocol=(radius or {}).get("AuthenticationProtocol"),
        radius_status=directory.get("RadiusStatus") if radius else None,
    )
    if kind == "SimpleAD":
        return  # no LDAPS
    certificates = scope.list(ds, "list_certificates", "CertificatesInfo", absent=UNSUPPORTED, kind="certificates",
                              DirectoryId=directory_id)  # fmt: skip
    for certificate in certificates.value or []:
        scope.add(
            "certificates",
            uid=f"{uid}/certificate/{certificate['CertificateId']}",
            id=certificate["CertificateId"],
            directory_id=directory_id,
            expires=certificate.get("ExpiryDateTime"),
        )
