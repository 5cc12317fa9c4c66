"""The answer endpoints through TestClient: /me, /ask (JSON and SSE), /factsheets, document summaries and files,
/exchanges?doc_id=, /topics — with the caller's tier enforced everywhere."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from tests.api.conftest import KEYS, Corpus, api_settings, auth


def _sse(text: str) -> list[tuple[str, dict]]:
    events: list[tuple[str, dict]] = []
    for block in text.replace("\r\n", "\n").split("\n\n"):
        name, data = "message", []
        for line in block.splitlines():
            if line.startswith("event:"):
                name = line[6:].strip()
            elif line.startswith("data:"):
                data.append(line[5:].strip())
        if data:
            events.append((name, json.loads("\n".join(data))))
    return events


@pytest.fixture(scope="module")
def sheets_client(corpus: Corpus, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """A client whose app stores fact sheets in a data_dir of its own (the shared corpus stays untouched)."""
    settings = corpus.settings.model_copy(update={"data_dir": tmp_path_factory.mktemp("sheets-data")})
    app = create_app(settings, corpus.services, api_settings=api_settings())
    with TestClient(app) as c:
        yield c


# -- /me and /topics ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "expected", "can_edit"),
    [
        (None, ["public"], False),
        ("public", ["public"], False),
        ("member", ["public", "members"], False),
        ("staff", ["public", "members", "internal"], False),
        ("editor", ["public", "members", "internal"], True),
    ],
)
def test_me_per_role(client: TestClient, role: str | None, expected: list[str], can_edit: bool) -> None:
    r = client.get("/me", headers=auth(role))
    assert r.status_code == 200, r.text
    me = r.json()
    assert me["role"] == (role or "public")
    assert me["allowed_visibility"] == expected
    assert me["can_edit"] is can_edit
    assert set(me) >= {"role", "name", "key_id", "allowed_visibility", "can_edit"}
    assert KEYS.get(role or "", "no-key") not in r.text  # the key itself is never echoed


def test_me_unknown_key_is_401(client: TestClient) -> None:
    r = client.get("/me", headers={"Authorization": "Bearer not-a-key"})
    assert r.status_code == 401
    assert r.json()["error"]["type"] == "Unauthorized"


def test_topics(client: TestClient) -> None:
    r = client.get("/topics")
    assert r.status_code == 200
    topics = r.json()
    assert len(topics) > 5
    for t in topics:
        assert t["slug"] and set(t["labels"]) >= {"de", "en", "fr", "ar"}


# -- /ask --------------------------------------------------------------------------------------------


def test_ask_json_answer_with_citations(client: TestClient, corpus: Corpus) -> None:
    r = client.post("/ask", json={"question": "Which cities worked together on flood early warning?"},
                    headers=auth("public"))
    assert r.status_code == 200, r.text
    answer = r.json()
    assert set(answer) >= {"question", "answer", "citations", "grounded", "unsupported", "backend", "trace"}
    assert answer["citations"], answer
    public_ids = {d.doc_id for d in corpus.visible_to(["public"])}
    for c in answer["citations"]:
        assert set(c) >= {"n", "doc_id", "source", "title", "quote"}
        assert c["doc_id"] in public_ids


def test_ask_stream_sends_trace_then_answer(client: TestClient) -> None:
    with client.stream("POST", "/ask", params={"stream": "true"},
                       json={"question": "Which cities worked together on flood early warning?"},
                       headers=auth("staff")) as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/event-stream")
        events = _sse(r.read().decode("utf-8"))
    kinds = [name for name, _ in events]
    assert "trace" in kinds, kinds
    assert kinds[-1] == "answer", kinds
    assert "error" not in kinds
    trace = next(data for name, data in events if name == "trace")
    assert trace["kind"] and "stage" in trace
    final = events[-1][1]
    assert final["citations"] and final["answer"]


def test_ask_stream_flag_in_body(client: TestClient) -> None:
    r = client.post("/ask", json={"question": "green hydrogen at the port", "stream": True})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/event-stream")
    assert _sse(r.text)[-1][0] == "answer"


def test_ask_never_cites_a_hidden_document(client: TestClient, corpus: Corpus) -> None:
    internal = corpus.visible_to(["internal"])[0]
    secret = internal.secrets[0]
    question = f"What is the budget of the {secret.capitalize()} project?"
    hidden = {d.doc_id for d in corpus.hidden_from(["public"])}
    r = client.post("/ask", json={"question": question}, headers=auth("public"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert not {c["doc_id"] for c in body["citations"]} & hidden
    text = json.dumps(body)
    assert internal.doc_id not in text
    assert f"{secret}@example.org" not in text and "steering group" not in text  # nothing of the document's text
    # staff may read it, and gets it cited
    r = client.post("/ask", json={"question": question}, headers=auth("staff"))
    assert internal.doc_id in {c["doc_id"] for c in r.json()["citations"]}


def test_ask_stream_respects_the_tier(client: TestClient, corpus: Corpus) -> None:
    secret = corpus.visible_to(["internal"])[0].secrets[0]
    hidden = {d.doc_id for d in corpus.hidden_from(["public"])}
    r = client.post("/ask?stream=true", json={"question": f"Who is the contact for {secret}?"})
    text = r.text
    for doc_id in hidden:
        assert doc_id not in text


def test_ask_validation(client: TestClient) -> None:
    assert client.post("/ask", json={}).status_code == 422
    assert client.post("/ask", json={"question": ""}).status_code == 422


# -- /factsheets -----------------------------------------------------------------------------------------


def test_factsheet_create_get_put_export(sheets_client: TestClient, tmp_path: Path) -> None:
    c = sheets_client
    r = c.post("/factsheets", json={"topic": "flood early warning"}, headers=auth("member"))
    assert r.status_code == 200, r.text
    sheet = r.json()
    sheet_id = sheet["id"]
    assert sheet["topic"] == "flood early warning"
    assert sheet["sections"] and sheet["markdown"].startswith("# ")
    assert sheet["citations"]

    # read back: the same tier or above; a public caller does not see a sheet drafted from members' documents
    assert c.get(f"/factsheets/{sheet_id}", headers=auth("member")).json()["id"] == sheet_id
    assert c.get(f"/factsheets/{sheet_id}", headers=auth("staff")).status_code == 200
    assert c.get(f"/factsheets/{sheet_id}", headers=auth("public")).status_code == 404
    assert c.get("/factsheets/0123456789abcdef0123456789abcdef").status_code == 404
    assert c.get("/factsheets/..%2Fapi_keys").status_code == 404

    # edit: editors only
    body = {k: v for k, v in sheet.items() if k not in {"markdown", "trace", "id"}}
    body["sections"][0]["sentences"].append({"text": "Added by the editor.", "citations": [1]})
    assert c.put(f"/factsheets/{sheet_id}", json=body, headers=auth("staff")).status_code == 403
    assert c.put(f"/factsheets/{sheet_id}", json=body, headers=auth("member")).status_code == 403
    r = c.put(f"/factsheets/{sheet_id}", json=body, headers=auth("editor"))
    assert r.status_code == 200, r.text
    saved = r.json()
    assert saved["id"] == sheet_id
    assert "Added by the editor" in saved["markdown"]
    assert "Added by the editor" in c.get(f"/factsheets/{sheet_id}", headers=auth("member")).json()["markdown"]

    # export
    r = c.get(f"/factsheets/{sheet_id}/export", params={"format": "md"}, headers=auth("member"))
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/markdown")
    assert "filename" in r.headers["content-disposition"] and ".md" in r.headers["content-disposition"]
    assert "Added by the editor" in r.text

    r = c.get(f"/factsheets/{sheet_id}/export", params={"format": "docx"}, headers=auth("member"))
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/vnd.openxmlformats-officedocument")
    assert ".docx" in r.headers["content-disposition"]
    from docx import Document

    doc = Document(io.BytesIO(r.content))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "Added by the editor" in text and "[1]" in text

    r = c.get(f"/factsheets/{sheet_id}/export", params={"format": "pdf"}, headers=auth("member"))
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    assert ".pdf" in r.headers["content-disposition"]
    from pypdf import PdfReader

    pdf_text = "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(r.content)).pages)
    assert "Added by the editor" in " ".join(pdf_text.split())

    assert c.get(f"/factsheets/{sheet_id}/export", params={"format": "xls"}).status_code == 422
    assert c.get(f"/factsheets/{sheet_id}/export", params={"format": "md"}, headers=auth("public")).status_code == 404


def test_factsheet_public_draft_cites_only_public(sheets_client: TestClient, corpus: Corpus) -> None:
    r = sheets_client.post("/factsheets", json={"topic": "waste collection"})
    assert r.status_code == 200, r.text
    hidden = {d.doc_id for d in corpus.hidden_from(["public"])}
    assert not {c["doc_id"] for c in r.json()["citations"]} & hidden
    assert sheets_client.get(f"/factsheets/{r.json()['id']}").status_code == 200


# -- document summary and file ----------------------------------------------------------------------------


def test_summary_of_visible_document_is_cited(client: TestClient, corpus: Corpus) -> None:
    doc = corpus.visible_to(["public"])[0]
    r = client.get(f"/documents/{doc.doc_id}/summary", headers=auth("public"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["doc_id"] == doc.doc_id and body["summary"]
    assert body["sentences"] and all(s["citations"] for s in body["sentences"])
    numbers = {c["n"] for c in body["citations"]}
    assert {n for s in body["sentences"] for n in s["citations"]} <= numbers
    for c in body["citations"]:
        assert c["doc_id"] == doc.doc_id and c["chunk_id"]
        assert c["quote"] in doc.text.replace("\n", " ") or c["quote"].split()[0] in doc.text
    assert body["grounded"] is True and body["backend"] == "extractive"
    # cached: the second call answers the same
    assert client.get(f"/documents/{doc.doc_id}/summary", headers=auth("public")).json() == body


def test_summary_of_hidden_document_is_404(client: TestClient, corpus: Corpus) -> None:
    doc = corpus.visible_to(["internal"])[0]
    for role in (None, "public", "member"):
        r = client.get(f"/documents/{doc.doc_id}/summary", headers=auth(role))
        assert r.status_code == 404
        assert r.json()["error"]["type"] == "NotFound"
        assert doc.secrets[0] not in r.text
    assert client.get(f"/documents/{doc.doc_id}/summary", headers=auth("staff")).status_code == 200
    assert client.get("/documents/no-such-doc/summary").status_code == 404


def test_document_file(client: TestClient, corpus: Corpus) -> None:
    doc = corpus.visible_to(["public"])[0]
    r = client.get(f"/documents/{doc.doc_id}/file")
    assert r.status_code == 200, r.text
    assert r.content.decode("utf-8") == doc.text
    assert f"filename*=UTF-8''{doc.name}" in r.headers["content-disposition"]
    hidden = corpus.visible_to(["internal"])[0]
    assert client.get(f"/documents/{hidden.doc_id}/file", headers=auth("public")).status_code == 404
    assert client.get(f"/documents/{hidden.doc_id}/file", headers=auth("staff")).status_code == 200
    assert client.get("/documents/no-such-doc/file").status_code == 404


# -- /exchanges?doc_id= ------------------------------------------------------------------------------------


def test_exchanges_of_one_document(client: TestClient, corpus: Corpus) -> None:
    doc = corpus.visible_to(["public"])[0]
    r = client.get("/exchanges", params={"doc_id": doc.doc_id})
    assert r.status_code == 200, r.text
    for ex in r.json()["exchanges"]:
        assert doc.doc_id in {s["doc_id"] for s in ex["sources"]}
    hidden = corpus.visible_to(["internal"])[0]
    assert client.get("/exchanges", params={"doc_id": hidden.doc_id}).json()["exchanges"] == []
    assert client.get("/exchanges").status_code == 422


_KISUMU = """---
visibility: public
---
# Report: Regional Workshop on Flood Resilience and Nature-based Solutions, Kisumu, 12–14 May 2025

From 12 to 14 May 2025, participants from Kisumu and Mombasa (Kenya) and from Bonn met in Kisumu to exchange
experience on heavy rain, flooding and nature-based solutions. The workshop was hosted by the City of Kisumu.
"""
_AMMAN = """---
visibility: members
---
# Bericht: Workshop Hitzeaktionsplanung in Amman, 6.–8. November 2023

Vom 6.–8. November 2023 fand in Amman ein Workshop zur Hitzeaktionsplanung statt: Hitzewellen, Schatten,
Trinkwasser und Hitzewarnung. Es nahmen Fachleute aus Amman, Irbid und Mannheim teil.
"""


def test_exchanges_recorded_in_a_document(tmp_path: Path, make_client) -> None:  # type: ignore[no-untyped-def]
    from tests.api.conftest import GenDoc, build_corpus

    docs = [GenDoc(name="kisumu.md", visibility="public", title="Kisumu", text=_KISUMU),
            GenDoc(name="amman.md", visibility="members", title="Amman", text=_AMMAN)]
    small = build_corpus(tmp_path, docs=docs)
    try:
        c = make_client(small)
        kisumu, amman = docs
        r = c.get("/exchanges", params={"doc_id": kisumu.doc_id})
        assert r.status_code == 200, r.text
        exchanges = r.json()["exchanges"]
        assert exchanges
        for ex in exchanges:
            assert {s["doc_id"] for s in ex["sources"]} == {kisumu.doc_id}
        assert c.get("/exchanges", params={"doc_id": amman.doc_id}).json()["exchanges"] == []
        members = c.get("/exchanges", params={"doc_id": amman.doc_id}, headers=auth("member")).json()["exchanges"]
        assert members and all(s["doc_id"] == amman.doc_id for ex in members for s in ex["sources"])
    finally:
        small.services.close()
