"""Airflow's own authentication and authorization for the dashboard inside the API server.

Airflow mounts a plugin's FastAPI app with ``app.mount()``, so none of the core
API's dependencies reach it: the app has to authenticate every request itself.
This dependency does it with Airflow's machinery, exactly as the core API does:

- ``airflow.api_fastapi.core_api.security.get_user`` finds the caller: a JWT in
  the ``Authorization: Bearer`` header, else the user the ``JWTRefreshMiddleware``
  already validated, else the ``_token`` cookie the Airflow UI sets; the auth
  manager validates the token (401 without one or when expired, 403 when invalid);
- the auth manager then decides whether that user may read the dashboard, as the
  custom view ``RESOURCE_NAME`` (``is_authorized_custom_view``, method GET): 403 if not.

Airflow is imported on the first request only, so importing the dashboard (the
standalone ``postureflow dashboard``, or the plugin file in the scheduler) does
not load the API server's modules.
"""

from __future__ import annotations

from fastapi import HTTPException, Request, status

RESOURCE_NAME = "Postureflow"


async def require_airflow_user(request: Request) -> None:
    from airflow.api_fastapi.app import get_auth_manager
    from airflow.api_fastapi.core_api.security import bearer_scheme, get_user

    credentials = await bearer_scheme(request)
    user = await get_user(request, None, credentials)
    if not get_auth_manager().is_authorized_custom_view(method="GET", resource_name=RESOURCE_NAME, user=user):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "Forbidden: not allowed to read the postureflow dashboard")
    request.state.postureflow_user = user.get_name()


async def require_airflow_editor(request: Request) -> None:
    """Writing (proposing a mute) needs more than reading: the custom view with POST, and the right to
    edit DAGs (a mutelist changes what every scan reports). A viewer gets 403."""
    from airflow.api_fastapi.app import get_auth_manager
    from airflow.api_fastapi.core_api.security import bearer_scheme, get_user

    credentials = await bearer_scheme(request)
    user = await get_user(request, None, credentials)
    manager = get_auth_manager()
    if not (manager.is_authorized_custom_view(method="POST", resource_name=RESOURCE_NAME, user=user)
            and manager.is_authorized_dag(method="PUT", user=user)):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "Forbidden: proposing a mute needs the right to edit DAGs")
