import boto3

from postureflow.aws import AwsAccess
from postureflow.testing import answer_in_moto

REGION = "eu-west-1"


def test_user_pool_advanced_security(scan):
    idp = boto3.client("cognito-idp", region_name=REGION)
    idp.create_user_pool(PoolName="plain")
    idp.create_user_pool(PoolName="audit-only", UserPoolAddOns={"AdvancedSecurityMode": "AUDIT"})
    idp.create_user_pool(PoolName="guarded", UserPoolAddOns={"AdvancedSecurityMode": "ENFORCED"})
    # moto lacks DescribeRiskConfiguration (asked for the enforcing pool): answered in its place
    access = answer_in_moto(AwsAccess.from_default_chain(), REGION,
                            {"cognito-idp:DescribeRiskConfiguration": {"RiskConfiguration": {}}})  # fmt: skip
    run = scan("cognito", regions=["us-east-1", REGION], access=access)
    assert run.statuses("cognito_user_pool_advanced_security_enabled") == {
        "plain": "FAIL",
        "audit-only": "FAIL",
        "guarded": "PASS",
    }
    finding = run.of("cognito_user_pool_advanced_security_enabled")[0]
    assert finding["region"] == REGION and ":userpool/" in finding["resource_uid"]
    assert run.errors == []
