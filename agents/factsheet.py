"""Fact sheets: one researched section per kind of fact, every sentence cited and grounded.

Sections (DESIGN.md): summary; key facts and figures; activities and
exchanges (who with whom, where, when); open calls and deadlines (expired ones
marked); contacts (only as published in the passages); sources. Each section
has its own search (planned by :meth:`RulePlanner.plan_factsheet`) and keeps
only sentences of its kind: figures need a number, activities a place or a
date, calls a date, contacts an e-mail address or phone number. A sentence is
used in one section only.

Facts are copied, not generated: even with an LLM backend only the summary is
written by the model (and grounded like an answer); numbers, dates and
contacts stay verbatim.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from agents.citations import build_citations, renumber
from agents.export import render_markdown, source_line
from agents.grounding import GroundingChecker
from agents.lexicon import SECTION_HEADINGS
from agents.models import Evidence, FactSheet, FactSheetSection, Plan, Sentence, UnsupportedSentence
from agents.prompts import summary_messages
from agents.researcher import Research
from agents.scoring import Candidate, dedupe_key
from agents.synthesizer import ExtractiveSynthesizer, OnToken, parse_cited, relevant_excerpt
from core.contacts import EMAIL_OR_PHONE
from core.errors import CCAssistError
from core.llm import ChatLLM

logger = logging.getLogger(__name__)

__all__ = ["SECTION_SPECS", "FactSheetWriter"]


@dataclass(frozen=True)
class SectionSpec:
    """What a section keeps: its intent (scoring bonuses), which sentences qualify, how many."""

    intent: tuple[str, ...]
    require: Callable[[Candidate], bool] | None
    max_sentences: int
    doc_types: tuple[str, ...] | None = None
    list_of: str | None = None  # "places": prefer sentences that add cities not named yet


SECTION_SPECS: dict[str, SectionSpec] = {
    "summary": SectionSpec((), lambda c: len(c.text.split()) >= 8, 3),
    "facts": SectionSpec(("figures",), lambda c: c.has_number and not c.has_contact, 6),
    "activities": SectionSpec(
        ("activity",), lambda c: bool(c.places) and (c.has_date or len(c.places) > 1) and len(c.text.split()) >= 6, 6,
        list_of="places",
    ),
    "calls": SectionSpec(("deadline",), lambda c: c.has_date, 4, ("call", "invitation")),
    "contacts": SectionSpec(("contact",), lambda c: c.has_contact, 4),
}


def _new_contacts_only(ranked: list[Candidate]) -> list[Candidate]:
    """Drop contact lines whose addresses and numbers an earlier (better) line already gives."""
    seen: set[str] = set()
    out = []
    for cand in ranked:
        found = {m.group().replace(" ", "") for m in EMAIL_OR_PHONE.finditer(cand.text)}
        if found and found <= seen:
            continue
        seen |= found
        out.append(cand)
    return out


class FactSheetWriter:
    """Researched evidence → a grounded :class:`FactSheet` with Markdown."""

    def __init__(self, extractive: ExtractiveSynthesizer, grounding: GroundingChecker, *,
                 llm: ChatLLM | None = None, backend: str = "extractive") -> None:
        self.extractive = extractive
        self.grounding = grounding
        self.llm = llm
        self.backend = backend

    def _section_evidence(self, index: int, spec: SectionSpec, research: Research) -> list[Evidence]:
        found = [e for e in research.evidence if index in e.sub_questions]
        if spec.doc_types is not None:
            found = [e for e in found if e.doc_type in spec.doc_types]
        return found

    def _extractive(self, text: str, evidence: list[Evidence], spec: SectionSpec, plan: Plan,
                    used: list[frozenset[str]]) -> list[Sentence]:
        ranked = self.extractive.rank(text, evidence, key_terms=[], intent=list(spec.intent), places=plan.places,
                                      list_of=spec.list_of, require=spec.require)
        ranked = [c for c in ranked if not any(len(dedupe_key(c.text) & k) / max(1, len(dedupe_key(c.text) | k)) > 0.7
                                               for k in used)]
        if spec.require is SECTION_SPECS["contacts"].require:
            ranked = _new_contacts_only(ranked)
        chosen = self.extractive.choose(ranked, list_of=spec.list_of, max_sentences=spec.max_sentences,
                                        min_sentences=1)
        return [Sentence(text=c.text, citations=sorted(c.evidence)) for c in chosen]

    def _summary_llm(self, topic: str, plan: Plan, evidence: list[Evidence], on_token: OnToken | None) -> list[Sentence]:
        assert self.llm is not None
        scorer = self.extractive.scorer
        candidates = scorer.candidates(evidence[:4])
        scorer.score_lexical(candidates, topic)
        by_passage: dict[int, list[Candidate]] = {}
        for cand in sorted(candidates, key=lambda c: (-c.lexical, c.position)):
            for n in cand.evidence:
                by_passage.setdefault(n, []).append(cand)
        passages = [(e, relevant_excerpt(e, by_passage, 500)) for e in evidence[:4]]
        pieces = []
        for piece in self.llm.stream(summary_messages(topic, plan.language, passages), max_tokens=220):
            pieces.append(piece)
            if on_token:
                on_token(piece)
        return parse_cited("".join(pieces))

    def write(self, topic: str, plan: Plan, research: Research, *, today: date,
              on_token: OnToken | None = None) -> FactSheet:
        lang = plan.language
        headings = SECTION_HEADINGS.get(lang, SECTION_HEADINGS["en"])
        used: list[frozenset[str]] = []
        sections: list[FactSheetSection] = []
        unsupported: list[UnsupportedSentence] = []
        notes: list[str] = []
        for index, sub in enumerate(plan.sub_questions):
            key = sub.section or "summary"
            spec = SECTION_SPECS[key]
            evidence = self._section_evidence(index, spec, research)
            sentences: list[Sentence] = []
            if key == "summary" and self.llm is not None and evidence:
                try:
                    sentences = self._summary_llm(topic, plan, evidence, on_token)
                except CCAssistError as exc:
                    notes.append(f"LLM summary failed, extractive used: {exc}")
                    logger.warning("LLM summary failed, falling back to extractive: %s", exc)
            if not sentences and evidence:
                sentences = self._extractive(sub.text, evidence, spec, plan, used)
            checked = self.grounding.check(sentences, research.evidence, lang=lang, question=topic)
            unsupported += checked.unsupported
            if key == "calls":
                self.grounding.mark_expired(checked.kept, research.evidence, today=today, lang=lang,
                                            deadline_question=True)
            used += [dedupe_key(s.text) for s in checked.kept]
            sections.append(FactSheetSection(heading=headings[key], key=key, sentences=checked.kept))
        mapping = renumber([s.sentences for s in sections])
        all_sentences = [s for section in sections for s in section.sentences]
        citations = build_citations(mapping, research.evidence, all_sentences, today=today)
        sources = [Sentence(text=source_line(c), citations=[c.n]) for c in citations]
        sections.append(FactSheetSection(heading=headings["sources"], key="sources", sentences=sources))
        sheet = FactSheet(
            topic=topic,
            sections=sections,
            citations=citations,
            language=lang,
            grounded=not unsupported,
            unsupported=unsupported,
            backend=self.backend,
            generated=today,
        )
        sheet.trace.notes += notes
        sheet.markdown = render_markdown(sheet)
        return sheet
