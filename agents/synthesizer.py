"""Synthesizer: evidence → cited sentences, in the language of the question.

``extractive`` (no model): split the passages into sentences, score them
against the question (term overlap + intent bonuses, then dense similarity for
the best few), pick 2–5 in a greedy, deduplicating pass and cite each with
the passage(s) it comes from. Deterministic: the same index and question give
the same answer. It copies sentences, so it cannot translate: an English
question over German reports gets German sentences.

LLM backends: the model sees numbered passages (only their relevant
sentences, to keep CPU prompts short), must cite ``[n]`` after every sentence
and must say it does not know; its reply is streamed token by token and then
parsed into sentences and citations for the grounding check.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from itertools import chain

from pydantic import BaseModel, Field

from agents.lexicon import REFUSAL
from agents.models import Evidence, Plan, Sentence
from agents.prompts import answer_messages
from agents.researcher import ENUMERATION_PLACES, Research
from agents.scoring import Candidate, SentenceScorer, dedupe_key
from agents.terms import content_terms, word_set
from agents.text import CITATION_RE, cited_numbers, split_sentences, strip_citations
from core.contacts import EMAIL_OR_PHONE
from core.dates import find_dates
from core.gazetteer import place_names
from core.language import fold
from core.llm import ChatLLM

logger = logging.getLogger(__name__)

__all__ = [
    "Draft",
    "ExtractiveSynthesizer",
    "LLMSynthesizer",
    "Renumberer",
    "Synthesizer",
    "focus",
    "is_refusal",
    "missing_intent",
    "parse_cited",
    "relevant_excerpt",
]

OnToken = Callable[[str], None]
_REFUSAL_PATTERNS = re.compile(
    r"\b(?:steht nichts|nicht (?:in den|aus den) (?:vorliegenden )?(?:dokumenten|passagen|unterlagen)|keine (?:angaben|"
    r"informationen)|do(?:es)? not (?:say|contain|mention|state|provide)|no information|not (?:mentioned|stated|"
    r"provided) in|ne (?:le )?(?:disent|mentionnent|contiennent) pas|aucune information|لا تذكر|لا تحتوي)"
)


class Draft(BaseModel):
    """The synthesizer's output before the grounding check."""

    sentences: list[Sentence] = Field(default_factory=list)
    refused: bool = False
    raw: str = Field("", description="The model's reply as generated (LLM backends)")
    shown: list[int] = Field(default_factory=list, description="Evidence numbers the model saw (LLM backends)")
    extractive: list[Sentence] = Field(
        default_factory=list,
        description="The extractive answer the model's prompt was built from (LLM backends): the fallback, ready",
    )

    def __repr__(self) -> str:
        return f"Draft({len(self.sentences)} sentences, refused={self.refused})"


class Synthesizer:
    """Interface: ``synthesize(question, plan, research, on_token=None) -> Draft``."""

    backend = "extractive"

    def synthesize(self, question: str, plan: Plan, research: Research, *, on_token: OnToken | None = None) -> Draft:
        raise NotImplementedError


def _similar(a: frozenset[str], b: frozenset[str]) -> bool:
    """Near-duplicates, or a sentence already contained in a chosen list block ("The six cities adopted …")."""
    return bool(a and b) and (len(a & b) / len(a | b) > 0.7 or a <= b)


#: Enumerations below the lexical cut that a list-of-places question still scores densely and may choose.
_EXTRA_ENUMERATIONS = 3


def _enumerations(candidates: list[Candidate], limit: int, covered: set[str]) -> list[Candidate]:
    """Up to ``limit`` candidates naming at least :data:`ENUMERATION_PLACES` places, each adding the most places
    not ``covered`` yet (ties: more places, then the better lexical score).

    A list of partner cities shares few words with "which cities take part in …", so its lexical score
    ranks it below sentences about the subject that name one city each; the list is what answers. Counting
    only new places matters when the chunker cut the list: the bullets repeated from the first half must
    not crowd out the one that names the last city.
    """
    lists = [c for c in candidates if len(set(c.places)) >= ENUMERATION_PLACES]
    seen = set(covered)
    chosen: list[Candidate] = []
    while lists and len(chosen) < limit:
        best = max(lists, key=lambda c: (len(set(c.places) - seen), len(set(c.places)), c.lexical))
        if not set(best.places) - seen:
            break
        lists.remove(best)
        chosen.append(best)
        seen |= set(best.places)
    return chosen


class ExtractiveSynthesizer(Synthesizer):
    """Selects, orders and cites the best evidence sentences."""

    backend = "extractive"

    def __init__(self, scorer: SentenceScorer, *, max_sentences: int = 5, min_sentences: int = 2,
                 dense_candidates: int = 5) -> None:
        self.scorer = scorer
        self.max_sentences = max_sentences
        self.min_sentences = min_sentences
        self.dense_candidates = dense_candidates

    def rank(
        self,
        question: str,
        evidence: list[Evidence],
        *,
        key_terms: list[str],
        intent: list[str],
        places: list[str],
        list_of: str | None,
        dense: bool = True,
        require: Callable[[Candidate], bool] | None = None,
    ) -> list[Candidate]:
        """Candidates best first: lexical over all sentences, dense over the best few.

        ``require`` keeps only sentences of a kind (with a date, a number, contact details …). For a list of
        places the sentences and list blocks naming the most places join the best few (:func:`_enumerations`).
        """
        candidates = self.scorer.candidates(evidence)
        if require is not None:
            candidates = [c for c in candidates if require(c)]
        self.scorer.score_lexical(candidates, question, key_terms=key_terms, intent=intent, places=places,
                                  list_of=list_of)
        candidates.sort(key=lambda c: (-c.lexical, c.rank, c.position))
        n_dense = self.dense_candidates + (2 if list_of else 0)
        top = candidates[:n_dense]
        if list_of == "places":
            top += _enumerations(candidates[n_dense:], _EXTRA_ENUMERATIONS, {p for c in top for p in c.places})
        if dense:
            self.scorer.add_dense(top, question)
        return sorted(top, key=lambda c: (-c.score, c.rank, c.position))

    def choose(self, ranked: list[Candidate], *, list_of: str | None, max_sentences: int | None = None,
               min_sentences: int | None = None, floor: float = 0.12) -> list[Candidate]:
        """Greedy pick: good enough relative to the best, new information (places for lists), no near-duplicates."""
        limit = max_sentences or (self.max_sentences + (1 if list_of else 0))
        minimum = min_sentences if min_sentences is not None else self.min_sentences
        if not ranked:
            return []
        best = ranked[0].score
        chosen: list[Candidate] = []
        keys: list[frozenset[str]] = []
        seen_places: set[str] = set()
        pool = list(ranked)
        while pool and len(chosen) < limit:
            def adjusted(c: Candidate, seen: set[str] = seen_places) -> float:
                new = len(set(c.places) - seen) if list_of == "places" else 0
                return c.score + 0.12 * min(new, 3)

            pick = max(pool, key=lambda c: (adjusted(c), -c.rank, -c.position))
            pool.remove(pick)
            key = dedupe_key(pick.text)
            if any(_similar(key, k) for k in keys):
                continue
            relative = 0.5 if len(chosen) >= minimum else 0.35
            if pick.score < floor or adjusted(pick) < relative * best:
                break
            chosen.append(pick)
            keys.append(key)
            seen_places |= set(pick.places)
        return chosen

    def select(self, question: str, plan: Plan, research: Research) -> tuple[list[Candidate], list[Candidate]]:
        """``(ranked, chosen)``: the best candidate sentences of the answered sub-questions' evidence, and the answer."""
        answered = [i for i, ok in research.answered.items() if ok]
        evidence = [e for e in research.evidence if set(e.sub_questions) & set(answered)] or research.evidence
        intent = sorted({g for i in answered for g in plan.sub_questions[i].intent})
        list_of = next((s.list_of for s in plan.sub_questions if s.list_of), None)
        key_terms = [t for i in answered for t in research.key_terms.get(i, [])]
        ranked = self.rank(question, evidence, key_terms=key_terms, intent=intent, places=plan.places,
                           list_of=list_of)
        return ranked, self.choose(ranked, list_of=list_of)

    def synthesize(self, question: str, plan: Plan, research: Research, *, on_token: OnToken | None = None) -> Draft:
        if not research.evidence or not research.any_answered:
            return Draft(refused=True)
        _, chosen = self.select(question, plan, research)
        return Draft(sentences=as_sentences(chosen))


def as_sentences(chosen: list[Candidate]) -> list[Sentence]:
    """Chosen candidate sentences as the cited sentences of an extractive answer."""
    return [Sentence(text=c.text, citations=sorted(c.evidence)) for c in chosen]


# ----------------------------------------------------------------------------------------- LLM


def is_refusal(text: str, lang: str) -> bool:
    """Whether a model reply says the passages do not contain the answer."""
    folded = fold(text)
    own = fold(REFUSAL.get(lang, REFUSAL["en"])).rstrip(".")
    return own in folded or _REFUSAL_PATTERNS.search(folded) is not None


_CITE_AFTER_STOP = re.compile(rf"([.!?؟])((?:{CITATION_RE.pattern})+)\s*")


def parse_cited(text: str) -> list[Sentence]:
    """Model reply → sentences with citations; markers after the full stop are moved before it first."""
    text = re.sub(r"^\s*(?:answer|antwort|réponse)\s*:\s*", "", text.strip(), flags=re.IGNORECASE)
    text = _CITE_AFTER_STOP.sub(lambda m: f" {m.group(2).strip()}{m.group(1)} ", text)
    sentences: list[Sentence] = []
    for piece in split_sentences(text, min_words=1):
        body, cites = strip_citations(piece)
        if not body.strip(" .;:-"):
            if cites and sentences:  # a stray "[2]" line belongs to the sentence before it
                sentences[-1].citations = list(dict.fromkeys([*sentences[-1].citations, *cites]))
            continue
        sentences.append(Sentence(text=body, citations=cites))
    return sentences


def relevant_excerpt(item: Evidence, ranked: dict[int, list[Candidate]], max_chars: int) -> str:
    """The passage, or its most relevant sentences in document order when it is longer than ``max_chars``."""
    text = " ".join(item.text.split())
    if len(text) <= max_chars:
        return text
    chosen: list[Candidate] = []
    used = 0
    for cand in ranked.get(item.n, []):
        if used + len(cand.text) > max_chars and chosen:
            continue
        chosen.append(cand)
        used += len(cand.text) + 1
    chosen.sort(key=lambda c: c.position)
    return " … ".join(c.text for c in chosen) or text[:max_chars]


#: Sentences longer than this are quoted to the model by their relevant clauses (see :func:`focus`).
_LONG_SENTENCE = 200
_CLAUSE_END = re.compile(r"(?<=;)\s+")


def focus(text: str, terms: list[str]) -> str:
    """A long ``;``-separated sentence cut to the clauses that share a word with ``terms`` (whole when none does).

    Timelines and lists of benefits are one "sentence" of 400+ characters in which one clause answers
    ("2035: Elektrolyseur mit 100 MW"); quoting only that clause keeps the prompt short without losing it.
    """
    clauses = _CLAUSE_END.split(text)
    if len(text) <= _LONG_SENTENCE or len(clauses) < 2:
        return text
    kept: list[str] = []
    gap = False
    for clause in clauses:
        words = word_set(clause)
        if any(w.startswith(t) for t in terms for w in words):
            kept.append(("… " if gap else "") + clause)
            gap = False
        else:
            gap = True
    if not kept:
        return text
    return " ".join(kept) + (" …" if gap else "")


class Renumberer:
    """Turns the prompt's passage numbers ``[1]``, ``[2]`` … into evidence numbers, token by token.

    Small models number their citations from 1 whatever the labels say, so the prompt numbers the
    passages it shows 1…k and this maps them back; a marker split over several tokens is held until
    its ``]`` arrives, so the streamed text already cites the evidence the UI lists. A number the
    prompt did not show is dropped: a sentence citing nothing real fails the grounding check.
    """

    _HOLD = 12  # longest marker we wait for, e.g. "[1, 2, 3]"

    def __init__(self, numbers: dict[int, int]) -> None:
        self.numbers = numbers
        self.pending = ""

    def feed(self, piece: str) -> str:
        text = self.pending + piece
        cut = text.rfind("[")
        if cut != -1 and "]" not in text[cut:] and len(text) - cut <= self._HOLD:
            text, self.pending = text[:cut], text[cut:]
        else:
            self.pending = ""
        return self._map(text)

    def flush(self) -> str:
        text, self.pending = self.pending, ""
        return self._map(text)

    def _map(self, text: str) -> str:
        def replace(match: re.Match[str]) -> str:
            space = match.group(0)[: match.group(0).index("[")]
            known = list(dict.fromkeys(self.numbers[k] for k in cited_numbers(match) if k in self.numbers))
            return space + (f"[{', '.join(map(str, known))}]" if known else "")

        return CITATION_RE.sub(replace, text)


class LLMSynthesizer(Synthesizer):
    """The evidence sentences the extractive synthesizer would answer with → a streamed, cited answer from the model.

    On a CPU the model's time to first token is its prompt evaluation (~70 tokens/s for the packaged
    1.5B model on 2 cores; the system prompt stays in llama.cpp's prompt cache), so the prompt holds
    the selected sentences, not whole passages: ``prompt_chars`` bounds the quoted evidence. The model
    adds what copying cannot: one answer in the question's language, from sentences of several passages.
    """

    def __init__(self, llm: ChatLLM, extractive: ExtractiveSynthesizer, *, prompt_chars: int = 1000,
                 max_tokens: int | None = None) -> None:
        self.llm = llm
        self.extractive = extractive
        self.backend = llm.backend
        self.prompt_chars = prompt_chars
        self.max_tokens = max_tokens

    def passages(self, question: str, plan: Plan, research: Research, ranked: list[Candidate],
                 chosen: list[Candidate]) -> list[tuple[Evidence, str]]:
        """The chosen sentences (or, when none passes the extractive floor, the best ranked ones) by passage.

        ``ranked`` and ``chosen`` are the extractive synthesizer's selection. Sentences are added best
        first while they fit ``prompt_chars`` (the best one always does); passages are ordered by their
        best sentence, and a passage's sentences keep document order.
        """
        terms = content_terms(" ".join([question, *(t for ts in research.key_terms.values() for t in ts)]))
        terms += re.findall(r"\d+", question)  # "for 2030 and for 2035" picks those clauses of a timeline
        # A list of places is the answer itself: it gets twice the room, and its clauses are not cut
        # (the question's words are in the list's first clause, the other places in the rest).
        list_question = any(s.list_of for s in plan.sub_questions)
        budget = self.prompt_chars * (2 if list_question else 1)
        picked: list[tuple[Candidate, str]] = []
        quoted: set[str] = set()
        used = 0
        for cand in chosen or ranked[:2]:
            text = cand.text if list_question else focus(cand.text, terms)
            if text in quoted:  # overlapping chunks hold the same sentence: quote it once
                continue
            if picked and used + len(text) > budget:
                continue
            quoted.add(text)
            picked.append((cand, text))
            used += len(text) + 1
        by_number = {e.n: e for e in research.evidence}
        grouped: dict[int, list[tuple[Candidate, str]]] = {}
        for cand, text in picked:
            grouped.setdefault(cand.evidence[0], []).append((cand, text))
        return [
            (by_number[n], " … ".join(text for _, text in sorted(items, key=lambda item: item[0].position)))
            for n, items in grouped.items()
        ]

    def synthesize(self, question: str, plan: Plan, research: Research, *, on_token: OnToken | None = None) -> Draft:
        if not research.evidence or not research.any_answered:
            return Draft(refused=True)
        ranked, chosen = self.extractive.select(question, plan, research)
        backup = as_sentences(chosen)
        passages = self.passages(question, plan, research, ranked, chosen)
        shown = [item.n for item, _ in passages]
        numbered = [(item.model_copy(update={"n": i}), text) for i, (item, text) in enumerate(passages, 1)]
        messages = answer_messages(question, plan.language, numbered)
        renumber = Renumberer({i: n for i, n in enumerate(shown, 1)})
        pieces: list[str] = []
        for piece in chain(self.llm.stream(messages, max_tokens=self.max_tokens), [None]):
            text = renumber.flush() if piece is None else renumber.feed(piece)
            if not text:
                continue
            pieces.append(text)
            if on_token:
                on_token(text)
        raw = "".join(pieces).strip()
        sentences = parse_cited(raw)
        if not sentences or (is_refusal(raw, plan.language) and not any(s.citations for s in sentences)):
            return Draft(refused=True, raw=raw, shown=shown, extractive=backup)
        return Draft(sentences=sentences, raw=raw, shown=shown, extractive=backup)


_NUMBERISH = re.compile(r"\d")
_NUMBER_WORD = re.compile(r"\b(?:zwei|drei|vier|funf|sechs|sieben|acht|neun|zehn|elf|zwolf|two|three|four|five|six|"
                          r"seven|eight|nine|ten|eleven|twelve|deux|trois|quatre|cinq|six|sept|huit|neuf|dix)\b")


def _cut_range(sentences: list[Sentence], cited: Mapping[int, str], lang: str) -> bool:
    """An answer date that starts a range in its cited passage without its end ("25. November" for "25.–27. November").

    Grounding accepts it (the day is in the passage), but an event that lasted three days did not take
    place on its first one: small models drop the end of a range they copy.
    """
    for sentence in sentences:
        singles = {m.start for m in find_dates(sentence.text, lang, include_months=True) if m.end is None}
        if not singles:
            continue
        for n in sentence.citations:
            for mention in find_dates(cited.get(n, ""), lang, include_months=True):
                if mention.end not in (None, mention.start) and mention.start in singles:
                    return True
    return False


def missing_intent(sentences: list[Sentence], plan: Plan, cited: Mapping[int, str] | None = None) -> str | None:
    """What a grounded answer lacks that its question asks for (a date or the whole date range, a number,
    contact details, places); ``cited`` maps evidence numbers to passage texts."""
    text = " ".join(s.text for s in sentences)
    intent = {g for sub in plan.sub_questions for g in sub.intent}
    if {"deadline", "when"} & intent and not find_dates(text, plan.language, include_months=True):
        return "no date"
    if {"deadline", "when"} & intent and cited and _cut_range(sentences, cited, plan.language):
        return "a date range cut short"
    if {"howmuch", "figures"} & intent:
        plain = text
        for mention in find_dates(text, plan.language, include_months=True):
            plain = plain.replace(mention.surface, " ")
        if not (_NUMBERISH.search(plain) or _NUMBER_WORD.search(fold(plain))):
            return "no number"  # "im März 2025" answers when, not how many
    if "contact" in intent and not EMAIL_OR_PHONE.search(text):
        return "no contact details"
    if any(s.list_of == "places" for s in plan.sub_questions) and len(place_names(text)) < 2:
        return "no list of places"
    return None
