"""qdrant-client: a Qdrant server or cluster (``CCASSIST_QDRANT_URL``), or qdrant-client's in-process mode.

Same collection layout and query as :mod:`core.store.edge`. The in-process
mode (``:memory:`` or a path) scores every point with numpy and is only meant
for tests of this code path; a real deployment points at a server.
"""

from __future__ import annotations

import logging
import time
import warnings
from collections.abc import Callable, Sequence
from typing import Any, Literal, TypeVar

import numpy as np
from qdrant_client import QdrantClient, models

from core.errors import UpstreamError
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

T = TypeVar("T")

_SCHEMA = {
    "keyword": models.PayloadSchemaType.KEYWORD,
    "integer": models.PayloadSchemaType.INTEGER,
    "datetime": models.PayloadSchemaType.DATETIME,
    "bool": models.PayloadSchemaType.BOOL,
}


def _condition(cond: Any) -> Any:
    if isinstance(cond, Filter):
        return _filter(cond)
    if isinstance(cond, Match):
        return models.FieldCondition(key=cond.key, match=models.MatchValue(value=cond.value))
    if isinstance(cond, MatchAny):
        return models.FieldCondition(key=cond.key, match=models.MatchAny(any=list(cond.values)))
    if isinstance(cond, Range):
        return models.FieldCondition(key=cond.key, range=models.Range(gte=cond.gte, lte=cond.lte, gt=cond.gt, lt=cond.lt))
    if isinstance(cond, DateRange):
        gte = f"{cond.gte.isoformat()}T00:00:00Z" if cond.gte else None
        lte = f"{cond.lte.isoformat()}T23:59:59Z" if cond.lte else None
        return models.FieldCondition(key=cond.key, range=models.DatetimeRange(gte=gte, lte=lte))
    if isinstance(cond, IsEmpty):
        return models.IsEmptyCondition(is_empty=models.PayloadField(key=cond.key))
    raise TypeError(f"unsupported filter condition {cond!r}")


def _filter(flt: Filter | None) -> models.Filter | None:
    if flt is None or flt.is_empty():
        return None
    return models.Filter(
        must=[_condition(c) for c in flt.must] or None,
        should=[_condition(c) for c in flt.should] or None,
        must_not=[_condition(c) for c in flt.must_not] or None,
    )


def _vector(vec: np.ndarray | SparseVec) -> Any:
    if isinstance(vec, SparseVec):
        return models.SparseVector(indices=list(vec.indices), values=[float(v) for v in vec.values])
    return np.asarray(vec, dtype=np.float32).tolist()


def _query_vector(pf: Prefetch) -> Any:
    return _vector(pf.vector) if isinstance(pf.vector, SparseVec) else dense_query(pf)


def _prefetch(pf: Prefetch) -> models.Prefetch:
    return models.Prefetch(query=_query_vector(pf), using=pf.using, limit=pf.limit, filter=_filter(pf.filter),
                           prefetch=_candidates(pf))


def _candidates(pf: Prefetch) -> models.Prefetch | None:
    """The chunk-vector search a sentences prefetch reranks, as the server's nested prefetch."""
    inner = pf.candidate_prefetch()
    return _prefetch(inner) if inner else None


def _quantization(kind: str) -> models.ScalarQuantization | models.BinaryQuantization | None:
    """The server-side twin of the Edge store's quantisation: quantised vectors in RAM, originals on disk."""
    if kind == "int8":
        return models.ScalarQuantization(scalar=models.ScalarQuantizationConfig(
            type=models.ScalarType.INT8, quantile=0.99, always_ram=True))
    if kind == "binary":
        return models.BinaryQuantization(binary=models.BinaryQuantizationConfig(always_ram=True))
    return None


class ClientStore(Store):
    """A collection on a Qdrant server (or qdrant-client's in-process mode)."""

    def __init__(
        self,
        client: QdrantClient,
        collection: str,
        *,
        shard_number: int = 1,
        replication_factor: int = 1,
        write_consistency_factor: int = 1,
        retries: int = 3,
        location: str = "",
        quantization: str = "none",
    ) -> None:
        self.client = client
        self.quantization = quantization
        self.collection = collection
        self._shards = shard_number
        self._replicas = replication_factor
        self._write_consistency = write_consistency_factor
        self._retries = retries
        self._location = location
        self.dim = None
        self.sentence_weight: float | None = None
        if self._call(lambda: self.client.collection_exists(collection)):
            self._adopt()

    def _adopt(self) -> None:
        """Read the existing collection's dimension and sentence weight."""
        config = self._call(lambda: self.client.get_collection(self.collection)).config
        vectors = config.params.vectors
        self.dim = int(vectors[DENSE].size) if isinstance(vectors, dict) else None
        if isinstance(vectors, dict) and SENTENCES in vectors:
            self.sentence_weight = float((config.metadata or {}).get("sentence_weight", 0.5))

    @classmethod
    def from_url(cls, url: str, collection: str, **kwargs: Any) -> ClientStore:
        api_key = kwargs.pop("api_key", None)
        prefer_grpc = kwargs.pop("prefer_grpc", False)
        timeout = kwargs.pop("timeout", 30.0)
        if url == ":memory:":
            client = QdrantClient(":memory:")
        elif url.startswith(("http://", "https://")):
            client = QdrantClient(url=url, api_key=api_key, prefer_grpc=prefer_grpc, timeout=int(timeout))
        else:  # a directory: qdrant-client's local persistence
            client = QdrantClient(path=url)
        return cls(client, collection, location=url, **kwargs)

    def _call(self, fn: Callable[[], T]) -> T:
        """Retry transient server errors with backoff; local mode never needs it."""
        for attempt in range(self._retries):
            try:
                return fn()
            except (ValueError, TypeError, KeyError):
                raise
            except Exception as exc:  # network errors surface as several httpx/grpc types
                if attempt == self._retries - 1:
                    raise UpstreamError(f"Qdrant at {self._location or 'server'} failed: {exc}") from exc
                logger.warning("Qdrant call failed (%s), retrying", exc)
                time.sleep(0.2 * 2**attempt)
        raise AssertionError("unreachable")

    def ensure(self, dim: int, *, sentence_weight: float | None = None) -> None:
        if self.dim is not None:
            if self.dim != dim:
                raise UpstreamError(
                    f"collection {self.collection!r} holds {self.dim}-dim vectors but the embedder makes {dim}-dim ones"
                )
            return
        on_disk = self.quantization != "none" or None
        vectors = {DENSE: models.VectorParams(size=dim, distance=models.Distance.COSINE, on_disk=on_disk)}
        if sentence_weight is not None:  # dot product and MaxSim: core/sentence_vectors.py
            # Reranks chunk-vector candidates (Prefetch.candidates): no graph, float16 rows on disk,
            # scored on int8 copies in RAM (as in the Edge store, core/store/edge.py).
            vectors[SENTENCES] = models.VectorParams(
                size=dim, distance=models.Distance.DOT, on_disk=True, datatype=models.Datatype.FLOAT16,
                multivector_config=models.MultiVectorConfig(comparator=models.MultiVectorComparator.MAX_SIM),
                hnsw_config=models.HnswConfigDiff(m=0),
                quantization_config=_quantization("int8"),
            )
        try:
            self._call(
                lambda: self.client.create_collection(
                    self.collection,
                    vectors_config=vectors,
                    metadata={"sentence_weight": sentence_weight},
                    quantization_config=_quantization(self.quantization),
                    sparse_vectors_config={SPARSE: models.SparseVectorParams(modifier=models.Modifier.IDF)},
                    shard_number=self._shards,
                    replication_factor=self._replicas,
                    write_consistency_factor=self._write_consistency,
                )
            )
        except (UpstreamError, ValueError):  # a server's 409 surfaces as UpstreamError, local mode's as ValueError
            # Several API replicas starting at once (docker compose up --scale api=3) race to create the
            # collection; the losers adopt the winner's instead of failing their startup.
            if not self._call(lambda: self.client.collection_exists(self.collection)):
                raise
            self._adopt()
            if self.dim != dim:
                raise UpstreamError(
                    f"collection {self.collection!r} holds {self.dim}-dim vectors but the embedder makes {dim}-dim ones"
                ) from None
            logger.info("collection %s was created concurrently; using it", self.collection)
        else:
            self.sentence_weight = sentence_weight
        with warnings.catch_warnings():  # local mode warns that indexes are no-ops there; a server uses them
            warnings.simplefilter("ignore", UserWarning)
            for name, kind in PAYLOAD_INDEXES.items():
                self._call(lambda n=name, k=kind: self.client.create_payload_index(self.collection, n, _SCHEMA[k]))
        self.dim = dim

    def upsert(self, points: Sequence[PointData]) -> None:
        if not points:
            return
        structs = [models.PointStruct(id=p.id, vector=self._vectors(p), payload=p.payload) for p in points]
        self._call(lambda: self.client.upsert(self.collection, structs, wait=True))

    def _vectors(self, p: PointData) -> dict[str, Any]:
        out = {DENSE: _vector(p.dense), SPARSE: _vector(p.sparse)}
        if p.sentences is not None and self.sentence_weight is not None:
            out[SENTENCES] = np.asarray(p.sentences, dtype=np.float32).tolist()
        return out

    def delete(self, ids: Sequence[str]) -> None:
        if ids and self.dim is not None:  # nothing to delete before the collection exists
            self._call(lambda: self.client.delete(self.collection, models.PointIdsList(points=list(ids)), wait=True))

    def delete_by_filter(self, flt: Filter) -> None:
        if self.dim is None:
            return
        self._call(lambda: self.client.delete(self.collection, models.FilterSelector(filter=_filter(flt)), wait=True))

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
        if self.dim is None:
            return []
        with_payload: bool | list[str] = True if payload is None else list(payload)
        if len(prefetches) == 1:
            pf = prefetches[0]
            response = self._call(
                lambda: self.client.query_points(
                    self.collection, query=_query_vector(pf), using=pf.using, limit=limit,
                    query_filter=_filter(all_of(filter, pf.filter)), with_payload=with_payload,
                    prefetch=_candidates(pf),
                )
            )
        else:
            fused: Any = (
                models.RrfQuery(rrf=models.Rrf(k=rrf_k, weights=[pf.weight for pf in prefetches]))
                if fusion == "rrf"
                else models.FusionQuery(fusion=models.Fusion.DBSF)
            )
            request_prefetch = [_prefetch(pf) for pf in prefetches]
            response = self._call(
                lambda: self.client.query_points(
                    self.collection, prefetch=request_prefetch, query=fused, limit=limit,
                    query_filter=_filter(filter), with_payload=with_payload,
                )
            )
        return [hit_from_point(p) for p in response.points]

    def facet(self, key: str, *, filter: Filter | None = None, limit: int = 20) -> list[tuple[Any, int]]:
        if self.dim is None:
            return []
        response = self._call(
            lambda: self.client.facet(self.collection, key, facet_filter=_filter(filter), limit=limit, exact=True)
        )
        return [(h.value, int(h.count)) for h in response.hits]

    def scroll(
        self, *, filter: Filter | None = None, limit: int = 100, offset: str | None = None, with_vectors: bool = False
    ) -> tuple[list[Hit], str | None]:
        if self.dim is None:
            return [], None
        records, next_offset = self._call(
            lambda: self.client.scroll(
                self.collection, scroll_filter=_filter(filter), limit=limit, offset=offset,
                with_payload=True, with_vectors=with_vectors,
            )
        )
        return [hit_from_point(r) for r in records], (str(next_offset) if next_offset is not None else None)

    def count(self, filter: Filter | None = None) -> int:
        if self.dim is None:
            return 0
        return int(self._call(lambda: self.client.count(self.collection, count_filter=_filter(filter), exact=True)).count)

    def retrieve(self, ids: Sequence[str], *, with_vectors: bool = False) -> list[Hit]:
        if self.dim is None or not ids:
            return []
        records = self._call(
            lambda: self.client.retrieve(self.collection, list(ids), with_payload=True, with_vectors=with_vectors)
        )
        return [hit_from_point(r) for r in records]

    def info(self) -> StoreInfo:
        return StoreInfo(
            engine="qdrant-client", location=self._location or self.collection, points=self.count(), dim=self.dim,
            extra={"collection": self.collection, "shard_number": self._shards, "replication_factor": self._replicas,
                   "sentence_weight": self.sentence_weight},
        )

    def close(self) -> None:
        self.client.close()
