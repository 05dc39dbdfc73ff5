"""The postureflow findings dashboard inside Airflow.

Mounts the dashboard's FastAPI app in the Airflow API server under
``/postureflow`` and adds a "Posture" entry to the Airflow UI's navigation,
which shows the dashboard inside the UI. Airflow does not authenticate a
plugin's app: this one requires, on every route, an Airflow user (JWT from the
``Authorization`` header or the UI's ``_token`` cookie) whom the auth manager
allows to read the ``Postureflow`` view.

The lake is ``$POSTUREFLOW_LAKE`` (or the embedded default), as for the DAGs.
"""

from __future__ import annotations

from airflow.plugins_manager import AirflowPlugin

from postureflow.dashboard import create_app

URL_PREFIX = "/postureflow"

dashboard_app = create_app(auth="airflow", allowed_hosts=None)


class PostureflowDashboardPlugin(AirflowPlugin):
    name = "postureflow_dashboard"
    fastapi_apps = [{"app": dashboard_app, "url_prefix": URL_PREFIX, "name": "postureflow dashboard"}]
    external_views = [
        {
            "name": "Posture",
            "href": f"{URL_PREFIX.lstrip('/')}/",
            "destination": "nav",
            "url_route": "postureflow",
            "category": "browse",
        }
    ]
