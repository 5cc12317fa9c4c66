"""Store hits → reader-facing results: snippets with highlighted terms, per-document collapse."""

from __future__ import annotations

import re
from collections.abc import Sequence

from core.language import fold_token
from core.models import SearchResult
from core.store import Hit

__all__ = ["collapse_per_doc", "highlight_snippet", "query_terms", "to_results"]

_WORD = re.compile(r"\w+", re.UNICODE)
_STOP_WORDS = (
    # short function words of de/en/fr that would light up every snippet
    "der", "die", "das", "und", "oder", "ein", "eine", "einen", "mit", "für", "von", "den", "dem", "des", "ist",
    "sind", "wie", "was", "wer", "wann", "bis", "zum", "zur", "auf", "aus", "bei", "nach", "über", "welche",
    "welcher", "the", "and", "for", "with", "what", "which", "who", "when", "where", "how", "are", "was", "were",
    "from", "that", "this", "les", "des", "une", "pour", "avec", "dans", "qui", "quand", "quel", "quelle", "est",
    "sur", "par", "aux", "can", "does", "did", "has", "have", "ont", "sich", "man", "kann", "gibt",
)
# Query words are folded before the lookup, so the stoplist is folded too ("für" → "fur").
_STOP = {fold_token(word) for word in _STOP_WORDS}
_PAYLOAD_DROP = {"text", "kind"}


def query_terms(query: str) -> list[str]:
    """Content words of the query, folded, as prefixes (a crude stem that works across de/en/fr)."""
    terms = []
    for word in _WORD.findall(query):
        folded = fold_token(word)
        if len(folded) < 3 or folded in _STOP:
            continue
        terms.append(folded[: max(4, len(folded) - 3)] if len(folded) > 5 else folded)
    return list(dict.fromkeys(terms))


def highlight_snippet(text: str, query: str, *, max_chars: int = 320) -> str:
    """The window of ``text`` with the most query-term matches, matches wrapped in ``**``."""
    terms = query_terms(query)
    words = list(_WORD.finditer(text))
    prefixes = tuple(terms)
    matched = [m for m in words if prefixes and fold_token(m.group()).startswith(prefixes)]
    if len(text) <= max_chars:
        start, end = 0, len(text)
    else:
        best_start, best_count = 0, -1
        for m in matched or words[:1]:
            lo = max(0, m.start() - max_chars // 4)
            count = sum(1 for x in matched if lo <= x.start() < lo + max_chars)
            if count > best_count:
                best_start, best_count = lo, count
        start = best_start
        if start > 0:  # begin at a word boundary
            space = text.find(" ", start)
            start = space + 1 if 0 <= space < start + 30 else start
        end = min(len(text), start + max_chars)
        if end < len(text):
            space = text.rfind(" ", start, end)
            end = space if space > start + max_chars // 2 else end
    out: list[str] = []
    pos = start
    for m in matched:
        if m.start() < start or m.end() > end:
            continue
        out.append(text[pos : m.start()])
        out.append(f"**{m.group()}**")
        pos = m.end()
    out.append(text[pos:end])
    snippet = "".join(out).replace("\n", " ")
    return ("… " if start > 0 else "") + snippet.strip() + (" …" if end < len(text) else "")


def collapse_per_doc(hits: Sequence[Hit]) -> list[Hit]:
    """Keep the best-ranked chunk of each document."""
    seen: set[str] = set()
    out = []
    for hit in hits:
        doc_id = str(hit.payload.get("doc_id"))
        if doc_id in seen:
            continue
        seen.add(doc_id)
        out.append(hit)
    return out


def to_results(hits: Sequence[Hit], query: str, *, snippet_chars: int = 320) -> list[SearchResult]:
    results = []
    for rank, hit in enumerate(hits, start=1):
        p = hit.payload
        text = str(p.get("text", ""))
        results.append(
            SearchResult(
                rank=rank,
                score=round(hit.score, 6),
                doc_id=str(p.get("doc_id", "")),
                source=str(p.get("source", "")),
                title=str(p.get("title", "")),
                chunk_id=hit.id,
                text=text,
                snippet=highlight_snippet(text, query, max_chars=snippet_chars),
                page=p.get("page"),
                heading=p.get("heading"),
                metadata={k: v for k, v in p.items() if k not in _PAYLOAD_DROP},
            )
        )
    return results
