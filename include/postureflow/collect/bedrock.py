"""Amazon Bedrock: invocation logging, guardrails, custom models, agents, prompts, knowledge-base data
sources, and (once per run) the account's Bedrock API keys.

Calls per region:
  bedrock:GetModelInvocationLoggingConfiguration; logs:DescribeLogGroups (name prefix) when logs go
  to CloudWatch, for the log group's KMS key;
  bedrock:ListGuardrails + GetGuardrail per guardrail (its DRAFT, the version Prowler judges);
  bedrock:ListCustomModels (owned only) + GetCustomModel per model;
  bedrock-agent:ListAgents + GetAgent and ListAgentAliases per agent, GetAgentVersion per version an
  alias routes to; iam:GetRole once per distinct draft execution role (its permissions boundary: the
  IAM collector does not keep it);
  bedrock-agent:ListPrompts + GetPrompt per prompt;
  bedrock-agent:ListKnowledgeBases + ListDataSources per knowledge base + GetDataSource per data source.
In the run's global region only: iam:ListServiceSpecificCredentials (AllUsers, bedrock.amazonaws.com).

A region where Bedrock is not offered answers its listings with ValidationException: nothing there,
and the region record says ``offered=False`` so region-wide checks skip it.
Nothing secret is stored: API keys are recorded by id, owner and dates only.
"""

from __future__ import annotations

from postureflow.collect.base import OK, Outcome, RegionScope, collector

BEDROCK_API_KEYS = "bedrock.amazonaws.com"
# How Bedrock says "this API is not offered in this region".
NOT_OFFERED = ("ValidationException",)
# Alias states whose routed versions can be (or are about to be) invoked.
LIVE_ALIAS_STATES = {"PREPARED", "CREATING", "UPDATING"}


@collector("bedrock")
def collect_bedrock(scope: RegionScope) -> None:
    bedrock, agent_client = scope.client("bedrock"), scope.client("bedrock-agent")
    guardrails = scope.list(bedrock, "list_guardrails", "guardrails", kind="guardrails", absent=NOT_OFFERED)
    agents = scope.list(agent_client, "list_agents", "agentSummaries", kind="agents", absent=NOT_OFFERED)
    prompts = scope.list(agent_client, "list_prompts", "promptSummaries", kind="prompts", absent=NOT_OFFERED)
    _region(scope, bedrock, guardrails, agents, prompts)
    scope.each(guardrails.value or [], lambda g: _guardrail(scope, bedrock, g))
    _custom_models(scope, bedrock)
    _agents(scope, agent_client, agents.value or [])
    scope.each(prompts.value or [], lambda p: _prompt(scope, agent_client, p))
    _knowledge_bases(scope, agent_client)
    if scope.is_home:
        _api_keys(scope)


def _region(scope: RegionScope, bedrock, guardrails: Outcome, agents: Outcome, prompts: Outcome) -> None:
    """One record per region: invocation logging, and whether each listing was read (for checks that
    judge a region, or the whole account, from what the listings found)."""
    config = scope.fetch(bedrock, "get_model_invocation_logging_configuration", absent=NOT_OFFERED)
    logging = config.map(lambda r: r.get("loggingConfig") or None)
    group = ((logging.value or {}).get("cloudWatchConfig") or {}).get("logGroupName")
    scope.add(
        "regions",
        uid=scope.arn("bedrock", "model-invocation-logging"),
        id=f"bedrock-{scope.region}",
        offered=guardrails.state != "absent" and config.state != "absent",
        logging=logging.map(_logging),
        log_group_kms_key=_log_group_key(scope, group) if group else None,
        guardrails_listed=guardrails.map(lambda items: len(items)),
        agents_listed=agents.map(lambda items: len(items)),
        prompts_listed=prompts.map(lambda items: len(items)),
    )


def _logging(config: dict | None) -> dict | None:
    if not config:
        return None
    return {
        "log_group": (config.get("cloudWatchConfig") or {}).get("logGroupName"),
        "s3_bucket": (config.get("s3Config") or {}).get("bucketName"),
        # None when AWS did not say (an absent flag is not "off")
        "text_data_delivery": config.get("textDataDeliveryEnabled"),
    }


def _log_group_key(scope: RegionScope, name: str) -> Outcome:
    """The KMS key of the invocation log group ("" when it has none; None when it does not exist)."""
    listed = scope.list(scope.client("logs"), "describe_log_groups", "logGroups", logGroupNamePrefix=name)
    return listed.map(lambda groups: next((g.get("kmsKeyId") or "" for g in groups if g.get("logGroupName") == name), None))


def _guardrail(scope: RegionScope, bedrock, listed: dict) -> None:
    arn, name = listed["arn"], listed.get("name") or listed["id"]
    answer = scope.fetch(bedrock, "get_guardrail", absent=("ResourceNotFoundException",), guardrailIdentifier=listed["id"])
    if answer.state == "absent":
        return  # deleted since the listing
    if not answer.ok:
        scope.add_unreadable("guardrails", answer, uid=arn, id=name)
        return
    found = answer.value
    sensitive = found.get("sensitiveInformationPolicy")
    scope.add(
        "guardrails",
        uid=arn,
        id=name,
        guardrail_id=listed["id"],
        content_filters=[
            {"type": f.get("type"), "input_strength": f.get("inputStrength"), "input_enabled": f.get("inputEnabled")}
            for f in (found.get("contentPolicy") or {}).get("filters") or []
        ],
        sensitive_information=_sensitive_entries(sensitive) if sensitive is not None else None,
        grounding_filters=[
            {"type": f.get("type"), "threshold": f.get("threshold"), "action": f.get("action"), "enabled": f.get("enabled")}
            for f in (found.get("contextualGroundingPolicy") or {}).get("filters") or []
        ],
    )


def _sensitive_entries(policy: dict) -> list[dict]:
    """PII entities and regexes with what they do on the output path (never the regex pattern itself)."""
    entries = [("PII entity " + str(e.get("type")), e) for e in policy.get("piiEntities") or []]
    entries += [("regex " + str(e.get("name")), e) for e in policy.get("regexes") or []]
    return [
        {"name": name, "action": e.get("action"), "output_action": e.get("outputAction"),
         "output_enabled": e.get("outputEnabled")}
        for name, e in entries
    ]  # fmt: skip


def _custom_models(scope: RegionScope, bedrock) -> None:
    # isOwned: a model shared in through RAM is encrypted with its owner's key, not one this account can set
    models = scope.list(bedrock, "list_custom_models", "modelSummaries", kind="custom_models", absent=NOT_OFFERED,
                        isOwned=True)  # fmt: skip

    def one(listed: dict) -> None:
        arn, name = listed["modelArn"], listed.get("modelName") or listed["modelArn"]
        answer = scope.fetch(bedrock, "get_custom_model", absent=("ResourceNotFoundException",), modelIdentifier=arn)
        if answer.state == "absent":
            return
        if not answer.ok:
            scope.add_unreadable("custom_models", answer, uid=arn, id=name)
            return
        scope.add("custom_models", uid=arn, id=name, kms_key_arn=answer.value.get("modelKmsKeyArn"))

    scope.each(models.value or [], one)


# -- agents ---------------------------------------------------------------------------------------------


def _agents(scope: RegionScope, client, listed: list[dict]) -> None:
    details = scope.each(listed, lambda summary: _agent_details(scope, client, summary))
    roles = sorted({d["role_arn"] for d in details if isinstance(d, dict) and d.get("role_arn")})
    boundaries = dict(zip(roles, scope.each(roles, lambda role: _permissions_boundary(scope, role))))
    for summary, detail in zip(listed, details):
        arn = scope.arn("bedrock", f"agent/{summary['agentId']}")
        name = summary.get("agentName") or summary["agentId"]
        if detail is None:
            continue  # deleted since the listing
        if isinstance(detail, Outcome):
            scope.add_unreadable("agents", detail, uid=arn, id=name, agent_id=summary["agentId"])
            continue
        role = detail["role_arn"]
        scope.add(
            "agents",
            uid=arn,
            id=name,
            agent_id=summary["agentId"],
            role_arn=role,
            guardrail_id=detail["guardrail_id"],
            version_roles=detail["version_roles"],
            role_boundary=boundaries[role] if role else None,
        )


def _agent_details(scope: RegionScope, client, summary: dict) -> dict | Outcome | None:
    agent_id = summary["agentId"]
    answer = scope.fetch(client, "get_agent", absent=("ResourceNotFoundException",), agentId=agent_id)
    if answer.state == "absent":
        return None
    if not answer.ok:
        return answer
    agent = answer.value.get("agent") or {}
    return {
        "role_arn": agent.get("agentResourceRoleArn"),
        "guardrail_id": (agent.get("guardrailConfiguration") or {}).get("guardrailIdentifier"),
        "version_roles": _version_roles(scope, client, agent_id),
    }


def _version_roles(scope: RegionScope, client, agent_id: str) -> Outcome:
    """{version: execution role} of every numbered version a live alias routes to: a version keeps the
    role it was cut with, so a deployed version may run under a role the draft no longer names."""
    aliases = scope.list(client, "list_agent_aliases", "agentAliasSummaries", agentId=agent_id)
    if not aliases.ok:
        return aliases
    versions = sorted({
        route["agentVersion"]
        for alias in aliases.value
        if alias.get("agentAliasStatus") in LIVE_ALIAS_STATES and alias.get("aliasInvocationState") != "REJECT_INVOCATIONS"
        for route in alias.get("routingConfiguration") or []
        if route.get("agentVersion") and route["agentVersion"] != "DRAFT"
    })  # fmt: skip
    roles: dict[str, str | None] = {}
    for version in versions:
        answer = scope.fetch(client, "get_agent_version", absent=("ResourceNotFoundException",), agentId=agent_id,
                             agentVersion=version)  # fmt: skip
        if answer.state == "absent":
            continue
        if not answer.ok:
            return answer
        roles[version] = (answer.value.get("agentVersion") or {}).get("agentResourceRoleArn")
    return Outcome(OK, roles, aliases.api)


def _permissions_boundary(scope: RegionScope, role_arn: str) -> Outcome:
    """{"exists": bool, "boundary": arn or None} of an agent's execution role."""
    name = role_arn.rsplit("/", 1)[-1]
    answer = scope.fetch(scope.client("iam"), "get_role", absent=("NoSuchEntity",), RoleName=name)
    if answer.state == "absent":
        return Outcome(OK, {"exists": False, "boundary": None}, answer.api)
    return answer.map(lambda r: {
        "exists": True,
        "boundary": ((r.get("Role") or {}).get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn"),
    })  # fmt: skip


# -- prompts and knowledge bases ------------------------------------------------------------------------


def _prompt(scope: RegionScope, client, listed: dict) -> None:
    arn, name = listed["arn"], listed.get("name") or listed["id"]
    answer = scope.fetch(client, "get_prompt", absent=("ResourceNotFoundException",), promptIdentifier=listed["id"])
    if answer.state == "absent":
        return
    if not answer.ok:
        scope.add_unreadable("prompts", answer, uid=arn, id=name)
        return
    scope.add("prompts", uid=arn, id=name, kms_key_arn=answer.value.get("customerEncryptionKeyArn"))


def _knowledge_bases(scope: RegionScope, client) -> None:
    """One record per data source (the findings' subject). A knowledge base whose data sources could not
    be listed is recorded as one unreadable data source, so it shows as no verdict instead of vanishing."""
    bases = scope.list(client, "list_knowledge_bases", "knowledgeBaseSummaries", kind="data_sources",
                       absent=NOT_OFFERED)  # fmt: skip

    def one(base: dict) -> None:
        base_id = base["knowledgeBaseId"]
        base_arn = scope.arn("bedrock", f"knowledge-base/{base_id}")
        base_name = base.get("name") or base_id
        sources = scope.list(client, "list_data_sources", "dataSourceSummaries", knowledgeBaseId=base_id)
        if not sources.known:
            scope.add_unreadable("data_sources", sources, uid=base_arn, id=base_name, knowledge_base=base_name)
            return
        for source in sources.value:
            _data_source(scope, client, base_arn, base_name, source)

    scope.each(bases.value or [], one)


def _data_source(scope: RegionScope, client, base_arn: str, base_name: str, listed: dict) -> None:
    source_id = listed["dataSourceId"]
    uid, name = f"{base_arn}/data-source/{source_id}", listed.get("name") or source_id
    answer = scope.fetch(client, "get_data_source", absent=("ResourceNotFoundException",),
                         knowledgeBaseId=listed["knowledgeBaseId"], dataSourceId=source_id)  # fmt: skip
    if answer.state == "absent":
        return
    if not answer.ok:
        scope.add_unreadable("data_sources", answer, uid=uid, id=name, knowledge_base=base_name)
        return
    found = answer.value.get("dataSource") or {}
    scope.add("data_sources", uid=uid, id=name, knowledge_base=base_name,
              kms_key_arn=(found.get("serverSideEncryptionConfiguration") or {}).get("kmsKeyArn"))  # fmt: skip


# -- API keys (IAM service-specific credentials for Bedrock) ---------------------------------------------


def _api_keys(scope: RegionScope) -> None:
    iam = scope.client("iam")
    keys = scope.list(iam, "list_service_specific_credentials", "ServiceSpecificCredentials", kind="api_keys",
                      token=("Marker", "Marker"), AllUsers=True, ServiceName=BEDROCK_API_KEYS)  # fmt: skip
    for key in keys.value or []:
        if key.get("ServiceName", BEDROCK_API_KEYS) != BEDROCK_API_KEYS:
            continue
        user, key_id = key["UserName"], key["ServiceSpecificCredentialId"]
        scope.add(
            "api_keys",
            uid=scope.arn("iam", f"user/{user}/service-specific-credential/{key_id}", region=""),
            id=key_id,
            user_name=user,
            status=key.get("Status"),
            created=key.get("CreateDate"),
            expires=key.get("ExpirationDate"),
        )
