"""Macie: whether Macie is enabled in the region, one record per region."""

from __future__ import annotations

from botocore.exceptions import ClientError

from postureflow.collect.base import RECORDED_ERROR_CODES, RegionScope, ScanError, collector


@collector("macie")
def collect_macie(scope: RegionScope) -> None:
    macie = scope.client("macie2")
    try:
        session = macie.get_macie_session()
    except ClientError as err:
        error = err.response.get("Error", {})
        code, message = str(error.get("Code", "")), str(error.get("Message", ""))
        # AWS answers AccessDeniedException "Macie is not enabled" in a region where it is off
        # (moto answers ResourceNotFoundException); both mean "not enabled", not "not allowed".
        if code == "ResourceNotFoundException" or (code == "AccessDeniedException" and "not enabled" in message):
            session = None
        elif code in RECORDED_ERROR_CODES:
            error_row = ScanError(scope.service, scope.region, "macie2:get_macie_session", code, message[:1000])
            scope.collection.error(error_row)
            return
        else:
            raise
    scope.add(
        "sessions",
        uid=scope.arn("macie2", "session"),
        id=f"macie-{scope.region}",
        status=(session or {}).get("status", "DISABLED"),
    )
