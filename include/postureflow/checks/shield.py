"""Shield Advanced checks: is each internet-facing resource covered by a protection?

Like Prowler, nothing is judged in an account without an active Shield Advanced subscription
(it is a paid service, and without it no resource can be protected).
"""

from __future__ import annotations

from postureflow.checks.base import FAIL, PASS, check

RISK = ("Without a Shield Advanced protection the resource gets only Shield Standard: no DDoS cost protection, "
        "no tailored detection, no response team.")  # fmt: skip
REMEDIATION = "Add a Shield Advanced protection for the resource (shield create-protection --resource-arn ...)."


def _protection(subscriptions, resources, what: str, judged=lambda r: True):
    for subscription in subscriptions:
        if not subscription.get("active") and subscription.readable("active"):
            return  # no active subscription: nothing is judged
        # an unread state goes on: having been read (get), it turns every result below into no verdict
        protected = set(subscription.get("protected_arns") or [])
        for resource in resources:
            if not judged(resource):
                continue
            if resource.uid in protected:
                yield PASS(resource, f"{what} {resource.id} is protected by Shield Advanced.")
            else:
                yield FAIL(resource, f"{what} {resource.id} is not protected by Shield Advanced.")


def _shield_check(id: str, title: str, severity: str, resource_type: str, reads: str, what: str, judged=lambda r: True):
    @check(id=id, title=title, severity=severity, resource_type=resource_type, reads=["shield.subscription", reads],
           risk=RISK, remediation=REMEDIATION, service="shield")  # fmt: skip
    def shield_protection(subscriptions, resources):
        yield from _protection(subscriptions, resources, what, judged)

    return shield_protection


shield_advanced_protection_in_associated_elastic_ips = _shield_check(
    "shield_advanced_protection_in_associated_elastic_ips", "Elastic IP address is protected by Shield Advanced",
    "medium", "AwsEc2Eip", "ec2.addresses", "Elastic IP")
shield_advanced_protection_in_classic_load_balancers = _shield_check(
    "shield_advanced_protection_in_classic_load_balancers", "Classic Load Balancer is protected by Shield Advanced",
    "medium", "AwsElbLoadBalancer", "elb.load_balancers", "Classic Load Balancer")
shield_advanced_protection_in_cloudfront_distributions = _shield_check(
    "shield_advanced_protection_in_cloudfront_distributions", "CloudFront distribution is protected by Shield Advanced",
    "medium", "AwsCloudFrontDistribution", "cloudfront.distributions", "CloudFront distribution")
shield_advanced_protection_in_global_accelerators = _shield_check(
    "shield_advanced_protection_in_global_accelerators", "Global Accelerator is protected by Shield Advanced",
    "medium", "Other", "shield.accelerators", "Global Accelerator")
shield_advanced_protection_in_internet_facing_load_balancers = _shield_check(
    "shield_advanced_protection_in_internet_facing_load_balancers",
    "Internet-facing Application Load Balancer is protected by Shield Advanced", "medium", "AwsElbv2LoadBalancer",
    "elbv2.load_balancers", "Application Load Balancer",
    judged=lambda lb: lb.get("type") == "application" and lb.get("scheme") == "internet-facing")  # fmt: skip
shield_advanced_protection_in_route53_hosted_zones = _shield_check(
    "shield_advanced_protection_in_route53_hosted_zones", "Route 53 hosted zone is protected by Shield Advanced",
    "medium", "AwsRoute53HostedZone", "route53.hosted_zones", "Route 53 hosted zone")
