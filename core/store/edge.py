"""Qdrant Edge: a real Qdrant shard in-process (HNSW, WAL, payload indexes, facets).

This is the embedded default. Only one process may open a shard (the WAL is
locked), so the API process owns the index; a second opener gets
:class:`IndexLocked` with a message that says so.
"""

from __future__ import annotations

import json
import logging
import threading
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np
import qdrant_edge as qe

from core.errors import IndexLocked, UpstreamError
from core.filters import DateRange, Filter, IsEmpty, Match, MatchAny, Range, all_of
from core.sparse import SparseVec
from core.store.base import (
    DENSE,
    PAYLOAD_INDEXES,
    SENTENCES,
    SPARSE,
    Hit,
    PointData,
    Prefetch,
    Store,
    StoreInfo,
    dense_query,
    hit_from_point,
)

logger = logging.getLogger(__name__)

_SCHEMA = {
    "keyword": qe.PayloadSchemaType.Keyword,
    "integer": qe.PayloadSchemaType.Integer,
    "datetime": qe.PayloadSchemaType.Datetime,
    "bool": qe.PayloadSchemaType.Bool,
}
_META_FILE = "ccassist-store.json"


def _condition(cond: Any) -> Any:
    if isinstance(cond, Filter):
        return _filter(cond)
    if isinstance(cond, Match):
        return qe.FieldCondition(key=cond.key, match=qe.MatchValue(cond.value))
    if isinstance(cond, MatchAny):
        return qe.FieldCondition(key=cond.key, match=qe.MatchAny(list(cond.values)))
    if isinstance(cond, Range):
        return qe.FieldCondition(key=cond.key, range=qe.RangeFloat(gte=cond.gte, lte=cond.lte, gt=cond.gt, lt=cond.lt))
    if isinstance(cond, DateRange):
        gte = f"{cond.gte.isoformat()}T00:00:00Z" if cond.gte else None
        lte = f"{cond.lte.isoformat()}T23:59:59Z" if cond.lte else None
        return qe.FieldCondition(key=cond.key, range=qe.RangeDateTime(gte=gte, lte=lte))
    if isinstance(cond, IsEmpty):
        return qe.IsEmptyCondition(key=cond.key)
    raise TypeError(f"unsupported filter condition {cond!r}")


def _filter(flt: Filter | None) -> qe.Filter | None:
    if flt is None or flt.is_empty():
        return None
    return qe.Filter(
        must=[_condition(c) for c in flt.must] or None,
        should=[_condition(c) for c in flt.should] or None,
        must_not=[_condition(c) for c in flt.must_not] or None,
    )


def _sparse(vec: SparseVec) -> qe.SparseVector:
    return qe.SparseVector(indices=list(vec.indices), values=[float(v) for v in vec.values])


#: Scalar int8 codes kept in RAM: the chunk vectors' CCASSIST_QUANTIZATION=int8, and the sentence rows' always.
_INT8 = qe.ScalarQuantizationConfig(type=qe.ScalarType.Int8, quantile=0.99, memory=qe.Memory.Pinned)


def _vector_params(dim: int, quantization: str) -> qe.EdgeVectorParams:
    """Chunk vector config: in RAM, or quantised in RAM with the originals on disk (rescoring reads them)."""
    kind: dict[str, Any] = {"size": dim, "distance": qe.Distance.Cosine}
    if quantization == "none":
        return qe.EdgeVectorParams(**kind)
    quant = _INT8 if quantization == "int8" else qe.BinaryQuantizationConfig(memory=qe.Memory.Pinned)
    return qe.EdgeVectorParams(**kind, memory=qe.Memory.Cold, quantization_config=quant)


def _sentence_rows_params(dim: int) -> qe.EdgeVectorParams:
    """Sentence multivector config, the same whatever ``CCASSIST_QUANTIZATION`` says.

    Compared by dot product (its rows are not unit-length by design, core/sentence_vectors.py) with
    MaxSim over the rows. It only reranks the chunk vector's candidates (``Prefetch.candidates``), so it
    has no HNSW graph; its rows are stored as float16 on disk and scored on int8 copies in RAM: the
    rerank never reads the rows on disk (a 500k-chunk index's rows are 3 GiB), and on XQuAD int8
    lowered R@1 by at most 0.004 and MRR@10 by at most 0.001 (bench/results/retrieval_quantization.md).
    """
    return qe.EdgeVectorParams(
        size=dim, distance=qe.Distance.Dot, datatype=qe.VectorStorageDatatype.Float16,
        multivector_config=qe.MultiVectorConfig(comparator=qe.MultiVectorComparator.MaxSim),
        hnsw_config=qe.HnswIndexConfig(m=0, ef_construct=100, full_scan_threshold=10_000),
        memory=qe.Memory.Cold, quantization_config=_INT8,
    )


def _query_vector(pf: Prefetch) -> Any:
    return _sparse(pf.vector) if isinstance(pf.vector, SparseVec) else dense_query(pf)


class EdgeStore(Store):
    """A Qdrant Edge shard at ``path``; ``quantization`` applies when the shard is created (an existing one keeps its own).

    The engine indexes (and quantises) a segment only once it outgrows its indexing threshold (about
    10 MB by default), so a small index is searched exactly. ``indexing_threshold_kb`` lowers it, which
    the retrieval bench uses to measure quantisation on a 240-paragraph evaluation set.
    """

    def __init__(self, path: Path, *, quantization: str = "none", indexing_threshold_kb: int | None = None) -> None:
        self.path = Path(path)
        self.quantization = quantization
        self.indexing_threshold_kb = indexing_threshold_kb
        self._shard: qe.EdgeShard | None = None
        self._write_lock = threading.Lock()
        self.dim: int | None = None
        self.sentence_weight: float | None = None
        meta = self.path / _META_FILE
        if meta.exists():
            info = json.loads(meta.read_text())
            self.dim = int(info["dim"])
            self.sentence_weight = info.get("sentence_weight")
            self._shard = self._open(lambda: qe.EdgeShard.load(str(self.path)))

    def _open(self, opener: Any) -> qe.EdgeShard:
        try:
            return opener()
        except Exception as exc:  # the binding raises plain exceptions; map the lock case
            text = str(exc).lower()
            if "lock" in text or "already" in text or "resource temporarily unavailable" in text:
                raise IndexLocked(
                    f"the index at {self.path} is in use by another process (a running `ccassist serve`?). "
                    "Stop it, use the API, or point --index at another directory."
                ) from exc
            raise UpstreamError(f"cannot open Qdrant Edge index at {self.path}: {exc}") from exc

    @property
    def shard(self) -> qe.EdgeShard:
        if self._shard is None:
            raise UpstreamError(f"no index at {self.path} yet: ingest documents first (ccassist ingest PATH)")
        return self._shard

    def ensure(self, dim: int, *, sentence_weight: float | None = None) -> None:
        if self._shard is not None:
            if self.dim != dim:
                raise UpstreamError(
                    f"the index at {self.path} holds {self.dim}-dim vectors but the embedder makes {dim}-dim ones; "
                    "use the embedder the index was built with or a new --index directory"
                )
            return
        self.path.mkdir(parents=True, exist_ok=True)
        vectors = {DENSE: _vector_params(dim, self.quantization)}
        if sentence_weight is not None:
            vectors[SENTENCES] = _sentence_rows_params(dim)
        config = qe.EdgeConfig(
            vectors=vectors,
            sparse_vectors={SPARSE: qe.EdgeSparseVectorParams(modifier=qe.Modifier.Idf)},
            optimizers=(qe.EdgeOptimizersConfig(indexing_threshold=self.indexing_threshold_kb)
                        if self.indexing_threshold_kb is not None else None),
        )
        self._shard = self._open(lambda: qe.EdgeShard.create(str(self.path), config))
        for name, kind in PAYLOAD_INDEXES.items():
            self._shard.update(qe.UpdateOperation.create_field_index(name, _SCHEMA[kind]))
        self._shard.flush()
        meta = {"dim": dim, "engine": "qdrant-edge", "sentence_weight": sentence_weight}
        (self.path / _META_FILE).write_text(json.dumps(meta))
        self.dim = dim
        self.sentence_weight = sentence_weight

    def upsert(self, points: Sequence[PointData]) -> None:
        if not points:
            return
        batch = [qe.Point(id=uuid.UUID(p.id), vector=self._vectors(p), payload=p.payload) for p in points]
        with self._write_lock:
            self.shard.update(qe.UpdateOperation.upsert_points(batch))

    def _vectors(self, p: PointData) -> dict[str, Any]:
        out: dict[str, Any] = {DENSE: np.asarray(p.dense, dtype=np.float32).tolist(), SPARSE: _sparse(p.sparse)}
        if p.sentences is not None and self.sentence_weight is not None:
            out[SENTENCES] = np.asarray(p.sentences, dtype=np.float32).tolist()
        return out

    # Deleting from an index that does not exist yet deletes nothing (ingest settles a duplicate file
    # before the first copy's write has created the shard).
    def delete(self, ids: Sequence[str]) -> None:
        if ids and self._shard is not None:
            with self._write_lock:
                self.shard.update(qe.UpdateOperation.delete_points([uuid.UUID(i) for i in ids]))

    def delete_by_filter(self, flt: Filter) -> None:
        if self._shard is None:
            return
        with self._write_lock:
            self.shard.update(qe.UpdateOperation.delete_points_by_filter(_filter(flt)))

    def _prefetch(self, pf: Prefetch) -> qe.Prefetch:
        return qe.Prefetch(limit=pf.limit, query=qe.Query.Nearest(_query_vector(pf), using=pf.using),
                           filter=_filter(pf.filter), prefetches=self._candidates(pf))

    def _candidates(self, pf: Prefetch) -> list[qe.Prefetch] | None:
        """The chunk-vector search a sentences prefetch reranks, as the engine's nested prefetch."""
        inner = pf.candidate_prefetch()
        return [self._prefetch(inner)] if inner else None

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
        if self._shard is None:
            return []
        with_payload: bool | list[str] = True if payload is None else list(payload)
        if len(prefetches) == 1:
            pf = prefetches[0]
            request = qe.QueryRequest(
                limit=limit, query=qe.Query.Nearest(_query_vector(pf), using=pf.using),
                filter=_filter(all_of(filter, pf.filter)), with_payload=with_payload,
                prefetches=self._candidates(pf),
            )
        else:
            fused = (
                qe.Fusion.Rrf(k=rrf_k, weights=[pf.weight for pf in prefetches])
                if fusion == "rrf"
                else qe.Fusion.Dbsf()
            )
            request = qe.QueryRequest(
                limit=limit,
                prefetches=[self._prefetch(pf) for pf in prefetches],
                query=fused,
                filter=_filter(filter),
                with_payload=with_payload,
            )
        return [hit_from_point(p) for p in self.shard.query(request)]

    def facet(self, key: str, *, filter: Filter | None = None, limit: int = 20) -> list[tuple[Any, int]]:
        if self._shard is None:
            return []
        response = self.shard.facet(qe.FacetRequest(key=key, limit=limit, exact=True, filter=_filter(filter)))
        return [(h.value, int(h.count)) for h in response.hits]

    def scroll(
        self, *, filter: Filter | None = None, limit: int = 100, offset: str | None = None, with_vectors: bool = False
    ) -> tuple[list[Hit], str | None]:
        if self._shard is None:
            return [], None
        records, next_offset = self.shard.scroll(
            qe.ScrollRequest(
                offset=uuid.UUID(offset) if offset else None, limit=limit, filter=_filter(filter),
                with_payload=True, with_vector=with_vectors,
            )
        )
        return [hit_from_point(r, 0.0) for r in records], (str(next_offset) if next_offset is not None else None)

    def count(self, filter: Filter | None = None) -> int:
        if self._shard is None:
            return 0
        return int(self.shard.count(qe.CountRequest(exact=True, filter=_filter(filter))))

    def retrieve(self, ids: Sequence[str], *, with_vectors: bool = False) -> list[Hit]:
        if self._shard is None or not ids:
            return []
        records = self.shard.retrieve([uuid.UUID(i) for i in ids], with_payload=True, with_vector=with_vectors)
        return [hit_from_point(r, 0.0) for r in records]

    def info(self) -> StoreInfo:
        points = self.count() if self._shard is not None else 0
        extra: dict[str, Any] = {}
        if self._shard is not None:
            shard_info = self._shard.info()
            extra = {"segments": shard_info.segments_count, "indexed_vectors": shard_info.indexed_vectors_count,
                     "sentence_weight": self.sentence_weight}
        return StoreInfo(engine="qdrant-edge", location=str(self.path), points=points, dim=self.dim, extra=extra)

    def flush(self) -> None:
        if self._shard is not None:
            with self._write_lock:
                self._shard.flush()

    def optimize(self) -> None:
        if self._shard is not None:
            with self._write_lock:
                self._shard.optimize()

    def close(self) -> None:
        if self._shard is not None:
            try:
                self._shard.flush()
            finally:
                self._shard.close()
                self._shard = None
