"""Lambda checks: network placement, resource policy, function URLs, runtimes and environment secrets."""

from __future__ import annotations

from postureflow import arn
from postureflow.policy import public_actions
from postureflow.checks._code_secrets import scan_verdict
from postureflow.checks.base import FAIL, MANUAL, PASS, check, parse_time
from postureflow.secrets import describe_hits

# Lambda runtime deprecation dates (AWS Lambda runtime deprecation schedule): from that day AWS no
# longer applies security patches to the runtime.
RUNTIME_DEPRECATED = {
    "nodejs": "2016-10-31",
    "nodejs4.3": "2020-03-05",
    "nodejs4.3-edge": "2019-04-30",
    "nodejs6.10": "2019-08-12",
    "nodejs8.10": "2020-03-06",
    "nodejs10.x": "2021-07-30",
    "nodejs12.x": "2023-03-31",
    "nodejs14.x": "2023-12-04",
    "nodejs16.x": "2024-06-12",
    "nodejs18.x": "2025-09-01",
    "nodejs20.x": "2026-04-30",
    "python2.7": "2021-07-15",
    "python3.6": "2022-07-18",
    "python3.7": "2023-12-04",
    "python3.8": "2024-10-14",
    "python3.9": "2025-12-15",
    "java8": "2024-01-08",
    "go1.x": "2024-01-08",
    "provided": "2024-01-08",
    "dotnetcore1.0": "2019-07-30",
    "dotnetcore2.0": "2019-05-30",
    "dotnetcore2.1": "2022-01-05",
    "dotnetcore3.1": "2023-04-03",
    "dotnet5.0": "2022-05-10",
    "dotnet6": "2024-12-20",
    "dotnet7": "2024-05-14",
    "ruby2.5": "2021-07-30",
    "ruby2.7": "2023-12-07",
    "ruby3.2": "2026-03-31",
}


# -- checks -----------------------------------------------------------------------------------------


@check(
    id="awslambda_function_inside_vpc",
    title="Lambda function runs attached to a VPC",
    severity="low",
    resource_type="AwsLambdaFunction",
    reads=["awslambda.functions"],
    risk="A function outside a VPC reaches private resources only over public endpoints and cannot be "
    "confined by security groups, network ACLs or VPC endpoint policies.",
    remediation="Attach the function to private subnets and security groups of a VPC "
    "(aws lambda update-function-configuration --vpc-config SubnetIds=...,SecurityGroupIds=...).",
)
def awslambda_function_inside_vpc(functions):
    for function in functions:
        vpc = function.get("vpc_id")
        if vpc:
            yield PASS(function, f"Lambda function {function.id} runs inside VPC {vpc}.")
        else:
            yield FAIL(function, f"Lambda function {function.id} is not attached to any VPC.")


@check(
    id="awslambda_function_not_publicly_accessible",
    title="Lambda function resource policy does not let anyone invoke or manage it",
    severity="critical",
    resource_type="AwsLambdaFunction",
    reads=["awslambda.functions"],
    risk="A policy statement that allows every principal lets any AWS account (or, through a URL, anyone) "
    "invoke the function, run up costs and reach whatever the function's role can reach.",
    remediation="Remove the statement (aws lambda remove-permission) or restrict it with a specific principal "
    "or an aws:SourceArn / aws:SourceAccount condition.",
)
def awslambda_function_not_publicly_accessible(functions):
    for function in functions:
        actions = public_actions(function.get("policy"))
        if actions:
            yield FAIL(
                function,
                f"Lambda function {function.id} has a resource policy that lets everyone call {', '.join(actions)}.",
            )
        elif function.get("policy"):
            yield PASS(function, f"Lambda function {function.id} has a resource policy that names its callers.")
        else:
            yield PASS(function, f"Lambda function {function.id} has no resource policy.")


@check(
    id="awslambda_function_url_public",
    title="Lambda function URL requires IAM authentication",
    severity="high",
    resource_type="AwsLambdaFunction",
    reads=["awslambda.functions"],
    risk="A function URL with auth type NONE can be called by anyone on the internet who learns it.",
    remediation="Set the function URL's auth type to AWS_IAM (aws lambda update-function-url-config "
    "--auth-type AWS_IAM) or delete the URL and front the function with an authenticated API.",
)
def awslambda_function_url_public(functions):
    for function in functions:
        if function.lacks("url_auth_type"):
            continue  # no function URL
        auth = function.get("url_auth_type")
        if auth == "NONE":
            yield FAIL(function, f"Lambda function {function.id} has a function URL that anyone can call (auth NONE).")
        else:
            yield PASS(
                function, f"Lambda function {function.id} has a function URL that requires {auth} authentication."
            )


@check(
    id="awslambda_function_using_supported_runtimes",
    title="Lambda function uses a runtime that AWS still patches",
    severity="medium",
    resource_type="AwsLambdaFunction",
    reads=["awslambda.functions"],
    risk="A deprecated runtime no longer gets security fixes for its language version or operating system.",
    remediation="Move the function to a supported runtime version and redeploy "
    "(aws lambda update-function-configuration --runtime ...).",
)
def awslambda_function_using_supported_runtimes(functions, now):
    for function in functions:
        runtime = function.get("runtime")
        if not runtime:
            continue  # container images carry their own runtime
        deprecated = parse_time(RUNTIME_DEPRECATED.get(runtime))
        if deprecated is not None and now >= deprecated:
            yield FAIL(
                function,
                f"Lambda function {function.id} uses runtime {runtime}, deprecated since {deprecated.date()}.",
            )
        else:
            yield PASS(function, f"Lambda function {function.id} uses runtime {runtime}, which is supported.")


@check(
    id="awslambda_function_vpc_multi_az",
    title="Lambda function in a VPC has subnets in at least two Availability Zones",
    severity="medium",
    resource_type="AwsLambdaFunction",
    reads=["awslambda.functions", "vpc.subnets"],
    risk="A VPC-attached function whose subnets sit in one Availability Zone stops when that zone fails.",
    remediation="Add subnets from a second Availability Zone to the function's VPC configuration.",
)
def awslambda_function_vpc_multi_az(functions, subnets, listed):
    zones = {(s.region, s.id): s.get("availability_zone") for s in subnets}
    for function in functions:
        if not function.get("vpc_id"):
            continue
        keys = [(function.region, subnet) for subnet in function.get("subnet_ids") or []]
        found = sorted({zones[k] for k in keys if zones.get(k)})
        if not found:
            if not listed.complete("vpc.subnets", function.region):
                # zones unknown, not absent: the evaluation turns this into a no verdict naming the failed listing
                yield MANUAL(function, f"Lambda function {function.id}: the zones of its subnets could not be read.")
            continue  # its subnets are not in the VPC inventory: nothing to judge
        if len(found) >= 2:
            yield PASS(function, f"Lambda function {function.id} has subnets in {len(found)} Availability Zones.")
        else:
            yield FAIL(function, f"Lambda function {function.id} has its VPC subnets in {found[0]} only.")


@check(
    id="awslambda_function_no_secrets_in_variables",
    title="Lambda function environment variables hold no secrets",
    severity="critical",
    resource_type="AwsLambdaFunction",
    reads=["awslambda.functions"],
    risk="Environment variables are readable by anyone allowed lambda:GetFunctionConfiguration and show up "
    "in consoles, logs and infrastructure code; a secret there is as good as shared.",
    remediation="Move the value to AWS Secrets Manager or SSM Parameter Store (SecureString), read it at run "
    "time, and rotate the exposed secret.",
)
def awslambda_function_no_secrets_in_variables(functions):
    for function in functions:
        hits = function.get("environment_secrets") or []
        if hits:
            yield FAIL(
                function,
                f"Lambda function {function.id} has secret-looking environment variables: {describe_hits(hits)}.",
            )
        else:
            yield PASS(function, f"Lambda function {function.id} has no secret-looking environment variables.")


@check(
    id="awslambda_layer_no_secrets_in_content",
    title="Lambda layer version content holds no secrets",
    severity="high",
    resource_type="AwsLambdaLayerVersion",
    reads=["awslambda.layers"],
    risk="A layer's content can be downloaded by every principal the layer is shared with; a secret packed into "
    "it reaches every function, account or organization that uses the layer.",
    remediation="Publish a new layer version without the secret, move functions to it, delete the old version "
    "(aws lambda delete-layer-version) and rotate the exposed secret.",
)
def awslambda_layer_no_secrets_in_content(layers):
    for layer in layers:
        yield scan_verdict(layer, layer.get("content_scan") or {}, f"Lambda layer {layer.id}")


@check(
    id="awslambda_function_no_secrets_in_code",
    title="Lambda function code package holds no secrets",
    severity="critical",
    resource_type="AwsLambdaFunction",
    reads=["awslambda.functions"],
    config=["read_customer_data"],
    risk="Anyone allowed lambda:GetFunction can download the code package; a key, password or token written "
    "into the code is exposed to them and lives on in every published version of the function.",
    remediation="Move the secret to AWS Secrets Manager or SSM Parameter Store, read it at run time, deploy the "
    "cleaned code and rotate the exposed secret.",
)
def awslambda_function_no_secrets_in_code(functions, config):
    # The package is read only with read_customer_data on (and the opt-in policy); otherwise code_scan is
    # unread and the evaluation gives no verdict. config is declared so the switch is part of the version.
    for function in functions:
        if function.get("package_type") != "Zip":
            continue  # a container image: its secrets are ecr_repository_image_no_secrets' to find
        yield scan_verdict(function, function.get("code_scan") or {}, f"Lambda function {function.id} code")


@check(
    id="awslambda_function_using_cross_account_layers",
    title="Lambda function uses layers only from its own account",
    severity="high",
    resource_type="AwsLambdaFunction",
    reads=["awslambda.functions"],
    risk="A layer runs inside the function with the function's role; a layer owned by another account is "
    "code whose changes and publisher this account does not control (a supply-chain path into the function).",
    remediation="Copy the layer's reviewed content into a layer of this account and point the function at it, "
    "or remove the layer.",
)
def awslambda_function_using_cross_account_layers(functions):
    for function in functions:
        own = arn.account_of(function.uid)
        layers = function.get("layer_arns") or []
        foreign = [layer for layer in layers if arn.account_of(layer) != own]
        if foreign:
            yield FAIL(function, f"Lambda function {function.id} uses layers of other accounts: {', '.join(foreign)}.")
        elif layers:
            yield PASS(function, f"Lambda function {function.id} uses only layers of its own account {own}.")
        else:
            yield PASS(function, f"Lambda function {function.id} uses no layers.")


@check(
    id="awslambda_function_env_vars_not_encrypted_with_cmk",
    title="Lambda function environment variables are encrypted with a customer managed KMS key",
    severity="medium",
    resource_type="AwsLambdaFunction",
    reads=["awslambda.functions"],
    risk="Without a customer managed key, environment variables are encrypted with the AWS managed key, whose "
    "use cannot be restricted by key policy or revoked separately from Lambda access.",
    remediation="Set a customer managed KMS key on the function (aws lambda update-function-configuration "
    "--kms-key-arn ...).",
)
def awslambda_function_env_vars_not_encrypted_with_cmk(functions):
    for function in functions:
        key = function.get("kms_key_arn")
        if not function.get("environment_variable_count"):
            yield PASS(function, f"Lambda function {function.id} has no environment variables.")
        elif key:
            yield PASS(function, f"Lambda function {function.id} encrypts its environment variables with {key}.")
        else:
            yield FAIL(
                function, f"Lambda function {function.id} has environment variables without a customer managed KMS key."
            )


@check(
    id="awslambda_function_no_dead_letter_queue",
    title="Lambda function has a dead-letter queue",
    severity="medium",
    resource_type="AwsLambdaFunction",
    reads=["awslambda.functions"],
    risk="Asynchronous events that still fail after Lambda's retries are dropped without a dead-letter queue, "
    "leaving no record to investigate or replay.",
    remediation="Configure an SQS queue or SNS topic as the function's dead-letter queue "
    "(aws lambda update-function-configuration --dead-letter-config TargetArn=...).",
)
def awslambda_function_no_dead_letter_queue(functions):
    # As Prowler: only DeadLetterConfig counts. An on-failure destination (EventInvokeConfig) also keeps
    # failed asynchronous events; reading it would cost a call per function and is left out.
    for function in functions:
        target = function.get("dead_letter_target")
        if target:
            yield PASS(function, f"Lambda function {function.id} sends failed events to {target}.")
        else:
            yield FAIL(function, f"Lambda function {function.id} has no dead-letter queue.")


@check(
    id="awslambda_function_url_cors_policy",
    title="Lambda function URL does not allow requests from every origin",
    severity="medium",
    resource_type="AwsLambdaFunction",
    reads=["awslambda.functions"],
    risk="A CORS configuration allowing origin * lets scripts on any website call the function URL from a "
    "visitor's browser and read the responses.",
    remediation="List the exact origins allowed in the function URL's CORS settings "
    "(aws lambda update-function-url-config --cors AllowOrigins=https://app.example.com).",
)
def awslambda_function_url_cors_policy(functions):
    for function in functions:
        if function.lacks("url_auth_type"):
            continue  # no function URL
        origins = function.get("url_cors_origins") or []
        if "*" in origins:
            yield FAIL(function, f"Lambda function {function.id} URL allows cross-origin requests from any origin.")
        else:
            yield PASS(function, f"Lambda function {function.id} URL does not allow every origin.")


def _records_invokes(trail, function) -> bool:
    """Whether ``trail`` logs Invoke data events of ``function`` (in the function's region)."""
    if not trail.get("is_logging"):
        return False
    if not trail.get("multi_region") and (trail.get("home_region") or trail.region) != function.region:
        return False
    for selector in trail.get("event_selectors") or []:
        if selector.get("ReadWriteType", "All") not in ("All", "WriteOnly"):
            continue  # Invoke is a write (readOnly false) data event
        for resource in selector.get("DataResources") or []:
            if resource.get("Type") == "AWS::Lambda::Function" and any(
                value in ("arn:aws:lambda", f"arn:{arn.partition_of(function.region)}:lambda")
                or function.uid.startswith(value)
                for value in resource.get("Values") or []
            ):
                return True
    for selector in trail.get("advanced_event_selectors") or []:
        fields = {f.get("Field"): f for f in selector.get("FieldSelectors") or []}
        if (fields.get("eventCategory") or {}).get("Equals") != ["Data"]:
            continue
        if "AWS::Lambda::Function" not in ((fields.get("resources.type") or {}).get("Equals") or []):
            continue
        if (fields.get("readOnly") or {}).get("Equals") == ["true"]:
            continue
        names = fields.get("eventName") or {}
        if (names.get("Equals") and "Invoke" not in names["Equals"]) or "Invoke" in (names.get("NotEquals") or []):
            continue
        arns = fields.get("resources.ARN") or {}
        if arns.get("Equals") and function.uid not in arns["Equals"]:
            continue
        if arns.get("StartsWith") and not any(function.uid.startswith(p) for p in arns["StartsWith"]):
            continue
        return True
    return False


@check(
    id="awslambda_function_invoke_api_operations_cloudtrail_logging_enabled",
    title="CloudTrail records the Lambda function's invocations (data events)",
    severity="low",
    resource_type="AwsLambdaFunction",
    reads=["awslambda.functions", "cloudtrail.trails"],
    risk="Without Invoke data events there is no record of who invoked the function, when and from where, for "
    "investigating abuse or a compromised caller.",
    remediation="Add a data event selector for AWS::Lambda::Function (all functions or this one) to a logging "
    "trail that covers the function's region (cloudtrail put-event-selectors).",
)
def awslambda_function_invoke_api_operations_cloudtrail_logging_enabled(functions, trails):
    # Prowler accepts any trail with a Lambda selector, even one that is stopped, single-region elsewhere, or
    # read-only; a trail only records what it logs in its regions (CloudTrail user guide), so those do not count.
    for function in functions:
        recording = next((t for t in trails if _records_invokes(t, function)), None)
        if recording:
            yield PASS(function, f"Lambda function {function.id} invocations are recorded by CloudTrail trail {recording.id}.")
        else:
            yield FAIL(function, f"Lambda function {function.id} invocations are not recorded by any logging trail.")
