"""EC2 checks on the account's public IP addresses as the internet sees them."""

from __future__ import annotations

from postureflow.checks.base import FAIL, PASS, check


@check(
    id="ec2_elastic_ip_shodan",
    title="EC2 Elastic IP address is not listed in Shodan",
    severity="medium",
    resource_type="AwsEc2Eip",
    reads=["ec2.shodan_hosts"],
    risk="An address Shodan lists has services that anyone can find by searching, with their ports and "
    "banners: a ready target list for automated attacks.",
    remediation="Close or restrict the listed ports (security groups, network ACLs), put services behind a "
    "load balancer or VPN, and release Elastic IPs no longer needed.",
    service="ec2",
)
def ec2_elastic_ip_shodan(hosts):
    # Records exist only when the audit config has a shodan_api_key (the collector's opt-in, as in Prowler).
    for host in hosts:
        if host.get("listed"):
            ports = ", ".join(str(p) for p in host.get("ports") or []) or "none"
            yield FAIL(
                host,
                f"Elastic IP {host.id} is listed in Shodan with open ports {ports}, ISP {host.get('isp') or '?'} "
                f"in {host.get('country') or '?'} (https://www.shodan.io/host/{host.id}).",
            )
        else:
            yield PASS(host, f"Elastic IP {host.id} is not listed in Shodan.")
