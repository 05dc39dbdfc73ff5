"""Bedrock checks on a moto account: FAIL, PASS and no verdict for each.

moto implements invocation logging, knowledge bases, IAM, S3, CloudWatch Logs and VPC endpoints, which the
scan reads from it. It has no guardrails, prompts, agent aliases or versions, data sources or Bedrock API
keys (iam ListServiceSpecificCredentials), its agents carry no guardrail configuration, and it sets a KMS
key on every custom model: answer_in_moto answers those operations in moto's place (see ``_answer``).
"""

import datetime as dt
import json
import urllib.parse
from types import SimpleNamespace

import boto3
import pytest

from postureflow.aws import AwsAccess
from postureflow.lake import Lake
from postureflow.testing import DeniedAccess, answer_in_moto, scan_in_moto

from .unused_services import judged_with_unused

GOOD, MID, BAD = "us-east-1", "us-west-2", "eu-west-1"  # all set up well / logging without text or KMS / nothing
REGIONS = [GOOD, MID, BAD]
ACCOUNT = "123456789012"
NOW = dt.datetime.now(dt.timezone.utc)
TRUST_BEDROCK = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "bedrock.amazonaws.com"}, "Action": "sts:AssumeRole"}]}  # fmt: skip
INVOKE_ONLY = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "bedrock:InvokeModel", "Resource": "*"}]}
ADMIN = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
KEY = f"arn:aws:kms:{GOOD}:{ACCOUNT}:key/11111111-2222-3333-4444-555555555555"


def _role(name):
    return f"arn:aws:iam::{ACCOUNT}:role/{name}"


def _aws_managed(*names):
    """moto knows AWS-managed policies only when told to load all of them (slow): add the two attached here."""
    from moto.iam.aws_managed_policies import aws_managed_policies_data
    from moto.iam.models import AWSManagedPolicy, iam_backends

    backend, data = iam_backends[ACCOUNT]["aws"], json.loads(aws_managed_policies_data)
    for name in names:
        managed = AWSManagedPolicy.from_data(name, ACCOUNT, GOOD, data[name])
        backend.aws_managed_policies.append(managed)
        backend.managed_policies[managed.arn] = managed


def _iam():
    _aws_managed("AmazonBedrockFullAccess", "AdministratorAccess")
    iam = boto3.client("iam")
    invoke = iam.create_policy(PolicyName="bedrock-invoke", PolicyDocument=json.dumps(INVOKE_ONLY))["Policy"]["Arn"]
    boundary = iam.create_policy(PolicyName="agent-boundary", PolicyDocument=json.dumps(INVOKE_ONLY))["Policy"]["Arn"]
    trust = json.dumps(TRUST_BEDROCK)
    iam.create_role(RoleName="agent-good-role", AssumeRolePolicyDocument=trust, PermissionsBoundary=boundary)
    iam.attach_role_policy(RoleName="agent-good-role", PolicyArn=invoke)
    iam.create_role(RoleName="agent-bad-role", AssumeRolePolicyDocument=trust)
    iam.attach_role_policy(RoleName="agent-bad-role", PolicyArn="arn:aws:iam::aws:policy/AmazonBedrockFullAccess")
    iam.put_role_policy(RoleName="agent-bad-role", PolicyName="everything", PolicyDocument=json.dumps(ADMIN))
    iam.create_user(UserName="key-narrow")
    iam.attach_user_policy(UserName="key-narrow", PolicyArn=invoke)
    iam.create_user(UserName="key-admin")
    iam.create_group(GroupName="admins")
    iam.attach_group_policy(GroupName="admins", PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
    iam.add_user_to_group(GroupName="admins", UserName="key-admin")


def _logging():
    s3 = boto3.client("s3", region_name=GOOD)
    s3.create_bucket(Bucket="pf-bedrock-logs")
    s3.put_bucket_encryption(Bucket="pf-bedrock-logs", ServerSideEncryptionConfiguration={
        "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": KEY}}]})  # fmt: skip
    boto3.client("logs", region_name=GOOD).create_log_group(logGroupName="/bedrock/good", kmsKeyId=KEY)
    boto3.client("logs", region_name=MID).create_log_group(logGroupName="/bedrock/mid")
    boto3.client("bedrock", region_name=GOOD).put_model_invocation_logging_configuration(loggingConfig={
        "cloudWatchConfig": {"logGroupName": "/bedrock/good", "roleArn": _role("logs")},
        "s3Config": {"bucketName": "pf-bedrock-logs"}, "textDataDeliveryEnabled": True})  # fmt: skip
    boto3.client("bedrock", region_name=MID).put_model_invocation_logging_configuration(loggingConfig={
        "cloudWatchConfig": {"logGroupName": "/bedrock/mid", "roleArn": _role("logs")}, "textDataDeliveryEnabled": False})  # fmt: skip


def _network():
    ec2 = boto3.client("ec2", region_name=GOOD)
    private = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    for name in ("bedrock", "bedrock-runtime", "bedrock-agent", "bedrock-agent-runtime", "bedrock-mantle"):
        ec2.create_vpc_endpoint(VpcId=private, ServiceName=f"com.amazonaws.{GOOD}.{name}", VpcEndpointType="Interface")
    # VPCs in use have network interfaces (Prowler skips the others without --scan-unused-services): the
    # private VPC, and MID's default VPC; GOOD's default VPC stays unused.
    subnet = ec2.create_subnet(VpcId=private, CidrBlock="10.9.1.0/24")["Subnet"]["SubnetId"]
    ec2.create_network_interface(SubnetId=subnet)
    mid = boto3.client("ec2", region_name=MID)
    mid.create_network_interface(SubnetId=mid.describe_subnets()["Subnets"][0]["SubnetId"])
    return private


def _build():
    _iam()
    _logging()
    knowledge_base = boto3.client("bedrock-agent", region_name=GOOD).create_knowledge_base(
        name="docs-kb", roleArn=_role("kb"), knowledgeBaseConfiguration={"type": "VECTOR"},
        storageConfiguration={"type": "OPENSEARCH_SERVERLESS"})["knowledgeBase"]["knowledgeBaseId"]  # fmt: skip
    return SimpleNamespace(private_vpc=_network(), knowledge_base=knowledge_base)


# -- what the hooks answer (GOOD region only; the other regions have none of it) --------------------------

GUARDRAILS = {
    "gr-strict": {"name": "strict",
                  "contentPolicy": {"filters": [{"type": "PROMPT_ATTACK", "inputStrength": "HIGH", "outputStrength": "NONE"}]},
                  "sensitiveInformationPolicy": {"piiEntities": [{"type": "EMAIL", "action": "ANONYMIZE"}],
                                                 "regexes": [{"name": "account-id", "pattern": "\\d{12}", "action": "BLOCK"}]},
                  "contextualGroundingPolicy": {"filters": [
                      {"type": "GROUNDING", "threshold": 0.8, "action": "BLOCK", "enabled": True},
                      {"type": "RELEVANCE", "threshold": 0.7, "action": "BLOCK", "enabled": True}]}},
    "gr-lax": {"name": "lax",
               "contentPolicy": {"filters": [{"type": "PROMPT_ATTACK", "inputStrength": "MEDIUM", "outputStrength": "NONE"}]},
               "sensitiveInformationPolicy": {"piiEntities": [{"type": "EMAIL", "action": "NONE"}]},
               "contextualGroundingPolicy": {"filters": [{"type": "GROUNDING", "threshold": 0.8, "action": "BLOCK", "enabled": True}]}},
    "gr-bare": {"name": "bare"},
}  # fmt: skip
MODELS = {"tuned-cmk": KEY, "tuned-plain": None}
PROMPTS = {"cmk-prompt": KEY, "plain-prompt": None}
SOURCES = {"cmk-source": KEY, "plain-source": None}
# agent id -> (name, draft role, guardrail, {alias-routed version: role})
AGENTS = {
    "AGOOD": ("good-agent", "agent-good-role", "gr-strict", {"1": "agent-good-role"}),
    "ABAD": ("bad-agent", "agent-bad-role", None, {}),
    # its draft role does not exist; a deployed version still runs under the bad agent's role
    "ACOPY": ("copy-agent", "agent-gone-role", None, {"2": "agent-bad-role"}),
}
API_KEYS = [  # (id, user, expiration)
    ("ACCAEXPIREDKEY", "key-narrow", NOW - dt.timedelta(days=3)),
    ("ACCAMONTHKEY", "key-narrow", NOW + dt.timedelta(days=30)),
    ("ACCAFOREVERKEY", "key-admin", None),
]


def _answer(access, world):
    def reply(build):
        """An answer built by build(path segments, region); no other region has anything."""
        def answer(region, params):
            return build([urllib.parse.unquote(p) for p in params["url_path"].split("?")[0].strip("/").split("/")], region)
        return answer

    def good(region, value, empty):
        return value if region == GOOD else empty

    def arn(kind, name):
        return f"arn:aws:bedrock:{GOOD}:{ACCOUNT}:{kind}/{name}"

    guardrails = [{"id": gid, "arn": arn("guardrail", gid), "name": g["name"], "status": "READY", "version": "DRAFT",
                   "createdAt": NOW, "updatedAt": NOW} for gid, g in GUARDRAILS.items()]  # fmt: skip
    answers = {
        ("bedrock", "ListGuardrails"): lambda path, region: {"guardrails": good(region, guardrails, [])},
        ("bedrock", "GetGuardrail"): lambda path, region: {
            "guardrailId": path[-1], "guardrailArn": arn("guardrail", path[-1]), "version": "DRAFT", "status": "READY",
            "blockedInputMessaging": "no", "blockedOutputsMessaging": "no", "createdAt": NOW, "updatedAt": NOW,
            **{k: v for k, v in GUARDRAILS[path[-1]].items()}},
        ("bedrock", "ListCustomModels"): lambda path, region: {"modelSummaries": good(region, [
            {"modelArn": arn("custom-model", name), "modelName": name, "creationTime": NOW, "baseModelArn": "base",
             "baseModelName": "base"} for name in MODELS], [])},
        ("bedrock", "GetCustomModel"): lambda path, region: {
            "modelArn": path[-1], "modelName": path[-1].rsplit("/", 1)[-1], "jobArn": "job", "baseModelArn": "base",
            "creationTime": NOW, **({"modelKmsKeyArn": MODELS[path[-1].rsplit("/", 1)[-1]]} if MODELS[path[-1].rsplit("/", 1)[-1]] else {})},
        ("bedrock-agent", "ListAgents"): lambda path, region: {"agentSummaries": good(region, [
            {"agentId": aid, "agentName": a[0], "agentStatus": "PREPARED", "updatedAt": NOW} for aid, a in AGENTS.items()], [])},
        ("bedrock-agent", "GetAgent"): lambda path, region: {"agent": _agent(path[1], AGENTS[path[1]], None)},
        ("bedrock-agent", "ListAgentAliases"): lambda path, region: {"agentAliasSummaries": [
            {"agentAliasId": f"alias{v}", "agentAliasName": "live", "agentAliasStatus": "PREPARED", "createdAt": NOW,
             "updatedAt": NOW, "routingConfiguration": [{"agentVersion": v}]} for v in AGENTS[path[1]][3]]},
        ("bedrock-agent", "GetAgentVersion"): lambda path, region: {"agentVersion": _agent(path[1], AGENTS[path[1]], path[3])},
        ("bedrock-agent", "ListPrompts"): lambda path, region: {"promptSummaries": good(region, [
            {"id": name, "arn": arn("prompt", name), "name": name, "version": "DRAFT", "createdAt": NOW, "updatedAt": NOW}
            for name in PROMPTS], [])},
        ("bedrock-agent", "GetPrompt"): lambda path, region: {
            "id": path[-1], "arn": arn("prompt", path[-1]), "name": path[-1], "version": "DRAFT", "createdAt": NOW,
            "updatedAt": NOW, **({"customerEncryptionKeyArn": PROMPTS[path[-1]]} if PROMPTS[path[-1]] else {})},
        ("bedrock-agent", "ListDataSources"): lambda path, region: {"dataSourceSummaries": [
            {"knowledgeBaseId": path[1], "dataSourceId": name, "name": name, "status": "AVAILABLE", "updatedAt": NOW}
            for name in SOURCES]},
        ("bedrock-agent", "GetDataSource"): lambda path, region: {"dataSource": {
            "knowledgeBaseId": path[1], "dataSourceId": path[3], "name": path[3], "status": "AVAILABLE",
            "dataSourceConfiguration": {"type": "S3"}, "createdAt": NOW, "updatedAt": NOW,
            **({"serverSideEncryptionConfiguration": {"kmsKeyArn": SOURCES[path[3]]}} if SOURCES[path[3]] else {})}},
    }  # fmt: skip
    answer_in_moto(access, REGIONS, {f"{service}:{operation}": reply(build) for (service, operation), build in answers.items()})
    keys = [{"UserName": user, "Status": "Active", "ServiceUserName": f"{user}-at-{ACCOUNT}", "CreateDate": NOW,
             "ServiceSpecificCredentialId": key_id, "ServiceName": "bedrock.amazonaws.com",
             **({"ExpirationDate": expires} if expires else {})} for key_id, user, expires in API_KEYS]  # fmt: skip
    return answer_in_moto(access, GOOD, {"iam:ListServiceSpecificCredentials": {"ServiceSpecificCredentials": keys, "IsTruncated": False}})


def _agent(agent_id, agent, version):
    name, draft, guardrail, versions = agent
    return {"agentId": agent_id, "agentName": name, "agentArn": f"arn:aws:bedrock:{GOOD}:{ACCOUNT}:agent/{agent_id}",
            "agentVersion": version or "DRAFT", "version": version or "DRAFT", "agentStatus": "PREPARED",
            "idleSessionTTLInSeconds": 600, "createdAt": NOW, "updatedAt": NOW,
            "agentResourceRoleArn": _role(versions[version] if version else draft),
            **({"guardrailConfiguration": {"guardrailIdentifier": guardrail, "guardrailVersion": "1"}} if guardrail else {})}  # fmt: skip


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from moto import mock_aws

    def denied(*operations):
        access = _answer(DeniedAccess(*operations), built)
        run = scan_in_moto(Lake(str(tmp_path_factory.mktemp("denied"))), ["bedrock"], REGIONS, access=access)
        assert access.hits
        return run

    with mock_aws():
        built = _build()
        access = _answer(AwsAccess.from_default_chain(), built)
        lake = Lake(str(tmp_path_factory.mktemp("lake")))
        run = scan_in_moto(lake, ["bedrock"], REGIONS, access=access)
        every = judged_with_unused(lake, ["bedrock"], REGIONS, "123456789012", dt.date(2026, 11, 22))
        details = denied("bedrock:GetGuardrail", "bedrock:GetCustomModel", "bedrock:GetAgent", "bedrock:GetPrompt",
                         "bedrock:GetDataSource", "bedrock:GetModelInvocationLoggingConfiguration",
                         "iam:GetAccountAuthorizationDetails")  # fmt: skip
        listings = denied("bedrock:ListGuardrails", "bedrock:ListPrompts", "bedrock:ListAgents",
                          "iam:ListServiceSpecificCredentials")  # fmt: skip
        boundaries = denied("iam:GetRole", "bedrock:ListAgentAliases")
    return SimpleNamespace(run=run, calls=access.call_log, details=details, listings=listings, boundaries=boundaries,
                           built=built, every=every)  # fmt: skip


def _by_region(run, check):
    return {f["region"]: f["status"] for f in run.of(check) if f["resource_id"].startswith("bedrock-")}


def _no_verdict(run, check):
    found = run.of(check)
    assert found and all(f["status"] == "MANUAL" and "No verdict" in f["status_extended"] for f in found), found
    return {f["resource_id"] for f in found}


# -- guardrails -------------------------------------------------------------------------------------------------


def test_guardrails_configured(world):
    check = "bedrock_guardrails_configured"
    assert world.run.statuses(check) == {"strict": "PASS", "lax": "PASS", "bare": "PASS",
                                         f"bedrock-{MID}": "FAIL", f"bedrock-{BAD}": "FAIL"}  # fmt: skip
    assert _no_verdict(world.listings, check) == {f"bedrock-{r}" for r in REGIONS}


@pytest.mark.parametrize("check, expected", [
    ("bedrock_guardrail_prompt_attack_filter_enabled", {"strict": "PASS", "lax": "FAIL", "bare": "FAIL"}),
    ("bedrock_guardrail_sensitive_information_filter_enabled", {"strict": "PASS", "lax": "PASS", "bare": "FAIL"}),
    # the lax guardrail detects e-mail addresses but lets them through; the bare one has no filter to enforce
    ("bedrock_guardrail_sensitive_information_filter_enforced", {"strict": "PASS", "lax": "FAIL"}),
    ("bedrock_guardrail_contextual_grounding_filter_enabled", {"strict": "PASS", "lax": "FAIL", "bare": "FAIL"}),
])  # fmt: skip
def test_guardrail_filters(world, check, expected):
    assert world.run.statuses(check) == expected
    assert _no_verdict(world.details, check) == {"strict", "lax", "bare"}


# -- invocation logging ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("check, expected", [
    ("bedrock_model_invocation_logging_enabled", {GOOD: "PASS", MID: "PASS", BAD: "FAIL"}),
    ("bedrock_model_invocation_logging_text_data_enabled", {GOOD: "PASS", MID: "FAIL"}),
    # MID's log group has no KMS key; GOOD's bucket and log group are encrypted with one
    ("bedrock_model_invocation_logs_encryption_enabled", {GOOD: "PASS", MID: "FAIL"}),
])  # fmt: skip
def test_invocation_logging(world, check, expected):
    assert _by_region(world.run, check) == expected
    assert _no_verdict(world.details, check) == {f"bedrock-{r}" for r in REGIONS}


# -- customer-managed keys ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("check, expected", [
    ("bedrock_custom_model_encrypted_with_cmk", {"tuned-cmk": "PASS", "tuned-plain": "FAIL"}),
    ("bedrock_prompt_encrypted_with_cmk", {"cmk-prompt": "PASS", "plain-prompt": "FAIL"}),
    ("bedrock_knowledge_base_encrypted_with_cmk", {"cmk-source": "PASS", "plain-source": "FAIL"}),
])  # fmt: skip
def test_customer_managed_keys(world, check, expected):
    assert world.run.statuses(check) == expected
    assert _no_verdict(world.details, check) == set(expected)


def test_prompt_management_exists(world):
    check = "bedrock_prompt_management_exists"
    assert world.run.statuses(check) == {"cmk-prompt": "PASS", "plain-prompt": "PASS",
                                         f"bedrock-{MID}": "FAIL", f"bedrock-{BAD}": "FAIL"}  # fmt: skip
    assert _no_verdict(world.listings, check) == {f"bedrock-{r}" for r in REGIONS}


# -- agents -----------------------------------------------------------------------------------------------------


def test_agent_guardrail(world):
    check = "bedrock_agent_guardrail_enabled"
    assert world.run.statuses(check) == {"good-agent": "PASS", "bad-agent": "FAIL", "copy-agent": "FAIL"}
    assert _no_verdict(world.details, check) == {"good-agent", "bad-agent", "copy-agent"}


def test_agent_role_least_privilege(world):
    check = "bedrock_agent_role_least_privilege"
    # bad: AmazonBedrockFullAccess, an admin inline policy, no boundary; copy: its role does not exist
    assert world.run.statuses(check) == {"good-agent": "PASS", "bad-agent": "FAIL", "copy-agent": "FAIL"}
    bad = next(f for f in world.run.of(check) if f["resource_id"] == "bad-agent")["status_extended"]
    assert "AmazonBedrockFullAccess" in bad and "administrative" in bad and "boundary" in bad
    assert _no_verdict(world.boundaries, check) == {"good-agent", "bad-agent", "copy-agent"}


def test_agent_role_not_shared(world):
    check = "bedrock_agent_role_not_shared_across_agents"
    # copy-agent's deployed version 2 runs under bad-agent's role
    assert world.run.statuses(check) == {"good-agent": "PASS", "bad-agent": "FAIL", "copy-agent": "FAIL"}
    # aliases unread: which roles the deployed versions run under is unknown, so no agent is known to share
    assert world.boundaries.statuses(check) == {"good-agent": "MANUAL", "bad-agent": "MANUAL", "copy-agent": "MANUAL"}
    assert _no_verdict(world.details, check) == {"good-agent", "bad-agent", "copy-agent"}


# -- IAM ----------------------------------------------------------------------------------------------------------


def test_full_access_policy_attached(world):
    check = "bedrock_full_access_policy_attached"
    found = world.run.statuses(check)
    assert found["agent-bad-role"] == "FAIL" and found["agent-good-role"] == "PASS"
    # roles come only from the IAM listing: refused, there is no role to give a verdict on, and the scan error says so
    assert world.details.of(check) == []
    assert any(e["api"] == "iam:get_account_authorization_details" for e in world.details.errors)


def test_api_key_no_administrative_privileges(world):
    check = "bedrock_api_key_no_administrative_privileges"
    # key-admin is an administrator through its group's AdministratorAccess
    assert world.run.statuses(check) == {"ACCAEXPIREDKEY": "PASS", "ACCAMONTHKEY": "PASS", "ACCAFOREVERKEY": "FAIL"}
    assert _no_verdict(world.details, check) == {"ACCAEXPIREDKEY", "ACCAMONTHKEY", "ACCAFOREVERKEY"}


def test_api_key_no_long_term_credentials(world):
    check = "bedrock_api_key_no_long_term_credentials"
    assert world.run.statuses(check) == {"ACCAEXPIREDKEY": "PASS", "ACCAMONTHKEY": "FAIL", "ACCAFOREVERKEY": "FAIL"}
    assert world.listings.of(check) == []  # keys come only from their listing: refused, nothing to judge
    assert any(e["api"] == "iam:list_service_specific_credentials" for e in world.listings.errors)


# -- network --------------------------------------------------------------------------------------------------


def test_vpc_endpoints_configured(world):
    check = "bedrock_vpc_endpoints_configured"
    found = {(f["region"], f["resource_id"]): f["status"] for f in world.run.of(check)}
    assert found[(GOOD, world.built.private_vpc)] == "PASS"
    others = {key: status for key, status in found.items() if key[1] != world.built.private_vpc}
    assert others and set(others.values()) == {"FAIL"}
    assert {region for region, _ in found} == {GOOD, MID}  # BAD uses no Bedrock
    assert {f["region"] for f in world.listings.of(check)} == {GOOD, MID}
    assert _no_verdict(world.listings, check)
    # GOOD's default VPC has no network interface: skipped, and judged with scan_unused_services
    unused = {(f["region"], f["resource_id"]) for f in world.every.of(check)} - set(found)
    assert unused and {r for r, _ in unused} == {GOOD}
    assert {f["status"] for f in world.every.of(check) if (f["region"], f["resource_id"]) in unused} == {"FAIL"}


def test_calls(world):
    # Only Bedrock's own rows: the IAM service this scan pulls in runs its checks too, and one of them needs an
    # AWS Organizations inventory moto's account does not have.
    assert [e for e in world.run.errors if e["service"] == "bedrock"] == [] and world.calls.repeated() == []
