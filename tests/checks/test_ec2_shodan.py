"""ec2_elastic_ip_shodan: Shodan answered by a local HTTP server on 127.0.0.1 (a free port; its own handler
rather than testing.LocalHttp because the answer depends on the key and the IP); the API key reaches the
server only, never the lake, the logs or a scan error."""

from __future__ import annotations

import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace
from urllib.parse import parse_qs, urlparse

import boto3
import pytest

from postureflow.aws import AwsAccess
from postureflow.lake import Lake
from postureflow.lake.query import connect
from postureflow.testing import scan_in_moto

KEY = "pf-test-shodan-key-7f3a9c"
REGION = "us-east-1"
CHECK = "ec2_elastic_ip_shodan"


class FakeShodan:
    """Shodan's /shodan/host/<ip>: listed IPs answer 200, broken ones 503, the rest 404 "No information"."""

    def __init__(self):
        self.listed: set[str] = set()
        self.broken: set[str] = set()
        self.requests: list[tuple[str, str]] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                url = urlparse(self.path)
                ip = url.path.rsplit("/", 1)[-1]
                key = (parse_qs(url.query).get("key") or [""])[0]
                fake.requests.append((ip, key))
                if key != KEY:
                    self._answer(401, {"error": "Invalid API key"})
                elif ip in fake.broken:
                    self._answer(503, {"error": "Request failed"})
                elif ip in fake.listed:
                    self._answer(200, {"ip_str": ip, "ports": [443, 22], "isp": "Amazon.com", "country_name": "US"})
                else:
                    self._answer(404, {"error": "No information available for that IP."})

            def _answer(self, status, body):
                raw = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


@pytest.fixture
def world(aws, monkeypatch, tmp_path):
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)  # the request must stay on 127.0.0.1
    ec2 = boto3.client("ec2", region_name=REGION)
    ips = {name: ec2.allocate_address(Domain="vpc")["PublicIp"] for name in ("listed", "quiet", "broken")}
    with FakeShodan() as shodan:
        shodan.listed.add(ips["listed"])
        shodan.broken.add(ips["broken"])
        yield SimpleNamespace(ips=ips, shodan=shodan, tmp=tmp_path, config={"shodan_api_key": KEY, "shodan_api_url": shodan.url})


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
    assert sorted(ip for ip, _ in world.shodan.requests) == sorted(ips.values())
    assert {key for _, key in world.shodan.requests} == {KEY}
    assert KEY not in _lake_text(lake)
    assert KEY not in caplog.text
    assert access.call_log.repeated() == []


def test_a_refused_key_is_no_verdict_and_never_leaks(world, caplog):
    caplog.set_level(logging.DEBUG)
    lake = Lake(str(world.tmp / "lake"))
    wrong = "pf-wrong-key-0b1d"
    run = scan_in_moto(lake, ["ec2"], [REGION], config={**world.config, "shodan_api_key": wrong})
    assert set(run.statuses(CHECK).values()) == {"MANUAL"}
    assert {(e["api"], e["error_code"]) for e in run.errors if e["api"].startswith("shodan")} == {("shodan:host", "HTTP401")}
    assert wrong not in _lake_text(lake) and wrong not in caplog.text


def test_without_a_key_nothing_is_asked_or_reported(world, scan):
    run = scan("ec2", regions=[REGION])
    assert run.of(CHECK) == []
    assert world.shodan.requests == []
