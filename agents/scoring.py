"""Candidate evidence sentences and their relevance to a question.

Shared by the extractive synthesizer (which picks sentences), the LLM
synthesizer (which shows the model only the relevant sentences of each
passage, keeping prompts short on a CPU) and the fact sheet (which picks
sentences per section). Lexical scoring is cheap and runs on every sentence;
dense similarity costs an embedding per sentence, so callers apply it to the
few best lexical candidates only (:meth:`SentenceScorer.add_dense`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from agents.lexicon import COUNTED, has_cue
from agents.models import Evidence
from agents.safety import neutralise
from agents.similarity import Similarity
from agents.terms import content_terms, term_coverage, word_set
from agents.text import list_blocks, split_sentences
from core.contacts import EMAIL_OR_PHONE
from core.dates import find_dates
from core.gazetteer import find_places
from core.language import fold

__all__ = ["Candidate", "SentenceScorer", "counted", "dedupe_key"]

_DIGIT = re.compile(r"\d")
_NUMBER_WORD = re.compile(
    r"\b(?:ein|eine|zwei|drei|vier|funf|sechs|sieben|acht|neun|zehn|elf|zwolf|zwanzig|dreissig|hundert|tausend|"
    r"one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|hundred|thousand|"
    r"deux|trois|quatre|cinq|sept|huit|neuf|dix|onze|douze|vingt|trente|cent|mille|"
    r"million\w*|milliard\w*|millionen|mio)\b"
)
#: Positions given to a document title and a section heading among its passage's sentences.
TITLE_POSITION = -2
HEADING_POSITION = -1
#: Positions of whole bullet lists (after every sentence of the passage).
LIST_POSITION = 1000
#: Titles are informative but not sentences: they win only when clearly better.
TITLE_FACTOR = 0.85
_QUESTION_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_QUANTITY = re.compile(
    r"(?:\d[\d.,]*|\b(?:acht|zwolf|zehn|funf|sechs|drei|vier|zwei|eight|twelve|ten|five|six)\b)\s*"
    r"(?:%|prozent|percent|pour cent|millionen|million|mio|euro|eur|€|mw|megawatt|megawatts|mégawatts|hektar|"
    r"hectares?|km|kilometer|kilometres?|tonnen|tonnes?|tons?|personen|teilnehmende|participants?|haushalte|"
    r"households|fachleute|freiwillige|volunteers|wohnungen|apartments)|\b(?:eur|euro)\s*\d"
)
# A number and the (at most two) words after it: "32 Teilnehmende", "140 neuen Bäumen".
_COUNT = re.compile(r"\d[\d.,]*\s+(\w+(?:\s+\w+)?)")
# Intent a sentence must meet to answer at all; without it the sentence's score is cut.
_INTENT_MISS_FACTOR = 0.7
# Weight of the dense cosine in the combined score, and the cosine range mapped to [0, 1].
DENSE_WEIGHT = 0.4
# Weight of the passage's (title + heading + text) coverage in a sentence's lexical score.
PASSAGE_WEIGHT = 0.3
_DENSE_LOW, _DENSE_HIGH = 0.72, 0.92


@dataclass(slots=True)
class Candidate:
    """One sentence of one evidence passage."""

    text: str
    evidence: list[int]  # evidence numbers containing this sentence
    position: int  # index of the sentence in its passage
    rank: int  # 0-based rank of the (first) passage
    lexical: float = 0.0
    dense: float | None = None
    places: list[str] = field(default_factory=list)
    has_date: bool = False
    has_contact: bool = False
    has_number: bool = False
    has_quantity: bool = False  # a number with a unit: "30 Prozent", "EUR 180,000", "5 mégawatts"
    deadline_cue: bool = False  # "Frist", "deadline", "Bewerbungen bis" …
    counts: set[str] = field(default_factory=set)  # what its numbers count (:data:`agents.lexicon.COUNTED`)
    language: str | None = None
    passage_words: set[str] = field(default_factory=set)  # title, heading and text of its passage

    @property
    def score(self) -> float:
        if self.dense is None:
            return self.lexical
        dense = min(1.0, max(0.0, (self.dense - _DENSE_LOW) / (_DENSE_HIGH - _DENSE_LOW)))
        # A short label line ("Application deadline: 30 April 2027") embeds poorly: trust its words more.
        weight = DENSE_WEIGHT * min(1.0, len(self.text.split()) / 12)
        return (1 - weight) * self.lexical + weight * dense


def dedupe_key(text: str) -> frozenset[str]:
    return frozenset(w for w in word_set(text) if len(w) > 2)


def counted(text: str, *, after_number: bool = False) -> set[str]:
    """Kinds of things ``text`` names (:data:`agents.lexicon.COUNTED`), in any language.

    ``after_number``: only the words right after a number, i.e. what the text's numbers count.
    """
    folded = fold(text)
    words = " ".join(_COUNT.findall(folded)).split() if after_number else folded.split()
    return {kind for kind, stems in COUNTED.items() if any(w.startswith(stems) for w in words)}


class SentenceScorer:
    """Splits evidence into candidate sentences and scores them against a question."""

    def __init__(self, similarity: Similarity | None = None) -> None:
        self.similarity = similarity

    def candidates(self, evidence: list[Evidence]) -> list[Candidate]:
        """Every usable sentence of the passages, the same sentence in two passages merged."""
        by_text: dict[str, Candidate] = {}
        for rank, item in enumerate(evidence):
            context = word_set(f"{item.title} {item.heading or ''} {item.text}")
            # The title is a candidate too when it carries facts: "Einladung: … am 3. und 4. Februar 2027 in
            # Kiel". It cites only the best passage of its document.
            title = neutralise(item.title)
            sentences = [(TITLE_POSITION, title)] if item.title and _DIGIT.search(title) else []
            heading = neutralise(item.heading or "")
            if heading and heading != title and _DIGIT.search(heading):
                # Parsers may take a "Einsendeschluss: 30.09.2024" line for the section heading.
                sentences.append((HEADING_POSITION, heading))
            sentences += list(enumerate(split_sentences(neutralise(item.text))))
            sentences += [(LIST_POSITION + i, block) for i, block in enumerate(list_blocks(neutralise(item.text)))]
            for position, sentence in sentences:
                key = fold(" ".join(sentence.split()))
                found = by_text.get(key)
                if found is not None:
                    if item.n not in found.evidence and position != TITLE_POSITION:
                        found.evidence.append(item.n)
                    continue
                by_text[key] = Candidate(
                    text=sentence,
                    evidence=[item.n],
                    position=position,
                    rank=rank,
                    places=[m.place.name for m in find_places(sentence)],
                    has_date=bool(find_dates(sentence, item.language)),
                    has_contact=bool(EMAIL_OR_PHONE.search(sentence)),
                    deadline_cue=has_cue(fold(sentence), "deadline"),
                    has_quantity=bool(_QUANTITY.search(fold(sentence))),
                    has_number=bool(_DIGIT.search(sentence) or _NUMBER_WORD.search(fold(sentence))),
                    counts=counted(sentence, after_number=True),
                    language=item.language,
                    passage_words=context,
                )
        return list(by_text.values())

    def score_lexical(
        self,
        candidates: list[Candidate],
        question: str,
        *,
        key_terms: list[str] | None = None,
        intent: list[str] | None = None,
        places: list[str] | None = None,
        list_of: str | None = None,
    ) -> None:
        """Term overlap with the question (and its document-language key terms) plus intent bonuses."""
        terms = content_terms(question)
        extra = [t for t in content_terms(" ".join(key_terms or [])) if t not in terms]
        intent_set = set(intent or [])
        wanted_places = {fold(p) for p in places or []}
        numbers = set(_QUESTION_NUMBER.findall(question))
        asked = counted(question) if "howmuch" in intent_set else set()
        for cand in candidates:
            # Terms match as the judge matches them: by prefix, and a German compound's head half
            # ("Wasserverluste" ↔ "Verluste"), so the judge's passage and its best sentence agree.
            words = word_set(cand.text)
            base = term_coverage(terms, words) if terms else 0.0
            if extra:  # cross-lingual: the document-language key terms stand in for the question's words
                base = max(base, 0.8 * term_coverage(extra, words))
            # A short "Deadline: 31 March 2026" line is only relevant if its passage is about the question.
            context = term_coverage(terms, cand.passage_words) if terms else 0.0
            base = (1 - PASSAGE_WEIGHT) * base + PASSAGE_WEIGHT * context
            relevance = 0.3 + 0.7 * context  # a date or number counts only in a passage about the question
            bonus = 0.0
            if ("deadline" in intent_set or "when" in intent_set) and cand.has_date:
                bonus += 0.3
                if "deadline" in intent_set and cand.deadline_cue:
                    bonus += 0.3  # "Application deadline: 30 April 2027" shares no word with the question
            if "contact" in intent_set and cand.has_contact:
                bonus += 0.35
            if {"figures", "howmuch"} & intent_set and cand.has_number:
                bonus += 0.2
            if list_of == "places" and cand.places:
                bonus += 0.1 * min(3, len(cand.places))
            if wanted_places and wanted_places & {fold(p) for p in cand.places}:
                bonus += 0.15
            if numbers:  # "bis 2027", "2. Netzwerktreffen": the same number in the sentence is a strong hint
                bonus += 0.15 * len(numbers & set(_QUESTION_NUMBER.findall(cand.text)))
            if {"figures", "howmuch"} & intent_set and cand.has_quantity:
                bonus += 0.2
            if asked & cand.counts:  # "how many participants" ↔ "32 Teilnehmende", across languages
                bonus += 0.3
            bonus *= relevance
            factor = TITLE_FACTOR if cand.position == TITLE_POSITION else 1.0
            if self._misses_intent(cand, intent_set):
                factor *= _INTENT_MISS_FACTOR
            cand.lexical = round(min(1.5, base + bonus) * factor * (1.0 - 0.04 * min(cand.rank, 8)), 4)

    @staticmethod
    def _misses_intent(cand: Candidate, intent: set[str]) -> bool:
        """A "when" sentence without a date, a "how many" one without a number, a contact one without address."""
        if {"deadline", "when"} & intent and not cand.has_date:
            return True
        if {"howmuch", "figures"} & intent and not cand.has_number:
            return True
        return "contact" in intent and not cand.has_contact

    def add_dense(self, candidates: list[Candidate], question: str) -> None:
        """Cosine between the question and each candidate (embeds only uncached sentences)."""
        if self.similarity is None or not candidates:
            return
        query = self.similarity.query_vector(question)
        vectors = self.similarity.sentence_vectors([c.text for c in candidates])
        for cand, cos in zip(candidates, np.asarray(vectors @ query).tolist(), strict=True):
            cand.dense = float(cos)
