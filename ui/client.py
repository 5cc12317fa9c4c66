"""The only place the UI knows about URLs: a small typed client of the ccassist HTTP API.

Every method returns a model from :mod:`ui.models` or raises :class:`ApiError`
(with :class:`EndpointMissing` for an endpoint the running API does not have
yet, so pages can say "not available yet" instead of failing).

    client = ApiClient(api_key="cca_…")          # base URL: CCASSIST_API_URL
    client.search("Hochwasser Frühwarnung", k=5, facets=True)
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

import httpx

from ui.models import (
    Answer,
    Call,
    DocSummary,
    DocumentDetail,
    DocumentPage,
    DocumentSummary,
    ExchangeResponse,
    FactSheet,
    Health,
    Job,
    Me,
    SearchResponse,
    Stats,
    UploadAccepted,
)

__all__ = ["DEFAULT_API_URL", "ApiClient", "ApiError", "EndpointMissing", "StreamEvent", "api_url"]

DEFAULT_API_URL = "http://127.0.0.1:8000"
_MISSING_MESSAGES = {"not found", "method not allowed", "not implemented"}


def api_url() -> str:
    """The API base URL: ``CCASSIST_API_URL`` or http://127.0.0.1:8000."""
    return (os.environ.get("CCASSIST_API_URL") or DEFAULT_API_URL).rstrip("/")


class ApiError(Exception):
    """An error answer of the API (or no API at all: ``status == 0``), with a message fit for a person."""

    def __init__(self, status: int, message: str, *, kind: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.kind = kind

    @property
    def unreachable(self) -> bool:
        return self.status == 0

    @property
    def unauthorized(self) -> bool:
        return self.status == 401

    @property
    def forbidden(self) -> bool:
        return self.status == 403

    @property
    def not_found(self) -> bool:
        return self.status == 404


class EndpointMissing(ApiError):
    """The running API has no such endpoint (404/405 from the router, or 501)."""

    def __init__(self, method: str, path: str, status: int = 404) -> None:
        super().__init__(status, f"{method} {path} is not available in this API yet", kind="EndpointMissing")
        self.endpoint = f"{method} {path}"


@dataclass(frozen=True, slots=True)
class StreamEvent:
    """One event of ``POST /ask`` with ``stream=true``.

    ``kind`` is ``trace`` (a step: plan, search, judgement, evidence, synthesis,
    grounding; ``data`` is its dict), ``token`` (``text`` is a piece of the
    answer), ``answer`` (``answer`` is the final :class:`Answer`) or ``error``
    (``text`` is the message).
    """

    kind: Literal["trace", "token", "answer", "error"]
    stage: str = ""
    data: dict[str, Any] | None = None
    text: str = ""
    answer: Answer | None = None


_TOKEN_EVENTS = {"token", "tokens", "delta", "chunk"}
_FINAL_EVENTS = {"answer", "final", "result", "done", "complete"}


def _template(path: str) -> str:
    """``/documents/abc/summary`` → a readable endpoint name for messages (ids replaced by ``{id}``)."""
    parts = path.split("?")[0].split("/")
    known = {"documents", "jobs", "factsheets", "export", "summary", "file", "peers", "calls", "exchanges",
             "search", "stats", "health", "me", "ask"}
    return "/".join(p if (not p or p in known) else "{id}" for p in parts)


class ApiClient:
    """A synchronous client of the ccassist API for one caller (one API key)."""

    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str | None = None,
        timeout: float = 300.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        key = (api_key or "").strip()
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        self.base_url = (base_url or api_url()).rstrip("/")
        self.has_key = bool(key)
        self._http = httpx.Client(
            base_url=self.base_url,
            headers=headers,
            timeout=httpx.Timeout(timeout, connect=5.0),
            transport=transport,
        )
        self._endpoints: set[str] | None = None

    def close(self) -> None:
        self._http.close()

    # -- plumbing -----------------------------------------------------------------------------------

    def _error(self, response: httpx.Response, method: str, path: str) -> ApiError:
        kind, message = "", ""
        try:
            body = response.json()
            err = body.get("error", body) if isinstance(body, dict) else body
            if isinstance(err, dict):
                kind = str(err.get("type", ""))
                message = str(err.get("message") or err.get("detail") or "")
            else:
                message = str(err)
        except ValueError:
            message = response.text[:300]
        status = response.status_code
        if status == 501 or (status in (404, 405) and message.strip().lower() in _MISSING_MESSAGES):
            return EndpointMissing(method, _template(path), status)
        return ApiError(status, message or response.reason_phrase, kind=kind)

    def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise ApiError(0, f"API not reachable at {self.base_url} ({exc.__class__.__name__})") from exc
        if response.status_code >= 400:
            raise self._error(response, method, path)
        return response

    def _json(self, method: str, path: str, **kwargs: Any) -> Any:
        return self._request(method, path, **kwargs).json()

    def endpoints(self) -> set[str]:
        """``"METHOD /path"`` of every route the running API declares (from its OpenAPI schema; cached)."""
        if self._endpoints is None:
            try:
                schema = self._json("GET", "/openapi.json")
                self._endpoints = {
                    f"{method.upper()} {path}" for path, ops in schema.get("paths", {}).items() for method in ops
                }
            except ApiError:
                self._endpoints = set()
        return self._endpoints

    def has(self, method: str, path: str) -> bool:
        """Whether the API declares ``METHOD path`` (path with ``{param}`` placeholders, any names)."""
        wanted = re.sub(r"\{[^}]+\}", "{}", f"{method.upper()} {path}")
        return any(re.sub(r"\{[^}]+\}", "{}", e) == wanted for e in self.endpoints())

    # -- service ------------------------------------------------------------------------------------

    def health(self) -> Health:
        return Health.model_validate(self._json("GET", "/health"))

    def me(self) -> Me:
        """The caller's role. Without ``GET /me`` in the API the role is inferred (and marked so).

        Inference: anonymous → public; a key → ``GET /jobs/…`` answers 404 to editors and 403 to the rest;
        below editor, the visibilities counted by ``/stats`` tell staff (internal) from member (members).
        """
        try:
            return Me.model_validate(self._json("GET", "/me"))
        except EndpointMissing:
            pass
        if not self.has_key:
            self.stats()  # 401 here when anonymous access is off
            return Me(role="public", name="anonymous", allowed_visibility=["public"], inferred=True)
        try:
            self._request("GET", "/jobs/whoami-probe")
        except ApiError as exc:
            if exc.unauthorized:
                raise
            if exc.not_found and not isinstance(exc, EndpointMissing):
                return Me(role="editor", name="", can_edit=True, inferred=True,
                          allowed_visibility=["public", "members", "internal"])
        seen = {str(f.value) for f in self.stats().by_visibility}
        role = "staff" if "internal" in seen else "member" if "members" in seen else "public"
        return Me(role=role, name="", inferred=True, allowed_visibility=sorted(seen))

    def topics(self) -> dict[str, dict[str, str]]:
        """Topic slug → labels per language (``GET /topics``; empty when the API has no such endpoint)."""
        try:
            data = self._json("GET", "/topics")
        except EndpointMissing:
            return {}
        items = data.get("topics", data.get("items", [])) if isinstance(data, dict) else data
        out: dict[str, dict[str, str]] = {}
        for item in items or []:
            if isinstance(item, dict) and item.get("slug"):
                labels = item.get("labels") or {k[6:]: v for k, v in item.items() if k.startswith("label_")}
                out[str(item["slug"])] = {str(k): str(v) for k, v in labels.items()}
        return out

    def stats(self) -> Stats:
        return Stats.model_validate(self._json("GET", "/stats"))

    # -- search and documents -----------------------------------------------------------------------

    def search(
        self,
        query: str,
        *,
        k: int = 10,
        filters: dict[str, Any] | None = None,
        per_doc: bool = False,
        facets: bool = False,
    ) -> SearchResponse:
        body = {"query": query, "k": k, "filters": _clean(filters or {}), "per_doc": per_doc, "facets": facets}
        return SearchResponse.model_validate(self._json("POST", "/search", json=body))

    def documents(self, *, limit: int = 50, offset: int = 0, **filters: Any) -> DocumentPage:
        params: dict[str, Any] = {"limit": limit, "offset": offset}
        for key, value in _clean(filters).items():
            params[key] = ",".join(map(str, value)) if isinstance(value, (list, tuple)) else value
        return DocumentPage.model_validate(self._json("GET", "/documents", params=params))

    def all_documents(self, *, max_docs: int = 2000, **filters: Any) -> list[DocumentSummary]:
        """Every visible document matching ``filters`` (paged with the cursor), up to ``max_docs``."""
        items: list[DocumentSummary] = []
        params: dict[str, Any] = {"limit": 200}
        for key, value in _clean(filters).items():
            params[key] = ",".join(map(str, value)) if isinstance(value, (list, tuple)) else value
        while len(items) < max_docs:
            page = DocumentPage.model_validate(self._json("GET", "/documents", params=params))
            items.extend(page.items)
            if not page.next_cursor or not page.items:
                break
            params["cursor"] = page.next_cursor
        return items[:max_docs]

    def document(self, doc_id: str) -> DocumentDetail:
        return DocumentDetail.model_validate(self._json("GET", f"/documents/{_q(doc_id)}"))

    def summary(self, doc_id: str) -> DocSummary:
        return DocSummary.model_validate(self._json("GET", f"/documents/{_q(doc_id)}/summary"))

    def source_file(self, doc_id: str) -> tuple[bytes, str, str]:
        """The document's original file: ``(content, file name, MIME type)``."""
        response = self._request("GET", f"/documents/{_q(doc_id)}/file")
        disposition = response.headers.get("content-disposition", "")
        match = re.search(r"filename\*=UTF-8''([^;]+)|filename=\"?([^\";]+)\"?", disposition)
        name = ""
        if match:
            name = httpx.URL("/" + (match.group(1) or "")).path[1:] if match.group(1) else match.group(2)
        mime = response.headers.get("content-type", "application/octet-stream").split(";")[0]
        return response.content, name or doc_id, mime

    def upload(self, files: list[tuple[str, bytes]], visibility: str | None = None) -> UploadAccepted:
        multipart = [("files", (name, data)) for name, data in files]
        data = {"visibility": visibility} if visibility else {}
        return UploadAccepted.model_validate(self._json("POST", "/documents", files=multipart, data=data))

    def job(self, job_id: str) -> Job:
        return Job.model_validate(self._json("GET", f"/jobs/{_q(job_id)}"))

    def delete_document(self, doc_id: str) -> dict[str, Any]:
        return self._json("DELETE", f"/documents/{_q(doc_id)}")

    # -- answers --------------------------------------------------------------------------------------

    def ask(self, question: str, *, filters: dict[str, Any] | None = None) -> Answer:
        body: dict[str, Any] = {"question": question}
        if filters:
            body["filters"] = _clean(filters)
        return Answer.model_validate(self._json("POST", "/ask", json=body))

    def ask_stream(self, question: str, *, filters: dict[str, Any] | None = None) -> Iterator[StreamEvent]:
        """``POST /ask?stream=true`` as :class:`StreamEvent` objects; the last one is the answer (or an error)."""
        body: dict[str, Any] = {"question": question, "stream": True}
        if filters:
            body["filters"] = _clean(filters)
        try:
            with self._http.stream(
                "POST", "/ask", params={"stream": "true"}, json=body,
                headers={"Accept": "text/event-stream"}, timeout=httpx.Timeout(None, connect=5.0),
            ) as response:
                if response.status_code >= 400:
                    response.read()
                    raise self._error(response, "POST", "/ask")
                if "text/event-stream" not in response.headers.get("content-type", ""):
                    response.read()  # an API without streaming answers with plain JSON
                    yield StreamEvent("answer", answer=Answer.model_validate(response.json()))
                    return
                for event, data in iter_sse(response.iter_lines()):
                    parsed = _stream_event(event, data)
                    if parsed is not None:
                        yield parsed
        except httpx.HTTPError as exc:
            raise ApiError(0, f"API not reachable at {self.base_url} ({exc.__class__.__name__})") from exc

    # -- fact sheets ----------------------------------------------------------------------------------

    def create_factsheet(self, topic: str) -> FactSheet:
        return FactSheet.model_validate(self._json("POST", "/factsheets", json={"topic": topic}))

    def factsheet(self, sheet_id: str) -> FactSheet:
        return FactSheet.model_validate(self._json("GET", f"/factsheets/{_q(sheet_id)}"))

    def save_factsheet(self, sheet_id: str, sheet: FactSheet) -> FactSheet:
        body = sheet.model_dump(mode="json", exclude={"markdown", "trace"}, exclude_none=True)
        body.pop("id", None)
        return FactSheet.model_validate(self._json("PUT", f"/factsheets/{_q(sheet_id)}", json=body))

    def export_factsheet(self, sheet_id: str, fmt: str) -> bytes:
        return self._request("GET", f"/factsheets/{_q(sheet_id)}/export", params={"format": fmt}).content

    # -- calls and exchanges ---------------------------------------------------------------------------

    def calls(self, *, include_expired: bool = True) -> tuple[list[Call], bool]:
        """Calls and invitations with deadlines; ``(calls, from_fallback)``.

        Uses ``GET /calls``; without it, the document list filtered to calls and
        invitations (days left computed here).
        """
        try:
            data = self._json("GET", "/calls", params={"include_expired": str(include_expired).lower()})
            items = data if isinstance(data, list) else (data.get("calls") or data.get("items") or data.get("results") or [])
            return [_with_days(Call.model_validate(c)) for c in items], False
        except EndpointMissing:
            docs = self.all_documents(doc_type=["call", "invitation"])
            calls = [_with_days(Call.model_validate(d.model_dump(mode="json"))) for d in docs]
            if not include_expired:
                calls = [c for c in calls if not c.expired]
            return calls, True

    def exchanges(self, query: str | None = None, *, k: int = 10, **filters: Any) -> ExchangeResponse:
        params: dict[str, Any] = {"k": k, **_clean(filters)}
        if query:
            params["q"] = query
        data = self._json("GET", "/exchanges", params=params)
        return ExchangeResponse.model_validate({"exchanges": data} if isinstance(data, list) else data)

    def peers(self, city: str) -> ExchangeResponse:
        data = self._json("GET", f"/peers/{_q(city)}")
        return ExchangeResponse.model_validate({"peers": data} if isinstance(data, list) else data)


# -- helpers ---------------------------------------------------------------------------------------------


def _q(segment: str) -> str:
    """A URL path segment, percent-encoded (ids and city names may hold spaces or umlauts)."""
    from urllib.parse import quote

    return quote(str(segment), safe="")


def _clean(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v not in (None, "", [], ())}


def _with_days(call: Call, today: date | None = None) -> Call:
    """Fill ``days_left``/``expired`` from the deadline when the API did not."""
    today = today or date.today()
    if call.deadline is not None:
        if call.days_left is None:
            call.days_left = (call.deadline - today).days
        if call.expired is None:
            call.expired = call.deadline < today
    return call


def iter_sse(lines: Iterator[str]) -> Iterator[tuple[str, str]]:
    """Server-Sent Events from text lines: ``(event, data)`` per event (``data`` lines joined by newlines)."""
    event, data = "", list[str]()
    for raw in lines:
        line = raw.rstrip("\r")
        if not line:
            if data:
                yield event or "message", "\n".join(data)
            event, data = "", []
            continue
        if line.startswith(":"):
            continue
        field, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if field == "event":
            event = value
        elif field == "data":
            data.append(value)
    if data:
        yield event or "message", "\n".join(data)


def _inner(payload: dict[str, Any]) -> dict[str, Any]:
    """The event's own fields: ``payload["data"]`` for an AgentEvent-shaped payload, else the payload."""
    inner = payload.get("data")
    return inner if isinstance(inner, dict) else payload


def _stream_event(event: str, data: str) -> StreamEvent | None:
    """Map one SSE event onto a :class:`StreamEvent` (tolerant of naming: token/delta, answer/final …)."""
    try:
        payload: Any = json.loads(data)
    except ValueError:
        payload = data
    name = event.lower()
    if isinstance(payload, dict) and name == "message":  # no event names: tell by shape
        name = str(payload.get("kind") or payload.get("type") or ("answer" if "answer" in payload else "trace"))
    if name == "error":
        if isinstance(payload, dict):
            err = payload.get("error", payload)
            return StreamEvent("error", text=str(err.get("message", err) if isinstance(err, dict) else err))
        return StreamEvent("error", text=str(payload))
    if name in _TOKEN_EVENTS:
        if isinstance(payload, dict):
            inner = _inner(payload)
            text = inner.get("text") or inner.get("token") or inner.get("delta") or ""
        else:
            text = str(payload)
        return StreamEvent("token", text=str(text))
    if name in _FINAL_EVENTS:
        if isinstance(payload, dict):
            answer = payload.get("answer")
            body = answer if isinstance(answer, dict) else payload
            if "answer" in body or "citations" in body:
                return StreamEvent("answer", answer=Answer.model_validate(body))
        return None
    if isinstance(payload, dict):
        stage = str(payload.get("kind") or payload.get("stage") or name)
        inner = _inner(payload)
        if stage == "token":
            return StreamEvent("token", text=str(inner.get("text") or inner.get("token") or ""))
        return StreamEvent("trace", stage=stage, data=inner)
    return StreamEvent("trace", stage=name, data={"text": str(payload)})
