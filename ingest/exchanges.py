"""Exchange records: who met whom, where, when, on what, with which result, read from reports, invitations and calls.

Design
------
*One record per exchange a document reports*, stored as one point of the index's second collection,
``exchanges``: a dense vector of the record's summary text, a sparse (BM25) vector of the summary plus the
passages the record was read from, and a payload with every field plus ``doc_id``, ``source``, ``title``
and ``visibility`` of the source document. Records are derived from the document's *chunks*, so every
value can cite the passage it came from: ``evidence`` maps a field path (``event_type``, ``start``,
``host``, ``cities/Kisumu``, ``topics/water``, ``outcomes/0`` …) to ``{chunk_id, quote}``, where the quote
is verbatim text of that chunk (``location="heading"`` when it is the chunk's heading, i.e. the title).
A value without a passage is not recorded: nothing is invented.

*Offline extraction, no model needed.* The shared extractors do the language work: places and their
countries/regions come from :mod:`core.gazetteer`, dates (ranges such as "25.–27. November 2025") and
deadlines from :mod:`core.dates`, topics from :mod:`core.topics`, contacts "as published" from
:mod:`ingest.metadata`. This module adds only what is specific to exchanges: cue words for the five
event types in German, English, French and Arabic, and the rules that tie a cue to a date, a host and a
scope. The event is taken from the title when the title names one ("Bericht: Workshop Hitzeaktionsplanung
in Amman, 6.–8. November 2023"); then the whole document is its scope. Otherwise the first sentence in
which a cue meets a day-precise date (not a deadline) makes the event, and its section is the scope, so
a budget memo that mentions a network meeting in passing does not lend it all the memo's cities.

*An LLM improves, never decides.* When a chat backend is configured (``CCASSIST_LLM=local|openai``),
:func:`refine_with_llm` asks it for facts as ``{field, value, passage}`` triples under a JSON schema
(structured output). A proposed value is kept only if it is found in the passage it names (a date must be
one :func:`core.dates.find_dates` reads there, an event type needs one of its cue words there); it fills
gaps the rules left and never overrides them. Any LLM failure leaves the rule-based record as it is.

*Written and replaced with the document.* :class:`ExchangeIndex` is the Ingestor's hook: after a
document's chunks are written it upserts the new records and deletes the source's older ones (new first,
like chunks, so a crash never leaves a document without records); removing a document removes its
records. Record ids are uuid5(doc_id, index), so re-ingesting unchanged content rewrites nothing.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, Field

from core.dates import DateMention, extract_deadlines, find_dates
from core.embedders import DenseEmbedder
from core.errors import CCAssistError
from core.filters import Filter, Match
from core.gazetteer import PlaceMention, find_places, lookup
from core.language import fold
from core.models import (
    EVENT_TYPES,
    Chunk,
    Contact,
    DocMetadata,
    EventType,
    Evidence,
    ExchangeParticipant,
    ExchangeRecord,
)
from core.sparse import SparseEncoder
from core.store import PointData, Store
from core.topics import find_topics, topic_counts, topic_label

logger = logging.getLogger(__name__)

__all__ = [
    "EVENT_LABELS",
    "ExchangeIndex",
    "Passage",
    "documents_from_store",
    "event_cues",
    "exchange_id",
    "extract_exchanges",
    "passages_of",
    "record_summary",
    "refine_with_llm",
]

_NAMESPACE = uuid.UUID("6f1c7a52-3b0e-4a55-9d0c-cca551570002")
MAX_LIST_ITEMS = 6
MAX_QUOTE_CHARS = 400

# --------------------------------------------------------------------------- cue words


def _ar(word: str) -> str:
    """An Arabic word as a regex that tolerates tashkeel/shadda between letters and ة/ه, ى/ي variants."""
    marks = "[\u064b-\u0652\u0640]*"
    classes = {"ة": "[ةه]", "ه": "[ةه]", "ى": "[ىي]", "ي": "[ىي]", "ا": "[اأإآ]", "أ": "[اأإآ]"}
    return marks.join(classes.get(ch, re.escape(ch)) if ch != " " else r"\s+" for ch in word)


_AR_ART = "(?:ال)?"
# Per event type: cue words in de/en/fr/ar. German compounds are allowed in front ("Regionalworkshop",
# "Präsenzworkshops") but not behind ("Konferenzsprachen" is no conference).
_CUES: dict[EventType, str] = {
    "workshop": rf"""\b\w*workshops?\b|\bwerkstatt\b|\bateliers?\b|\blearning\s+exchanges?\b
        |{_ar("ورشة")}\s+{_AR_ART}{_ar("عمل")}|(?<!\w){_AR_ART}{_ar("ورشة")}(?!\w)""",
    "learning_process": rf"""\blernprozess(?:es|e|en)?\b|\blearning\s+process(?:es)?\b
        |\b(?:parcours|processus)\s+d['’]apprentissage\b|{_ar("مسار")}\s+{_AR_ART}{_ar("تعلم")}""",
    "network_meeting": rf"""\b\w*netzwerktreffens?\b|\bnetwork\s+meetings?\b|\b(?:rencontre|réunion)s?\s+(?:régionale\s+)?du\s+réseau\b
        |(?:{_ar("اجتماع")}|{_ar("لقاء")}|{_ar("ملتقى")})\s+{_AR_ART}{_ar("شبكة")}""",
    "conference": rf"""\b\w*konferenz\b|\bconferences?\b(?!\s+(?:cent(?:re|er)|room|hall|call))|\bconférences?\b
        |(?<!\w){_AR_ART}{_ar("مؤتمر")}(?!\w)""",
    "study_tour": rf"""\bstudienreisen?\b|\bfachexkursion(?:en)?\b|\bdelegationsreisen?\b
        |\b(?:auftakt|arbeits|gegen|fach|studien|informations)besuch(?:es|s)?\b|\bfachaustausch(?:es)?\b
        |\bstudy\s+(?:tours?|visits?|trips?)\b|\bexchange\s+visits?\b|\b(?:voyages?|visites?)\s+d['’]études?\b
        |(?:{_ar("زيارة")}|{_ar("رحلة")})\s+{_ar("دراسية")}|{_ar("زيارة")}\s+{_AR_ART}{_ar("وفد")}""",
}
_CUE_RX: dict[EventType, re.Pattern[str]] = {
    kind: re.compile(rx, re.IGNORECASE | re.VERBOSE) for kind, rx in _CUES.items()
}

#: Display labels per event type and language (the summary text embeds them in the document's language).
EVENT_LABELS: dict[EventType, dict[str, str]] = {
    "workshop": {"de": "Workshop", "en": "workshop", "fr": "atelier", "ar": "ورشة عمل"},
    "learning_process": {"de": "Lernprozess", "en": "learning process", "fr": "parcours d'apprentissage", "ar": "مسار تعلم"},
    "network_meeting": {"de": "Netzwerktreffen", "en": "network meeting", "fr": "rencontre du réseau", "ar": "اجتماع الشبكة"},
    "conference": {"de": "Konferenz", "en": "conference", "fr": "conférence", "ar": "مؤتمر"},
    "study_tour": {"de": "Studienreise", "en": "study tour", "fr": "voyage d'études", "ar": "زيارة دراسية"},
}

# A sentence saying that something happens(ed) somewhere: ties a date to an event without a type word
# ("Das Treffen findet vom 25.–27. November 2025 im Rheinforum Bonn statt").
_HAPPENS = re.compile(
    rf"""\b(?:findet|fand|finden|fanden)\b.{{0,120}}?\bstatt\b|\btreffen\b|\bveranstaltung\b
    |\btak(?:es|e)\s+place\b|\btook\s+place\b|\bwill\s+be\s+held\b|\bwas\s+held\b|\bhosted\b|\bmet\s+in\b
    |\bse\s+tiendra\b|\baura\s+lieu\b|\bs['’]est\s+tenue?\b|\ba\s+eu\s+lieu\b|\bont\s+effectué\b
    |{_ar("عقدت")}|{_ar("تعقد")}|{_ar("ستعقد")}|{_ar("انعقد")}""",
    re.IGNORECASE | re.VERBOSE | re.DOTALL,
)
# Right before a city: it is where the event is ("in Amman", "à Agadir", "nach Agadir", "في مدينة إربد").
_LOCATIVE = re.compile(
    r"""(?:\b(?:in|im|at|à|a|en|nach|to|au|aux|bei)\s+(?:der\s+|dem\s+|den\s+|the\s+|la\s+|le\s+)?
        (?:(?:stadt|city\s+of|ville\s+de|commune\s+d['’]|commune\s+de)\s+)?
        |(?:في|إلى|الى)\s+(?:مدينة\s+)?)$""",
    re.IGNORECASE | re.VERBOSE,
)
# Right before a city: where a visit goes ("nach Agadir", "visit to Irbid", "إلى إربد").
_DESTINATION = re.compile(r"(?:\b(?:nach|to)\s+|(?:إلى|الى)\s+(?:مدينة\s+)?)$", re.IGNORECASE)
# "hosted by the City of Kisumu", "Gastgeberin war …", "accueillis par la Commune d'Agadir", "استضافت … بلدية إربد".
_HOST_CUE = re.compile(
    r"\bhosted\s+by\b|\bgastgeber(?:in)?\b|\bausgerichtet\b|\baccueilli(?:e|s|es)?\s+par\b|\bhôte\b|استضاف",
    re.IGNORECASE,
)
_ORIGIN_BEFORE = re.compile(r"\b(?:from|aus|de|d['’]|von)\s+(?:the\s+|der\s+|la\s+)?$", re.IGNORECASE)

# Organisations named after a city: "City of Kisumu", "Feuerwehr Köln", "Kampala Capital City Authority".
_ORG_BEFORE = re.compile(
    r"""(?:\b(?:City|Municipality|County|Commune|Ville|Mairie|Stadt|Landeshauptstadt|Bundesstadt|Hansestadt|Großgemeinde
        |Prefeitura|Municipio|Município|Feuerwehr|Berufsfeuerwehr|Stadtwerke|Stadtverwaltung)
        \s+(?:of\s+|de\s+|d['’]|da\s+|do\s+)?(?:the\s+)?
        |(?:بلدية|أمانة|امانة)\s+)$""",
    re.VERBOSE,
)
_ORG_AFTER = re.compile(
    r"""^(?:\s+(?:City\s+Council|County(?:\s+Government)?|Capital\s+City\s+Authority|City\s+Authority|Metropolitan\s+Assembly
        |Municipal\s+Council|Municipal\s+Corporation|Fire\s+(?:Brigade|Department|Service)|Water\s+(?:Company|Utility))\b
        |\s+الكبرى)""",
    re.VERBOSE,
)

# Section headings of results and of next steps (de/en/fr/ar).
_OUTCOME_HEADING = re.compile(
    r"ergebnis|vereinbarung|beschl|erkenntnis|result|outcome|agreement|achievement|key\s+findings|résultat|engagement"
    r"|conclusion|acquis|نتائج|النتائج|توصيات|اتفاق",
    re.IGNORECASE,
)
_NEXT_HEADING = re.compile(
    r"nächste\s+schritte|ausblick|wie\s+es\s+weitergeht|weiteres\s+vorgehen|next\s+steps|follow[\s-]?up|way\s+forward"
    r"|prochaines\s+étapes|suites?\s+(?:à\s+donner|prévues)|perspectives|الخطوات\s+(?:التالية|القادمة)|الخطوات",
    re.IGNORECASE,
)
# A sentence that introduces a list of results ("The following agreements were made:", "Vereinbart wurde:").
_OUTCOME_LEAD = re.compile(
    r"agree|agreement|result|outcome|commit|vereinbar|ergebnis|beschl|verabredet|convenu|engagement|résultat|اتفق|نتائج",
    re.IGNORECASE,
)
_BULLET = re.compile(r"^\s*(?:[-•*▪–]|\d{1,2}[.)])\s")
_CONTACT_HEADING = re.compile(r"kontakt|ansprech|contact|للتواصل|تواصل", re.IGNORECASE)

# Labels in front of a title that say what kind of document it is, not what the event is called.
_TITLE_PREFIX = re.compile(
    r"""^\s*(?:(?:kurz)?bericht|dokumentation|einladung|aufruf(?:\s+zur\s+teilnahme)?|ausschreibung|report|documentation
        |invitation|call\s+for\s+(?:participation|applications|proposals)|rapport|compte[\s-]rendu|appel\s+à\s+candidatures
        |تقرير|دعوة\s+للمشاركة|دعوة)\s*(?::|：)?\s*(?:zu[mr]?\s+|to\s+(?:the\s+)?|de\s+l['’]|du\s+|de\s+la\s+|au\s+|à\s+l['’]|à\s+la\s+)?""",
    re.IGNORECASE | re.VERBOSE,
)
_TRAILING_JUNK = re.compile(
    r"(?:[\s,،;:–—\-(]+|\s+(?:am|vom|von|from|on|du|le|les|des|in|im|à|en|at|und|and|et|vom|bis|to|au|في|من|و)\b|\s+\d{1,2}\.?)+$",
    re.IGNORECASE,
)

_QUOTED_NAME = re.compile(r"""^\s*(?:„[^“”]{3,120}[“”]|«\s?[^»]{3,120}\s?»|"[^"]{3,120}"|“[^”]{3,120}”)""")


# --------------------------------------------------------------------------- passages


@dataclass(frozen=True, slots=True)
class Passage:
    """A sentence (or the heading) of one chunk: the unit every evidence quote is cut from."""

    chunk_id: str
    chunk_index: int
    text: str
    heading: str | None
    location: Literal["text", "heading"] = "text"

    def evidence(self) -> Evidence:
        return Evidence(chunk_id=self.chunk_id, quote=self.text, location=self.location)


# A sentence ends at . ! ? ؟ followed by space, except after a digit ("5.–8. Juni"), a single capital
# ("M. Dupont") or a common abbreviation; a blank line or a new bullet line also ends one.
_SENT_END = re.compile(
    r"(?<!\d)(?<!\b[A-ZÄÖÜ])(?<!\bDr)(?<!\bProf)(?<!\bbzw)(?<!\bca)(?<!\bNr)(?<!\bz\.B)(?<!\bi\.e)(?<!\be\.g)(?<!\bvgl)"
    r"[.!?؟](?=\s)"
)
_BLOCK_BREAK = re.compile(r"\n\s*\n|\n(?=\s*(?:[-•*▪–]\s|\d{1,2}[.)]\s))|\s(?=•\s)")


def _split_sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) spans of sentences; spans are trimmed, so ``text[s:e]`` is a verbatim quote."""
    spans: list[tuple[int, int]] = []
    pos = 0
    cuts = sorted({m.end() for m in _SENT_END.finditer(text)} | {m.start() for m in _BLOCK_BREAK.finditer(text)})
    for cut in [*cuts, len(text)]:
        piece = text[pos:cut]
        lead = len(piece) - len(piece.lstrip())
        s, e = pos + lead, pos + len(piece.rstrip())
        if e - s >= 2 and any(c.isalpha() for c in text[s:e]):
            spans.append((s, e))
        pos = cut
    return spans


def passages_of(chunks: Sequence[Chunk], title: str) -> tuple[Passage | None, list[Passage]]:
    """The title as a heading passage (if some chunk carries it) and every sentence of every chunk, once."""
    title_passage: Passage | None = None
    folded_title = fold(title).strip()
    out: list[Passage] = []
    seen: set[str] = set()
    for chunk in sorted(chunks, key=lambda c: c.chunk_index):
        if title_passage is None and chunk.heading and fold(chunk.heading).strip() == folded_title:
            title_passage = Passage(chunk.id, chunk.chunk_index, chunk.heading, chunk.heading, "heading")
        for s, e in _split_sentences(chunk.text):
            sentence = chunk.text[s:e]
            key = " ".join(sentence.split())
            if key in seen:  # chunks overlap: the first chunk holding a sentence cites it
                continue
            seen.add(key)
            out.append(Passage(chunk.id, chunk.chunk_index, sentence, chunk.heading))
    return title_passage, out


# --------------------------------------------------------------------------- small extractors


def event_cues(text: str) -> list[tuple[int, int, EventType]]:
    """Event-type cue words in ``text``: (start, end, type), in order of appearance."""
    found = [(m.start(), m.end(), kind) for kind, rx in _CUE_RX.items() for m in rx.finditer(text)]
    return sorted(found)


def _event_dates(passage: Passage, published: date | None) -> list[DateMention]:
    """Day-precise dates of a passage that are neither its deadlines nor the publication date."""
    mentions = [m for m in find_dates(passage.text) if m.precision == "day"]
    if not mentions:
        return []
    deadlines = set(extract_deadlines(passage.text))
    return [m for m in mentions if m.last not in deadlines and not (m.end is None and m.start == published)]


def _city_mentions(text: str) -> list[PlaceMention]:
    return [m for m in find_places(text) if m.place.kind == "city"]


def _host_in(passage: Passage, after: int = 0) -> PlaceMention | None:
    """The host city of an event sentence: a city after a locative ("in", "à", "nach", "في"), else after
    "hosted by", else the first city not introduced as an origin ("from", "aus")."""
    cities = [m for m in _city_mentions(passage.text) if m.start >= after] or _city_mentions(passage.text)
    if not cities:
        return None
    for rx in (_DESTINATION, _LOCATIVE):  # "Studienreise nach Agadir", "زيارة وفد … في يينا إلى إربد"
        for m in cities:
            if rx.search(passage.text[max(0, m.start - 30) : m.start]):
                return m
    cue = _HOST_CUE.search(passage.text)
    if cue:
        later = [m for m in cities if m.start > cue.end()]
        if later:
            return later[0]
    for m in cities:
        if not _ORIGIN_BEFORE.search(passage.text[max(0, m.start - 12) : m.start]):
            return m
    return None


def _clean_name(text: str) -> str | None:
    """An event name from a title: no document-type label, no trailing place or date."""
    name = _TITLE_PREFIX.sub("", text, count=1)
    dates = find_dates(name)
    if dates:
        name = name[: dates[0].pos]
    for _ in range(3):  # strip "…, Kisumu," / "… in Amman" / "…، إربد،" from the end
        name = _TRAILING_JUNK.sub("", name)
        cities = _city_mentions(name)
        if cities and cities[-1].end >= len(name.rstrip()) - 1 and cities[-1].start > 0:
            before = name[: cities[-1].start]
            if re.search(r"(?:[,،]|\b(?:in|im|à|at|en))\s*$", before, re.IGNORECASE):
                name = before
                continue
        break
    return _balance_quotes(_TRAILING_JUNK.sub("", name)) or None


def _balance_quotes(name: str) -> str:
    """Close a quote that cutting the title left open (Werkstatt „KI in der Kommunalverwaltung → …“)."""
    name = name.strip()
    if name.count("„") > name.count("“") - name.count("”"):
        name += "“"
    if name.count("«") > name.count("»"):
        name += " »"
    if "„" not in name and name.count("“") > name.count("”"):
        name += "”"
    if name.count('"') % 2:
        name += '"'
    return name


_NAME_LINK = re.compile(r"^\s+(?:zu[mr]?|on|about|sur|consacrée?\s+à|de|du|des|حول|من)\s+", re.IGNORECASE)
_NAME_STOP = re.compile(r"[,.;:()]|\n\s*\n|\s[–—-]\s")


def _name_at_cue(text: str, start: int, end: int) -> str:
    """An event name from a body sentence: the cue word plus a quoted title, or its "on …" phrase, after it."""
    tail = _QUOTED_NAME.match(text[end:])
    if tail:
        return (text[start:end] + tail.group(0)).strip()
    link = _NAME_LINK.match(text[end:])
    if not link:
        return text[start:end]
    rest = text[end : end + 100]
    stops = [m.start() for m in _NAME_STOP.finditer(rest)]
    stops += [m.pos for m in find_dates(rest)] + [m.start for m in _city_mentions(rest)]
    cut = min([len(rest), *(x for x in stops if x > link.end())])
    name = " ".join((text[start:end] + rest[:cut]).split())
    return _TRAILING_JUNK.sub("", name)


def _contact_passage(contact: Contact, passages: Sequence[Passage]) -> Passage | None:
    keys = [k for k in (contact.email, contact.phone, contact.name) if k]
    for key in keys:
        for p in passages:
            if key in p.text:
                return p
    return None


# --------------------------------------------------------------------------- the record builder


@dataclass(slots=True)
class _Event:
    kind: EventType
    name: str | None
    name_passage: Passage
    dates: DateMention | None
    date_passage: Passage | None
    host: PlaceMention | None
    host_passage: Passage | None
    from_title: bool
    scope_heading: str | None


def _title_event(title: Passage | None, passages: Sequence[Passage], published: date | None) -> _Event | None:
    """The event a title names, with its dates and host from the title or from the body sentence about it."""
    if title is None:
        return None
    cues = event_cues(title.text)
    if not cues:
        return None
    start, _end, kind = cues[0]
    dates = _event_dates(title, published)
    host = _host_in(title, after=start) or _host_in(title)
    event = _Event(kind, _clean_name(title.text), title, dates[0] if dates else None, title if dates else None,
                   host, title if host else None, True, None)
    if event.dates is None or event.host is None:
        body = _event_sentence(passages, published, kind=kind)
        if body is not None:
            passage, mention, cue_end = body
            if event.dates is None and mention is not None:
                event.dates, event.date_passage = mention, passage
            if event.host is None:
                host = _host_in(passage, after=cue_end)
                if host is not None:
                    event.host, event.host_passage = host, passage
    return event


def _event_sentence(
    passages: Sequence[Passage], published: date | None, *, kind: EventType | None = None
) -> tuple[Passage, DateMention | None, int] | None:
    """The first sentence about an event of ``kind`` (its cue, or a "takes place" verb) with a day-precise date."""
    for p in passages:
        dates = _event_dates(p, published)
        if not dates:
            continue
        cues = [c for c in event_cues(p.text) if kind is None or c[2] == kind]
        if cues:
            return p, dates[0], cues[0][1]
        if kind is not None and _HAPPENS.search(p.text):
            return p, dates[0], 0
    return None


def _body_event(passages: Sequence[Passage], published: date | None) -> _Event | None:
    """An event a body sentence reports: a cue word and a date range (or a "took place" verb) together."""
    for p in passages:
        cues = event_cues(p.text)
        if not cues:
            continue
        dates = _event_dates(p, published)
        if not dates:
            continue
        ranged = [d for d in dates if d.end is not None]
        if not ranged and not _HAPPENS.search(p.text):
            continue
        start, end, kind = cues[0]
        mention = ranged[0] if ranged else dates[0]
        host = _host_in(p, after=start)
        return _Event(kind, _name_at_cue(p.text, start, end), p, mention, p, host, p if host else None, False, p.heading)
    return None


class _Builder:
    """Collects values with their evidence; a value without a passage is never added."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}
        self.evidence: dict[str, Evidence] = {}

    def set(self, field: str, value: Any, passage: Passage | None) -> None:
        if value is None or value == "" or passage is None:
            return
        self.values[field] = value
        self.evidence[field] = passage.evidence()

    def add(self, field: str, value: str, passage: Passage | None, *, key: str | None = None) -> bool:
        if not value or passage is None:
            return False
        items: list[str] = self.values.setdefault(field, [])
        if value in items:
            return False
        self.evidence[f"{field}/{key if key is not None else len(items)}"] = passage.evidence()
        items.append(value)
        return True


def _first_passage_with(passages: Sequence[Passage], predicate: Any) -> Passage | None:
    for p in passages:
        if predicate(p):
            return p
    return None


def _places(builder: _Builder, scope: Sequence[Passage], title: Passage | None) -> None:
    """Cities (with country and region) and the countries named in the scope, each with its first passage."""
    participants: dict[str, ExchangeParticipant] = {}
    for p in ([title] if title else []) + list(scope):
        for m in find_places(p.text):
            place = m.place
            if place.kind == "city" and builder.add("cities", place.name, p, key=place.name):
                participants[place.name] = ExchangeParticipant(name=place.name, kind="city", country=place.country,
                                                               region=place.region)
            builder.add("countries", place.country, p, key=place.country)
            if place.region:
                builder.add("regions", place.region, p, key=place.region)
    builder.values["participants"] = list(participants.values())


def _organisations(builder: _Builder, scope: Sequence[Passage]) -> None:
    """Organisations named after a participating city ("City of Kisumu", "Feuerwehr Köln", "بلدية إربد الكبرى")."""
    for p in scope:
        for m in _city_mentions(p.text):
            before = _ORG_BEFORE.search(p.text[max(0, m.start - 40) : m.start])
            after = _ORG_AFTER.match(p.text[m.end :])
            if not before and not after:
                continue
            start = m.start - (len(before.group(0)) if before else 0)
            end = m.end + (len(after.group(0)) if after else 0)
            name = " ".join(p.text[start:end].split())
            folded = fold(name)
            if any(folded.startswith(fold(o)) or fold(o).startswith(folded) for o in builder.values.get("organisations", [])):
                continue
            if builder.add("organisations", name, p, key=name):
                builder.values.setdefault("participants", []).append(
                    ExchangeParticipant(name=name, kind="organisation", country=m.place.country, region=m.place.region)
                )


def _topics(builder: _Builder, scope: Sequence[Passage], candidates: Iterable[str]) -> None:
    """Topics of the scope, each cited by the first sentence that mentions it, with its salience: a report
    about waste that mentions floods once is a waste report, and the finder should weigh it so."""
    per_passage = [(p, set(find_topics(p.text, min_hits=1))) for p in scope]
    for slug in candidates:
        passage = next((p for p, found in per_passage if slug in found), None)
        builder.add("topics", slug, passage, key=slug)
    counts = topic_counts(" ".join(p.text for p in scope))
    scores = {slug: counts.get(slug, (0, 0.0))[1] for slug in builder.values.get("topics", [])}
    top = max(scores.values(), default=0.0)
    if top > 0:
        builder.values["topic_weights"] = {slug: round(score / top, 3) for slug, score in scores.items()}


def _sections(builder: _Builder, scope: Sequence[Passage]) -> None:
    """Outcomes and next steps: the sentences of sections headed so (Ergebnisse, Next steps, النتائج …), and the
    bullet list after a lead-in such as "The following agreements were made:"."""
    lead_heading: str | None = None
    for p in scope:
        heading = p.heading or ""
        if _CONTACT_HEADING.search(heading):
            continue
        if _NEXT_HEADING.search(heading):
            field = "next_steps"
        elif _OUTCOME_HEADING.search(heading) or lead_heading == heading and _BULLET.match(p.text):
            field = "outcomes"
        else:
            if p.text.rstrip().endswith(":") and _OUTCOME_LEAD.search(p.text):
                lead_heading = heading
            elif not _BULLET.match(p.text):
                lead_heading = None
            continue
        if len(builder.values.get(field, [])) < MAX_LIST_ITEMS and len(p.text) <= MAX_QUOTE_CHARS * 2:
            builder.add(field, " ".join(p.text.lstrip("-•*▪– ").split()), p)


def extract_exchanges(meta: DocMetadata, chunks: Sequence[Chunk]) -> list[ExchangeRecord]:
    """The exchange records of one document (at most one today: the event it is about), rules only."""
    if not chunks:
        return []
    title, passages = passages_of(chunks, meta.title)
    event = _title_event(title, passages, meta.published) or _body_event(passages, meta.published)
    if event is None:
        return []
    scope = [p for p in passages if event.from_title or p.heading == event.scope_heading]
    b = _Builder()
    b.set("event_type", event.kind, event.name_passage)
    b.set("event_name", event.name, event.name_passage)
    if event.dates is not None:
        b.set("start", event.dates.start, event.date_passage)
        b.set("end", event.dates.end or event.dates.start, event.date_passage)
    if event.host is not None:
        b.set("host", event.host.place.name, event.host_passage)
        b.set("host_country", event.host.place.country, event.host_passage)
    lead = title is not None and (event.from_title or event.scope_heading == title.text)  # the title heads the scope
    _places(b, scope, title if lead else None)
    _organisations(b, scope)
    topic_candidates = meta.topics if event.from_title else find_topics(" ".join(p.text for p in scope), min_hits=1)
    _topics(b, scope, topic_candidates)
    _sections(b, scope)
    for contact in meta.contacts:
        passage = _contact_passage(contact, scope if not event.from_title else passages)
        if passage is not None:
            b.values.setdefault("contacts", []).append(contact)
            b.evidence[f"contacts/{len(b.values['contacts']) - 1}"] = passage.evidence()
    record = ExchangeRecord(
        id=exchange_id(meta.doc_id, 0),
        doc_id=meta.doc_id,
        source=meta.source,
        title=meta.title,
        doc_type=meta.doc_type,
        language=meta.language,
        visibility=meta.visibility,
        published=meta.published,
        evidence=b.evidence,
        **b.values,
    )
    return [record]


def exchange_id(doc_id: str, index: int) -> str:
    """Stable point id of a document's ``index``-th exchange record."""
    return str(uuid.uuid5(_NAMESPACE, f"{doc_id}:exchange:{index}"))


# --------------------------------------------------------------------------- LLM refinement


_LLM_FIELDS = ("event_name", "event_type", "host", "start", "end", "organisation", "outcome", "next_step")


class _Fact(BaseModel):
    field: Literal["event_name", "event_type", "host", "start", "end", "organisation", "outcome", "next_step"]
    value: str = Field(max_length=300)
    passage: int = Field(ge=0, description="Number of the passage the value is copied from")


class _Facts(BaseModel):
    facts: list[_Fact] = Field(default_factory=list, max_length=24)


_SYSTEM = (
    "You extract facts about one exchange event (workshop, learning_process, network_meeting, conference, study_tour) "
    "between cities from numbered passages of a document. Copy every value exactly as written in the passage you "
    "cite; dates as YYYY-MM-DD; event_type is one of workshop, learning_process, network_meeting, conference, "
    "study_tour. Leave out what the passages do not say. Answer with JSON only."
)


def _llm_passages(title: Passage | None, passages: Sequence[Passage], limit_chars: int) -> list[Passage]:
    """The passages worth showing a small model: title, event sentences, result and next-step sections."""
    picked: list[Passage] = [title] if title else []
    # whole chunks around event sentences (who came, who hosted), plus result and next-step sections
    event_chunks = {p.chunk_index for p in passages if event_cues(p.text) or _HAPPENS.search(p.text)}
    for p in passages:
        heading = p.heading or ""
        if p.chunk_index in event_chunks or _OUTCOME_HEADING.search(heading) or _NEXT_HEADING.search(heading):
            picked.append(p)
    out, used = [], 0
    for p in picked:
        if used + len(p.text) > limit_chars:
            break
        out.append(p)
        used += len(p.text)
    return out


def _verified(fact: _Fact, passage: Passage) -> Any | None:
    """The fact's value if the passage supports it, else None (then the fact is dropped)."""
    text = passage.text
    value = fact.value.strip()
    if not value:
        return None
    if fact.field in ("start", "end"):
        try:
            day = date.fromisoformat(value[:10])
        except ValueError:
            return None
        mentions = find_dates(text)
        ok = any(day in (m.start, m.last) for m in mentions)
        return day if ok else None
    if fact.field == "event_type":
        kind = value.lower().replace(" ", "_")
        if kind in EVENT_TYPES and any(c[2] == kind for c in event_cues(text)):
            return kind
        return None
    if fold(" ".join(value.split())) not in fold(" ".join(text.split())):
        return None
    if fact.field == "host":
        place = lookup(value)
        return place.name if place is not None and place.kind == "city" else None
    return " ".join(value.split())


def refine_with_llm(record: ExchangeRecord, meta: DocMetadata, chunks: Sequence[Chunk], llm: Any,
                    *, limit_chars: int = 6000) -> ExchangeRecord:
    """Fill the gaps of a rule-based record with LLM-proposed facts that the cited passage supports.

    ``llm`` is a :class:`core.llm.ChatLLM`. Values the rules found are never replaced; every accepted
    value gets the passage the model named as evidence. Any failure returns the record unchanged.
    """
    title, passages = passages_of(chunks, meta.title)
    shown = _llm_passages(title, passages, limit_chars)
    if not shown:
        return record
    numbered = "\n".join(f"[{i}] {' '.join(p.text.split())}" for i, p in enumerate(shown))
    try:
        facts = llm.complete_model(
            [{"role": "system", "content": _SYSTEM}, {"role": "user", "content": f"Passages:\n{numbered}"}], _Facts
        )
    except (CCAssistError, ValueError) as exc:
        logger.warning("LLM refinement of %s skipped: %s", meta.source, exc)
        return record
    data = record.model_dump()
    evidence = dict(record.evidence)
    added = 0
    for fact in facts.facts:
        if not 0 <= fact.passage < len(shown):
            continue
        passage = shown[fact.passage]
        value = _verified(fact, passage)
        if value is None:
            logger.debug("dropped unsupported LLM fact %s=%r", fact.field, fact.value)
            continue
        target = {"organisation": "organisations", "outcome": "outcomes", "next_step": "next_steps"}.get(fact.field)
        if target is None:
            if data.get(fact.field) in (None, ""):
                data[fact.field] = value
                evidence[fact.field] = passage.evidence()
                if fact.field == "host":
                    place = lookup(value)
                    data["host_country"] = place.country if place else None
                    if place:
                        evidence["host_country"] = passage.evidence()
                added += 1
        elif len(data[target]) < MAX_LIST_ITEMS and all(fold(value) != fold(v) for v in data[target]):
            evidence[f"{target}/{value if target == 'organisations' else len(data[target])}"] = passage.evidence()
            data[target].append(value)
            added += 1
    if not added:
        return record
    data["evidence"] = evidence
    data["extractor"] = "rules+llm"
    return ExchangeRecord.model_validate(data)


# --------------------------------------------------------------------------- summary and store


def _label(kind: str | None, lang: str) -> str:
    if kind is None:
        return ""
    labels = EVENT_LABELS.get(kind, {})  # type: ignore[call-overload]
    local, english = labels.get(lang), labels.get("en", kind)
    return f"{local} ({english})" if local and local != english else english


def record_summary(record: ExchangeRecord, *, max_chars: int = 1000) -> str:
    """The text a record is embedded as: event, place, time, participants, topics, results, then its passages."""
    lang = record.language if record.language in ("de", "en", "fr", "ar") else "en"
    when = ""
    if record.start:
        when = record.start.isoformat() + (f" – {record.end.isoformat()}" if record.end and record.end != record.start else "")
    head = " · ".join(x for x in (record.event_name or record.title, _label(record.event_type, lang),
                                   record.host or "", when) if x)
    cities = ", ".join(f"{p.name} ({p.country})" if p.country else p.name for p in record.participants if p.kind == "city")
    topics = ", ".join(
        dict.fromkeys(label for slug in record.topics for label in (topic_label(slug, lang), topic_label(slug, "en")))
    )
    lines = [head, record.title if record.event_name and record.event_name not in record.title else "", cities, topics,
             *record.outcomes, *record.next_steps]
    text = "\n".join(line for line in lines if line)
    return text[:max_chars]


class ExchangeIndex:
    """The ``exchanges`` collection as ingest sees it: extract, write, replace and remove a document's records."""

    def __init__(self, store: Store, *, embedder: DenseEmbedder, sparse: SparseEncoder, llm: Any | None = None) -> None:
        self.store = store
        self.embedder = embedder
        self.sparse = sparse
        self.llm = llm

    def extract(self, meta: DocMetadata, chunks: Sequence[Chunk]) -> list[ExchangeRecord]:
        """Rule-based records, refined by the LLM when one is configured. Never raises for a bad document."""
        try:
            records = extract_exchanges(meta, chunks)
            if self.llm is not None:
                records = [refine_with_llm(r, meta, chunks, self.llm) for r in records]
            return records
        except Exception:  # extraction must never cost the document its chunks
            logger.exception("exchange extraction failed for %s", meta.source)
            return []

    def points(self, records: Sequence[ExchangeRecord], chunks: Sequence[Chunk]) -> list[PointData]:
        """Dense vector of the summary; sparse vector of the summary plus the passages the record cites."""
        if not records:
            return []
        summaries = [record_summary(r) for r in records]
        dense = self.embedder.embed_passages(summaries)
        by_id = {c.id: c.text for c in chunks}
        points = []
        for i, record in enumerate(records):
            cited = dict.fromkeys(e.chunk_id for e in record.evidence.values())
            body = "\n".join(by_id[c] for c in cited if c in by_id)
            sparse = self.sparse.encode_document(f"{summaries[i]}\n{body}", record.language)
            points.append(PointData(id=record.id, dense=dense[i], sparse=sparse, payload=record.payload()))
        return points

    def write(self, source: str, doc_id: str, records: Sequence[ExchangeRecord], chunks: Sequence[Chunk]) -> None:
        """Upsert the document's records, then delete older records of the same source (and of this document)."""
        points = self.points(records, chunks)
        if points:
            self.store.ensure(self.embedder.dim)
            self.store.upsert(points)
        if self.store.dim is None:
            return
        keep = {p.id for p in points}
        leftovers = [h.id for h in self.store.iter_all(filter=Filter(must=[Match("doc_id", doc_id)])) if h.id not in keep]
        self.store.delete(leftovers)
        self.drop_stale(source, doc_id)

    def drop_stale(self, source: str, keep_doc_id: str) -> None:
        if self.store.dim is None:
            return
        self.store.delete_by_filter(Filter(must=[Match("source", source)], must_not=[Match("doc_id", keep_doc_id)]))

    def remove(self, *, source: str | None = None, doc_id: str | None = None) -> None:
        """Delete the records of a source or of a document."""
        if self.store.dim is None:
            return
        conditions = [Match("source", source)] if source else []
        conditions += [Match("doc_id", doc_id)] if doc_id else []
        if conditions:
            self.store.delete_by_filter(Filter(must=list(conditions)))

    def flush(self) -> None:
        self.store.flush()


def documents_from_store(store: Store) -> Iterator[tuple[DocMetadata, list[Chunk]]]:
    """Every indexed document rebuilt from its chunk payloads, for re-extracting records without re-parsing."""
    meta_fields = set(DocMetadata.model_fields)
    for first in list(store.iter_all(filter=Filter(must=[Match("chunk_index", 0)]))):
        payload = first.payload
        meta = DocMetadata.model_validate({k: v for k, v in payload.items() if k in meta_fields})
        hits = sorted(store.iter_all(filter=Filter(must=[Match("doc_id", meta.doc_id)])),
                      key=lambda h: int(h.payload.get("chunk_index") or 0))
        chunks = [
            Chunk(id=h.id, doc_id=meta.doc_id, chunk_index=int(h.payload.get("chunk_index") or 0),
                  n_chunks=int(h.payload.get("n_chunks") or len(hits)), text=str(h.payload.get("text", "")),
                  embed_text=str(h.payload.get("text", "")), page=h.payload.get("page"),
                  heading=h.payload.get("heading"), metadata=meta)
            for h in hits
        ]
        yield meta, chunks
