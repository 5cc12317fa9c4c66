"""Grounding check: every output sentence against the passages it cites.

A sentence is kept only if

1. it cites at least one passage, and only passages that exist;
2. every date in it (German, English, French, Arabic forms, normalised by
   :mod:`core.dates`) is a date of a cited passage (or lies inside a range
   the passage states);
3. every other number occurs in a cited passage ("4.800" and "4,800" are the
   same number);
4. every place (via the gazetteer, so "Köln" and "Cologne" are one place) and
   every name-like token (acronyms, multi-word capitalised names, and in
   English/French any capitalised word inside the sentence) occurs in a cited
   passage;
5. it is semantically close to a cited passage: a verbatim quote passes,
   otherwise the cosine between the sentence and the passage's stored vector
   must reach :data:`SIMILARITY_THRESHOLD`.

Failing sentences are removed from the answer and reported with the reason.
Expired deadlines are marked on the sentences that state them.
"""

from __future__ import annotations

import logging
import re
from datetime import date

import numpy as np
from pydantic import BaseModel, Field

from agents.lexicon import EXPIRED_NOTE, REFUSAL, has_cue, text_for
from agents.models import Evidence, Sentence, UnsupportedSentence
from agents.similarity import Similarity
from agents.text import names_of
from core.dates import DateMention, find_dates
from core.gazetteer import find_places, lookup, place_names
from core.language import fold

logger = logging.getLogger(__name__)

__all__ = ["SIMILARITY_THRESHOLD", "GroundingChecker", "GroundingResult", "numbers_of", "refusal_text"]

#: Cosine sentence ↔ cited passage vector below which a sentence counts as unsupported (multilingual-e5-small).
#: Measured by ``bench/answers.py --calibrate``: gold-fact sentences vs their own passage p05 0.835 (median
#: 0.892); the same sentences vs an unrelated document's passage median 0.793, p95 0.839; the model's kept
#: paraphrases 0.837–0.95. The two distributions overlap, so the similarity only removes sentences about
#: something else; numbers, dates and names (checked first) do the real work. 0.82 keeps cross-lingual
#: paraphrases (an English sentence on a German passage scores ~0.82–0.85).
SIMILARITY_THRESHOLD = 0.82
_NUMBER = re.compile(r"(?<![\w])\d+(?:[.,]\d+)*")


class GroundingResult(BaseModel):
    kept: list[Sentence] = Field(default_factory=list)
    unsupported: list[UnsupportedSentence] = Field(default_factory=list)
    repaired: list[str] = Field(default_factory=list, description="Citations re-pointed to the supporting passage")


def refusal_text(lang: str) -> str:
    """"The documents do not say." in the question's language."""
    return text_for(REFUSAL, lang)


def _number_forms(token: str) -> set[str]:
    """"4.800"/"4,800" → {"4800", "4.8"}; "1,2" → {"1.2"}; "2026" → {"2026"}."""
    forms = {token.replace(",", ".")}
    if re.fullmatch(r"\d{1,3}(?:[.,]\d{3})+", token):
        forms.add(re.sub(r"[.,]", "", token))
    return forms


def _strip_spans(text: str, mentions: list[DateMention]) -> str:
    for mention in sorted(mentions, key=lambda m: -m.pos):
        text = text[: mention.pos] + " " * (mention.end_pos - mention.pos) + text[mention.end_pos :]
    return text


def numbers_of(text: str, mentions: list[DateMention] | None = None) -> set[str]:
    """Normalised numbers of ``text`` outside its date mentions."""
    plain = _strip_spans(text, mentions) if mentions else text
    out: set[str] = set()
    for token in _NUMBER.findall(plain):
        out |= _number_forms(token)
    return out


def _only_restates(sentence: str, question: str, lang: str) -> bool:
    """Every checkable fact of a (non-verbatim) sentence comes from the question: it asserts the premise.

    "The allocation for 2024–2026 has actually been spent." answers "How much of the allocation for
    2024–2026 has actually been spent?" with nothing from the documents.
    """
    dates = find_dates(sentence, lang, include_months=True)
    facts = [m.surface for m in dates] + _NUMBER.findall(_strip_spans(sentence, dates))
    facts += [m.surface for m in find_places(sentence)] + names_of(sentence, lang)
    asked = fold(question)
    return bool(facts) and all(fold(f) in asked for f in facts)


def _words_only(text: str) -> str:
    """Folded words separated by single spaces: quotes compare equal across line breaks, bullets and ";"."""
    return " ".join(re.findall(r"\w+", fold(text)))


def _date_supported(mention: DateMention, passage_dates: list[DateMention]) -> bool:
    for other in passage_dates:
        if mention.precision == "month" or other.precision == "month":
            if (mention.start.year, mention.start.month) in {(other.start.year, other.start.month),
                                                            (other.last.year, other.last.month)}:
                return True
            continue
        if other.start <= mention.start and mention.last <= other.last:
            return True
    return False


class GroundingChecker:
    """Checks sentences against their cited passages; removes and reports the unsupported ones."""

    def __init__(self, similarity: Similarity | None = None, *, threshold: float = SIMILARITY_THRESHOLD) -> None:
        self.similarity = similarity
        self.threshold = threshold

    # -- single checks -----------------------------------------------------------------------------

    def _support_text(self, cited: list[Evidence]) -> str:
        return "\n".join(f"{e.title}\n{e.heading or ''}\n{e.text}" for e in cited)

    def _facts_reason(self, sentence: Sentence, cited: list[Evidence], lang: str, question: str = "") -> str | None:
        # What the question itself says ("… in Kiel in February 2027?") may be echoed without a source: it is
        # the reader's premise, not a claim of the answer. Everything else must be in the cited passages.
        support = f"{self._support_text(cited)}\n{question}"
        folded_support = fold(support)
        dates = find_dates(sentence.text, lang, include_months=True)
        support_dates = [m for e in cited
                         for m in find_dates(f"{e.title}\n{e.heading or ''}\n{e.text}", e.language, include_months=True)]
        support_dates += find_dates(question, lang, include_months=True)
        for mention in dates:
            if not _date_supported(mention, support_dates):
                return f"date '{mention.surface}' is not in the cited passages"
        support_numbers = numbers_of(support)
        for token in _NUMBER.findall(_strip_spans(sentence.text, dates)):
            if not _number_forms(token) & support_numbers:
                return f"number '{token}' is not in the cited passages"
        support_places = place_names(support)
        for mention in find_places(sentence.text):
            if mention.place.name not in support_places and fold(mention.surface) not in folded_support:
                return f"place '{mention.surface}' is not in the cited passages"
        for name in names_of(sentence.text, lang):
            if lookup(name) is not None:
                continue  # a place: checked above by canonical name, so "Cologne" matches "Köln"
            if fold(name) not in folded_support:
                return f"name '{name}' is not in the cited passages"
        return None

    def _similarity(self, sentence: Sentence, cited: list[Evidence]) -> float:
        quote = _words_only(sentence.text)
        for item in cited:
            if quote and quote in _words_only(f"{item.title} {item.heading or ''} {item.text}"):
                return 1.0  # a verbatim quote (punctuation and bullets aside)
        if self.similarity is None:
            return 1.0  # no embedder: the factual checks above are the whole check
        vector = self.similarity.sentence_vectors([sentence.text])[0]
        stored = self.similarity.chunk_vectors([e.chunk_id for e in cited])
        missing = [e for e in cited if e.chunk_id not in stored]
        vectors = list(stored.values())
        if missing:
            vectors += list(self.similarity.sentence_vectors([e.text for e in missing]))
        return max(float(np.dot(v, vector)) for v in vectors)

    def check_sentence(self, sentence: Sentence, evidence: dict[int, Evidence], lang: str,
                       question: str = "") -> str | None:
        """The reason ``sentence`` is unsupported, or None; sets ``sentence.similarity``."""
        if not sentence.citations:
            return "no citation"
        unknown = [n for n in sentence.citations if n not in evidence]
        if unknown:
            return f"cites unknown passage(s) {unknown}"
        cited = [evidence[n] for n in sentence.citations]
        reason = self._facts_reason(sentence, cited, lang, question)
        if reason:
            return reason
        sentence.similarity = round(self._similarity(sentence, cited), 4)
        if sentence.similarity < self.threshold:
            return f"semantic similarity {sentence.similarity:.2f} below {self.threshold:.2f}"
        if question and sentence.similarity < 1.0 and _only_restates(sentence.text, question, lang):
            return "restates the question without a fact from the passages"
        return None

    # -- whole answers -----------------------------------------------------------------------------

    def _repair(self, sentence: Sentence, by_n: dict[int, Evidence], lang: str, question: str,
                shown: list[int]) -> int | None:
        """The one other passage the model was shown that supports a sentence its own citation does not.

        Small models often state a fact correctly and put the wrong number after it; the sentence is kept
        only if a single shown passage passes the full check, and the change is reported in the trace.
        """
        if not sentence.citations:
            return None  # an uncited sentence stays unsupported: citing is the model's job
        supporting = []
        for n in shown:
            if n in sentence.citations or n not in by_n:
                continue
            trial = Sentence(text=sentence.text, citations=[n])
            if self.check_sentence(trial, by_n, lang, question) is None:
                supporting.append((n, trial.similarity))
        return supporting[0][0] if len(supporting) == 1 else None

    def check(self, sentences: list[Sentence], evidence: list[Evidence], *, lang: str,
              question: str = "", shown: list[int] | None = None) -> GroundingResult:
        """Split ``sentences`` into supported ones and unsupported ones with reasons.

        ``question``: facts the question states may be echoed (see :meth:`_facts_reason`). ``shown``: the
        passages a model saw; a sentence whose citation points at the wrong one of them is re-cited to the
        single shown passage that supports it (:meth:`_repair`).
        """
        by_n = {e.n: e for e in evidence}
        result = GroundingResult()
        for sentence in sentences:
            reason = self.check_sentence(sentence, by_n, lang, question)
            if reason is not None and shown:
                fixed = self._repair(sentence, by_n, lang, question, shown)
                if fixed is not None:
                    result.repaired.append(f"[{', '.join(map(str, sentence.citations))}] → [{fixed}]: {reason}")
                    sentence.citations = [fixed]
                    reason = self.check_sentence(sentence, by_n, lang, question)
            if reason is None:
                result.kept.append(sentence)
            else:
                logger.info("unsupported sentence removed (%s): %s", reason, sentence.text[:120])
                result.unsupported.append(
                    UnsupportedSentence(text=sentence.text, citations=sentence.citations, reason=reason)
                )
        return result

    @staticmethod
    def mark_expired(sentences: list[Sentence], evidence: list[Evidence], *, today: date, lang: str,
                     deadline_question: bool = False) -> None:
        """Add "(Frist abgelaufen)" / "(deadline passed)" to sentences that state a deadline already past."""
        by_n = {e.n: e for e in evidence}
        note = text_for(EXPIRED_NOTE, lang)
        marked = False
        for sentence in sentences:
            expired = [by_n[n] for n in sentence.citations if n in by_n and by_n[n].expired(today)]
            if not expired:
                continue
            deadlines = {d for e in expired for d in [e.deadline, *e.deadlines] if d is not None and d < today}
            dates = {m.start for m in find_dates(sentence.text, lang)}
            if dates & deadlines or (dates and has_cue(fold(sentence.text), "deadline")):
                sentence.add_note(note)
                marked = True
        if not marked and deadline_question:
            for sentence in sentences:
                if any(n in by_n and by_n[n].expired(today) for n in sentence.citations):
                    sentence.add_note(note)
                    break
