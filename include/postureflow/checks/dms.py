"""DMS checks: replication instances and endpoints."""

from __future__ import annotations

from postureflow.checks.base import FAIL, PASS, check, no_verdict

INTERNET = ("0.0.0.0/0", "::/0")


def _open_to_internet(group) -> bool:
    for rule in group.get("ingress_rules") or []:
        if any(r.get("CidrIp") in INTERNET for r in rule.get("IpRanges") or []):
            return True
        if any(r.get("CidrIpv6") in INTERNET for r in rule.get("Ipv6Ranges") or []):
            return True
    return False


@check(
    id="dms_endpoint_ssl_enabled",
    title="DMS endpoint uses SSL",
    severity="high",
    resource_type="AwsDmsEndpoint",
    reads=["dms.endpoints"],
    risk="Data replicated over an endpoint without SSL crosses the network in clear text.",
    remediation="Set the endpoint's SSL mode to require, verify-ca or verify-full.",
)
def dms_endpoint_ssl_enabled(endpoints):
    for endpoint in endpoints:
        mode = endpoint.get("ssl_mode") or "none"
        if mode != "none":
            yield PASS(endpoint, f"DMS endpoint {endpoint.id} uses SSL mode {mode}.")
        else:
            yield FAIL(endpoint, f"DMS endpoint {endpoint.id} does not use SSL.")


@check(
    id="dms_instance_minor_version_upgrade_enabled",
    title="DMS replication instance upgrades minor versions automatically",
    severity="medium",
    resource_type="AwsDmsReplicationInstance",
    reads=["dms.replication_instances"],
    risk="Without automatic minor upgrades, security fixes in new DMS engine versions are not applied.",
    remediation="Enable AutoMinorVersionUpgrade on the replication instance.",
)
def dms_instance_minor_version_upgrade_enabled(instances):
    for instance in instances:
        if instance.get("auto_minor_version_upgrade"):
            yield PASS(instance, f"DMS replication instance {instance.id} upgrades minor versions automatically.")
        else:
            yield FAIL(
                instance, f"DMS replication instance {instance.id} does not upgrade minor versions automatically."
            )


@check(
    id="dms_instance_no_public_access",
    title="DMS replication instance is not exposed to the internet",
    severity="critical",
    resource_type="AwsDmsReplicationInstance",
    reads=["dms.replication_instances", "ec2.security_groups"],
    risk="A publicly accessible replication instance whose security group admits the internet can be "
    "reached and attacked from anywhere, and it holds credentials to source and target databases.",
    remediation="Recreate the replication instance without public accessibility, or restrict its security "
    "groups to the networks that need it.",
)
def dms_instance_no_public_access(instances, security_groups):
    groups = {(g.region, g.id): g for g in security_groups}
    for instance in instances:
        if not instance.get("publicly_accessible"):
            yield PASS(instance, f"DMS replication instance {instance.id} is not publicly accessible.")
            continue
        keys = [(instance.region, gid) for gid in instance.get("security_group_ids") or []]
        missing = [gid for region, gid in keys if (region, gid) not in groups]
        if missing:
            # a group that was not read could admit anyone: no verdict rather than a PASS
            yield no_verdict(FAIL(instance, ""), [f"security group(s) {', '.join(missing)} (not in the inventory)"])
            continue
        attached = [groups[k] for k in keys]
        open_groups = [g.id for g in attached if _open_to_internet(g)]
        if open_groups:
            yield FAIL(
                instance,
                f"DMS replication instance {instance.id} is publicly accessible and security group(s) "
                f"{', '.join(open_groups)} admit traffic from the internet.",
            )
        else:
            yield PASS(
                instance,
                f"DMS replication instance {instance.id} is publicly accessible but none of its security groups "
                "admits traffic from the internet.",
            )
