"""Researcher: search, judge the evidence, refine, search again (at most ``max_search_loops``).

Per sub-question:

1. search with the planned filters (always combined with the caller's
   visibility tier *inside* the query);
2. judge whether the top passages answer it (:mod:`agents.judge`);
3. if not, reformulate: drop the filters that emptied the result (found with
   cheap ``count`` calls, no embedding), add key terms in the documents'
   language (an English question over German reports needs "Frist", not only
   "deadline"), and on the last loop relax the soft filters (place, time,
   topic) that may rest on incomplete metadata.

Passages from every loop are pooled; the best ones become numbered
:class:`Evidence`, deduplicated across sub-questions. Passages that look like
prompt injections are flagged in the trace (they stay citable as facts).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from pydantic import BaseModel, Field

from agents.judge import Judge, RuleJudge
from agents.lexicon import EXPANSIONS
from agents.models import (
    AgentEvent,
    Evidence,
    FlaggedPassage,
    Judgement,
    Plan,
    SearchStep,
    SubQuestion,
)
from agents.safety import injection_patterns
from agents.text import list_edges
from core.dates import find_dates
from core.filters import Filter, Match, Range, all_of
from core.gazetteer import place_names
from core.settings import Settings
from core.store import Hit
from core.topics import topic_label
from retrieval.filters import SearchFilters, visibility_filter
from retrieval.hybrid import HybridSearcher

logger = logging.getLogger(__name__)

__all__ = ["DROP_ORDER", "ENUMERATION_PLACES", "SOFT_FILTERS", "Research", "Researcher"]

Emit = Callable[[AgentEvent], None]

# Filters dropped first when a search comes back empty: metadata-derived and narrow first,
# the question's hard constraints (doc type, open) last.
DROP_ORDER = (
    "place", "city", "country", "region", "topic", "year", "year_from", "year_to", "published_from",
    "published_to", "deadline_from", "deadline_to", "open", "doc_type", "language",
)
# Filters relaxed on the last loop when results exist but do not answer: they rest on extracted metadata.
SOFT_FILTERS = ("place", "city", "country", "region", "topic", "year", "year_from", "year_to",
                "published_from", "published_to")
# Lists search deeper than they keep: the hits below the cut are where enumerations are found (see _kept).
_K = {"answer": 6, "list": 16, "factsheet": 10}
_KEEP = {"answer": 5, "list": 8, "factsheet": 8}
#: A passage or sentence naming at least this many places is an enumeration: the shape of a list-of-places answer.
ENUMERATION_PLACES = 3
#: Lower-ranked enumerations a list-of-places question keeps beyond ``_KEEP``.
_ENUMERATIONS = 2
#: Best passages of a list question whose bullet list may run on into a neighbouring chunk.
_LIST_CONTINUATIONS = 3


class Research(BaseModel):
    """What the researcher hands to the synthesizer."""

    evidence: list[Evidence] = Field(default_factory=list)
    answered: dict[int, bool] = Field(default_factory=dict, description="Per sub-question: judged answered")
    searches: list[SearchStep] = Field(default_factory=list)
    judgements: list[Judgement] = Field(default_factory=list)
    loops: dict[str, int] = Field(default_factory=dict)
    flagged: list[FlaggedPassage] = Field(default_factory=list)
    key_terms: dict[int, list[str]] = Field(default_factory=dict, description="Document-language terms added")
    dropped: dict[int, list[str]] = Field(default_factory=dict, description="Filters dropped per sub-question")

    @property
    def any_answered(self) -> bool:
        return any(self.answered.values())

    def __repr__(self) -> str:
        return f"Research({len(self.evidence)} passages, answered={self.answered})"


def _without(filters: SearchFilters, fields: Sequence[str]) -> SearchFilters:
    reset = {name: SearchFilters.model_fields[name].get_default(call_default_factory=True) for name in fields}
    return filters.model_copy(update=reset)


def _active_fields(filters: SearchFilters) -> list[str]:
    return [name for name in DROP_ORDER if name in filters.active()]


class Researcher:
    """Runs the search loops of a plan against one searcher."""

    def __init__(self, settings: Settings, searcher: HybridSearcher, *, judge: Judge | None = None) -> None:
        self.settings = settings
        self.searcher = searcher
        self.judge = judge or RuleJudge()
        self.max_loops = max(1, int(settings.max_search_loops))

    # -- filters ---------------------------------------------------------------------------------

    def _store_filter(self, filters: SearchFilters, allowed: list[str] | None, today: date) -> Filter | None:
        return all_of(filters.to_filter(today=today), visibility_filter(allowed))

    def _unblock(self, filters: SearchFilters, allowed: list[str] | None, today: date) -> tuple[SearchFilters, list[str]]:
        """Drop filters, in :data:`DROP_ORDER`, until some visible point matches again (count only)."""
        dropped: list[str] = []
        current = filters
        for name in _active_fields(filters):
            current = _without(current, [name])
            dropped.append(name)
            if self.searcher.store.count(self._store_filter(current, allowed, today)) > 0:
                break
        return current, dropped

    # -- query terms -----------------------------------------------------------------------------

    def _term_languages(self, question_lang: str) -> list[str]:
        """The question's language and the index's main other language (e.g. German for English questions)."""
        try:
            langs = self.searcher.indexed_languages()
        except Exception as exc:  # noqa: BLE001 - expansion is an optimisation, never a failure
            logger.debug("indexed languages unavailable: %s", exc)
            langs = []
        others = [lang for lang in langs if lang != question_lang and lang in ("de", "en", "fr", "ar")]
        return [question_lang, *others[:1]]

    def key_terms(self, sub: SubQuestion, plan: Plan) -> list[str]:
        """Key terms for a reformulated query: the cue-group vocabulary ("Frist Bewerbungsfrist") and topic
        labels, in the question's language and in the index's main other language."""
        terms: list[str] = []
        for lang in self._term_languages(plan.language):
            for group in sub.intent:
                if group in EXPANSIONS and lang in EXPANSIONS[group]:
                    terms.append(EXPANSIONS[group][lang])
            for slug in plan.topics:
                label = topic_label(slug, lang)
                if label and label != slug:
                    terms.append(label)
        return list(dict.fromkeys(terms))

    # -- the loop ----------------------------------------------------------------------------------

    def _search(self, query: str, filters: SearchFilters, *, k: int, allowed: list[str] | None, today: date,
                lang: str) -> tuple[list[Hit], float]:
        t0 = time.perf_counter()
        hits, _ = self.searcher.search_hits(query, k=k, filter=self._store_filter(filters, allowed, today),
                                            language=lang)
        return hits, (time.perf_counter() - t0) * 1000

    def research(
        self,
        plan: Plan,
        *,
        allowed_visibility: Sequence[str] | None = None,
        today: date | None = None,
        emit: Emit | None = None,
    ) -> Research:
        """Search every sub-question of ``plan``; return pooled, numbered evidence and the trace."""
        today = today or date.today()
        allowed = list(allowed_visibility) if allowed_visibility is not None else None
        out = Research()
        pools: list[dict[str, Hit]] = []
        for index, sub in enumerate(plan.sub_questions):
            pools.append(self._research_one(index, sub, plan, allowed, today, out, emit))
        out.evidence = self._evidence(plan, pools, out)
        return out

    def _research_one(self, index: int, sub: SubQuestion, plan: Plan, allowed: list[str] | None, today: date,
                      out: Research, emit: Emit | None) -> dict[str, Hit]:
        k = _K[sub.shape]
        filters = sub.filters
        query = sub.text
        pool: dict[str, Hit] = {}
        dropped: list[str] = []
        extra: list[str] = []
        loop = 0
        for loop in range(1, self.max_loops + 1):
            hits, ms = self._search(query, filters, k=k, allowed=allowed, today=today, lang=plan.language)
            step = SearchStep(sub_question=index, loop=loop, query=query, filters=filters.active(),
                              dropped_filters=list(dropped), hits=len(hits), language=plan.language, ms=round(ms, 1))
            out.searches.append(step)
            if emit:
                emit(AgentEvent(kind="search", stage="research", data=step.model_dump(mode="json")))
            for hit in hits:
                # Later loops only add passages; the fused score is rank-based, so keep the best seen.
                best = pool.get(hit.id)
                if best is None or hit.score > best.score:
                    pool[hit.id] = hit
            judgement = self.judge.judge(sub, index, loop, hits, plan=plan, extra_terms=extra, today=today)
            out.judgements.append(judgement)
            if emit:
                emit(AgentEvent(kind="judgement", stage="research", data=judgement.model_dump(mode="json")))
            if judgement.answered or loop == self.max_loops:
                out.answered[index] = judgement.answered
                break
            # Reformulate for the next loop.
            if not hits and filters.active():
                filters, gone = self._unblock(filters, allowed, today)
                dropped += gone
            elif loop == self.max_loops - 1 and any(f in filters.active() for f in SOFT_FILTERS):
                gone = [f for f in SOFT_FILTERS if f in filters.active()]
                filters = _without(filters, gone)
                dropped += gone
            if not extra:
                extra = self.key_terms(sub, plan)
                if extra:
                    query = f"{sub.text} {' '.join(extra)}"
        if "deadline" in sub.intent:
            self._add_deadline_passages(pool, allowed, docs=3 if sub.shape == "list" else 1)
        if sub.shape == "list":
            self._add_list_continuations(pool, allowed)
        out.loops[str(index)] = loop
        out.key_terms[index] = extra
        out.dropped[index] = dropped
        return pool

    def _add_deadline_passages(self, pool: dict[str, Hit], allowed: list[str] | None, *, docs: int = 2) -> None:
        """Make sure the passage stating a call's deadline is in the pool.

        Ingest extracted each call's deadline into the payload; the passage that states it ("Bewerbungen
        bis 30.09.2024 …") often ranks below the call's introduction. For the best ``docs`` documents
        with a deadline, a cheap scroll over the document's chunks finds the passage with that date.
        """
        seen: dict[str, tuple[set[str], float]] = {}
        for hit in sorted(pool.values(), key=lambda h: -h.score):
            doc_id = str(hit.payload.get("doc_id", ""))
            wanted = {str(d) for d in [hit.payload.get("deadline"), *(hit.payload.get("deadlines") or [])] if d}
            if wanted and doc_id not in seen and len(seen) < docs:
                seen[doc_id] = (wanted, hit.score)
        for doc_id, (wanted, score) in seen.items():
            def states(h: Hit, wanted: set[str] = wanted) -> bool:
                text = f"{h.payload.get('heading') or ''}\n{h.payload.get('text', '')}"
                return any(m.start.isoformat() in wanted for m in find_dates(text, h.payload.get("language")))

            if any(h.payload.get("doc_id") == doc_id and states(h) for h in pool.values()):
                continue
            flt = all_of(Filter(must=[Match("doc_id", doc_id)]), visibility_filter(allowed))
            chunks, _ = self.searcher.store.scroll(filter=flt, limit=128)
            for chunk in sorted(chunks, key=lambda h: h.payload.get("chunk_index", 0)):
                if states(chunk):
                    chunk.score = score * 0.99
                    pool[chunk.id] = chunk
                    break

    def _add_list_continuations(self, pool: dict[str, Hit], allowed: list[str] | None) -> None:
        """Add the neighbouring chunk that continues a bullet list cut at a chunk boundary.

        The chunker splits a long section by size, so "six tandems were selected:" and its first items can
        sit in one chunk and the remaining items in the next; the search finds the half whose words match the
        question, and a list answer built from it names only some of the places. For the best passages whose
        list runs into a chunk edge, one scroll (same document, ``chunk_index`` ± 1, the caller's visibility
        inside the filter) fetches the neighbours; one is kept if it is in the same section and its facing
        edge is part of the list too.
        """
        for hit in sorted(pool.values(), key=lambda h: (-h.score, h.id))[:_LIST_CONTINUATIONS]:
            starts_with_item, ends_open = list_edges(str(hit.payload.get("text", "")))
            index = hit.payload.get("chunk_index")
            if not (starts_with_item or ends_open) or not isinstance(index, int):
                continue
            flt = all_of(Filter(must=[Match("doc_id", str(hit.payload.get("doc_id", ""))),
                                      Range("chunk_index", gte=index - 1, lte=index + 1)]),
                         visibility_filter(allowed))
            chunks, _ = self.searcher.store.scroll(filter=flt, limit=3)
            for chunk in chunks:
                if chunk.payload.get("heading") != hit.payload.get("heading"):
                    continue
                first, last = list_edges(str(chunk.payload.get("text", "")))
                offset = chunk.payload.get("chunk_index")
                known = pool.get(chunk.id)
                if known is not None and known.score >= hit.score * 0.99:
                    continue
                if (offset == index + 1 and ends_open and first) or (offset == index - 1 and starts_with_item and last):
                    # The rest of the list ranks with the list, also when the search found it lower on its own.
                    chunk.score = hit.score * 0.99
                    pool[chunk.id] = chunk
                    logger.debug("list continued in chunk %s of %s", offset, hit.payload.get("source"))

    # -- evidence ----------------------------------------------------------------------------------

    def _evidence(self, plan: Plan, pools: list[dict[str, Hit]], out: Research) -> list[Evidence]:
        """The best passages of each sub-question, numbered in order of first use, deduplicated."""
        evidence: dict[str, Evidence] = {}
        for index, pool in enumerate(pools):
            sub = plan.sub_questions[index]
            for hit in _kept(pool, sub):
                if hit.id in evidence:
                    if index not in evidence[hit.id].sub_questions:
                        evidence[hit.id].sub_questions.append(index)
                    continue
                item = _to_evidence(len(evidence) + 1, hit, index)
                evidence[hit.id] = item
                if item.flags:
                    out.flagged.append(FlaggedPassage(chunk_id=item.chunk_id, doc_id=item.doc_id, source=item.source,
                                                      patterns=item.flags, excerpt=item.text[:200]))
                    logger.warning("passage %s of %s looks like a prompt injection: %s", item.chunk_id, item.source,
                                   item.flags)
        return list(evidence.values())


def _place_count(hit: Hit) -> int:
    return len(place_names(str(hit.payload.get("text", ""))))


def _kept(pool: dict[str, Hit], sub: SubQuestion) -> list[Hit]:
    """The passages kept for a sub-question: the best by score and, for a list of places, enumerations.

    A passage that lists the six partner cities consists of names rather than of the question's words, so
    it ranks below passages that talk about the subject (across languages the more so); the passages below
    the cut that name the most places are kept too, for the synthesizer to find the whole list.
    """
    ranked = sorted(pool.values(), key=lambda h: (-h.score, h.id))
    kept = ranked[: _KEEP[sub.shape]]
    if sub.list_of != "places":
        return kept
    lists = [(n, hit) for hit in ranked[len(kept):] if (n := _place_count(hit)) >= ENUMERATION_PLACES]
    lists.sort(key=lambda pair: -pair[0])  # stable: equal counts stay in score order
    return kept + [hit for _, hit in lists[:_ENUMERATIONS]]


def _date(value: Any) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def _to_evidence(n: int, hit: Hit, sub_index: int) -> Evidence:
    p = hit.payload
    text = str(p.get("text", ""))
    return Evidence(
        n=n,
        chunk_id=hit.id,
        doc_id=str(p.get("doc_id", "")),
        source=str(p.get("source", "")),
        title=str(p.get("title", "")),
        page=p.get("page"),
        heading=p.get("heading"),
        text=text,
        score=round(float(hit.score), 6),
        doc_type=p.get("doc_type"),
        language=p.get("language"),
        published=_date(p.get("published")),
        deadline=_date(p.get("deadline")),
        deadlines=[d for d in (_date(v) for v in p.get("deadlines") or []) if d],
        cities=list(p.get("cities") or []),
        countries=list(p.get("countries") or []),
        contacts=[c for c in p.get("contacts") or [] if isinstance(c, dict)],
        sub_questions=[sub_index],
        flags=injection_patterns(text),
    )
