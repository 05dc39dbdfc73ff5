"""EMR: the region's block public access setting and the active clusters."""

from __future__ import annotations

from postureflow.collect.base import RegionScope, collector

# Clusters in other states (terminating, terminated) no longer run anything to judge.
ACTIVE_STATES = ["STARTING", "BOOTSTRAPPING", "RUNNING", "WAITING"]


@collector("emr")
def collect_emr(scope: RegionScope) -> None:
    emr = scope.client("emr")
    block = scope.call(emr, "get_block_public_access_configuration")
    if block is not None:
        config = block.get("BlockPublicAccessConfiguration") or {}
        scope.add(
            "block_public_access",
            uid=scope.arn("elasticmapreduce", "block-public-access-configuration"),
            id="emr-block-public-access",
            block_public_security_group_rules=bool(config.get("BlockPublicSecurityGroupRules")),
            permitted_port_ranges=config.get("PermittedPublicSecurityGroupRuleRanges", []),
        )
    for listed in scope.paginate(emr, "list_clusters", "Clusters", ClusterStates=ACTIVE_STATES):
        answer = scope.call(emr, "describe_cluster", absent=("InvalidRequestException",), ClusterId=listed["Id"])
        if answer is None:
            continue
        cluster = answer.get("Cluster") or {}
        attributes = cluster.get("Ec2InstanceAttributes") or {}
        scope.add(
            "clusters",
            uid=cluster.get("ClusterArn")
            or listed.get("ClusterArn")
            or scope.arn("elasticmapreduce", f"cluster/{listed['Id']}"),
            id=listed["Id"],
            tags=cluster.get("Tags"),
            name=cluster.get("Name"),
            state=(cluster.get("Status") or {}).get("State"),
            master_public_dns_name=cluster.get("MasterPublicDnsName"),
            subnet_id=attributes.get("Ec2SubnetId"),
            master_security_group_ids=[
                g
                for g in [
                    attributes.get("EmrManagedMasterSecurityGroup"),
                    *attributes.get("AdditionalMasterSecurityGroups", []),
                ]
                if g
            ],
        )
