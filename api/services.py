"""The one object both entrypoints drive: the CLI and the HTTP API call the same methods.

It owns the store (and with it the embedded index lock), the embedder and the
pipelines built on them, created lazily so that ``ccassist search`` never loads
what it does not need.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.embedders import DenseEmbedder, get_embedder
from core.models import IngestReport, SearchResponse
from core.settings import Settings
from core.sparse import SparseEncoder
from core.store import Store, open_store, sentence_weight
from retrieval.filters import SearchFilters
from retrieval.hybrid import HybridSearcher

if TYPE_CHECKING:
    from api.schemas import DocumentDetail, DocumentPage, Stats
    from ingest.pipeline import FileEvent, Ingestor

if TYPE_CHECKING:  # answers and fact sheets (agents/)
    from datetime import date

    from agents.models import AgentEvent, Answer, FactSheet
    from agents.workflow import Assistant

logger = logging.getLogger(__name__)

__all__ = ["Services"]


class Services:
    """Settings + store + models, and the operations of the product."""

    def __init__(self, settings: Settings, *, index_path: Path | None = None, store: Store | None = None) -> None:
        self.settings = settings
        if index_path is not None:
            self.settings = settings.model_copy(update={"index_path": Path(index_path)})
        self._store = store
        self._exchange_store: Store | None = None
        self._lock = threading.RLock()

    @property
    def store(self) -> Store:
        with self._lock:
            if self._store is None:
                self._store = open_store(self.settings)
            return self._store

    @property
    def exchange_store(self) -> Store:
        """The index's second collection: exchange records (ingest/exchanges.py)."""
        with self._lock:
            if self._exchange_store is None:
                self._exchange_store = open_store(self.settings, collection="exchanges")
            return self._exchange_store

    @cached_property
    def embedder(self) -> DenseEmbedder:
        return get_embedder(self.settings)

    @cached_property
    def sparse(self) -> SparseEncoder:
        return SparseEncoder()

    @cached_property
    def ingestor(self) -> Ingestor:
        from ingest.pipeline import Ingestor  # llama-index loads only when ingesting

        return Ingestor(self.settings, self.store, embedder=self.embedder, sparse=self.sparse,
                        exchange_store=self.exchange_store, exchange_llm=self._exchange_llm())

    def _exchange_llm(self) -> Any | None:
        """The configured chat LLM for refining exchange records at ingest; None (rules only) when there is none."""
        if self.settings.llm == "extractive":
            return None
        from core.errors import ModelUnavailable
        from core.llm import get_chat_llm

        try:
            return get_chat_llm(self.settings)
        except ModelUnavailable as exc:
            logger.warning("exchange records are extracted without an LLM: %s", exc)
            return None

    @cached_property
    def searcher(self) -> HybridSearcher:
        return HybridSearcher(self.settings, self.store, embedder=self.embedder, sparse=self.sparse)

    def ingest(
        self,
        paths: Iterable[str | Path],
        *,
        prune: bool = False,
        visibility: str | None = None,
        on_event: Callable[[FileEvent], None] | None = None,
    ) -> IngestReport:
        return self.ingestor.ingest(paths, prune=prune, visibility=visibility, on_event=on_event)

    def search(
        self,
        query: str,
        *,
        k: int = 5,
        filters: SearchFilters | None = None,
        allowed_visibility: Sequence[str] | None = None,
        per_doc: bool = False,
        facets: bool = False,
    ) -> SearchResponse:
        return self.searcher.search(
            query, k=k, filters=filters, allowed_visibility=allowed_visibility, per_doc=per_doc, facets=facets
        )

    # -- documents, stats and health (used by the HTTP API; every read takes the caller's tier) --------

    def _doc_filter(self, filters: SearchFilters | None, allowed_visibility: Sequence[str] | None, *extra: Any) -> Any:
        """Filter on documents' first chunks (which carry the doc-level payload), within the caller's tier."""
        from core.filters import Filter, Match, all_of
        from retrieval.filters import visibility_filter

        allowed = list(allowed_visibility) if allowed_visibility is not None else None
        return all_of(
            Filter(must=[Match("chunk_index", 0), *extra]),
            (filters or SearchFilters()).to_filter(),
            visibility_filter(allowed),
        )

    def list_documents(
        self,
        *,
        filters: SearchFilters | None = None,
        allowed_visibility: Sequence[str] | None = None,
        limit: int = 20,
        offset: int = 0,
        cursor: str | None = None,
    ) -> DocumentPage:
        """One page of documents matching ``filters`` that the caller may see.

        Pages by ``cursor`` (the ``next_cursor`` of the previous page; cheap) or by
        ``offset`` (skips that many documents). Order is the index's point order.
        """
        import uuid

        from api.schemas import DocumentPage, DocumentSummary
        from core.errors import InvalidInput

        flt = self._doc_filter(filters, allowed_visibility)
        total = self.store.count(flt)
        if cursor:
            try:
                cursor = str(uuid.UUID(cursor))
            except ValueError:
                raise InvalidInput("invalid cursor") from None
        else:
            skipped = 0
            while skipped < offset:  # walk past `offset` documents page by page
                hits, cursor = self.store.scroll(filter=flt, limit=min(256, offset - skipped), offset=cursor)
                skipped += len(hits)
                if cursor is None:
                    return DocumentPage(items=[], total=total, limit=limit, offset=offset, next_cursor=None)
        hits, next_cursor = self.store.scroll(filter=flt, limit=limit, offset=cursor)
        items = [DocumentSummary.from_payload(h.payload) for h in hits]
        return DocumentPage(items=items, total=total, limit=limit, offset=offset, next_cursor=next_cursor)

    def get_document(self, doc_id: str, *, allowed_visibility: Sequence[str] | None = None) -> DocumentDetail:
        """Metadata and chunks of one document; :class:`NotFound` when missing or outside the caller's tier."""
        from api.schemas import ChunkOut, DocumentDetail
        from core.errors import NotFound
        from core.filters import Filter, Match, all_of
        from retrieval.filters import visibility_filter

        allowed = list(allowed_visibility) if allowed_visibility is not None else None
        flt = all_of(Filter(must=[Match("doc_id", doc_id)]), visibility_filter(allowed))
        hits = sorted(self.store.iter_all(filter=flt), key=lambda h: int(h.payload.get("chunk_index") or 0))
        if not hits:
            raise NotFound(f"no document {doc_id!r}")
        detail = DocumentDetail.from_payload(hits[0].payload)
        detail.chunks = [
            ChunkOut(chunk_id=h.id, chunk_index=int(h.payload.get("chunk_index") or 0), page=h.payload.get("page"),
                     heading=h.payload.get("heading"), text=str(h.payload.get("text", "")))
            for h in hits
        ]
        return detail

    def delete_document(self, doc_id: str, *, allowed_visibility: Sequence[str] | None = None) -> int:
        """Delete every chunk of a document; returns how many. :class:`NotFound` when missing or not visible."""
        from core.errors import NotFound
        from core.filters import Match

        if self.store.count(self._doc_filter(None, allowed_visibility, Match("doc_id", doc_id))) == 0:
            raise NotFound(f"no document {doc_id!r}")
        removed = self.ingestor.remove_doc(doc_id)
        logger.info("deleted document %s (%d chunks)", doc_id, removed)
        return removed

    def document_ids(self, *, source: str) -> list[str]:
        """Ids of the documents indexed from ``source``."""
        from core.filters import Filter, Match

        return [str(v) for v, _ in self.store.facet("doc_id", filter=Filter(must=[Match("source", source)]), limit=100)]

    def stats(self, *, allowed_visibility: Sequence[str] | None = None) -> Stats:
        """Document and chunk counts, per type, language, visibility and year, of what the caller may see."""
        from api.schemas import Stats
        from core.filters import all_of
        from core.models import FacetCount
        from retrieval.filters import visibility_filter

        allowed = list(allowed_visibility) if allowed_visibility is not None else None
        docs = self._doc_filter(None, allowed_visibility)

        def counts(key: str) -> list[FacetCount]:
            return [FacetCount(value=v, count=c) for v, c in self.store.facet(key, filter=docs, limit=100)]

        return Stats(
            documents=self.store.count(docs),
            chunks=self.store.count(all_of(visibility_filter(allowed))),
            by_type=counts("doc_type"),
            by_language=counts("language"),
            by_visibility=counts("visibility"),
            by_year=counts("year"),
        )

    def open_index(self) -> None:
        """Open (and for the embedded engine: lock) the index now, creating it if needed.

        The API calls this at startup so it owns the index before the first
        request; a CLI started later gets :class:`core.errors.IndexLocked`.
        """
        self.store.ensure(self.embedder.dim, sentence_weight=sentence_weight(self.settings))

    def warm_up(self) -> float:
        """Load now what the first requests would otherwise queue behind, and return the seconds it took.

        The query engines, the sparse encoder, the language cache and (for the extractive backend)
        the agent pipeline are built lazily; without this the first search after start-up took
        0.5-3.6 s and the first answer 2-5.5 s while concurrent requests piled up (bench/load.py).
        A model-backed LLM still loads on first use. Never raises: a failed warm-up is only logged.
        """
        started = time.perf_counter()
        try:
            self.searcher.search("warm-up", k=1, allowed_visibility=[], facets=True)
            if self.settings.llm == "extractive":
                self.assistant  # noqa: B018 - building it is the point
        except Exception as exc:  # noqa: BLE001 - the server runs without it, only slower at first
            logger.warning("warm-up failed (the first requests will be slower): %s", exc)
        return time.perf_counter() - started

    def health(self, *, llm: bool = True) -> dict[str, Any]:
        """Index, embedder and LLM backend status, without loading any model."""
        index: dict[str, Any]
        try:
            info = self.store.info()
            index = {"engine": info.engine, "points": info.points, "dim": info.dim,
                     "sentence_weight": self.store.sentence_weight, "ok": True, "detail": ""}
        except Exception as exc:  # noqa: BLE001 - health reports, it does not raise
            logger.warning("index health check failed: %s", exc)
            index = {"engine": "qdrant-server" if self.settings.qdrant_url else "qdrant-edge", "points": 0,
                     "dim": None, "ok": False, "detail": type(exc).__name__}
        llm_info: dict[str, Any] | None = None
        if llm:
            try:
                from core.llm import llm_status
            except ImportError:
                llm_status = None  # type: ignore[assignment]
            if llm_status is not None:
                try:
                    llm_info = llm_status(self.settings)
                except Exception as exc:  # noqa: BLE001
                    llm_info = {"backend": self.settings.llm, "ready": False, "available": False,
                                "detail": f"status check failed ({type(exc).__name__})"}
        return {"index": index, "embedder": self.settings.embedder, "llm": llm_info}

    def document_summary(
        self, doc_id: str, *, language: str | None = None, allowed_visibility: Sequence[str] | None = None
    ) -> dict[str, Any]:
        """A cited extractive summary of one document (agents/summary.py), cached in ``data_dir/summaries``.

        The visibility check runs first (:class:`NotFound` when missing or outside the caller's tier), so a
        cached summary never reaches a caller who may not read the document.
        """
        import hashlib
        import json

        from agents.summary import summarize_document

        detail = self.get_document(doc_id, allowed_visibility=allowed_visibility)
        digest = hashlib.sha256(doc_id.encode("utf-8")).hexdigest()[:32]
        cache = Path(self.settings.data_dir) / "summaries" / f"{digest}.json"
        stamp = "|".join(c.chunk_id for c in detail.chunks)
        if cache.is_file():
            try:
                data = json.loads(cache.read_text(encoding="utf-8"))
                if data.get("_chunks") == stamp:
                    data.pop("_chunks", None)
                    return data
            except (OSError, ValueError):
                pass
        meta = {"doc_id": detail.doc_id, "source": detail.source, "title": detail.title, "language": detail.language}
        chunks = [c.model_dump() for c in detail.chunks]
        data = summarize_document(meta, chunks, self.embedder)
        if language and language != data.get("language"):
            data["requested_language"] = language  # extractive: sentences stay in the document's language
        try:
            cache.parent.mkdir(parents=True, exist_ok=True)
            tmp = cache.with_suffix(".tmp")
            tmp.write_text(json.dumps({**data, "_chunks": stamp}, ensure_ascii=False), encoding="utf-8")
            tmp.replace(cache)
        except OSError as exc:
            logger.warning("could not cache the summary of %s: %s", doc_id, exc)
        return data

    def document_file(self, doc_id: str, *, allowed_visibility: Sequence[str] | None = None) -> Path:
        """The original file of a document, if it is still on disk; :class:`NotFound` otherwise.

        Only the indexed ``source`` path is served (relative to the working directory, or an upload under
        ``data_dir``), never a path from the request.
        """
        from core.errors import NotFound

        detail = self.get_document(doc_id, allowed_visibility=allowed_visibility)
        source = Path(str(detail.source))
        candidates = [source] if source.is_absolute() else [Path.cwd() / source, Path(self.settings.data_dir) / source]
        for path in candidates:
            try:
                if path.is_file():
                    return path.resolve()
            except OSError:
                continue
        raise NotFound(f"the original file of document {doc_id!r} is no longer available")

    def document_exchanges(self, doc_id: str, *, k: int = 50, allowed_visibility: Sequence[str] | None = None) -> Any:
        """The exchanges recorded in one document, within the caller's tier."""
        from core.filters import Filter, Match, all_of
        from retrieval.exchanges import ExchangeSearchResponse, _Group, _match, event_key
        from retrieval.filters import visibility_filter

        allowed = list(allowed_visibility) if allowed_visibility is not None else None
        flt = all_of(Filter(must=[Match("kind", "exchange"), Match("doc_id", doc_id)]), visibility_filter(allowed))
        groups: dict[str, Any] = {}
        for hit in self.exchange_store.iter_all(filter=flt):
            key = event_key(hit.payload)
            groups.setdefault(key, _Group(key)).members.append((1.0, hit))
        ordered = sorted(groups.values(), key=lambda g: str(g.best.payload.get("start") or ""))[:k]
        return ExchangeSearchResponse(query="", filters={"doc_id": doc_id},
                                      exchanges=[_match(i, g, "", []) for i, g in enumerate(ordered, start=1)])

    # -- exchanges, peers and calls ------------------------------------------------------------------

    @cached_property
    def exchange_finder(self) -> Any:
        from retrieval.exchanges import ExchangeFinder

        return ExchangeFinder(self.settings, self.exchange_store, embedder=self.embedder, sparse=self.sparse)

    def find_exchanges(
        self,
        problem: str,
        *,
        k: int = 5,
        region: Sequence[str] = (),
        country: Sequence[str] = (),
        topic: Sequence[str] = (),
        since: int | None = None,
        allowed_visibility: Sequence[str] | None = None,
    ) -> Any:
        """Past exchanges that match a problem description (retrieval/exchanges.py), within the caller's tier."""
        from retrieval.exchanges import ExchangeFilters

        filters = ExchangeFilters(region=list(region), country=list(country), topic=list(topic), since=since)
        return self.exchange_finder.find(problem, k=k, filters=filters, allowed_visibility=allowed_visibility)

    def peers(self, city: str, *, allowed_visibility: Sequence[str] | None = None) -> Any:
        """Cities that shared exchanges (and topics) with ``city``."""
        return self.exchange_finder.peers(city, allowed_visibility=allowed_visibility)

    def calls(
        self,
        *,
        open_only: bool = False,
        today: Any | None = None,
        allowed_visibility: Sequence[str] | None = None,
    ) -> Any:
        """Calls for participation and invitations with a deadline (retrieval/calls.py)."""
        from retrieval.calls import list_calls

        return list_calls(self.store, today=today, open_only=open_only, allowed_visibility=allowed_visibility)

    def rebuild_exchanges(self) -> int:
        """Re-extract every document's exchange records from the indexed chunks (no re-parsing, no chunk re-embedding)."""
        from ingest.exchanges import documents_from_store

        index = self.ingestor.exchanges
        written = 0
        for meta, chunks in documents_from_store(self.store):
            records = index.extract(meta, chunks)
            index.write(meta.source, meta.doc_id, records, chunks)
            written += len(records)
        index.flush()
        return written

    # -- answers and fact sheets (agents/) -----------------------------------------------------------

    @cached_property
    def assistant(self) -> Assistant:
        """The agent pipeline (planner → researcher → synthesizer → grounding check), built on first use.

        Built lazily because it loads llama-index and, for ``llm=local``, the packaged model.
        """
        from agents.workflow import Assistant

        return Assistant(self.settings, self.searcher)

    def ask(
        self,
        question: str,
        *,
        allowed_visibility: Sequence[str] | None = None,
        today: date | None = None,
        on_event: Callable[[AgentEvent], None] | None = None,
    ) -> Answer:
        """A cited, grounded answer from the documents the caller may see (agents/workflow.py)."""
        return self.assistant.ask(question, allowed_visibility=allowed_visibility, today=today, on_event=on_event)

    def factsheet(
        self,
        topic: str,
        *,
        allowed_visibility: Sequence[str] | None = None,
        today: date | None = None,
        on_event: Callable[[AgentEvent], None] | None = None,
    ) -> FactSheet:
        """A fact sheet on a topic, city or partnership, every sentence cited and grounded."""
        return self.assistant.factsheet(topic, allowed_visibility=allowed_visibility, today=today, on_event=on_event)

    def close(self) -> None:
        with self._lock:
            if self._store is not None:
                self._store.close()
                self._store = None
            if self._exchange_store is not None:
                self._exchange_store.close()
                self._exchange_store = None
