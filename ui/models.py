"""What :mod:`ui.client` returns: pydantic models of the API's JSON.

The models are tolerant on purpose (``extra="allow"``, defaults everywhere):
the API may add fields at any time (DESIGN.md: "more fields may be added, none
removed"), and some endpoints the UI uses are still being written, so a field
the UI does not know yet must never break a page.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, model_validator

__all__ = [
    "Answer",
    "Call",
    "Chunk",
    "Citation",
    "CityRow",
    "DocSummary",
    "DocumentDetail",
    "DocumentPage",
    "DocumentSummary",
    "Exchange",
    "ExchangePassage",
    "ExchangeResponse",
    "FacetCount",
    "FactSheet",
    "FactSheetSection",
    "Health",
    "IndexInfo",
    "Job",
    "JobFile",
    "LLMInfo",
    "Me",
    "Model",
    "PeerEvent",
    "SearchResponse",
    "SearchResult",
    "Sentence",
    "Stats",
    "UnsupportedSentence",
    "UploadAccepted",
]


class Model(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)

    def extra(self, name: str, default: Any = None) -> Any:
        """A field the model does not declare (the API added it)."""
        return (self.model_extra or {}).get(name, default)


class FacetCount(Model):
    value: str | int | bool
    count: int = 0


# -- service ---------------------------------------------------------------------------------------


class LLMInfo(Model):
    backend: str = "?"
    model: str | None = None
    ready: bool = False
    available: bool = False
    detail: str = ""


class IndexInfo(Model):
    engine: str = "?"
    points: int = 0
    dim: int | None = None
    ok: bool = True
    detail: str = ""


class Health(Model):
    status: str = "ok"
    version: str = ""
    index: IndexInfo = Field(default_factory=IndexInfo)
    embedder: str = ""
    llm: LLMInfo | None = None


class Me(Model):
    """The caller as the API sees it (``GET /me``; see the report for the requested contract)."""

    role: str = "public"
    name: str = "anonymous"
    key_id: str | None = None
    allowed_visibility: list[str] = Field(default_factory=list)
    can_edit: bool = False
    inferred: bool = Field(False, description="Set by the client when /me is missing and the role was guessed")


# -- search and documents --------------------------------------------------------------------------


class SearchResult(Model):
    rank: int = 0
    score: float = 0.0
    doc_id: str
    source: str = ""
    title: str = ""
    chunk_id: str = ""
    text: str = ""
    snippet: str = ""
    page: int | None = None
    heading: str | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)


class SearchResponse(Model):
    query: str = ""
    language: str | None = None
    filters: dict[str, Any] = Field(default_factory=dict)
    results: list[SearchResult] = Field(default_factory=list)
    facets: dict[str, list[FacetCount]] = Field(default_factory=dict)


class DocumentSummary(Model):
    doc_id: str
    title: str = ""
    source: str = ""
    doc_type: str | None = None
    language: str | None = None
    published: date | None = None
    deadline: date | None = None
    cities: list[str] = Field(default_factory=list)
    countries: list[str] = Field(default_factory=list)
    topics: list[str] = Field(default_factory=list)
    visibility: str | None = None
    n_chunks: int | None = None
    format: str | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)


class DocumentPage(Model):
    items: list[DocumentSummary] = Field(default_factory=list)
    total: int = 0
    limit: int = 0
    offset: int = 0
    next_cursor: str | None = None


class Chunk(Model):
    chunk_id: str = ""
    chunk_index: int = 0
    page: int | None = None
    heading: str | None = None
    text: str = ""


class DocumentDetail(DocumentSummary):
    chunks: list[Chunk] = Field(default_factory=list)


class UploadAccepted(Model):
    job_id: str
    status: str = "queued"
    status_url: str = ""
    files: list[dict[str, Any]] = Field(default_factory=list)


class JobFile(Model):
    name: str = ""
    filename: str = ""
    size: int = 0
    content_type: str = ""
    status: str = "pending"
    chunks: int = 0
    detail: str = ""
    doc_ids: list[str] = Field(default_factory=list)


class Job(Model):
    id: str
    status: str = "queued"
    created: str = ""
    started: str | None = None
    finished: str | None = None
    owner: str = ""
    visibility: str | None = None
    files: list[JobFile] = Field(default_factory=list)
    done: int = 0
    total: int = 0
    report: dict[str, Any] | None = None
    error: str | None = None

    @property
    def finished_ok(self) -> bool:
        return self.status in ("done", "failed")


class Stats(Model):
    documents: int = 0
    chunks: int = 0
    by_type: list[FacetCount] = Field(default_factory=list)
    by_language: list[FacetCount] = Field(default_factory=list)
    by_visibility: list[FacetCount] = Field(default_factory=list)
    by_year: list[FacetCount] = Field(default_factory=list)


# -- answers and fact sheets -----------------------------------------------------------------------


class Citation(Model):
    n: int
    doc_id: str = ""
    source: str = ""
    title: str = ""
    quote: str = ""
    chunk_id: str | None = None
    page: int | None = None
    heading: str | None = None
    deadline: date | None = None
    expired: bool = False
    language: str | None = None


class Sentence(Model):
    text: str
    citations: list[int] = Field(default_factory=list)
    similarity: float | None = None
    note: str | None = None
    supported: bool | None = Field(default=None, description="False when the grounding check flagged it")


class UnsupportedSentence(Model):
    text: str
    citations: list[int] = Field(default_factory=list)
    reason: str = ""
    section: str | None = None


class Answer(Model):
    question: str = ""
    answer: str = ""
    citations: list[Citation] = Field(default_factory=list)
    grounded: bool = True
    unsupported: list[UnsupportedSentence] = Field(default_factory=list)
    backend: str = ""
    language: str | None = None
    refused: bool = False
    sentences: list[Sentence] = Field(default_factory=list)
    trace: dict[str, Any] = Field(default_factory=dict)

    @property
    def not_in_material(self) -> bool:
        """A refusal, or an answer without a single citation: nothing in the material backs it."""
        return self.refused or not self.citations or not self.answer.strip()


class FactSheetSection(Model):
    heading: str
    key: str = ""
    sentences: list[Sentence] = Field(default_factory=list)


class FactSheet(Model):
    id: str | None = Field(None, description="Id to GET/PUT/export (the API may call it sheet_id)")
    topic: str = ""
    sections: list[FactSheetSection] = Field(default_factory=list)
    citations: list[Citation] = Field(default_factory=list)
    markdown: str = ""
    language: str = "de"
    grounded: bool = True
    unsupported: list[UnsupportedSentence] = Field(default_factory=list)
    backend: str = ""
    generated: date | None = None
    trace: dict[str, Any] = Field(default_factory=dict)

    @property
    def sheet_id(self) -> str | None:
        return self.id or self.extra("sheet_id") or self.extra("factsheet_id")


class DocSummary(Model):
    """``GET /documents/{doc_id}/summary``: a summary whose every sentence cites the document's passages."""

    doc_id: str = ""
    summary: str = ""
    sentences: list[Sentence] = Field(default_factory=list)
    citations: list[Citation] = Field(default_factory=list)
    language: str | None = None
    grounded: bool = True
    backend: str = ""


# -- calls and exchanges ---------------------------------------------------------------------------


class Call(Model):
    """A call or invitation with a deadline (``CallItem`` of retrieval/calls.py)."""

    doc_id: str
    title: str = ""
    source: str = ""
    doc_type: str | None = None
    language: str | None = None
    published: date | None = None
    deadline: date | None = None
    days_left: int | None = None
    expired: bool | None = None
    cities: list[str] = Field(default_factory=list)
    countries: list[str] = Field(default_factory=list)
    topics: list[str] = Field(default_factory=list)
    visibility: str | None = None
    kind: str | None = None
    label: str | None = None
    contacts: list[dict[str, Any]] = Field(default_factory=list)


class ExchangePassage(Model):
    """A cited passage (``why``/evidence) or a source document of an exchange."""

    doc_id: str = ""
    title: str = ""
    source: str = ""
    quote: str = ""
    text: str = ""
    field: str | None = None
    chunk_id: str | None = None
    page: int | None = None
    language: str | None = None
    doc_type: str | None = None
    published: date | None = None

    @property
    def body(self) -> str:
        return self.quote or self.text


class Exchange(Model):
    """One past exchange (``ExchangeMatch`` of retrieval/exchanges.py; tolerant of a bare record)."""

    id: str | None = None
    rank: int | None = None
    score: float | None = None
    event: str | None = Field(None, validation_alias=AliasChoices("event", "event_name"))
    event_type: str | None = None
    kind: str | None = None
    start: date | None = None
    end: date | None = None
    host: str | None = None
    host_country: str | None = None
    cities: list[str] = Field(default_factory=list)
    countries: list[str] = Field(default_factory=list)
    regions: list[str] = Field(default_factory=list)
    participants: list[dict[str, Any]] = Field(default_factory=list, description="name, kind, country, region")
    topics: list[str] = Field(default_factory=list)
    matched_topics: list[str] = Field(default_factory=list)
    outcomes: list[str] = Field(default_factory=list)
    next_steps: list[str] = Field(default_factory=list)
    why: list[ExchangePassage] = Field(default_factory=list)
    sources: list[ExchangePassage] = Field(default_factory=list)
    evidence: dict[str, ExchangePassage] = Field(default_factory=dict)
    doc_id: str | None = None
    title: str | None = None
    summary: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _unwrap(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("record"), dict):  # {"score", "record": {...}}
            return {**data["record"], **{k: v for k, v in data.items() if k != "record"}}
        return data

    @property
    def quotes(self) -> list[ExchangePassage]:
        """The passages that show why it matches (``why``), else the evidence of its fields, one per passage."""
        if self.why:
            return self.why
        seen: dict[str, ExchangePassage] = {}
        for field, ev in self.evidence.items():
            key = ev.chunk_id or ev.quote
            if key and key not in seen:
                seen[key] = ev.model_copy(update={"field": field, "doc_id": ev.doc_id or self.doc_id or "",
                                                  "title": ev.title or self.title or ""})
        return list(seen.values())

    @property
    def documents(self) -> list[ExchangePassage]:
        """The documents that report it (``sources``), else its own document."""
        if self.sources:
            return self.sources
        return [ExchangePassage(doc_id=self.doc_id, title=self.title or "")] if self.doc_id else []

    @property
    def when(self) -> tuple[date | None, date | None]:
        return self.start, (self.end if self.end and self.end != self.start else None)

    @property
    def event_kind(self) -> str | None:
        return self.event_type or self.kind


class PeerEvent(Model):
    event: str | None = None
    event_type: str | None = None
    start: date | None = None
    host: str | None = None
    topics: list[str] = Field(default_factory=list)
    sources: list[ExchangePassage] = Field(default_factory=list)


class CityRow(Model):
    """A row of the cities table: a peer city (``PeerCity``) or a city of the exchanges shown."""

    city: str
    country: str | None = None
    region: str | None = None
    exchanges: int | None = None
    topics: list[str] = Field(default_factory=list, validation_alias=AliasChoices("topics", "shared_topics"))
    last: date | None = None
    events: list[PeerEvent] = Field(default_factory=list)
    lat: float | None = None
    lon: float | None = None


class ExchangeResponse(Model):
    """``GET /exchanges`` (``exchanges``) or ``GET /peers/{city}`` (``city``, ``peers``)."""

    query: str | None = None
    language: str | None = None
    query_topics: list[str] = Field(default_factory=list)
    city: str | None = None
    country: str | None = None
    topics: list[str] = Field(default_factory=list)
    exchanges: list[Exchange] = Field(default_factory=list)
    cities: list[CityRow] = Field(default_factory=list)
    peers: list[CityRow] = Field(default_factory=list)
