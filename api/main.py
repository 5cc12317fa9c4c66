"""The FastAPI app: :func:`create_app` builds it; every router in :mod:`api.routers` is mounted.

The app process owns the index: one :class:`Services` per app, opened in the
lifespan (so the embedded Qdrant Edge shard is locked from startup on) and
closed on shutdown. Run it with ``ccassist serve`` or
``uvicorn --factory api.main:create_app``.
"""

from __future__ import annotations

import importlib
import logging
import pkgutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from anyio import to_thread
from fastapi import APIRouter, FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

import api.routers
from api.auth import KeyStore, RateLimiter
from api.deps import ApiSettings, api_version, get_api_settings
from api.errors import BodyTooLarge, error_body, install_error_handlers
from api.jobs import JobManager
from api.services import Services
from core.settings import Settings, get_settings

logger = logging.getLogger(__name__)

__all__ = ["create_app", "discover_routers"]

_DESCRIPTION = """
Search, read and manage the programme's documents.

**Auth**: send an API key as `Authorization: Bearer KEY` or `X-API-Key: KEY`. Without a key you act as
role `public` (unless the server disables anonymous access). Roles: `public` (public documents),
`member` (+ members), `staff` (+ internal), `editor` (staff + upload, delete).

**Errors** are JSON: `{"error": {"type": "...", "message": "..."}}`.
"""


def discover_routers() -> list[APIRouter]:
    """The ``router`` of every module in :mod:`api.routers`, in module-name order."""
    found: list[APIRouter] = []
    for info in sorted(pkgutil.iter_modules(api.routers.__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"api.routers.{info.name}")
        router = getattr(module, "router", None)
        if isinstance(router, APIRouter):
            found.append(router)
    return found


class _BodyLimit:
    """Caps request bodies: uploads at the upload limit, everything else at ``max_request_bytes``.

    A declared Content-Length over the cap is answered with 413 before the body
    is read; a streamed body is counted and cut off with 413 when it passes it.
    """

    def __init__(self, app: ASGIApp, *, default: int, uploads: int, upload_paths: frozenset[str]) -> None:
        self.app = app
        self.default = default
        self.uploads = uploads
        self.upload_paths = upload_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        is_upload = scope["method"] == "POST" and scope["path"].rstrip("/") in self.upload_paths
        limit = self.uploads if is_upload else self.default
        declared = next((v for k, v in scope.get("headers", []) if k == b"content-length"), None)
        if declared is not None and declared.isdigit() and int(declared) > limit:
            response = JSONResponse(
                error_body("FileTooLarge", f"request body of {int(declared)} bytes is over the limit of {limit}"),
                status_code=413,
                headers={"Connection": "close"},
            )
            await response(scope, receive, send)
            return
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        await self.app(scope, counting_receive, send)


def create_app(
    settings: Settings | None = None,
    services: Services | None = None,
    *,
    api_settings: ApiSettings | None = None,
) -> FastAPI:
    """Build the app.

    Args:
        settings: product settings (default: from the environment, or ``services.settings``).
        services: an existing :class:`Services` to serve (tests, ``ccassist serve``); the caller keeps
            ownership and closes it. Without one the app creates its own in the lifespan and closes it.
        api_settings: HTTP settings (default: from the environment).
    """
    if settings is None:
        settings = services.settings if services is not None else get_settings()
    api_settings = api_settings or get_api_settings()
    env_keys = api_settings.api_keys.get_secret_value() if api_settings.api_keys else None
    keys = KeyStore(path=api_settings.keys_file(settings), env_keys=env_keys)
    if not len(keys) and not api_settings.anonymous_access:
        logger.warning("anonymous access is off and no API keys are configured: every request will get 401")

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        to_thread.current_default_thread_limiter().total_tokens = api_settings.request_threads
        owned = services is None
        svc = services if services is not None else Services(settings)
        try:
            await run_in_threadpool(svc.open_index)
        except Exception:
            if owned:
                svc.close()
            raise
        if settings.warm_up:
            logger.info("warmed up in %.1f s", await run_in_threadpool(svc.warm_up))
        app.state.services = svc
        app.state.jobs = JobManager(svc, settings)
        logger.info("serving index %s", settings.qdrant_url or settings.index_path)
        try:
            yield
        finally:
            await run_in_threadpool(app.state.jobs.shutdown)
            _shutdown_llms()
            if owned:
                await run_in_threadpool(svc.close)

    app = FastAPI(
        title="ccassist",
        summary="Document assistant for a city-to-city exchange programme",
        description=_DESCRIPTION,
        version=api_version(),
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.api_settings = api_settings
    app.state.keys = keys
    app.state.limiter = RateLimiter(api_settings.rate_limit_per_minute)
    install_error_handlers(app)
    for router in discover_routers():
        app.include_router(router)
    app.add_middleware(
        _BodyLimit,
        default=api_settings.max_request_bytes,
        uploads=api_settings.upload_body_limit(),
        upload_paths=frozenset({"/documents"}),
    )
    if api_settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=api_settings.cors_origins,
            allow_methods=["GET", "POST", "DELETE", "OPTIONS"],
            allow_headers=["Authorization", "X-API-Key", "Content-Type"],
        )
    return app


def _shutdown_llms() -> None:
    """Stop in-process LLM servers the answer routers may have started."""
    try:
        from core.llm import shutdown_llms
    except ImportError:
        return
    try:
        shutdown_llms()
    except Exception:
        logger.exception("stopping the LLM backends failed")
