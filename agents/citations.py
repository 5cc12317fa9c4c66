"""Turning cited evidence into the contract's citation list, numbered as the reader sees it.

Evidence is numbered while researching (every passage found); an answer cites
a few of them. Renumbering the cited ones 1..m in order of first use keeps the
``[n]`` markers and the source list short and gap-free.
"""

from __future__ import annotations

import re
from datetime import date

from agents.models import Citation, Evidence, Sentence
from core.language import fold

__all__ = ["build_citations", "renumber"]

_QUOTE_CHARS = 600


def renumber(groups: list[list[Sentence]]) -> dict[int, int]:
    """Rewrite the sentences' citation numbers to 1..m in order of first use; returns old → new."""
    mapping: dict[int, int] = {}
    for sentences in groups:
        for sentence in sentences:
            for n in sentence.citations:
                mapping.setdefault(n, len(mapping) + 1)
    for sentences in groups:
        for sentence in sentences:
            sentence.citations = [mapping[n] for n in sentence.citations]
    return mapping


def _words(text: str) -> str:
    return " ".join(re.findall(r"\w+", fold(text)))


def _quote(item: Evidence, sentences: list[Sentence], new_n: int) -> str:
    """The cited sentences when they are verbatim in the passage (without our notes), else its beginning."""
    passage = _words(f"{item.title} {item.heading or ''} {item.text}")
    verbatim = []
    for s in sentences:
        text = s.text.replace(f" ({s.note})", "") if s.note else s.text
        if new_n in s.citations and _words(text) in passage:
            verbatim.append(text)
    if verbatim:
        return " … ".join(dict.fromkeys(verbatim))
    text = " ".join(item.text.split())
    return text if len(text) <= _QUOTE_CHARS else text[:_QUOTE_CHARS].rsplit(" ", 1)[0] + " …"


def build_citations(mapping: dict[int, int], evidence: list[Evidence], sentences: list[Sentence], *,
                    today: date) -> list[Citation]:
    """Citations for the renumbered sentences, in the new order."""
    by_n = {e.n: e for e in evidence}
    out = []
    for old, new in sorted(mapping.items(), key=lambda kv: kv[1]):
        item = by_n[old]
        out.append(
            Citation(
                n=new,
                doc_id=item.doc_id,
                source=item.source,
                title=item.title,
                quote=_quote(item, sentences, new),
                chunk_id=item.chunk_id,
                page=item.page,
                heading=item.heading,
                deadline=item.deadline,
                expired=item.expired(today),
            )
        )
    return out
