"""Sentence vectors: a chunk is found by its best sentence as well as by its whole text.

A 320-token chunk's vector averages a dozen sentences, so a question about one of them
matches it only weakly, across languages most of all. Each chunk therefore also carries
one vector per sentence, stored as a Qdrant multivector of rows

    u_i = (1 - w) * chunk + w * sentence_i

searched with MaxSim and a dot product. Because the query vector q is unit-length,
``max_i q . u_i = (1 - w) cos(q, chunk) + w max_i cos(q, sentence_i)``: the engine ranks
by the linear mix of chunk and best-sentence similarity in one prefetch, with no fusion
in Python. On XQuAD that mix beat the chunk vector alone, the best sentence alone and
RRF of the two (bench/retrieval.py; w chosen on half of the paragraphs).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from core.sentences import split_sentences

__all__ = ["sentence_multivector", "sentence_units"]


def sentence_units(text: str, *, context: str = "", max_units: int = 24) -> list[str]:
    """The texts a chunk's sentence vectors are made of; none when the chunk is a single sentence.

    Each sentence is embedded after ``context``, the chunk's title line (ingest/chunking.py), for the
    reason the chunk is: "the kick-off had 32 participants" must belong to the Kiel report, not match
    a Windhoek report's kick-off as well. A chunk of one sentence needs no second vector (its chunk
    vector is that sentence). More than ``max_units`` sentences are joined in neighbouring groups,
    which bounds a chunk's vectors.
    """
    units = split_sentences(text)
    if len(units) <= 1:
        return []
    if len(units) > max_units:
        groups = np.array_split(np.arange(len(units)), max_units)
        units = [" ".join(units[i] for i in group) for group in groups]
    return [f"{context}\n{unit}" for unit in units] if context else units


def sentence_multivector(chunk: np.ndarray, sentences: Sequence[np.ndarray] | np.ndarray, weight: float) -> np.ndarray:
    """Rows ``(1 - weight) * chunk + weight * sentence_i`` as float16 (the store keeps them so: a chunk has a
    dozen rows, and half the bytes move a score by ~1e-4); just the chunk vector without sentences."""
    chunk = np.asarray(chunk, dtype=np.float32)
    rows = np.asarray(sentences, dtype=np.float32).reshape(-1, chunk.shape[-1])
    if not len(rows):
        return chunk[None, :].astype(np.float16)
    return ((1.0 - weight) * chunk[None, :] + weight * rows).astype(np.float16)
