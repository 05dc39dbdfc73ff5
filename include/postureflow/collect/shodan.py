"""Shodan look-ups of the account's Elastic IPs: a part of the ec2 collection (``@collector_part``).

Only when the audit config names a ``shodan_api_key`` (Prowler's key; without it Prowler reports
nothing and so do we): per region, after the ec2 collector, one ``{shodan_api_url}/shodan/host/<ip>``
request per Elastic IP that ec2 recorded (``scope.recorded("addresses")``: no second DescribeAddresses),
one at a time (Shodan's API is rate limited), through ``downloads.http_get`` (bounded in size and time).
No AWS call is made here.

Each answer becomes a ``shodan_hosts`` record on the Elastic IP: listed (ports, ISP, country), not listed
(Shodan's 404 for a host it knows nothing of), or unread (any other answer, or none: a scan error).
The API key is a secret: it is sent in the request only, never stored, logged or put in a scan error.
"""

from __future__ import annotations

import json
import urllib.parse

from postureflow.collect.base import ABSENT, OK, Outcome, RegionScope, collector_part
from postureflow.collect.downloads import http_get, is_loopback, read_outcome

API = "shodan:host"
MAX_ANSWER_BYTES = 2 * 1024 * 1024
TIMEOUT_SECONDS = 20


@collector_part("ec2")
def collect_shodan(scope: RegionScope) -> None:
    key = str(scope.config.get("shodan_api_key") or "")
    if not key:
        return
    addresses = [a for a in scope.recorded("addresses") if a.data.get("public_ip")]
    if not addresses:
        return
    base = str(scope.config.get("shodan_api_url") or "").rstrip("/")
    if base.startswith("https://") or is_loopback(base):
        answers = scope.each(addresses, lambda a: _host(scope, base, key, a.data["public_ip"]), threads=1)
    else:  # the key would travel in clear (or nowhere): not asked, every address unread
        answers = [scope.failed(API, "InsecureShodanUrl", f"shodan_api_url must be an https URL, not {base!r}")]
        answers *= len(addresses)
    for address, answer in zip(addresses, answers, strict=True):
        scope.add(
            "shodan_hosts",
            uid=address.uid,
            id=address.data["public_ip"],
            tags=address.tags,
            allocation_id=address.id,
            listed=answer.map(lambda host: True).absent_as(False),
            ports=answer.map(lambda host: sorted(host.get("ports") or [])),
            isp=answer.map(lambda host: host.get("isp")),
            country=answer.map(lambda host: host.get("country_name")),
        )


def _host(scope: RegionScope, base: str, key: str, ip: str) -> Outcome:
    """Shodan's answer for one IP: ok (listed), absent (not listed) or a failed outcome with its scan error."""
    url = f"{base}/shodan/host/{urllib.parse.quote(ip)}?{urllib.parse.urlencode({'key': key})}"
    # The key is in the URL: no message below names the URL, and read_outcome's is the exception's text
    # (a refused connection, a timeout, a size limit), which does not either. The test asserts it.
    answer = read_outcome(scope, API, lambda: http_get(url, max_bytes=MAX_ANSWER_BYTES, timeout=TIMEOUT_SECONDS))
    if not answer.ok:
        return answer
    status, body = answer.value
    if status == 404:
        return Outcome(ABSENT, None, API, "404")  # Shodan's "No information available for that IP"
    if status != 200:
        return scope.failed(API, f"HTTP{status}", f"Shodan answered HTTP {status} about {ip}")
    try:
        host = json.loads(body)
    except ValueError:
        host = None
    if not isinstance(host, dict):
        return scope.failed(API, "InvalidJson", f"Shodan did not answer JSON about {ip}")
    return Outcome(OK, host, API)
