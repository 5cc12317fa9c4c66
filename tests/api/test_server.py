"""Against a real ``ccassist serve`` (uvicorn subprocess on a free 127.0.0.1 port, index in tmp)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.api.conftest import EMBEDDER, KEYS, Server, cli, wait_for_job


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CCASSIST_")}
    env.update({
        "CCASSIST_DATA_DIR": str(tmp_path / "data"),
        "CCASSIST_EMBEDDER": EMBEDDER,
        "CCASSIST_LLM": "extractive",
        "CCASSIST_API_KEYS": f"editor:{KEYS['editor']},member:{KEYS['member']}",
        "CCASSIST_RATE_LIMIT_PER_MINUTE": "0",
        "CCASSIST_LOG_LEVEL": "INFO",
        **extra,
    })
    return env


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[Server, Path, dict[str, str]]]:
    index = tmp_path / "index"
    env = _env(tmp_path)
    srv = Server(index, env, tmp_path / "server.log")
    try:
        srv.wait_ready()
        yield srv, index, env
    finally:
        srv.stop()


def test_cli_gets_a_clear_message_while_the_server_owns_the_index(tmp_path: Path) -> None:
    index = tmp_path / "index"
    env = _env(tmp_path)
    srv = Server(index, env, tmp_path / "server.log")
    try:
        health = srv.wait_ready()
        assert health["status"] == "ok" and health["index"]["engine"] == "qdrant-edge"

        result = cli("search", "flood", "--index", str(index), env=env)
        assert result.returncode == 1, result
        message = " ".join(result.stderr.split())  # rich wraps long lines
        assert "in use by another process" in message and "ccassist serve" in message
        assert "Traceback" not in result.stderr
        assert result.stdout.strip() == ""

        # A second server on the same index refuses to start, with the same message.
        second = cli("serve", "--index", str(index), "--port", "1", env=env, timeout=60)
        assert second.returncode == 1 and "in use by another process" in " ".join(second.stderr.split())
    finally:
        srv.stop()
    log = srv.log.read_text()
    assert srv.proc.returncode in (0, -15), log  # uvicorn re-raises SIGTERM after a graceful shutdown
    assert "Application shutdown complete" in log

    # The server released the index: the CLI works again.
    result = cli("search", "flood", "--index", str(index), "--json", env=env)
    assert result.returncode == 0, result.stderr
    assert '"results": []' in result.stdout


def test_upload_then_search_respects_visibility(server) -> None:  # type: ignore[no-untyped-def]
    srv, _, _ = server
    editor = {"Authorization": f"Bearer {KEYS['editor']}"}
    member = {"X-API-Key": KEYS["member"]}
    with httpx.Client(base_url=srv.url, timeout=60) as http:
        jobs = {}
        for visibility, word in (("members", "glimmerquartz"), ("internal", "obsidianwhisk")):
            text = f"# {word.capitalize()} pilot\n\nThe {word} pilot tests solar kiosks in Kisumu markets.\n"
            r = http.post("/documents", files={"files": (f"{word}.md", text.encode(), "text/markdown")},
                          data={"visibility": visibility}, headers=editor)
            assert r.status_code == 202, r.text
            jobs[word] = r.json()["job_id"]
        assert http.post("/documents", files={"files": ("x.md", b"# X\n\ntext", "text/markdown")},
                         headers=member).status_code == 403
        for word, job_id in jobs.items():
            job = wait_for_job(http, job_id, editor)
            assert job["status"] == "done" and job["files"][0]["status"] == "indexed", job

        def top(query: str, headers: dict[str, str]) -> list[dict]:
            r = http.post("/search", json={"query": query, "k": 5}, headers=headers)
            assert r.status_code == 200, r.text
            return r.json()["results"]

        members_hits = top("glimmerquartz pilot", member)
        assert members_hits and "glimmerquartz" in members_hits[0]["text"].lower()
        assert not any("obsidianwhisk" in h["text"].lower() for h in top("obsidianwhisk pilot", member))
        assert top("obsidianwhisk pilot", editor)[0]["text"].lower().count("obsidianwhisk") >= 1
        assert not top("glimmerquartz pilot", {}), "anonymous callers see public documents only"
        assert http.get("/stats", headers=member).json()["documents"] == 1
        assert http.get("/stats", headers=editor).json()["documents"] == 2
