"""ui.client against a fake transport: error mapping, missing endpoints, the /ask event stream, fallbacks."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import httpx
import pytest

from ui.client import ApiClient, ApiError, EndpointMissing, iter_sse


def make_client(routes: dict[tuple[str, str], Any], *, key: str | None = "k") -> ApiClient:
    """A client whose requests are answered from ``routes[(method, path)]`` (a callable, a Response or JSON)."""

    def handler(request: httpx.Request) -> httpx.Response:
        answer = routes.get((request.method, request.url.path))
        if answer is None:  # what FastAPI's router says for an unknown path
            return httpx.Response(404, json={"error": {"type": "NotFound", "message": "Not Found"}})
        if callable(answer):
            answer = answer(request)
        return answer if isinstance(answer, httpx.Response) else httpx.Response(200, json=answer)

    return ApiClient(key, base_url="http://api.test", transport=httpx.MockTransport(handler))


def test_error_body_becomes_api_error_with_message() -> None:
    api = make_client({("GET", "/documents/x"): httpx.Response(
        404, json={"error": {"type": "NotFound", "message": "no document 'x'"}})})
    with pytest.raises(ApiError) as info:
        api.document("x")
    assert not isinstance(info.value, EndpointMissing)
    assert info.value.not_found and info.value.message == "no document 'x'" and info.value.kind == "NotFound"


def test_unknown_route_is_endpoint_missing() -> None:
    api = make_client({})
    with pytest.raises(EndpointMissing) as info:
        api.summary("abc")
    assert info.value.endpoint == "GET /documents/{id}/summary"


def test_unreachable_api_is_status_zero() -> None:
    api = ApiClient(base_url="http://127.0.0.1:9", timeout=2)
    with pytest.raises(ApiError) as info:
        api.health()
    assert info.value.unreachable


def test_bearer_key_is_sent_and_path_segments_are_encoded() -> None:
    seen: dict[str, Any] = {}

    def peers(request: httpx.Request) -> httpx.Response:
        seen["auth"] = request.headers.get("authorization")
        seen["raw"] = request.url.raw_path
        return httpx.Response(200, json={"city": "Köln", "peers": []})

    api = make_client({("GET", "/peers/Köln am Rhein"): peers}, key="secret")
    api.peers("Köln am Rhein")
    assert seen["auth"] == "Bearer secret"
    assert seen["raw"] == b"/peers/K%C3%B6ln%20am%20Rhein"


def test_iter_sse_joins_data_lines_and_skips_comments() -> None:
    lines = [": ping", "event: trace", 'data: {"a":', "data: 1}", "", "data: plain", ""]
    assert list(iter_sse(iter(lines))) == [("trace", '{"a":\n1}'), ("message", "plain")]


def _sse(*events: tuple[str, Any]) -> httpx.Response:
    body = "".join(f"event: {name}\ndata: {json.dumps(data)}\n\n" for name, data in events)
    return httpx.Response(200, text=body, headers={"content-type": "text/event-stream"})


def test_ask_stream_yields_trace_tokens_and_answer() -> None:
    answer = {"question": "q", "answer": "Ja [1].", "citations": [{"n": 1, "doc_id": "d", "source": "s",
                                                                  "title": "T", "quote": "Zitat"}],
              "grounded": True, "unsupported": [], "backend": "extractive", "language": "de"}
    stream = _sse(
        ("trace", {"kind": "plan", "stage": "planner", "data": {"sub_questions": [{"text": "q"}]}}),
        ("trace", {"kind": "search", "stage": "researcher", "data": {"query": "q", "hits": 3}}),
        ("token", {"text": "Ja "}),
        ("answer", answer),
    )
    api = make_client({("POST", "/ask"): stream})
    events = list(api.ask_stream("q"))
    assert [e.kind for e in events] == ["trace", "trace", "token", "answer"]
    assert events[0].stage == "plan" and events[1].data == {"query": "q", "hits": 3}
    assert events[2].text == "Ja "
    final = events[-1].answer
    assert final is not None and final.citations[0].quote == "Zitat" and not final.not_in_material


def test_ask_stream_accepts_plain_json_from_an_api_without_streaming() -> None:
    api = make_client({("POST", "/ask"): {"question": "q", "answer": "Nicht im Material.", "citations": [],
                                          "grounded": False, "backend": "extractive", "refused": True}})
    events = list(api.ask_stream("q"))
    assert len(events) == 1 and events[0].answer is not None and events[0].answer.not_in_material


def test_ask_stream_error_event() -> None:
    api = make_client({("POST", "/ask"): _sse(("error", {"error": {"type": "Upstream", "message": "LLM down"}}))})
    events = list(api.ask_stream("q"))
    assert events[-1].kind == "error" and events[-1].text == "LLM down"


def test_me_falls_back_to_inference_without_the_endpoint() -> None:
    editor = make_client({("GET", "/jobs/whoami-probe"): httpx.Response(
        404, json={"error": {"type": "NotFound", "message": "no job 'whoami-probe'"}})})
    me = editor.me()
    assert me.role == "editor" and me.inferred and me.can_edit

    forbidden = httpx.Response(403, json={"error": {"type": "Forbidden", "message": "needs editor"}})
    stats = {"documents": 3, "chunks": 9, "by_visibility": [{"value": "public", "count": 2},
                                                           {"value": "members", "count": 1}]}
    member = make_client({("GET", "/jobs/whoami-probe"): forbidden, ("GET", "/stats"): stats})
    assert member.me().role == "member"

    anonymous = make_client({("GET", "/stats"): stats}, key=None)
    assert anonymous.me().role == "public"


def test_me_uses_the_endpoint_when_there() -> None:
    api = make_client({("GET", "/me"): {"role": "staff", "name": "anna", "allowed_visibility": ["public"],
                                        "can_edit": False}})
    me = api.me()
    assert me.role == "staff" and me.name == "anna" and not me.inferred


def test_calls_fall_back_to_the_document_list() -> None:
    today = date.today()
    docs = {"items": [
        {"doc_id": "a", "title": "Offen", "doc_type": "call", "deadline": str(today + timedelta(days=10))},
        {"doc_id": "b", "title": "Vorbei", "doc_type": "invitation", "deadline": str(today - timedelta(days=3))},
    ], "total": 2, "limit": 200, "offset": 0, "next_cursor": None}
    api = make_client({("GET", "/documents"): docs})
    calls, fallback = api.calls()
    assert fallback
    by_id = {c.doc_id: c for c in calls}
    assert by_id["a"].days_left == 10 and by_id["a"].expired is False
    assert by_id["b"].days_left == -3 and by_id["b"].expired is True


def test_calls_endpoint_shape() -> None:
    body = {"today": "2026-11-25", "open_only": False, "calls": [
        {"doc_id": "a", "title": "T", "source": "s", "kind": "call", "doc_type": "call", "label": "call",
         "deadline": "2026-12-15", "days_left": 20, "expired": False}]}
    api = make_client({("GET", "/calls"): body})
    calls, fallback = api.calls()
    assert not fallback and calls[0].days_left == 20


def test_exchanges_and_peers_shapes() -> None:
    match = {"rank": 1, "score": 0.9, "id": "r1", "event": "Workshop Wasserverluste", "event_type": "workshop",
             "start": "2024-10-21", "end": "2024-10-23", "cities": ["Irbid", "Jena"],
             "why": [{"field": "topics/water", "quote": "Wasserverluste sanken", "chunk_id": "c", "doc_id": "d",
                      "title": "Bericht", "source": "s"}],
             "sources": [{"record_id": "r1", "doc_id": "d", "title": "Bericht", "source": "s", "doc_type": "report",
                          "language": "de"}]}
    peers = {"city": "Jena", "country": "Germany", "peers": [
        {"city": "Irbid", "country": "Jordan", "shared_topics": ["water"], "topics": ["water"], "exchanges": 2,
         "last": "2026-09-01", "events": [{"event": "Workshop", "start": "2024-10-21"}]}]}
    api = make_client({("GET", "/exchanges"): {"query": "q", "exchanges": [match]}, ("GET", "/peers/Jena"): peers})
    found = api.exchanges("Wasserverluste")
    ex = found.exchanges[0]
    assert ex.when == (date(2024, 10, 21), date(2024, 10, 23))
    assert ex.quotes[0].quote == "Wasserverluste sanken" and ex.documents[0].doc_id == "d"
    peer = api.peers("Jena").peers[0]
    assert peer.topics == ["water"] and peer.exchanges == 2 and peer.events[0].event == "Workshop"


def test_endpoints_from_openapi() -> None:
    schema = {"paths": {"/documents/{doc_id}": {"get": {}, "delete": {}}, "/search": {"post": {}}}}
    api = make_client({("GET", "/openapi.json"): schema})
    assert api.has("GET", "/documents/{id}") and api.has("DELETE", "/documents/{x}")
    assert not api.has("GET", "/documents/{doc_id}/file")
