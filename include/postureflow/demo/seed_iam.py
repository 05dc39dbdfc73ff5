"""Demo data for the IAM checks: a misconfigured resource (pf-demo-bad-*) and its
well-configured twin (pf-demo-good-*) wherever the IAM API lets us build both.

IAM is global, so everything is created once, through the first region given.
What this seed cannot show against moto (it needs back-dated objects or the root
user): iam_avoid_root_usage, iam_no_root_access_key, iam_root_hardware_mfa_enabled,
iam_rotate_access_key_90_days, the FAIL side of iam_user_accesskey_unused and
iam_user_console_access_unused, and a not-yet-expired server certificate (moto
reports every server certificate as expired in 2012). Account-wide checks
(password policy, SAML provider, support role, CloudShell) can only be in one
state per account; the seed picks a mix. Attaching AWS-managed policies needs
moto to load them (MOTO_IAM_LOAD_MANAGED_POLICIES=true); without it those steps
are skipped with a warning.
"""

from __future__ import annotations

import json
import logging

import boto3
from botocore.exceptions import ClientError

SERVICES = ("iam",)

log = logging.getLogger(__name__)

ADMIN_DOC = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
NARROW_DOC = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"], "Resource": "*"}],
}
EC2_TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}
# A self-signed certificate body is not needed by moto, which does not parse it.
DEMO_CERT = "-----BEGIN CERTIFICATE-----\nMIIBpf-demo\n-----END CERTIFICATE-----"
DEMO_KEY = "-----BEGIN PRIVATE KEY-----\nMIIBpf-demo\n-----END PRIVATE KEY-----"
# IAM wants at least 1,000 characters of metadata; the signing certificate is a placeholder.
SAML_METADATA = (
    '<?xml version="1.0"?><EntityDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata" '
    'entityID="https://idp.example.com/pf-demo"><IDPSSODescriptor '
    'protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"><KeyDescriptor use="signing">'
    '<KeyInfo xmlns="http://www.w3.org/2000/09/xmldsig#"><X509Data><X509Certificate>'
    + "MIIDpfdemo" + "A" * 1000
    + "</X509Certificate></X509Data></KeyInfo></KeyDescriptor>"
    '<SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" '
    'Location="https://idp.example.com/pf-demo/sso"/></IDPSSODescriptor></EntityDescriptor>'
)
DEMO_PASSWORD = "pf-Demo-Password-0123456789!"


def _quietly(call, *args, **kwargs):
    """Run one create call; an object left by an earlier seeding is fine."""
    try:
        return call(*args, **kwargs)
    except ClientError as err:
        code = err.response.get("Error", {}).get("Code")
        if code in ("EntityAlreadyExists", "LimitExceeded"):
            return None
        if code == "NoSuchEntity" and "aws:policy" in json.dumps(kwargs):
            log.warning("seed_iam: AWS-managed policy %s is not available here; skipped", kwargs.get("PolicyArn"))
            return None
        raise


def seed(session: boto3.session.Session, account_id: str, regions: list[str]) -> None:
    region = "us-east-1" if "us-east-1" in regions or not regions else regions[0]
    iam = session.client("iam", region_name=region)
    partition = "aws-cn" if region.startswith("cn-") else "aws-us-gov" if region.startswith("us-gov-") else "aws"
    aws_policy = f"arn:{partition}:iam::aws:policy/"
    local_policy = f"arn:{partition}:iam::{account_id}:policy/"

    def user(name: str, password: bool = False, keys: int = 0) -> None:
        _quietly(iam.create_user, UserName=name, Tags=[{"Key": "pf-demo", "Value": "iam"}])
        if password:
            _quietly(iam.create_login_profile, UserName=name, Password=DEMO_PASSWORD)
        existing = iam.list_access_keys(UserName=name)["AccessKeyMetadata"]
        for _ in range(keys - len(existing)):
            iam.create_access_key(UserName=name)  # the secret is discarded

    def role(name: str) -> None:
        _quietly(iam.create_role, RoleName=name, AssumeRolePolicyDocument=json.dumps(EC2_TRUST))

    # Customer-managed policies: attached with '*:*' (bad) and attached, narrow (good).
    _quietly(iam.create_policy, PolicyName="pf-demo-bad-admin-policy", PolicyDocument=json.dumps(ADMIN_DOC))
    _quietly(iam.create_policy, PolicyName="pf-demo-good-scoped-policy", PolicyDocument=json.dumps(NARROW_DOC))
    role("pf-demo-bad-admin-role")
    role("pf-demo-good-app-role")
    iam.attach_role_policy(RoleName="pf-demo-bad-admin-role", PolicyArn=local_policy + "pf-demo-bad-admin-policy")
    iam.attach_role_policy(RoleName="pf-demo-good-app-role", PolicyArn=local_policy + "pf-demo-good-scoped-policy")

    # AWS-managed policies: AdministratorAccess attached (bad), ReadOnlyAccess attached (good);
    # AWSCloudShellFullAccess on a group (bad, account-wide); AWSSupportAccess on a role (good).
    _quietly(iam.create_group, GroupName="pf-demo-bad-admins")
    _quietly(iam.create_group, GroupName="pf-demo-good-readers")
    _quietly(iam.attach_group_policy, GroupName="pf-demo-bad-admins", PolicyArn=aws_policy + "AdministratorAccess")
    _quietly(iam.attach_group_policy, GroupName="pf-demo-good-readers", PolicyArn=aws_policy + "ReadOnlyAccess")
    _quietly(iam.attach_group_policy, GroupName="pf-demo-bad-admins", PolicyArn=aws_policy + "AWSCloudShellFullAccess")
    role("pf-demo-good-support-role")
    _quietly(iam.attach_role_policy, RoleName="pf-demo-good-support-role", PolicyArn=aws_policy + "AWSSupportAccess")

    # Users: permissions of their own (bad) vs. through a group (good).
    user("pf-demo-bad-direct-policy-user")
    iam.put_user_policy(
        UserName="pf-demo-bad-direct-policy-user", PolicyName="pf-demo-inline", PolicyDocument=json.dumps(NARROW_DOC)
    )
    user("pf-demo-good-group-user")
    iam.add_user_to_group(GroupName="pf-demo-good-readers", UserName="pf-demo-good-group-user")

    # Console users: no MFA (bad) vs. MFA (good); a never-used key set up with a console
    # password (bad) vs. a console user without keys (good).
    user("pf-demo-bad-console-no-mfa", password=True)
    user("pf-demo-good-console-mfa", password=True)
    devices = iam.list_mfa_devices(UserName="pf-demo-good-console-mfa")["MFADevices"]
    if not devices:
        serial = iam.create_virtual_mfa_device(VirtualMFADeviceName="pf-demo-good-console-mfa")["VirtualMFADevice"][
            "SerialNumber"
        ]
        iam.enable_mfa_device(
            UserName="pf-demo-good-console-mfa",
            SerialNumber=serial,
            AuthenticationCode1="123456",
            AuthenticationCode2="654321",
        )
    user("pf-demo-bad-console-initial-key", password=True, keys=1)

    # Access keys: two active (bad) vs. one (good).
    user("pf-demo-bad-two-keys", keys=2)
    user("pf-demo-good-one-key", keys=1)

    # Password policy: long enough (minimum length passes) but remembers too few (reuse fails).
    iam.update_account_password_policy(
        MinimumPasswordLength=14,
        PasswordReusePrevention=5,
        RequireSymbols=True,
        RequireNumbers=True,
        RequireUppercaseCharacters=True,
        RequireLowercaseCharacters=True,
    )

    # A federated sign-in provider (account-wide: passes).
    _quietly(iam.create_saml_provider, Name="pf-demo-good-idp", SAMLMetadataDocument=SAML_METADATA)

    # A server certificate that moto reports as expired (moto accepts a second upload of the
    # same name, so look first).
    certs = iam.list_server_certificates()["ServerCertificateMetadataList"]
    if not any(c["ServerCertificateName"] == "pf-demo-bad-expired-cert" for c in certs):
        _quietly(
            iam.upload_server_certificate,
            ServerCertificateName="pf-demo-bad-expired-cert",
            CertificateBody=DEMO_CERT,
            PrivateKey=DEMO_KEY,
        )
