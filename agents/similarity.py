"""Dense similarity for sentence ranking and the grounding check, with caches.

The packaged embedder costs ~0.1 s per short sentence on two cores, so the
agents embed as little as possible: sentence vectors are cached by text (the
same passages come back for related questions) and a passage's vector is read
back from the index, where ingest already stored it, instead of embedding the
passage again.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np

from core.embedders import DenseEmbedder, VectorCache
from core.store import Store

logger = logging.getLogger(__name__)

__all__ = ["Similarity"]


class Similarity:
    """Cosine similarities between questions, sentences and indexed passages."""

    def __init__(self, embedder: DenseEmbedder, store: Store | None = None, *, cache_size: int = 4096) -> None:
        self.embedder = embedder
        self.store = store
        self._sentences = VectorCache(cache_size)
        self._chunks = VectorCache(cache_size)

    def _view(self, vectors: np.ndarray) -> np.ndarray:
        """The part of ``vectors`` the thresholds were calibrated on (an ensemble's first model), unit length."""
        columns = self.embedder.calibrated_columns
        if columns is None:
            return vectors
        part = np.asarray(vectors, dtype=np.float32)[..., columns]
        return part / np.maximum(np.linalg.norm(part, axis=-1, keepdims=True), 1e-12)

    def query_vector(self, text: str) -> np.ndarray:
        """The question embedded as a query (the embedder's own query cache serves repeats)."""
        return self._view(self.embedder.embed_query(text))

    def sentence_vectors(self, texts: Sequence[str]) -> np.ndarray:
        """Passage-side embeddings of ``texts``, shape (n, dim), embedding only the uncached ones."""
        cached = {t: v for t in texts if (v := self._sentences.get(t)) is not None}
        missing = list(dict.fromkeys(t for t in texts if t not in cached))
        if missing:
            for text, vector in zip(missing, self._view(self.embedder.embed_passages(missing)), strict=True):
                self._sentences.put(text, vector)
                cached[text] = vector
        if not texts:
            return np.zeros((0, self.embedder.dim), dtype=np.float32)
        return np.vstack([cached[t] for t in texts])

    def chunk_vectors(self, chunk_ids: Sequence[str]) -> dict[str, np.ndarray]:
        """Stored dense vectors of indexed chunks (missing ids are left out)."""
        out = {cid: v for cid in chunk_ids if (v := self._chunks.get(cid)) is not None}
        missing = [cid for cid in chunk_ids if cid not in out]
        if missing and self.store is not None:
            try:
                hits = self.store.retrieve(missing, with_vectors=True)
            except Exception as exc:  # noqa: BLE001 - a store without vectors degrades to re-embedding
                logger.warning("could not read chunk vectors: %s", exc)
                hits = []
            for hit in hits:
                if hit.dense is not None:
                    vector = np.asarray(hit.dense, dtype=np.float32)
                    vector = self._view(vector / max(float(np.linalg.norm(vector)), 1e-12))
                    self._chunks.put(hit.id, vector)
                    out[hit.id] = vector
        return out

    @staticmethod
    def cosines(matrix: np.ndarray, vector: np.ndarray) -> np.ndarray:
        """Cosine of each row of ``matrix`` with ``vector`` (all inputs L2-normalised)."""
        if matrix.size == 0:
            return np.zeros((0,), dtype=np.float32)
        return matrix @ vector
