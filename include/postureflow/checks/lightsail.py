"""Lightsail checks: instances and databases reachable from the internet."""

from __future__ import annotations

import re

from postureflow.checks.base import FAIL, MANUAL, PASS, check
from postureflow.versions import version_tuple

INTERNET = ("0.0.0.0/0", "::/0")
# Blueprint names state the PHP branch they ship where they name one ("LAMP (PHP 8)").
PHP_IN_NAME = re.compile(r"PHP\s*(\d+)(?:\.(\d+))?", re.IGNORECASE)


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


@check(
    id="lightsail_instance_php_blueprint_updated",
    title="Lightsail instance created from a PHP blueprint runs a supported PHP release",
    severity="high",
    resource_type="Other",
    reads=["lightsail.instances"],
    config=["lightsail_php_blueprints", "elasticbeanstalk_php_min_branch"],
    risk="Blueprints bundle the PHP release of the day they were built and Lightsail never upgrades it: an instance "
    "launched long ago runs PHP with publicly known, exploitable vulnerabilities.",
    remediation="Upgrade PHP inside the instance (or rebuild it from a current blueprint snapshot) to a branch "
    "that still receives security fixes.",
)
def lightsail_instance_php_blueprint_updated(instances, config):
    # The Lightsail API does not report the PHP release an instance runs, only its blueprint. A blueprint whose
    # name states a PHP branch older than the oldest branch still receiving security fixes (Prowler's
    # elasticbeanstalk_php_min_branch, the same fact) FAILs; any other PHP blueprint needs a look inside the
    # instance, so it is MANUAL, never PASS.
    prefixes = tuple(str(p).lower() for p in config["lightsail_php_blueprints"] or ())
    oldest = version_tuple(config["elasticbeanstalk_php_min_branch"]) or ()
    for instance in instances:
        blueprint = str(instance.get("blueprint_id") or "")
        if not blueprint.lower().startswith(prefixes):
            yield PASS(instance, f"Lightsail instance {instance.id} was not created from a PHP blueprint ({blueprint}).")
            continue
        stated = PHP_IN_NAME.search(str(instance.get("blueprint_name") or ""))
        branch = tuple(int(n) for n in stated.groups() if n is not None) if stated else ()
        if branch and branch[: len(oldest)] < oldest[: len(branch)]:
            yield FAIL(
                instance,
                f"Lightsail instance {instance.id} runs blueprint {blueprint} with PHP {'.'.join(map(str, branch))}, "
                f"older than the oldest supported branch {'.'.join(map(str, oldest))}.",
            )
        else:
            yield MANUAL(
                instance,
                f"Lightsail instance {instance.id} was created from PHP blueprint {blueprint}; the API does not say "
                "which PHP release it runs now: check it on the instance (php -v).",
            )


@check(
    id="lightsail_instance_automated_snapshots",
    title="Lightsail instance has automatic snapshots enabled",
    severity="medium",
    resource_type="Other",
    reads=["lightsail.instances"],
    risk="Without automatic daily snapshots an instance's disk cannot be restored after deletion, corruption or "
    "ransomware beyond whatever manual snapshot someone remembered to take.",
    remediation="Enable the AutoSnapshot add-on (aws lightsail enable-add-on --add-on-request "
    "addOnType=AutoSnapshot).",
)
def lightsail_instance_automated_snapshots(instances):
    for instance in instances:
        if instance.get("auto_snapshot"):
            yield PASS(instance, f"Lightsail instance {instance.id} has automatic snapshots enabled.")
        else:
            yield FAIL(instance, f"Lightsail instance {instance.id} does not have automatic snapshots enabled.")


@check(
    id="lightsail_static_ip_unused",
    title="Lightsail static IP is attached to an instance",
    severity="low",
    resource_type="Other",
    reads=["lightsail.static_ips"],
    risk="An unattached static IP costs money and, if later attached by mistake or released, can leave DNS "
    "records pointing at an address someone else may obtain.",
    remediation="Attach the static IP to an instance or release it (aws lightsail release-static-ip).",
)
def lightsail_static_ip_unused(static_ips):
    for address in static_ips:
        if address.get("attached"):
            yield PASS(address, f"Lightsail static IP {address.id} is attached to {address.get('attached_to')}.")
        else:
            yield FAIL(address, f"Lightsail static IP {address.id} ({address.get('ip_address')}) is not attached.")
