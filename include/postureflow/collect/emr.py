"""EMR: the region's block public access setting and the active clusters.

Calls per region: GetBlockPublicAccessConfiguration, ListClusters (active states,
all pages) and DescribeCluster per cluster listed.
"""

from __future__ import annotations

from postureflow.collect.base import RegionScope, collector

# Clusters in other states (terminating, terminated) no longer run anything to judge.
ACTIVE_STATES = ["STARTING", "BOOTSTRAPPING", "RUNNING", "WAITING"]
GONE = ("InvalidRequestException",)


@collector("emr")
def collect_emr(scope: RegionScope) -> None:
    emr = scope.client("emr")
    block = scope.fetch(emr, "get_block_public_access_configuration")
    config = block.get("BlockPublicAccessConfiguration", {})
    scope.add(
        "block_public_access",
        uid=scope.arn("elasticmapreduce", "block-public-access-configuration"),
        id="emr-block-public-access",
        block_public_security_group_rules=config.map(lambda c: bool(c.get("BlockPublicSecurityGroupRules"))),
        permitted_port_ranges=config.map(lambda c: c.get("PermittedPublicSecurityGroupRuleRanges", [])),
    )
    clusters = scope.list(emr, "list_clusters", "Clusters", kind="clusters", ClusterStates=ACTIVE_STATES)
    scope.each(clusters.value or [], lambda listed: _collect_cluster(scope, emr, listed))


def _groups(attributes: dict, managed: str, additional: str) -> list[str]:
    return [g for g in [attributes.get(managed), *(attributes.get(additional) or [])] if g]


def _collect_cluster(scope: RegionScope, emr, listed: dict) -> None:
    answer = scope.fetch(emr, "describe_cluster", absent=GONE, ClusterId=listed["Id"])
    if answer.state == "absent":
        return  # terminated since it was listed
    cluster = answer.get("Cluster", {})
    attributes = cluster.get("Ec2InstanceAttributes", {})
    scope.add(
        "clusters",
        uid=listed.get("ClusterArn") or scope.arn("elasticmapreduce", f"cluster/{listed['Id']}"),
        id=listed["Id"],
        tags=cluster.get("Tags", []),
        name=listed.get("Name"),
        state=(listed.get("Status") or {}).get("State"),
        master_public_dns_name=cluster.get("MasterPublicDnsName"),
        subnet_id=attributes.get("Ec2SubnetId"),
        master_security_group_ids=attributes.map(
            lambda a: _groups(a or {}, "EmrManagedMasterSecurityGroup", "AdditionalMasterSecurityGroups")
        ),
        slave_security_group_ids=attributes.map(
            lambda a: _groups(a or {}, "EmrManagedSlaveSecurityGroup", "AdditionalSlaveSecurityGroups")
        ),
    )
