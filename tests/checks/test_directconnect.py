"""Direct Connect checks: FAIL, PASS and no verdict. moto's Direct Connect lacks DescribeVirtualInterfaces:
answered in its place by postureflow.testing.answer_in_moto (connections come from moto itself)."""

import pytest

from postureflow.aws import AwsAccess
from postureflow.lake import Lake
from postureflow.testing import DeniedAccess, answer_in_moto, scan_in_moto

GOOD, BAD = "us-east-1", "eu-west-1"


def _vif(vif, connection, vgw=None, dxgw=None):
    return {"virtualInterfaceId": vif, "connectionId": connection, "virtualGatewayId": vgw or "", "directConnectGatewayId": dxgw or ""}


INTERFACES = {"directconnect:DescribeVirtualInterfaces": lambda region, _: {"virtualInterfaces": [
    _vif("dxvif-1", "dxcon-a", vgw="vgw-spread"), _vif("dxvif-2", "dxcon-b", vgw="vgw-spread"),
    _vif("dxvif-3", "dxcon-a", dxgw="dxgw-onelink"), _vif("dxvif-4", "dxcon-a", dxgw="dxgw-onelink"),
    _vif("dxvif-5", "dxcon-a", vgw="vgw-single")] if region == GOOD else []}}  # fmt: skip


def _scan(tmp_path, denied=None):
    import boto3
    from moto import mock_aws

    with mock_aws():
        for location in ("EqDC2", "EqLD5"):
            boto3.client("directconnect", region_name=GOOD).create_connection(location=location, bandwidth="1Gbps", connectionName=location)
        for _ in range(2):
            boto3.client("directconnect", region_name=BAD).create_connection(location="EqFA5", bandwidth="1Gbps", connectionName="same")
        access = DeniedAccess(denied) if denied else AwsAccess.from_default_chain()
        answer_in_moto(access, [GOOD, BAD], INTERFACES)
        return scan_in_moto(Lake(str(tmp_path / "lake")), ["directconnect"], [GOOD, BAD], access=access)


def test_connection_redundancy(tmp_path):
    run = _scan(tmp_path)
    assert {f["region"]: f["status"] for f in run.of("directconnect_connection_redundancy")} == {GOOD: "PASS", BAD: "FAIL"}
    assert run.errors == []


def test_virtual_interface_redundancy(tmp_path):
    assert _scan(tmp_path).statuses("directconnect_virtual_interface_redundancy") == {
        "vgw-spread": "PASS", "dxgw-onelink": "FAIL", "vgw-single": "FAIL"}  # fmt: skip


@pytest.mark.parametrize("refused, check, expected", [
    ("directconnect:DescribeConnections", "directconnect_connection_redundancy", {GOOD: "MANUAL", BAD: "MANUAL"}),
    ("directconnect:DescribeVirtualInterfaces", "directconnect_virtual_interface_redundancy", {}),
])  # fmt: skip
def test_refused_reads_give_no_verdict(tmp_path, refused, check, expected):
    run = _scan(tmp_path, denied=refused)
    assert {f["region"]: f["status"] for f in run.of(check)} == expected
