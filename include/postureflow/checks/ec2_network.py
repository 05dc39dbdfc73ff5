"""EC2 network checks: network ACLs, Elastic IPs, launch templates, transit gateways and Client VPN."""

from __future__ import annotations

from typing import Iterable

from postureflow.checks._in_use import SCAN_UNUSED, judged
from postureflow.checks.base import FAIL, PASS, check
from postureflow.checks.ec2_securitygroups import INTERNET_V4, INTERNET_V6
from postureflow.secrets import describe_hits


# -- network ACL entries -------------------------------------------------------------------------


def _nacl_admits(entries: Iterable[dict], protocol: str, port: int | None) -> bool:
    """Whether the ACL's inbound rules, evaluated in rule-number order, let the internet in.

    ``protocol`` "-1" with ``port`` None asks about an all-traffic allow. IPv4
    (0.0.0.0/0) and IPv6 (::/0) entries are evaluated separately, as AWS does:
    the lowest-numbered entry that matches decides.
    """
    inbound = sorted((e for e in entries if not e.get("egress")), key=lambda e: e.get("rule_number") or 0)
    for field, internet in (("cidr", INTERNET_V4), ("ipv6_cidr", INTERNET_V6)):
        for entry in inbound:
            if entry.get(field) != internet or not _nacl_entry_matches(entry, protocol, port):
                continue
            if entry.get("action") == "allow":
                return True
            break  # denied before any allow
    return False


def _nacl_entry_matches(entry: dict, protocol: str, port: int | None) -> bool:
    entry_protocol = str(entry.get("protocol"))
    if entry_protocol == "-1":
        return True
    if protocol == "-1" or entry_protocol != protocol or port is None:
        return False
    low, high = entry.get("from_port"), entry.get("to_port")
    return low is not None and high is not None and int(low) <= port <= int(high)


GROUPS = "ec2.security_groups"


def _acls_in_use(network_acls, security_groups, config, listed) -> list:
    """The ACLs Prowler judges without scan_unused_services: those of regions with a security group other
    than the default ones (Prowler's test for a region in use), plus those of regions whose groups could
    not be listed (no verdict)."""
    used = {g.region for g in security_groups if g.get("name") != "default"}
    return [a for a in network_acls if judged(config, a.region in used, listed.complete(GROUPS, a.region))]


def _nacl_port_check(network_acls, port: int, service_name: str):
    for acl in network_acls:
        what = f"ingress from the internet to TCP port {port} ({service_name})"
        if _nacl_admits(acl.get("entries") or [], "6", port):
            yield FAIL(acl, f"Network ACL {acl.id} allows {what}.")
        else:
            yield PASS(acl, f"Network ACL {acl.id} does not allow {what}.")


# -- addresses and network interfaces ---------------------------------------------------------------------


@check(
    id="ec2_elastic_ip_unassigned",
    service="ec2",
    title="Elastic IP address is associated with an instance or network interface",
    severity="low",
    resource_type="AwsEc2Eip",
    reads=["ec2.addresses"],
    risk="An unassociated Elastic IP is forgotten inventory: it costs money, and DNS records still pointing at "
    "it can end up sending traffic to whoever gets the address next.",
    remediation="Associate the address with the resource that needs it, or release it after removing any DNS "
    "records that point to it.",
)
def ec2_elastic_ip_unassigned(addresses):
    for address in addresses:
        ip = address.get("public_ip") or address.id
        if address.get("association_id"):
            target = address.get("instance_id") or address.get("network_interface_id") or "a resource"
            yield PASS(address, f"Elastic IP {ip} ({address.id}) is associated with {target}.")
        else:
            yield FAIL(address, f"Elastic IP {ip} ({address.id}) is not associated with anything.")


# -- launch templates --------------------------------------------------------------------------------------


def _version_list(numbers: list) -> str:
    return ", ".join(str(n) for n in numbers)


@check(
    id="ec2_launch_template_no_public_ip",
    service="ec2",
    title="EC2 launch template gives its instances no public IP address",
    severity="high",
    resource_type="AwsEc2LaunchTemplate",
    reads=["ec2.launch_templates", "ec2.network_interfaces"],
    risk="Instances launched from a template that assigns public addresses are reachable from the internet as "
    "soon as a security group allows it.",
    remediation="Create a template version without AssociatePublicIpAddress (and without network interfaces "
    "that carry public addresses), make it the default and delete the versions that assign public IPs.",
)
def ec2_launch_template_no_public_ip(templates, network_interfaces):
    public_interfaces = {(n.region, n.id) for n in network_interfaces if n.get("public_ip")}
    for template in templates:
        assigning = [v["number"] for v in template.get("versions") or [] if v.get("associate_public_ip")]
        attaching = [
            v["number"]
            for v in template.get("versions") or []
            if any((template.region, n) in public_interfaces for n in v.get("network_interface_ids") or [])
        ]
        name = template.get("name") or template.id
        problems = []
        if assigning:
            problems.append(f"assigns public IP addresses in version(s) {_version_list(assigning)}")
        if attaching:
            problems.append(f"attaches network interfaces with public IPs in version(s) {_version_list(attaching)}")
        if problems:
            yield FAIL(template, f"EC2 launch template {name} {' and '.join(problems)}.")
        else:
            yield PASS(template, f"EC2 launch template {name} gives its instances no public IP address.")


@check(
    id="ec2_launch_template_imdsv2_required",
    service="ec2",
    title="EC2 launch template requires IMDSv2 or turns the metadata service off",
    severity="high",
    resource_type="AwsEc2LaunchTemplate",
    reads=["ec2.launch_templates", "ec2.instance_metadata_defaults"],
    risk="Instances launched from a template version that allows IMDSv1 expose their role credentials to any "
    "server-side request forgery in the workload.",
    remediation="Create a template version with MetadataOptions HttpTokens=required (or HttpEndpoint=disabled), "
    "make it the default and delete versions that allow IMDSv1.",
)
def ec2_launch_template_imdsv2_required(templates, defaults):
    region_requires = {d.region for d in defaults if d.get("http_tokens") == "required"}
    for template in templates:
        if template.lacks("versions"):
            continue
        versions = template.get("versions") or []
        loose = [
            v["number"]
            for v in versions
            if v.get("http_endpoint") != "disabled"
            and v.get("http_tokens") != "required"
            and not (v.get("http_tokens") is None and template.region in region_requires)
        ]
        name = template.get("name") or template.id
        if loose:
            yield FAIL(
                template,
                f"EC2 launch template {name} allows IMDSv1 in version(s) {_version_list(loose)}.",
            )
        else:
            yield PASS(template, f"EC2 launch template {name} requires IMDSv2 or disables metadata in every version.")


@check(
    id="ec2_launch_template_no_secrets",
    service="ec2",
    title="EC2 launch template user data contains no secrets in any version",
    severity="high",
    resource_type="AwsEc2LaunchTemplate",
    reads=["ec2.launch_templates"],
    risk="Launch template user data is readable by anyone allowed to describe template versions and by every "
    "instance launched from it, so credentials in it leak easily.",
    remediation="Create a template version without the secrets, delete the versions that hold them, rotate "
    "the secrets and fetch them at boot from Secrets Manager or Parameter Store.",
)
def ec2_launch_template_no_secrets(templates):
    for template in templates:
        if template.lacks("versions"):
            continue
        versions = template.get("versions") or []
        found = [
            f"version {v['number']}: {describe_hits(v['user_data']['secrets'])}"
            for v in versions
            if (v.get("user_data") or {}).get("secrets")
        ]
        name = template.get("name") or template.id
        if found:
            yield FAIL(template, f"EC2 launch template {name} has secret-looking user data in {'; '.join(found)}.")
        else:
            yield PASS(template, f"EC2 launch template {name} has no secret-looking user data in any version.")


# -- network ACLs ----------------------------------------------------------------------------------------


@check(
    id="ec2_networkacl_allow_ingress_any_port",
    service="ec2",
    title="Network ACL does not allow all inbound traffic from the internet",
    severity="high",
    resource_type="AwsEc2NetworkAcl",
    reads=["ec2.network_acls", GROUPS],
    config=[SCAN_UNUSED],
    risk="An ACL that admits all traffic from anywhere leaves security groups as the only network control "
    "for its subnets.",
    remediation="Replace the all-traffic allow from 0.0.0.0/0 or ::/0 with entries for the ports the subnets "
    "serve, and deny the rest.",
)
def ec2_networkacl_allow_ingress_any_port(network_acls, security_groups, config, listed):
    network_acls = _acls_in_use(network_acls, security_groups, config, listed)
    for acl in network_acls:
        if _nacl_admits(acl.get("entries") or [], "-1", None):
            yield FAIL(acl, f"Network ACL {acl.id} allows all inbound traffic from the internet.")
        else:
            yield PASS(acl, f"Network ACL {acl.id} does not allow all inbound traffic from the internet.")


@check(
    id="ec2_networkacl_allow_ingress_tcp_port_22",
    service="ec2",
    title="Network ACL does not allow SSH (TCP 22) from the internet",
    severity="medium",
    resource_type="AwsEc2NetworkAcl",
    reads=["ec2.network_acls", GROUPS],
    config=[SCAN_UNUSED],
    risk="An ACL admitting SSH from anywhere removes a layer of defence for every instance in its subnets.",
    remediation="Add a lower-numbered deny for TCP 22 from 0.0.0.0/0 and ::/0, or narrow the allow to known "
    "source ranges.",
)
def ec2_networkacl_allow_ingress_tcp_port_22(network_acls, security_groups, config, listed):
    network_acls = _acls_in_use(network_acls, security_groups, config, listed)
    yield from _nacl_port_check(network_acls, 22, "SSH")


@check(
    id="ec2_networkacl_allow_ingress_tcp_port_3389",
    service="ec2",
    title="Network ACL does not allow RDP (TCP 3389) from the internet",
    severity="medium",
    resource_type="AwsEc2NetworkAcl",
    reads=["ec2.network_acls", GROUPS],
    config=[SCAN_UNUSED],
    risk="An ACL admitting RDP from anywhere removes a layer of defence for every instance in its subnets.",
    remediation="Add a lower-numbered deny for TCP 3389 from 0.0.0.0/0 and ::/0, or narrow the allow to known "
    "source ranges.",
)
def ec2_networkacl_allow_ingress_tcp_port_3389(network_acls, security_groups, config, listed):
    network_acls = _acls_in_use(network_acls, security_groups, config, listed)
    yield from _nacl_port_check(network_acls, 3389, "RDP")


@check(
    id="ec2_networkacl_unused",
    service="ec2",
    title="Non-default network ACL is associated with a subnet",
    severity="low",
    resource_type="AwsEc2NetworkAcl",
    reads=["ec2.network_acls"],
    risk="Unassociated network ACLs are clutter whose rules nobody reviews; associated later by mistake, they "
    "change a subnet's access unexpectedly.",
    remediation="Associate the ACL with the subnets it was made for, or delete it.",
)
def ec2_networkacl_unused(network_acls):
    for acl in network_acls:
        if acl.get("is_default"):
            continue
        subnets = acl.get("subnet_ids") or []
        if subnets:
            yield PASS(acl, f"Network ACL {acl.id} is associated with subnet(s) {', '.join(subnets)}.")
        else:
            yield FAIL(acl, f"Network ACL {acl.id} is not associated with any subnet.")


# -- transit gateways and Client VPN ------------------------------------------------------------------------


@check(
    id="ec2_transitgateway_auto_accept_vpc_attachments",
    service="ec2",
    title="Transit gateway does not automatically accept shared VPC attachments",
    severity="high",
    resource_type="AwsEc2TransitGateway",
    reads=["ec2.transit_gateways"],
    risk="With auto-accept on, any account the gateway is shared with can attach its VPCs and route into every "
    "network connected to the gateway without review.",
    remediation="Turn off AutoAcceptSharedAttachments (aws ec2 modify-transit-gateway --options "
    "AutoAcceptSharedAttachments=disable) and accept attachments individually.",
)
def ec2_transitgateway_auto_accept_vpc_attachments(gateways):
    for gateway in gateways:
        if gateway.get("auto_accept_shared_attachments") == "enable":
            yield FAIL(gateway, f"Transit gateway {gateway.id} automatically accepts shared VPC attachments.")
        else:
            yield PASS(gateway, f"Transit gateway {gateway.id} requires shared VPC attachments to be accepted.")


@check(
    id="ec2_client_vpn_endpoint_connection_logging_enabled",
    service="ec2",
    title="Client VPN endpoint logs client connections",
    severity="low",
    resource_type="AwsEc2ClientVpnEndpoint",
    reads=["ec2.client_vpn_endpoints"],
    risk="Without connection logs there is no record of who connected to the network through the VPN, from "
    "where and when, which blinds incident response.",
    remediation="Enable connection logging to a CloudWatch Logs log group "
    "(aws ec2 modify-client-vpn-endpoint --connection-log-options Enabled=true,CloudwatchLogGroup=...).",
)
def ec2_client_vpn_endpoint_connection_logging_enabled(endpoints):
    for endpoint in endpoints:
        if endpoint.get("connection_logging"):
            where = f" to {endpoint['log_group']}" if endpoint.get("log_group") else ""
            yield PASS(endpoint, f"Client VPN endpoint {endpoint.id} logs client connections{where}.")
        else:
            yield FAIL(endpoint, f"Client VPN endpoint {endpoint.id} does not log client connections.")
