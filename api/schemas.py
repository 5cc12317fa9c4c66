"""Request and response bodies of the HTTP API (and the shapes :class:`Services` returns to it)."""

from __future__ import annotations

from datetime import date
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator

from core.models import FacetCount
from retrieval.filters import SearchFilters

__all__ = [
    "ChunkOut",
    "DeleteResult",
    "DocumentDetail",
    "DocumentListQuery",
    "DocumentPage",
    "DocumentSummary",
    "ErrorBody",
    "Health",
    "IndexHealth",
    "SearchRequest",
    "Stats",
    "UploadAccepted",
]

# Payload keys that describe one chunk rather than the document.
CHUNK_KEYS = frozenset({"text", "kind", "chunk_index", "page", "heading"})


class SearchRequest(BaseModel):
    """A hybrid (dense + sparse) search."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"query": "Bewerbungsfrist Klimaanpassung", "k": 5, "filters": {"doc_type": ["call"], "open": True},
                 "per_doc": True, "facets": True}
            ]
        },
    )

    query: str = Field(min_length=1, max_length=2000, description="What to look for, in any language")
    k: int = Field(5, ge=1, le=100, description="Number of results")
    filters: SearchFilters = Field(default_factory=SearchFilters, description="Payload filters (lists mean any of)")
    per_doc: bool = Field(False, description="Best passage per document only")
    facets: bool = Field(False, description="Counts per doc type, language, year, country and topic")

    @field_validator("filters", mode="before")
    @classmethod
    def _known_filters(cls, value: Any) -> Any:
        if isinstance(value, dict):
            unknown = sorted(set(value) - set(SearchFilters.model_fields))
            if unknown:
                raise ValueError(
                    f"unknown filter field(s) {', '.join(unknown)}; use {', '.join(SearchFilters.model_fields)}"
                )
        return value


class DocumentListQuery(SearchFilters):
    """Query parameters of ``GET /documents``: the search filters plus paging."""

    limit: int = Field(20, ge=1, le=200, description="Documents per page")
    offset: int = Field(0, ge=0, le=100_000, description="Documents to skip (ignored when cursor is given)")
    cursor: str | None = Field(None, max_length=64, description="next_cursor of the previous page")

    @field_validator(
        "doc_type", "language", "city", "country", "region", "place", "topic", "visibility", "doc_id", "source",
        mode="before",
    )
    @classmethod
    def _split(cls, value: Any) -> list[str]:
        """Repeated parameters and comma lists both work: ``?a=x&a=y`` and ``?a=x,y``."""
        items = [value] if isinstance(value, str) else list(value or [])
        return [part.strip() for item in items for part in str(item).split(",") if part.strip()]

    def filters(self) -> SearchFilters:
        return SearchFilters(**self.model_dump(include=set(SearchFilters.model_fields)))


class DocumentSummary(BaseModel):
    """Document-level metadata (the payload of the document's first chunk)."""

    doc_id: str
    title: str
    source: str
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
    metadata: dict[str, Any] = Field(default_factory=dict, description="Every other document-level payload field")

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> Self:
        doc = {k: v for k, v in payload.items() if k not in CHUNK_KEYS}
        known = {k: doc.pop(k) for k in list(doc) if k in cls.model_fields and k != "metadata"}
        known.setdefault("title", known.get("source", known.get("doc_id", "")))
        return cls(**known, metadata=doc)


class DocumentPage(BaseModel):
    """One page of documents."""

    items: list[DocumentSummary]
    total: int = Field(description="Documents matching the filters (that the caller may see)")
    limit: int
    offset: int
    next_cursor: str | None = Field(None, description="Pass as cursor for the next page; null on the last page")


class ChunkOut(BaseModel):
    """One indexed passage of a document."""

    chunk_id: str
    chunk_index: int
    page: int | None = None
    heading: str | None = None
    text: str


class DocumentDetail(DocumentSummary):
    """A document's metadata and the text of its chunks, in order."""

    chunks: list[ChunkOut] = Field(default_factory=list)


class DeleteResult(BaseModel):
    doc_id: str
    deleted_chunks: int


class UploadAccepted(BaseModel):
    """An accepted upload: poll ``status_url`` for progress."""

    job_id: str
    status: str
    status_url: str
    files: list[dict[str, Any]]


class Stats(BaseModel):
    """Counts over the documents the caller may see."""

    documents: int
    chunks: int
    by_type: list[FacetCount]
    by_language: list[FacetCount]
    by_visibility: list[FacetCount]
    by_year: list[FacetCount]


class IndexHealth(BaseModel):
    engine: str
    points: int
    dim: int | None = None
    sentence_weight: float | None = Field(
        None, description="Weight of the index's sentence vectors (CCASSIST_SENTENCE_WEIGHT when it was created); "
        "null = chunk vectors only")
    ok: bool = True
    detail: str = ""


class Health(BaseModel):
    """Liveness and what the service runs on (no model is loaded to answer this)."""

    status: str = Field(description="ok, or degraded when the index cannot be read")
    version: str
    index: IndexHealth
    embedder: str
    llm: dict[str, Any] | None = Field(None, description="Answer backend status (core.llm.llm_status)")


class ErrorDetail(BaseModel):
    type: str
    message: str


class ErrorBody(BaseModel):
    """The shape of every error response."""

    error: ErrorDetail


class SummaryCitation(BaseModel):
    n: int
    doc_id: str
    source: str
    title: str
    quote: str
    chunk_id: str | None = None
    page: int | None = None
    heading: str | None = None


class SummarySentence(BaseModel):
    text: str
    citations: list[int] = Field(default_factory=list)


class DocumentSummaryText(BaseModel):
    """``GET /documents/{doc_id}/summary``: a summary of one document, every sentence citing its passages."""

    doc_id: str
    language: str | None = None
    summary: str
    sentences: list[SummarySentence] = Field(default_factory=list)
    citations: list[SummaryCitation] = Field(default_factory=list)
    grounded: bool = True
    backend: str = "extractive"
