"""Lambda checks: network placement, resource policy, function URLs, runtimes and environment secrets."""

from __future__ import annotations

from postureflow.checks._policy import public_actions
from postureflow.checks.base import FAIL, PASS, check, parse_time
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
def awslambda_function_vpc_multi_az(functions, subnets):
    zones = {(s.region, s.id): s.get("availability_zone") for s in subnets}
    for function in functions:
        if not function.get("vpc_id"):
            continue
        keys = [(function.region, subnet) for subnet in function.get("subnet_ids") or []]
        found = sorted({zones[k] for k in keys if zones.get(k)})
        if not found:
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
