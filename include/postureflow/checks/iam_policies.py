"""IAM checks on managed and inline policies: administrative access, privilege escalation, broad
role assumption and Bedrock AgentCore permissions (full access to one service: iam_service_access.py).

Every policy is read with :mod:`postureflow.policy` (docs/policy.md). A document
that is not a valid policy gives no verdict (never PASS).

Administrative access is any Allow that reaches every action of services nobody
named on every resource nobody named: ``Action "*"`` on ``"*"``, but also
``NotAction`` (everything except a few actions, e.g. ``NotAction "iam:*"``) and
``NotResource`` (everything except a few resources). Prowler only flags the
first (and ``NotAction`` when nothing is excluded); we flag all three.

Privilege escalation: :data:`PRIVILEGE_ESCALATION_PATHS` lists the sets of
permissions that let an identity raise its own privileges (the combinations in
Prowler's table and the public research behind it: Rhino Security Labs, Bishop
Fox, pathfinding.cloud). Each pattern is expanded against AWS's action catalog;
a path is open when every action of it is allowed and not taken back by an
unconditional Deny on every resource. Like Prowler, resources and Allow
conditions are not read: a grant on some resources may still be a path.
"""

from __future__ import annotations

import functools
import re

from postureflow import policy
from postureflow.checks.base import FAIL, MANUAL, PASS, check
from postureflow.checks.iam_common import attached_customer_policies, inline_label, summary, unjudgeable

# Sets of permissions that together let an identity give itself more privileges. Holding every
# action of one set is enough. Grouped by the service that runs the attacker's code or policy.
PRIVILEGE_ESCALATION_PATHS: tuple[frozenset[str], ...] = tuple(
    frozenset(path)
    for path in (
        # IAM: change one's own (or an assumable role's) policies, credentials or trust.
        {"iam:*"},
        {"iam:Put*"},
        {"iam:CreatePolicyVersion"},
        {"iam:SetDefaultPolicyVersion"},
        {"iam:CreateAccessKey"},
        {"iam:CreateLoginProfile"},
        {"iam:UpdateLoginProfile"},
        {"iam:AttachUserPolicy"},
        {"iam:AttachGroupPolicy"},
        {"iam:AttachRolePolicy"},
        {"iam:PutUserPolicy"},
        {"iam:PutGroupPolicy"},
        {"iam:PutRolePolicy"},
        {"iam:AddUserToGroup"},
        {"iam:UpdateAssumeRolePolicy"},
        {"iam:DeleteUserPermissionsBoundary"},
        {"iam:CreateAccessKey", "iam:DeleteAccessKey"},
        {"iam:AttachUserPolicy", "iam:CreateAccessKey"},
        {"iam:PutUserPolicy", "iam:CreateAccessKey"},
        {"iam:AttachRolePolicy", "iam:UpdateAssumeRolePolicy"},
        {"iam:CreatePolicyVersion", "iam:UpdateAssumeRolePolicy"},
        {"iam:PutRolePolicy", "iam:UpdateAssumeRolePolicy"},
        {"sts:AssumeRole", "iam:AttachRolePolicy"},
        {"sts:AssumeRole", "iam:PutRolePolicy"},
        {"sts:AssumeRole", "iam:UpdateAssumeRolePolicy"},
        {"sts:AssumeRole", "iam:CreatePolicyVersion"},
        {"sts:AssumeRole", "iam:DeleteRolePermissionsBoundary"},
        # EC2: run (or re-run) an instance under a more privileged role.
        {"iam:PassRole", "ec2:RunInstances"},
        {"iam:PassRole", "ec2:RequestSpotInstances"},
        {"ec2:ModifyInstanceAttribute", "ec2:StopInstances", "ec2:StartInstances"},
        {"ec2:CreateLaunchTemplateVersion", "ec2:ModifyLaunchTemplate"},
        {"ec2-instance-connect:SendSSHPublicKey", "ec2:DescribeInstances"},
        {"iam:PassRole", "autoscaling:CreateAutoScalingGroup", "autoscaling:CreateLaunchConfiguration"},
        {"iam:PassRole", "autoscaling:UpdateAutoScalingGroup", "autoscaling:CreateLaunchConfiguration"},
        {"iam:PassRole", "imagebuilder:CreateComponent", "imagebuilder:CreateImageRecipe",
         "imagebuilder:CreateInfrastructureConfiguration", "imagebuilder:CreateImage"},
        # Systems Manager: commands or sessions on instances with privileged profiles.
        {"ssm:SendCommand"},
        {"ssm:StartSession"},
        {"iam:PassRole", "ssm:CreateDocument", "ssm:StartAutomationExecution"},
        # Lambda: new or changed functions running as a privileged role.
        {"iam:PassRole", "lambda:CreateFunction", "lambda:InvokeFunction"},
        {"iam:PassRole", "lambda:CreateFunction", "lambda:CreateEventSourceMapping"},
        {"iam:PassRole", "lambda:CreateFunction", "lambda:CreateEventSourceMapping", "dynamodb:CreateTable",
         "dynamodb:PutItem"},
        {"iam:PassRole", "lambda:CreateFunction", "lambda:AddPermission"},
        {"lambda:UpdateFunctionCode"},
        {"lambda:UpdateFunctionConfiguration"},
        {"lambda:UpdateFunctionCode", "lambda:InvokeFunction"},
        {"lambda:UpdateFunctionCode", "lambda:AddPermission"},
        # Glue: endpoints, jobs and sessions that run code as their role.
        {"iam:PassRole", "glue:CreateDevEndpoint"},
        {"glue:UpdateDevEndpoint"},
        {"iam:PassRole", "glue:CreateJob", "glue:StartJobRun"},
        {"iam:PassRole", "glue:CreateJob", "glue:CreateTrigger"},
        {"iam:PassRole", "glue:UpdateJob", "glue:StartJobRun"},
        {"iam:PassRole", "glue:UpdateJob", "glue:CreateTrigger"},
        {"iam:PassRole", "glue:CreateSession", "glue:RunStatement"},
        # CloudFormation: stacks created or updated under a privileged service role.
        {"iam:PassRole", "cloudformation:CreateStack"},
        {"cloudformation:UpdateStack"},
        {"iam:PassRole", "cloudformation:CreateStackSet", "cloudformation:CreateStackInstances"},
        {"iam:PassRole", "cloudformation:UpdateStackSet"},
        {"cloudformation:CreateChangeSet", "cloudformation:ExecuteChangeSet"},
        # Build, pipeline and workflow services.
        {"iam:PassRole", "datapipeline:CreatePipeline", "datapipeline:PutPipelineDefinition",
         "datapipeline:ActivatePipeline"},
        {"iam:PassRole", "codestar:CreateProject"},
        {"iam:PassRole", "codebuild:CreateProject", "codebuild:StartBuild"},
        {"iam:PassRole", "codebuild:CreateProject", "codebuild:StartBuildBatch"},
        {"codebuild:StartBuild"},
        {"codebuild:StartBuildBatch"},
        {"codedeploy:CreateDeployment", "codedeploy:RegisterApplicationRevision", "codedeploy:GetDeploymentConfig"},
        {"iam:PassRole", "states:CreateStateMachine", "states:StartExecution"},
        {"states:UpdateStateMachine", "states:StartExecution"},
        {"iam:PassRole", "scheduler:CreateSchedule"},
        # Containers and batch compute.
        {"iam:PassRole", "ecs:RegisterTaskDefinition", "ecs:CreateService"},
        {"iam:PassRole", "ecs:RegisterTaskDefinition", "ecs:RunTask"},
        {"iam:PassRole", "ecs:RegisterTaskDefinition", "ecs:StartTask"},
        {"iam:PassRole", "ecs:StartTask", "ecs:RegisterContainerInstance", "ecs:DeregisterContainerInstance"},
        {"iam:PassRole", "ecs:RunTask"},
        {"iam:PassRole", "ecs:StartTask"},
        {"ecs:ExecuteCommand", "ecs:DescribeTasks"},
        {"iam:PassRole", "apprunner:CreateService"},
        {"apprunner:UpdateService"},
        {"iam:PassRole", "batch:RegisterJobDefinition", "batch:SubmitJob"},
        {"batch:SubmitJob"},
        # Data, analytics and ML services that run code under a passed role.
        {"iam:PassRole", "sagemaker:CreateNotebookInstance"},
        {"iam:PassRole", "sagemaker:CreateTrainingJob"},
        {"iam:PassRole", "sagemaker:CreateProcessingJob"},
        {"sagemaker:CreatePresignedNotebookInstanceUrl"},
        {"sagemaker:CreateNotebookInstanceLifecycleConfig", "sagemaker:StopNotebookInstance",
         "sagemaker:UpdateNotebookInstance", "sagemaker:StartNotebookInstance"},
        {"iam:PassRole", "elasticmapreduce:RunJobFlow"},
        {"iam:PassRole", "emr-serverless:CreateApplication", "emr-serverless:StartJobRun"},
        {"iam:PassRole", "kinesisanalytics:CreateApplication", "kinesisanalytics:StartApplication"},
        {"iam:PassRole", "omics:CreateWorkflow", "omics:StartRun", "s3:GetObject"},
        {"iam:PassRole", "braket:CreateJob"},
        {"iam:PassRole", "gamelift:CreateBuild", "gamelift:CreateFleet", "gamelift:RequestUploadCredentials"},
        {"iam:PassRole", "cognito-identity:SetIdentityPoolRoles"},
        # Bedrock AgentCore: interpreters, runtimes and browsers running as their execution role.
        {"iam:PassRole", "bedrock-agentcore:CreateCodeInterpreter", "bedrock-agentcore:StartCodeInterpreterSession",
         "bedrock-agentcore:InvokeCodeInterpreter"},
        {"bedrock-agentcore:StartCodeInterpreterSession", "bedrock-agentcore:InvokeCodeInterpreter"},
        {"bedrock-agentcore:InvokeAgentRuntimeCommand"},
        {"iam:PassRole", "bedrock-agentcore:CreateAgentRuntime", "bedrock-agentcore:CreateAgentRuntimeEndpoint",
         "bedrock-agentcore:CreateWorkloadIdentity", "bedrock-agentcore:InvokeAgentRuntimeCommand"},
        {"iam:PassRole", "bedrock-agentcore:CreateHarness", "bedrock-agentcore:CreateAgentRuntime",
         "bedrock-agentcore:CreateAgentRuntimeEndpoint", "bedrock-agentcore:CreateWorkloadIdentity",
         "bedrock-agentcore:GetAgentRuntime", "bedrock-agentcore:InvokeAgentRuntimeCommand"},
        {"bedrock-agentcore:StartBrowserSession", "bedrock-agentcore:ConnectBrowserAutomationStream"},
        {"iam:PassRole", "bedrock-agentcore:CreateBrowser", "bedrock-agentcore:StartBrowserSession",
         "bedrock-agentcore:ConnectBrowserAutomationStream"},
        # IAM Identity Center: permission sets assigned to oneself.
        {"sso:CreatePermissionSet", "sso:CreateAccountAssignment", "sso:AttachManagedPolicyToPermissionSet"},
        {"sso:AttachManagedPolicyToPermissionSet"},
        {"sso:PutInlinePolicyToPermissionSet"},
    )
)  # fmt: skip


def _actions_of(pattern: str) -> frozenset[str]:
    """The catalog's actions for a path's pattern; the pattern itself when the catalog does not know it yet."""
    return policy.expand(pattern) or frozenset({pattern})


@functools.cache
def _path_actions() -> dict[frozenset[str], frozenset[str]]:
    """Each path with its patterns expanded (on first use: reading the catalog costs a quarter second,
    which DAG parsing, importing every check, should not pay)."""
    return {path: frozenset().union(*(_actions_of(p) for p in path)) for path in PRIVILEGE_ESCALATION_PATHS}


def escalation_paths(document) -> list[str]:
    """The privilege-escalation paths a policy opens, as 'a + b' strings."""
    paths = _path_actions()
    allowed = policy.allowed_actions(document, frozenset().union(*paths.values()))
    return sorted(" + ".join(sorted(path)) for path, actions in paths.items() if actions <= allowed)


# -- administrative access ------------------------------------------------------------------------------


def _admin_result(resource, label: str):
    gap = unjudgeable(resource, label)
    if gap is not None:
        return gap
    found = policy.administrative_statements(resource.get("document"))
    if found:
        how = sorted({_admin_shape(s) for s in found})
        return FAIL(resource, f"{label} allows administrative access ({'; '.join(how)}).")
    return PASS(resource, f"{label} does not allow administrative access.")


def _admin_shape(statement: dict) -> str:
    action = "'*'" if "Action" in statement else f"every action except {summary(map(str, policy.as_list(statement['NotAction'])), 3)}"
    resource = (f"every resource except {summary(map(str, policy.as_list(statement['NotResource'])), 3)}"
                if "NotResource" in statement else "'*'")  # fmt: skip
    return f"{action} on {resource}"


@check(
    service="iam",
    id="iam_aws_attached_policy_no_administrative_privileges",
    title="Attached AWS-managed policy does not grant administrative access",
    severity="critical",
    resource_type="AwsIamPolicy",
    reads=["iam.policies"],
    risk="Identities holding full administrative access can do anything in the account, including erasing "
    "its audit trail.",
    remediation="Detach full-access policies such as AdministratorAccess and grant least-privilege policies instead.",
)
def iam_aws_attached_policy_no_administrative_privileges(policies):
    for managed in policies:
        if managed.get("aws_managed") and managed.get("attachment_count"):
            yield _admin_result(managed, f"AWS-managed policy {managed.id}")


@check(
    service="iam",
    id="iam_customer_attached_policy_no_administrative_privileges",
    title="Attached customer-managed policy does not grant administrative access",
    severity="high",
    resource_type="AwsIamPolicy",
    reads=["iam.policies"],
    risk="Identities holding full administrative access can do anything in the account, including erasing "
    "its audit trail.",
    remediation="Replace '*' actions on '*' resources (and NotAction or NotResource grants) with the specific "
    "actions and resources the identities need.",
)
def iam_customer_attached_policy_no_administrative_privileges(policies):
    for managed in attached_customer_policies(policies):
        yield _admin_result(managed, f"Customer-managed policy {managed.id}")


@check(
    service="iam",
    id="iam_customer_unattached_policy_no_administrative_privileges",
    title="Unattached customer-managed policy does not grant administrative access",
    severity="medium",
    resource_type="AwsIamPolicy",
    reads=["iam.policies"],
    risk="An unused policy granting full administrative access is one attachment away from making any user, "
    "group or role an administrator, and is easily attached by mistake.",
    remediation="Delete the unattached policy, or narrow it to the actions and resources it was meant to grant.",
)
def iam_customer_unattached_policy_no_administrative_privileges(policies):
    for managed in policies:
        if not managed.get("aws_managed") and not managed.get("attachment_count"):
            yield _admin_result(managed, f"Unattached customer-managed policy {managed.id}")


@check(
    service="iam",
    id="iam_inline_policy_no_administrative_privileges",
    title="Inline IAM policy does not grant administrative access",
    severity="critical",
    resource_type="AwsIamPolicy",
    reads=["iam.inline_policies"],
    risk="An inline policy allowing every action on every resource makes its user, group or role a full "
    "administrator, out of sight of managed-policy reviews.",
    remediation="Replace the inline policy with a managed policy that grants only the actions and resources needed.",
)
def iam_inline_policy_no_administrative_privileges(inline_policies):
    for inline in inline_policies:
        yield _admin_result(inline, inline_label(inline))


# -- privilege escalation -------------------------------------------------------------------------------


def _escalation_result(resource, label: str):
    if (gap := unjudgeable(resource, label)) is not None:
        return gap
    paths = escalation_paths(resource.get("document"))
    if paths:
        return FAIL(resource, f"{label} allows privilege escalation through {summary(paths, 3)}.")
    return PASS(resource, f"{label} allows no known privilege escalation path.")


_ESCALATION_RISK = (
    "An identity holding these permissions can grant itself (or a role it controls) more access than it was "
    "given, up to administrator."
)
_ESCALATION_REMEDY = (
    "Remove the listed permissions, or scope them to specific resources and protect them with conditions "
    "and permissions boundaries."
)


@check(
    service="iam",
    id="iam_inline_policy_allows_privilege_escalation",
    title="Inline IAM policy allows no privilege escalation",
    severity="high",
    resource_type="AwsIamPolicy",
    reads=["iam.inline_policies"],
    risk=_ESCALATION_RISK,
    remediation=_ESCALATION_REMEDY,
)
def iam_inline_policy_allows_privilege_escalation(inline_policies):
    for inline in inline_policies:
        yield _escalation_result(inline, inline_label(inline))


@check(
    service="iam",
    id="iam_policy_allows_privilege_escalation",
    title="Attached customer-managed IAM policy allows no privilege escalation",
    severity="high",
    resource_type="AwsIamPolicy",
    reads=["iam.policies"],
    risk=_ESCALATION_RISK,
    remediation=_ESCALATION_REMEDY,
)
def iam_policy_allows_privilege_escalation(policies):
    for managed in attached_customer_policies(policies):
        yield _escalation_result(managed, f"Customer-managed policy {managed.id}")


# -- role assumption ----------------------------------------------------------------------------------

# Role names of different shapes: a pattern matching all of them names every role of its account.
_EVERY_ROLE_PROBES = ("role/a", "role/" + "r" * 64, "role/path/to/x")


def _names_every_role(resource) -> bool:
    """'*', or an ARN pattern covering every role of an account (``arn:aws:iam::<acct>:role/*``)."""
    resource = str(resource).strip()
    if resource == "*":
        return True
    fields = resource.split(":", 5)
    if len(fields) < 6:
        return len(fields) > 1 and "*" in fields[-1] and policy.pattern_matches(fields[0], "arn")
    if not policy.matches("iam", fields[2]):
        return False
    return all(policy.matches(probe, fields[5]) for probe in _EVERY_ROLE_PROBES)


def _assumes_any_role(statement: dict) -> bool:
    if not policy.allows(statement) or not policy.grants(statement, "sts:AssumeRole"):
        return False
    if "NotResource" in statement:
        return True  # every role except the ones listed
    return any(_names_every_role(r) for r in policy.as_list(statement.get("Resource")))


@check(
    service="iam",
    id="iam_no_custom_policy_permissive_role_assumption",
    title="Attached customer-managed IAM policy does not allow sts:AssumeRole on every role",
    severity="high",
    resource_type="AwsIamPolicy",
    reads=["iam.policies"],
    risk="Allowing sts:AssumeRole on '*' (or on every role of an account) lets the identity take on any role "
    "that trusts it, including roles far more privileged than itself.",
    remediation="List the ARNs of the roles the identity needs to assume instead of '*', 'role/*' or NotResource.",
)
def iam_no_custom_policy_permissive_role_assumption(policies):
    for managed in attached_customer_policies(policies):
        label = f"Customer-managed policy {managed.id}"
        if (gap := unjudgeable(managed, label)) is not None:
            yield gap
            continue
        document = managed.get("document")
        broad = [s for s in policy.statements(document) if _assumes_any_role(s)]
        if broad and "sts:AssumeRole" in policy.allowed_actions(document, ["sts:AssumeRole"]):
            yield FAIL(managed, f"{label} allows sts:AssumeRole on every role.")
        else:
            yield PASS(managed, f"{label} does not allow sts:AssumeRole on every role.")


# -- Bedrock AgentCore -----------------------------------------------------------------------------------

AGENTCORE = "bedrock-agentcore"
AGENTCORE_TOKEN_ACTIONS = (
    "GetWorkloadAccessToken",
    "GetWorkloadAccessTokenForJWT",
    "GetWorkloadAccessTokenForUserId",
)
AGENTCORE_PRINCIPALS = ("bedrock-agentcore.amazonaws.com", "runtime-identity.bedrock-agentcore.amazonaws.com")
# No other AgentCore resource type's path starts with this, so a pattern spelling it out is confined to it.
WORKLOAD_IDENTITY_PATH = "workload-identity-directory"


def _service_actions(statement: dict, service: str, operations) -> set[str]:
    """The ``operations`` of ``service`` an Action names; a bare '*' or '*:*' is the admin checks' concern."""
    covered = set()
    for action in policy.as_list(statement.get("Action")):
        prefix, sep, operation = str(action).strip().partition(":")
        if sep != ":" or (prefix == "*" and operation == "*") or not policy.pattern_matches(prefix, service):
            continue
        covered.update(op for op in operations if policy.pattern_matches(operation, op))
    return covered


def _prefix_may_match(pattern_head: str, text: str) -> bool:
    """Whether ``pattern_head`` (no '*') and ``text`` agree on their common length, '?' matching anything."""
    return all(p in ("?", t) for p, t in zip(pattern_head.lower(), text.lower()))


def _reaches_any_workload_identity(resource) -> bool:
    """A Resource entry that can name workload identities outside one directory path (for example '*')."""
    resource = str(resource).strip()
    if resource == "*":
        return True
    fields = resource.split(":", 5)
    if not policy.pattern_matches(fields[0], "arn"):
        return False
    if len(fields) > 2 and not policy.pattern_matches(fields[2], AGENTCORE):
        return False
    if len(fields) < 6:
        return "*" in fields[-1]  # a star in the last field spans the fields left out
    head, starred = fields[5].split("*", 1)[0], "*" in fields[5]
    if not _prefix_may_match(head, WORKLOAD_IDENTITY_PATH):
        return False  # another AgentCore resource type: the token actions accept none of them
    return starred and len(head) < len(WORKLOAD_IDENTITY_PATH)


def _unjudged_agentcore(managed, what: str):
    """No verdict (unparseable), or a by-hand review (granted through NotAction); None to judge it."""
    if (gap := unjudgeable(managed, f"Customer-managed policy {managed.id}")) is not None:
        return gap
    if _notaction_allow(managed.get("document")):
        return MANUAL(managed, f"Customer-managed policy {managed.id} grants through NotAction; review its "
                      f"{what} permissions by hand.")
    return None


def _notaction_allow(document) -> bool:
    return any(s.get("Effect") == "Allow" and "NotAction" in s for s in policy.statements(document))


def _unconditional_denies(document, service: str, operations) -> set[str]:
    removed = set()
    for s in policy.statements(document):
        if s.get("Effect") != "Deny" or s.get("Condition") or "*" not in policy.as_list(s.get("Resource")):
            continue
        if "*" in policy.as_list(s.get("Action")):
            removed.update(operations)
        removed.update(_service_actions(s, service, operations))
    return removed


@check(
    service="iam",
    id="iam_policy_no_agentcore_workload_access_token_wildcard",
    title="Attached customer-managed IAM policy scopes AgentCore workload access tokens to workload identities",
    severity="high",
    resource_type="AwsIamPolicy",
    reads=["iam.policies"],
    risk="A workload access token speaks for an agent: granting its retrieval on every resource lets the holder "
    "obtain tokens for any workload identity and act as those agents.",
    remediation="Scope bedrock-agentcore:GetWorkloadAccessToken* to the workload identity ARNs "
    "(workload-identity-directory/...) the caller should use.",
)
def iam_policy_no_agentcore_workload_access_token_wildcard(policies):
    for managed in attached_customer_policies(policies):
        if (unjudged := _unjudged_agentcore(managed, "AgentCore token")) is not None:
            yield unjudged
            continue
        document = managed.get("document")
        denied = _unconditional_denies(document, AGENTCORE, AGENTCORE_TOKEN_ACTIONS)
        unscoped = set()
        for s in policy.statements(document):
            if s.get("Effect") != "Allow":
                continue
            resources = policy.as_list(s.get("Resource"))
            if "NotResource" in s or any(_reaches_any_workload_identity(r) for r in resources):
                unscoped |= _service_actions(s, AGENTCORE, AGENTCORE_TOKEN_ACTIONS) - denied
        if unscoped:
            names = summary(f"{AGENTCORE}:{op}" for op in unscoped)
            yield FAIL(managed, f"Customer-managed policy {managed.id} allows {names} beyond workload identity ARNs.")
        else:
            yield PASS(managed, f"Customer-managed policy {managed.id} allows no AgentCore workload access token "
                       "retrieval beyond workload identity ARNs.")


_PASSED_TO_SERVICE_OPERATOR = re.compile(
    r"^(ForAnyValue:|ForAllValues:)?(StringEquals|StringEqualsIgnoreCase|StringLike)(IfExists)?$", re.IGNORECASE
)


def _passed_to_service(statement: dict) -> tuple[list[str], bool]:
    """The services an iam:PassedToService condition names, and whether the caller can skip that condition."""
    condition = statement.get("Condition") if isinstance(statement.get("Condition"), dict) else {}
    guarded = any(
        str(k).lower() == "iam:passedtoservice" and all(str(v).strip().lower() == "false" for v in policy.as_list(val))
        for op, block in condition.items()
        if str(op).lower() == "null" and isinstance(block, dict)
        for k, val in block.items()
    )
    values, skippable = [], []
    for operator, block in condition.items():
        if not isinstance(block, dict) or not _PASSED_TO_SERVICE_OPERATOR.match(str(operator)):
            continue
        for key, value in block.items():
            if str(key).lower() == "iam:passedtoservice":
                values.extend(str(v) for v in policy.as_list(value))
                lowered = str(operator).lower()
                skippable.append((lowered.endswith("ifexists") or lowered.startswith("forallvalues:")) and not guarded)
    return values, bool(skippable) and all(skippable)


def _passrole_to_agentcore(statement: dict, document) -> bool:
    if not _service_actions(statement, "iam", ("PassRole",)):
        return False
    resources = policy.as_list(statement.get("Resource"))
    if not ("NotResource" in statement or any(_names_every_role(r) for r in resources)):
        return False
    services, skippable = _passed_to_service(statement)
    if any(policy.pattern_matches(v, p) or policy.pattern_matches(p, v) for v in services for p in AGENTCORE_PRINCIPALS):
        return True
    if services and not skippable:
        return False  # pinned to other services
    grants_agentcore = any(
        s.get("Effect") == "Allow"
        and any(str(a).partition(":")[1] and policy.pattern_matches(str(a).partition(":")[0], AGENTCORE)
                for a in policy.as_list(s.get("Action")))
        for s in policy.statements(document)
    )
    return grants_agentcore


@check(
    service="iam",
    id="iam_policy_passrole_to_bedrock_agentcore_restricted",
    title="Attached customer-managed IAM policy passes only specific roles to Bedrock AgentCore",
    severity="high",
    resource_type="AwsIamPolicy",
    reads=["iam.policies"],
    risk="Passing any role to an AgentCore runtime lets the holder run an agent as the most privileged role in "
    "the account: a privilege escalation.",
    remediation="Limit iam:PassRole for AgentCore to the ARNs of its execution roles and pin iam:PassedToService "
    "to bedrock-agentcore.amazonaws.com.",
)
def iam_policy_passrole_to_bedrock_agentcore_restricted(policies):
    for managed in attached_customer_policies(policies):
        if (unjudged := _unjudged_agentcore(managed, "iam:PassRole")) is not None:
            yield unjudged
            continue
        document = managed.get("document")
        unrestricted = not _unconditional_denies(document, "iam", ("PassRole",)) and any(
            s.get("Effect") == "Allow" and _passrole_to_agentcore(s, document) for s in policy.statements(document)
        )
        if unrestricted:
            yield FAIL(managed, f"Customer-managed policy {managed.id} allows iam:PassRole of every role to "
                       "Bedrock AgentCore.")
        else:
            yield PASS(managed, f"Customer-managed policy {managed.id} does not allow iam:PassRole of every role to "
                       "Bedrock AgentCore.")


