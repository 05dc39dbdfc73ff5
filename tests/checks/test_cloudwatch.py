import boto3

from postureflow.aws import AwsAccess
from postureflow.checks.cloudwatch import event, filter_verdict, parse_filter
from postureflow.testing import DeniedAccess

ACCOUNT = "123456789012"
GROUP = "cis-trail-logs"

# CIS-style patterns, one per control, written with deliberately uneven spacing and quoting.
PATTERNS = {
    "cloudwatch_log_metric_filter_unauthorized_api_calls": '{ ($.errorCode = "*UnauthorizedOperation") || '
    '($.errorCode = "AccessDenied*") && ($.sourceIPAddress!="delivery.logs.amazonaws.com") && '
    '($.eventName!="HeadBucket") }',
    "cloudwatch_log_metric_filter_sign_in_without_mfa": '{($.eventName="ConsoleLogin")&&'
    '($.additionalEventData.MFAUsed !="Yes")&&($.userIdentity.type="IAMUser")}',
    "cloudwatch_log_metric_filter_root_usage": '{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy '
    'NOT EXISTS && $.eventType != "AwsServiceEvent" }',
    "cloudwatch_log_metric_filter_policy_changes": "{($.eventName=DeleteGroupPolicy)||($.eventName=DeleteRolePolicy)"
    "||($.eventName=DeleteUserPolicy)||($.eventName=PutGroupPolicy)||($.eventName=PutRolePolicy)"
    "||($.eventName=PutUserPolicy)||($.eventName=CreatePolicy)||($.eventName=DeletePolicy)"
    "||($.eventName=CreatePolicyVersion)||($.eventName=DeletePolicyVersion)||($.eventName=AttachRolePolicy)"
    "||($.eventName=DetachRolePolicy)||($.eventName=AttachUserPolicy)||($.eventName=DetachUserPolicy)"
    "||($.eventName=AttachGroupPolicy)||($.eventName=DetachGroupPolicy)}",
    "cloudwatch_log_metric_filter_and_alarm_for_cloudtrail_configuration_changes_enabled": "{ ($.eventName = "
    "CreateTrail) || ($.eventName = UpdateTrail) || ($.eventName = DeleteTrail) || ($.eventName = StartLogging) || "
    "($.eventName = StopLogging) }",
    "cloudwatch_log_metric_filter_authentication_failures": '{ ($.eventName = ConsoleLogin) && '
    '($.errorMessage = "Failed authentication") }',
    "cloudwatch_log_metric_filter_disable_or_scheduled_deletion_of_kms_cmk": "{($.eventSource = kms.amazonaws.com) "
    "&& (($.eventName=DisableKey)||($.eventName=ScheduleKeyDeletion)) }",
    "cloudwatch_log_metric_filter_for_s3_bucket_policy_changes": "{ ($.eventSource = s3.amazonaws.com) && "
    "(($.eventName = PutBucketAcl) || ($.eventName = PutBucketPolicy) || ($.eventName = PutBucketCors) || "
    "($.eventName = PutBucketLifecycle) || ($.eventName = PutBucketReplication) || ($.eventName = DeleteBucketPolicy)"
    " || ($.eventName = DeleteBucketCors) || ($.eventName = DeleteBucketLifecycle) || "
    "($.eventName = DeleteBucketReplication)) }",
    "cloudwatch_log_metric_filter_and_alarm_for_aws_config_configuration_changes_enabled": "{ ($.eventSource = "
    "config.amazonaws.com) && (($.eventName=StopConfigurationRecorder)||($.eventName=DeleteDeliveryChannel)"
    "||($.eventName=PutDeliveryChannel)||($.eventName=PutConfigurationRecorder)) }",
    "cloudwatch_log_metric_filter_security_group_changes": "{ ($.eventName = AuthorizeSecurityGroupIngress) || "
    "($.eventName = AuthorizeSecurityGroupEgress) || ($.eventName = RevokeSecurityGroupIngress) || "
    "($.eventName = RevokeSecurityGroupEgress) || ($.eventName = CreateSecurityGroup) || "
    "($.eventName = DeleteSecurityGroup) }",
    "cloudwatch_changes_to_network_acls_alarm_configured": "{ ($.eventName = CreateNetworkAcl) || "
    "($.eventName = CreateNetworkAclEntry) || ($.eventName = DeleteNetworkAcl) || "
    "($.eventName = DeleteNetworkAclEntry) || ($.eventName = ReplaceNetworkAclEntry) || "
    "($.eventName = ReplaceNetworkAclAssociation) }",
    "cloudwatch_changes_to_network_gateways_alarm_configured": "{ ($.eventName = CreateCustomerGateway) || "
    "($.eventName = DeleteCustomerGateway) || ($.eventName = AttachInternetGateway) || "
    "($.eventName = CreateInternetGateway) || ($.eventName = DeleteInternetGateway) || "
    "($.eventName = DetachInternetGateway) }",
    "cloudwatch_changes_to_network_route_tables_alarm_configured": "{ ($.eventSource = ec2.amazonaws.com) && "
    "(($.eventName = CreateRoute) || ($.eventName = CreateRouteTable) || ($.eventName = ReplaceRoute) || "
    "($.eventName = ReplaceRouteTableAssociation) || ($.eventName = DeleteRouteTable) || "
    "($.eventName = DeleteRoute) || ($.eventName = DisassociateRouteTable)) }",
    "cloudwatch_changes_to_vpcs_alarm_configured": "{ ($.eventName = CreateVpc) || ($.eventName = DeleteVpc) || "
    "($.eventName = ModifyVpcAttribute) || ($.eventName = AcceptVpcPeeringConnection) || "
    "($.eventName = CreateVpcPeeringConnection) || ($.eventName = DeleteVpcPeeringConnection) || "
    "($.eventName = RejectVpcPeeringConnection) || ($.eventName = AttachClassicLinkVpc) || "
    "($.eventName = DetachClassicLinkVpc) || ($.eventName = DisableVpcClassicLink) || "
    "($.eventName = EnableVpcClassicLink) }",
    "cloudwatch_log_metric_filter_aws_organizations_changes": "{ ($.eventSource = organizations.amazonaws.com) && "
    "(($.eventName = AcceptHandshake) || ($.eventName = AttachPolicy) || ($.eventName = CreateAccount) || "
    "($.eventName = CreateOrganizationalUnit) || ($.eventName = CreatePolicy) || ($.eventName = DeclineHandshake) || "
    "($.eventName = DeleteOrganization) || ($.eventName = DeleteOrganizationalUnit) || ($.eventName = DeletePolicy) "
    "|| ($.eventName = DetachPolicy) || ($.eventName = DisablePolicyType) || ($.eventName = EnablePolicyType) || "
    "($.eventName = InviteAccountToOrganization) || ($.eventName = LeaveOrganization) || "
    "($.eventName = MoveAccount) || ($.eventName = RemoveAccountFromOrganization) || "
    "($.eventName = UpdatePolicy) || ($.eventName = UpdateOrganizationalUnit)) }",
}
CHECKS = sorted(PATTERNS)


def _region_uid(region):
    return f"arn:aws:logs:{region}:{ACCOUNT}:log-group"


def _monitored_trail(region="us-east-1", multi_region=True, logging=True):
    """A trail delivering to the CloudWatch Logs group GROUP in its home region."""
    kwargs = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
    boto3.client("s3", region_name=region).create_bucket(Bucket=f"cis-trail-bucket-{region}", **kwargs)
    boto3.client("logs", region_name=region).create_log_group(logGroupName=GROUP)
    ct = boto3.client("cloudtrail", region_name=region)
    ct.create_trail(
        Name="cis-trail",
        S3BucketName=f"cis-trail-bucket-{region}",
        IsMultiRegionTrail=multi_region,
        CloudWatchLogsLogGroupArn=f"arn:aws:logs:{region}:{ACCOUNT}:log-group:{GROUP}:*",
        CloudWatchLogsRoleArn=f"arn:aws:iam::{ACCOUNT}:role/cloudtrail-to-logs",
    )
    if logging:
        ct.start_logging(Name="cis-trail")


def _topic(name, subscribed=True, region="us-east-1"):
    sns = boto3.client("sns", region_name=region)
    arn = sns.create_topic(Name=name)["TopicArn"]
    if subscribed:
        sns.subscribe(TopicArn=arn, Protocol="email", Endpoint="secops@example.com")
    return arn


def _monitor(name, pattern, topic, region="us-east-1", alarm=True, actions_enabled=True, namespace="CIS"):
    boto3.client("logs", region_name=region).put_metric_filter(
        logGroupName=GROUP,
        filterName=name,
        filterPattern=pattern,
        metricTransformations=[{"metricName": name, "metricNamespace": "CIS", "metricValue": "1"}],
    )
    if alarm:
        boto3.client("cloudwatch", region_name=region).put_metric_alarm(
            AlarmName=name,
            MetricName=name,
            Namespace=namespace,
            Statistic="Sum",
            Period=300,
            EvaluationPeriods=1,
            Threshold=1,
            ComparisonOperator="GreaterThanOrEqualToThreshold",
            ActionsEnabled=actions_enabled,
            AlarmActions=[topic],
        )


def _by_region(run, check_id):
    return {f["region"]: (f["resource_id"], f["status"]) for f in run.of(check_id)}


def test_patterns_are_read_tolerantly():
    tree = parse_filter('{($.eventName=ConsoleLogin)&&\n  ( $.additionalEventData.MFAUsed  !=  "Yes" )}')
    assert tree == ("and", [("cmp", "eventName", "=", "ConsoleLogin"), ("cmp", "additionalEventData.MFAUsed", "!=", "Yes")])
    vpc = event("DeleteVpc", "ec2.amazonaws.com")
    assert filter_verdict("{ $.eventName = DeleteVpc }", vpc) == (True, "")
    assert not filter_verdict("{ $.eventName != DeleteVpc }", vpc)[0]
    assert "cannot be read" in filter_verdict("ERROR Exception", vpc)[1]


def test_every_control_passes_with_a_complete_chain(scan):
    _monitored_trail()
    topic = _topic("cis-alerts")
    for check_id in CHECKS:
        _monitor(check_id[-60:], PATTERNS[check_id], topic)
    run = scan("cloudwatch")
    for check_id in CHECKS:
        assert _by_region(run, check_id) == {
            "us-east-1": (check_id[-60:], "PASS"),  # on the alarm, where it lives
            "eu-west-1": (ACCOUNT, "PASS"),  # on the region's record: covered by the same alarm
        }, check_id
    eu = [f for f in run.of(CHECKS[0]) if f["region"] == "eu-west-1"][0]
    assert eu["resource_uid"] == _region_uid("eu-west-1")
    assert "covers region eu-west-1" in eu["status_extended"]


def test_every_control_fails_in_every_region_without_monitoring(scan):
    # Nothing at all: no trail, no filter, no alarm. The account's (empty) trail inventory is still judged.
    run = scan("cloudwatch")
    for check_id in CHECKS:
        assert {f["resource_uid"]: f["status"] for f in run.of(check_id)} == {
            _region_uid("us-east-1"): "FAIL",
            _region_uid("eu-west-1"): "FAIL",
        }, check_id
    assert "no CloudTrail trail delivers to CloudWatch Logs" in run.of(CHECKS[0])[0]["status_extended"]


def test_broken_chains_fail(scan):
    _monitored_trail()
    good, silent = _topic("cis-alerts"), _topic("nobody-listens", subscribed=False)
    _monitor("unauthorized", PATTERNS["cloudwatch_log_metric_filter_unauthorized_api_calls"], good)
    # A topic in another (security tooling) account counts; its subscribers are not visible.
    _monitor(
        "no-mfa",
        PATTERNS["cloudwatch_log_metric_filter_sign_in_without_mfa"],
        "arn:aws:sns:us-east-1:999999999999:central-alerts",
    )
    _monitor("root", PATTERNS["cloudwatch_log_metric_filter_root_usage"], good, alarm=False)
    _monitor("policies", PATTERNS["cloudwatch_log_metric_filter_policy_changes"], silent)
    _monitor("nacls", PATTERNS["cloudwatch_changes_to_network_acls_alarm_configured"], good, actions_enabled=False)
    _monitor("vpcs", PATTERNS["cloudwatch_changes_to_vpcs_alarm_configured"], good, namespace="Elsewhere")
    missing_one = PATTERNS["cloudwatch_log_metric_filter_security_group_changes"].replace(
        " || ($.eventName = DeleteSecurityGroup)", ""
    )
    _monitor("security-groups", missing_one, good)
    run = scan("cloudwatch")

    unauthorized = _by_region(run, "cloudwatch_log_metric_filter_unauthorized_api_calls")
    assert unauthorized["us-east-1"] == ("unauthorized", "PASS")
    assert _by_region(run, "cloudwatch_log_metric_filter_sign_in_without_mfa")["us-east-1"] == ("no-mfa", "PASS")

    root = run.of("cloudwatch_log_metric_filter_root_usage")
    assert {f["status"] for f in root} == {"FAIL"} and len(root) == 2
    assert "metric filter root on log group cis-trail-logs has no CloudWatch alarm" in root[0]["status_extended"]

    # The alarm without a subscribed topic is the failing resource in its own region.
    assert _by_region(run, "cloudwatch_log_metric_filter_policy_changes") == {
        "us-east-1": ("policies", "FAIL"),
        "eu-west-1": (ACCOUNT, "FAIL"),
    }
    policies = [f for f in run.of("cloudwatch_log_metric_filter_policy_changes") if f["region"] == "us-east-1"][0]
    assert "notifies no SNS topic with a confirmed subscription" in policies["status_extended"]

    assert _by_region(run, "cloudwatch_changes_to_network_acls_alarm_configured")["us-east-1"] == ("nacls", "FAIL")
    # An alarm on a metric of the same name in another namespace does not watch the filter.
    assert _by_region(run, "cloudwatch_changes_to_vpcs_alarm_configured")["us-east-1"] == (ACCOUNT, "FAIL")
    sg = run.of("cloudwatch_log_metric_filter_security_group_changes")
    assert {f["status"] for f in sg} == {"FAIL"}
    assert "no metric filter there matches security group changes" in sg[0]["status_extended"]


def test_trail_must_be_multi_region_and_logging(scan):
    _monitored_trail(multi_region=False)
    _monitor("root", PATTERNS["cloudwatch_log_metric_filter_root_usage"], _topic("cis-alerts"))
    run = scan("cloudwatch")
    assert _by_region(run, "cloudwatch_log_metric_filter_root_usage") == {
        "us-east-1": (ACCOUNT, "FAIL"),
        "eu-west-1": (ACCOUNT, "FAIL"),
    }
    assert "no multi-region, logging CloudTrail trail" in run.of("cloudwatch_log_metric_filter_root_usage")[0][
        "status_extended"
    ]

    boto3.client("cloudtrail", region_name="us-east-1").update_trail(Name="cis-trail", IsMultiRegionTrail=True)
    boto3.client("cloudtrail", region_name="us-east-1").stop_logging(Name="cis-trail")
    run = scan("cloudwatch")
    assert {f["status"] for f in run.of("cloudwatch_log_metric_filter_root_usage")} == {"FAIL"}

    boto3.client("cloudtrail", region_name="us-east-1").start_logging(Name="cis-trail")
    run = scan("cloudwatch")
    assert {f["status"] for f in run.of("cloudwatch_log_metric_filter_root_usage")} == {"PASS"}


def test_chain_in_another_region_covers_the_account(scan):
    _monitored_trail(region="eu-west-1")
    _monitor(
        "root", PATTERNS["cloudwatch_log_metric_filter_root_usage"], _topic("alerts", region="eu-west-1"), "eu-west-1"
    )
    run = scan("cloudwatch")
    assert _by_region(run, "cloudwatch_log_metric_filter_root_usage") == {
        "us-east-1": (ACCOUNT, "PASS"),
        "eu-west-1": ("root", "PASS"),
    }


def test_unreadable_subscriptions_give_no_verdict(scan):
    _monitored_trail()
    _monitor("root", PATTERNS["cloudwatch_log_metric_filter_root_usage"], _topic("cis-alerts", subscribed=False))
    # moto lets every caller list subscriptions, so this test has ListSubscriptions refused (AccessDenied)
    # on the clients the collector gets.
    access = DeniedAccess("sns:ListSubscriptions")
    run = scan("cloudwatch", access=access)
    assert access.hits
    findings = run.of("cloudwatch_log_metric_filter_root_usage")
    assert findings and {f["status"] for f in findings} == {"MANUAL"}  # no verdict, saying why
    assert all(f["status_extended"].startswith("No verdict:") for f in findings)
    assert any(e["api"] == "sns:list_subscriptions" and e["error_code"] == "AccessDenied" for e in run.errors)


def test_collectors_make_no_repeated_calls(scan):
    _monitored_trail()
    _monitor("root", PATTERNS["cloudwatch_log_metric_filter_root_usage"], _topic("cis-alerts"))
    access = AwsAccess.from_default_chain()
    scan("cloudwatch", access=access)
    assert access.call_log.repeated() == []
    for region in ("us-east-1", "eu-west-1"):
        assert access.call_log.calls[("logs", region, "DescribeMetricFilters")] == 1
        assert access.call_log.calls[("cloudwatch", region, "DescribeAlarms")] == 1
        assert access.call_log.calls[("sns", region, "ListSubscriptions")] == 1


def test_organization_trail_of_another_account_is_manual(scan):
    _monitored_trail()
    _monitor("root", PATTERNS["cloudwatch_log_metric_filter_root_usage"], _topic("cis-alerts"))
    # moto cannot show a member account the management account's organization trail, so this test
    # rewrites moto's DescribeTrails answer: the trail now delivers to another account's log group.
    access = AwsAccess.from_default_chain()

    def organization_trail(parsed, **_):
        for trail in parsed.get("trailList", []):
            trail["CloudWatchLogsLogGroupArn"] = trail["CloudWatchLogsLogGroupArn"].replace(ACCOUNT, "999999999999")

    access.on_client(lambda client, service, region: client.meta.events.register(
        "after-call.cloudtrail.DescribeTrails", organization_trail))  # fmt: skip
    run = scan("cloudwatch", access=access)
    assert {f["resource_uid"]: f["status"] for f in run.of("cloudwatch_log_metric_filter_root_usage")} == {
        _region_uid("us-east-1"): "MANUAL",
        _region_uid("eu-west-1"): "MANUAL",
    }


def test_demo_seed(scan):
    from postureflow.demo.seed_cloudtrail import seed

    seed(boto3.session.Session(), ACCOUNT, ["us-east-1", "eu-west-1"])
    run = scan("cloudtrail", "cloudwatch")

    def seen(check_id):
        return {(f["resource_id"], f["region"], f["status"]) for f in run.of(check_id)}

    for check_id in (
        "cloudtrail_kms_encryption_enabled",
        "cloudtrail_log_file_validation_enabled",
        "cloudtrail_logs_s3_bucket_access_logging_enabled",
    ):
        for region in ("us-east-1", "eu-west-1"):
            assert ("pf-demo-bad-trail", region, "FAIL") in seen(check_id), check_id
            assert ("pf-demo-good-trail", region, "PASS") in seen(check_id), check_id
    # Account-level checks: the good twins cover the whole account, so they can only PASS here
    # (their FAIL cases are tested above and in test_cloudtrail.py).
    for check_id in ("cloudtrail_s3_dataevents_read_enabled", "cloudtrail_s3_dataevents_write_enabled"):
        assert seen(check_id) == {("pf-demo-good-trail", r, "PASS") for r in ("us-east-1", "eu-west-1")}
    coverage = {(region, status) for _, region, status in seen("cloudtrail_multi_region_enabled")}
    assert coverage == {("us-east-1", "PASS"), ("eu-west-1", "PASS")}
    for check_id in CHECKS:
        assert seen(check_id) == {
            (f"pf-demo-good-{check_id.removeprefix('cloudwatch_').replace('_', '-')}", region, "PASS")
            for region in ("us-east-1", "eu-west-1")
        }, check_id
    # moto lacks CloudTrail's LookupEvents (read for the threat-detection checks): its one scan error is expected.
    assert [e["api"] for e in run.errors] == ["cloudtrail:lookup_events"]
