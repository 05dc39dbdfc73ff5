"""The dashboard inside Airflow: the plugin in plugins/ is loaded by Airflow's plugins manager, its app
is mounted by Airflow's own API server factory, and every route demands an Airflow user.

The API server app is built in-process (``airflow.api_fastapi.app.create_app``) with the project's
plugins folder. Tokens are signed by the API server's auth manager (the simple auth manager, the
default), exactly as ``POST /auth/token`` would sign them.
"""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from postureflow.dashboard.demo_lake import build_demo_lake

PLUGINS = Path(__file__).resolve().parents[1] / "plugins"
PREFIX = "/postureflow"

pytestmark = pytest.mark.airflow


def _clear_plugin_caches() -> None:
    from airflow import plugins_manager

    for name in ("_get_plugins", "_get_ui_plugins", "get_fastapi_plugins", "get_flask_plugins"):
        getattr(plugins_manager, name).cache_clear()


@pytest.fixture(scope="module")
def api_server(tmp_path_factory):
    """Airflow's API server app with the project's plugins, over the demo lake."""
    demo = build_demo_lake(tmp_path_factory.getbasetemp() / "dashboard-demo-lake")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("POSTUREFLOW_LAKE", demo.path)
        mp.setenv("AIRFLOW__CORE__PLUGINS_FOLDER", str(PLUGINS))
        mp.setenv("AIRFLOW__API_AUTH__JWT_SECRET", secrets.token_urlsafe(64))
        from airflow import settings

        mp.setattr(settings, "PLUGINS_FOLDER", str(PLUGINS))
        _clear_plugin_caches()
        from airflow.api_fastapi.app import create_app, get_auth_manager
        from airflow.models.revoked_token import RevokedToken

        # Token validation asks the metadata DB whether a token was revoked (logout): this test's
        # SQLite DB is not migrated, so it gets that one table.
        RevokedToken.__table__.create(settings.engine, checkfirst=True)
        app = create_app("core")
        with TestClient(app, base_url="http://localhost:8080") as client:
            yield client, get_auth_manager(), demo
    _clear_plugin_caches()


def token(auth_manager, username: str, role: str | None) -> str:
    from airflow.api_fastapi.auth.managers.simple.user import SimpleAuthManagerUser

    return auth_manager.generate_jwt(SimpleAuthManagerUser(username=username, role=role))


def plugin_paths(client) -> list[str]:
    """Every GET path of the mounted dashboard app, with sample path parameters filled in."""
    from starlette.routing import Mount

    mount = next(r for r in client.app.routes if isinstance(r, Mount) and r.path == PREFIX)
    paths = []
    for route in mount.app.routes:
        path = route.path.replace("{framework_key}", "cis_6.0").replace("{account_id}", "123456789012")
        path = path.replace("{service}", "s3").replace("{finding_uid:path}", "0" * 40).replace("{name}", "style.css")
        paths.append(PREFIX + path)
    return paths


def test_plugin_mounts_the_app_and_adds_a_ui_entry(api_server):
    client, am, _ = api_server
    response = client.get("/api/v2/plugins", headers={"Authorization": f"Bearer {token(am, 'admin', 'admin')}"})
    assert response.status_code == 200
    plugin = next(p for p in response.json()["plugins"] if p["name"] == "postureflow_dashboard")
    assert [(a["url_prefix"], a["name"]) for a in plugin["fastapi_apps"]] == [(PREFIX, "postureflow dashboard")]
    view = plugin["external_views"][0]
    assert view["url_route"] == "postureflow" and view["destination"] == "nav"
    assert view["href"].rstrip("/").endswith("postureflow")


def test_unauthenticated_requests_are_refused_on_every_route(api_server):
    client, _, _ = api_server
    paths = plugin_paths(client)
    assert len(paths) >= 14
    for path in paths:
        response = client.get(path)
        assert response.status_code == 401, path
        assert response.json() == {"detail": "Not authenticated"}
        assert "postureflow" not in response.text.lower().replace("/postureflow", "")


def test_forged_or_foreign_tokens_are_refused(api_server):
    import jwt

    client, am, _ = api_server
    forged = jwt.encode({"sub": "admin", "role": "admin"}, secrets.token_urlsafe(64), algorithm="HS512")
    for bad in ("garbage", forged):
        response = client.get(f"{PREFIX}/", headers={"Authorization": f"Bearer {bad}"})
        assert response.status_code in (401, 403)
        assert "Overview" not in response.text
    client.cookies.set("_token", forged)
    try:
        response = client.get(f"{PREFIX}/")
        assert response.status_code in (401, 403)
    finally:
        client.cookies.clear()


def test_a_user_without_a_role_is_forbidden(api_server):
    client, am, _ = api_server
    response = client.get(f"{PREFIX}/findings", headers={"Authorization": f"Bearer {token(am, 'nobody', None)}"})
    assert response.status_code == 403


def test_authenticated_viewer_is_served_by_header_or_ui_cookie(api_server):
    client, am, demo = api_server
    viewer = token(am, "viewer", "viewer")
    page = client.get(f"{PREFIX}/", headers={"Authorization": f"Bearer {viewer}"})
    assert page.status_code == 200
    assert f"Account {demo.account_id}" in page.text
    # links and assets carry the mount prefix
    assert f'href="{PREFIX}/findings' in page.text and f'src="{PREFIX}/static/app.js' in page.text
    client.cookies.set("_token", viewer)
    try:
        data = client.get(f"{PREFIX}/api/findings", params={"status": "FAIL"})
        assert data.status_code == 200 and data.json()["total"] > 0
        uid = data.json()["rows"][0]
        finding = client.get(f"{PREFIX}/findings/{uid['account_id']}/{uid['service']}/{uid['finding_uid']}")
        assert finding.status_code == 200 and "Remediation" in finding.text
        assert client.get(f"{PREFIX}/static/chart.js").status_code == 200
        csv_export = client.get(f"{PREFIX}/findings.csv", params={"status": "FAIL"})
        assert csv_export.status_code == 200 and csv_export.text.startswith("scan_date,")
    finally:
        client.cookies.clear()


def test_core_api_still_requires_its_own_auth(api_server):
    client, _, _ = api_server
    assert client.get("/api/v2/plugins").status_code == 401


def test_a_viewer_reads_but_only_an_editor_may_propose_a_mute(api_server, tmp_path, monkeypatch):
    """Roles: reading the dashboard needs the Postureflow view; proposing a mute (writing the pending
    mutelist) also needs the right to edit DAGs: a viewer is refused, a user is served."""
    client, am, _ = api_server
    pending = tmp_path / "mutelist.pending.yaml"
    monkeypatch.setenv("POSTUREFLOW_MUTELIST_PENDING", str(pending))
    viewer = {"Authorization": f"Bearer {token(am, 'viewer', 'viewer')}"}
    editor = {"Authorization": f"Bearer {token(am, 'editor', 'user')}"}
    row = client.get(f"{PREFIX}/api/findings", params={"status": "FAIL"}, headers=viewer).json()["rows"][0]
    path = f"{PREFIX}/mute/{row['account_id']}/{row['service']}/{row['finding_uid']}"
    assert client.get(path, headers=viewer).status_code == 200  # the entry to copy: reading
    assert client.post(path, data={"reason": "r"}).status_code == 401
    refused = client.post(path, data={"reason": "r"}, headers=viewer)
    assert refused.status_code == 403 and not pending.exists()
    allowed = client.post(path, data={"reason": "accepted"}, headers=editor)
    assert allowed.status_code == 200 and row["check_id"] in pending.read_text()
    assert "requested by editor" in pending.read_text()
