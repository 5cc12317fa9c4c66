"""Query-side embedding for many concurrent searches: the vector cache and e5-small's query engines.

Both are throughput measures (bench/load.py measures the effect); these tests pin the behaviour
they must not change: the same vector for the same query, whichever path produced it.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from core.embedders import E5SmallEmbedder, VectorCache, get_embedder
from core.settings import Settings

QUERIES = [
    "Wann endet die Bewerbungsfrist für naturbasierte Lösungen?",
    "flood early warning Kenya",
    "hydrogen port Kiel budget",
    "îlots de fraîcheur Lyon",
    "إدارة المياه",
    "Starkregen Kisumu Workshop",
]


@pytest.fixture(scope="module")
def reference() -> np.ndarray:
    """Query vectors from the plain shared-engine path with no cache: what every other path must equal."""
    plain = E5SmallEmbedder(threads=1, query_workers=0)
    return np.stack([plain.embed_query(q) for q in QUERIES])


def test_cache_is_lru_and_bounded() -> None:
    cache = VectorCache(2)
    for text in ("a", "b"):
        cache.put(text, np.ones(3, dtype=np.float32))
    assert cache.get("a") is not None  # "a" is now the most recent
    cache.put("c", np.zeros(3, dtype=np.float32))
    assert cache.get("b") is None and cache.get("a") is not None and cache.get("c") is not None
    assert len(cache) == 2 and cache.hits == 3 and cache.misses == 1


def test_cached_vectors_are_read_only_copies() -> None:
    cache = VectorCache(4)
    original = np.ones(3, dtype=np.float32)
    cache.put("q", original)
    original[0] = 5.0
    stored = cache.get("q")
    assert stored is not None and stored[0] == 1.0
    with pytest.raises(ValueError):
        stored[0] = 2.0


def test_zero_size_cache_stores_nothing() -> None:
    cache = VectorCache(0)
    cache.put("q", np.ones(3, dtype=np.float32))
    assert cache.get("q") is None and len(cache) == 0


def test_settings_size_the_cache_and_hits_return_the_computed_vector(reference: np.ndarray) -> None:
    embedder = get_embedder(Settings(embed_query_cache=16, embed_query_workers=1))
    assert embedder.query_cache.size == 16
    first = embedder.embed_query(QUERIES[0])
    hits = embedder.query_cache.hits
    second = embedder.embed_query(QUERIES[0])
    assert embedder.query_cache.hits == hits + 1
    np.testing.assert_allclose(first, reference[0], atol=1e-5)
    np.testing.assert_array_equal(first, second)


def test_batch_mixes_cached_and_new_queries_in_order(reference: np.ndarray) -> None:
    embedder = E5SmallEmbedder(threads=1, query_workers=1)
    embedder.query_cache = VectorCache(8)
    embedder.embed_query(QUERIES[2])
    out = embedder.embed_queries([QUERIES[1], QUERIES[2], QUERIES[1], QUERIES[3]])
    np.testing.assert_allclose(out, reference[[1, 2, 1, 3]], atol=1e-5)


def test_concurrent_queries_on_the_query_engines_equal_sequential_ones(reference: np.ndarray) -> None:
    embedder = E5SmallEmbedder(threads=1, query_workers=2)
    jobs = [QUERIES[i % len(QUERIES)] for i in range(24)]
    with ThreadPoolExecutor(max_workers=6) as pool:
        vectors = list(pool.map(embedder.embed_query, jobs))
    for i, vector in enumerate(vectors):
        np.testing.assert_allclose(vector, reference[i % len(QUERIES)], atol=1e-5)


def test_a_query_does_not_wait_for_the_ingest_engine(reference: np.ndarray) -> None:
    """While a long passage batch holds the main engine, searches still get their vectors."""
    embedder = E5SmallEmbedder(threads=1, query_workers=1)
    result: list[np.ndarray] = []
    with embedder._lock:  # what embed_passages holds for the whole batch
        worker = threading.Thread(target=lambda: result.append(embedder.embed_query(QUERIES[1])), daemon=True)
        worker.start()
        worker.join(timeout=60)
        finished = not worker.is_alive()
    assert finished, "the query waited for the passage engine's lock"
    np.testing.assert_allclose(result[0], reference[1], atol=1e-5)


def test_ensemble_vectors_rank_by_the_weighted_sum_of_member_cosines() -> None:
    from core.embedders import EnsembleEmbedder

    settings = Settings(embedder="e5+use-m3", embed_ensemble_weight=0.25)
    ensemble = get_embedder(settings)
    assert isinstance(ensemble, EnsembleEmbedder)
    e5, use = (member for member, _ in ensemble.members)
    assert ensemble.dim == e5.dim + use.dim == 384 + 512
    passages = ["Starkregen in Kisumu: naturbasierte Lösungen", "hydrogen port Kiel", "îlots de fraîcheur à Lyon"]
    p, q = ensemble.embed_passages(passages), ensemble.embed_queries(QUERIES[:3])
    expected = (e5.embed_queries(QUERIES[:3]) @ e5.embed_passages(passages).T
                + 0.25 * use.embed_queries(QUERIES[:3]) @ use.embed_passages(passages).T) / 1.25
    np.testing.assert_allclose(q @ p.T, expected, atol=1e-4)
    np.testing.assert_allclose(np.linalg.norm(p, axis=1), 1.0, atol=1e-5)
