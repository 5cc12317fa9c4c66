"""The agents' boundary types: plans, evidence, answers, fact sheets and their traces.

The ``ask`` and ``factsheet`` JSON contracts of DESIGN.md are exactly
``Answer.model_dump(mode="json")`` and ``FactSheet.model_dump(mode="json")``:
the contract fields come first and are never removed; everything else
(``trace``, ``language``, ``sentences`` …) is additive.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, Field

from retrieval.filters import SearchFilters

__all__ = [
    "AgentEvent",
    "Answer",
    "Citation",
    "Evidence",
    "FactSheet",
    "FactSheetSection",
    "FlaggedPassage",
    "Judgement",
    "ListKind",
    "OutputShape",
    "Plan",
    "SearchStep",
    "Sentence",
    "SubQuestion",
    "Trace",
    "UnsupportedSentence",
]

OutputShape = Literal["answer", "list", "factsheet"]
ListKind = Literal["places", "calls", "documents", "contacts", "items"]


class SubQuestion(BaseModel):
    """One thing to look up, with the filters that narrow the search and the shape of its answer."""

    text: str = Field(description="The sub-question as searched")
    filters: SearchFilters = Field(default_factory=SearchFilters)
    shape: OutputShape = "answer"
    list_of: ListKind | None = Field(None, description="What a list answer enumerates")
    intent: list[str] = Field(default_factory=list, description="Cue groups found: deadline, open, contact, figures …")
    section: str | None = Field(None, description="Fact-sheet section this sub-question feeds")


class Plan(BaseModel):
    """What the planner decided, kept in the trace so a reader can see why a search was filtered."""

    question: str
    language: str
    shape: OutputShape = "answer"
    sub_questions: list[SubQuestion]
    places: list[str] = Field(default_factory=list, description="Places named in the request (canonical)")
    topics: list[str] = Field(default_factory=list, description="Topic slugs of the request")
    planner: Literal["rules", "llm"] = "rules"
    notes: list[str] = Field(default_factory=list, description="Why the plan looks the way it does")

    def __repr__(self) -> str:  # compact: the workflow runtime logs every event's fields
        return f"Plan({self.question[:50]!r}, {len(self.sub_questions)} sub-questions, {self.planner})"


class Evidence(BaseModel):
    """A passage kept by the researcher; ``n`` is the number answers cite as ``[n]``."""

    n: int
    chunk_id: str
    doc_id: str
    source: str
    title: str
    page: int | None = None
    heading: str | None = None
    text: str
    score: float
    doc_type: str | None = None
    language: str | None = None
    published: date | None = None
    deadline: date | None = None
    deadlines: list[date] = Field(default_factory=list)
    cities: list[str] = Field(default_factory=list)
    countries: list[str] = Field(default_factory=list)
    contacts: list[dict[str, Any]] = Field(default_factory=list)
    sub_questions: list[int] = Field(default_factory=list, description="Indexes of the sub-questions it was found for")
    flags: list[str] = Field(default_factory=list, description="Prompt-injection patterns found in the passage")

    def expired(self, today: date) -> bool:
        """Whether the document's deadline lies before ``today``."""
        return self.deadline is not None and self.deadline < today


class Citation(BaseModel):
    """A cited passage as the ask/factsheet contracts expose it."""

    n: int
    doc_id: str
    source: str
    title: str
    quote: str = Field(description="The cited passage text (or its cited sentence window)")
    chunk_id: str | None = None
    page: int | None = None
    heading: str | None = None
    deadline: date | None = None
    expired: bool = False


class Sentence(BaseModel):
    """One sentence of an answer or fact sheet with the evidence numbers it cites."""

    text: str = Field(description="The sentence without its citation markers")
    citations: list[int] = Field(default_factory=list)
    similarity: float | None = Field(None, description="Cosine to the cited passages (grounding check)")
    note: str | None = Field(None, description="Added to the text by the grounding check, e.g. an expired deadline")

    def add_note(self, note: str) -> None:
        """Append "(note)" to the text (before its full stop), so every consumer of ``text`` sees it."""
        if self.note == note:
            return
        self.note = note
        text, end = _split_end(self.text.rstrip())
        self.text = f"{text} ({note}){end}"

    def render(self) -> str:
        """The sentence as shown: text, then ``[n]`` markers before the full stop."""
        text, end = _split_end(self.text.rstrip())
        marks = "".join(f"[{n}]" for n in self.citations)
        return f"{text} {marks}{end}" if marks else f"{text}{end}"


def _split_end(text: str) -> tuple[str, str]:
    if text and text[-1] in ".!?؟。":
        return text[:-1].rstrip(), text[-1]
    return text, ""


class UnsupportedSentence(BaseModel):
    """A sentence the grounding check removed, and why."""

    text: str
    citations: list[int] = Field(default_factory=list)
    reason: str


class SearchStep(BaseModel):
    """One search the researcher ran."""

    sub_question: int
    loop: int
    query: str
    filters: dict[str, Any] = Field(default_factory=dict)
    dropped_filters: list[str] = Field(default_factory=list)
    hits: int
    language: str | None = None
    ms: float = 0.0


class Judgement(BaseModel):
    """Whether the evidence of a loop answers the sub-question."""

    sub_question: int
    loop: int
    answered: bool
    score: float = Field(description="Coverage/confidence in [0, 1]")
    reason: str = ""
    judge: Literal["rules", "llm"] = "rules"
    passage: int | None = Field(None, description="1-based rank of the hit that answers (rules)")


class FlaggedPassage(BaseModel):
    """A passage that looks like a prompt injection: it may be cited, its instructions are never followed."""

    chunk_id: str
    doc_id: str
    source: str
    patterns: list[str]
    excerpt: str


class Trace(BaseModel):
    """Everything a reviewer needs to see how an answer came about."""

    plan: Plan | None = None
    searches: list[SearchStep] = Field(default_factory=list)
    judgements: list[Judgement] = Field(default_factory=list)
    evidence: list[dict[str, Any]] = Field(default_factory=list, description="n, doc_id, source, score, sub-questions")
    loops: dict[str, int] = Field(default_factory=dict, description="Search loops run per sub-question")
    flagged: list[FlaggedPassage] = Field(default_factory=list)
    timings_ms: dict[str, float] = Field(default_factory=dict, description="planner, search, synthesis, grounding, total")
    notes: list[str] = Field(default_factory=list)


class Answer(BaseModel):
    """The ask contract: ``question, answer, citations, grounded, unsupported, backend`` (+ additive fields)."""

    question: str
    answer: str
    citations: list[Citation] = Field(default_factory=list)
    grounded: bool
    unsupported: list[UnsupportedSentence] = Field(default_factory=list)
    backend: str
    language: str
    refused: bool = Field(False, description="The answer says the documents do not contain it")
    fallback: str | None = Field(
        None, description="Why the extractive answer replaced the model's (its answer failed the grounding check "
        "or lacked what the question asks for)")
    sentences: list[Sentence] = Field(default_factory=list)
    trace: Trace = Field(default_factory=Trace)

    def __repr__(self) -> str:
        return f"Answer({self.answer[:60]!r}, grounded={self.grounded}, {len(self.citations)} citations)"


class FactSheetSection(BaseModel):
    heading: str
    key: str = Field(description="summary, facts, activities, calls, contacts, sources")
    sentences: list[Sentence] = Field(default_factory=list)


class FactSheet(BaseModel):
    """The factsheet contract: ``topic, sections, citations, markdown`` (+ additive fields)."""

    topic: str
    sections: list[FactSheetSection]
    citations: list[Citation] = Field(default_factory=list)
    markdown: str = ""
    language: str = "de"
    grounded: bool = True
    unsupported: list[UnsupportedSentence] = Field(default_factory=list)
    backend: str = "extractive"
    generated: date | None = None
    trace: Trace = Field(default_factory=Trace)

    def __repr__(self) -> str:
        return f"FactSheet({self.topic!r}, {len(self.sections)} sections, {len(self.citations)} citations)"


class AgentEvent(BaseModel):
    """What ``on_event`` receives: trace steps as they happen and, for LLM backends, answer tokens."""

    kind: Literal["plan", "search", "judgement", "evidence", "synthesis", "token", "grounding", "done"]
    stage: str
    data: dict[str, Any] = Field(default_factory=dict)
