"""Demo seed for the edge and identity front doors: API Gateway (REST and HTTP APIs), CloudFront,
Route 53, WAFv2, ACM, Cognito, AppSync, Transfer Family and SES (moto only).

Per region, one misconfigured ``pf-demo-bad-...`` resource and a well-configured
``pf-demo-good-...`` twin for each service; CloudFront and Route 53 are global and seeded once,
from the first region.
"""

from __future__ import annotations

import json

import boto3

SERVICES = (
    "apigateway", "apigatewayv2", "cloudfront", "route53", "wafv2", "acm", "cognito", "appsync", "transfer", "ses",
)  # fmt: skip

PAIRS = (("bad", False), ("good", True))
ZONE = "pf-demo-good.example.com"


def seed(session: boto3.session.Session, account_id: str, regions: list[str]) -> None:
    for index, region in enumerate(regions):
        if index == 0:
            _cloudfront(session, region)
            _route53(session, account_id, region)
        _apigateway(session, account_id, region)
        _apigatewayv2(session, account_id, region)
        _wafv2(session, region)
        _acm(session, region)
        _cognito(session, region)
        _appsync(session, account_id, region)
        _transfer(session, region)
        _ses(session, account_id, region)


def _log_group(account_id: str, region: str, name: str) -> str:
    return f"arn:aws:logs:{region}:{account_id}:log-group:{name}"


def _apigateway(session: boto3.session.Session, account_id: str, region: str) -> None:
    # The bad REST API is public with an unlogged, untraced stage; the good one is private, logged and traced.
    apigateway = session.client("apigateway", region_name=region)
    for label, good in PAIRS:
        api = apigateway.create_rest_api(
            name=f"pf-demo-{label}-rest-api", endpointConfiguration={"types": ["PRIVATE" if good else "REGIONAL"]}
        )["id"]
        root = apigateway.get_resources(restApiId=api)["items"][0]["id"]
        apigateway.put_method(
            restApiId=api, resourceId=root, httpMethod="GET", authorizationType="AWS_IAM" if good else "NONE"
        )
        apigateway.put_integration(restApiId=api, resourceId=root, httpMethod="GET", type="MOCK")
        deployment = apigateway.create_deployment(restApiId=api)["id"]
        apigateway.create_stage(restApiId=api, stageName="prod", deploymentId=deployment, tracingEnabled=good)
        if good:
            apigateway.update_stage(
                restApiId=api,
                stageName="prod",
                patchOperations=[
                    {"op": "replace", "path": "/*/*/logging/loglevel", "value": "INFO"},
                    {"op": "replace", "path": "/accessLogSettings/destinationArn",
                     "value": _log_group(account_id, region, "pf-demo-good-api-access")},
                ],
            )  # fmt: skip


def _apigatewayv2(session: boto3.session.Session, account_id: str, region: str) -> None:
    apigatewayv2 = session.client("apigatewayv2", region_name=region)
    for label, good in PAIRS:
        api = apigatewayv2.create_api(Name=f"pf-demo-{label}-http-api", ProtocolType="HTTP")["ApiId"]
        apigatewayv2.create_route(ApiId=api, RouteKey="GET /", AuthorizationType="AWS_IAM" if good else "NONE")
        logs = (
            {"AccessLogSettings": {"DestinationArn": _log_group(account_id, region, "pf-demo-good-http-api-access"),
                                   "Format": "$context.requestId"}}
            if good else {}
        )  # fmt: skip
        apigatewayv2.create_stage(ApiId=api, StageName="prod", **logs)


def _cloudfront(session: boto3.session.Session, region: str) -> None:
    # The bad distribution lets viewers use plain HTTP and reaches its origin over HTTP.
    cloudfront = session.client("cloudfront", region_name=region)
    for label, good in PAIRS:
        origin = {
            "Id": "origin",
            "DomainName": f"pf-demo-{label}-origin.example.com",
            "CustomOriginConfig": {
                "HTTPPort": 80,
                "HTTPSPort": 443,
                "OriginProtocolPolicy": "https-only" if good else "http-only",
            },
        }
        cloudfront.create_distribution(
            DistributionConfig={
                "CallerReference": f"pf-demo-{label}-distribution",
                "Comment": f"pf-demo-{label}-distribution",
                "Enabled": True,
                "DefaultRootObject": "index.html" if good else "",
                "Origins": {"Quantity": 1, "Items": [origin]},
                "DefaultCacheBehavior": {
                    "TargetOriginId": "origin",
                    "ViewerProtocolPolicy": "redirect-to-https" if good else "allow-all",
                    "MinTTL": 0,
                },
            }
        )


def _route53(session: boto3.session.Session, account_id: str, region: str) -> None:
    # Query logging needs a log group in us-east-1 (where Route 53 sends the logs).
    group = f"/aws/route53/{ZONE}"
    session.client("logs", region_name="us-east-1").create_log_group(logGroupName=group)
    route53 = session.client("route53", region_name=region)
    for label, good in PAIRS:
        zone = route53.create_hosted_zone(Name=f"pf-demo-{label}.example.com", CallerReference=f"pf-demo-{label}")
        if good:
            route53.create_query_logging_config(
                HostedZoneId=zone["HostedZone"]["Id"],
                CloudWatchLogsLogGroupArn=_log_group(account_id, "us-east-1", group) + ":*",
            )


def _wafv2(session: boto3.session.Session, region: str) -> None:
    wafv2 = session.client("wafv2", region_name=region)
    for label, good in PAIRS:
        name = f"pf-demo-{label}-web-acl"
        visibility = {"SampledRequestsEnabled": good, "CloudWatchMetricsEnabled": good, "MetricName": name}
        rules = [
            {
                "Name": "aws-common",
                "Priority": 0,
                "Statement": {
                    "ManagedRuleGroupStatement": {"VendorName": "AWS", "Name": "AWSManagedRulesCommonRuleSet"}
                },
                "OverrideAction": {"None": {}},
                "VisibilityConfig": {**visibility, "MetricName": "aws-common"},
            }
        ]
        wafv2.create_web_acl(
            Name=name, Scope="REGIONAL", DefaultAction={"Allow": {}}, VisibilityConfig=visibility,
            Rules=rules if good else [],
        )  # fmt: skip


def _acm(session: boto3.session.Session, region: str) -> None:
    # Only certificates in use are judged: each serves an internal Classic Load Balancer's HTTPS listener.
    acm = session.client("acm", region_name=region)
    elb = session.client("elb", region_name=region)
    for label, good in PAIRS:
        arn = acm.request_certificate(
            DomainName=f"pf-demo-{label}.example.com",
            ValidationMethod="DNS",
            Options={"CertificateTransparencyLoggingPreference": "ENABLED" if good else "DISABLED"},
        )["CertificateArn"]
        listener = {"Protocol": "HTTPS", "LoadBalancerPort": 443, "InstanceProtocol": "HTTP", "InstancePort": 80,
                    "SSLCertificateId": arn}  # fmt: skip
        elb.create_load_balancer(
            LoadBalancerName=f"pf-demo-{label}-tls-clb", Listeners=[listener],
            AvailabilityZones=[f"{region}a"], Scheme="internal",
        )  # fmt: skip


def _cognito(session: boto3.session.Session, region: str) -> None:
    idp = session.client("cognito-idp", region_name=region)
    identity = session.client("cognito-identity", region_name=region)
    for label, good in PAIRS:
        policy = {
            "MinimumLength": 14 if good else 8,
            "RequireUppercase": good,
            "RequireLowercase": good,
            "RequireNumbers": good,
            "RequireSymbols": good,
            "TemporaryPasswordValidityDays": 1 if good else 7,
        }
        idp.create_user_pool(
            PoolName=f"pf-demo-{label}-user-pool",
            Policies={"PasswordPolicy": policy},
            DeletionProtection="ACTIVE" if good else "INACTIVE",
            AdminCreateUserConfig={"AllowAdminCreateUserOnly": good},
        )
        # Identity pool names allow no hyphen.
        identity.create_identity_pool(
            IdentityPoolName=f"pf_demo_{label}_identities", AllowUnauthenticatedIdentities=not good
        )


def _appsync(session: boto3.session.Session, account_id: str, region: str) -> None:
    appsync = session.client("appsync", region_name=region)
    role = f"arn:aws:iam::{account_id}:role/pf-demo-good-service-role"
    for label, good in PAIRS:
        appsync.create_graphql_api(
            name=f"pf-demo-{label}-graphql",
            authenticationType="AWS_IAM" if good else "API_KEY",
            logConfig={"fieldLogLevel": "ALL" if good else "NONE", "cloudWatchLogsRoleArn": role},
        )


def _transfer(session: boto3.session.Session, region: str) -> None:
    transfer = session.client("transfer", region_name=region)
    for label, good in PAIRS:
        transfer.create_server(
            Protocols=["SFTP"] if good else ["FTP"],
            EndpointType="PUBLIC" if good else "VPC",
            IdentityProviderType="SERVICE_MANAGED" if good else "API_GATEWAY",
            **({"SecurityPolicyName": "TransferSecurityPolicy-FIPS-2024-01"} if good else {}),
            Tags=[{"Key": "Name", "Value": f"pf-demo-{label}-transfer"}],
        )


def _ses(session: boto3.session.Session, account_id: str, region: str) -> None:
    # The bad identity lets anyone send as it.
    sesv2 = session.client("sesv2", region_name=region)
    for label, good in PAIRS:
        identity = f"pf-demo-{label}.example.com"
        sesv2.create_email_identity(EmailIdentity=identity)
        principal = {"AWS": f"arn:aws:iam::{account_id}:root"} if good else "*"
        policy = {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": principal, "Action": "ses:SendEmail",
                           "Resource": f"arn:aws:ses:{region}:{account_id}:identity/{identity}"}],
        }  # fmt: skip
        sesv2.create_email_identity_policy(EmailIdentity=identity, PolicyName="pf-demo", Policy=json.dumps(policy))
