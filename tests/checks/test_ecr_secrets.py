"""ecr_repository_image_no_secrets on moto, image blobs served by a local server on 127.0.0.1.

moto stores manifests (PutImage, BatchGetImage) but lacks GetDownloadUrlForLayer: it is answered in
moto's place (answer_in_moto) with a URL of the local server, which serves the config and layer blobs.
"""

import gzip
import hashlib
import io
import json
import tarfile
from types import SimpleNamespace

import boto3
import pytest

from postureflow.aws import AwsAccess
from postureflow.lake import Lake
from postureflow.testing import DeniedAccess, LocalHttp, answer_in_moto, scan_in_moto, stored_text

REGION = "us-east-1"
CHECK = "ecr_repository_image_no_secrets"
SECRET = "AKIAIOSFODNN7EXAMPLX"
OPTED_IN = {"read_customer_data": True}
GZIP_LAYER = "application/vnd.docker.image.rootfs.diff.tar.gzip"
ZSTD_LAYER = "application/vnd.oci.image.layer.v1.tar+zstd"
BLOBS: dict[str, bytes] = {}  # digest -> blob, served at /blobs/<digest>


def _blob(body: bytes) -> str:
    digest = "sha256:" + hashlib.sha256(body).hexdigest()
    BLOBS[digest] = body
    return digest


def _layer(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for name, body in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(body)
            archive.addfile(info, io.BytesIO(body))
    return gzip.compress(buffer.getvalue())


def _manifest(env: list[str], history: list[str], layers: list[tuple[str, bytes]]) -> str:
    config = json.dumps({"config": {"Env": env}, "history": [{"created_by": h} for h in history]}).encode()
    return json.dumps({
        "schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
        "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "size": len(config), "digest": _blob(config)},
        "layers": [{"mediaType": media, "size": len(body), "digest": _blob(body)} for media, body in layers],
    })  # fmt: skip


CLEAN_LAYER = (GZIP_LAYER, _layer({"app/main.py": b"print('hi')\n", "bin/tool": b"\x00\x01\x02"}))
IMAGES = {
    "leaky-repo": _manifest(["PATH=/usr/bin"], ["/bin/sh -c #(nop) WORKDIR /app"],
                            [CLEAN_LAYER, (GZIP_LAYER, _layer({"app/settings.py": f"KEY = '{SECRET}'\n".encode()}))]),
    "leaky-env-repo": _manifest([f"AWS_ACCESS_KEY_ID={SECRET}"], ["/bin/sh -c #(nop) ENV AWS_ACCESS_KEY_ID=..."], [CLEAN_LAYER]),
    "clean-repo": _manifest(["PATH=/usr/bin", "LANG=C.UTF-8"], ["/bin/sh -c #(nop) CMD [\"python\"]"], [CLEAN_LAYER]),
    "zstd-repo": _manifest(["PATH=/usr/bin"], [], [(ZSTD_LAYER, b"(\xb5/\xfd not read")]),
}  # fmt: skip


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from moto import mock_aws

    with mock_aws(), LocalHttp({f"/blobs/{d}": (200, body) for d, body in BLOBS.items()}) as server:
        ecr = boto3.client("ecr", region_name=REGION)
        for name, manifest in IMAGES.items():
            ecr.create_repository(repositoryName=name)
            ecr.put_image(repositoryName=name, imageManifest=manifest, imageTag="v1")
        ecr.create_repository(repositoryName="empty-repo")
        answers = {  # moto lacks GetDownloadUrlForLayer
            "ecr:GetDownloadUrlForLayer": lambda region, params: {
                "downloadUrl": f"{server.url}/blobs/{json.loads(params['body'])['layerDigest']}",
                "layerDigest": json.loads(params["body"])["layerDigest"],
            }
        }

        def scan(name, access, config=OPTED_IN):
            return scan_in_moto(Lake(str(tmp_path_factory.mktemp(name))), ["ecr"], [REGION],
                                access=answer_in_moto(access, REGION, answers), config=config)  # fmt: skip

        main_access = AwsAccess.from_default_chain()
        lake = Lake(str(tmp_path_factory.mktemp("lake")))
        run = scan_in_moto(lake, ["ecr"], [REGION], access=answer_in_moto(main_access, REGION, answers), config=OPTED_IN)
        default_access = AwsAccess.from_default_chain()
        default = scan("default", default_access, config=None)
        unread = {}
        for operation in ("ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:DescribeImages"):
            refusing = DeniedAccess(operation)
            unread[operation] = scan("denied", refusing)
            assert refusing.hits, operation
        server.routes.clear()  # the blobs are gone: every download answers 404
        unread["download"] = scan("nodownload", AwsAccess.from_default_chain())
    return SimpleNamespace(run=run, lake=lake, calls=main_access.call_log, default=default,
                           default_calls=default_access.call_log.calls, unread=unread)  # fmt: skip


def test_image_no_secrets(world):
    # empty-repo holds no image: nothing to scan; zstd-repo's layer is not read (zstd): no clean verdict
    assert world.run.statuses(CHECK) == {"leaky-repo": "FAIL", "leaky-env-repo": "FAIL", "clean-repo": "PASS",
                                         "zstd-repo": "MANUAL"}  # fmt: skip
    by_repo = {f["resource_id"]: f["status_extended"] for f in world.run.of(CHECK)}
    assert "app/settings.py line 1" in by_repo["leaky-repo"] and "image v1" in by_repo["leaky-repo"]
    assert "environment AWS_ACCESS_KEY_ID" in by_repo["leaky-env-repo"]
    assert "layer sha256:" in by_repo["zstd-repo"]


def test_images_are_not_read_unless_opted_in(world):
    statuses = world.default.statuses(CHECK)
    assert statuses and set(statuses.values()) == {"MANUAL"}
    called = {op for _service, _region, op in world.default_calls}
    assert not called & {"BatchGetImage", "GetDownloadUrlForLayer"}
    assert world.default.errors == []


@pytest.mark.parametrize("refused", ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:DescribeImages", "download"])
def test_unreadable_image_gives_no_verdict(world, refused):
    statuses = world.unread[refused].statuses(CHECK)
    assert {statuses[r] for r in IMAGES} == {"MANUAL"}


def test_the_secret_never_reaches_the_lake(world):
    stored = stored_text(world.lake)
    assert stored and not any(SECRET in text for text in stored)


def test_calls(world):
    assert world.run.errors == [] and world.calls.repeated() == []
