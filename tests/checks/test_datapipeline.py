"""Data Pipeline check on pipelines created in moto: FAIL, PASS and no verdict; the secret never stored."""

from types import SimpleNamespace

import boto3
import pytest

from postureflow.aws import AwsAccess
from postureflow.lake import Lake
from postureflow.lake.query import connect
from postureflow.testing import scan_denied, scan_in_moto

REGION = "us-east-1"
SECRET = "Sup3r-S3cret-Pa55word!"
CHECK = "datapipeline_pipeline_no_secrets_in_definition"


def _definition(client, pipeline_id, password):
    fields = [{"key": "type", "stringValue": "RdsDatabase"}, {"key": "username", "stringValue": "etl"}]
    if password:
        fields.append({"key": "*password", "stringValue": password})
    client.put_pipeline_definition(pipelineId=pipeline_id, pipelineObjects=[{"id": "db", "name": "db", "fields": fields}])


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from moto import mock_aws

    with mock_aws():
        client = boto3.client("datapipeline", region_name=REGION)
        leaky = client.create_pipeline(name="leaky-pipeline", uniqueId="leaky")["pipelineId"]
        clean = client.create_pipeline(name="clean-pipeline", uniqueId="clean")["pipelineId"]
        _definition(client, leaky, SECRET)
        _definition(client, clean, None)
        access = AwsAccess.from_default_chain()
        lake = Lake(str(tmp_path_factory.mktemp("lake")))
        run = scan_in_moto(lake, ["datapipeline"], [REGION], access=access)
        unread = scan_denied(str(tmp_path_factory.mktemp("denied")), ["datapipeline"], [REGION], "datapipeline:GetPipelineDefinition")
    return SimpleNamespace(run=run, unread=unread, lake=lake, calls=access.call_log)


def test_no_secrets_in_definition(world):
    assert world.run.statuses(CHECK) == {"leaky-pipeline": "FAIL", "clean-pipeline": "PASS"}


def test_unreadable_definition_gives_no_verdict(world):
    assert world.unread.statuses(CHECK) == {"leaky-pipeline": "MANUAL", "clean-pipeline": "MANUAL"}


def test_the_secret_never_reaches_the_lake(world):
    rows = connect(world.lake, ["inventory", "findings"]).sql(
        "SELECT data FROM inventory UNION ALL SELECT status_extended FROM findings").fetchall()
    assert rows and not any(SECRET in row[0] for row in rows)


def test_calls(world):
    assert world.run.errors == [] and world.calls.repeated() == []
