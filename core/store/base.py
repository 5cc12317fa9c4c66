"""The store interface: one data model over Qdrant Edge and qdrant-client.

Points carry a named dense vector ``dense``, a named sparse vector ``sparse``
(IDF modifier), optionally a multivector ``sentences`` (core/sentence_vectors.py)
and a flat payload. Hybrid search is one engine request with
several prefetches fused by Qdrant (RRF with weights, or DBSF); callers never
fuse in Python.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Self

import numpy as np

from core.filters import Filter
from core.sparse import SparseVec

__all__ = ["DENSE", "PAYLOAD_INDEXES", "SENTENCES", "SPARSE", "Hit", "PointData", "Prefetch", "Store", "dense_query", "hit_from_point"]

DENSE = "dense"
SPARSE = "sparse"
SENTENCES = "sentences"

# Payload fields users filter and facet on, with their index type.
PAYLOAD_INDEXES: dict[str, Literal["keyword", "integer", "datetime", "bool"]] = {
    "kind": "keyword",
    "doc_id": "keyword",
    "source": "keyword",
    "doc_type": "keyword",
    "language": "keyword",
    "visibility": "keyword",
    "cities": "keyword",
    "countries": "keyword",
    "regions": "keyword",
    "places": "keyword",
    "topics": "keyword",
    "format": "keyword",
    "year": "integer",
    "chunk_index": "integer",
    "published": "datetime",
    "deadline": "datetime",
    "event_dates": "datetime",
}


@dataclass(slots=True)
class PointData:
    """A point to write."""

    id: str
    dense: np.ndarray | Sequence[float]
    sparse: SparseVec
    payload: dict[str, Any]
    sentences: np.ndarray | None = None  # rows of core.sentence_vectors.sentence_multivector


@dataclass(slots=True)
class Hit:
    """A point read back, with its score when it came from a query."""

    id: str
    score: float
    payload: dict[str, Any]
    dense: list[float] | None = None
    sparse: SparseVec | None = None
    sentences: list[list[float]] | None = None


@dataclass(slots=True)
class Prefetch:
    """One candidate list for fusion: a dense or sparse query with its own filter and weight.

    ``candidates`` (``sentences`` only): take that many nearest points by the chunk vector and rank
    them by their sentence rows, instead of searching the sentence rows themselves. A new index keeps
    no HNSW graph over the sentence rows (a dozen rows per chunk made its build ten times slower and
    its memory several times larger); the rows are read for the candidates alone.
    """

    using: Literal["dense", "sparse", "sentences"]
    vector: np.ndarray | SparseVec
    limit: int = 50
    filter: Filter | None = None
    weight: float = 1.0
    candidates: int | None = None

    def candidate_prefetch(self) -> Prefetch | None:
        """The chunk-vector search whose results this prefetch reranks, if it reranks."""
        if not self.candidates or self.using != SENTENCES:
            return None
        return Prefetch(DENSE, self.vector, limit=max(self.candidates, self.limit), filter=self.filter)


def hit_from_point(point: Any, score: float | None = None) -> Hit:
    """A :class:`Hit` from an engine's point or record (both engines return the same shape of named vectors)."""
    dense = sparse = sentences = None
    vector = getattr(point, "vector", None)
    if isinstance(vector, dict):
        if DENSE in vector:
            dense = [float(x) for x in vector[DENSE]]
        if SPARSE in vector:
            sv = vector[SPARSE]
            sparse = SparseVec(list(sv.indices), list(sv.values))
        if SENTENCES in vector:
            sentences = [[float(x) for x in row] for row in vector[SENTENCES]]
    return Hit(id=str(point.id), score=float(score if score is not None else getattr(point, "score", 0.0) or 0.0),
               payload=dict(point.payload or {}), dense=dense, sparse=sparse, sentences=sentences)


def dense_query(pf: Prefetch) -> list[float] | list[list[float]]:
    """A dense prefetch's query vector: one row of a multivector for ``sentences`` (MaxSim), else the vector."""
    vector = np.asarray(pf.vector, dtype=np.float32).tolist()
    return [vector] if pf.using == SENTENCES else vector


@dataclass(slots=True)
class StoreInfo:
    engine: str
    location: str
    points: int
    dim: int | None
    extra: dict[str, Any] = field(default_factory=dict)


class Store(ABC):
    """What ingest, retrieval and the API need from Qdrant."""

    dim: int | None
    #: The ``w`` the index's sentence vectors were built with; None when it has none.
    sentence_weight: float | None = None

    @abstractmethod
    def ensure(self, dim: int, *, sentence_weight: float | None = None) -> None:
        """Create the collection/shard with vectors of ``dim`` and the payload indexes if missing.

        ``sentence_weight`` adds the ``sentences`` multivector to a *new* collection; an existing one
        keeps what it was created with (:attr:`sentence_weight` says which).
        """

    @abstractmethod
    def upsert(self, points: Sequence[PointData]) -> None:
        """Write points in one operation (one WAL entry), so a document lands whole or not at all."""

    @abstractmethod
    def delete(self, ids: Sequence[str]) -> None: ...

    @abstractmethod
    def delete_by_filter(self, flt: Filter) -> None: ...

    @abstractmethod
    def query(
        self,
        prefetches: Sequence[Prefetch],
        *,
        limit: int,
        filter: Filter | None = None,
        fusion: Literal["rrf", "dbsf"] = "rrf",
        rrf_k: int = 60,
        payload: Sequence[str] | None = None,
    ) -> list[Hit]:
        """Fuse the prefetches in the engine; ``filter`` applies to every prefetch. One prefetch = plain search.

        ``payload`` names the payload keys to return (None: all). Copying a chunk's text out of the
        engine is most of a query's cost when only ids are needed (facet scopes, bench/load.py).
        """

    @abstractmethod
    def facet(self, key: str, *, filter: Filter | None = None, limit: int = 20) -> list[tuple[Any, int]]:
        """Counts per payload value among the points matching ``filter`` (exact)."""

    @abstractmethod
    def scroll(
        self,
        *,
        filter: Filter | None = None,
        limit: int = 100,
        offset: str | None = None,
        with_vectors: bool = False,
    ) -> tuple[list[Hit], str | None]: ...

    @abstractmethod
    def count(self, filter: Filter | None = None) -> int: ...

    @abstractmethod
    def retrieve(self, ids: Sequence[str], *, with_vectors: bool = False) -> list[Hit]: ...

    @abstractmethod
    def info(self) -> StoreInfo: ...

    def flush(self) -> None:
        """Persist pending writes (no-op where the engine persists on its own)."""

    def optimize(self) -> None:
        """Build indexes now instead of on the next write (no-op where the engine does it itself)."""

    def close(self) -> None:
        """Release files and locks."""

    def iter_all(self, *, filter: Filter | None = None, with_vectors: bool = False, page: int = 256) -> Iterator[Hit]:
        """Every matching point, page by page."""
        offset: str | None = None
        while True:
            hits, offset = self.scroll(filter=filter, limit=page, offset=offset, with_vectors=with_vectors)
            yield from hits
            if offset is None:
                break

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
