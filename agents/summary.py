"""Extractive, cited summaries of one document: its most central sentences, each cited to its chunk.

Centrality is the mean cosine similarity of a sentence's embedding to the
document's other sentences; the 3–5 most central sentences are kept in
document order, so the summary reads in the order the document tells it.
No text is generated, so every sentence is grounded by construction.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np

from agents.text import split_sentences

__all__ = ["summarize_document"]

_MAX_SENTENCES = 400
_FRONT_MATTER = re.compile(r"^---\n.*?\n---\n", re.DOTALL)


def _clean(text: str) -> str:
    text = _FRONT_MATTER.sub("", text)
    return "\n".join(line.lstrip("#").strip() if line.lstrip().startswith("#") else line for line in text.splitlines())


def summarize_document(
    meta: dict[str, Any],
    chunks: Sequence[dict[str, Any]],
    embedder: Any,
    *,
    max_sentences: int = 5,
    min_sentences: int = 3,
) -> dict[str, Any]:
    """A cited summary of one document.

    Args:
        meta: ``doc_id``, ``source``, ``title``, ``language`` of the document.
        chunks: the document's chunks in order (``chunk_id``, ``page``, ``heading``, ``text``).
        embedder: a :class:`core.embedders.DenseEmbedder` (L2-normalised passage vectors).

    Returns:
        ``{doc_id, language, summary, sentences:[{text, citations}], citations:[…], grounded, backend}``.
    """
    candidates: list[tuple[int, int, str]] = []  # (chunk position, order, sentence)
    seen: set[str] = set()
    for pos, chunk in enumerate(chunks):
        for sentence in split_sentences(_clean(str(chunk.get("text", "")))):
            sentence = " ".join(sentence.split())
            key = sentence.lower()
            if len(sentence) < 20 or key in seen or sentence.lower() == str(meta.get("title", "")).lower():
                continue
            seen.add(key)
            candidates.append((pos, len(candidates), sentence))
            if len(candidates) >= _MAX_SENTENCES:
                break
    if not candidates:  # very short documents: whole chunks
        for pos, chunk in enumerate(chunks):
            text = " ".join(_clean(str(chunk.get("text", ""))).split())
            if text:
                candidates.append((pos, len(candidates), text))
    keep = max(min_sentences, min(max_sentences, len(candidates) // 4 or min_sentences))
    if len(candidates) > keep:
        vectors = np.asarray(embedder.embed_passages([c[2] for c in candidates]), dtype=np.float32)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        vectors = vectors / np.where(norms == 0, 1, norms)
        sims = vectors @ vectors.T
        n = len(candidates)
        centrality = (sims.sum(axis=1) - np.diag(sims)) / max(1, n - 1)
        chosen = sorted(np.argsort(-centrality)[:keep].tolist())
        picked = [candidates[i] for i in chosen]
    else:
        picked = candidates
    numbers: dict[int, int] = {}
    citations: list[dict[str, Any]] = []
    sentences: list[dict[str, Any]] = []
    for pos, _, text in picked:
        if pos not in numbers:
            chunk = chunks[pos]
            numbers[pos] = len(numbers) + 1
            citations.append({
                "n": numbers[pos],
                "doc_id": str(meta.get("doc_id", "")),
                "source": str(meta.get("source", "")),
                "title": str(meta.get("title", "")),
                "quote": text,
                "chunk_id": chunk.get("chunk_id"),
                "page": chunk.get("page"),
                "heading": chunk.get("heading"),
            })
        sentences.append({"text": text, "citations": [numbers[pos]]})
    summary = " ".join(f"{s['text']} [{s['citations'][0]}]" for s in sentences)
    return {
        "doc_id": str(meta.get("doc_id", "")),
        "language": meta.get("language"),
        "summary": summary,
        "sentences": sentences,
        "citations": citations,
        "grounded": True,
        "backend": "extractive",
    }
