"""Lightsail checks: instances and databases reachable from the internet."""

from __future__ import annotations

from postureflow.checks.base import FAIL, PASS, check

INTERNET = ("0.0.0.0/0", "::/0")


def _open_to_internet(port: dict) -> bool:
    """A firewall rule that admits any address (a public rule that names no source range does too)."""
    ranges = [*(port.get("cidrs") or []), *(port.get("ipv6_cidrs") or [])]
    if ranges:
        return any(r in INTERNET for r in ranges)
    return str(port.get("access_type") or "").lower() == "public"


def _port_label(port: dict) -> str:
    low, high = port.get("from_port"), port.get("to_port")
    ports = str(low) if low == high else f"{low}-{high}"
    return f"{port.get('protocol')}/{ports}"


@check(
    id="lightsail_instance_public",
    title="Lightsail instance has no firewall ports open to the whole internet",
    severity="high",
    resource_type="Other",
    reads=["lightsail.instances"],
    risk="Ports open to 0.0.0.0/0 on an instance with a public IP invite scanning, brute force and exploitation "
    "of whatever listens there.",
    remediation="Restrict each firewall rule to the addresses that need it "
    "(aws lightsail put-instance-public-ports) or close the ports.",
)
def lightsail_instance_public(instances):
    for instance in instances:
        exposed = [p for p in instance.get("ports") or [] if _open_to_internet(p)]
        has_address = instance.get("public_ip") or instance.get("ipv6_addresses")
        if has_address and exposed:
            ports = ", ".join(_port_label(p) for p in exposed)
            yield FAIL(instance, f"Lightsail instance {instance.id} has ports open to the internet: {ports}.")
        else:
            yield PASS(instance, f"Lightsail instance {instance.id} has no ports open to the internet.")


@check(
    id="lightsail_database_public",
    title="Lightsail database is not publicly accessible",
    severity="high",
    resource_type="Other",
    reads=["lightsail.databases"],
    risk="A public database endpoint can be reached from the internet and attacked with stolen or guessed credentials.",
    remediation="Turn public mode off (aws lightsail update-relational-database --no-publicly-accessible).",
)
def lightsail_database_public(databases):
    for database in databases:
        if database.get("publicly_accessible"):
            yield FAIL(database, f"Lightsail database {database.id} is publicly accessible.")
        else:
            yield PASS(database, f"Lightsail database {database.id} is not publicly accessible.")
