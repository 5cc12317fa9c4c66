"""Files → parsed documents → metadata → chunks → dense + sparse vectors → Qdrant.

Guarantees:
- **Idempotent**: a document's id is a hash of its content, declared metadata
  and the chunking settings; an unchanged file is skipped without embedding.
- **Whole documents**: all chunks of a document are written in one store
  operation (one WAL entry), then the source's old chunks are deleted. A
  crash in between leaves the old and the new version; the next run deletes
  the old one. Nothing is ever half-written. Documents of more than
  ``_WRITE_BATCH`` chunks (tens of MB of text) are written in slices to bound
  memory; a crash mid-way leaves a partial copy next to the old version, which
  the next run detects (point count < ``n_chunks``) and rewrites.
- **Bad input loses nothing**: a failing file is reported by name and the
  batch goes on; points of other documents are never touched.
- **Overlap**: three stages run at once. A parse worker reads, describes and
  chunks the next documents; the calling thread embeds the chunks of several
  documents in one encoder call (the encoder is the bottleneck, and its C
  engines release the GIL); a write worker sparse-encodes and upserts each
  document in its own store operation, in file order. bench/ingest.py
  measures the result against the bare encoder.
- **Nothing is embedded twice**: a changed or renamed file reuses the vectors
  of its chunks whose text did not change, and identical chunk texts in one
  batch are encoded once.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import logging
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

from core.embedders import DenseEmbedder, get_embedder
from core.errors import CCAssistError, UnsupportedFormat
from core.filters import Filter, Match
from core.models import Chunk, DocMetadata, ExchangeRecord, FileFailure, IngestReport, ParsedDocument
from core.sentence_vectors import sentence_multivector, sentence_units
from core.settings import Settings
from core.sparse import SparseEncoder
from core.store import PointData, Store, sentence_weight
from ingest.chunking import chunk_document, context_line
from ingest.exchanges import ExchangeIndex, record_summary
from ingest.metadata import extract_metadata
from ingest.parsers import is_sidecar, parse_file

logger = logging.getLogger(__name__)

__all__ = ["IGNORE_FILE", "FileEvent", "Ingestor", "discover"]

PIPELINE_VERSION = "2"  # 2: title, headings and pages are part of the content hash
IGNORE_FILE = ".ccassistignore"
# Documents parsed ahead of the encoder: enough to fill a cross-document encoder batch.
_LOOKAHEAD = 16
# Documents embedded but not yet written; beyond this the encoder waits for the write worker.
_MAX_UNWRITTEN = 64
# Metadata (dates, places, topics, contacts) is read from at most this much text: on a 50 MB text file
# the extractors took 106 s and 1.9 GB of memory (tests/reliability/test_bad_inputs.py); the first
# 2 MB hold the title page, dates and places of any real document.
METADATA_MAX_CHARS = 2_000_000
# Points per store operation: a document up to this size lands in one operation (one WAL entry).
_WRITE_BATCH = 1024

Status = Literal["indexed", "unchanged", "duplicate", "failed", "removed"]


@dataclass(slots=True)
class FileEvent:
    """Progress of one file, sent to the caller's callback."""

    source: str
    status: Status
    chunks: int = 0
    detail: str = ""
    done: int = 0
    total: int = 0


@dataclass(slots=True)
class _Prepared:
    source: str
    path: Path
    doc: ParsedDocument | None = None
    meta: DocMetadata | None = None
    chunks: list[Chunk] = field(default_factory=list)
    exchanges: list[ExchangeRecord] = field(default_factory=list)
    error: str | None = None
    unchanged_doc_id: str | None = None
    seconds: dict[str, float] = field(default_factory=dict)
    # Vectors of the previous version's chunks by (title, heading, text), which determine the embedded text.
    reuse: dict[tuple[str, str | None, str], _Vectors] = field(default_factory=dict)
    moved_from: list[str] = field(default_factory=list)
    dense: np.ndarray | None = None
    sentences: list[np.ndarray | None] = field(default_factory=list)
    summary_vectors: dict[str, np.ndarray] = field(default_factory=dict)
    embedded: int = 0


@dataclass(slots=True, frozen=True)
class _Vectors:
    """A chunk's vectors read back from the index, to reuse when its text did not change."""

    dense: Any
    sentences: Any = None


@dataclass(slots=True, frozen=True)
class _ToEmbed:
    """A chunk whose vectors must be computed: its embedded text and its sentence units."""

    text: str
    units: tuple[str, ...] = ()


@dataclass(slots=True)
class _Slot:
    """A file's place in the event order: its outcome is known now, or when its write job finishes."""

    item: _Prepared
    status: Status | None = None
    detail: str = ""
    future: Future[tuple[Status, str]] | None = None

    def ready(self) -> bool:
        return self.status is not None or (self.future is not None and self.future.done())


class _PrimedEmbedder(DenseEmbedder):
    """The embedder :class:`ExchangeIndex` sees: summary vectors computed in the batched encoder call.

    Record summaries are embedded together with the chunks (one encoder call per batch instead of
    one more per document); texts that were not primed go to the real embedder.
    """

    def __init__(self, inner: DenseEmbedder) -> None:
        super().__init__()
        self.inner = inner
        self.name = inner.name
        self.dim = inner.dim
        self._primed: dict[str, np.ndarray] = {}

    def prime(self, vectors: dict[str, np.ndarray]) -> None:
        self._primed = dict(vectors)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if t not in self._primed]
        fresh = dict(zip(missing, self.inner.embed_passages(missing))) if missing else {}
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([self._primed[t] if t in self._primed else fresh[t] for t in texts])

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self.inner.embed_queries(texts)

    def _passages(self, texts: list[str]) -> np.ndarray:  # pragma: no cover - embed_passages is overridden
        return self.inner.embed_passages(texts)

    def _queries(self, texts: list[str]) -> np.ndarray:  # pragma: no cover - embed_queries is overridden
        return self.inner.embed_queries(texts)


def _chunk_key(title: str, heading: str | None, text: str) -> tuple[str, str | None, str]:
    """What a chunk's embedded text is made of (ingest/chunking.py: title, heading, text)."""
    return (title, heading, text)


def _ignored(rel: str, patterns: Sequence[str], is_dir: bool) -> bool:
    name = rel.rsplit("/", 1)[-1]
    for pat in patterns:
        dir_only = pat.endswith("/")
        pat = pat.rstrip("/")
        if dir_only and not is_dir:
            continue
        if fnmatch.fnmatch(rel, pat) or fnmatch.fnmatch(name, pat):
            return True
    return False


def _read_ignore(directory: Path) -> list[str]:
    path = directory / IGNORE_FILE
    if not path.is_file():
        return []
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    return [ln.strip() for ln in lines if ln.strip() and not ln.lstrip().startswith("#")]


def discover(paths: Iterable[str | Path]) -> list[tuple[Path, str]]:
    """Expand files and directories into ``(path, source)`` pairs.

    ``source`` is the path as the user spelled it (joined with the relative
    path inside a directory). Hidden files, sidecar metadata files and the
    patterns of a directory's ``.ccassistignore`` are skipped.
    """
    found: list[tuple[Path, str]] = []
    for raw in paths:
        given = str(raw)
        root = Path(given)
        if root.is_file():
            found.append((root, given))
            continue
        if not root.is_dir():
            found.append((root, given))  # reported as "not found" by the parser
            continue
        patterns = _read_ignore(root)
        for dirpath, dirnames, filenames in os.walk(root):
            rel_dir = os.path.relpath(dirpath, root)
            rel_dir = "" if rel_dir == "." else rel_dir.replace(os.sep, "/") + "/"
            dirnames[:] = sorted(
                d for d in dirnames if not d.startswith(".") and not _ignored(rel_dir + d, patterns, True)
            )
            for name in sorted(filenames):
                rel = rel_dir + name
                if name.startswith(".") or is_sidecar(Path(name)) or _ignored(rel, patterns, False):
                    continue
                found.append((Path(dirpath) / name, os.path.join(given, rel)))
    return found


def _resolved(source: str | Path) -> Path | None:
    """The file a source names (relative sources resolve against the cwd); None when it cannot be resolved."""
    try:
        return Path(source).resolve()
    except (OSError, RuntimeError):
        return None


def _same_file(source: str, path: Path) -> bool:
    """Whether the stored ``source`` names the file at ``path``."""
    resolved = _resolved(source)
    return resolved is not None and resolved == _resolved(path)


def metadata_view(doc: ParsedDocument, max_chars: int = METADATA_MAX_CHARS) -> ParsedDocument:
    """``doc`` itself when it is small, else a copy cut after ``max_chars`` characters of section text.

    Only metadata extraction sees the cut; chunking and the content hash use the whole document.
    """
    total = 0
    for i, section in enumerate(doc.sections):
        total += len(section.text)
        if total > max_chars:
            head = section.model_copy(update={"text": section.text[: max(0, len(section.text) - (total - max_chars))]})
            return doc.model_copy(update={"sections": [*doc.sections[:i], head]})
    return doc


def content_hash(doc: ParsedDocument, settings: Settings) -> str:
    """Hash of everything that determines a document's points.

    Title, headings and pages are part of it: they are in every chunk's embedded text and payload.
    Hashing only the section texts made two files that differ only in a heading one "duplicate",
    and an edited heading or title "unchanged" (tests/reliability/test_bad_inputs.py). Sections are
    hashed one by one, so a 50 MB text is not joined into one more copy of itself.
    """
    h = hashlib.sha256()
    h.update(f"v{PIPELINE_VERSION}|{settings.chunk_size}|{settings.chunk_overlap}|{settings.default_visibility}|".encode())
    h.update(json.dumps(doc.front_matter, sort_keys=True, default=str).encode())
    h.update(f"|{doc.title or ''}\x00".encode("utf-8", "surrogatepass"))
    for section in doc.sections:
        h.update(f"{section.page}|{section.heading or ''}|".encode("utf-8", "surrogatepass"))
        h.update(section.text.encode("utf-8", "surrogatepass"))
        h.update(b"\x00")
    return h.hexdigest()


class Ingestor:
    """Runs the ingest pipeline against one store."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        *,
        embedder: DenseEmbedder | None = None,
        sparse: SparseEncoder | None = None,
        exchange_store: Store | None = None,
        exchange_llm: object | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self.embedder = embedder or get_embedder(settings)
        self.sparse = sparse or SparseEncoder()
        self.stage_seconds: dict[str, float] = {}
        # Passages sent to the encoder, vectors reused from a previous version, duplicates encoded once.
        self.counters: dict[str, int] = {}
        self._summary_embedder = _PrimedEmbedder(self.embedder)
        self._indexed_sources: set[str] = set()
        # The write worker may create the index while the parse worker looks documents up in it: a
        # lookup must not see the shard before its payload indexes exist.
        self._store_lock = threading.Lock()
        # Exchange records (ingest/exchanges.py) live in a second collection and follow the chunks.
        self.exchanges = (
            ExchangeIndex(exchange_store, embedder=self._summary_embedder, sparse=self.sparse, llm=exchange_llm)
            if exchange_store is not None
            else None
        )

    # -- preparation (runs in a worker thread) ---------------------------------

    def _prepare(self, path: Path, source: str, visibility: str | None) -> _Prepared:
        item = _Prepared(source=source, path=path)
        try:
            t0 = time.perf_counter()
            doc = parse_file(path, source=source, max_bytes=self.settings.max_file_bytes)
            if visibility:
                doc.front_matter["visibility"] = visibility
            t1 = time.perf_counter()
            digest = content_hash(doc, self.settings)
            if item.source in self._existing_sources(digest[:32]) and self._is_complete(digest[:32]):
                # Unchanged: no metadata, chunking or embedding needed.
                item.unchanged_doc_id = digest[:32]
                item.seconds = {"parse": t1 - t0}
                return item
            meta = extract_metadata(
                metadata_view(doc), doc_id=digest[:32], content_hash=digest, default_visibility=self.settings.default_visibility
            )
            t2 = time.perf_counter()
            chunks = chunk_document(doc, meta, size=self.settings.chunk_size, overlap=self.settings.chunk_overlap)
            t3 = time.perf_counter()
            if not chunks:
                raise UnsupportedFormat("no text to index after parsing")
            item.doc, item.meta, item.chunks = doc, meta, chunks
            item.seconds = {"parse": t1 - t0, "metadata": t2 - t1, "chunk": t3 - t2}
            if item.source in self._indexed_sources:  # a changed file: keep the vectors of unchanged chunks
                item.reuse = self._old_vectors(Filter(must=[Match("source", item.source)]))
            if self.exchanges is not None:
                item.exchanges = self.exchanges.extract(meta, chunks)
                item.seconds["exchanges"] = time.perf_counter() - t3
        except CCAssistError as exc:
            item.error = str(exc)
        except Exception as exc:  # a parser bug must not stop the batch
            logger.exception("unexpected error while reading %s", source)
            item.error = f"unexpected error ({type(exc).__name__}): {exc}"
        return item

    # -- store helpers ----------------------------------------------------------

    def _is_complete(self, doc_id: str) -> bool:
        """Whether all chunks of ``doc_id`` are in the store (its point count reaches ``n_chunks``).

        Documents over ``_WRITE_BATCH`` chunks are written in several operations; a crash between
        them leaves a partial copy, which must be rewritten, not taken for an unchanged document.
        """
        flt = Filter(must=[Match("doc_id", doc_id)])
        hits, _ = self.store.scroll(filter=flt, limit=1)
        if not hits:
            return False
        expected = int(hits[0].payload.get("n_chunks") or 0)
        return self.store.count(flt) >= expected

    def _existing_sources(self, doc_id: str) -> list[str]:
        with self._store_lock:
            hits = self.store.facet("source", filter=Filter(must=[Match("doc_id", doc_id)]))
        return [str(value) for value, _ in hits]

    def _ensure_store(self) -> None:
        with self._store_lock:
            self.store.ensure(self.embedder.dim, sentence_weight=sentence_weight(self.settings))

    def _sentence_weight(self) -> float | None:
        """The sentence weight of the index being written: its own when it exists, the settings' for a new one."""
        return self.store.sentence_weight if self.store.dim is not None else sentence_weight(self.settings)

    def _drop_stale(self, source: str, keep_doc_id: str) -> None:
        self.store.delete_by_filter(Filter(must=[Match("source", source)], must_not=[Match("doc_id", keep_doc_id)]))
        if self.exchanges is not None:
            self.exchanges.drop_stale(source, keep_doc_id)

    def _old_vectors(self, flt: Filter) -> dict[tuple[str, str | None, str], _Vectors]:
        """Vectors of indexed chunks by what their embedded text is made of."""
        out: dict[tuple[str, str | None, str], _Vectors] = {}
        for hit in self.store.iter_all(filter=flt, with_vectors=True):
            p = hit.payload
            if hit.dense is not None and isinstance(p.get("text"), str) and isinstance(p.get("title"), str):
                out[_chunk_key(p["title"], p.get("heading"), p["text"])] = _Vectors(hit.dense, hit.sentences)
        return out

    def _write(self, item: _Prepared) -> None:
        """Sparse-encode and upsert one document, then retire its old version.

        Runs on the write worker; ``item.dense`` comes from the batched encoder call (it is
        embedded here only when a caller hands over an item without it). A document of up to
        ``_WRITE_BATCH`` chunks is one store operation; a larger one is written in slices of that
        size, because one operation of 56,000 points (a 50 MB text) took 2 GB of memory.
        Exchange records go first: the chunks mark a document as indexed (see :meth:`_is_complete`),
        so a crash before they are all written makes the next run redo the document, records included.
        """
        assert item.meta is not None
        if item.dense is None:
            self._embed([item])
        assert item.dense is not None
        dense, sentences = item.dense, item.sentences
        t1 = time.perf_counter()
        sparse_seconds = 0.0
        for moved in item.moved_from:  # the file was renamed: re-index under the new name
            self.remove_source(moved)
        self._ensure_store()
        if self.exchanges is not None:  # new records first, then the source's old ones go (with the old chunks)
            self._summary_embedder.prime(item.summary_vectors)
            try:
                self.exchanges.write(item.source, item.meta.doc_id, item.exchanges, item.chunks)
            finally:
                self._summary_embedder.prime({})
        for start in range(0, len(item.chunks), _WRITE_BATCH):
            part = item.chunks[start : start + _WRITE_BATCH]
            ts = time.perf_counter()
            sparse = [self.sparse.encode_document(c.embed_text, item.meta.language) for c in part]
            sparse_seconds += time.perf_counter() - ts
            self.store.upsert(
                [PointData(id=c.id, dense=dense[start + i], sparse=sparse[i], payload=c.payload(),
                           sentences=sentences[start + i]) for i, c in enumerate(part)]
            )
        self._drop_stale(item.source, item.meta.doc_id)
        t3 = time.perf_counter()
        item.seconds.update({"sparse": sparse_seconds, "write": t3 - t1 - sparse_seconds})

    def _embed(self, items: Sequence[_Prepared]) -> None:
        """One encoder call for the chunks, their sentences and the exchange summaries of several documents.

        Reused vectors and texts repeated within the batch are not sent to the encoder. Time is
        booked to each document by its share of the passages.
        """
        weight = self._sentence_weight()
        need: dict[str, None] = {}
        plans: list[tuple[_Prepared, list[_Vectors | _ToEmbed], list[str]]] = []
        for item in items:
            assert item.meta is not None
            row: list[_Vectors | _ToEmbed] = []
            for c in item.chunks:
                old = item.reuse.get(_chunk_key(item.meta.title, c.heading, c.text))
                if old is not None and (weight is None or old.sentences is not None):
                    row.append(old)
                    continue
                units = () if weight is None else tuple(sentence_units(
                    c.text, context=context_line(item.meta.title, c.heading), max_units=self.settings.sentence_max_units))
                row.append(_ToEmbed(c.embed_text, units))
                need[c.embed_text] = None
                need.update(dict.fromkeys(units))
            summaries = [record_summary(r) for r in item.exchanges]
            need.update(dict.fromkeys(summaries))
            plans.append((item, row, summaries))
        texts = list(need)
        t0 = time.perf_counter()
        vectors = dict(zip(texts, self.embedder.embed_passages(texts))) if texts else {}
        elapsed = time.perf_counter() - t0

        def asked(row: list[_Vectors | _ToEmbed], summaries: list[str]) -> int:
            return sum(1 + len(v.units) for v in row if isinstance(v, _ToEmbed)) + len(summaries)

        requested = sum(asked(row, summaries) for _, row, summaries in plans)
        self._count("embedded", len(texts))
        self._count("deduplicated", requested - len(texts))
        for item, row, summaries in plans:
            fresh = asked(row, summaries)
            self._count("reused", sum(isinstance(v, _Vectors) for v in row))
            self._count("sentences", sum(len(v.units) for v in row if isinstance(v, _ToEmbed)))
            dense: list[np.ndarray] = []
            item.sentences = []
            for v in row:
                if isinstance(v, _Vectors):
                    dense.append(np.asarray(v.dense, dtype=np.float32))
                    item.sentences.append(None if v.sentences is None else np.asarray(v.sentences, dtype=np.float16))
                    continue
                dense.append(vectors[v.text])
                item.sentences.append(
                    None if weight is None else sentence_multivector(vectors[v.text], [vectors[u] for u in v.units], weight)
                )
            item.dense = np.stack(dense).astype(np.float32, copy=False)
            item.summary_vectors = {t: vectors[t] for t in summaries}
            item.embedded = fresh
            item.seconds["dense"] = elapsed * fresh / requested if requested else 0.0

    def _count(self, key: str, n: int) -> None:
        self.counters[key] = self.counters.get(key, 0) + n

    # -- public API -----------------------------------------------------------

    def _prepared(self, files: Sequence[tuple[Path, str]], visibility: str | None) -> Iterator[tuple[_Prepared, bool]]:
        """Yield ``(item, stalled)`` in file order while the next files are prepared in the background.

        ``stalled`` is true when the next item is not ready yet: the caller should embed what it has
        rather than leave the encoder idle while it waits.
        """
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="ccassist-parse") as pool:
            pending: deque[Future[_Prepared]] = deque()
            it = iter(files)

            def top_up() -> None:
                while len(pending) < _LOOKAHEAD:
                    nxt = next(it, None)
                    if nxt is None:
                        return
                    pending.append(pool.submit(self._prepare, nxt[0], nxt[1], visibility))

            top_up()
            while pending:
                item = pending.popleft().result()
                top_up()
                yield item, bool(pending) and not pending[0].done()

    def ingest(
        self,
        paths: Iterable[str | Path],
        *,
        prune: bool = False,
        visibility: str | None = None,
        on_event: Callable[[FileEvent], None] | None = None,
    ) -> IngestReport:
        """Ingest files and directories; with ``prune``, remove indexed files that disappeared from them."""
        started = time.perf_counter()
        paths = list(paths)
        files = discover(paths)
        report = IngestReport()
        total = len(files)
        self.stage_seconds = {}
        self.counters = {}
        self._indexed_sources = {str(v) for v, _ in self.store.facet("source", limit=10_000_000)}
        respelled = self._indexed_spellings(files)
        files = [(path, respelled.get(source, source)) for path, source in files]
        indexed_as = set(respelled.values())

        def emit(source: str, status: Status, chunks: int = 0, detail: str = "") -> None:
            if on_event is not None:
                done = report.indexed + report.skipped + len(report.failed)
                on_event(FileEvent(source=source, status=status, chunks=chunks, detail=detail, done=done, total=total))

        def settle(slot: _Slot) -> None:
            item = slot.item
            if slot.future is not None:
                try:
                    slot.status, slot.detail = slot.future.result()
                except CCAssistError as exc:
                    slot.status, slot.detail = "failed", str(exc)
                except Exception as exc:
                    logger.error("writing %s failed", item.source, exc_info=exc)
                    slot.status, slot.detail = "failed", f"write failed ({type(exc).__name__}): {exc}"
            status = slot.status
            if item.source in indexed_as and status != "failed":
                slot.detail = "; ".join(filter(None, [f"indexed as {item.source}", slot.detail]))
            if status == "indexed":
                for stage in ("dense", "sparse", "write"):
                    if stage in item.seconds:
                        self.stage_seconds[stage] = self.stage_seconds.get(stage, 0.0) + item.seconds[stage]
                report.indexed += 1
                report.chunks += len(item.chunks)
                report.indexed_sources.append(item.source)
            elif status == "failed":
                report.failed.append(FileFailure(source=item.source, error=slot.detail or "unknown error"))
            else:
                report.skipped += 1
                report.skipped_sources.append(item.source)
            emit(item.source, status or "failed", chunks=len(item.chunks) if status == "indexed" else 0,
                 detail=slot.detail)

        order: deque[_Slot] = deque()  # every file, in order; events go out from the front when settled
        batch: list[_Slot] = []
        claimed: dict[str, str] = {}  # doc_id -> source of documents this run is writing
        target = max(1, self.settings.ingest_batch_chunks)

        def drain(block: bool) -> None:
            while order and (block or order[0].ready()):
                settle(order.popleft())

        def flush_batch(writer: ThreadPoolExecutor) -> None:
            items = [slot.item for slot in batch]
            try:
                self._embed(items)
            except Exception:  # find the document that breaks the encoder; the others go on
                logger.warning("batched embedding failed; embedding %d documents one by one", len(items), exc_info=True)
                for slot in batch:
                    try:
                        self._embed([slot.item])
                    except Exception as exc:  # noqa: BLE001 - whatever breaks one file fails only that file
                        slot.status, slot.detail = "failed", f"embedding failed ({type(exc).__name__}): {exc}"
            for slot in batch:
                if slot.status is None:
                    slot.future = writer.submit(self._write_job, slot.item)
            batch.clear()
            unwritten = [s.future for s in order if s.future is not None and not s.future.done()]
            while len(unwritten) > _MAX_UNWRITTEN:
                wait(unwritten, return_when=FIRST_COMPLETED)
                unwritten = [f for f in unwritten if not f.done()]

        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="ccassist-write") as writer:
            for item, stalled in self._prepared(files, visibility):
                for stage, secs in item.seconds.items():
                    self.stage_seconds[stage] = self.stage_seconds.get(stage, 0.0) + secs
                slot = _Slot(item)
                order.append(slot)
                if item.unchanged_doc_id is not None:
                    # finishes a replacement a crash interrupted
                    slot.future = writer.submit(self._settle_job, item.source, item.unchanged_doc_id, "unchanged", "")
                elif item.error is not None or item.meta is None:
                    slot.status, slot.detail = "failed", item.error or "unknown error"
                else:
                    decided = self._decide(item, claimed)
                    if decided is not None:
                        slot.future = writer.submit(self._settle_job, item.source, item.meta.doc_id, *decided)
                    else:
                        claimed[item.meta.doc_id] = item.source
                        batch.append(slot)
                if batch and (stalled or sum(len(s.item.chunks) for s in batch) >= target):
                    flush_batch(writer)
                drain(block=False)
            if batch:
                flush_batch(writer)
            drain(block=True)

        if prune:
            report.removed = self._prune(paths, {source for _, source in files})
        self.store.flush()
        if self.exchanges is not None:
            self.exchanges.flush()
        report.seconds = round(time.perf_counter() - started, 3)
        return report

    def _indexed_spellings(self, files: Sequence[tuple[Path, str]]) -> dict[str, str]:
        """``{source: indexed source}`` for files indexed before under another spelling of their path.

        "corpus/a.pdf" and "/srv/corpus/a.pdf" are one file: it keeps the name it was first indexed
        under, so an edit replaces that document (its unchanged chunks' vectors reused) instead of
        adding a second copy beside it.
        """
        unknown = [(path, source) for path, source in files if source not in self._indexed_sources]
        if not unknown or not self._indexed_sources:
            return {}
        by_file: dict[Path, str] = {}
        for source in sorted(self._indexed_sources):
            resolved = _resolved(source)
            if resolved is not None:
                by_file.setdefault(resolved, source)
        out: dict[str, str] = {}
        for path, source in unknown:
            resolved = _resolved(path)
            known = by_file.get(resolved) if resolved is not None else None
            if known is not None:
                out[source] = known
        return out

    def _decide(self, item: _Prepared, claimed: dict[str, str]) -> tuple[Status, str] | None:
        """``None`` when the item must be written, else its status: already indexed, or a live twin's copy.

        ``claimed`` holds the documents of this run that are still on their way to the store.
        """
        assert item.meta is not None
        doc_id = item.meta.doc_id
        existing = self._existing_sources(doc_id)
        if claimed.get(doc_id) == item.source:  # the same file listed twice
            return "unchanged", ""
        if doc_id in claimed and claimed[doc_id] not in existing:
            existing.append(claimed[doc_id])
        if item.source in existing and self._is_complete(doc_id):
            return "unchanged", ""
        others = [s for s in existing if s != item.source]
        spelled = next((s for s in others if _same_file(s, item.path)), None)
        if spelled is not None and self._is_complete(doc_id):
            # "corpus/a.pdf" and "/srv/corpus/a.pdf" are one file: it stays indexed under its first name.
            return "unchanged", f"indexed as {spelled}"
        live_others = [s for s in others if Path(s).exists()]
        if live_others:
            # Same content under another name: index once, report the twin.
            return "duplicate", f"same content as {live_others[0]}"
        if others:  # renamed: the old name's points go, their vectors are reused
            item.moved_from = others
            item.reuse.update(self._old_vectors(Filter(must=[Match("doc_id", doc_id)])))
        return None

    def _settle_job(self, source: str, doc_id: str, status: Status, detail: str) -> tuple[Status, str]:
        self._drop_stale(source, doc_id)  # finishes a replacement a crash interrupted
        return status, detail

    def _write_job(self, item: _Prepared) -> tuple[Status, str]:
        self._write(item)
        return "indexed", ""

    def _prune(self, paths: Sequence[str | Path], seen: set[str]) -> int:
        roots = [str(p).rstrip("/") + "/" for p in paths if Path(p).is_dir()]
        removed = 0
        for source, _ in self.store.facet("source", limit=1_000_000):
            source = str(source)
            if source in seen or not any(source.startswith(r) for r in roots):
                continue
            removed += self.remove_source(source)
        return removed

    def remove_source(self, source: str) -> int:
        """Delete every chunk of the document(s) ingested from ``source``; returns the number of documents."""
        docs = self.store.facet("doc_id", filter=Filter(must=[Match("source", source)]))
        if docs:
            self.store.delete_by_filter(Filter(must=[Match("source", source)]))
        if self.exchanges is not None:
            self.exchanges.remove(source=source)
        return len(docs)

    def remove_doc(self, doc_id: str) -> int:
        """Delete every chunk of one document; returns the number of chunks removed."""
        flt = Filter(must=[Match("doc_id", doc_id)])
        n = self.store.count(flt)
        if n:
            self.store.delete_by_filter(flt)
            self.store.flush()
        if self.exchanges is not None:
            self.exchanges.remove(doc_id=doc_id)
            self.exchanges.flush()
        return n

