"""API fixtures: a generated corpus at three visibilities in a real Qdrant Edge index, apps built around it.

Documents are generated from a seeded RNG. Every document above ``public`` carries made-up
secret words (in its title and text) that occur nowhere else, so a leak is a plain substring.
"""

from __future__ import annotations

import random
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from api.deps import ApiSettings
from api.main import create_app
from api.services import Services
from core.settings import Settings
from tests.conftest import ROOT, make_settings

EMBEDDER = "use-m3"  # the fast packaged embedder: the leak test runs hundreds of searches

KEYS = {
    "public": "test-public-key-0001",
    "member": "test-member-key-0002",
    "staff": "test-staff-key-0003",
    "editor": "test-editor-key-0004",
}
ENV_KEYS = ",".join(f"{role}:{key}" for role, key in KEYS.items())


def auth(role: str | None) -> dict[str, str]:
    """Headers for ``role`` (None: anonymous)."""
    return {} if role is None else {"Authorization": f"Bearer {KEYS[role]}"}


def api_settings(**overrides: Any) -> ApiSettings:
    values: dict[str, Any] = {
        "api_keys": ENV_KEYS,
        "rate_limit_per_minute": 0,
        "anonymous_access": True,
    }
    values.update(overrides)
    return ApiSettings(_env_file=None, **values)  # type: ignore[call-arg]


def settings_for(base: Path, **overrides: Any) -> Settings:
    return make_settings(base, embedder=EMBEDDER, llm="extractive", default_visibility="internal", **overrides)


# -- the generated corpus ------------------------------------------------------------------------

_CITIES = ["Bonn", "Kisumu", "Leipzig", "Amman", "Curitiba", "Da Nang", "Tunis", "Freiburg"]
_THEMES = [
    ("flood early warning", "sensors along the river report water levels to the city's control room"),
    ("urban green corridors", "street trees and pocket parks cool the districts in summer"),
    ("waste collection", "separate collection of organic waste feeds a composting plant"),
    ("municipal digitalisation", "an online service portal replaces paper forms at the town hall"),
    ("green hydrogen", "an electrolyser at the port supplies buses and ferries"),
    ("water supply", "leak detection cuts water losses in the distribution network"),
]

# Secret words per visibility: made-up, so they occur in no other document or language model prior.
SECRETS = {
    "members": ["quorvantis", "membrolith", "zelphorin", "draxomel"],
    "internal": ["vintrabolt", "kryptolaune", "osmivarex", "plendrigast"],
}


@dataclass
class GenDoc:
    name: str
    visibility: str
    title: str
    text: str
    secrets: list[str] = field(default_factory=list)
    doc_id: str = ""


def generate_docs(seed: int = 42) -> list[GenDoc]:
    """Four documents per visibility; members/internal ones each own one secret word."""
    rng = random.Random(seed)
    docs: list[GenDoc] = []
    for visibility in ("public", "members", "internal"):
        for i in range(4):
            city_a, city_b = rng.sample(_CITIES, 2)
            theme, detail = _THEMES[(i + len(docs)) % len(_THEMES)]
            secret = SECRETS[visibility][i] if visibility != "public" else None
            label = {"public": "Programme news", "members": "Members briefing", "internal": "Internal memo"}[visibility]
            title = f"{label}: {theme} in {city_a}" + (f" ({secret.capitalize()} project)" if secret else "")
            body = [
                f"{city_a} and {city_b} worked together on {theme}. In the pilot, {detail}.",
                (f"The exchange in {rng.randint(2021, 2025)} brought {rng.randint(3, 12)} staff members from "
                 f"{city_b} to {city_a} for {rng.randint(2, 10)} days of site visits and workshops."),
            ]
            if secret:
                body.append(
                    f"The {secret.capitalize()} project is confidential. {secret.capitalize()} has a budget of "
                    f"{rng.randint(100, 900)} thousand euros, and the {secret} steering group meets monthly in "
                    f"{city_b}. Contact for {secret}: {secret}@example.org."
                )
            else:
                body.append(f"Both cities invite other municipalities to learn from the {theme} pilot.")
            text = f"---\nvisibility: {visibility}\n---\n# {title}\n\n" + "\n\n".join(body) + "\n"
            docs.append(GenDoc(name=f"{visibility}-{i}.md", visibility=visibility, title=title, text=text,
                               secrets=[secret] if secret else []))
    return docs


@dataclass
class Corpus:
    base: Path
    settings: Settings
    services: Services
    docs: list[GenDoc]

    def visible_to(self, allowed: list[str]) -> list[GenDoc]:
        return [d for d in self.docs if d.visibility in allowed]

    def hidden_from(self, allowed: list[str]) -> list[GenDoc]:
        return [d for d in self.docs if d.visibility not in allowed]


def build_corpus(base: Path, docs: list[GenDoc] | None = None) -> Corpus:
    """Write ``docs`` (default: the generated corpus) to ``base/docs`` and ingest them into ``base/index``."""
    folder = base / "docs"
    folder.mkdir(parents=True)
    docs = generate_docs() if docs is None else docs
    for doc in docs:
        (folder / doc.name).write_text(doc.text, encoding="utf-8")
    settings = settings_for(base)
    services = Services(settings)
    if not docs:
        return Corpus(base=base, settings=settings, services=services, docs=[])
    report = services.ingest([folder])
    assert not report.failed and report.indexed == len(docs), report
    for doc in docs:
        ids = services.document_ids(source=str(folder / doc.name))
        assert len(ids) == 1
        doc.doc_id = ids[0]
    return Corpus(base=base, settings=settings, services=services, docs=docs)


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Corpus]:
    """The generated corpus, ingested once per session; read-only for the tests that use it."""
    c = build_corpus(tmp_path_factory.mktemp("api-corpus"))
    yield c
    c.services.close()


@pytest.fixture(scope="session")
def client(corpus: Corpus) -> Iterator[TestClient]:
    """A TestClient over the read-only corpus (tests must not write through it)."""
    app = create_app(corpus.settings, corpus.services, api_settings=api_settings())
    with TestClient(app) as c:
        yield c


@pytest.fixture
def writable(tmp_path: Path) -> Iterator[Corpus]:
    """An empty index of its own for tests that upload or delete (the app creates it at startup)."""
    c = build_corpus(tmp_path, docs=[])
    yield c
    c.services.close()


@pytest.fixture
def make_client() -> Iterator[Callable[..., TestClient]]:
    """Build a TestClient for a corpus with API settings overrides; closed after the test."""
    opened: list[TestClient] = []

    def _make(c: Corpus, **overrides: Any) -> TestClient:
        app = create_app(c.settings, c.services, api_settings=api_settings(**overrides))
        tc = TestClient(app, raise_server_exceptions=False)
        tc.__enter__()
        opened.append(tc)
        return tc

    yield _make
    for tc in opened:
        tc.__exit__(None, None, None)


def wait_for_job(client: TestClient | httpx.Client, job_id: str, headers: dict[str, str], timeout: float = 120) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        r = client.get(f"/jobs/{job_id}", headers=headers)
        assert r.status_code == 200, r.text
        job = r.json()
        if job["status"] in ("done", "failed"):
            return job
        if time.monotonic() > deadline:
            raise AssertionError(f"job {job_id} did not finish: {job}")
        time.sleep(0.1)


# -- real servers --------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cli(*args: str, env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run ``ccassist ARGS`` (as ``python -m api.cli``) from the repository root."""
    return subprocess.run([sys.executable, "-m", "api.cli", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=timeout, check=False)


class Server:
    """``ccassist serve`` in a subprocess on a free 127.0.0.1 port."""

    def __init__(self, index: Path, env: dict[str, str], log: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        self._log_fh = log.open("w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "api.cli", "serve", "--index", str(index), "--host", "127.0.0.1",
             "--port", str(self.port)],
            cwd=ROOT, env=env, stdout=self._log_fh, stderr=subprocess.STDOUT,
        )

    def wait_ready(self, timeout: float = 120) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"server exited with {self.proc.returncode}:\n{self.log.read_text()}")
            try:
                r = httpx.get(f"{self.url}/health", timeout=2)
                if r.status_code == 200:
                    return r.json()
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"server not ready after {timeout}s:\n{self.log.read_text()}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log_fh.close()
