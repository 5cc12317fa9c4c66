"""One hybrid request per query, fused by Qdrant, with filters and facets.

Cross-lingual handling: BM25 can only match a query against documents in the
query's language (stemmers and vocabulary differ), so its ranking is noise for
an English question over German reports, and naive fusion lets that noise push
the dense model's good hits down. We therefore split the sparse side by
document language inside the engine:

- one dense prefetch over everything (the multilingual model bridges languages);
  on an index with sentence vectors it reranks the ``sentence_candidates`` nearest
  chunks by them, so a chunk scores (1 - w) x its own similarity + w x its best
  sentence's (core/sentence_vectors.py),
- one sparse prefetch restricted to documents in the query's language, weight
  ``sparse_weight``,
- one sparse prefetch per other indexed language, the query stemmed with *that*
  language's stemmer (names, numbers and cognates still match) after dropping the
  query language's own stopwords, weight ``crosslingual_sparse_weight``.

Qdrant fuses them with weighted RRF (or DBSF). bench/retrieval.py measures it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from core.embedders import DenseEmbedder, get_embedder
from core.filters import Filter, Match, MatchAny, all_of
from core.language import detect_language
from core.models import FacetCount, SearchResponse
from core.settings import Settings
from core.sparse import STEMMER_LANGUAGES, SparseEncoder
from core.store import DENSE, SENTENCES, Hit, Prefetch, Store
from retrieval.filters import SearchFilters, visibility_filter
from retrieval.results import collapse_per_doc, to_results

logger = logging.getLogger(__name__)

__all__ = ["FACET_FIELDS", "HybridSearcher", "SearchMode"]

FACET_FIELDS = ("doc_type", "language", "year", "countries", "topics")
SearchMode = str  # "hybrid" | "dense" | "sparse"
_LANG_CACHE_S = 30.0
FACET_SCOPE = 100  # hits whose documents the facet counts of a search cover


@dataclass(slots=True)
class SearchTiming:
    embed_ms: float = 0.0
    query_ms: float = 0.0
    facets_ms: float = 0.0
    extra: dict[str, float] = field(default_factory=dict)


class HybridSearcher:
    """Builds and runs hybrid queries against a store."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        *,
        embedder: DenseEmbedder | None = None,
        sparse: SparseEncoder | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self.embedder = embedder or get_embedder(settings)
        self.sparse = sparse or SparseEncoder()
        self._languages: tuple[float, list[str]] = (0.0, [])
        self._lock = threading.Lock()
        self.last_timing = SearchTiming()

    def indexed_languages(self) -> list[str]:
        """Languages present in the index (cached briefly; a facet call is cheap but not free)."""
        with self._lock:
            stamp, langs = self._languages
            if time.monotonic() - stamp > _LANG_CACHE_S:
                langs = [str(v) for v, _ in self.store.facet("language", limit=50)]
                self._languages = (time.monotonic(), langs)
            return langs

    def prefetches(
        self, query: str, *, mode: SearchMode = "hybrid", language: str | None = None
    ) -> tuple[list[Prefetch], str]:
        """The prefetch list for ``query`` and the detected query language."""
        s = self.settings
        qlang = language or detect_language(query)
        out: list[Prefetch] = []
        t0 = time.perf_counter()
        if mode in ("hybrid", "dense"):
            sentences = self.store.sentence_weight is not None
            out.append(Prefetch(SENTENCES if sentences else DENSE, self.embedder.embed_query(query),
                                limit=s.prefetch_limit, weight=s.dense_weight,
                                candidates=s.sentence_candidates if sentences else None))
        self.last_timing.embed_ms = (time.perf_counter() - t0) * 1000
        if mode == "sparse":
            out.append(Prefetch("sparse", self.sparse.encode_query(query, qlang), limit=s.prefetch_limit))
        elif mode == "hybrid":
            langs = self.indexed_languages()
            if qlang in STEMMER_LANGUAGES and qlang in langs:
                out.append(
                    Prefetch("sparse", self.sparse.encode_query(query, qlang), limit=s.prefetch_limit,
                             filter=Filter(must=[Match("language", qlang)]), weight=s.sparse_weight)
                )
                others = [lang for lang in langs if lang != qlang]
            else:
                others = langs
            for lang in others:
                vec = self.sparse.encode_crosslingual_query(query, query_lang=qlang, doc_lang=lang)
                if len(vec):
                    out.append(Prefetch("sparse", vec, limit=s.prefetch_limit,
                                        filter=Filter(must=[Match("language", lang)]), weight=s.crosslingual_sparse_weight))
        return out, qlang

    def search_hits(
        self,
        query: str,
        *,
        k: int = 5,
        filter: Filter | None = None,
        mode: SearchMode = "hybrid",
        language: str | None = None,
    ) -> tuple[list[Hit], str]:
        """Raw hits (the researcher and the benchmark use this)."""
        prefetches, qlang = self.prefetches(query, mode=mode, language=language)
        return self._run(prefetches, limit=k, filter=filter), qlang

    def _run(self, prefetches: list[Prefetch], *, limit: int, filter: Filter | None,
             payload: Sequence[str] | None = None) -> list[Hit]:
        """The fused query; a query for a subset of payload keys (the facet scope) is not the timed one."""
        t0 = time.perf_counter()
        hits = self.store.query(prefetches, limit=limit, filter=filter, fusion=self.settings.fusion,
                                rrf_k=self.settings.rrf_k, payload=payload)
        if payload is None:
            self.last_timing.query_ms = (time.perf_counter() - t0) * 1000
        # RRF ties come back in hash-map order; order them by id so the same query gives the same list.
        hits.sort(key=lambda h: (-round(h.score, 9), h.id))
        return hits

    def facets(self, *, filter: Filter | None, doc_ids: Sequence[str] | None = None,
               fields: Sequence[str] = FACET_FIELDS) -> dict[str, list[FacetCount]]:
        """Document counts per value, among documents matching ``filter`` (and ``doc_ids`` when given).

        Counted on each document's first chunk, so a long report counts once;
        computed by Qdrant's facet API under the same filter as the query, so
        hidden documents never contribute.
        """
        scope = [Match("chunk_index", 0)]
        if doc_ids is not None:
            if not doc_ids:
                return {f: [] for f in fields}
            scope.append(MatchAny("doc_id", tuple(doc_ids)))
        flt = all_of(filter, Filter(must=scope))
        return {f: [FacetCount(value=v, count=c) for v, c in self.store.facet(f, filter=flt, limit=50)] for f in fields}

    def search(
        self,
        query: str,
        *,
        k: int = 5,
        filters: SearchFilters | None = None,
        allowed_visibility: Sequence[str] | None = None,
        per_doc: bool = False,
        facets: bool = False,
        mode: SearchMode = "hybrid",
        today: date | None = None,
    ) -> SearchResponse:
        """Hybrid search with filters; ``allowed_visibility`` is the caller's tier, enforced in the query."""
        filters = filters or SearchFilters()
        allowed = list(allowed_visibility) if allowed_visibility is not None else None
        flt = all_of(filters.to_filter(today=today), visibility_filter(allowed))
        fetch = max(k * 6, 30) if per_doc else k
        prefetches, qlang = self.prefetches(query, mode=mode)
        hits = self._run(prefetches, limit=fetch, filter=flt)
        facet_counts: dict[str, list[FacetCount]] = {}
        if facets:
            t0 = time.perf_counter()
            # The query's result set for facet counts: its top FACET_SCOPE hits, fetched with doc ids only.
            scope = self._run(prefetches, limit=max(fetch, FACET_SCOPE), filter=flt, payload=("doc_id",))
            doc_ids = list(dict.fromkeys(str(h.payload.get("doc_id")) for h in scope))
            facet_counts = self.facets(filter=flt, doc_ids=doc_ids)
            self.last_timing.facets_ms = (time.perf_counter() - t0) * 1000
        if per_doc:
            hits = collapse_per_doc(hits)
        hits = hits[:k]
        return SearchResponse(
            query=query,
            language=qlang,
            filters=filters.active(),
            results=to_results(hits, query, snippet_chars=self.settings.snippet_chars),
            facets=facet_counts,
        )
