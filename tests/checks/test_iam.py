"""IAM checks against moto.

moto cannot back-date IAM users, passwords or access keys, and its credential
report has no <root_account> row. Tests that need ages adjust moto's backend
objects directly (the `backend` fixture: create dates, last-used dates), and
tests of the root user amend moto's GetCredentialReport answer with a botocore
after-call hook that inserts a root row in the real report format. Where moto
needs other help (server certificate expiry, the root's virtual MFA device),
the test says so.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import uuid

import boto3
import pytest

from postureflow.aws import AwsAccess

ACCOUNT = "123456789012"
ROOT_ARN = f"arn:aws:iam::{ACCOUNT}:root"
ROOT_ID = "<root_account>"
AWS_POLICY = "arn:aws:iam::aws:policy/"
ADMIN_DOC = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
NARROW_DOC = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}


def _errors(run) -> list[dict]:
    """The scan's errors, less the one saying the organizations inventory (read by
    iam_root_credentials_management_enabled) was not scanned alongside IAM."""
    return [e for e in run.errors if e["error_code"] != "InventoryMissing"]


def _iam():
    return boto3.client("iam", region_name="us-east-1")


def _ago(days: float) -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=days)


@pytest.fixture
def backend(aws):
    """moto's IAM backend for the test account (to back-date what the API cannot)."""
    from moto.iam.models import iam_backends

    return iam_backends[ACCOUNT]["aws"]


@functools.lru_cache(maxsize=1)
def _aws_managed_policy_data() -> dict:
    from moto.iam.aws_managed_policies import aws_managed_policies_data

    return json.loads(aws_managed_policies_data)


@pytest.fixture
def managed_policies(backend):
    """Put the few AWS-managed policies the tests attach into moto's backend.

    moto only knows AWS-managed policies when told to load all ~1,300 of them
    (MOTO_IAM_LOAD_MANAGED_POLICIES), which costs seconds per test; this adds the
    four we need, with their real documents from moto's copy.
    """
    _install_managed_policies(backend)


def _install_managed_policies(backend) -> None:
    from moto.iam.models import AWSManagedPolicy

    for name in ("AdministratorAccess", "ReadOnlyAccess", "AWSCloudShellFullAccess", "AWSSupportAccess"):
        policy = AWSManagedPolicy.from_data(name, ACCOUNT, "us-east-1", _aws_managed_policy_data()[name])
        backend.aws_managed_policies.append(policy)
        backend.managed_policies[policy.arn] = policy


def _user(name, password=False, keys=0):
    iam = _iam()
    iam.create_user(UserName=name)
    if password:
        iam.create_login_profile(UserName=name, Password="Pa55word-for-tests!")
    for _ in range(keys):
        iam.create_access_key(UserName=name)
    return iam


def _age_key(backend, user, index, created_days, used_days=None):
    key = backend.users[user].access_keys[index]
    key.create_date = _ago(created_days).replace(tzinfo=None)
    key.last_used = None if used_days is None else _ago(used_days)


def _answer_last_accessed(access: AwsAccess, reach: dict[str, list[str] | dict[str, float | None]]) -> AwsAccess:
    """moto does not implement IAM's service last-accessed report: these hooks answer its two calls
    as AWS does once the job is done, listing the services ``reach`` gives each user or role name
    (a list, or {namespace: days since last used, None for never})."""
    from botocore.awsrequest import AWSResponse

    # On the session, so every client made during the scan has them (the engine may drop its clients
    # between services).
    events = access.session().events
    ok = AWSResponse("https://iam.amazonaws.com/", 200, {}, None)
    jobs: dict[str, str] = {}

    def generate(params, **_):
        job = str(uuid.uuid4())
        jobs[job] = params["body"]["Arn"].rsplit("/", 1)[-1]
        return ok, {"JobId": job, "ResponseMetadata": {}}

    def details(params, **_):
        user = jobs[params["body"]["JobId"]]
        used = reach.get(user, [])
        used = used if isinstance(used, dict) else dict.fromkeys(used)
        services = [{"ServiceName": s, "ServiceNamespace": s, "TotalAuthenticatedEntities": 0}
                    if days is None else
                    {"ServiceName": s, "ServiceNamespace": s, "LastAuthenticated": _ago(days),
                     "LastAuthenticatedEntity": f"arn:aws:iam::{ACCOUNT}:user/{user}", "TotalAuthenticatedEntities": 1}
                    for s, days in used.items()]  # fmt: skip
        done = dt.datetime.now(dt.timezone.utc)
        answer = {"JobStatus": "COMPLETED", "JobCreationDate": done, "JobCompletionDate": done}
        return ok, {**answer, "ServicesLastAccessed": services, "IsTruncated": False, "ResponseMetadata": {}}

    events.register("before-call.iam.GenerateServiceLastAccessedDetails", generate)
    events.register("before-call.iam.GetServiceLastAccessedDetails", details)
    return access


# -- the root user: moto's report has no root row, so a hook inserts one --------------------


def _stamp(days):
    return "N/A" if days is None else _ago(days).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def _root_row(password_used_days=None, mfa=False, key1_active=False, key1_used_days=None):
    password_used = "no_information" if password_used_days is None else _stamp(password_used_days)
    key1_rotated = _stamp(400) if key1_active else "N/A"
    key1_used = _stamp(key1_used_days)
    return ",".join(
        [
            ROOT_ID, ROOT_ARN, _stamp(1000), "not_supported", password_used, "not_supported", "not_supported",
            "true" if mfa else "false",
            "true" if key1_active else "false", key1_rotated, key1_used,
            "N/A" if key1_used_days is None else "us-east-1", "N/A" if key1_used_days is None else "s3",
            "false", "N/A", "N/A", "N/A", "N/A",
            "false", "N/A", "false", "N/A",
        ]
    )  # fmt: skip


def _access_with_root(row: str | None, root_virtual_mfa: bool = False) -> AwsAccess:
    """AwsAccess whose IAM client sees `row` as the report's <root_account> line."""
    access = AwsAccess.from_default_chain()
    events = access.session().events

    def add_root_row(parsed, **_):
        header, _, users = parsed["Content"].decode().partition("\n")
        parsed["Content"] = "\n".join(line for line in (header, row, users.rstrip("\n")) if line).encode() + b"\n"

    def assign_device_to_root(parsed, **_):
        # moto cannot assign a virtual MFA device to the root user; AWS lists it with User = root.
        for device in parsed.get("VirtualMFADevices", []):
            if device["SerialNumber"].endswith("/root-account-mfa-device"):
                device["User"] = {"Arn": ROOT_ARN, "UserId": ACCOUNT, "UserName": "", "Path": "/"}

    if row is not None:
        events.register("after-call.iam.GetCredentialReport", add_root_row)
    if root_virtual_mfa:
        _iam().create_virtual_mfa_device(VirtualMFADeviceName="root-account-mfa-device")
        events.register("after-call.iam.ListVirtualMFADevices", assign_device_to_root)
    return access


def test_avoid_root_usage(scan):
    run = scan("iam", access=_access_with_root(_root_row(password_used_days=0.1)))
    assert run.status("iam_avoid_root_usage", ROOT_ID) == "FAIL"
    run = scan("iam", access=_access_with_root(_root_row(password_used_days=30, key1_active=True, key1_used_days=0.2)))
    assert run.status("iam_avoid_root_usage", ROOT_ID) == "FAIL"
    run = scan("iam", access=_access_with_root(_root_row(password_used_days=30)))
    assert run.status("iam_avoid_root_usage", ROOT_ARN) == "PASS"
    run = scan("iam", access=_access_with_root(_root_row()))
    assert run.status("iam_avoid_root_usage", ROOT_ID) == "PASS"


def test_avoid_root_usage_not_judged_without_report_row(scan):
    assert scan("iam").of("iam_avoid_root_usage") == []


def test_no_root_access_key(scan):
    run = scan("iam", access=_access_with_root(_root_row(key1_active=True)))
    assert run.status("iam_no_root_access_key", ROOT_ID) == "FAIL"
    run = scan("iam", access=_access_with_root(_root_row(key1_active=False)))
    assert run.status("iam_no_root_access_key", ROOT_ID) == "PASS"


def test_root_mfa_enabled(scan):
    run = scan("iam", access=_access_with_root(_root_row(mfa=False)))
    assert run.status("iam_root_mfa_enabled", ROOT_ID) == "FAIL"
    run = scan("iam", access=_access_with_root(_root_row(mfa=True)))
    assert run.status("iam_root_mfa_enabled", ROOT_ID) == "PASS"


def test_root_mfa_falls_back_to_account_summary(scan, backend):
    # No root row in moto's report: the account summary's AccountMFAEnabled decides.
    assert scan("iam").status("iam_root_mfa_enabled", ROOT_ID) == "FAIL"
    backend.account_summary._account_mfa_enabled = 1  # moto has no API to enable root MFA
    assert scan("iam").status("iam_root_mfa_enabled", ROOT_ID) == "PASS"


def test_root_hardware_mfa_enabled(scan):
    run = scan("iam", access=_access_with_root(_root_row(mfa=False)))
    assert run.status("iam_root_hardware_mfa_enabled", ROOT_ID) == "FAIL"
    run = scan("iam", access=_access_with_root(_root_row(mfa=True)))
    assert run.status("iam_root_hardware_mfa_enabled", ROOT_ID) == "PASS"
    run = scan("iam", access=_access_with_root(_root_row(mfa=True), root_virtual_mfa=True))
    assert run.status("iam_root_hardware_mfa_enabled", ROOT_ID) == "FAIL"
    assert "root-account-mfa-device" in run.of("iam_root_hardware_mfa_enabled")[0]["status_extended"]


# -- IAM users' credentials (ages back-dated in moto's backend) -------------------------------


def test_rotate_access_key_90_days(scan, backend):
    _user("old-key", keys=1)
    _user("fresh-key", keys=1)
    _user("old-inactive-key", keys=1)
    _user("no-keys")
    _age_key(backend, "old-key", 0, created_days=120, used_days=1)
    _age_key(backend, "old-inactive-key", 0, created_days=200)
    backend.users["old-inactive-key"].access_keys[0].status = "Inactive"
    run = scan("iam")
    assert run.statuses("iam_rotate_access_key_90_days") == {
        "old-key": "FAIL",
        "fresh-key": "PASS",
        "old-inactive-key": "PASS",
        "no-keys": "PASS",
    }


def test_user_accesskey_unused(scan, backend):
    _user("idle-key", keys=1)
    _user("never-used-old-key", keys=1)
    _user("busy-key", keys=1)
    _user("new-unused-key", keys=1)
    _age_key(backend, "idle-key", 0, created_days=100, used_days=60)
    _age_key(backend, "never-used-old-key", 0, created_days=50)
    _age_key(backend, "busy-key", 0, created_days=100, used_days=1)
    run = scan("iam")
    assert run.statuses("iam_user_accesskey_unused") == {
        "idle-key": "FAIL",
        "never-used-old-key": "FAIL",
        "busy-key": "PASS",
        "new-unused-key": "PASS",
    }


def test_user_console_access_unused(scan, backend):
    _user("stale-console", password=True)
    _user("old-never-signed-in", password=True)
    _user("active-console", password=True)
    _user("api-only")
    backend.users["stale-console"].password_last_used = _ago(60)
    backend.users["active-console"].password_last_used = _ago(2)
    backend.users["old-never-signed-in"].create_date = _ago(90)  # moto reports it as password_last_changed
    run = scan("iam")
    assert run.statuses("iam_user_console_access_unused") == {
        "stale-console": "FAIL",
        "old-never-signed-in": "FAIL",
        "active-console": "PASS",
        "api-only": "PASS",
    }


def test_user_mfa_enabled_console_access(scan):
    _user("console-no-mfa", password=True)
    iam = _user("console-mfa", password=True)
    serial = iam.create_virtual_mfa_device(VirtualMFADeviceName="console-mfa")["VirtualMFADevice"]["SerialNumber"]
    iam.enable_mfa_device(
        UserName="console-mfa", SerialNumber=serial, AuthenticationCode1="123456", AuthenticationCode2="654321"
    )
    _user("no-console")
    run = scan("iam")
    assert run.statuses("iam_user_mfa_enabled_console_access") == {
        "console-no-mfa": "FAIL",
        "console-mfa": "PASS",
        "no-console": "PASS",
    }


def test_user_no_setup_initial_access_key(scan, backend):
    _user("console-unused-key", password=True, keys=1)
    _user("console-used-key", password=True, keys=1)
    _user("api-unused-key", keys=1)
    _age_key(backend, "console-used-key", 0, created_days=10, used_days=1)
    run = scan("iam")
    assert run.statuses("iam_user_no_setup_initial_access_key") == {
        "console-unused-key": "FAIL",
        "console-used-key": "PASS",
        "api-unused-key": "PASS",
    }


def test_user_two_active_access_key(scan):
    _user("two-keys", keys=2)
    iam = _user("one-active", keys=2)
    key = iam.list_access_keys(UserName="one-active")["AccessKeyMetadata"][0]["AccessKeyId"]
    iam.update_access_key(UserName="one-active", AccessKeyId=key, Status="Inactive")
    run = scan("iam")
    assert run.statuses("iam_user_two_active_access_key") == {"two-keys": "FAIL", "one-active": "PASS"}


def test_users_missing_from_report_are_not_judged(scan):
    # A user created after the report was generated has no row: credential checks skip it,
    # checks on its policies still judge it.
    _user("reported", password=True)
    access = AwsAccess.from_default_chain()

    def drop_user(parsed, **_):
        lines = parsed["Content"].decode().splitlines()
        parsed["Content"] = ("\n".join(line for line in lines if not line.startswith("reported,")) + "\n").encode()

    access.session().events.register("after-call.iam.GetCredentialReport", drop_user)
    run = scan("iam", access=access)
    assert run.of("iam_user_mfa_enabled_console_access") == []
    assert run.status("iam_policy_attached_only_to_group_or_roles", "reported") == "PASS"


def test_credential_report_denied_is_a_scan_error_not_a_verdict(scan):
    # The scanner's role may lack iam:GetCredentialReport: a hook answers AccessDenied
    # in moto's place. Credential checks then judge nobody; the rest still run.
    from botocore.awsrequest import AWSResponse

    _user("someone", password=True)
    access = _answer_last_accessed(AwsAccess.from_default_chain(), {})

    def deny(**_):
        error = {"Error": {"Code": "AccessDenied", "Message": "not allowed"}, "ResponseMetadata": {}}
        return AWSResponse("https://iam.amazonaws.com/", 403, {}, None), error

    access.session().events.register("before-call.iam.GetCredentialReport", deny)
    run = scan("iam", access=access)
    assert [(e["api"], e["error_code"]) for e in _errors(run)] == [("iam:get_credential_report", "AccessDenied")]
    # Unknown is never a verdict: the credential checks say what could not be read.
    for check_id in ("iam_user_mfa_enabled_console_access", "iam_avoid_root_usage", "iam_rotate_access_key_90_days"):
        assert run.of(check_id) and {f["status"] for f in run.of(check_id)} == {"MANUAL"}, check_id
        assert all("GetCredentialReport" in f["status_extended"] or "get_credential_report" in f["status_extended"]
                   for f in run.of(check_id))
    assert run.status("iam_root_mfa_enabled", ROOT_ID) == "MANUAL"
    assert run.status("iam_policy_attached_only_to_group_or_roles", "someone") == "PASS"


# -- policies and permissions -----------------------------------------------------------------


def test_policy_attached_only_to_group_or_roles(scan):
    iam = _user("inline-user")
    iam.put_user_policy(UserName="inline-user", PolicyName="p", PolicyDocument=json.dumps(NARROW_DOC))
    _user("attached-user")
    iam.create_policy(PolicyName="narrow", PolicyDocument=json.dumps(NARROW_DOC))
    iam.attach_user_policy(UserName="attached-user", PolicyArn=f"arn:aws:iam::{ACCOUNT}:policy/narrow")
    _user("group-user")
    iam.create_group(GroupName="team")
    iam.put_group_policy(GroupName="team", PolicyName="p", PolicyDocument=json.dumps(NARROW_DOC))
    iam.add_user_to_group(GroupName="team", UserName="group-user")
    run = scan("iam")
    assert run.statuses("iam_policy_attached_only_to_group_or_roles") == {
        "inline-user": "FAIL",
        "attached-user": "FAIL",
        "group-user": "PASS",
    }


def test_customer_attached_policy_no_administrative_privileges(scan):
    iam = _iam()
    iam.create_role(RoleName="app", AssumeRolePolicyDocument=json.dumps(TRUST))
    for name, doc in [("admin", ADMIN_DOC), ("narrow", NARROW_DOC), ("unused-admin", ADMIN_DOC)]:
        iam.create_policy(PolicyName=name, PolicyDocument=json.dumps(doc))
    star_star = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["*:*"], "Resource": ["*"]}]}
    iam.create_policy(PolicyName="star-star", PolicyDocument=json.dumps(star_star))
    for name in ("admin", "narrow", "star-star"):
        iam.attach_role_policy(RoleName="app", PolicyArn=f"arn:aws:iam::{ACCOUNT}:policy/{name}")
    run = scan("iam")
    assert run.statuses("iam_customer_attached_policy_no_administrative_privileges") == {
        "admin": "FAIL",
        "star-star": "FAIL",
        "narrow": "PASS",
    }


def test_aws_attached_policy_no_administrative_privileges(managed_policies, scan):
    iam = _iam()
    iam.create_group(GroupName="admins")
    iam.attach_group_policy(GroupName="admins", PolicyArn=AWS_POLICY + "AdministratorAccess")
    iam.create_role(RoleName="reader", AssumeRolePolicyDocument=json.dumps(TRUST))
    iam.attach_role_policy(RoleName="reader", PolicyArn=AWS_POLICY + "ReadOnlyAccess")
    run = scan("iam")
    # Only attached AWS-managed policies are judged, not the hundreds that exist.
    assert run.statuses("iam_aws_attached_policy_no_administrative_privileges") == {
        "AdministratorAccess": "FAIL",
        "ReadOnlyAccess": "PASS",
    }


def test_policy_cloudshell_admin_not_attached(managed_policies, scan):
    iam = _iam()
    iam.create_group(GroupName="devs")
    iam.attach_group_policy(GroupName="devs", PolicyArn=AWS_POLICY + "ReadOnlyAccess")
    assert scan("iam").status("iam_policy_cloudshell_admin_not_attached", "AWSCloudShellFullAccess") == "PASS"
    iam.attach_group_policy(GroupName="devs", PolicyArn=AWS_POLICY + "AWSCloudShellFullAccess")
    run = scan("iam")
    assert run.status("iam_policy_cloudshell_admin_not_attached", AWS_POLICY + "AWSCloudShellFullAccess") == "FAIL"
    assert "devs" in run.of("iam_policy_cloudshell_admin_not_attached")[0]["status_extended"]


def test_support_role_created(managed_policies, scan):
    iam = _iam()
    iam.create_role(RoleName="helpdesk", AssumeRolePolicyDocument=json.dumps(TRUST))
    iam.attach_role_policy(RoleName="helpdesk", PolicyArn=AWS_POLICY + "ReadOnlyAccess")
    assert scan("iam").status("iam_support_role_created", "AWSSupportAccess") == "FAIL"
    iam.attach_role_policy(RoleName="helpdesk", PolicyArn=AWS_POLICY + "AWSSupportAccess")
    assert scan("iam").status("iam_support_role_created", AWS_POLICY + "AWSSupportAccess") == "PASS"


# -- account settings -------------------------------------------------------------------------


PASSWORD_CHECKS = (
    "iam_password_policy_lowercase",
    "iam_password_policy_uppercase",
    "iam_password_policy_number",
    "iam_password_policy_symbol",
    "iam_password_policy_expires_passwords_within_90_days_or_less",
)


def test_password_policy(scan):
    policy_id = "account-password-policy"
    run = scan("iam")  # no password policy at all
    assert run.status("iam_password_policy_minimum_length_14", policy_id) == "FAIL"
    assert run.status("iam_password_policy_reuse_24", policy_id) == "FAIL"
    for check_id in PASSWORD_CHECKS:
        assert run.status(check_id, policy_id) == "FAIL", check_id
    _iam().update_account_password_policy(MinimumPasswordLength=8, PasswordReusePrevention=5, MaxPasswordAge=180)
    run = scan("iam")
    assert run.status("iam_password_policy_minimum_length_14", policy_id) == "FAIL"
    assert run.status("iam_password_policy_reuse_24", policy_id) == "FAIL"
    for check_id in PASSWORD_CHECKS:
        assert run.status(check_id, policy_id) == "FAIL", check_id
    _iam().update_account_password_policy(
        MinimumPasswordLength=14,
        PasswordReusePrevention=24,
        MaxPasswordAge=90,
        RequireSymbols=True,
        RequireNumbers=True,
        RequireUppercaseCharacters=True,
        RequireLowercaseCharacters=True,
    )
    run = scan("iam")
    assert run.status("iam_password_policy_minimum_length_14", policy_id) == "PASS"
    assert run.status("iam_password_policy_reuse_24", policy_id) == "PASS"
    for check_id in PASSWORD_CHECKS:
        assert run.status(check_id, policy_id) == "PASS", check_id


def test_no_expired_server_certificates_stored(scan):
    iam = _iam()
    for name in ("expired-cert", "current-cert"):
        iam.upload_server_certificate(ServerCertificateName=name, CertificateBody="body", PrivateKey="key")
    # moto reports every server certificate as expiring in 2012; this hook gives
    # "current-cert" a future expiry, as AWS would report for a valid certificate.
    access = AwsAccess.from_default_chain()

    def renew(parsed, **_):
        for cert in parsed.get("ServerCertificateMetadataList", []):
            if cert["ServerCertificateName"] == "current-cert":
                cert["Expiration"] = _ago(-200)

    access.session().events.register("after-call.iam.ListServerCertificates", renew)
    run = scan("iam", access=access)
    assert run.statuses("iam_no_expired_server_certificates_stored") == {
        "expired-cert": "FAIL",
        "current-cert": "PASS",
    }


def test_check_saml_providers_sts(scan):
    assert scan("iam").status("iam_check_saml_providers_sts", ACCOUNT) == "FAIL"
    _iam().create_saml_provider(Name="corp-idp", SAMLMetadataDocument="<EntityDescriptor/>" * 100)
    run = scan("iam")
    assert run.statuses("iam_check_saml_providers_sts") == {"corp-idp": "PASS"}


# -- the collector ----------------------------------------------------------------------------


def test_collection_is_global_keeps_no_secrets_and_repeats_no_call(scan, lake, backend):
    from postureflow.lake.query import connect

    _user("keyed", password=True, keys=2)
    access = _answer_last_accessed(AwsAccess.from_default_chain(), {"keyed": ["iam", "s3"]})
    run = scan("iam", access=access)
    assert {f["region"] for f in run.findings} == {"us-east-1"}  # global: one region, not one per region
    assert access.call_log.repeated() == []
    assert _errors(run) == []
    inventory = connect(lake, ["inventory"]).sql("SELECT kind, data FROM inventory").fetchall()
    assert {"users", "root", "account", "password_policy"} <= {kind for kind, _ in inventory}
    stored = " ".join(data for _, data in inventory)
    for key in backend.users["keyed"].access_keys:
        assert key.secret_access_key not in stored
        assert key.access_key_id not in stored


# -- the demo seed ----------------------------------------------------------------------------

def test_demo_seed(managed_policies, scan):
    from postureflow.demo.seed_iam import seed

    seed(boto3.session.Session(), ACCOUNT, ["us-east-1", "eu-west-1"])
    run = scan("iam")
    # Each check moto can show both ways: the bad twin fails, the good one passes.
    expected = {
        "iam_aws_attached_policy_no_administrative_privileges": {
            "AdministratorAccess": "FAIL",
            "ReadOnlyAccess": "PASS",
        },
        "iam_customer_attached_policy_no_administrative_privileges": {
            "pf-demo-bad-admin-policy": "FAIL",
            "pf-demo-good-scoped-policy": "PASS",
        },
        "iam_policy_attached_only_to_group_or_roles": {
            "pf-demo-bad-direct-policy-user": "FAIL",
            "pf-demo-good-group-user": "PASS",
        },
        "iam_user_mfa_enabled_console_access": {
            "pf-demo-bad-console-no-mfa": "FAIL",
            "pf-demo-good-console-mfa": "PASS",
        },
        "iam_user_no_setup_initial_access_key": {
            "pf-demo-bad-console-initial-key": "FAIL",
            "pf-demo-good-console-mfa": "PASS",
        },
        "iam_user_two_active_access_key": {"pf-demo-bad-two-keys": "FAIL", "pf-demo-good-one-key": "PASS"},
    }
    for check_id, wanted in expected.items():
        statuses = run.statuses(check_id)
        assert {name: statuses.get(name) for name in wanted} == wanted, check_id
    # Account-wide checks and the checks moto can show only one way.
    assert run.status("iam_password_policy_minimum_length_14", "account-password-policy") == "PASS"
    assert run.status("iam_password_policy_reuse_24", "account-password-policy") == "FAIL"
    assert run.status("iam_policy_cloudshell_admin_not_attached", "AWSCloudShellFullAccess") == "FAIL"
    assert run.status("iam_support_role_created", "AWSSupportAccess") == "PASS"
    assert run.status("iam_check_saml_providers_sts", "pf-demo-good-idp") == "PASS"
    assert run.status("iam_no_expired_server_certificates_stored", "pf-demo-bad-expired-cert") == "FAIL"
    assert run.statuses("iam_user_accesskey_unused")["pf-demo-good-one-key"] == "PASS"


# -- permissions, MFA devices and trust policies: one moto account, scanned once ---------------
#
# Each check below has a resource built to fail it and a twin built to pass it. The account is set
# up once per module (every scan costs about a second) and each test asserts on that one scan.

EXTERNAL = "111122223333"


def _doc(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def _allow(action, resource="*", **extra):
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def _trust(principal, **extra):
    return _doc({"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole", **extra})


def _enable_mfa(iam, user, serial):
    codes = {"AuthenticationCode1": "123456", "AuthenticationCode2": "654321"}
    iam.enable_mfa_device(UserName=user, SerialNumber=serial, **codes)


CUSTOMER_POLICIES = {
    # name: (document, attached)
    "cm-escalate": (_doc(_allow("iam:CreatePolicyVersion")), True),
    "cm-passrole-ec2": (_doc(_allow(["iam:PassRole", "ec2:RunInstances"])), True),
    "cm-narrow": (_doc(_allow("s3:GetObject")), True),
    "cm-unattached-escalate": (_doc(_allow("iam:CreateAccessKey")), False),
    "cm-assume-any": (_doc(_allow("sts:AssumeRole")), True),
    "cm-assume-one": (_doc(_allow("sts:AssumeRole", f"arn:aws:iam::{EXTERNAL}:role/deployer")), True),
    "cm-token-any": (_doc(_allow("bedrock-agentcore:GetWorkloadAccessToken*")), True),
    "cm-token-scoped": (
        _doc(
            _allow(
                "bedrock-agentcore:GetWorkloadAccessToken",
                f"arn:aws:bedrock-agentcore:us-east-1:{ACCOUNT}:"
                "workload-identity-directory/default/workload-identity/*",
            )
        ),
        True,
    ),
    "cm-token-denied": (
        _doc(
            _allow("bedrock-agentcore:*"),
            {"Effect": "Deny", "Action": "bedrock-agentcore:GetWorkloadAccessToken*", "Resource": "*"},
        ),
        True,
    ),
    "cm-passrole-agentcore": (_doc(_allow("iam:PassRole"), _allow("bedrock-agentcore:CreateAgentRuntime")), True),
    "cm-passrole-agentcore-pinned": (
        _doc(
            _allow(
                "iam:PassRole",
                Condition={"StringEquals": {"iam:PassedToService": "bedrock-agentcore.amazonaws.com"}},
            )
        ),
        True,
    ),
    "cm-passrole-agentcore-scoped": (
        _doc(
            _allow("iam:PassRole", f"arn:aws:iam::{ACCOUNT}:role/agent-runtime"),
            _allow("bedrock-agentcore:CreateAgentRuntime"),
        ),
        True,
    ),
    "cm-passrole-other-service": (
        _doc(
            _allow("iam:PassRole", Condition={"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}}),
            _allow("bedrock-agentcore:CreateAgentRuntime"),
        ),
        True,
    ),
    "cm-notaction": (_doc({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}), True),
}

INLINE_POLICIES = {
    # (entity type, entity name, policy name): document
    ("role", "app-role", "inline-admin"): _doc(_allow("*")),
    ("role", "app-role", "inline-narrow"): _doc(_allow(["s3:GetObject", "cloudtrail:LookupEvents"])),
    ("user", "plain-user", "inline-trail-admin"): _doc(_allow("cloudtrail:*")),
    ("group", "readers", "inline-escalate"): _doc(_allow(["iam:PassRole", "lambda:CreateFunction", "lambda:Invoke*"])),
}

ROLES = {
    "admin-role": (_trust({"AWS": f"arn:aws:iam::{ACCOUNT}:root"}), ["AdministratorAccess"]),
    "app-role": (_trust({"AWS": f"arn:aws:iam::{ACCOUNT}:root"}), []),
    "audit-external": (_trust({"AWS": f"arn:aws:iam::{EXTERNAL}:root"}), ["ReadOnlyAccess"]),
    "audit-internal": (_trust({"AWS": f"arn:aws:iam::{ACCOUNT}:role/auditor"}), ["ReadOnlyAccess"]),
    "svc-open": (_trust({"Service": "ec2.amazonaws.com"}), []),
    "svc-pinned": (
        _trust({"Service": "sns.amazonaws.com"}, Condition={"StringEquals": {"aws:SourceAccount": ACCOUNT}}),
        [],
    ),
    "svc-any-account": (
        _trust({"Service": "sns.amazonaws.com"}, Condition={"StringLike": {"aws:SourceAccount": "*"}}),
        [],
    ),
}


def _build_permissions(iam) -> None:
    for name, (document, attached) in CUSTOMER_POLICIES.items():
        iam.create_policy(PolicyName=name, PolicyDocument=document)
    for name, (trust, managed) in ROLES.items():
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust)
        for policy in managed:
            iam.attach_role_policy(RoleName=name, PolicyArn=AWS_POLICY + policy)
    for name, (_, attached) in CUSTOMER_POLICIES.items():
        if attached:
            iam.attach_role_policy(RoleName="app-role", PolicyArn=f"arn:aws:iam::{ACCOUNT}:policy/{name}")
    iam.create_service_linked_role(AWSServiceName="elasticbeanstalk.amazonaws.com")


def _build_people(iam) -> None:
    for name in ("admin-user", "plain-user", "hw-mfa", "virtual-mfa", "no-mfa", "key-reaches-s3", "key-iam-only"):
        iam.create_user(UserName=name)
    iam.attach_user_policy(UserName="admin-user", PolicyArn=AWS_POLICY + "AdministratorAccess")
    _enable_mfa(iam, "hw-mfa", "GAHT12345678")  # not a virtual device's ARN: moto treats it as hardware
    serial = iam.create_virtual_mfa_device(VirtualMFADeviceName="virtual-mfa")["VirtualMFADevice"]["SerialNumber"]
    _enable_mfa(iam, "virtual-mfa", serial)
    for user in ("key-reaches-s3", "key-iam-only"):
        iam.create_access_key(UserName=user)
    for group, members, admin in (
        ("admins", ["hw-mfa", "no-mfa"], True),
        ("admins-mfa", ["hw-mfa"], True),
        ("admins-empty", [], True),
        ("readers", ["plain-user", "no-mfa"], False),
    ):
        iam.create_group(GroupName=group)
        if admin:
            iam.attach_group_policy(GroupName=group, PolicyArn=AWS_POLICY + "AdministratorAccess")
        for member in members:
            iam.add_user_to_group(GroupName=group, UserName=member)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from moto import mock_aws
    from moto.iam.models import iam_backends

    from postureflow.lake import Lake
    from postureflow.testing import scan_in_moto

    with mock_aws():
        _install_managed_policies(iam_backends[ACCOUNT]["aws"])
        iam = _iam()
        _build_permissions(iam)
        _build_people(iam)
        for (kind, entity, name), document in INLINE_POLICIES.items():
            put = getattr(iam, f"put_{kind}_policy")
            put(**{f"{kind.capitalize()}Name": entity, "PolicyName": name, "PolicyDocument": document})
        reach = {"key-reaches-s3": ["iam", "s3", "sts"], "key-iam-only": ["iam", "sts"]}
        access = _answer_last_accessed(AwsAccess.from_default_chain(), reach)
        lake = Lake(str(tmp_path_factory.mktemp("iam-lake")))
        return scan_in_moto(lake, ["iam"], regions=["us-east-1"], access=access)


def _expect(run, check_id, expected: dict[str, str]):
    statuses = run.statuses(check_id)
    assert {name: statuses.get(name) for name in expected} == expected, statuses


def test_world_scanned_cleanly(world):
    assert _errors(world) == []


def test_user_administrator_access_policy(world):
    _expect(world, "iam_user_administrator_access_policy", {"admin-user": "FAIL", "plain-user": "PASS"})


def test_group_administrator_access_policy(world):
    _expect(world, "iam_group_administrator_access_policy", {"admins": "FAIL", "readers": "PASS"})


def test_role_administratoraccess_policy(world):
    _expect(world, "iam_role_administratoraccess_policy", {"admin-role": "FAIL", "app-role": "PASS"})
    # Service-linked roles' policies belong to AWS: not judged.
    assert not [r for r in world.statuses("iam_role_administratoraccess_policy") if r.startswith("AWSServiceRole")]


def test_administrator_access_with_mfa(world):
    _expect(
        world,
        "iam_administrator_access_with_mfa",
        {"admins": "FAIL", "admins-mfa": "PASS", "admins-empty": "PASS", "readers": None},
    )
    failing = [f for f in world.of("iam_administrator_access_with_mfa") if f["resource_id"] == "admins"][0]
    assert "no-mfa" in failing["status_extended"] and "hw-mfa" not in failing["status_extended"]


def test_user_hardware_mfa_enabled(world):
    _expect(world, "iam_user_hardware_mfa_enabled", {"hw-mfa": "PASS", "virtual-mfa": "FAIL", "no-mfa": "FAIL"})


def test_user_with_temporary_credentials(world):
    # The service last-accessed report comes from hooks (moto lacks it): see _answer_last_accessed.
    _expect(
        world,
        "iam_user_with_temporary_credentials",
        {"key-reaches-s3": "FAIL", "key-iam-only": "PASS", "plain-user": "PASS"},
    )


def _inline(entity_type, entity, name):
    return f"{entity_type}/{entity}/{name}"


def test_inline_policy_no_administrative_privileges(world):
    _expect(
        world,
        "iam_inline_policy_no_administrative_privileges",
        {_inline("role", "app-role", "inline-admin"): "FAIL", _inline("role", "app-role", "inline-narrow"): "PASS"},
    )
    finding = world.of("iam_inline_policy_no_administrative_privileges")[0]
    assert "/inline-policy/" in finding["resource_uid"] and finding["resource_type"] == "AwsIamPolicy"


def test_inline_policy_no_full_access_to_cloudtrail(world):
    _expect(
        world,
        "iam_inline_policy_no_full_access_to_cloudtrail",
        {
            _inline("user", "plain-user", "inline-trail-admin"): "FAIL",
            _inline("role", "app-role", "inline-admin"): "FAIL",  # '*' includes cloudtrail:*
            _inline("role", "app-role", "inline-narrow"): "PASS",
        },
    )


def test_inline_policy_allows_privilege_escalation(world):
    _expect(
        world,
        "iam_inline_policy_allows_privilege_escalation",
        {_inline("group", "readers", "inline-escalate"): "FAIL", _inline("role", "app-role", "inline-narrow"): "PASS"},
    )


def test_policy_allows_privilege_escalation(world):
    _expect(
        world,
        "iam_policy_allows_privilege_escalation",
        {"cm-escalate": "FAIL", "cm-passrole-ec2": "FAIL", "cm-narrow": "PASS", "cm-unattached-escalate": None},
    )


def test_no_custom_policy_permissive_role_assumption(world):
    _expect(
        world,
        "iam_no_custom_policy_permissive_role_assumption",
        {"cm-assume-any": "FAIL", "cm-assume-one": "PASS", "cm-narrow": "PASS"},
    )


def test_policy_no_agentcore_workload_access_token_wildcard(world):
    _expect(
        world,
        "iam_policy_no_agentcore_workload_access_token_wildcard",
        {
            "cm-token-any": "FAIL",
            "cm-token-scoped": "PASS",
            "cm-token-denied": "PASS",
            "cm-narrow": "PASS",
            "cm-notaction": "MANUAL",
        },
    )


def test_policy_passrole_to_bedrock_agentcore_restricted(world):
    _expect(
        world,
        "iam_policy_passrole_to_bedrock_agentcore_restricted",
        {
            "cm-passrole-agentcore": "FAIL",
            "cm-passrole-agentcore-pinned": "FAIL",
            "cm-passrole-agentcore-scoped": "PASS",
            "cm-passrole-other-service": "PASS",
            "cm-passrole-ec2": "PASS",
        },
    )


def test_role_cross_account_readonlyaccess_policy(world):
    _expect(
        world,
        "iam_role_cross_account_readonlyaccess_policy",
        {"audit-external": "FAIL", "audit-internal": "PASS", "app-role": "PASS"},
    )


def test_role_cross_service_confused_deputy_prevention(world):
    _expect(
        world,
        "iam_role_cross_service_confused_deputy_prevention",
        {"svc-open": "FAIL", "svc-any-account": "FAIL", "svc-pinned": "PASS", "app-role": None},
    )


def _answer_organizations_features(enabled: list[str] | None) -> AwsAccess:
    """moto does not implement iam:ListOrganizationsFeatures: answer it as AWS does, either with the
    enabled features or, for None, with the error IAM gives while trusted access for IAM is off."""
    from botocore.awsrequest import AWSResponse

    access = AwsAccess.from_default_chain()

    def answer(**_):
        if enabled is None:
            error = {"Error": {"Code": "ServiceAccessNotEnabledException", "Message": "trusted access is off"}}
            return AWSResponse("https://iam.amazonaws.com/", 400, {}, None), {**error, "ResponseMetadata": {}}
        body = {"OrganizationId": "o-example", "EnabledFeatures": enabled, "ResponseMetadata": {}}
        return AWSResponse("https://iam.amazonaws.com/", 200, {}, None), body

    access.session().events.register("before-call.iam.ListOrganizationsFeatures", answer)
    return access


def test_root_credentials_management_enabled(scan):
    assert scan("iam").of("iam_root_credentials_management_enabled") == []  # not in an organization
    org_id = boto3.client("organizations", region_name="us-east-1").create_organization(FeatureSet="ALL")[
        "Organization"
    ]["Id"]
    run = scan("iam", access=_answer_organizations_features(["RootCredentialsManagement", "RootSessions"]))
    assert run.status("iam_root_credentials_management_enabled", org_id) == "PASS"
    run = scan("iam", access=_answer_organizations_features(["RootSessions"]))
    assert run.status("iam_root_credentials_management_enabled", org_id) == "FAIL"
    run = scan("iam", access=_answer_organizations_features(None))
    assert run.status("iam_root_credentials_management_enabled", org_id) == "FAIL"
    assert _errors(run) == []
