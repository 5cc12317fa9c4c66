"""Boundary types shared by ingest, retrieval, agents and the API.

A parser turns a file into a :class:`ParsedDocument` (text sections with page
and heading); metadata extraction adds :class:`DocMetadata`; chunking yields
:class:`Chunk` objects whose ``payload()`` is exactly what Qdrant stores.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, Field

from core.settings import Visibility

DOC_TYPES = ("call", "report", "invitation", "news", "strategy", "other")


class Section(BaseModel):
    """A run of text that shares a page and a heading."""

    text: str
    page: int | None = Field(None, description="1-based page number (PDF only)")
    heading: str | None = Field(None, description="Nearest section heading above the text")


class ParsedDocument(BaseModel):
    """What every parser returns, whatever the file format."""

    source: str = Field(description="The file path as it was given to ingest")
    format: str = Field(description="pdf, docx, html, md or txt")
    title: str | None = Field(None, description="Title found by the parser (PDF info, DOCX core title, <title>, first H1)")
    sections: list[Section]
    front_matter: dict[str, Any] = Field(default_factory=dict, description="Declared metadata (front matter or sidecar)")
    warnings: list[str] = Field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n\n".join(s.text for s in self.sections if s.text.strip())


class Contact(BaseModel):
    """A contact exactly as published in the document."""

    name: str | None = None
    email: str | None = None
    phone: str | None = None
    organisation: str | None = None


class DocMetadata(BaseModel):
    """Document-level metadata, stored on every chunk as Qdrant payload."""

    doc_id: str
    source: str
    title: str
    doc_type: str = "other"
    language: str = "und"
    published: date | None = None
    deadline: date | None = Field(None, description="Application / registration deadline (calls, invitations)")
    deadlines: list[date] = Field(default_factory=list)
    event_dates: list[date] = Field(default_factory=list)
    cities: list[str] = Field(default_factory=list)
    countries: list[str] = Field(default_factory=list)
    regions: list[str] = Field(default_factory=list)
    topics: list[str] = Field(default_factory=list)
    visibility: Visibility = "internal"
    contacts: list[Contact] = Field(default_factory=list)
    format: str = "txt"
    content_hash: str = ""

    @property
    def places(self) -> list[str]:
        return [*self.cities, *self.countries]


class Chunk(BaseModel):
    """One indexed passage with its document metadata."""

    id: str = Field(description="uuid5(doc_id, chunk_index): stable across re-ingests")
    doc_id: str
    chunk_index: int
    n_chunks: int
    text: str = Field(description="The passage as shown to readers")
    embed_text: str = Field(description="What is embedded: title and heading prepended so the chunk stands alone")
    page: int | None = None
    heading: str | None = None
    metadata: DocMetadata

    def payload(self) -> dict[str, Any]:
        """The Qdrant payload: flat, JSON-safe, dates as ISO strings."""
        meta = self.metadata.model_dump(mode="json")
        meta["places"] = [*meta["cities"], *meta["countries"]]
        meta["year"] = self.metadata.published.year if self.metadata.published else None
        return {
            "kind": "chunk",
            **meta,
            "chunk_index": self.chunk_index,
            "n_chunks": self.n_chunks,
            "page": self.page,
            "heading": self.heading,
            "text": self.text,
        }


class SearchResult(BaseModel):
    """One ranked passage (the search JSON contract of DESIGN.md)."""

    rank: int
    score: float
    doc_id: str
    source: str
    title: str
    chunk_id: str
    text: str
    snippet: str = Field("", description="Passage excerpt with matched terms wrapped in **…**")
    page: int | None = None
    heading: str | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)


class FacetCount(BaseModel):
    value: str | int | bool
    count: int


class SearchResponse(BaseModel):
    query: str
    language: str | None = None
    filters: dict[str, Any] = Field(default_factory=dict)
    results: list[SearchResult]
    facets: dict[str, list[FacetCount]] = Field(default_factory=dict)


class FileFailure(BaseModel):
    source: str
    error: str


class IngestReport(BaseModel):
    """The ingest JSON contract: what happened to each file of a batch."""

    indexed: int = 0
    skipped: int = 0
    failed: list[FileFailure] = Field(default_factory=list)
    chunks: int = 0
    removed: int = 0
    indexed_sources: list[str] = Field(default_factory=list)
    skipped_sources: list[str] = Field(default_factory=list)
    seconds: float = 0.0


# --------------------------------------------------------------------------- exchange records

EVENT_TYPES = ("workshop", "learning_process", "network_meeting", "conference", "study_tour")
EventType = Literal["workshop", "learning_process", "network_meeting", "conference", "study_tour"]


class Evidence(BaseModel):
    """Where one extracted value was read: a verbatim quote of one indexed passage."""

    chunk_id: str = Field(description="Point id of the chunk the quote comes from")
    quote: str = Field(description="Verbatim text of the chunk (or of its heading, see ``location``)")
    location: Literal["text", "heading"] = Field("text", description="'heading' when the quote is the chunk's heading (the title)")


class ExchangeParticipant(BaseModel):
    """A participating city or organisation, with the country and programme region it belongs to."""

    name: str
    kind: Literal["city", "organisation"] = "city"
    country: str | None = None
    region: str | None = None


class ExchangeRecord(BaseModel):
    """One exchange (workshop, learning process, network meeting, conference, study tour) as one document reports it.

    Every value comes with an ``evidence`` entry keyed by its field path
    (``event_type``, ``start``, ``cities/Kisumu``, ``outcomes/0`` …), so a
    reader can check it against the passage it was read from.
    """

    id: str = Field(description="uuid5(doc_id, record index): replaced together with the document")
    doc_id: str
    source: str
    title: str
    doc_type: str = "other"
    language: str = "und"
    visibility: Visibility = "internal"
    published: date | None = None
    event_name: str | None = None
    event_type: EventType | None = None
    start: date | None = None
    end: date | None = None
    host: str | None = Field(None, description="Host city (canonical name)")
    host_country: str | None = None
    cities: list[str] = Field(default_factory=list)
    countries: list[str] = Field(default_factory=list)
    regions: list[str] = Field(default_factory=list)
    participants: list[ExchangeParticipant] = Field(default_factory=list)
    organisations: list[str] = Field(default_factory=list)
    topics: list[str] = Field(default_factory=list)
    topic_weights: dict[str, float] = Field(
        default_factory=dict, description="Salience of each topic in the record's passages, 1.0 for the strongest"
    )
    outcomes: list[str] = Field(default_factory=list)
    next_steps: list[str] = Field(default_factory=list)
    contacts: list[Contact] = Field(default_factory=list)
    evidence: dict[str, Evidence] = Field(default_factory=dict)
    extractor: str = Field("rules", description="'rules', or 'rules+llm' when an LLM proposed verified values")

    def payload(self) -> dict[str, Any]:
        """The Qdrant payload of the ``exchanges`` collection: flat, JSON-safe, filterable like chunks."""
        data = self.model_dump(mode="json")
        data["places"] = [*self.cities, *self.countries]
        data["event_dates"] = [d.isoformat() for d in (self.start, self.end) if d is not None]
        when = self.start or self.published
        data["year"] = when.year if when else None
        return {"kind": "exchange", **data}
