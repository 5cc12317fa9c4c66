"""Settings of the HTTP service and the ``Depends`` providers routers use.

The product settings (:class:`core.settings.Settings`) stay the one place for
index, models and ingest knobs; :class:`ApiSettings` holds what only the HTTP
service needs, read from the same ``CCASSIST_`` environment.

Everything a request needs hangs off ``app.state`` (one :class:`Services` per
app, the job manager, the key store), so tests can build an app around their
own objects with :func:`api.main.create_app` or swap a provider with
``app.dependency_overrides``.
"""

from __future__ import annotations

from functools import lru_cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from api.jobs import JobManager
from api.services import Services
from core.settings import Settings

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


class ApiSettings(BaseSettings):
    """HTTP service configuration. Every field is an env var ``CCASSIST_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="CCASSIST_", env_file=".env", extra="ignore")

    host: str = Field("127.0.0.1", description="Interface `ccassist serve` binds to")
    port: int = Field(8000, ge=0, le=65535, description="Port `ccassist serve` listens on")
    workers: int = Field(
        1, ge=1, description="Uvicorn worker processes; more than 1 needs a Qdrant server (CCASSIST_QDRANT_URL)"
    )
    api_keys_file: Path | None = Field(
        None, description="YAML/JSON file with hashed API keys (default: <data_dir>/api_keys.yaml)"
    )
    api_keys: SecretStr | None = Field(
        None, description='Extra keys as "role:key,role:key" (hashed on load, never logged)'
    )
    anonymous_access: bool = Field(True, description="Requests without a key act as role 'public'; false = 401")
    max_upload_bytes: int = Field(50 * MiB, ge=1, description="Largest file POST /documents accepts (413 above)")
    max_upload_files: int = Field(20, ge=1, description="Most files in one upload")
    max_request_bytes: int = Field(1 * MiB, ge=1, description="Largest request body of every other endpoint")
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="Origins allowed by CORS, comma-separated; empty = no CORS headers"
    )
    rate_limit_per_minute: int = Field(
        300, ge=0, description="Requests per minute per API key (anonymous: per client address); 0 = unlimited"
    )

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [v.strip() for v in value.split(",") if v.strip()]
        return value

    def keys_file(self, settings: Settings) -> Path:
        """The keys file in use: ``api_keys_file`` or ``<data_dir>/api_keys.yaml``."""
        return Path(self.api_keys_file) if self.api_keys_file else Path(settings.data_dir) / "api_keys.yaml"

    def upload_body_limit(self) -> int:
        """Whole-request cap of an upload: every file at its limit plus multipart overhead."""
        return self.max_upload_bytes * self.max_upload_files + 1 * MiB


def api_version() -> str:
    """The installed ccassist version ("dev" from a source tree)."""
    try:
        return version("ccassist")
    except PackageNotFoundError:
        return "dev"


@lru_cache
def get_api_settings() -> ApiSettings:
    """API settings from the environment, read once per process."""
    return ApiSettings()


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
