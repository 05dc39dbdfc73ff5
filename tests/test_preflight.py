"""Preflight: a connection whose role cannot be assumed fails in one line naming it, without retries."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import EndpointConnectionError

from postureflow.aws import AwsAccess
from postureflow.moto_server import free_port
from postureflow.preflight import PreflightFailed, describe_failure, verify_connection

ROLE = "arn:aws:iam::123456789012:role/PostureflowAudit"


def _connection(monkeypatch, conn_id: str, extra: dict) -> None:
    conn = {"conn_type": "aws", "login": "testing", "password": "testing", "extra": extra}
    monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", json.dumps(conn))


def test_a_refused_assume_role_is_one_line_naming_the_connection_and_fails_the_task(monkeypatch):
    from airflow.sdk.exceptions import AirflowFailException

    dead = f"http://127.0.0.1:{free_port()}"  # nothing listens: the STS endpoint is unreachable
    _connection(monkeypatch, "aws_broken", {"role_arn": ROLE, "region_name": "us-east-1",
                                             "service_config": {"sts": {"endpoint_url": dead}}})
    access = AwsAccess.from_airflow_connection("aws_broken")
    with pytest.raises(PreflightFailed) as caught:
        verify_connection(access, "aws_broken")
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"could not assume role {ROLE} through connection 'aws_broken': ")
    assert "EndpointConnectionError" in message and dead in message
    assert isinstance(caught.value, AirflowFailException)  # Airflow does not retry the preflight


def test_an_assumable_role_passes(aws, monkeypatch):
    _connection(monkeypatch, "aws_ok", {"role_arn": ROLE, "region_name": "us-east-1"})
    access = AwsAccess.from_airflow_connection("aws_ok")
    verify_connection(access, "aws_ok")
    assert access.caller_account_id() == "123456789012"


def test_an_emulator_connection_without_sts_service_config_gets_the_fix_named():
    facts = {"role_arn": ROLE, "endpoint_url": "http://127.0.0.1:5000", "sts_endpoint_url": None}
    err = EndpointConnectionError(endpoint_url="https://sts.us-east-1.amazonaws.com/")
    line = describe_failure("aws_demo", facts, err)
    assert line.startswith(f"could not assume role {ROLE} through connection 'aws_demo': EndpointConnectionError")
    assert '"service_config": {"sts": {"endpoint_url": "http://127.0.0.1:5000"}}' in line


def test_an_emulator_connection_without_sts_service_config_gets_the_fix_named_behind_a_proxy(monkeypatch):
    """AssumeRole goes to AWS's STS (here: to a dead loopback proxy, whose error does not name STS): the line
    still names the missing service_config, whatever the error's text."""
    dead = f"http://127.0.0.1:{free_port()}"
    monkeypatch.setenv("HTTPS_PROXY", dead)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    emulator = f"http://127.0.0.1:{free_port()}"
    _connection(monkeypatch, "aws_emulated", {"role_arn": ROLE, "region_name": "us-east-1", "endpoint_url": emulator})
    access = AwsAccess.from_airflow_connection("aws_emulated")
    with pytest.raises(PreflightFailed) as caught:
        verify_connection(access, "aws_emulated")
    message = str(caught.value)
    assert "\n" not in message and "through connection 'aws_emulated': ProxyConnectionError" in message
    assert f'"service_config": {{"sts": {{"endpoint_url": "{emulator}"}}}}' in message


def test_a_real_connection_failing_gets_no_emulator_advice():
    facts = {"role_arn": ROLE, "endpoint_url": None, "sts_endpoint_url": None}
    err = EndpointConnectionError(endpoint_url="https://sts.us-east-1.amazonaws.com/")
    assert "service_config" not in describe_failure("aws_prod", facts, err)
