"""Planner: a request becomes sub-questions, each with search filters and an output shape.

Two implementations behind one ``plan()``:

- :class:`RulePlanner` reads multilingual cue words (de/en/fr/ar, see
  :mod:`agents.lexicon`), years and place names. It is deterministic, costs
  microseconds and is what the extractive backend and the tests use.
- :class:`LLMPlanner` asks the model for a plan constrained by a JSON schema
  and validates it against the question (places and years must be named in
  it, doc types must exist). Anything invalid falls back to the rules, so a
  small model can only ever refine a plan, never break one.

Filters follow what the question constrains, not what it mentions: a
deadline question searches calls/invitations (and only open ones when it asks
what is still open); a place narrows the search only when the question puts it
in a constraining position ("in Kisumu", "mit Bonn"); a time span becomes a
deadline range for deadline questions and a publication-year range otherwise.
"""

from __future__ import annotations

import logging
import re
from datetime import date
from typing import Literal, Protocol

from pydantic import BaseModel, Field, ValidationError

from agents.lexicon import CUES, FACTSHEET_QUERIES, QUESTION_GROUPS, TIME_PHRASES, has_cue, text_for
from agents.models import ListKind, OutputShape, Plan, SubQuestion
from core.errors import CCAssistError
from core.gazetteer import find_places, lookup, region_mentions
from core.language import detect_language, fold
from core.llm import ChatLLM
from core.topics import query_topics, topic_from_label
from retrieval.filters import SearchFilters

logger = logging.getLogger(__name__)

__all__ = ["FACTSHEET_SECTIONS", "LLMPlanner", "Planner", "RulePlanner", "make_planner", "question_language"]

FACTSHEET_SECTIONS = ("summary", "facts", "activities", "calls", "contacts")
_YEAR = r"((?:19|20)\d\d)"
_WORD = re.compile(r"\w+")
# Words that put a following place name in a constraining position (folded).
_PLACE_CUES = {
    "in", "im", "aus", "nach", "fur", "mit", "von", "bei", "zwischen", "partnerschaft", "partnerstadt", "stadt",
    "from", "to", "for", "with", "of", "at", "between", "partnership", "city",
    "a", "au", "aux", "en", "de", "d", "du", "pour", "avec", "entre", "partenariat", "ville",
    "في", "من", "مع", "بين", "مدينه", "شراكه",
}
_CLAUSE_SPLIT = re.compile(
    r"\?\s+(?=\S)|[,;]?\s+(?:und|and|et|sowie)\s+(?=(?:wann|wer|wo|was|wie|welche\w*|when|who|where|what|how|which|"
    r"quand|qui|ou|quel\w*|comment)\b)",
    re.IGNORECASE,
)


class Planner(Protocol):
    """Anything that turns a request into a :class:`Plan`."""

    def plan(self, question: str, *, today: date | None = None) -> Plan: ...

    def plan_factsheet(self, topic: str, *, today: date | None = None) -> Plan: ...


def question_language(text: str, default: str = "de") -> str:
    """Language to answer in; the programme's working language when the text is too short to tell."""
    lang = detect_language(text)
    return default if lang == "und" else lang


_ARTICLES = {"der", "die", "das", "den", "dem", "des", "the", "le", "la", "les", "l", "du", "de", "a", "an"}
_TARGET_WORDS = {"bis", "until", "by", "vor", "before", "avant", "jusqu", "ici", "حتى", "قبل", "mitte", "ende",
                 "anfang", "end", "mid", "fin", "debut"}


def _bare_years(question: str) -> list[int]:
    """Years that stand as a time adverbial ("Was wurde 2025 vereinbart?"), not as part of a name.

    "Überschwemmungen 2024", "Partnerschaftsfonds … 2024" and "the 2027 meeting" qualify a noun: the
    flood of 2024 is described in reports of 2025 and 2026, so a publication filter would hide them.
    """
    tokens = list(_WORD.finditer(question))
    years = []
    for i, token in enumerate(tokens):
        if not re.fullmatch(_YEAR, token.group()):
            continue
        prev = tokens[i - 1].group() if i > 0 else ""
        nxt = tokens[i + 1].group() if i + 1 < len(tokens) else ""
        if fold(prev) in _TARGET_WORDS:
            continue  # "soll bis 2027 sinken": a target year, not a time span of documents
        if prev and prev[0].islower() and fold(prev) not in _ARTICLES and not (nxt and nxt[0].isupper()):
            years.append(int(token.group()))
    return years


def _years(question: str, today: date, *, deadline: bool) -> dict[str, int]:
    """Time span the question constrains, as ``{"from": y, "to": y}`` (either may be missing).

    Spans ("seit 2024", "between 2023 and 2025", "last year", "im Jahr 2025") always count; "bis 2030"
    counts only for deadline questions (otherwise it is a target year: "… soll bis 2030 sinken").
    """
    folded = fold(question)

    def phrase(kind: str) -> re.Match[str] | None:
        for pattern in TIME_PHRASES[kind]:
            found = re.search(r"(?<!\w)" + pattern.replace("{y}", _YEAR), folded)
            if found:
                return found
        return None

    if (m := phrase("between")) is not None:
        low, high = sorted(int(y) for y in m.groups())
        return {"from": low, "to": high}
    if (m := phrase("since")) is not None:
        return {"from": int(m.group(1))}
    if deadline and (m := phrase("until")) is not None:
        return {"to": int(m.group(1))}
    for kind, year in (("last_year", today.year - 1), ("this_year", today.year), ("next_year", today.year + 1)):
        if phrase(kind) is not None:
            return {"from": year, "to": year}
    if (m := phrase("in_year")) is not None:
        return {"from": int(m.group(1)), "to": int(m.group(1))}
    years = _bare_years(question)
    if years:
        return {"from": min(years), "to": max(years)}
    return {}


def _time_filters(span: dict[str, int], *, deadline: bool) -> dict[str, object]:
    """A year span as SearchFilters fields: deadline dates for deadline questions, publication year otherwise."""
    if not span:
        return {}
    low, high = span.get("from"), span.get("to")
    if deadline:
        return {
            "deadline_from": date(low, 1, 1) if low else None,
            "deadline_to": date(high, 12, 31) if high else None,
        }
    if low is not None and low == high:
        return {"year": low}
    return {"year_from": low, "year_to": high}


def _cued(tokens: list[re.Match[str]], start: int, window: int) -> bool:
    """Whether one of the ``window`` words before ``start`` puts what follows in a constraining position."""
    return any(fold(t.group()) in _PLACE_CUES for t in [t for t in tokens if t.end() <= start][-window:])


def _constraint_places(question: str) -> tuple[list[str], list[str], list[str]]:
    """(constraining places, all places named, constraining regions), canonical names."""
    tokens = list(_WORD.finditer(question))
    constraining: list[str] = []
    named: list[str] = []
    for mention in find_places(question, loose=True):
        named.append(mention.place.name)
        if _cued(tokens, mention.start, window=2):
            constraining.append(mention.place.name)
    regions: list[str] = []
    for start, _, region in region_mentions(question):
        if region not in regions and _cued(tokens, start, window=1):
            regions.append(region)
    return list(dict.fromkeys(constraining)), list(dict.fromkeys(named)), regions


_QUESTION_WORDS = {
    "wann", "wer", "was", "wie", "welche", "welcher", "welches", "ist", "sind", "gibt", "when", "who", "what", "which",
    "where", "how", "does", "quand", "qui", "quel", "quelle", "quels", "quelles", "comment", "est",
}


def _context_words(clause: str) -> list[str]:
    """Words of a clause that carry its subject, not its question or cue words ("Lernprozess", "Kisumu")."""
    cue_words = {w for group in QUESTION_GROUPS for p in CUES[group] for w in fold(p).split()}
    return [w for w in _WORD.findall(clause)
            if len(w) > 3 and fold(w) not in cue_words and fold(w) not in _QUESTION_WORDS]


def _clauses(question: str) -> list[str]:
    """Independent questions inside one request, each searchable on its own.

    "Wann endet die Frist für den Lernprozess und wer ist Ansprechpartnerin?" →
    ["Wann endet die Frist für den Lernprozess", "wer ist Ansprechpartnerin? Lernprozess"]: a clause that
    lost its subject to the other clause gets the other clauses' subject words appended.
    """
    parts = [p.strip(" ,;") for p in _CLAUSE_SPLIT.split(question) if p and p.strip(" ,;?")]
    if len(parts) < 2 or any(len(_WORD.findall(p)) < 3 for p in parts):
        return [question.strip()]  # "Wann und wo fand … statt?" is one question
    parts = parts[:3]
    out = []
    for i, part in enumerate(parts):
        own = {fold(w) for w in _WORD.findall(part)}
        others = [w for j, other in enumerate(parts) if j != i for w in _context_words(other) if fold(w) not in own]
        out.append(f"{part} {' '.join(dict.fromkeys(others))}".strip() if others else part)
    return out


class RulePlanner:
    """Cue words, years and places → a :class:`Plan` (no model, deterministic)."""

    def _intent(self, folded: str) -> list[str]:
        return [group for group in CUES if has_cue(folded, group)]

    def _shape(self, intent: list[str]) -> tuple[OutputShape, ListKind | None]:
        if "factsheet" in intent:
            return "factsheet", None
        if "places" in intent:
            return "list", "places"
        if "list" in intent:
            return "list", "calls" if {"deadline", "call", "event"} & set(intent) else "items"
        return "answer", None

    def _sub_question(
        self, text: str, *, question: str, today: date, places: list[str], regions: list[str], whole_intent: list[str]
    ) -> SubQuestion:
        intent = self._intent(fold(text)) or whole_intent
        shape, list_of = self._shape(intent)
        deadline = "deadline" in intent or ("call" in intent and bool({"when", "open"} & set(intent)))
        wants_calls = deadline or list_of == "calls"
        span = _years(question, today, deadline=deadline)
        values: dict[str, object] = {}
        if wants_calls:
            if "event" in intent and "call" not in intent:
                values["doc_type"] = ["invitation"]
            elif "call" in intent and "event" not in intent and "deadline" not in intent:
                values["doc_type"] = ["call"]
            else:
                values["doc_type"] = ["call", "invitation"]
            if "open" in intent:
                values["open"] = True
        elif "report" in intent:
            values["doc_type"] = ["report"]
        values.update(_time_filters(span, deadline=deadline and "published" not in intent))
        if places:
            values["place"] = places
        if regions:
            values["region"] = regions
        return SubQuestion(
            text=text, filters=SearchFilters(**values), shape=shape, list_of=list_of, intent=intent
        )

    def plan(self, question: str, *, today: date | None = None) -> Plan:
        """Plan an ``ask`` request."""
        today = today or date.today()
        folded = fold(question)
        intent = self._intent(folded)
        places, named, regions = _constraint_places(question)
        subs = [
            self._sub_question(clause, question=question, today=today, places=places, regions=regions,
                               whole_intent=intent)
            for clause in _clauses(question)
        ]
        shape = "list" if any(s.shape == "list" for s in subs) else subs[0].shape
        notes = []
        if set(named) - set(places):
            notes.append(f"places named but not constraining: {sorted(set(named) - set(places))}")
        return Plan(
            question=question,
            language=question_language(question),
            shape=shape,
            sub_questions=subs,
            places=named,
            topics=query_topics(question),
            planner="rules",
            notes=notes,
        )

    def plan_factsheet(self, topic: str, *, today: date | None = None) -> Plan:
        """One sub-question per fact-sheet section, in the topic's language, narrowed to the topic."""
        lang = question_language(topic)
        _, named, _ = _constraint_places(topic)
        place = lookup(topic)
        values: dict[str, object] = {}
        if place is not None:
            values["place"] = [place.name]
        elif named:
            values["place"] = named
        slug = topic_from_label(topic)
        if slug and not values:
            values["topic"] = [slug]
        subs = []
        for section in FACTSHEET_SECTIONS:
            query = text_for(FACTSHEET_QUERIES[section], lang).format(topic=topic)
            extra: dict[str, object] = {"doc_type": ["call", "invitation"]} if section == "calls" else {}
            subs.append(
                SubQuestion(
                    text=query,
                    filters=SearchFilters(**values, **extra),
                    shape="factsheet",
                    intent=[section],
                    section=section,
                )
            )
        return Plan(
            question=topic, language=lang, shape="factsheet", sub_questions=subs, places=named,
            topics=[slug] if slug else query_topics(topic), planner="rules",
        )


# ----------------------------------------------------------------------------------------- LLM


class _LLMSubQuestion(BaseModel):
    question: str = Field(min_length=3, max_length=400)
    doc_types: list[Literal["call", "invitation", "report", "news", "strategy"]] = Field(default_factory=list)
    only_open: bool = False
    year_from: int | None = Field(None, ge=1990, le=2100)
    year_to: int | None = Field(None, ge=1990, le=2100)
    places: list[str] = Field(default_factory=list, max_length=6)


class _LLMPlan(BaseModel):
    shape: Literal["answer", "list"]
    list_of: Literal["places", "calls", "documents", "contacts", "items", "none"] = "none"
    sub_questions: list[_LLMSubQuestion] = Field(min_length=1, max_length=3)


_PLANNER_SYSTEM = """You plan searches over the documents of a city partnership programme.
Split the user's request into 1 to 3 self-contained search questions in the user's language.
For each question give:
- doc_types: ["call","invitation"] when it asks about a deadline, application or registration; else [].
- only_open: true only if it asks which calls or deadlines are still open.
- year_from/year_to: only if the request names a year or time span, else null.
- places: cities or countries the request restricts the search to, as written; else [].
shape is "list" when the request asks to enumerate (e.g. which cities, which calls), else "answer".
Reply with JSON only."""


def _compound(question: str) -> bool:
    """Whether a request may hold several questions (then a model's decomposition is worth its latency)."""
    folded = fold(question)
    question_words = re.findall(r"\b(?:wann|wer|wo|was|wie|welche\w*|when|who|where|what|how|which|quand|qui|quel\w*|"
                                r"combien|comment|متى|من|أين|اين|ما|كم)\b", folded)
    return question.count("?") > 1 or len(question_words) > 1 or len(_WORD.findall(question)) > 25


class LLMPlanner:
    """Structured-output planning with validation; falls back to :class:`RulePlanner` on anything odd."""

    def __init__(self, llm: ChatLLM, rules: RulePlanner | None = None) -> None:
        self.llm = llm
        self.rules = rules or RulePlanner()

    def plan(self, question: str, *, today: date | None = None) -> Plan:
        today = today or date.today()
        base = self.rules.plan(question, today=today)
        if not _compound(question):
            # One question, one search: the rules plan it as well as a 1.5B model and in microseconds.
            return base
        try:
            raw = self.llm.complete_model(
                [{"role": "system", "content": _PLANNER_SYSTEM}, {"role": "user", "content": question}],
                _LLMPlan,
                max_tokens=300,
            )
            return self._merge(base, raw, question, today)
        except (CCAssistError, ValidationError, ValueError) as exc:
            logger.info("LLM plan rejected, using rules: %s", exc)
            base.notes.append(f"LLM plan rejected: {str(exc)[:160]}")
            return base

    def plan_factsheet(self, topic: str, *, today: date | None = None) -> Plan:
        return self.rules.plan_factsheet(topic, today=today)

    def _merge(self, base: Plan, raw: _LLMPlan, question: str, today: date) -> Plan:
        """Keep only what the question supports: named places and years, known doc types."""
        folded = fold(question)
        rule_filters = base.sub_questions[0].filters
        subs: list[SubQuestion] = []
        single = len(raw.sub_questions) == 1
        for item in raw.sub_questions:
            text = question if single else item.question  # small models paraphrase; keep the user's words
            places = [p.name for name in item.places if (p := lookup(name)) is not None and p.name in base.places]
            # Document types only where the rules saw a deadline, call or event question: a small model
            # likes to answer "which documents" with ["call"] for anything.
            rule_types = set(rule_filters.doc_type)
            values: dict[str, object] = {"doc_type": [t for t in item.doc_types if t in rule_types]}
            if item.only_open and has_cue(folded, "open"):
                values["open"] = True
            years = [y for y in (item.year_from, item.year_to) if y is not None]
            if years and all(str(y) in question for y in years):
                span = {"from": item.year_from or item.year_to, "to": item.year_to or item.year_from}
                values.update(_time_filters(span, deadline=bool(item.doc_types)))  # type: ignore[arg-type]
            else:  # relative spans ("last year") come from the rules, which know today's date
                values.update({k: v for k, v in rule_filters.model_dump().items()
                               if k.startswith(("year", "deadline_", "published_")) and v is not None})
            if places:
                values["place"] = places
            if rule_filters.region:
                values["region"] = rule_filters.region
            shape: OutputShape = raw.shape
            list_of = None if raw.list_of == "none" or shape != "list" else raw.list_of
            subs.append(SubQuestion(text=text, filters=SearchFilters(**values), shape=shape,
                                    list_of=list_of, intent=base.sub_questions[0].intent))
        return base.model_copy(update={"sub_questions": subs, "shape": subs[0].shape, "planner": "llm"})


def make_planner(llm: ChatLLM | None) -> Planner:
    """The LLM planner when a model is configured, else the rules."""
    return LLMPlanner(llm) if llm is not None else RulePlanner()
