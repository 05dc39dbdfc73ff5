"""ec2_elastic_ip_shodan: Shodan answered by testing.LocalHttp (127.0.0.1, a free port): a listed IP 200,
a broken answer 503, any other IP 404 as Shodan answers a host it knows nothing of. The API key reaches the
server only, never the lake, the logs or a scan error."""

from __future__ import annotations

import json
import logging
from types import SimpleNamespace
from urllib.parse import parse_qs, urlparse

import boto3
import pytest

from postureflow.aws import AwsAccess
from postureflow.lake import Lake
from postureflow.lake.query import connect
from postureflow.testing import LocalHttp, scan_in_moto

KEY = "pf-test-shodan-key-7f3a9c"
REGION = "us-east-1"
CHECK = "ec2_elastic_ip_shodan"


@pytest.fixture
def world(aws, monkeypatch, tmp_path):
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)  # the request must stay on 127.0.0.1
    ec2 = boto3.client("ec2", region_name=REGION)
    ips = {name: ec2.allocate_address(Domain="vpc")["PublicIp"] for name in ("listed", "quiet", "broken")}
    routes = {
        f"/shodan/host/{ips['listed']}": (200, json.dumps(
            {"ip_str": ips["listed"], "ports": [443, 22], "isp": "Amazon.com", "country_name": "US"}).encode()),
        f"/shodan/host/{ips['broken']}": (503, b'{"error": "Request failed"}'),
    }  # fmt: skip
    with LocalHttp(routes=routes) as shodan:
        yield SimpleNamespace(ips=ips, shodan=shodan, tmp=tmp_path, config={"shodan_api_key": KEY, "shodan_api_url": shodan.url})


def _asked(shodan) -> list[tuple[str, str]]:
    """(IP, key) of each request the server received."""
    return [(urlparse(p).path.rsplit("/", 1)[-1], (parse_qs(urlparse(p).query).get("key") or [""])[0])
            for p in shodan.requests]  # fmt: skip


def _lake_text(lake) -> str:
    con = connect(lake, ["inventory", "findings", "scan_errors"])
    return "".join(str(con.sql(f"SELECT * FROM {table}").fetchall()) for table in ("inventory", "findings", "scan_errors"))


def test_listed_not_listed_and_unanswered(world, caplog):
    caplog.set_level(logging.DEBUG)
    access = AwsAccess.from_default_chain()
    lake = Lake(str(world.tmp / "lake"))
    run = scan_in_moto(lake, ["ec2"], [REGION], access=access, config=world.config)

    ips = world.ips
    assert run.statuses(CHECK) == {ips["listed"]: "FAIL", ips["quiet"]: "PASS", ips["broken"]: "MANUAL"}
    [listed] = [f for f in run.of(CHECK) if f["resource_id"] == ips["listed"]]
    assert "22, 443" in listed["status_extended"] and listed["resource_type"] == "AwsEc2Eip"
    [broken] = [f for f in run.of(CHECK) if f["resource_id"] == ips["broken"]]
    assert broken["status_extended"].startswith("No verdict:")
    assert ("shodan:host", "HTTP503") in {(e["api"], e["error_code"]) for e in run.errors}
    # one request per Elastic IP, each with the key; the key is nowhere else
    assert sorted(ip for ip, _ in _asked(world.shodan)) == sorted(ips.values())
    assert {key for _, key in _asked(world.shodan)} == {KEY}
    assert KEY not in _lake_text(lake)
    assert KEY not in caplog.text
    assert access.call_log.repeated() == []


def test_a_refused_key_is_no_verdict_and_never_leaks(world, caplog):
    caplog.set_level(logging.DEBUG)
    for ip in world.ips.values():  # Shodan refuses the key whatever the IP
        world.shodan.routes[f"/shodan/host/{ip}"] = (401, b'{"error": "Invalid API key"}')
    lake = Lake(str(world.tmp / "lake"))
    wrong = "pf-wrong-key-0b1d"
    run = scan_in_moto(lake, ["ec2"], [REGION], config={**world.config, "shodan_api_key": wrong})
    assert set(run.statuses(CHECK).values()) == {"MANUAL"}
    assert {(e["api"], e["error_code"]) for e in run.errors if e["api"].startswith("shodan")} == {("shodan:host", "HTTP401")}
    assert {key for _, key in _asked(world.shodan)} == {wrong}
    assert wrong not in _lake_text(lake) and wrong not in caplog.text


def test_without_a_key_nothing_is_asked_or_reported(world, scan):
    run = scan("ec2", regions=[REGION])
    assert run.of(CHECK) == []
    assert world.shodan.requests == []


def test_a_plain_http_shodan_url_is_never_asked(world):
    run = scan_in_moto(Lake(str(world.tmp / "lake")), ["ec2"], [REGION],
                       config={**world.config, "shodan_api_url": "http://shodan.example.invalid"})  # fmt: skip
    assert set(run.statuses(CHECK).values()) == {"MANUAL"}
    assert [e["error_code"] for e in run.errors if e["api"] == "shodan:host"] == ["InsecureShodanUrl"]
    assert world.shodan.requests == []
