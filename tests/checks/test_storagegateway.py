"""Storage Gateway checks: FAIL, PASS and no verdict. moto has no Storage Gateway: answered in its place
by postureflow.testing.answer_in_moto."""

import json

import pytest

from postureflow.aws import AwsAccess
from postureflow.lake import Lake
from postureflow.testing import DeniedAccess, answer_in_moto, scan_in_moto

REGION = "us-east-1"
GATEWAY = "arn:aws:storagegateway:us-east-1:123456789012:gateway/sgw-"
SHARE = "arn:aws:storagegateway:us-east-1:123456789012:share/share-"
SHARES = {f"{SHARE}SEALED": {"KMSEncrypted": True, "KMSKey": "arn:aws:kms:us-east-1:123456789012:key/k"},
          f"{SHARE}PLAIN": {"KMSEncrypted": False}}
ANSWERS = {
    "storagegateway:ListGateways": {"Gateways": [
        {"GatewayARN": f"{GATEWAY}EC2", "GatewayId": "sgw-EC2", "GatewayName": "cloud-gw", "HostEnvironment": "EC2"},
        {"GatewayARN": f"{GATEWAY}VMW", "GatewayId": "sgw-VMW", "GatewayName": "onprem-gw", "HostEnvironment": "VMWARE"}]},
    "storagegateway:ListFileShares": {"FileShareInfoList": [
        {"FileShareARN": f"{SHARE}SEALED", "FileShareId": "share-SEALED", "FileShareType": "NFS"},
        {"FileShareARN": f"{SHARE}PLAIN", "FileShareId": "share-PLAIN", "FileShareType": "SMB"}]},
    "storagegateway:DescribeNFSFileShares": lambda region, params: {"NFSFileShareInfoList": [
        dict(SHARES[arn], FileShareARN=arn) for arn in json.loads(params["body"])["FileShareARNList"]]},
    "storagegateway:DescribeSMBFileShares": lambda region, params: {"SMBFileShareInfoList": [
        dict(SHARES[arn], FileShareARN=arn) for arn in json.loads(params["body"])["FileShareARNList"]]},
}  # fmt: skip


def _scan(tmp_path, denied=None):
    from moto import mock_aws

    with mock_aws():
        access = DeniedAccess(denied) if denied else AwsAccess.from_default_chain()
        answer_in_moto(access, REGION, ANSWERS)
        return scan_in_moto(Lake(str(tmp_path / "lake")), ["storagegateway"], [REGION], access=access)


def test_fileshare_encryption(tmp_path):
    run = _scan(tmp_path)
    assert run.statuses("storagegateway_fileshare_encryption_enabled") == {"share-SEALED": "PASS", "share-PLAIN": "FAIL"}
    assert run.errors == []


def test_gateway_fault_tolerant(tmp_path):
    assert _scan(tmp_path).statuses("storagegateway_gateway_fault_tolerant") == {"cloud-gw": "FAIL", "onprem-gw": "PASS"}


@pytest.mark.parametrize("refused, check, expected", [
    ("storagegateway:DescribeNFSFileShares", "storagegateway_fileshare_encryption_enabled", {"share-SEALED": "MANUAL", "share-PLAIN": "FAIL"}),
    ("storagegateway:ListGateways", "storagegateway_gateway_fault_tolerant", {}),
])  # fmt: skip
def test_refused_reads_give_no_verdict(tmp_path, refused, check, expected):
    assert _scan(tmp_path, denied=refused).statuses(check) == expected
