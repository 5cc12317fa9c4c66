"""Every endpoint's happy path and its errors (401/403/404/413/415/422/429), through TestClient."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.deps import services_dep
from tests.api.conftest import KEYS, Corpus, auth, wait_for_job

# -- service ---------------------------------------------------------------------------------------


def test_health_needs_no_key_and_loads_no_model(client: TestClient, corpus: Corpus) -> None:
    r = client.get("/health")
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "ok"
    assert body["index"]["engine"] == "qdrant-edge"
    assert body["index"]["points"] >= len(corpus.docs)
    assert body["embedder"] == corpus.settings.embedder
    assert body["llm"]["backend"] == "extractive" and body["llm"]["ready"] is True


def test_openapi_documents_every_endpoint(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    paths = spec["paths"]
    for path, method in [("/health", "get"), ("/documents", "get"), ("/documents", "post"),
                         ("/documents/{doc_id}", "get"), ("/documents/{doc_id}", "delete"),
                         ("/jobs/{job_id}", "get"), ("/search", "post"), ("/stats", "get")]:
        assert method in paths[path], (path, method)
        assert paths[path][method].get("description"), f"{method} {path} has no docstring"
    upload = paths["/documents"]["post"]["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert set(upload["properties"]) == {"files", "visibility"}
    assert {"HTTPBearer", "APIKeyHeader"} <= set(spec["components"]["securitySchemes"])
    assert client.get("/docs").status_code == 200


def test_unknown_route_is_json_404(client: TestClient) -> None:
    r = client.get("/nope")
    assert r.status_code == 404
    assert r.json()["error"]["type"] == "NotFound"


def test_unexpected_errors_are_500_without_traceback(make_client, corpus: Corpus) -> None:  # type: ignore[no-untyped-def]
    class Broken:
        def stats(self, **_: object) -> None:
            raise RuntimeError("secret internal detail /srv/path")

    tc = make_client(corpus)
    tc.app.dependency_overrides[services_dep] = lambda: Broken()
    r = tc.get("/stats")
    assert r.status_code == 500
    assert r.json() == {"error": {"type": "InternalError", "message": "internal server error"}}
    assert "Traceback" not in r.text and "secret internal detail" not in r.text


# -- auth ------------------------------------------------------------------------------------------


def test_both_key_headers_work(client: TestClient) -> None:
    r1 = client.get("/stats", headers={"Authorization": f"Bearer {KEYS['staff']}"})
    r2 = client.get("/stats", headers={"X-API-Key": KEYS["staff"]})
    assert r1.status_code == r2.status_code == 200
    assert r1.json() == r2.json()
    assert r1.json()["documents"] == 12


@pytest.mark.parametrize("headers", [
    {"Authorization": "Bearer not-a-key"},
    {"X-API-Key": "not-a-key"},
    {"Authorization": "Basic dXNlcjpwYXNz"},
    {"Authorization": f"Bearer {KEYS['staff']}x"},
])
def test_unknown_or_malformed_key_is_401(client: TestClient, headers: dict[str, str]) -> None:
    r = client.post("/search", json={"query": "flood"}, headers=headers)
    assert r.status_code == 401
    assert r.json()["error"]["type"] == "Unauthorized"
    assert r.headers["www-authenticate"].startswith("Bearer")
    assert "not-a-key" not in r.text


def test_no_key_is_401_when_anonymous_access_is_off(make_client, corpus: Corpus) -> None:  # type: ignore[no-untyped-def]
    tc = make_client(corpus, anonymous_access=False)
    assert tc.post("/search", json={"query": "flood"}).status_code == 401
    assert tc.get("/documents").status_code == 401
    assert tc.post("/search", json={"query": "flood"}, headers=auth("public")).status_code == 200
    assert tc.get("/health").status_code == 200


@pytest.mark.parametrize("role", [None, "public", "member", "staff"])
def test_writes_need_the_editor_role(client: TestClient, corpus: Corpus, role: str | None) -> None:
    doc = corpus.docs[0]
    files = {"files": ("a.txt", b"hello world, a small text", "text/plain")}
    r = client.post("/documents", files=files, headers=auth(role))
    assert r.status_code == 403, r.text
    assert r.json()["error"]["type"] == "Forbidden"
    assert client.delete(f"/documents/{doc.doc_id}", headers=auth(role)).status_code == 403
    assert client.get(f"/jobs/{'0' * 32}", headers=auth(role)).status_code == 403
    assert client.get(f"/documents/{doc.doc_id}", headers=auth("staff")).status_code == 200


def test_rate_limit_is_per_key_and_answers_429(make_client, corpus: Corpus) -> None:  # type: ignore[no-untyped-def]
    tc = make_client(corpus, rate_limit_per_minute=3)
    for _ in range(3):
        assert tc.get("/stats", headers=auth("member")).status_code == 200
    r = tc.get("/stats", headers=auth("member"))
    assert r.status_code == 429
    assert r.json()["error"]["type"] == "RateLimited"
    assert int(r.headers["retry-after"]) >= 1
    assert tc.get("/stats", headers=auth("staff")).status_code == 200, "another key has its own bucket"


def test_cors_headers_come_from_settings(make_client, corpus: Corpus) -> None:  # type: ignore[no-untyped-def]
    tc = make_client(corpus, cors_origins="http://127.0.0.1:8501,http://localhost:8501")
    r = tc.options("/search", headers={"Origin": "http://localhost:8501", "Access-Control-Request-Method": "POST",
                                       "Access-Control-Request-Headers": "authorization,content-type"})
    assert r.status_code == 200
    assert r.headers["access-control-allow-origin"] == "http://localhost:8501"
    r = tc.get("/health", headers={"Origin": "http://evil.example"})
    assert "access-control-allow-origin" not in r.headers


# -- search ----------------------------------------------------------------------------------------


def test_search_returns_the_search_contract(client: TestClient, corpus: Corpus) -> None:
    r = client.post("/search", json={"query": "flood early warning sensors", "k": 3, "facets": True},
                    headers=auth("staff"))
    assert r.status_code == 200
    body = r.json()
    assert body["query"] == "flood early warning sensors"
    assert 1 <= len(body["results"]) <= 3
    first = body["results"][0]
    for key in ("rank", "score", "doc_id", "source", "title", "chunk_id", "text", "metadata"):
        assert key in first
    assert "flood" in first["text"].lower()
    assert set(body["facets"]) >= {"doc_type", "language"}


def test_search_filters_and_per_doc(client: TestClient, corpus: Corpus) -> None:
    target = next(d for d in corpus.docs if d.visibility == "members")
    r = client.post("/search", json={"query": "project budget", "k": 10, "per_doc": True,
                                     "filters": {"doc_id": [target.doc_id]}}, headers=auth("member"))
    assert r.status_code == 200
    results = r.json()["results"]
    assert results and {x["doc_id"] for x in results} == {target.doc_id}
    assert len(results) == 1
    r = client.post("/search", json={"query": "project", "filters": {"visibility": ["members"]}, "k": 20},
                    headers=auth("staff"))
    assert {x["metadata"]["visibility"] for x in r.json()["results"]} == {"members"}


@pytest.mark.parametrize("body", [
    {},
    {"query": ""},
    {"query": "x", "k": 0},
    {"query": "x", "k": 1000},
    {"query": "x", "filters": {"year": "not a year"}},
    {"query": "x", "unknown": 1},
    {"query": "x", "filters": {"colour": "red"}},
])
def test_search_validation_is_422(client: TestClient, body: dict) -> None:
    r = client.post("/search", json=body)
    assert r.status_code == 422, r.text
    err = r.json()["error"]
    assert err["type"] == "ValidationError" and err["message"]


def test_search_rejects_oversized_bodies(make_client, corpus: Corpus) -> None:  # type: ignore[no-untyped-def]
    tc = make_client(corpus, max_request_bytes=2048)
    r = tc.post("/search", json={"query": "x" * 4000})
    assert r.status_code == 413
    assert r.json()["error"]["type"] == "FileTooLarge"

    def chunked():  # no Content-Length: the body is counted as it streams
        yield b'{"query": "'
        for _ in range(10):
            yield b"y" * 1000
        yield b'"}'

    r = tc.post("/search", content=chunked(), headers={"Content-Type": "application/json"})
    assert r.status_code == 413


# -- documents -------------------------------------------------------------------------------------


def test_list_documents_pages_with_offset_and_cursor(client: TestClient, corpus: Corpus) -> None:
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 5, **({"cursor": cursor} if cursor else {})}
        page = client.get("/documents", params=params, headers=auth("staff")).json()
        assert page["total"] == 12 and len(page["items"]) <= 5
        seen += [i["doc_id"] for i in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(d.doc_id for d in corpus.docs)
    by_offset = []
    for offset in (0, 5, 10):
        page = client.get("/documents", params={"limit": 5, "offset": offset}, headers=auth("staff")).json()
        by_offset += [i["doc_id"] for i in page["items"]]
    assert by_offset == seen
    assert client.get("/documents", params={"offset": 50}, headers=auth("staff")).json()["items"] == []


def test_list_documents_filters(client: TestClient, corpus: Corpus) -> None:
    page = client.get("/documents", params={"visibility": "members,internal", "limit": 50},
                      headers=auth("staff")).json()
    assert page["total"] == 8
    assert {i["visibility"] for i in page["items"]} == {"members", "internal"}
    first = page["items"][0]
    for key in ("doc_id", "title", "source", "doc_type", "language", "visibility", "n_chunks", "format"):
        assert key in first
    two = [d.doc_id for d in corpus.docs[:2]]
    page = client.get("/documents", params=[("doc_id", two[0]), ("doc_id", two[1])], headers=auth("staff")).json()
    assert sorted(i["doc_id"] for i in page["items"]) == sorted(two)


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 1000}, {"offset": -1}, {"year": "soon"}])
def test_list_documents_validation_is_422(client: TestClient, params: dict) -> None:
    assert client.get("/documents", params=params).status_code == 422


def test_bad_cursor_is_400(client: TestClient) -> None:
    r = client.get("/documents", params={"cursor": "nonsense"})
    assert r.status_code == 400 and r.json()["error"]["type"] == "InvalidInput"


def test_get_document_returns_metadata_and_chunks(client: TestClient, corpus: Corpus) -> None:
    doc = corpus.docs[0]
    r = client.get(f"/documents/{doc.doc_id}")
    assert r.status_code == 200
    body = r.json()
    assert body["doc_id"] == doc.doc_id and body["title"] == doc.title and body["visibility"] == "public"
    assert body["chunks"] and [c["chunk_index"] for c in body["chunks"]] == list(range(len(body["chunks"])))
    assert body["n_chunks"] == len(body["chunks"])
    assert "worked together" in " ".join(c["text"] for c in body["chunks"])


def test_unknown_document_and_job_are_404(client: TestClient) -> None:
    assert client.get("/documents/does-not-exist").json()["error"]["type"] == "NotFound"
    assert client.get("/documents/does-not-exist").status_code == 404
    assert client.delete("/documents/does-not-exist", headers=auth("editor")).status_code == 404
    assert client.get(f"/jobs/{'a' * 32}", headers=auth("editor")).status_code == 404
    assert client.get("/jobs/..%2f..%2fetc", headers=auth("editor")).status_code == 404


def test_upload_poll_search_delete(make_client, writable: Corpus) -> None:  # type: ignore[no-untyped-def]
    tc = make_client(writable)
    ed = auth("editor")
    docx = _docx_bytes("Wasserstoff in Kiel", "Die Stadt Kiel baut einen Elektrolyseur für grünen Wasserstoff am Hafen.")
    files = [
        ("files", ("kiel.docx", docx, "application/octet-stream")),
        ("files", ("notes.md", b"# Zanzibar notes\n\nThe quixotic zanzibar ferry runs on hydrogen.\n", "text/markdown")),
        ("files", ("page.html", (b"<html><head><title>Bonn news</title></head><body><h1>Bonn news</h1>"
                                 b"<p>Bonn opens a new cycling bridge over the Rhine for commuters.</p></body></html>"),
                   "text/html")),
        ("files", ("broken.pdf", b"%PDF-1.7\n1 0 obj <<>> garbage and nothing else", "application/pdf")),
    ]
    r = tc.post("/documents", files=files, data={"visibility": "members"}, headers=ed)
    assert r.status_code == 202, r.text
    accepted = r.json()
    assert accepted["status"] == "queued" and accepted["status_url"] == f"/jobs/{accepted['job_id']}"
    assert [f["content_type"] for f in accepted["files"]] == ["docx", "text", "html", "pdf"]

    job = wait_for_job(tc, accepted["job_id"], ed)
    assert job["status"] == "done", job
    by_name = {f["name"]: f for f in job["files"]}
    assert by_name["kiel.docx"]["status"] == "indexed" and by_name["kiel.docx"]["chunks"] >= 1
    assert by_name["notes.md"]["status"] == "indexed" and len(by_name["notes.md"]["doc_ids"]) == 1
    assert by_name["broken.pdf"]["status"] == "failed" and by_name["broken.pdf"]["detail"]
    assert job["report"]["indexed"] == 3 and len(job["report"]["failed"]) == 1
    assert job["done"] == job["total"] == 4

    doc_id = by_name["notes.md"]["doc_ids"][0]
    hit = tc.post("/search", json={"query": "zanzibar ferry", "k": 1}, headers=auth("member")).json()["results"]
    assert hit and hit[0]["doc_id"] == doc_id and hit[0]["metadata"]["visibility"] == "members"
    assert not [x for x in tc.post("/search", json={"query": "zanzibar ferry"}).json()["results"]
                if x["doc_id"] == doc_id], "members-only upload is hidden from public"
    stored = Path(hit[0]["source"])
    assert stored.name == "notes.md" and stored.parent.name == accepted["job_id"]

    r = tc.delete(f"/documents/{doc_id}", headers=ed)
    assert r.status_code == 200 and r.json()["deleted_chunks"] >= 1
    assert tc.get(f"/documents/{doc_id}", headers=ed).status_code == 404
    assert tc.delete(f"/documents/{doc_id}", headers=ed).status_code == 404


def test_upload_errors(make_client, writable: Corpus) -> None:  # type: ignore[no-untyped-def]
    tc = make_client(writable)
    ed = auth("editor")
    r = tc.post("/documents", data={"visibility": "members"}, files={"other": ("", b"", "text/plain")}, headers=ed)
    assert r.status_code == 422, r.text
    r = tc.post("/documents", files={"files": ("a.txt", b"some text here", "text/plain")},
                data={"visibility": "secret"}, headers=ed)
    assert r.status_code == 422 and "visibility" in r.json()["error"]["message"]
    r = tc.post("/documents", json={"files": []}, headers=ed)
    assert r.status_code == 415
    assert not any((writable.settings.data_dir / "uploads").glob("*/*")), "refused uploads leave nothing behind"


def _docx_bytes(title: str, text: str) -> bytes:
    import docx

    d = docx.Document()
    d.add_heading(title, level=1)
    d.add_paragraph(text)
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def test_job_state_is_readable_from_disk(make_client, writable: Corpus) -> None:  # type: ignore[no-untyped-def]
    tc = make_client(writable)
    ed = auth("editor")
    r = tc.post("/documents", files={"files": ("x.txt", b"A short plain text about Bonn bridges.", "text/plain")},
                headers=ed)
    job = wait_for_job(tc, r.json()["job_id"], ed)
    on_disk = json.loads((writable.settings.data_dir / "uploads" / job["id"] / ".job.json").read_text())
    assert on_disk["status"] == "done" and on_disk["files"][0]["status"] == "indexed"
