"""Preflight's first step: can the account's connection be used at all? One line if not.

The Amazon provider assumes the connection's role lazily, inside the first API
call; a failure there surfaces as a raw botocore error (naming
``sts.us-east-1.amazonaws.com``) after every retry of that call. Resolving the
credentials first, once, turns it into one sentence naming the connection, the
role and the reason, with the usual fix.
"""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger(__name__)


try:  # an AirflowFailException fails the preflight task at once: retrying a refused role only costs time
    from airflow.sdk.exceptions import AirflowFailException as _Fatal
except ImportError:  # pragma: no cover - the CLI without Airflow
    _Fatal = Exception


class PreflightFailed(_Fatal):
    """The run cannot start: the message says why, in one line (the task fails without retrying)."""


def connection_facts(conn_id: str) -> dict[str, Any]:
    """role_arn, endpoint_url and the STS service_config of an Airflow AWS connection (no secrets)."""
    from airflow.providers.amazon.aws.hooks.base_aws import AwsBaseHook

    conn = AwsBaseHook(aws_conn_id=conn_id, client_type="sts").conn_config
    return {
        "role_arn": conn.role_arn,
        "endpoint_url": conn.endpoint_url,
        "sts_endpoint_url": (conn.service_config.get("sts") or {}).get("endpoint_url"),
        "region_name": conn.region_name,
    }


def _reason(err: BaseException) -> str:
    from botocore.exceptions import ClientError

    if isinstance(err, ClientError):
        error = err.response.get("Error", {})
        return f"{error.get('Code')}: {error.get('Message')}"
    return f"{type(err).__name__}: {err}"


def describe_failure(conn_id: str, facts: dict[str, Any], err: BaseException) -> str:
    """One line: which connection, which role, why, and the likely fix."""
    role = facts.get("role_arn")
    what = f"could not assume role {role} through connection {conn_id!r}" if role else \
        f"could not get AWS credentials through connection {conn_id!r}"
    line = f"{what}: {_reason(err)}"
    text = str(err)
    # endpoint_url without the STS one: AssumeRole went to AWS's STS (directly, or through a proxy, whose error
    # does not name it), never to the emulator or proxy the connection names
    if facts.get("endpoint_url") and not facts.get("sts_endpoint_url"):
        line += (
            f"; the connection's endpoint_url ({facts['endpoint_url']}) is not used for AssumeRole: add "
            f'"service_config": {{"sts": {{"endpoint_url": "{facts["endpoint_url"]}"}}}} to its extra'
        )
    elif "Unable to locate credentials" in text or "NoCredentialsError" in type(err).__name__:
        line += "; give the Airflow processes base credentials (instance role, environment) or a login/password"
    return line


def verify_connection(access, conn_id: str) -> None:
    """Resolve the connection's credentials (the assume-role happens here); raise PreflightFailed in one line."""
    try:
        credentials = access.session().get_credentials()
        if credentials is None:
            raise RuntimeError("NoCredentialsError: Unable to locate credentials")
        credentials.get_frozen_credentials()
    except Exception as err:  # noqa: BLE001 - any failure here means the run cannot start
        try:
            facts = connection_facts(conn_id)
        except Exception:  # noqa: BLE001 - describe without the connection's facts
            facts = {}
        raise PreflightFailed(describe_failure(conn_id, facts, err)) from err
