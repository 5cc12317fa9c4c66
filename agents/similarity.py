"""Dense similarity for sentence ranking and the grounding check, with caches.

The packaged embedder costs ~0.1 s per short sentence on two cores, so the
agents embed as little as possible: sentence vectors are cached by text (the
same passages come back for related questions) and a passage's vector is read
back from the index, where ingest already stored it, instead of embedding the
passage again.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Sequence

import numpy as np

from core.embedders import DenseEmbedder
from core.store import Store

logger = logging.getLogger(__name__)

__all__ = ["CachedQueryEmbedder", "Similarity"]


class _LRU:
    def __init__(self, size: int) -> None:
        self.size = size
        self.data: OrderedDict[str, np.ndarray] = OrderedDict()

    def get(self, key: str) -> np.ndarray | None:
        value = self.data.get(key)
        if value is not None:
            self.data.move_to_end(key)
        return value

    def put(self, key: str, value: np.ndarray) -> None:
        self.data[key] = value
        self.data.move_to_end(key)
        while len(self.data) > self.size:
            self.data.popitem(last=False)


class CachedQueryEmbedder(DenseEmbedder):
    """The index's embedder with a small query cache.

    The researcher searches a sub-question again with other filters, and the
    synthesizer compares sentences with the same question: without the cache each
    of those re-embeds the question (~0.1 s each on two cores).
    """

    def __init__(self, inner: DenseEmbedder, size: int = 256) -> None:
        super().__init__()
        self.inner = inner
        self.name = inner.name
        self.dim = inner.dim
        self._cache = _LRU(size)

    def _passages(self, texts: list[str]) -> np.ndarray:
        return self.inner.embed_passages(texts)

    def _queries(self, texts: list[str]) -> np.ndarray:
        return self.inner.embed_queries(texts)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self.inner.embed_passages(texts)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        with self._lock:
            found = {t: v for t in texts if (v := self._cache.get(t)) is not None}
        missing = list(dict.fromkeys(t for t in texts if t not in found))
        if missing:
            for text, vector in zip(missing, self.inner.embed_queries(missing), strict=True):
                found[text] = vector
                with self._lock:
                    self._cache.put(text, vector)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.vstack([found[t] for t in texts])


class Similarity:
    """Cosine similarities between questions, sentences and indexed passages."""

    def __init__(self, embedder: DenseEmbedder, store: Store | None = None, *, cache_size: int = 4096) -> None:
        self.embedder = embedder
        self.store = store
        self._sentences = _LRU(cache_size)
        self._chunks = _LRU(cache_size)
        self._lock = threading.Lock()

    def query_vector(self, text: str) -> np.ndarray:
        """The question embedded as a query (asymmetric models use a query prefix)."""
        return self.embedder.embed_query(text)

    def sentence_vectors(self, texts: Sequence[str]) -> np.ndarray:
        """Passage-side embeddings of ``texts``, shape (n, dim), embedding only the uncached ones."""
        with self._lock:
            cached = {t: v for t in texts if (v := self._sentences.get(t)) is not None}
        missing = list(dict.fromkeys(t for t in texts if t not in cached))
        if missing:
            vectors = self.embedder.embed_passages(missing)
            with self._lock:
                for text, vector in zip(missing, vectors, strict=True):
                    self._sentences.put(text, vector)
                    cached[text] = vector
        if not texts:
            return np.zeros((0, self.embedder.dim), dtype=np.float32)
        return np.vstack([cached[t] for t in texts])

    def chunk_vectors(self, chunk_ids: Sequence[str]) -> dict[str, np.ndarray]:
        """Stored dense vectors of indexed chunks (missing ids are left out)."""
        out: dict[str, np.ndarray] = {}
        with self._lock:
            for cid in chunk_ids:
                if (v := self._chunks.get(cid)) is not None:
                    out[cid] = v
        missing = [cid for cid in chunk_ids if cid not in out]
        if missing and self.store is not None:
            try:
                hits = self.store.retrieve(missing, with_vectors=True)
            except Exception as exc:  # noqa: BLE001 - a store without vectors degrades to re-embedding
                logger.warning("could not read chunk vectors: %s", exc)
                hits = []
            with self._lock:
                for hit in hits:
                    if hit.dense is not None:
                        vector = np.asarray(hit.dense, dtype=np.float32)
                        vector /= max(float(np.linalg.norm(vector)), 1e-12)
                        self._chunks.put(hit.id, vector)
                        out[hit.id] = vector
        return out

    @staticmethod
    def cosines(matrix: np.ndarray, vector: np.ndarray) -> np.ndarray:
        """Cosine of each row of ``matrix`` with ``vector`` (all inputs L2-normalised)."""
        if matrix.size == 0:
            return np.zeros((0,), dtype=np.float32)
        return matrix @ vector
