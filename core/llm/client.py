"""One chat client for every LLM backend: OpenAI-compatible ``POST {base}/v1/chat/completions``.

The local backend runs llama.cpp's own server in-process and remote backends (Ollama, vLLM, a
llama.cpp server, hosted APIs) speak the same protocol, so one client means one code path to test.
Transport failures become ccassist errors here, once: an unreachable server is ``ModelUnavailable``
(the user must start or configure something), a slow or failing one is ``UpstreamError``.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, Literal, TypeVar

import httpx
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from core.errors import ModelUnavailable, UpstreamError

if TYPE_CHECKING:
    from core.llm.llama_index_llm import LlamaIndexChatLLM

logger = logging.getLogger(__name__)

Role = Literal["system", "user", "assistant"]
M = TypeVar("M", bound=BaseModel)


class Message(BaseModel):
    """One chat message as the OpenAI chat API takes it (validated before it leaves the process)."""

    model_config = ConfigDict(extra="forbid")

    role: Role
    content: str


_MESSAGES = TypeAdapter(list[Message])


class Usage(BaseModel):
    """Token counts the server reports (absent on some servers)."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0


class ChatResult(BaseModel):
    """A completion with the numbers benchmarks and logs need."""

    text: str
    finish_reason: str | None = None
    usage: Usage = Field(default_factory=Usage)
    elapsed_s: float = 0.0
    timings: dict[str, float] = Field(default_factory=dict, description="llama.cpp per-request timings, if sent")

    @property
    def tokens_per_s(self) -> float | None:
        """Generation speed: llama.cpp's own figure when present, else completion tokens / wall time."""
        if "predicted_per_second" in self.timings:
            return self.timings["predicted_per_second"]
        if self.usage.completion_tokens and self.elapsed_s:
            return self.usage.completion_tokens / self.elapsed_s
        return None


def normalise_base_url(url: str) -> str:
    """Strip a trailing ``/`` and ``/v1`` so both ``http://h:11434`` and ``http://h:11434/v1`` work."""
    base = url.strip().rstrip("/")
    base = base.removesuffix("/v1")
    return base


def extract_json_object(text: str) -> dict[str, Any] | None:
    """The first JSON object in ``text`` (whole text, fenced block or embedded), else None.

    The fallback for servers that ignore ``response_format``: small models often wrap JSON in prose
    or a code fence.
    """
    stripped = text.strip()
    try:
        value = json.loads(stripped)
        if isinstance(value, dict):
            return value
    except ValueError:
        pass
    decoder = json.JSONDecoder()
    start = stripped.find("{")
    while start != -1:
        try:
            value, _ = decoder.raw_decode(stripped, start)
        except ValueError:
            start = stripped.find("{", start + 1)
            continue
        if isinstance(value, dict):
            return value
        start = stripped.find("{", start + 1)
    return None


class ChatLLM:
    """A synchronous, thread-safe client for an OpenAI-compatible chat completions endpoint."""

    def __init__(
        self,
        base_url: str,
        *,
        model: str = "local",
        api_key: str | None = None,
        timeout_s: float = 120.0,
        max_tokens: int = 512,
        context_window: int = 4096,
        backend: str = "openai",
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = normalise_base_url(base_url)
        self.model = model
        self.timeout_s = timeout_s
        self.max_tokens = max_tokens
        self.context_window = context_window
        self.backend = backend
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._http = httpx.Client(
            base_url=self.base_url,
            headers=headers,
            timeout=httpx.Timeout(timeout_s, connect=min(10.0, timeout_s)),
            transport=transport,
        )

    @property
    def chat_url(self) -> str:
        """The full chat completions URL (for messages and logs)."""
        return f"{self.base_url}/v1/chat/completions"

    def __repr__(self) -> str:
        return f"ChatLLM(backend={self.backend!r}, base_url={self.base_url!r}, model={self.model!r})"

    # -- requests ---------------------------------------------------------------------------------

    def _body(
        self,
        messages: Sequence[dict[str, Any] | Message],
        *,
        json_schema: dict[str, Any] | None,
        schema_name: str,
        max_tokens: int | None,
        temperature: float,
        stream: bool,
        stop: Sequence[str] | None,
    ) -> dict[str, Any]:
        try:
            validated = _MESSAGES.validate_python([m.model_dump() if isinstance(m, Message) else m for m in messages])
        except ValidationError as exc:
            raise ValueError(f"invalid chat messages: {exc}") from exc
        if not validated:
            raise ValueError("at least one chat message is required")
        body: dict[str, Any] = {
            "model": self.model,
            "messages": [m.model_dump() for m in validated],
            "max_tokens": max_tokens if max_tokens is not None else self.max_tokens,
            "temperature": temperature,
            "stream": stream,
        }
        if stop:
            body["stop"] = list(stop)
        if json_schema is not None:
            # OpenAI's structured-output field; llama.cpp's server turns it into a grammar (verified:
            # xllamacpp 2026.10 constrains output to the schema), vLLM and Ollama honour it too.
            body["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": schema_name, "schema": json_schema, "strict": True},
            }
        return body

    def _raise_for_status(self, response: httpx.Response) -> None:
        if response.status_code < 400:
            return
        try:
            detail = response.read().decode("utf-8", "replace")
            error = json.loads(detail).get("error", detail)
            detail = error.get("message", str(error)) if isinstance(error, dict) else str(error)
        except (ValueError, AttributeError, httpx.HTTPError):
            detail = response.text if not response.is_stream_consumed else ""
        detail = detail[:500]
        status = response.status_code
        if status in (401, 403):
            raise UpstreamError(
                f"LLM server at {self.base_url} rejected the request ({status}): check CCASSIST_LLM_API_KEY. {detail}"
            )
        if status == 404:
            raise UpstreamError(
                f"LLM server at {self.base_url} has no /v1/chat/completions or no model {self.model!r} (404): "
                f"check CCASSIST_LLM_URL and CCASSIST_LLM_MODEL. {detail}"
            )
        raise UpstreamError(f"LLM server at {self.base_url} answered {status}: {detail}")

    def _transport_error(self, exc: httpx.HTTPError) -> Exception:
        if isinstance(exc, httpx.ConnectError):
            return ModelUnavailable(f"no LLM server at {self.base_url}; start one or set CCASSIST_LLM_URL ({exc})")
        if isinstance(exc, httpx.TimeoutException):
            return UpstreamError(
                f"LLM server at {self.base_url} did not answer within {self.timeout_s:g}s "
                "(raise CCASSIST_LLM_TIMEOUT_S or lower CCASSIST_LLM_MAX_TOKENS)"
            )
        return UpstreamError(f"LLM request to {self.base_url} failed: {type(exc).__name__}: {exc}")

    def complete_result(
        self,
        messages: Sequence[dict[str, Any] | Message],
        *,
        json_schema: dict[str, Any] | None = None,
        schema_name: str = "output",
        max_tokens: int | None = None,
        temperature: float = 0.0,
        stop: Sequence[str] | None = None,
    ) -> ChatResult:
        """One non-streaming completion with usage and timings."""
        body = self._body(
            messages,
            json_schema=json_schema,
            schema_name=schema_name,
            max_tokens=max_tokens,
            temperature=temperature,
            stream=False,
            stop=stop,
        )
        started = time.perf_counter()
        try:
            response = self._http.post("/v1/chat/completions", json=body)
        except httpx.HTTPError as exc:
            raise self._transport_error(exc) from exc
        elapsed = time.perf_counter() - started
        self._raise_for_status(response)
        try:
            payload = response.json()
            choice = payload["choices"][0]
            text = choice["message"].get("content") or ""
        except (ValueError, KeyError, IndexError, TypeError, AttributeError) as exc:
            raise UpstreamError(
                f"LLM server at {self.base_url} sent an unexpected response: {response.text[:300]}"
            ) from exc
        timings = {k: float(v) for k, v in (payload.get("timings") or {}).items() if isinstance(v, (int, float))}
        result = ChatResult(
            text=text,
            finish_reason=choice.get("finish_reason"),
            usage=Usage.model_validate(payload.get("usage") or {}),
            elapsed_s=elapsed,
            timings=timings,
        )
        logger.debug(
            "LLM %s: %d+%d tokens in %.2fs",
            self.backend,
            result.usage.prompt_tokens,
            result.usage.completion_tokens,
            elapsed,
        )
        return result

    def complete(
        self,
        messages: Sequence[dict[str, Any] | Message],
        *,
        json_schema: dict[str, Any] | None = None,
        max_tokens: int | None = None,
        temperature: float = 0.0,
        stop: Sequence[str] | None = None,
    ) -> str:
        """The assistant's reply text; with ``json_schema`` the server is asked to emit matching JSON."""
        return self.complete_result(
            messages, json_schema=json_schema, max_tokens=max_tokens, temperature=temperature, stop=stop
        ).text

    def complete_json(
        self,
        messages: Sequence[dict[str, Any] | Message],
        json_schema: dict[str, Any],
        *,
        schema_name: str = "output",
        max_tokens: int | None = None,
        temperature: float = 0.0,
    ) -> dict[str, Any]:
        """A JSON object matching ``json_schema`` (top-level required keys checked).

        Servers that ignore ``response_format`` still work when the model writes the object somewhere
        in its reply; the first JSON object found is used.
        """
        text = self.complete_result(
            messages, json_schema=json_schema, schema_name=schema_name, max_tokens=max_tokens, temperature=temperature
        ).text
        value = extract_json_object(text)
        if value is None:
            raise UpstreamError(f"LLM reply contains no JSON object: {text[:300]!r}")
        missing = [key for key in json_schema.get("required", []) if key not in value]
        if missing:
            raise UpstreamError(f"LLM JSON reply lacks required keys {missing}: {text[:300]!r}")
        return value

    def complete_model(
        self,
        messages: Sequence[dict[str, Any] | Message],
        output_cls: type[M],
        *,
        max_tokens: int | None = None,
        temperature: float = 0.0,
    ) -> M:
        """A validated pydantic object: the schema constrains generation, pydantic checks the result."""
        value = self.complete_json(
            messages,
            output_cls.model_json_schema(),
            schema_name=output_cls.__name__,
            max_tokens=max_tokens,
            temperature=temperature,
        )
        try:
            return output_cls.model_validate(value)
        except ValidationError as exc:
            raise UpstreamError(f"LLM JSON reply does not fit {output_cls.__name__}: {exc}") from exc

    def stream(
        self,
        messages: Sequence[dict[str, Any] | Message],
        *,
        max_tokens: int | None = None,
        temperature: float = 0.0,
        stop: Sequence[str] | None = None,
    ) -> Iterator[str]:
        """Yield reply text pieces as the server sends them (server-sent events)."""
        body = self._body(
            messages,
            json_schema=None,
            schema_name="output",
            max_tokens=max_tokens,
            temperature=temperature,
            stream=True,
            stop=stop,
        )
        try:
            with self._http.stream("POST", "/v1/chat/completions", json=body) as response:
                self._raise_for_status(response)
                for line in response.iter_lines():
                    if not line.startswith("data:"):
                        continue
                    data = line[len("data:") :].strip()
                    if data == "[DONE]":
                        return
                    try:
                        event = json.loads(data)
                    except ValueError:
                        logger.debug("skipping malformed SSE line %r", line[:200])
                        continue
                    if "error" in event:
                        raise UpstreamError(f"LLM server at {self.base_url} failed mid-stream: {event['error']}")
                    for choice in event.get("choices") or []:
                        piece = (choice.get("delta") or {}).get("content")
                        if piece:
                            yield piece
        except httpx.HTTPError as exc:
            raise self._transport_error(exc) from exc

    def ping(self, timeout_s: float = 2.0) -> bool:
        """Whether something answers ``GET /v1/models`` (health checks; never raises)."""
        try:
            response = self._http.get("/v1/models", timeout=timeout_s)
        except httpx.HTTPError:
            return False
        return response.status_code < 500

    def as_llama_index_llm(self) -> LlamaIndexChatLLM:
        """This client behind llama-index's LLM interface (for agents built on llama-index)."""
        from core.llm.llama_index_llm import LlamaIndexChatLLM

        return LlamaIndexChatLLM.from_client(self)

    def close(self) -> None:
        """Close the HTTP connection pool."""
        self._http.close()
