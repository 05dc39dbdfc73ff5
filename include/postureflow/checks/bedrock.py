"""Amazon Bedrock checks: guardrails, invocation logging, encryption with customer keys, agents' execution
roles, API keys, prompts and private connectivity.

Region-wide checks skip regions where Bedrock is not offered (its listings answered ValidationException).
Policy questions (administrative access, privilege escalation, full Bedrock access) are answered by
:mod:`postureflow.policy` and the IAM checks' escalation table, never a second evaluator.
"""

from __future__ import annotations

from postureflow import policy
from postureflow.checks._in_use import INTERFACES, SCAN_UNUSED, judged, vpcs_with_interfaces
from postureflow.checks.base import FAIL, MANUAL, NO_VERDICT, PASS, check, days_since, parse_time
from postureflow.checks.iam_common import aws_policy_arn, summary
from postureflow.checks.iam_policies import escalation_paths

GUARDRAIL_REMEDY = "Edit the guardrail in the Bedrock console (or bedrock update-guardrail) and publish a new version "


def _offered(regions):
    return [r for r in regions if r.get("offered")]


def _no_verdict(resource, why: str):
    return MANUAL(resource, f"{NO_VERDICT} {resource.id}: {why}.")


# -- guardrails -------------------------------------------------------------------------------------------


@check(
    id="bedrock_guardrails_configured",
    title="Bedrock has at least one guardrail in the region",
    severity="medium",
    resource_type="Other",
    reads=["bedrock.regions", "bedrock.guardrails"],
    risk="Without any guardrail, nothing in the region is available to filter harmful content, prompt attacks or "
    "sensitive data in model inputs and outputs.",
    remediation="Create a guardrail (bedrock create-guardrail) with content, prompt-attack and sensitive-information "
    "filters, and apply it to agents and model invocations.",
)
def bedrock_guardrails_configured(regions, guardrails):
    for region in _offered(regions):
        found = sorted((g for g in guardrails if g.region == region.region), key=lambda g: g.id)
        for guardrail in found:
            yield PASS(guardrail, f"Bedrock guardrail {guardrail.id} exists in {region.region} (whether agents or "
                       "invocations use it is another question).")  # fmt: skip
        if not found:
            region.get("guardrails_listed")  # an unlisted region gives no verdict
            yield FAIL(region, f"Bedrock has no guardrail in {region.region}.")


@check(
    id="bedrock_guardrail_prompt_attack_filter_enabled",
    title="Bedrock guardrail filters prompt attacks at HIGH strength",
    severity="high",
    resource_type="Other",
    reads=["bedrock.guardrails"],
    risk="A guardrail that does not block prompt attacks at high strength lets jailbreaks and prompt injections "
    "override the model's instructions and reach data or tools behind it.",
    remediation=GUARDRAIL_REMEDY + "with a PROMPT_ATTACK content filter at input strength HIGH.",
)
def bedrock_guardrail_prompt_attack_filter_enabled(guardrails):
    for guardrail in guardrails:
        found = [f for f in guardrail.get("content_filters") or [] if f.get("type") == "PROMPT_ATTACK"]
        strength = found[0].get("input_strength") if found else None
        # Unlike Prowler, a filter whose input evaluation is switched off (inputEnabled false) filters nothing.
        if found and found[0].get("input_enabled") is False:
            yield FAIL(guardrail, f"Bedrock guardrail {guardrail.id} has a prompt attack filter whose input "
                       "evaluation is switched off.")  # fmt: skip
        elif not strength or strength == "NONE":
            yield FAIL(guardrail, f"Bedrock guardrail {guardrail.id} does not filter prompt attacks.")
        elif strength != "HIGH":
            yield FAIL(guardrail, f"Bedrock guardrail {guardrail.id} filters prompt attacks at strength {strength}, "
                       "not HIGH.")  # fmt: skip
        else:
            yield PASS(guardrail, f"Bedrock guardrail {guardrail.id} filters prompt attacks at HIGH strength.")


@check(
    id="bedrock_guardrail_sensitive_information_filter_enabled",
    title="Bedrock guardrail blocks or masks sensitive information",
    severity="high",
    resource_type="Other",
    reads=["bedrock.guardrails"],
    risk="Without a sensitive-information filter, personal data and secrets in prompts or model answers pass "
    "through unnoticed and can leak to users or logs.",
    remediation=GUARDRAIL_REMEDY + "with a sensitive information policy (PII entities and/or regexes) that blocks "
    "or anonymizes matches.",
)
def bedrock_guardrail_sensitive_information_filter_enabled(guardrails):
    for guardrail in guardrails:
        # a policy with no entity and no regex filters nothing: judged as no policy
        if guardrail.get("sensitive_information"):
            yield PASS(guardrail, f"Bedrock guardrail {guardrail.id} has a sensitive information filter.")
        else:
            yield FAIL(guardrail, f"Bedrock guardrail {guardrail.id} has no sensitive information filter.")


ENFORCING_ACTIONS = {"BLOCK", "ANONYMIZE"}


@check(
    id="bedrock_guardrail_sensitive_information_filter_enforced",
    title="Bedrock guardrail's sensitive information filter acts on model output",
    severity="high",
    resource_type="Other",
    reads=["bedrock.guardrails"],
    risk="An entity or regex set to NONE (or with output evaluation off) only reports a match and still returns "
    "the sensitive value to the caller.",
    remediation=GUARDRAIL_REMEDY + "with every PII entity and regex set to BLOCK or ANONYMIZE on the output path.",
)
def bedrock_guardrail_sensitive_information_filter_enforced(guardrails):
    for guardrail in guardrails:
        if guardrail.lacks("sensitive_information"):
            continue  # no filter at all: bedrock_guardrail_sensitive_information_filter_enabled says so
        entries = guardrail.get("sensitive_information") or []
        unenforced, unreported = [], []
        for entry in entries:
            # outputAction is omitted unless set explicitly; the required action then governs output
            action = entry.get("output_action") or entry.get("action")
            if action is None:
                unreported.append(entry["name"])
            elif entry.get("output_enabled") is False or action not in ENFORCING_ACTIONS:
                unenforced.append(entry["name"])
        if unenforced:
            yield FAIL(guardrail, f"Bedrock guardrail {guardrail.id} detects but lets through "
                       f"{summary(unenforced)} in model output.")  # fmt: skip
        elif unreported:
            yield _no_verdict(guardrail, f"AWS reported no action for {summary(unreported)}")
        else:
            yield PASS(guardrail, f"Bedrock guardrail {guardrail.id} blocks or masks all {len(entries)} sensitive "
                       "information entries in model output.")  # fmt: skip


GROUNDING_TYPES = ("GROUNDING", "RELEVANCE")


@check(
    id="bedrock_guardrail_contextual_grounding_filter_enabled",
    title="Bedrock guardrail blocks ungrounded and irrelevant model responses",
    severity="high",
    resource_type="Other",
    reads=["bedrock.guardrails"],
    risk="Without blocking grounding and relevance filters, hallucinated or off-topic answers reach users as if "
    "they were backed by the source documents.",
    remediation=GUARDRAIL_REMEDY + "with a contextual grounding policy holding GROUNDING and RELEVANCE filters, "
    "each enabled, with action BLOCK and a threshold above 0.",
)
def bedrock_guardrail_contextual_grounding_filter_enabled(guardrails):
    for guardrail in guardrails:
        by_type = {f.get("type"): f for f in guardrail.get("grounding_filters") or [] if f.get("type")}
        missing = [t for t in GROUNDING_TYPES if t not in by_type]
        if missing:
            yield FAIL(guardrail, f"Bedrock guardrail {guardrail.id} has no {' or '.join(missing)} grounding filter.")
            continue
        faults, unknown = [], []
        for kind in GROUNDING_TYPES:
            found = by_type[kind]
            if found.get("enabled") is False:
                faults.append(f"the {kind} filter is disabled")
            elif found.get("action") not in (None, "BLOCK"):
                faults.append(f"the {kind} filter's action is {found['action']}, not BLOCK")
            elif not (found.get("threshold") or 0) > 0:
                faults.append(f"the {kind} filter's threshold is {found.get('threshold')}, which nothing trips")
            elif found.get("action") is None or found.get("enabled") is None:
                # both are optional in the API with no documented default: an omitted one is unknown
                unknown.append(kind)
        if faults:
            yield FAIL(guardrail, f"Bedrock guardrail {guardrail.id} does not block ungrounded responses: "
                       f"{'; '.join(faults)}.")  # fmt: skip
        elif unknown:
            yield _no_verdict(guardrail, f"AWS did not report whether the {' and '.join(unknown)} filter is enabled "
                              "and blocks")  # fmt: skip
        else:
            yield PASS(guardrail, f"Bedrock guardrail {guardrail.id} blocks ungrounded and irrelevant responses.")


# -- invocation logging ----------------------------------------------------------------------------------


@check(
    id="bedrock_model_invocation_logging_enabled",
    title="Bedrock model invocation logging is on",
    severity="medium",
    resource_type="Other",
    reads=["bedrock.regions"],
    risk="Without invocation logs there is no record of who asked the models what, so misuse, data leaks and "
    "prompt attacks cannot be investigated.",
    remediation="Turn on model invocation logging to CloudWatch Logs and/or S3 "
    "(bedrock put-model-invocation-logging-configuration).",
)
def bedrock_model_invocation_logging_enabled(regions):
    for region in _offered(regions):
        logging = region.get("logging")
        if logging:
            where = " and ".join(
                f"{label} {logging[key]}" for key, label in (("log_group", "log group"), ("s3_bucket", "S3 bucket"))
                if logging.get(key)
            )  # fmt: skip
            yield PASS(region, f"Bedrock model invocation logging is on in {region.region} ({where}).")
        else:
            yield FAIL(region, f"Bedrock model invocation logging is off in {region.region}.")


@check(
    id="bedrock_model_invocation_logging_text_data_enabled",
    title="Bedrock model invocation logging records prompt and response text",
    severity="medium",
    resource_type="Other",
    reads=["bedrock.regions"],
    risk="Logging that leaves out the request and response text records that a model was called but not what "
    "was asked or answered, which is what an investigation needs.",
    remediation="Set textDataDeliveryEnabled in the model invocation logging configuration.",
)
def bedrock_model_invocation_logging_text_data_enabled(regions):
    for region in _offered(regions):
        if region.lacks("logging"):
            continue  # logging off: bedrock_model_invocation_logging_enabled says so
        logging = region.get("logging") or {}
        text = logging.get("text_data_delivery")
        if text is None:
            yield _no_verdict(region, "the logging configuration does not say whether text is delivered")
        elif text:
            yield PASS(region, f"Bedrock model invocation logging in {region.region} records prompt and response text.")
        else:
            yield FAIL(region, f"Bedrock model invocation logging in {region.region} leaves out prompt and response text.")


@check(
    id="bedrock_model_invocation_logs_encryption_enabled",
    title="Bedrock invocation logs are encrypted in their S3 bucket and with KMS in their log group",
    severity="high",
    resource_type="AwsS3Bucket",
    reads=["bedrock.regions", "s3.buckets"],
    risk="Invocation logs hold every prompt and answer; stored without encryption under a key the account "
    "controls, they expose that content to anyone who reaches the storage.",
    remediation="Set default encryption (SSE-KMS) on the log bucket and associate a KMS key with the log group "
    "(logs associate-kms-key).",
)
def bedrock_model_invocation_logs_encryption_enabled(regions, buckets):
    by_name = {b.id: b for b in buckets}
    for region in _offered(regions):
        if region.lacks("logging"):
            continue
        logging = region.get("logging") or {}
        plain, unknown = [], []
        if logging.get("s3_bucket"):
            bucket = by_name.get(logging["s3_bucket"])
            if bucket is None:  # another account's bucket, or one in a region not scanned
                unknown.append(f"S3 bucket {logging['s3_bucket']} is not in this scan's inventory")
            elif not bucket.get("encryption_rules"):
                plain.append(f"S3 bucket {bucket.id}")
        if logging.get("log_group"):
            key = region.get("log_group_kms_key")
            if key is None:
                unknown.append(f"log group {logging['log_group']} does not exist")
            elif not key:
                plain.append(f"log group {logging['log_group']} (no KMS key)")
        if plain:
            yield FAIL(region, f"Bedrock invocation logs in {region.region} are not encrypted in {' and '.join(plain)}.")
        elif unknown:
            yield _no_verdict(region, "; ".join(unknown))
        else:
            yield PASS(region, f"Bedrock invocation logs in {region.region} are encrypted where they are delivered.")


# -- encryption with customer-managed keys ---------------------------------------------------------------


def _cmk(resources, label):
    """``label(resource)`` names it in the finding."""
    for resource in resources:
        key = resource.get("kms_key_arn")
        if key:
            yield PASS(resource, f"{label(resource)} is encrypted with customer-managed KMS key {key}.")
        else:
            yield FAIL(resource, f"{label(resource)} is encrypted with an AWS-owned key, not one the account controls.")


@check(
    id="bedrock_custom_model_encrypted_with_cmk",
    title="Bedrock custom model is encrypted with a customer-managed KMS key",
    severity="critical",
    resource_type="Other",
    reads=["bedrock.custom_models"],
    risk="Fine-tuned weights encode the training data; under an AWS-owned key the account cannot audit, rotate "
    "or revoke who may decrypt them.",
    remediation="Re-run the customization job (or copy the model) with a customer-managed KMS key "
    "(customModelKmsKeyId); models shared from other accounts are their owner's to fix.",
)
def bedrock_custom_model_encrypted_with_cmk(custom_models):
    yield from _cmk(custom_models, lambda model: f"Bedrock custom model {model.id}")


@check(
    id="bedrock_knowledge_base_encrypted_with_cmk",
    title="Bedrock knowledge base data source is encrypted with a customer-managed KMS key",
    severity="high",
    resource_type="Other",
    reads=["bedrock.data_sources"],
    risk="Documents ingested into a knowledge base are stored transiently under an AWS-owned key the account "
    "cannot audit or revoke.",
    remediation="Set serverSideEncryptionConfiguration.kmsKeyArn on the data source (bedrock-agent "
    "update-data-source) to a customer-managed key.",
)
def bedrock_knowledge_base_encrypted_with_cmk(data_sources):
    yield from _cmk(data_sources, lambda source: f"Data source {source.id} of knowledge base {source.get('knowledge_base')}")


@check(
    id="bedrock_prompt_encrypted_with_cmk",
    title="Bedrock prompt is encrypted with a customer-managed KMS key",
    severity="medium",
    resource_type="Other",
    reads=["bedrock.prompts"],
    risk="Managed prompts carry instructions and often business rules; under an AWS-owned key the account cannot "
    "control or audit their decryption.",
    remediation="Recreate the prompt with customerEncryptionKeyArn set to a customer-managed KMS key.",
)
def bedrock_prompt_encrypted_with_cmk(prompts):
    yield from _cmk(prompts, lambda prompt: f"Bedrock prompt {prompt.id}")


@check(
    id="bedrock_prompt_management_exists",
    title="Bedrock Prompt Management holds prompts in the region",
    severity="low",
    resource_type="Other",
    reads=["bedrock.regions", "bedrock.prompts"],
    risk="Prompts kept in application code are neither versioned nor reviewed centrally, so a changed or "
    "injected instruction goes unnoticed.",
    remediation="Store the prompts your applications use in Bedrock Prompt Management (bedrock-agent "
    "create-prompt) and version them.",
)
def bedrock_prompt_management_exists(regions, prompts):
    for region in _offered(regions):
        found = sorted((p for p in prompts if p.region == region.region), key=lambda p: p.id)
        for prompt in found:
            yield PASS(prompt, f"Bedrock Prompt Management prompt {prompt.id} exists in {region.region}.")
        if not found:
            region.get("prompts_listed")
            yield FAIL(region, f"Bedrock Prompt Management holds no prompt in {region.region}.")


# -- agents ---------------------------------------------------------------------------------------------


@check(
    id="bedrock_agent_guardrail_enabled",
    title="Bedrock agent protects its sessions with a guardrail",
    severity="high",
    resource_type="Other",
    reads=["bedrock.agents"],
    risk="An agent without a guardrail acts on any input, including prompt injections, and can return harmful "
    "or sensitive content.",
    remediation="Associate a guardrail with the agent (bedrock-agent update-agent --guardrail-configuration) and "
    "prepare it again.",
)
def bedrock_agent_guardrail_enabled(agents):
    for agent in agents:
        guardrail = agent.get("guardrail_id")
        if guardrail:
            yield PASS(agent, f"Bedrock agent {agent.id} uses guardrail {guardrail}.")
        else:
            yield FAIL(agent, f"Bedrock agent {agent.id} uses no guardrail.")


def _documents_of(principal, policies, inline_policies, groups=()):
    """[(label, document)] of a principal's attached and inline policies (and its groups'); labels of
    attached policies whose document is not in the inventory go to the second list."""
    by_arn = {p.uid: p for p in policies}
    holders = [principal, *groups]
    found, missing = [], []
    for holder in holders:
        owner = "" if holder is principal else f" (group {holder.id})"
        for arn in holder.get("attached_policies") or []:
            managed = by_arn.get(arn)
            if managed is None:
                missing.append(arn.rsplit("/", 1)[-1] + owner)
            else:
                found.append((f"policy {managed.id}{owner}", managed.get("document")))
        for inline in inline_policies:
            if inline.get("entity_arn") == holder.uid:
                found.append((f"inline policy {inline.get('name')}{owner}", inline.get("document")))
    return found, missing


def _privilege_problems(documents, service: str | None = None):
    """([problems], [unparseable labels]) of a set of identity policies: administrative access, full access to
    ``service``, and privilege escalation (judged on all the policies together, since a path may need two)."""
    problems, unparseable, statements = [], [], []
    for label, document in documents:
        if not policy.parseable(document):
            unparseable.append(label)
            continue
        statements.extend(policy.statements(document))
        if policy.is_administrative(document):
            problems.append(f"{label} grants administrative access")
        elif service and policy.full_service_access(document, service):
            problems.append(f"{label} grants full {service} access")
    paths = escalation_paths({"Version": "2012-10-17", "Statement": statements}) if statements else []
    if paths:
        problems.append(f"its policies allow privilege escalation ({summary(paths, 2)})")
    return problems, unparseable


@check(
    id="bedrock_agent_role_least_privilege",
    title="Bedrock agent's execution role follows least privilege",
    severity="high",
    resource_type="Other",
    reads=["bedrock.agents", "iam.roles", "iam.policies", "iam.inline_policies"],
    risk="An agent runs its actions with its role: a role with full-access, administrative or escalation rights "
    "lets a prompt injection act far beyond what the agent needs.",
    remediation="Give the agent a dedicated role with only the model, knowledge base and Lambda permissions it "
    "uses, no *FullAccess managed policy, and a permissions boundary.",
)
def bedrock_agent_role_least_privilege(agents, roles, policies, inline_policies):
    by_arn = {r.uid: r for r in roles}
    for agent in agents:
        role_arn = agent.get("role_arn")
        if not role_arn:
            continue  # no execution role: it holds no permissions
        role = by_arn.get(role_arn)
        if role is None:
            if (agent.get("role_boundary") or {}).get("exists") is False:
                yield FAIL(agent, f"Bedrock agent {agent.id} names execution role {role_arn}, which does not exist "
                           "(anyone who may create a role of that name decides the agent's rights).")  # fmt: skip
            else:
                yield _no_verdict(agent, f"its execution role {role_arn} is not in the IAM inventory")
            continue
        problems = [f"managed policy {arn.rsplit('/', 1)[-1]} grants full access"
                    for arn in role.get("attached_policies") or []
                    if arn.startswith(aws_policy_arn(role, "")) and arn.endswith("FullAccess")]  # fmt: skip
        documents, missing = _documents_of(role, policies, inline_policies)
        found, unparseable = _privilege_problems(documents)
        problems += found
        if not (agent.get("role_boundary") or {}).get("boundary"):
            problems.append("it has no permissions boundary")
        if problems:
            yield FAIL(agent, f"Bedrock agent {agent.id}'s execution role {role.id} is not least privilege: "
                       f"{'; '.join(problems)}.")  # fmt: skip
        elif missing or unparseable:
            yield _no_verdict(agent, f"policies of role {role.id} could not be judged ({summary(missing + unparseable)})")
        else:
            yield PASS(agent, f"Bedrock agent {agent.id}'s execution role {role.id} follows least privilege.")


def _roles_held(agent) -> dict[str, str]:
    """{role ARN: how the agent holds it} for its draft and every version an alias routes to. Versions are
    read only when known, so a shared draft role still FAILs when the versions could not be read."""
    held = {}
    if agent.get("role_arn"):
        held[agent["role_arn"]] = "draft"
    if agent.readable("version_roles"):
        for version, role in sorted((agent.get("version_roles") or {}).items()):
            if role:
                held.setdefault(role, f"version {version}")
    return held


@check(
    id="bedrock_agent_role_not_shared_across_agents",
    title="Bedrock agent has an execution role of its own",
    severity="high",
    resource_type="Other",
    reads=["bedrock.agents", "bedrock.regions"],
    risk="Agents sharing a role each hold the union of all their permissions, and CloudTrail cannot tell which "
    "agent took an action.",
    remediation="Create one execution role per agent (bedrock-agent update-agent --agent-resource-role-arn) and "
    "prepare new versions for its aliases.",
)
def bedrock_agent_role_not_shared_across_agents(agents, regions):
    # Roles are account-wide, so sharing is judged across every region's agents.
    holders: dict[str, list[str]] = {}
    for agent in agents:
        if agent.readable("role_arn"):
            for role in _roles_held(agent):
                holders.setdefault(role, []).append(agent.uid)
    gaps = [f"agents of {r.region}" for r in regions if not r.readable("agents_listed")]
    gaps += [f"roles of agent {a.id}" for a in agents if not (a.readable("role_arn") and a.readable("version_roles"))]
    names = {a.uid: a.id for a in agents}
    for agent in agents:
        held = _roles_held(agent)
        shared = {role: how for role, how in held.items() if len(holders.get(role, [])) > 1}
        if shared:
            role, how = sorted(shared.items())[0]
            others = sorted(names[uid] for uid in holders[role] if uid != agent.uid)
            yield FAIL(agent, f"Bedrock agent {agent.id} shares execution role {role} ({how}) with {', '.join(others)}.")
        elif not agent.readable("version_roles"):
            agent.get("version_roles")  # its own deployed versions are unknown: no verdict, naming the read
            yield PASS(agent, f"Bedrock agent {agent.id}'s draft role is used by no other agent.")
        elif [g for g in gaps if g != f"roles of agent {agent.id}"]:
            yield _no_verdict(agent, f"no other agent read holds its role, but {summary(gaps, 3)} could not be read")
        else:
            yield PASS(agent, f"Bedrock agent {agent.id} has an execution role no other agent uses.")


# -- IAM: full access and API keys ------------------------------------------------------------------------


@check(
    id="bedrock_full_access_policy_attached",
    title="IAM role does not have AmazonBedrockFullAccess attached",
    severity="high",
    resource_type="AwsIamRole",
    reads=["iam.roles"],
    risk="AmazonBedrockFullAccess lets the role change guardrails, logging and model access and use every model, "
    "far more than a workload needs.",
    remediation="Detach AmazonBedrockFullAccess and grant only the Bedrock actions and models the role uses.",
)
def bedrock_full_access_policy_attached(roles):
    # Prowler skips every role AWS services assume; here only service-linked roles (which AWS manages) are
    # skipped: a Lambda or agent execution role with full Bedrock access is the very case this check is for.
    for role in roles:
        if role.get("service_linked"):
            continue
        if aws_policy_arn(role, "AmazonBedrockFullAccess") in (role.get("attached_policies") or []):
            yield FAIL(role, f"IAM role {role.id} has AmazonBedrockFullAccess attached.")
        else:
            yield PASS(role, f"IAM role {role.id} does not have AmazonBedrockFullAccess attached.")


@check(
    id="bedrock_api_key_no_administrative_privileges",
    title="Bedrock API key has no administrative, privilege-escalation or full Bedrock rights",
    severity="high",
    resource_type="AwsIamAccessKey",
    reads=["bedrock.api_keys", "iam.users", "iam.groups", "iam.policies", "iam.inline_policies"],
    risk="A Bedrock API key authenticates as its IAM user: if that user is an administrator, can escalate, or has "
    "full Bedrock access, a leaked key (they often end up in code and notebooks) gives all of it away.",
    remediation="Issue Bedrock API keys only to users limited to the Bedrock invoke actions they need, or use "
    "short-term keys; delete keys of broader users (iam delete-service-specific-credential).",
)
def bedrock_api_key_no_administrative_privileges(api_keys, users, groups, policies, inline_policies):
    users_by_name = {u.id: u for u in users}
    groups_by_name = {g.id: g for g in groups}
    for key in api_keys:
        user = users_by_name.get(key.get("user_name"))
        if user is None:
            yield _no_verdict(key, f"its user {key.get('user_name')} is not in the IAM inventory")
            continue
        # Unlike Prowler, the policies of the user's groups count too: the key carries them.
        member_of = [groups_by_name[name] for name in user.get("groups") or [] if name in groups_by_name]
        documents, missing = _documents_of(user, policies, inline_policies, member_of)
        problems, unparseable = _privilege_problems(documents, "bedrock")
        label = f"Bedrock API key {key.id} of user {user.id}"
        if problems:
            yield FAIL(key, f"{label}: {'; '.join(problems)}.")
        elif missing or unparseable:
            yield _no_verdict(key, f"policies of user {user.id} could not be judged ({summary(missing + unparseable)})")
        else:
            yield PASS(key, f"{label} has no administrative, escalation or full Bedrock rights.")


NEVER_EXPIRES_DAYS = 10000  # a long-term key set this far out is, in practice, a key that never expires


@check(
    id="bedrock_api_key_no_long_term_credentials",
    title="Bedrock long-term API key has expired",
    severity="high",
    resource_type="AwsIamUser",
    reads=["bedrock.api_keys"],
    risk="A long-term Bedrock API key is a static secret that works until it expires; leaked, it lets anyone "
    "call Bedrock as its user for months or forever.",
    remediation="Use short-term Bedrock API keys (valid up to 12 hours) outside of exploration and delete "
    "long-term ones (iam delete-service-specific-credential).",
)
def bedrock_api_key_no_long_term_credentials(api_keys, now):
    for key in api_keys:
        label = f"Bedrock long-term API key {key.id} of user {key.get('user_name')}"
        expires = key.get("expires")
        left = -days_since(expires, now) if parse_time(expires) else None
        # Prowler skips keys without an expiration date; AWS documents that such a key never expires, the
        # worst case, so it FAILs here.
        if left is None or left > NEVER_EXPIRES_DAYS:
            yield FAIL(key, f"{label} never expires.")
        elif left <= 0:
            yield PASS(key, f"{label} has expired and can no longer authenticate.")
        else:
            yield FAIL(key, f"{label} is valid for {int(left)} more days.")


# -- private connectivity -----------------------------------------------------------------------------------

BEDROCK_ENDPOINT_SERVICES = {
    "bedrock": "Bedrock control plane",
    "bedrock-runtime": "Bedrock runtime",
    "bedrock-agent": "Bedrock agent control plane",
    "bedrock-agent-runtime": "Bedrock agent runtime",
    "bedrock-mantle": "Bedrock Mantle (OpenAI-compatible API)",
}


@check(
    id="bedrock_vpc_endpoints_configured",
    title="VPC has interface endpoints for every Bedrock API",
    severity="medium",
    resource_type="AwsEc2VpcEndpointService",
    reads=["bedrock.regions", "bedrock.guardrails", "bedrock.agents", "vpc.vpcs", "vpc.endpoints", INTERFACES],
    config=[SCAN_UNUSED],
    risk="Without VPC endpoints, prompts and model answers from workloads in the VPC travel through internet or "
    "NAT gateways, and access cannot be limited to the VPC with endpoint policies.",
    remediation="Create interface endpoints for com.amazonaws.<region>.bedrock, bedrock-runtime, bedrock-agent, "
    "bedrock-agent-runtime and bedrock-mantle in the VPC.",
)
def bedrock_vpc_endpoints_configured(regions, guardrails, agents, vpcs, endpoints, network_interfaces, config, listed):
    # Only VPCs of regions where Bedrock is used (logging on, a guardrail or an agent) are judged, and like
    # Prowler only VPCs with network interfaces, unless unused resources are scanned.
    in_use = vpcs_with_interfaces(network_interfaces)
    used = {r.region for r in guardrails} | {a.region for a in agents}
    settings = {r.region: r for r in regions}
    found: dict[tuple[str, str], set[str]] = {}
    for endpoint in endpoints:
        if str(endpoint.get("state") or "").lower() == "available":
            service = str(endpoint.get("service_name") or "").rsplit(".", 1)[-1]
            found.setdefault((endpoint.region, endpoint.get("vpc_id")), set()).add(service)
    for vpc in vpcs:
        if not judged(config, (vpc.region, vpc.id) in in_use, listed.complete(INTERFACES, vpc.region)):
            continue
        region = settings.get(vpc.region)
        if vpc.region not in used:
            if region is None or not region.get("offered"):
                continue
            if not region.readable("logging"):
                yield _no_verdict(vpc, f"whether Bedrock is used in {vpc.region} (invocation logging could not be read)")
                continue
            if not region.get("logging"):
                continue
        missing = [label for name, label in BEDROCK_ENDPOINT_SERVICES.items() if name not in found.get((vpc.region, vpc.id), set())]
        if missing:
            yield FAIL(vpc, f"VPC {vpc.id} has no endpoint for {', '.join(missing)}.")
        else:
            yield PASS(vpc, f"VPC {vpc.id} has endpoints for every Bedrock API.")
