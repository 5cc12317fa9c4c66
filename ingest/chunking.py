"""Split a parsed document into passages that make sense on their own.

llama-index's SentenceSplitter does the sentence-aware splitting inside each
section, so a chunk never spans two pages or two headings; the document title
and the section heading are prepended to the *embedded* text (not the shown
text), which is what lets "the deadline" in a chunk be found by a question
about the call it belongs to.
"""

from __future__ import annotations

import uuid
from functools import lru_cache

from llama_index.core.node_parser import SentenceSplitter

from core.models import Chunk, DocMetadata, ParsedDocument

__all__ = ["chunk_document", "chunk_id", "context_line"]

_NAMESPACE = uuid.UUID("6f1c7a52-3b0e-4a55-9d0c-cca551570001")


def chunk_id(doc_id: str, index: int) -> str:
    """Stable point id: uuid5 of the content-derived doc id and the chunk position."""
    return str(uuid.uuid5(_NAMESPACE, f"{doc_id}:{index}"))


@lru_cache(maxsize=8)
def _splitter(size: int, overlap: int) -> SentenceSplitter:
    return SentenceSplitter(chunk_size=size, chunk_overlap=overlap, paragraph_separator="\n\n")


def context_line(title: str, heading: str | None) -> str:
    """The line before a chunk's text (and before each of its sentences) in what is embedded."""
    if heading and heading.strip().lower() != title.strip().lower():
        return f"{title} — {heading}"
    return title


def chunk_document(doc: ParsedDocument, meta: DocMetadata, *, size: int = 320, overlap: int = 40) -> list[Chunk]:
    """Chunks in reading order; ids are uuid5(doc_id, index)."""
    splitter = _splitter(size, overlap)
    pieces: list[tuple[str, int | None, str | None]] = []
    for section in doc.sections:
        text = section.text.strip()
        if not text:
            continue
        for piece in splitter.split_text(text):
            if piece.strip():
                pieces.append((piece.strip(), section.page, section.heading))
    n = len(pieces)
    return [
        Chunk(
            id=chunk_id(meta.doc_id, i),
            doc_id=meta.doc_id,
            chunk_index=i,
            n_chunks=n,
            text=text,
            embed_text=f"{context_line(meta.title, heading)}\n{text}",
            page=page,
            heading=heading,
            metadata=meta,
        )
        for i, (text, page, heading) in enumerate(pieces)
    ]
