"""The demo account: deliberate misconfigurations, each beside a well-configured twin.

Every module ``seed_<group>.py`` here exposes ``seed(session, account_id, regions)``
and creates its resources through ``session`` (in moto: pointed at moto_server by
AWS_ENDPOINT_URL, or inside ``mock_aws``), and ``SERVICES``: the services (collector
names) whose checks it gives at least one FAIL and one PASS in the demo scan.
"""

from __future__ import annotations

import importlib
import logging
import os
import pkgutil
import urllib.error
import urllib.parse
import urllib.request

import boto3

log = logging.getLogger(__name__)

DEMO_ACCOUNT_ID = "111122223333"
DEMO_REGIONS = ["us-east-1", "eu-west-1"]
DEMO_ROLE = "PostureflowAudit"


def seed_modules() -> list:
    return [
        importlib.import_module(f"{__name__}.{m.name}")
        for m in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name)
        if m.name.startswith("seed_")
    ]


def seeded_services() -> list[str]:
    """The services the demo seeds a misconfigured and a well-configured resource for."""
    return sorted({service for module in seed_modules() for service in getattr(module, "SERVICES", ())})


class NotMoto(RuntimeError):
    """The demo was about to seed something other than moto."""


def require_moto() -> None:
    """Refuse to seed anything but moto: the demo opens resources to the internet on purpose.

    AWS_ENDPOINT_URL, when set, must name a moto_server on a loopback address (one that answers
    moto's own ``/moto-api/``, which AWS does not); when unset, a ``mock_aws`` must be running, so
    every call stays in the process.
    """
    endpoint = os.environ.get("AWS_ENDPOINT_URL")
    if not endpoint:
        from moto.core.models import MockAWS

        if MockAWS._mocks_active:  # moto has no public flag for "a mock is running"
            return
        raise NotMoto("the demo seeds moto only: run it inside mock_aws or set AWS_ENDPOINT_URL to a moto_server")
    if urllib.parse.urlsplit(endpoint).hostname not in ("127.0.0.1", "localhost", "::1"):
        raise NotMoto(f"the demo seeds a moto_server on a loopback address only, not {endpoint}")
    try:
        urllib.request.urlopen(f"{endpoint.rstrip('/')}/moto-api/", timeout=5).close()
    except (urllib.error.URLError, OSError) as err:
        raise NotMoto(f"{endpoint} does not answer as a moto_server ({err})") from err


def seed_account(session: boto3.session.Session, account_id: str, regions: list[str]) -> list[str]:
    """Run every seed module (in moto only); returns the names of the modules that ran."""
    require_moto()
    done = []
    for module in seed_modules():
        module.seed(session, account_id, regions)
        done.append(module.__name__.rsplit(".", 1)[-1])
    return done


def assumed_session(endpoint_url: str | None, account_id: str, role: str = DEMO_ROLE,
                    region: str = "us-east-1") -> boto3.session.Session:
    """A session inside ``account_id`` through STS AssumeRole, as the scanner will see it."""
    sts = boto3.client("sts", region_name=region, endpoint_url=endpoint_url)
    creds = sts.assume_role(RoleArn=f"arn:aws:iam::{account_id}:role/{role}", RoleSessionName="postureflow-demo")[
        "Credentials"
    ]
    return boto3.session.Session(
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
        region_name=region,
    )
