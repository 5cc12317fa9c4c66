"""Browser-test fixtures: a real API over the sample corpus, the real Streamlit UI, Debian's Chromium.

Everything runs on 127.0.0.1 on free ports. The API gets one key per role via
``CCASSIST_API_KEYS``; the tests type those keys into the UI's sidebar like a user.

For fast iteration against servers you already run (started with the same keys):
``CCA_UI_TEST_API_URL=http://127.0.0.1:8765 CCA_UI_TEST_UI_URL=http://127.0.0.1:8766 pytest tests/ui``
(the variables are not ``CCASSIST_`` ones: the root conftest clears those).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.conftest import ROOT

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
EMBEDDER = "use-m3"  # the fast packaged multilingual embedder: ingest of the corpus takes about a minute

KEYS = {
    "public": "ui-test-public-key-01",
    "member": "ui-test-member-key-02",
    "staff": "ui-test-staff-key-03",
    "editor": "ui-test-editor-key-04",
}
ENV_KEYS = ",".join(f"{role}:{key}" for role, key in KEYS.items())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_http(url: str, proc: subprocess.Popen | None, log: Path | None, *, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            tail = log.read_text(errors="replace")[-3000:] if log else ""
            pytest.fail(f"server for {url} exited with {proc.returncode}:\n{tail}")
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    tail = log.read_text(errors="replace")[-3000:] if log else ""
    pytest.fail(f"{url} did not come up in {timeout:.0f}s:\n{tail}")


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


def _clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CCASSIST_")}
    env.update(extra)
    return env


def corpus_dir(tmp: Path) -> Path:
    """The sample corpus: ``corpus/`` when it has been rendered, else rendered into ``tmp`` from ``corpus/_src``."""
    rendered = [p for p in (ROOT / "corpus").iterdir() if p.is_file() and p.suffix in (".pdf", ".docx", ".md",
                                                                                      ".html", ".txt")]
    if rendered:
        return ROOT / "corpus"
    target = tmp / "corpus"
    target.mkdir(parents=True)
    shutil.copy(ROOT / "corpus" / "generate.py", target / "generate.py")
    shutil.copytree(ROOT / "corpus" / "_src", target / "_src")
    subprocess.run([sys.executable, str(target / "generate.py")], check=True, capture_output=True, cwd=target)
    return target


@dataclass
class Servers:
    api_url: str
    ui_url: str

    def api(self, role: str | None = "staff") -> httpx.Client:
        headers = {"Authorization": f"Bearer {KEYS[role]}"} if role else {}
        return httpx.Client(base_url=self.api_url, headers=headers, timeout=60)


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    """The API (over a freshly ingested sample corpus) and the UI, both as real processes."""
    reuse_api, reuse_ui = os.environ.get("CCA_UI_TEST_API_URL"), os.environ.get("CCA_UI_TEST_UI_URL")
    if reuse_api and reuse_ui:
        yield Servers(reuse_api.rstrip("/"), reuse_ui.rstrip("/"))
        return
    base = tmp_path_factory.mktemp("ui-servers")
    env = _clean_env(
        CCASSIST_EMBEDDER=EMBEDDER,
        CCASSIST_LLM="extractive",
        CCASSIST_DATA_DIR=str(base / "data"),
        CCASSIST_API_KEYS=ENV_KEYS,
        CCASSIST_RATE_LIMIT_PER_MINUTE="0",
        CCASSIST_DEFAULT_VISIBILITY="internal",
        PYTHONUNBUFFERED="1",
    )
    corpus = corpus_dir(base)
    index = base / "index"
    ingest = subprocess.run(
        [sys.executable, "-m", "api.cli", "ingest", str(corpus), "--index", str(index), "--json"],
        check=False, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900,
    )
    assert ingest.returncode == 0, ingest.stderr[-3000:]
    report = json.loads(ingest.stdout)
    assert report["indexed"] > 0 and not report["failed"], report

    api_port, ui_port = free_port(), free_port()
    api_log, ui_log = base / "api.log", base / "ui.log"
    api = subprocess.Popen(
        [sys.executable, "-m", "api.cli", "serve", "--index", str(index), "--port", str(api_port)],
        cwd=ROOT, env=env, stdout=api_log.open("w"), stderr=subprocess.STDOUT,
    )
    api_url = f"http://127.0.0.1:{api_port}"
    ui = None
    try:
        _wait_http(f"{api_url}/health", api, api_log, timeout=120)
        ui_env = _clean_env(CCASSIST_API_URL=api_url, PYTHONUNBUFFERED="1")
        ui = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(ROOT / "ui" / "app.py"),
             "--server.headless", "true", "--server.port", str(ui_port), "--server.address", "127.0.0.1",
             "--browser.gatherUsageStats", "false", "--client.toolbarMode", "minimal",
             "--server.fileWatcherType", "none"],
            cwd=ROOT, env=ui_env, stdout=ui_log.open("w"), stderr=subprocess.STDOUT,
        )
        ui_url = f"http://127.0.0.1:{ui_port}"
        _wait_http(f"{ui_url}/_stcore/health", ui, ui_log, timeout=60)
        yield Servers(api_url, ui_url)
    finally:
        if ui is not None:
            _stop(ui)
        _stop(api)
        for log in (api_log, ui_log):
            errors = [line for line in log.read_text(errors="replace").splitlines() if "Traceback" in line]
            if errors:
                print(f"\n--- {log.name} had {len(errors)} traceback(s); tail:\n{log.read_text()[-4000:]}")


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    playwright_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright")
    if not CHROMIUM.exists():
        pytest.skip("Debian's Chromium is not installed (apt-get install chromium)")
    with playwright_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def context(browser: object) -> Iterator[object]:
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="de-DE",  # type: ignore[attr-defined]
                              accept_downloads=True)
    ctx.set_default_timeout(30_000)
    yield ctx
    ctx.close()
