"""The store interface on both engines: Qdrant Edge and qdrant-client (in-process, the server code path).

Every test runs on real engines with the same synthetic data (seeded random
dense vectors, BM25 sparse vectors from the real encoder, payloads shaped like
ingest's). Expected filter results are computed in Python from the payloads,
and a separate test checks that both engines return the same rankings. Only
the distributed-mode collection settings are checked against a fake Qdrant
HTTP server, since no Qdrant server can run here.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from core.errors import IndexLocked, UpstreamError
from core.filters import DateRange, Filter, IsEmpty, Match, MatchAny, Range
from core.settings import Settings
from core.sparse import SparseEncoder, SparseVec
from core.store import PAYLOAD_INDEXES, Hit, PointData, Prefetch, Store, open_store
from tests.conftest import ENGINES, ROOT, make_settings

DIM = 16
N = 48
DOC_TYPES = ["call", "report", "news", "strategy"]
CITIES = ["Leipzig", "Kisumu", "Kiel", "Lyon", "Accra", "Tunis"]
WORDS_DE = ["Hochwasser", "Starkregen", "Frühwarnsystem", "Wasserstoff", "Budget", "Hitze", "Bäume", "Partnerschaft", "Sensoren", "Fluss"]
WORDS_EN = ["flood", "warning", "sensor", "network", "hydrogen", "budget", "heat", "trees", "partnership", "river"]
NAMESPACE = uuid.UUID("5b0c1f4e-3f5e-4a53-9c39-0d2f6f7a1c11")


# -- data ------------------------------------------------------------------------------------------


def _points() -> list[PointData]:
    rng = np.random.default_rng(7)
    encoder = SparseEncoder()
    points = []
    for i in range(N):
        lang = "de" if i % 2 else "en"
        words = WORDS_DE if lang == "de" else WORDS_EN
        text = " ".join([*rng.choice(words, size=int(rng.integers(4, 12))), *(f"lorem{'x' * j}" for j in range(i))])
        year = 2021 + i % 5
        deadline = None if i % 3 == 0 else date(2026, 1 + i % 12, 1 + i % 27).isoformat()
        payload: dict[str, Any] = {
            "kind": "chunk",
            "doc_id": f"doc-{i // 3:02d}",
            "source": f"docs/file-{i // 3:02d}.md",
            "doc_type": DOC_TYPES[i % 4],
            "language": lang,
            "visibility": ("public", "members", "internal")[i % 3],
            "cities": sorted({CITIES[(i * 7) % 6], CITIES[(i * 5) % 6]}) if i % 4 else [],
            "topics": ["water"] if i % 2 else ["energy"],
            "year": year,
            "published": date(year, 1 + i % 12, 1 + i % 28).isoformat(),
            "deadline": deadline,
            "event_dates": [date(2025, 5, 12 + i % 3).isoformat()] if i % 5 == 0 else [],
            "chunk_index": i % 3,
            "text": text,
        }
        vec = rng.normal(size=DIM).astype(np.float32)
        sparse = encoder.encode_document(text, lang)
        # BM25 values depend on term counts only, so two points with the same counts of the query's terms tie,
        # and each engine orders ties its own way (which moves their RRF ranks). A per-point scale keeps every
        # score distinct, so the cross-engine comparison below is exact instead of flaky.
        sparse = SparseVec(indices=list(sparse.indices), values=[v * (1 + i / 1000) for v in sparse.values])
        points.append(PointData(
            id=str(uuid.uuid5(NAMESPACE, str(i))), dense=vec / np.linalg.norm(vec), sparse=sparse, payload=payload,
        ))
    return points


POINTS = _points()
BY_ID = {p.id: p for p in POINTS}


def _query_vectors(seed: int = 11) -> tuple[np.ndarray, SparseVec]:
    rng = np.random.default_rng(seed)
    dense = rng.normal(size=DIM).astype(np.float32)
    return dense / np.linalg.norm(dense), SparseEncoder().encode_query("Hochwasser Frühwarnsystem Sensoren", "de")


def _open(tmp_path: Path, engine: str, **overrides: object) -> Store:
    return open_store(make_settings(tmp_path, engine, **overrides))


def _filled(tmp_path: Path, engine: str) -> Store:
    s = _open(tmp_path, engine)
    s.ensure(DIM)
    s.upsert(POINTS)
    s.flush()
    return s


@pytest.fixture
def store(tmp_path: Path, engine: str) -> Iterator[Store]:
    """A fresh collection on ``engine`` holding POINTS, for tests that write."""
    s = _filled(tmp_path, engine)
    yield s
    s.close()


@pytest.fixture(scope="module", params=ENGINES)
def ro_store(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """One collection per engine holding POINTS, shared by the read-only tests (creating one takes seconds)."""
    s = _filled(tmp_path_factory.mktemp(f"store-{request.param}"), str(request.param))
    yield s
    s.close()


# -- a Python model of the filter semantics ------------------------------------------------------


def _values(payload: dict[str, Any], key: str) -> list[Any]:
    value = payload.get(key)
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _holds(cond: Any, payload: dict[str, Any]) -> bool:
    if isinstance(cond, Filter):
        return _matches(cond, payload)
    values = _values(payload, cond.key)
    if isinstance(cond, Match):
        return cond.value in values
    if isinstance(cond, MatchAny):
        return any(v in values for v in cond.values)
    if isinstance(cond, Range):
        return any(
            (cond.gte is None or v >= cond.gte) and (cond.lte is None or v <= cond.lte)
            and (cond.gt is None or v > cond.gt) and (cond.lt is None or v < cond.lt)
            for v in values
        )
    if isinstance(cond, DateRange):
        days = [date.fromisoformat(str(v)[:10]) for v in values]
        return any((cond.gte is None or d >= cond.gte) and (cond.lte is None or d <= cond.lte) for d in days)
    if isinstance(cond, IsEmpty):
        return not values
    raise TypeError(cond)


def _matches(flt: Filter | None, payload: dict[str, Any]) -> bool:
    if flt is None:
        return True
    return (
        all(_holds(c, payload) for c in flt.must)
        and (not flt.should or any(_holds(c, payload) for c in flt.should))
        and not any(_holds(c, payload) for c in flt.must_not)
    )


def _expected(flt: Filter | None) -> set[str]:
    return {p.id for p in POINTS if _matches(flt, p.payload)}


FILTERS: dict[str, Filter] = {
    "match-keyword": Filter(must=[Match("doc_type", "call")]),
    "match-int": Filter(must=[Match("chunk_index", 0)]),
    "match-list": Filter(must=[Match("cities", "Kisumu")]),
    "match-any": Filter(must=[MatchAny("doc_type", ("call", "news"))]),
    "match-any-list": Filter(must=[MatchAny("cities", ("Kiel", "Accra"))]),
    "range": Filter(must=[Range("year", gte=2022, lte=2024)]),
    "range-open-strict": Filter(must=[Range("year", gt=2023)]),
    "date-range": Filter(must=[DateRange("published", gte=date(2022, 3, 1), lte=date(2024, 6, 30))]),
    "open-deadline": Filter(must=[DateRange("deadline", gte=date(2026, 6, 1))]),
    "deadline-until": Filter(must=[DateRange("deadline", lte=date(2026, 3, 31))]),
    "date-list": Filter(must=[DateRange("event_dates", gte=date(2025, 5, 13), lte=date(2025, 5, 13))]),
    "is-empty-null": Filter(must=[IsEmpty("deadline")]),
    "is-empty-list": Filter(must=[IsEmpty("cities")]),
    "must-not": Filter(must_not=[Match("visibility", "internal")]),
    "nested": Filter(
        must=[Match("language", "de"), Filter(should=[Match("doc_type", "call"), Range("year", gte=2025)])],
        must_not=[IsEmpty("cities")],
    ),
    "should": Filter(should=[Match("cities", "Lyon"), Match("doc_type", "strategy")]),
}


def test_filters_are_meaningful() -> None:
    """Every filter selects some points but not all, so the checks below can fail."""
    for name, flt in FILTERS.items():
        assert 0 < len(_expected(flt)) < N, name


# -- ensure, upsert, count, retrieve -------------------------------------------------------------


def test_ensure_upsert_count_retrieve(store: Store) -> None:
    assert store.dim == DIM
    assert store.count() == N
    store.ensure(DIM)  # idempotent
    info = store.info()
    assert info.points == N and info.dim == DIM
    wanted = [POINTS[3].id, POINTS[10].id, str(uuid.uuid4())]  # the last one does not exist
    hits = {h.id: h for h in store.retrieve(wanted, with_vectors=True)}
    assert set(hits) == set(wanted[:2])
    for pid, hit in hits.items():
        point = BY_ID[pid]
        assert hit.payload == point.payload
        assert hit.dense is not None and np.allclose(hit.dense, point.dense, atol=1e-6)
        assert hit.sparse is not None
        assert dict(zip(hit.sparse.indices, hit.sparse.values)) == pytest.approx(
            dict(zip(point.sparse.indices, point.sparse.values)))
    assert all(h.dense is None for h in store.retrieve(wanted[:2]))
    # Upsert overwrites by id.
    changed = PointData(POINTS[3].id, POINTS[3].dense, POINTS[3].sparse, {**POINTS[3].payload, "doc_type": "invitation"})
    store.upsert([changed])
    assert store.count() == N
    assert store.retrieve([POINTS[3].id])[0].payload["doc_type"] == "invitation"


@pytest.mark.parametrize("name", sorted(FILTERS))
def test_filters(ro_store: Store, name: str) -> None:
    flt = FILTERS[name]
    expected = _expected(flt)
    assert ro_store.count(flt) == len(expected)
    assert {h.id for h in ro_store.iter_all(filter=flt, page=5)} == expected
    dense, sparse = _query_vectors()
    for prefetches in ([Prefetch("dense", dense, limit=N)],
                       [Prefetch("dense", dense, limit=N), Prefetch("sparse", sparse, limit=N)]):
        hits = ro_store.query(prefetches, limit=N, filter=flt)
        assert {h.id for h in hits} <= expected
    assert {h.id for h in ro_store.query([Prefetch("dense", dense, limit=N)], limit=N, filter=flt)} == expected
    # A prefetch's own filter applies too (the visibility filter travels this way).
    hits = ro_store.query([Prefetch("dense", dense, limit=N, filter=flt)], limit=N)
    assert {h.id for h in hits} == expected


# -- hybrid query and fusion ---------------------------------------------------------------------


def _weighted_rrf(lists: list[list[Hit]], weights: list[float], k: int) -> dict[str, float]:
    """Qdrant's weighted RRF: sum over lists of 1 / ((rank + 1) / w + k - 1), rank from 0."""
    scores: dict[str, float] = {}
    for hits, w in zip(lists, weights):
        for rank, hit in enumerate(hits):
            scores[hit.id] = scores.get(hit.id, 0.0) + 1.0 / ((rank + 1) / w + k - 1)
    return scores


@pytest.mark.parametrize(("weights", "k"), [((1.0, 1.0), 2), ((3.0, 0.5), 2), ((0.25, 1.0), 60)])
def test_hybrid_rrf_with_weights(ro_store: Store, weights: tuple[float, float], k: int) -> None:
    dense, sparse = _query_vectors()
    limit = 20
    dense_hits = ro_store.query([Prefetch("dense", dense, limit=limit)], limit=limit)
    sparse_hits = ro_store.query([Prefetch("sparse", sparse, limit=limit)], limit=limit)
    assert len(dense_hits) == limit and 3 <= len(sparse_hits) <= limit
    assert [h.score for h in dense_hits] == sorted((h.score for h in dense_hits), reverse=True)
    fused = ro_store.query(
        [Prefetch("dense", dense, limit=limit, weight=weights[0]), Prefetch("sparse", sparse, limit=limit, weight=weights[1])],
        limit=10, fusion="rrf", rrf_k=k,
    )
    expected = _weighted_rrf([dense_hits, sparse_hits], list(weights), k)
    assert len(fused) == 10
    for hit in fused:
        assert hit.score == pytest.approx(expected[hit.id], rel=1e-4)
    best = sorted(expected.values(), reverse=True)[:10]
    assert [h.score for h in fused] == pytest.approx(best, rel=1e-4)


def test_rrf_weights_move_the_ranking(ro_store: Store) -> None:
    dense, sparse = _query_vectors()
    top_dense = ro_store.query([Prefetch("dense", dense)], limit=1)[0].id
    top_sparse = ro_store.query([Prefetch("sparse", sparse)], limit=1)[0].id
    assert top_dense != top_sparse

    def top(wd: float, ws: float) -> str:
        return ro_store.query([Prefetch("dense", dense, weight=wd), Prefetch("sparse", sparse, weight=ws)],
                           limit=1, rrf_k=2)[0].id

    assert top(10.0, 0.1) == top_dense
    assert top(0.1, 10.0) == top_sparse


def test_hybrid_dbsf(ro_store: Store) -> None:
    dense, sparse = _query_vectors()
    pfs = [Prefetch("dense", dense, limit=20), Prefetch("sparse", sparse, limit=20)]
    fused = ro_store.query(pfs, limit=10, fusion="dbsf")
    union = {h.id for pf in pfs for h in ro_store.query([pf], limit=20)}
    assert len(fused) == 10 and {h.id for h in fused} <= union
    assert [h.score for h in fused] == sorted((h.score for h in fused), reverse=True)
    # Filters apply to every prefetch of a fused query.
    flt = FILTERS["nested"]
    assert {h.id for h in ro_store.query(pfs, limit=N, fusion="dbsf", filter=flt)} <= _expected(flt)


# -- facets, scroll, delete ----------------------------------------------------------------------


@pytest.mark.parametrize(("key", "flt"), [
    ("doc_type", None), ("doc_type", FILTERS["must-not"]), ("cities", None), ("cities", FILTERS["range"]),
    ("year", FILTERS["match-list"]), ("language", FILTERS["open-deadline"]),
])
def test_facets_with_filters(ro_store: Store, key: str, flt: Filter | None) -> None:
    expected: Counter[Any] = Counter()
    for p in POINTS:
        if _matches(flt, p.payload):
            expected.update(set(_values(p.payload, key)))
    counts = ro_store.facet(key, filter=flt, limit=50)
    assert dict(counts) == dict(expected)
    assert [c for _, c in counts] == sorted((c for _, c in counts), reverse=True)
    assert len(ro_store.facet(key, filter=flt, limit=2)) == min(2, len(expected))


def test_scroll_pages_through_everything(ro_store: Store) -> None:
    seen: list[str] = []
    offset: str | None = None
    pages = 0
    while True:
        hits, offset = ro_store.scroll(limit=7, offset=offset)
        assert len(hits) <= 7
        seen += [h.id for h in hits]
        pages += 1
        if offset is None:
            break
    assert pages == -(-N // 7)
    assert len(seen) == len(set(seen)) == N and set(seen) == set(BY_ID)
    hits, nxt = ro_store.scroll(filter=FILTERS["match-keyword"], limit=100, with_vectors=True)
    assert nxt is None and {h.id for h in hits} == _expected(FILTERS["match-keyword"])
    assert all(h.dense is not None and h.sparse is not None for h in hits)


def test_delete_and_delete_by_filter(store: Store) -> None:
    gone = [POINTS[0].id, POINTS[1].id]
    store.delete(gone)
    assert store.count() == N - 2 and store.retrieve(gone) == []
    flt = Filter(must=[Match("doc_type", "news")])
    left = _expected(flt) - set(gone)
    store.delete_by_filter(flt)
    assert store.count(flt) == 0
    assert store.count() == N - 2 - len(left)
    store.delete([])  # no-op


# -- persistence, dimensions, locking ------------------------------------------------------------


def _ranking(hits: list) -> tuple[list[float], set[str]]:
    """Scores in order plus the ids above the lowest score: RRF ties may come back in any order."""
    scores = [round(h.score, 6) for h in hits]
    return scores, {h.id for h in hits if round(h.score, 6) > min(scores)}


def test_query_can_return_only_named_payload_keys(ro_store: Store) -> None:
    """The facet scope asks for doc ids only: same hits and scores, no chunk text copied out."""
    dense, sparse = _query_vectors(11)
    prefetches = [Prefetch("dense", dense, limit=20), Prefetch("sparse", sparse, limit=N)]
    full = ro_store.query(prefetches, limit=15, rrf_k=2)
    slim = ro_store.query(prefetches, limit=15, rrf_k=2, payload=("doc_id",))
    assert [(h.id, h.score) for h in slim] == [(h.id, h.score) for h in full]
    assert all(set(h.payload) == {"doc_id"} and h.payload["doc_id"] == BY_ID[h.id].payload["doc_id"] for h in slim)
    assert all("text" in h.payload for h in full)


def test_reopen_keeps_points_and_dim(tmp_path: Path, engine: str) -> None:
    """Edge reopens its shard directory; qdrant-client reopens its ``local:`` directory."""
    dense, sparse = _query_vectors()
    pfs = [Prefetch("dense", dense, limit=20), Prefetch("sparse", sparse, limit=20)]
    first = _open(tmp_path, engine)
    first.ensure(DIM)
    first.upsert(POINTS)
    before = _ranking(first.query(pfs, limit=10))
    first.close()
    again = _open(tmp_path, engine)
    try:
        assert again.dim == DIM and again.count() == N
        assert _ranking(again.query(pfs, limit=10)) == before
        assert dict(again.facet("doc_type")) == dict(Counter(p.payload["doc_type"] for p in POINTS))
        with pytest.raises(UpstreamError, match=f"{DIM}-dim"):
            again.ensure(DIM * 2)
    finally:
        again.close()


def test_dimension_mismatch_is_an_error(tmp_path: Path, engine: str) -> None:
    s = _open(tmp_path, engine)
    try:
        s.ensure(DIM)
        with pytest.raises(UpstreamError, match="dim"):
            s.ensure(DIM + 1)
    finally:
        s.close()


def test_empty_store_answers_without_error(tmp_path: Path, engine: str) -> None:
    s = _open(tmp_path, engine)
    try:
        dense, _ = _query_vectors()
        assert s.dim is None and s.count() == 0 and s.query([Prefetch("dense", dense)], limit=5) == []
        assert s.facet("doc_type") == [] and s.scroll() == ([], None) and s.retrieve([POINTS[0].id]) == []
    finally:
        s.close()


def test_second_process_gets_index_locked(tmp_path: Path) -> None:
    """Only one process may open a Qdrant Edge shard; the second gets IndexLocked, not a crash."""
    settings = make_settings(tmp_path, "edge")
    owner = open_store(settings)
    owner.ensure(DIM)
    code = (
        "import sys; sys.path.insert(0, sys.argv[1])\n"
        "from pathlib import Path\n"
        "from core.errors import IndexLocked\n"
        "from core.store.edge import EdgeStore\n"
        "try:\n"
        "    EdgeStore(Path(sys.argv[2]))\n"
        "except IndexLocked as exc:\n"
        "    print('IndexLocked:', exc)\n"
        "else:\n"
        "    print('opened')\n"
    )
    try:
        out = subprocess.run([sys.executable, "-c", code, str(ROOT), str(settings.index_path / "chunks")],
                             capture_output=True, text=True, timeout=120, check=False)
        assert out.stdout.startswith("IndexLocked:"), out.stdout + out.stderr
        assert "another process" in out.stdout
        with pytest.raises(IndexLocked):  # a second opener in the same process too
            open_store(settings)
    finally:
        owner.close()
    reopened = open_store(settings)  # released on close
    assert reopened.dim == DIM
    reopened.close()


def test_concurrent_creators_adopt_the_collection(tmp_path: Path) -> None:
    """API replicas starting together both call ensure(); the second adopts the first one's collection."""
    from qdrant_client import QdrantClient

    from core.store.client import ClientStore

    client = QdrantClient(":memory:")
    first, second = ClientStore(client, "c"), ClientStore(client, "c")
    first.ensure(DIM)
    second.ensure(DIM)
    assert second.dim == DIM
    third = ClientStore(client, "d")
    ClientStore(client, "d").ensure(DIM)
    with pytest.raises(UpstreamError, match="dim"):
        third.ensure(DIM + 1)
    client.close()


# -- both engines agree --------------------------------------------------------------------------


def _assert_same_ranking(a: list[Hit], b: list[Hit]) -> None:
    """Same ids with the same scores, in an order both agree on (equal scores may come in either order)."""
    score_a, score_b = {h.id: h.score for h in a}, {h.id: h.score for h in b}
    assert set(score_a) == set(score_b)
    for pid, score in score_a.items():
        assert score_b[pid] == pytest.approx(score, rel=1e-4, abs=1e-6)
    for order, scores in (([h.id for h in a], score_b), ([h.id for h in b], score_a)):
        ranked = [scores[pid] for pid in order]
        assert all(x >= y - 1e-4 * abs(y) - 1e-6 for x, y in pairwise(ranked))


def test_both_engines_return_identical_results(tmp_path: Path) -> None:
    edge, client = _open(tmp_path / "e", "edge"), _open(tmp_path / "c", "client")
    try:
        for s in (edge, client):
            s.ensure(DIM)
            s.upsert(POINTS)
        for seed in (11, 12, 13):
            dense, sparse = _query_vectors(seed)
            # Sparse prefetches take every match (limit=N): BM25 ties at a cutoff could go either way.
            queries: list[dict[str, Any]] = [
                {"prefetches": [Prefetch("dense", dense)], "limit": 10},
                {"prefetches": [Prefetch("sparse", sparse)], "limit": N},  # all matches: BM25 ties are common
                {"prefetches": [Prefetch("dense", dense, limit=20), Prefetch("sparse", sparse, limit=N)],
                 "limit": N},
                {"prefetches": [Prefetch("dense", dense, limit=20, weight=1.0),
                                Prefetch("sparse", sparse, limit=N, weight=0.25)], "limit": N, "rrf_k": 2},
                {"prefetches": [Prefetch("dense", dense, limit=20), Prefetch("sparse", sparse, limit=N)],
                 "limit": N, "fusion": "dbsf"},
                {"prefetches": [Prefetch("dense", dense, limit=20, filter=FILTERS["must-not"]),
                                Prefetch("sparse", sparse, limit=N)], "limit": N, "filter": FILTERS["nested"]},
            ]
            for q in queries:
                a, b = edge.query(**q), client.query(**q)
                assert a, q
                _assert_same_ranking(a, b)
        for name, flt in FILTERS.items():
            assert edge.count(flt) == client.count(flt), name
            assert dict(edge.facet("doc_type", filter=flt)) == dict(client.facet("doc_type", filter=flt)), name
        assert {h.id for h in edge.iter_all()} == {h.id for h in client.iter_all()}
    finally:
        edge.close()
        client.close()


# -- distributed-mode collection settings --------------------------------------------------------


class _FakeQdrant:
    """Just enough of Qdrant's REST API to record what ``ensure`` sends to a server."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str, Any]] = []
        self.collections: set[str] = set()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def _reply(self, result: Any) -> None:
                body = json.dumps({"result": result, "status": "ok", "time": 0.0}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _body(self) -> Any:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                return json.loads(raw) if raw else None

            def do_GET(self) -> None:
                path = self.path.split("?")[0]
                fake.requests.append(("GET", path, None))
                if path == "/":
                    body = json.dumps({"title": "qdrant - vector search engine", "version": "1.19.1"}).encode()
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                elif path.endswith("/exists"):
                    self._reply({"exists": path.split("/")[2] in fake.collections})
                else:
                    self.send_error(404)

            def do_PUT(self) -> None:
                path = self.path.split("?")[0]
                body = self._body()
                fake.requests.append(("PUT", path, body))
                parts = path.strip("/").split("/")
                if len(parts) == 2:
                    fake.collections.add(parts[1])
                    self._reply(True)
                else:
                    self._reply({"operation_id": len(fake.requests), "status": "completed"})

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.mark.filterwarnings("ignore:Failed to obtain server version")
def test_distributed_collection_settings_reach_the_server() -> None:
    """CCASSIST_SHARD_NUMBER / _REPLICATION_FACTOR / _WRITE_CONSISTENCY_FACTOR go into PUT /collections/{name}."""
    fake = _FakeQdrant()
    try:
        settings = Settings(qdrant_url=fake.url, collection="prod", shard_number=6, replication_factor=2,
                            write_consistency_factor=2, qdrant_timeout_s=5)
        for collection in ("chunks", "exchanges"):
            store = open_store(settings, collection=collection)
            store.ensure(384)
            assert store.dim == 384
            store.close()
        creates = {path: body for method, path, body in fake.requests if method == "PUT" and path.count("/") == 2}
        assert set(creates) == {"/collections/prod_chunks", "/collections/prod_exchanges"}
        for body in creates.values():
            assert body["shard_number"] == 6
            assert body["replication_factor"] == 2
            assert body["write_consistency_factor"] == 2
            assert body["vectors"] == {"dense": {"size": 384, "distance": "Cosine"}}
            assert body["sparse_vectors"] == {"sparse": {"modifier": "idf"}}
        indexes = [b["field_name"] for m, p, b in fake.requests if m == "PUT" and p == "/collections/prod_chunks/index"]
        assert sorted(indexes) == sorted(PAYLOAD_INDEXES)
    finally:
        fake.close()


@pytest.mark.filterwarnings("ignore:Failed to obtain server version")
def test_sentence_rows_reach_the_server_on_disk_with_int8_copies() -> None:
    """A server collection's sentence multivector: float16 rows on disk, no graph, int8 copies in RAM (as in Edge)."""
    fake = _FakeQdrant()
    try:
        store = open_store(Settings(qdrant_url=fake.url, collection="prod", qdrant_timeout_s=5))
        store.ensure(384, sentence_weight=0.5)
        store.close()
        body = next(b for m, p, b in fake.requests if m == "PUT" and p == "/collections/prod_chunks")
        rows = body["vectors"]["sentences"]
        assert rows["multivector_config"] == {"comparator": "max_sim"}
        assert (rows["distance"], rows["datatype"], rows["on_disk"]) == ("Dot", "float16", True)
        assert rows["hnsw_config"] == {"m": 0}
        assert rows["quantization_config"] == {"scalar": {"type": "int8", "quantile": 0.99, "always_ram": True}}
        assert "quantization_config" not in body["vectors"]["dense"]  # CCASSIST_QUANTIZATION=none
    finally:
        fake.close()


def test_quantised_index_finds_each_point_by_its_own_vector(tmp_path: Path, engine: str) -> None:
    """CCASSIST_QUANTIZATION=int8 (quantised vectors in RAM, originals on disk) still ranks a point's own vector first."""
    s = _open(tmp_path, engine, quantization="int8")
    s.ensure(DIM)
    s.upsert(POINTS)
    s.flush()
    s.optimize()
    s.close()
    if engine == "edge":
        config = json.loads(next(tmp_path.rglob("edge_config.json")).read_text())
        assert config["vectors"]["dense"]["quantization_config"]["scalar"]["type"] == "int8"
        assert config["vectors"]["dense"]["memory"] == "cold"  # the originals stay on disk
    s = _open(tmp_path, engine)  # an existing index opens with its own config
    try:
        for point in POINTS[:10]:
            hits = s.query([Prefetch(using="dense", vector=point.dense, limit=3)], limit=3)
            assert hits[0].id == point.id
    finally:
        s.close()
