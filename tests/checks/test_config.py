import boto3

ROLE = "arn:aws:iam::123456789012:role/config"


def _recorder(region, name="default", recording_group=None, start=True):
    config = boto3.client("config", region_name=region)
    recorder = {"name": name, "roleARN": ROLE}
    if recording_group is not None:
        recorder["recordingGroup"] = recording_group
    config.put_configuration_recorder(ConfigurationRecorder=recorder)
    if start:
        config.put_delivery_channel(DeliveryChannel={"name": "default", "s3BucketName": "config-bucket"})
        config.start_configuration_recorder(ConfigurationRecorderName=name)


ALL = {"allSupported": True, "includeGlobalResourceTypes": True}
SOME = {
    "allSupported": False,
    "includeGlobalResourceTypes": False,
    "resourceTypes": ["AWS::S3::Bucket"],
    "recordingStrategy": {"useOnly": "INCLUSION_BY_RESOURCE_TYPES"},
}


def test_recorder_recording_everything_passes_missing_recorder_fails(scan):
    _recorder("us-east-1", recording_group=ALL)
    run = scan("config")
    assert run.status("config_recorder_all_regions_enabled", "config-recorders-us-east-1") == "PASS"
    assert run.status("config_recorder_all_regions_enabled", "config-recorders-eu-west-1") == "FAIL"
    eu = [f for f in run.of("config_recorder_all_regions_enabled") if f["region"] == "eu-west-1"][0]
    assert "no configuration recorder" in eu["status_extended"]


def test_stopped_recorder_fails(scan):
    _recorder("us-east-1", recording_group=ALL, start=False)
    _recorder("eu-west-1", recording_group=ALL)
    run = scan("config")
    assert run.status("config_recorder_all_regions_enabled", "config-recorders-us-east-1") == "FAIL"
    assert run.status("config_recorder_all_regions_enabled", "config-recorders-eu-west-1") == "PASS"
    us = [f for f in run.of("config_recorder_all_regions_enabled") if f["region"] == "us-east-1"][0]
    assert "not recording" in us["status_extended"]


def test_recorder_of_some_resource_types_fails(scan):
    _recorder("us-east-1", recording_group=SOME)
    run = scan("config", regions=["us-east-1"])
    finding = run.of("config_recorder_all_regions_enabled")
    assert [f["status"] for f in finding] == ["FAIL"]
    assert "does not record all resource types" in finding[0]["status_extended"]


def test_unreadable_recorder_status_gives_no_verdict(scan):
    from postureflow.testing import DeniedAccess

    access = DeniedAccess("config:DescribeConfigurationRecorderStatus", regions=("eu-west-1",))
    run = scan("config", access=access)
    statuses = run.statuses("config_recorder_all_regions_enabled")
    assert statuses["config-recorders-eu-west-1"] == "MANUAL"
    assert statuses["config-recorders-us-east-1"] == "FAIL"  # readable, and nothing records there
