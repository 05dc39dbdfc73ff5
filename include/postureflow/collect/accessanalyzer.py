"""IAM Access Analyzer: the region's analyzers, one record per region."""

from __future__ import annotations

from botocore.exceptions import ClientError

from postureflow.collect.base import RegionScope, ScanError, collector

# A server error that outlived botocore's retries: Access Analyzer names it InternalServerException
# (not in the framework's recorded codes), and a stand-in without this service (moto_server) answers
# a bare HTTP 500. Either way the region cannot be read: record it and go on.
SERVER_ERRORS = ("InternalServerException", "500", "502", "503", "504")


@collector("accessanalyzer")
def collect_accessanalyzer(scope: RegionScope) -> None:
    client = scope.client("accessanalyzer")
    analyzers: list[dict] = []
    params: dict = {}
    while True:  # paged by hand so that a failed listing records nothing instead of "no analyzers"
        try:
            page = scope.call(client, "list_analyzers", **params)
        except ClientError as err:
            error = err.response.get("Error", {})
            code = str(error.get("Code", ""))
            if code not in SERVER_ERRORS:
                raise
            message = str(error.get("Message", ""))[:1000]
            scope.collection.error(ScanError(scope.service, scope.region, "accessanalyzer:list_analyzers", code, message))
            return
        if page is None:
            return
        analyzers.extend(page.get("analyzers", []))
        if not page.get("nextToken"):
            break
        params = {"nextToken": page["nextToken"]}
    scope.add(
        "analyzers",
        uid=scope.arn("access-analyzer", "analyzers"),
        id=f"access-analyzer-{scope.region}",
        analyzers=[
            {"name": a.get("name"), "arn": a.get("arn"), "type": a.get("type"), "status": a.get("status")}
            for a in analyzers
        ],
    )
