"""Files → parsed documents → metadata → chunks → dense + sparse vectors → Qdrant.

Guarantees:
- **Idempotent**: a document's id is a hash of its content, declared metadata
  and the chunking settings; an unchanged file is skipped without embedding.
- **Whole documents**: all chunks of a document are written in one store
  operation (one WAL entry), then the source's old chunks are deleted. A
  crash in between leaves the old and the new version; the next run deletes
  the old one. Nothing is ever half-written.
- **Bad input loses nothing**: a failing file is reported by name and the
  batch goes on; points of other documents are never touched.
- **Overlap**: the next files are parsed in a worker thread while the current
  one is embedded (the C embedders release the GIL).
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import logging
import os
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from core.embedders import DenseEmbedder, get_embedder
from core.errors import CCAssistError, UnsupportedFormat
from core.filters import Filter, Match
from core.models import Chunk, DocMetadata, ExchangeRecord, FileFailure, IngestReport, ParsedDocument
from core.settings import Settings
from core.sparse import SparseEncoder
from core.store import PointData, Store
from ingest.chunking import chunk_document
from ingest.exchanges import ExchangeIndex
from ingest.metadata import extract_metadata
from ingest.parsers import is_sidecar, parse_file

logger = logging.getLogger(__name__)

__all__ = ["Ingestor", "discover", "FileEvent", "IGNORE_FILE"]

PIPELINE_VERSION = "1"
IGNORE_FILE = ".ccassistignore"
_LOOKAHEAD = 4

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


def content_hash(doc: ParsedDocument, settings: Settings) -> str:
    """Hash of everything that determines a document's points."""
    h = hashlib.sha256()
    h.update(f"v{PIPELINE_VERSION}|{settings.chunk_size}|{settings.chunk_overlap}|{settings.default_visibility}|".encode())
    h.update(json.dumps(doc.front_matter, sort_keys=True, default=str).encode())
    h.update(doc.text.encode("utf-8", "surrogatepass"))
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
        # Exchange records (ingest/exchanges.py) live in a second collection and follow the chunks.
        self.exchanges = (
            ExchangeIndex(exchange_store, embedder=self.embedder, sparse=self.sparse, llm=exchange_llm)
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
            if item.source in self._existing_sources(digest[:32]):
                # Unchanged: no metadata, chunking or embedding needed.
                item.unchanged_doc_id = digest[:32]
                item.seconds = {"parse": t1 - t0}
                return item
            meta = extract_metadata(
                doc, doc_id=digest[:32], content_hash=digest, default_visibility=self.settings.default_visibility
            )
            t2 = time.perf_counter()
            chunks = chunk_document(doc, meta, size=self.settings.chunk_size, overlap=self.settings.chunk_overlap)
            t3 = time.perf_counter()
            if not chunks:
                raise UnsupportedFormat("no text to index after parsing")
            item.doc, item.meta, item.chunks = doc, meta, chunks
            item.seconds = {"parse": t1 - t0, "metadata": t2 - t1, "chunk": t3 - t2}
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

    def _existing_sources(self, doc_id: str) -> list[str]:
        return [str(value) for value, _ in self.store.facet("source", filter=Filter(must=[Match("doc_id", doc_id)]))]

    def _drop_stale(self, source: str, keep_doc_id: str) -> None:
        self.store.delete_by_filter(Filter(must=[Match("source", source)], must_not=[Match("doc_id", keep_doc_id)]))
        if self.exchanges is not None:
            self.exchanges.drop_stale(source, keep_doc_id)

    def _write(self, item: _Prepared) -> None:
        assert item.meta is not None
        texts = [c.embed_text for c in item.chunks]
        t0 = time.perf_counter()
        dense = self.embedder.embed_passages(texts)
        t1 = time.perf_counter()
        sparse = [self.sparse.encode_document(t, item.meta.language) for t in texts]
        t2 = time.perf_counter()
        self.store.ensure(self.embedder.dim)
        self.store.upsert(
            [PointData(id=c.id, dense=dense[i], sparse=sparse[i], payload=c.payload()) for i, c in enumerate(item.chunks)]
        )
        if self.exchanges is not None:  # new records first, then the source's old ones go (with the old chunks)
            self.exchanges.write(item.source, item.meta.doc_id, item.exchanges, item.chunks)
        self._drop_stale(item.source, item.meta.doc_id)
        t3 = time.perf_counter()
        item.seconds.update({"dense": t1 - t0, "sparse": t2 - t1, "write": t3 - t2})

    # -- public API -----------------------------------------------------------

    def _prepared(self, files: Sequence[tuple[Path, str]], visibility: str | None) -> Iterator[_Prepared]:
        """Yield prepared files in order while the next ones are parsed in the background."""
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="ccassist-parse") as pool:
            pending: list[Future[_Prepared]] = []
            it = iter(files)
            for path, source in it:
                pending.append(pool.submit(self._prepare, path, source, visibility))
                if len(pending) >= _LOOKAHEAD:
                    break
            while pending:
                item = pending.pop(0).result()
                nxt = next(it, None)
                if nxt is not None:
                    pending.append(pool.submit(self._prepare, nxt[0], nxt[1], visibility))
                yield item

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

        def emit(source: str, status: Status, chunks: int = 0, detail: str = "") -> None:
            if on_event is not None:
                done = report.indexed + report.skipped + len(report.failed)
                on_event(FileEvent(source=source, status=status, chunks=chunks, detail=detail, done=done, total=total))

        for item in self._prepared(files, visibility):
            for stage, secs in item.seconds.items():
                self.stage_seconds[stage] = self.stage_seconds.get(stage, 0.0) + secs
            if item.unchanged_doc_id is not None:
                self._drop_stale(item.source, item.unchanged_doc_id)  # finishes a replacement a crash interrupted
                report.skipped += 1
                report.skipped_sources.append(item.source)
                emit(item.source, "unchanged")
                continue
            if item.error is not None or item.meta is None:
                report.failed.append(FileFailure(source=item.source, error=item.error or "unknown error"))
                emit(item.source, "failed", detail=item.error or "")
                continue
            try:
                status, detail = self._index_one(item)
            except CCAssistError as exc:
                report.failed.append(FileFailure(source=item.source, error=str(exc)))
                emit(item.source, "failed", detail=str(exc))
                continue
            except Exception as exc:
                logger.exception("writing %s failed", item.source)
                report.failed.append(FileFailure(source=item.source, error=f"write failed ({type(exc).__name__}): {exc}"))
                emit(item.source, "failed", detail=str(exc))
                continue
            for stage, secs in item.seconds.items():
                if stage in ("dense", "sparse", "write"):
                    self.stage_seconds[stage] = self.stage_seconds.get(stage, 0.0) + secs
            if status == "indexed":
                report.indexed += 1
                report.chunks += len(item.chunks)
                report.indexed_sources.append(item.source)
            else:
                report.skipped += 1
                report.skipped_sources.append(item.source)
            emit(item.source, status, chunks=len(item.chunks) if status == "indexed" else 0, detail=detail)

        if prune:
            report.removed = self._prune(paths, {source for _, source in files})
        self.store.flush()
        if self.exchanges is not None:
            self.exchanges.flush()
        report.seconds = round(time.perf_counter() - started, 3)
        return report

    def _index_one(self, item: _Prepared) -> tuple[Status, str]:
        assert item.meta is not None
        existing = self._existing_sources(item.meta.doc_id)
        if item.source in existing:
            self._drop_stale(item.source, item.meta.doc_id)  # finishes a replacement a crash interrupted
            return "unchanged", ""
        others = [s for s in existing if s != item.source]
        live_others = [s for s in others if Path(s).exists()]
        if live_others:
            # Same content under another name: index once, report the twin.
            self._drop_stale(item.source, item.meta.doc_id)
            return "duplicate", f"same content as {live_others[0]}"
        for moved in others:  # the file was renamed: re-index under the new name
            self.remove_source(moved)
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

