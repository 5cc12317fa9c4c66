"""Sentence vectors: the multivector rows, the engines' MaxSim over them, and ingest + search end to end."""

from __future__ import annotations

import uuid
from pathlib import Path

import numpy as np
import pytest

from api.services import Services
from core.filters import Filter, Range
from core.sentence_vectors import sentence_multivector, sentence_units
from core.sparse import SparseVec
from core.store import SENTENCES, PointData, Prefetch, open_store
from ingest.chunking import context_line
from tests.conftest import make_settings

DIM = 8


def _unit(rng: np.random.Generator, n: int | None = None) -> np.ndarray:
    v = rng.normal(size=(n, DIM) if n else DIM).astype(np.float32)
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def test_units_skip_single_sentences_and_join_beyond_the_cap() -> None:
    assert sentence_units("Die Frist endet am 7. Mai 2026.") == []
    text = " ".join(f"Satz Nummer {i} handelt von Hochwasser in Kisumu." for i in range(10))
    units = sentence_units(text, max_units=4)
    assert len(units) == 4
    assert " ".join(units) == text  # joined in order, nothing lost
    # The German date's full stop does not end the sentence.
    assert sentence_units("Die Frist endet am 7. Mai 2026. Bewerben können sich Städte aus Afrika.") == [
        "Die Frist endet am 7. Mai 2026.", "Bewerben können sich Städte aus Afrika."]


def test_maxsim_over_the_rows_is_the_linear_mix() -> None:
    rng = np.random.default_rng(3)
    q, chunk, sentences = _unit(rng), _unit(rng), _unit(rng, 5)
    for w in (0.0, 0.3, 0.5, 1.0):
        rows = sentence_multivector(chunk, sentences, w)
        assert rows.shape == (5, DIM)
        assert rows.dtype == np.float16  # stored so: half the bytes
        assert float(np.max(rows.astype(np.float32) @ q)) == pytest.approx(
            (1 - w) * float(chunk @ q) + w * float(np.max(sentences @ q)), abs=2e-3)
    assert np.allclose(sentence_multivector(chunk, [], 0.5), chunk[None, :], atol=1e-3)


def test_engines_rank_by_the_mix_and_keep_the_weight(tmp_path: Path, engine: str) -> None:
    rng = np.random.default_rng(5)
    settings = make_settings(tmp_path, engine)
    store = open_store(settings)
    store.ensure(DIM, sentence_weight=0.5)
    chunks = _unit(rng, 12)
    sentences = [_unit(rng, 3) for _ in range(12)]
    points = [
        PointData(id=str(uuid.UUID(int=i + 1)), dense=chunks[i], sparse=SparseVec([1], [1.0]),
                  payload={"kind": "chunk", "i": i}, sentences=sentence_multivector(chunks[i], sentences[i], 0.5))
        for i in range(12)
    ]
    points.append(PointData(id=str(uuid.UUID(int=99)), dense=chunks[0], sparse=SparseVec([1], [1.0]), payload={"i": 99}))
    store.upsert(points)
    q = _unit(rng)

    def mix(i: int) -> float:
        return 0.5 * float(chunks[i] @ q) + 0.5 * float(np.max(sentences[i] @ q))

    hits = store.query([Prefetch(SENTENCES, q, limit=20)], limit=20)
    # Every point with sentence vectors, scored by the mix (float16 storage: ~1e-4), best first; the point
    # without sentence vectors is not in this list.
    assert sorted(h.payload["i"] for h in hits) == list(range(12))
    for h in hits:
        assert h.score == pytest.approx(mix(h.payload["i"]), abs=1e-3)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert hits[0].payload["i"] == max(range(12), key=mix)
    best = hits[0].payload["i"]
    back = store.retrieve([points[best].id], with_vectors=True)[0]
    assert np.allclose(np.asarray(back.sentences), points[best].sentences.astype(np.float32), atol=1e-6)
    store.close()
    again = open_store(settings)
    assert again.sentence_weight == 0.5
    again.close()


def test_index_without_sentence_vectors_has_no_weight(tmp_path: Path, engine: str) -> None:
    store = open_store(make_settings(tmp_path, engine))
    store.ensure(DIM)
    assert store.sentence_weight is None
    store.close()


DOC = """# Bericht: Partnerschaft Kisumu und Leipzig

Die Delegation aus Leipzig besuchte im Mai 2025 die Stadt Kisumu am Viktoriasee.
Im Mittelpunkt standen Fragen der Abfallwirtschaft und der Stadtplanung.
Die Partner vereinbarten außerdem ein gemeinsames Frühwarnsystem für Hochwasser am Fluss Nyando.
Ein Jugendaustausch zwischen Schulen beider Städte ist für 2026 geplant.
"""


def _services(tmp_path: Path, **overrides: object) -> Services:
    docs = tmp_path / "docs"
    docs.mkdir(exist_ok=True)
    (docs / "bericht.md").write_text(DOC, encoding="utf-8")
    services = Services(make_settings(tmp_path, **overrides))
    report = services.ingest([docs])
    assert not report.failed, report.failed
    return services


def test_ingest_writes_sentence_vectors_and_search_uses_them(tmp_path: Path) -> None:
    services = _services(tmp_path)
    try:
        store = services.store
        assert store.sentence_weight == 0.5
        (chunk,) = [h for h in store.iter_all(with_vectors=True) if h.payload.get("kind") == "chunk"]
        # Each sentence is embedded after the chunk's title line, as the chunk itself is.
        units = sentence_units(chunk.payload["text"], context=context_line(chunk.payload["title"], chunk.payload.get("heading")))
        assert all(u.startswith("Bericht: Partnerschaft Kisumu und Leipzig\n") for u in units)
        assert len(units) >= 4 and chunk.sentences is not None and len(chunk.sentences) == len(units)
        # The stored rows are the real encoder's vectors of the chunk and of each sentence, mixed with w.
        embedder = services.embedder
        expected = sentence_multivector(np.asarray(chunk.dense, dtype=np.float32), embedder.embed_passages(units), 0.5)
        assert np.allclose(np.asarray(chunk.sentences), expected, atol=1e-4)
        question = "Which early warning system did the partners agree on?"
        hits, _ = services.searcher.search_hits(question, k=1, mode="dense")
        q = embedder.embed_query(question)
        mix = 0.5 * float(np.asarray(chunk.dense) @ q) + 0.5 * float(np.max(embedder.embed_passages(units) @ q))
        assert hits[0].score == pytest.approx(mix, abs=1e-3)
    finally:
        services.close()


def test_switching_sentence_vectors_off_builds_and_searches_a_chunk_only_index(tmp_path: Path) -> None:
    services = _services(tmp_path, sentence_vectors=False)
    try:
        assert services.store.sentence_weight is None
        (chunk,) = [h for h in services.store.iter_all(with_vectors=True) if h.payload.get("kind") == "chunk"]
        assert chunk.sentences is None
        question = "Which early warning system did the partners agree on?"
        hits, _ = services.searcher.search_hits(question, k=1, mode="dense")
        q = services.embedder.embed_query(question)
        assert hits[0].score == pytest.approx(float(np.asarray(chunk.dense) @ q), abs=1e-3)  # cosine of the chunk alone
    finally:
        services.close()


def test_candidates_are_the_nearest_chunks_reranked_by_their_sentences(tmp_path: Path, engine: str) -> None:
    """The product's query: the chunk vector picks the candidates, the sentence rows order them by the mix."""
    rng = np.random.default_rng(11)
    store = open_store(make_settings(tmp_path, engine))
    store.ensure(DIM, sentence_weight=0.5)
    chunks = _unit(rng, 30)
    sentences = [_unit(rng, 4) for _ in range(30)]
    q = _unit(rng)
    nearest = [int(i) for i in np.argsort(-(chunks @ q))[:8]]
    sentences[nearest[7]][0] = q  # the eighth-nearest chunk holds the sentence the query asks about
    store.upsert([
        PointData(id=str(uuid.UUID(int=i + 1)), dense=chunks[i], sparse=SparseVec([1], [1.0]),
                  payload={"kind": "chunk", "i": i}, sentences=sentence_multivector(chunks[i], sentences[i], 0.5))
        for i in range(30)
    ])

    def mix(i: int) -> float:
        return 0.5 * float(chunks[i] @ q) + 0.5 * float(np.max(sentences[i] @ q))

    by_mix = sorted(nearest, key=mix, reverse=True)
    assert by_mix[0] == nearest[7]
    for prefetches in ([Prefetch(SENTENCES, q, limit=8, candidates=8)],
                       [Prefetch(SENTENCES, q, limit=8, candidates=8), Prefetch("sparse", SparseVec([2], [1.0]))]):
        hits = store.query(prefetches, limit=8)
        assert [h.payload["i"] for h in hits] == by_mix
    hits = store.query([Prefetch(SENTENCES, q, limit=3, candidates=8)], limit=3)
    assert [h.payload["i"] for h in hits] == by_mix[:3]
    for h in hits:
        assert h.score == pytest.approx(mix(h.payload["i"]), abs=1e-3)
    # A filter applies to the candidate search: the nearest chunks among those that pass it.
    late = Filter(must=[Range("i", gte=15)])
    nearest_late = sorted(int(i) + 15 for i in np.argsort(-(chunks[15:] @ q))[:5])
    for prefetches in ([Prefetch(SENTENCES, q, limit=5, candidates=5)],
                       [Prefetch(SENTENCES, q, limit=5, candidates=5), Prefetch("sparse", SparseVec([2], [1.0]))]):
        hits = store.query(prefetches, limit=5, filter=late)
        assert sorted(h.payload["i"] for h in hits) == nearest_late
    store.close()


def test_the_rerank_scores_int8_copies_of_the_sentence_rows(tmp_path: Path) -> None:
    """An indexed segment keeps int8 copies of the rows in RAM and the rerank scores on them, so a large
    index's float16 rows on disk are never read by a query; the ranking still follows the mix."""
    import json

    from core.store.edge import EdgeStore

    rng = np.random.default_rng(11)
    store = EdgeStore(tmp_path / "index", indexing_threshold_kb=1)  # index (and quantise) at once
    store.ensure(DIM, sentence_weight=0.5)
    chunks = _unit(rng, 30)
    sentences = [_unit(rng, 4) for _ in range(30)]
    q = _unit(rng)
    nearest = [int(i) for i in np.argsort(-(chunks @ q))[:8]]
    sentences[nearest[7]][0] = q
    store.upsert([
        PointData(id=str(uuid.UUID(int=i + 1)), dense=chunks[i], sparse=SparseVec([1], [1.0]),
                  payload={"kind": "chunk", "i": i}, sentences=sentence_multivector(chunks[i], sentences[i], 0.5))
        for i in range(30)
    ])
    store.optimize()
    config = json.loads(next((tmp_path / "index").rglob("edge_config.json")).read_text())["vectors"]
    assert config[SENTENCES]["quantization_config"]["scalar"]["type"] == "int8"
    assert config[SENTENCES]["memory"] == "cold"  # the float16 rows stay on disk
    assert not config["dense"].get("quantization_config")  # CCASSIST_QUANTIZATION=none: chunk vectors as they are

    def mix(i: int) -> float:
        return 0.5 * float(chunks[i] @ q) + 0.5 * float(np.max(sentences[i] @ q))

    hits = store.query([Prefetch(SENTENCES, q, limit=8, candidates=8)], limit=8)
    assert hits[0].payload["i"] == nearest[7]
    assert sorted(h.payload["i"] for h in hits) == sorted(nearest)
    errors = [abs(h.score - mix(h.payload["i"])) for h in hits]
    # int8 scores (0.02-0.03 off in 8 dimensions; the float16 rows' scores match the mix to ~1e-3),
    # close enough to rank the chunk that holds the query's sentence first.
    assert 2e-3 < max(errors) < 0.05
    store.close()
