"""Nothing above a caller's tier ever comes back: not a passage, title, doc_id or facet count.

Documents at public / members / internal carry secret words. Each restricted role (anonymous,
public key, member key) runs well over 100 searches whose best answers are in documents above its
tier: the secret words themselves, hidden titles, questions about hidden content, with and without
facets and per-doc collapse, and with filters that try to force ``visibility=internal``, a hidden
``doc_id`` or ``source``. The same queries as staff must find the hidden documents, so the test
proves it asked the right questions.
"""

from __future__ import annotations

import itertools
import json
from collections import Counter
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.auth import ROLE_VISIBILITY, Role
from tests.api.conftest import Corpus, GenDoc, auth

RESTRICTED = [None, "public", "member"]  # None = anonymous (acts as public)
FACET_FIELDS = ("doc_type", "language", "year", "countries", "topics")


def _allowed(role: str | None) -> list[str]:
    return list(ROLE_VISIBILITY[Role(role or "public")])


def _queries(hidden: list[GenDoc]) -> list[str]:
    out: list[str] = []
    for doc in hidden:
        for secret in doc.secrets:
            out += [
                secret,
                secret.capitalize(),
                f"What is the {secret} project?",
                f"budget of {secret}",
                f"Wer leitet das Projekt {secret.capitalize()}?",
                f"{secret} steering group meeting",
                f"contact {secret}@example.org",
            ]
        out.append(doc.title)
        out.append(f"{doc.title} confidential budget thousand euros")
    out += ["confidential project budget", "steering group meets monthly", "Internal memo", "Members briefing"]
    return out


def _filter_variants(corpus: Corpus, hidden: list[GenDoc]) -> list[dict[str, Any]]:
    first = hidden[0]
    return [
        {},
        {"visibility": ["internal"]},
        {"visibility": ["members", "internal"]},
        {"visibility": "public,members,internal"},
        {"doc_id": [d.doc_id for d in hidden]},
        {"doc_id": [first.doc_id]},
        {"source": [str(corpus.base / "docs" / first.name)]},
        {"language": ["en"]},
    ]


def _visible_facets(corpus: Corpus, client: TestClient, allowed: list[str]) -> dict[str, Counter]:
    """Per facet field: how many visible documents carry each value (read as staff from /documents/{id})."""
    counts: dict[str, Counter] = {f: Counter() for f in FACET_FIELDS}
    for doc in corpus.visible_to(allowed):
        r = client.get(f"/documents/{doc.doc_id}", headers=auth("staff"))
        assert r.status_code == 200
        body = r.json()
        payload = {**body["metadata"], **{k: v for k, v in body.items() if k not in ("metadata", "chunks")}}
        for f in FACET_FIELDS:
            value = payload.get(f)
            for v in value if isinstance(value, list) else [value]:
                if v is not None:
                    counts[f][json.dumps(v)] += 1
    return counts


def _assert_no_leak(body: dict[str, Any], hidden: list[GenDoc], allowed: list[str],
                    visible_facets: dict[str, Counter], context: str) -> None:
    hidden_ids = {d.doc_id for d in hidden}
    hidden_titles = {d.title for d in hidden}
    secrets = [s.lower() for d in hidden for s in d.secrets]
    for r in body["results"]:
        assert r["doc_id"] not in hidden_ids, context
        assert r["title"] not in hidden_titles, context
        assert r["metadata"].get("visibility") in allowed, context
    # Everything the server produced (not the filters it echoes back) is free of secret words.
    produced = json.dumps({"results": body["results"], "facets": body.get("facets", {})}).lower()
    for secret in secrets:
        assert secret not in produced, f"{secret!r} leaked: {context}"
    for hidden_id in hidden_ids:
        assert hidden_id not in produced, f"doc_id leaked: {context}"
    for f, values in body.get("facets", {}).items():
        for fc in values:
            key = json.dumps(fc["value"])
            assert key in visible_facets.get(f, {}), f"facet {f}={fc['value']} exists only in hidden docs: {context}"
            assert fc["count"] <= visible_facets[f][key], f"facet {f}={fc['value']} counts hidden docs: {context}"


@pytest.mark.parametrize("role", RESTRICTED, ids=["anonymous", "public", "member"])
def test_search_never_returns_documents_above_the_tier(client: TestClient, corpus: Corpus, role: str | None) -> None:
    allowed = _allowed(role)
    hidden = corpus.hidden_from(allowed)
    assert hidden, "the corpus must have documents above this tier"
    visible_facets = _visible_facets(corpus, client, allowed)
    queries = _queries(hidden)
    filters = _filter_variants(corpus, hidden)
    options = [(False, False, 5), (True, False, 10), (False, True, 5), (True, True, 20)]
    runs = 0
    for (query, flt), (facets, per_doc, k) in zip(
        itertools.product(queries, filters), itertools.cycle(options)
    ):
        if runs >= 160:
            break
        payload = {"query": query, "k": k, "facets": facets, "per_doc": per_doc, "filters": flt}
        r = client.post("/search", json=payload, headers=auth(role))
        assert r.status_code == 200, r.text
        _assert_no_leak(r.json(), hidden, allowed, visible_facets, f"role={role} {payload}")
        runs += 1
    # Every query once more without filters, all with facets: the most tempting case.
    for query in queries:
        r = client.post("/search", json={"query": query, "k": 20, "facets": True}, headers=auth(role))
        assert r.status_code == 200
        _assert_no_leak(r.json(), hidden, allowed, visible_facets, f"role={role} query={query!r}")
        runs += 1
    assert runs >= 100


@pytest.mark.parametrize("role", RESTRICTED, ids=["anonymous", "public", "member"])
def test_the_queries_do_target_hidden_documents(client: TestClient, corpus: Corpus, role: str | None) -> None:
    """As staff, the leak test's secret-word queries rank a hidden document first: the test is not vacuous."""
    hidden = corpus.hidden_from(_allowed(role))
    hidden_ids = {d.doc_id for d in hidden}
    secret_queries = [s for d in hidden for s in d.secrets]
    top_hidden = 0
    for query in secret_queries:
        r = client.post("/search", json={"query": query, "k": 1}, headers=auth("staff"))
        assert r.status_code == 200
        results = r.json()["results"]
        top_hidden += bool(results) and results[0]["doc_id"] in hidden_ids
    assert top_hidden == len(secret_queries)


@pytest.mark.parametrize("role", RESTRICTED, ids=["anonymous", "public", "member"])
def test_documents_endpoints_hide_documents_above_the_tier(client: TestClient, corpus: Corpus, role: str | None) -> None:
    allowed = _allowed(role)
    hidden = corpus.hidden_from(allowed)
    visible = corpus.visible_to(allowed)
    for doc in hidden:
        r = client.get(f"/documents/{doc.doc_id}", headers=auth(role))
        assert r.status_code == 404
        assert doc.title not in r.text and doc.visibility not in r.json()["error"]["message"]
    for doc in visible:
        assert client.get(f"/documents/{doc.doc_id}", headers=auth(role)).status_code == 200

    for params in [{}, {"visibility": "internal"}, {"visibility": ["members", "internal"]},
                   {"doc_id": [d.doc_id for d in hidden]}, {"limit": 200}, {"offset": 1, "limit": 2}]:
        r = client.get("/documents", params=params, headers=auth(role))
        assert r.status_code == 200, r.text
        page = r.json()
        ids = {item["doc_id"] for item in page["items"]}
        assert not ids & {d.doc_id for d in hidden}, params
        assert all(item["visibility"] in allowed for item in page["items"])
        text = r.text.lower()
        assert not any(s in text for d in hidden for s in d.secrets)
        assert page["total"] <= len(visible)
    everything = client.get("/documents", params={"limit": 200}, headers=auth(role)).json()
    assert everything["total"] == len(visible)
    assert {i["doc_id"] for i in everything["items"]} == {d.doc_id for d in visible}

    stats = client.get("/stats", headers=auth(role)).json()
    assert stats["documents"] == len(visible)
    assert {fc["value"] for fc in stats["by_visibility"]} <= set(allowed)
    assert sum(fc["count"] for fc in stats["by_type"]) == len(visible)


def test_staff_sees_everything(client: TestClient, corpus: Corpus) -> None:
    everything = client.get("/documents", params={"limit": 200}, headers=auth("staff")).json()
    assert everything["total"] == len(corpus.docs)
    stats = client.get("/stats", headers=auth("staff")).json()
    assert stats["documents"] == len(corpus.docs)
    assert {fc["value"]: fc["count"] for fc in stats["by_visibility"]} == {"public": 4, "members": 4, "internal": 4}
