"""Lightsail checks. moto has no Lightsail at all, so the collector's clients are stubbed with botocore's
Stubber, with answers shaped like AWS's GetInstances and GetRelationalDatabases."""

from types import SimpleNamespace

import pytest
from botocore.stub import Stubber

from postureflow.aws import AwsAccess
from postureflow.lake import Lake
from postureflow.testing import scan_in_moto

REGION = "us-east-1"


def _instance(name, public_ip, ports, blueprint=("ubuntu_22_04", "Ubuntu"), snapshots=False):
    instance = {
        "name": name,
        "blueprintId": blueprint[0],
        "blueprintName": blueprint[1],
        "addOns": [{"name": "AutoSnapshot", "status": "Enabled" if snapshots else "Disabled"}],
        "arn": f"arn:aws:lightsail:{REGION}:123456789012:Instance/{name}",
        "privateIpAddress": "172.26.0.10",
        "state": {"code": 16, "name": "running"},
        "networking": {"ports": ports},
        "tags": [{"key": "team", "value": "web"}],
    }
    if public_ip:
        instance["publicIpAddress"] = public_ip
    return instance


def _port(port, cidrs, access="Public", ipv6=()):
    return {
        "fromPort": port,
        "toPort": port,
        "protocol": "tcp",
        "accessFrom": "Anywhere" if "0.0.0.0/0" in cidrs else "Custom",
        "accessType": access,
        "cidrs": list(cidrs),
        "ipv6Cidrs": list(ipv6),
    }


def _database(name, public):
    return {
        "name": name,
        "arn": f"arn:aws:lightsail:{REGION}:123456789012:RelationalDatabase/{name}",
        "engine": "mysql",
        "state": "available",
        "publiclyAccessible": public,
    }


def _static_ip(name, attached_to):
    address = {
        "name": name,
        "arn": f"arn:aws:lightsail:{REGION}:123456789012:StaticIp/{name}",
        "ipAddress": "203.0.113.50",
        "isAttached": attached_to is not None,
    }
    if attached_to:
        address["attachedTo"] = attached_to
    return address


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from moto import mock_aws

    with mock_aws():
        access = AwsAccess.from_default_chain()
        stubbers = []
        answers = {
            REGION: (
                [
                    _instance("web-open", "203.0.113.5", [_port(22, ["0.0.0.0/0"]), _port(443, ["0.0.0.0/0"])]),
                    _instance("web-v6", "203.0.113.6", [_port(80, [], ipv6=["::/0"])]),
                    _instance("web-office", "203.0.113.7", [_port(22, ["198.51.100.0/24"])]),
                    _instance("web-private", None, [_port(22, ["0.0.0.0/0"])], snapshots=True),
                    _instance("lamp-old", None, [], blueprint=("lamp_7_4", "LAMP (PHP 7.4)")),
                    _instance("lamp-8", None, [], blueprint=("lamp_8_bitnami", "LAMP (PHP 8)")),
                    _instance("blog", None, [], blueprint=("wordpress", "WordPress")),
                ],
                [_database("db-public", True), _database("db-private", False)],
                [_static_ip("ip-idle", None), _static_ip("ip-used", "web-open")],
            ),
            "eu-west-1": ([], [], []),
        }
        for region, (instances, databases, static_ips) in answers.items():
            stubber = Stubber(access.client("lightsail", region))
            stubber.add_response("get_instances", {"instances": instances}, {})
            stubber.add_response("get_relational_databases", {"relationalDatabases": databases}, {})
            stubber.add_response("get_static_ips", {"staticIps": static_ips}, {})
            stubber.activate()
            stubbers.append(stubber)
        lake = Lake(str(tmp_path_factory.mktemp("lightsail-lake")))
        # ap-east-2 has no Lightsail endpoint: the collector must skip it without calling anything.
        run = scan_in_moto(lake, ["lightsail"], regions=[REGION, "eu-west-1", "ap-east-2"], access=access)
        for stubber in stubbers:
            stubber.assert_no_pending_responses()
    return SimpleNamespace(run=run, calls=access.call_log)


def test_instance_public(world):
    check = "lightsail_instance_public"
    assert world.run.status(check, "web-open") == "FAIL"
    assert world.run.status(check, "web-v6") == "FAIL"
    assert world.run.status(check, "web-office") == "PASS"  # SSH from one office network only
    assert world.run.status(check, "web-private") == "PASS"  # no public address


def test_database_public(world):
    assert world.run.status("lightsail_database_public", "db-public") == "FAIL"
    assert world.run.status("lightsail_database_public", "db-private") == "PASS"


def test_instance_php_blueprint_updated(world):
    statuses = world.run.statuses("lightsail_instance_php_blueprint_updated")
    assert statuses["lamp-old"] == "FAIL"  # the blueprint name states PHP 7.4, below the oldest supported 8.2
    assert statuses["web-open"] == "PASS"  # Ubuntu: no PHP blueprint
    # PHP blueprints whose release the API cannot tell are for a person to check, never PASS
    assert statuses["lamp-8"] == statuses["blog"] == "MANUAL"


def test_instance_automated_snapshots(world):
    assert world.run.status("lightsail_instance_automated_snapshots", "web-private") == "PASS"
    assert world.run.status("lightsail_instance_automated_snapshots", "web-open") == "FAIL"


def test_static_ip_unused(world):
    assert world.run.statuses("lightsail_static_ip_unused") == {"ip-idle": "FAIL", "ip-used": "PASS"}


def test_regions_without_lightsail_are_skipped(world):
    assert world.run.errors == []
    assert not [key for key in world.calls.calls if key[1] == "ap-east-2"]


def test_unlisted_instances_are_not_judged(aws, lake):
    # Stubber (moto lacks Lightsail): the instance and static IP listings are refused (every field of these
    # checks comes from the listing, so there is no per-resource read to refuse), the database listing answers.
    from postureflow.testing import scan_in_moto

    access = AwsAccess.from_default_chain()
    stubber = Stubber(access.client("lightsail", REGION))
    stubber.add_client_error("get_instances", "AccessDeniedException", expected_params={})
    stubber.add_response("get_relational_databases", {"relationalDatabases": [_database("db-public", True)]}, {})
    stubber.add_client_error("get_static_ips", "AccessDeniedException", expected_params={})
    with stubber:
        run = scan_in_moto(lake, ["lightsail"], regions=[REGION], access=access)
    for check in ("lightsail_instance_public", "lightsail_instance_php_blueprint_updated",
                  "lightsail_instance_automated_snapshots", "lightsail_static_ip_unused"):  # fmt: skip
        assert run.of(check) == []
    assert run.statuses("lightsail_database_public") == {"db-public": "FAIL"}
    assert {r.service: r.regions for r in run.results}["lightsail"][REGION] == "incomplete"
