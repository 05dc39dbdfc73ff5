"""The demo account: deliberate misconfigurations, each beside a well-configured twin.

Every module ``seed_<group>.py`` here exposes ``seed(session, account_id, regions)``
and creates its resources through ``session`` (in moto: pointed at moto_server by
AWS_ENDPOINT_URL, or inside ``mock_aws``).
"""

from __future__ import annotations

import importlib
import logging
import pkgutil

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


def seed_account(session: boto3.session.Session, account_id: str, regions: list[str]) -> list[str]:
    """Run every seed module; returns the names of the modules that ran."""
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
