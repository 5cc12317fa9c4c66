"""The exchange finder: "we have problem X" → past exchanges to learn from, and the peers of a city.

Ranking is one Qdrant request over the ``exchanges`` collection, built by :class:`HybridSearcher`, with the
user's filters, "took place by today" and the caller's visibility inside the query. The default mode is
*dense* (cosine similarity of the problem to the record summaries); the engine-fused *hybrid* mode (dense +
per-language BM25, RRF) is one argument away, but measured worse on records (bench/extraction.py: R@5
0.80 vs 0.94 without cutoff): ~30 short summaries give BM25 no useful statistics, and RRF scores are ranks,
which leaves no magnitude for a relevance cutoff. On top of the similarity comes one boost: the share of
the problem's topics (:func:`core.topics.query_topics`) that the record covers, weighted by how salient each
topic is in the record, because "Starkregen" and a report about climate adaptation should meet even when
the words differ. Records of the same event (the invitation and the report of one workshop) are merged into
one exchange with several sources, and exchanges scoring far below the best one are left out: a short list
of good matches beats five with three misses.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from pydantic import BaseModel, Field

from core.embedders import DenseEmbedder
from core.errors import InvalidInput
from core.filters import DateRange, Filter, Match, MatchAny, Range, all_of
from core.gazetteer import lookup, normalize_region
from core.language import fold
from core.models import Contact, Evidence, ExchangeParticipant
from core.settings import Settings
from core.sparse import SparseEncoder
from core.store import Hit, Store
from core.topics import query_topics, topic_from_label
from retrieval.filters import visibility_filter
from retrieval.hybrid import HybridSearcher
from retrieval.results import query_terms

logger = logging.getLogger(__name__)

__all__ = [
    "ExchangeFilters",
    "ExchangeFinder",
    "ExchangeMatch",
    "ExchangeSearchResponse",
    "ExchangeSource",
    "PeerCity",
    "PeerEvent",
    "PeersResponse",
    "WhyPassage",
    "event_key",
    "topic_overlap",
]

#: Weight of the (salience-weighted) topic overlap, added to the similarity of the record to the problem.
TOPIC_BOOST = 0.1
#: In dense mode, exchanges scoring below this share of the best exchange's score are left out.
RELATIVE_CUTOFF = 0.97
#: Default retrieval mode; bench/extraction.py measures it against the fused hybrid request.
DEFAULT_MODE = "dense"
#: Topics below this salience in a record (a passing mention) do not make two cities "share" a topic.
MIN_SALIENCE = 0.25
#: Candidates fetched per requested exchange before grouping.
FETCH_FACTOR = 8


class ExchangeFilters(BaseModel):
    """Finder filters; each runs inside the Qdrant query."""

    region: list[str] = Field(default_factory=list, description="Programme region in any language (MENA, Lateinamerika …)")
    country: list[str] = Field(default_factory=list, description="Country in any language or ISO code")
    topic: list[str] = Field(default_factory=list, description="Topic slug or label in any language")
    since: int | None = Field(None, description="Only exchanges from this year on")
    include_upcoming: bool = Field(
        False, description="Also planned exchanges (future or undated: calls, invitations); by default only past ones"
    )

    def to_filter(self, *, today: date | None = None) -> Filter | None:
        must: list[Any] = []
        if not self.include_upcoming:  # one learns from exchanges that took place
            must.append(DateRange("event_dates", lte=today or date.today()))
        regions = [normalize_region(r) or r for r in self.region]
        countries = []
        for name in self.country:
            place = lookup(name)
            countries.append(place.country if place else name)
        topics = [topic_from_label(t) or t for t in self.topic]
        for key, values in (("regions", regions), ("countries", countries), ("topics", topics)):
            if values:
                must.append(Match(key, values[0]) if len(values) == 1 else MatchAny(key, tuple(values)))
        if self.since is not None:
            must.append(Range("year", gte=float(self.since)))
        return Filter(must=must) if must else None

    def active(self) -> dict[str, Any]:
        return {k: v for k, v in self.model_dump().items() if v not in (None, [], False)}


class WhyPassage(BaseModel):
    """A cited passage that shows why an exchange matches the problem."""

    field: str = Field(description="Evidence key: topics/<slug>, outcomes/<n>, event_type …")
    quote: str
    chunk_id: str
    doc_id: str
    title: str
    source: str


class ExchangeSource(BaseModel):
    """One document that reports the exchange."""

    record_id: str
    doc_id: str
    title: str
    source: str
    doc_type: str
    language: str
    published: date | None = None


class ExchangeMatch(BaseModel):
    """One exchange, merged over the documents that report it."""

    rank: int
    score: float
    id: str = Field(description="Id of the best-matching record")
    event: str | None = None
    event_type: str | None = None
    kind: str | None = Field(None, description="Alias of event_type (UI)")
    start: date | None = None
    end: date | None = None
    host: str | None = None
    host_country: str | None = None
    cities: list[str] = Field(default_factory=list)
    countries: list[str] = Field(default_factory=list)
    regions: list[str] = Field(default_factory=list)
    participants: list[ExchangeParticipant] = Field(default_factory=list)
    topics: list[str] = Field(default_factory=list)
    matched_topics: list[str] = Field(default_factory=list)
    outcomes: list[str] = Field(default_factory=list)
    next_steps: list[str] = Field(default_factory=list)
    contacts: list[Contact] = Field(default_factory=list)
    why: list[WhyPassage] = Field(default_factory=list)
    sources: list[ExchangeSource] = Field(default_factory=list)
    evidence: dict[str, Evidence] = Field(default_factory=dict, description="Evidence of the best record's fields")


class ExchangeSearchResponse(BaseModel):
    query: str
    language: str | None = None
    query_topics: list[str] = Field(default_factory=list)
    filters: dict[str, Any] = Field(default_factory=dict)
    exchanges: list[ExchangeMatch] = Field(default_factory=list)


class PeerEvent(BaseModel):
    event: str | None = None
    event_type: str | None = None
    start: date | None = None
    host: str | None = None
    topics: list[str] = Field(default_factory=list)
    sources: list[ExchangeSource] = Field(default_factory=list)


class PeerCity(BaseModel):
    city: str
    country: str | None = None
    region: str | None = None
    shared_topics: list[str] = Field(default_factory=list)
    topics: list[str] = Field(default_factory=list, description="Alias of shared_topics (UI)")
    exchanges: int = Field(0, description="Number of events connecting the two cities")
    last: date | None = Field(None, description="Date of the most recent connecting event")
    events: list[PeerEvent] = Field(default_factory=list)


class PeersResponse(BaseModel):
    city: str
    country: str | None = None
    topics: list[str] = Field(default_factory=list, description="Topics of the exchanges the city took part in")
    peers: list[PeerCity] = Field(default_factory=list)


# --------------------------------------------------------------------------- grouping


def topic_overlap(query_topics: Sequence[str], payload: dict[str, Any]) -> float:
    """Share of the problem's topics the record covers, each weighted by its salience in the record (0..1)."""
    if not query_topics:
        return 0.0
    topics = set(payload.get("topics") or [])
    weights = payload.get("topic_weights") or {}
    return sum(float(weights.get(t, 1.0)) for t in query_topics if t in topics) / len(query_topics)


def event_key(payload: dict[str, Any]) -> str:
    """Records of one event share a key: type + start date (+ host), else the folded event name, else the record."""
    kind = payload.get("event_type") or ""
    if payload.get("start"):
        return f"{kind}|{payload['start']}|{payload.get('host') or ''}"
    name = re.sub(r"\W+", "", fold(str(payload.get("event_name") or "")))
    return f"{kind}|{name}" if name else f"record|{payload.get('id')}"


@dataclass(slots=True)
class _Group:
    key: str
    members: list[tuple[float, Hit]] = field(default_factory=list)

    @property
    def score(self) -> float:
        return max(s for s, _ in self.members)

    @property
    def best(self) -> Hit:
        return max(self.members, key=lambda m: m[0])[1]


def _merged(values: Iterable[Iterable[Any]]) -> list[Any]:
    out: dict[Any, None] = {}
    for seq in values:
        for v in seq or []:
            out.setdefault(v if not isinstance(v, dict) else repr(sorted(v.items())), None)
    return list(out)


def _salient(payload: dict[str, Any]) -> list[str]:
    weights = payload.get("topic_weights") or {}
    return [t for t in payload.get("topics") or [] if float(weights.get(t, 1.0)) >= MIN_SALIENCE]


def _source(hit: Hit) -> ExchangeSource:
    p = hit.payload
    return ExchangeSource(record_id=hit.id, doc_id=str(p.get("doc_id", "")), title=str(p.get("title", "")),
                          source=str(p.get("source", "")), doc_type=str(p.get("doc_type", "")),
                          language=str(p.get("language", "")), published=p.get("published"))


def _why(hits: Sequence[Hit], query: str, matched: Sequence[str], limit: int = 2) -> list[WhyPassage]:
    """The evidence passages that best explain the match: quotes of matched topics first, then query words."""
    terms = query_terms(query)
    scored: list[tuple[float, int, WhyPassage]] = []
    for order, hit in enumerate(hits):
        p = hit.payload
        for key, ev in (p.get("evidence") or {}).items():
            quote = str(ev.get("quote", ""))
            folded = fold(quote)
            lexical = sum(1 for t in terms if re.search(rf"(?<!\w){re.escape(t)}", folded))
            topical = 2.0 if key.startswith("topics/") and key.split("/", 1)[1] in matched else 0.0
            outcome = 0.5 if key.startswith(("outcomes/", "next_steps/")) else 0.0
            score = lexical + topical + outcome
            if score <= 0:
                continue
            scored.append((score, order, WhyPassage(field=key, quote=quote, chunk_id=str(ev.get("chunk_id", "")),
                                                    doc_id=str(p.get("doc_id", "")), title=str(p.get("title", "")),
                                                    source=str(p.get("source", "")))))
    scored.sort(key=lambda x: (-x[0], x[1]))
    out: list[WhyPassage] = []
    seen: set[str] = set()
    for _, _, why in scored:
        if why.quote in seen:
            continue
        seen.add(why.quote)
        out.append(why)
        if len(out) == limit:
            break
    if not out and hits:  # nothing lexical: the passage naming the event
        p = hits[0].payload
        ev = (p.get("evidence") or {}).get("event_type") or (p.get("evidence") or {}).get("event_name")
        if ev:
            out.append(WhyPassage(field="event_type", quote=str(ev["quote"]), chunk_id=str(ev["chunk_id"]),
                                  doc_id=str(p.get("doc_id", "")), title=str(p.get("title", "")),
                                  source=str(p.get("source", ""))))
    return out


def _match(rank: int, group: _Group, query: str, qtopics: Sequence[str]) -> ExchangeMatch:
    hits = [h for _, h in sorted(group.members, key=lambda m: -m[0])]
    best = hits[0].payload
    topics = _merged(h.payload.get("topics") for h in hits)
    matched = [t for t in qtopics if t in topics]
    participants = {}
    for h in hits:
        for part in h.payload.get("participants") or []:
            participants.setdefault(part["name"], ExchangeParticipant.model_validate(part))
    contacts = {}
    for h in hits:
        for c in h.payload.get("contacts") or []:
            contacts.setdefault((c.get("email") or c.get("phone") or c.get("name") or "").lower(), Contact.model_validate(c))
    return ExchangeMatch(
        rank=rank,
        score=round(group.score, 6),
        id=hits[0].id,
        event=best.get("event_name") or best.get("title"),
        event_type=best.get("event_type"),
        kind=best.get("event_type"),
        start=best.get("start"),
        end=best.get("end"),
        host=best.get("host"),
        host_country=best.get("host_country"),
        cities=_merged(h.payload.get("cities") for h in hits),
        countries=_merged(h.payload.get("countries") for h in hits),
        regions=_merged(h.payload.get("regions") for h in hits),
        participants=list(participants.values()),
        topics=topics,
        matched_topics=matched,
        outcomes=_merged(h.payload.get("outcomes") for h in hits),
        next_steps=_merged(h.payload.get("next_steps") for h in hits),
        contacts=list(contacts.values()),
        why=_why(hits, query, matched),
        sources=[_source(h) for h in hits],
        evidence={k: Evidence.model_validate(v) for k, v in (best.get("evidence") or {}).items()},
    )


# --------------------------------------------------------------------------- the finder


class ExchangeFinder:
    """Finds past exchanges for a problem description and the peers of a city, over the ``exchanges`` store."""

    def __init__(self, settings: Settings, store: Store, *, embedder: DenseEmbedder | None = None,
                 sparse: SparseEncoder | None = None) -> None:
        self.settings = settings
        self.store = store
        self.searcher = HybridSearcher(settings, store, embedder=embedder, sparse=sparse)

    def find(
        self,
        problem: str,
        *,
        k: int = 5,
        filters: ExchangeFilters | None = None,
        allowed_visibility: Sequence[str] | None = None,
        topic_boost: float = TOPIC_BOOST,
        relative_cutoff: float | None = None,
        today: date | None = None,
        mode: str = DEFAULT_MODE,
    ) -> ExchangeSearchResponse:
        """Ranked exchanges for ``problem``; ``allowed_visibility`` (the caller's tier) is part of the query.

        ``mode="dense"`` ranks by the cosine similarity Qdrant computes for the record summaries; ``"hybrid"``
        by the engine's fusion of dense and BM25 prefetches (RRF). On top comes ``topic_boost`` × topic
        overlap. ``relative_cutoff`` (default: RELATIVE_CUTOFF in dense mode, none in hybrid mode, whose
        rank-based scores carry no magnitude) drops exchanges far below the best one.
        """
        if relative_cutoff is None:
            relative_cutoff = RELATIVE_CUTOFF if mode == "dense" else 0.0
        if not problem or not problem.strip():
            raise InvalidInput("describe the problem to find exchanges for")
        filters = filters or ExchangeFilters()
        allowed = list(allowed_visibility) if allowed_visibility is not None else None
        flt = all_of(Filter(must=[Match("kind", "exchange")]), filters.to_filter(today=today), visibility_filter(allowed))
        qtopics = query_topics(problem)
        hits, qlang = self.searcher.search_hits(problem, k=max(k * FETCH_FACTOR, 40), filter=flt, mode=mode)
        response = ExchangeSearchResponse(query=problem, language=qlang, query_topics=qtopics, filters=filters.active())
        if not hits:
            return response
        top = max(h.score for h in hits) or 1.0  # normalised, so the boost means the same in every mode
        groups: dict[str, _Group] = {}
        for hit in hits:
            score = hit.score / top + topic_boost * topic_overlap(qtopics, hit.payload)
            groups.setdefault(event_key(hit.payload), _Group(event_key(hit.payload))).members.append((score, hit))
        ranked = sorted(groups.values(), key=lambda g: -g.score)
        best = ranked[0].score
        kept = [g for g in ranked if g.score >= relative_cutoff * best][:k]
        response.exchanges = [_match(i, g, problem, qtopics) for i, g in enumerate(kept, start=1)]
        return response

    def peers(self, city: str, *, allowed_visibility: Sequence[str] | None = None, limit: int = 50) -> PeersResponse:
        """Cities that took part in the same exchanges as ``city``, with the shared topics and the events."""
        place = lookup(city)
        if place is None or place.kind != "city":
            name = city.strip()
            country = None
        else:
            name, country = place.name, place.country
        allowed = list(allowed_visibility) if allowed_visibility is not None else None
        flt = all_of(Filter(must=[Match("kind", "exchange"), Match("cities", name)]), visibility_filter(allowed))
        records = list(self.store.iter_all(filter=flt)) if self.store.dim is not None else []
        own_topics = _merged(_salient(r.payload) for r in records)
        events: dict[str, list[Hit]] = {}
        for r in records:
            events.setdefault(event_key(r.payload), []).append(r)
        peers: dict[str, PeerCity] = {}
        for members in events.values():
            p = members[0].payload
            event = PeerEvent(event=p.get("event_name") or p.get("title"), event_type=p.get("event_type"),
                              start=p.get("start"), host=p.get("host"),
                              topics=_merged(_salient(m.payload) for m in members),
                              sources=[_source(m) for m in members])
            participants = {part["name"]: part for m in members for part in m.payload.get("participants") or []
                            if part.get("kind") == "city"}
            for other in _merged(m.payload.get("cities") for m in members):
                if other == name:
                    continue
                info = participants.get(other, {})
                peer = peers.setdefault(other, PeerCity(city=other, country=info.get("country"), region=info.get("region")))
                peer.events.append(event)
                peer.shared_topics = _merged([peer.shared_topics, [t for t in event.topics if t in own_topics]])
        for peer in peers.values():
            peer.topics = peer.shared_topics
            peer.exchanges = len(peer.events)
            dates = [e.start for e in peer.events if e.start]
            peer.last = max(dates) if dates else None
            peer.events.sort(key=lambda e: e.start or date.min, reverse=True)
        ranked = sorted(peers.values(), key=lambda p: (-p.exchanges, -len(p.shared_topics), p.city))
        return PeersResponse(city=name, country=country, topics=own_topics, peers=ranked[:limit])
