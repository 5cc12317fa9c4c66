"""Settings of the HTTP service and the ``Depends`` providers routers use.

All configuration, the HTTP service's included, is :class:`core.settings.Settings`
(env prefix ``CCASSIST_``); ``ApiSettings`` is an alias of it.

Everything a request needs hangs off ``app.state`` (one :class:`Services` per
app, the job manager, the key store), so tests can build an app around their
own objects with :func:`api.main.create_app` or swap a provider with
``app.dependency_overrides``.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import Annotated

from fastapi import Depends, Request

from api.jobs import JobManager
from api.services import Services
from core.settings import Settings, get_settings

__all__ = [
    "ApiSettings",
    "ApiSettingsDep",
    "JobsDep",
    "ServicesDep",
    "SettingsDep",
    "api_settings_dep",
    "api_version",
    "get_api_settings",
    "jobs_dep",
    "services_dep",
    "settings_dep",
]

MiB = 1024 * 1024


# The HTTP knobs (host, port, keys, limits, CORS) live in the one settings class,
# core.settings.Settings; the alias keeps the routers' vocabulary.
ApiSettings = Settings


def api_version() -> str:
    """The installed ccassist version ("dev" from a source tree)."""
    try:
        return version("ccassist")
    except PackageNotFoundError:
        return "dev"


def get_api_settings() -> ApiSettings:
    """The settings from the environment (the same object as :func:`core.settings.get_settings`)."""
    return get_settings()


def settings_dep(request: Request) -> Settings:
    """The product settings the app was built with."""
    return request.app.state.settings


def api_settings_dep(request: Request) -> ApiSettings:
    """The HTTP settings the app was built with."""
    return request.app.state.api_settings


def services_dep(request: Request) -> Services:
    """The app's one :class:`Services` (it owns the index)."""
    return request.app.state.services


def jobs_dep(request: Request) -> JobManager:
    """The app's upload job manager."""
    return request.app.state.jobs


SettingsDep = Annotated[Settings, Depends(settings_dep)]
ApiSettingsDep = Annotated[ApiSettings, Depends(api_settings_dep)]
ServicesDep = Annotated[Services, Depends(services_dep)]
JobsDep = Annotated[JobManager, Depends(jobs_dep)]
