"""Backups of the index: ``ccassist snapshot FILE`` and ``ccassist restore FILE``.

Embedded index (Qdrant Edge): a snapshot is a tar.gz of the index directory
(one shard directory per collection) plus a manifest with each collection's
point count. It is consistent because the snapshot opens every shard first:
opening takes the shard's lock, so no ingest or server can write meanwhile
(a running ``ccassist serve`` makes the snapshot fail with IndexLocked rather
than copy a shard mid-write), and flushing makes the files complete.

Restore extracts into a temporary directory next to the target, opens the
restored shards and checks their point counts against the manifest, and only
then moves the result into place. It refuses a non-empty target unless
``force`` is given (then the old index is replaced only after the new one
checked out). Archive members are extracted with tarfile's ``data`` filter:
no absolute paths, no ``..``, no links out of the target.

Qdrant server (``CCASSIST_QDRANT_URL``): Qdrant's own snapshots. Each
collection gets a server-side snapshot (``create_snapshot``), which is
downloaded into the same kind of tar.gz; restore uploads it back
(``/collections/{name}/snapshots/upload``), which recreates the collection.
"""

from __future__ import annotations

import io
import json
import logging
import os
import shutil
import tarfile
import tempfile
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from core.errors import CCAssistError, InvalidInput
from core.settings import Settings
from core.store import COLLECTIONS, open_store

logger = logging.getLogger(__name__)

__all__ = ["SnapshotInfo", "restore", "snapshot"]

MANIFEST_NAME = "ccassist-snapshot.json"
FORMAT_VERSION = 1
_DOWNLOAD_CHUNK = 1 << 20


@dataclass
class SnapshotInfo:
    """What a snapshot holds (its manifest) and where it was written or restored."""

    engine: str
    collections: dict[str, int] = field(default_factory=dict)  # name -> points
    created: str = ""
    format: int = FORMAT_VERSION
    embedder: str = ""
    path: str = ""
    target: str = ""
    seconds: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)

    def manifest(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("path", "target", "seconds"):
            data.pop(key)
        return data


class SnapshotError(CCAssistError):
    """A snapshot could not be written or restored."""


# ------------------------------------------------------------------------------------------ helpers


def _write_atomically(out_file: Path, write: Any) -> None:
    """Write ``out_file`` through a temporary file in the same directory, renamed when complete."""
    out_file.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{out_file.name}.", suffix=".part", dir=out_file.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, out_file)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _add_json(tar: tarfile.TarFile, name: str, data: dict[str, Any]) -> None:
    raw = json.dumps(data, indent=1, ensure_ascii=False).encode("utf-8")
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = len(raw), int(time.time()), 0o644
    tar.addfile(info, io.BytesIO(raw))


def _read_manifest(tar: tarfile.TarFile) -> SnapshotInfo:
    try:
        member = tar.getmember(MANIFEST_NAME)
        fh = tar.extractfile(member)
        data = json.load(fh) if fh is not None else None
    except (KeyError, ValueError) as exc:
        raise SnapshotError(f"not a ccassist snapshot (no valid {MANIFEST_NAME})") from exc
    if not isinstance(data, dict) or data.get("format") != FORMAT_VERSION:
        raise SnapshotError(f"unsupported snapshot format {data.get('format') if isinstance(data, dict) else data!r}")
    known = set(SnapshotInfo.__dataclass_fields__)
    return SnapshotInfo(**{k: v for k, v in data.items() if k in known})


def _open_tar(path: Path) -> tarfile.TarFile:
    if not path.is_file():
        raise InvalidInput(f"no snapshot file at {path}")
    try:
        return tarfile.open(path, "r:gz")
    except (tarfile.TarError, OSError) as exc:
        raise SnapshotError(f"{path} is not a readable tar.gz snapshot ({exc})") from exc


def _is_empty_dir(path: Path) -> bool:
    return not path.exists() or (path.is_dir() and not any(path.iterdir()))


# ------------------------------------------------------------------------------------------ embedded


def _edge_snapshot(settings: Settings, out_file: Path, index: Path) -> SnapshotInfo:
    if not index.is_dir() or not any((index / c / "ccassist-store.json").exists() for c in COLLECTIONS):
        raise InvalidInput(f"no index at {index}: nothing to snapshot")
    stores = [open_store(settings, collection=c, index_path=index) for c in COLLECTIONS]
    try:  # every shard is open, hence locked: nothing writes while the files are copied
        info = SnapshotInfo(engine="qdrant-edge", created=datetime.now(UTC).isoformat(timespec="seconds"),
                            embedder=settings.embedder)
        for name, store in zip(COLLECTIONS, stores, strict=True):
            if store.dim is None:
                continue
            store.flush()
            info.collections[name] = store.count()

        def write(fh: Any) -> None:
            with tarfile.open(fileobj=fh, mode="w:gz", compresslevel=6) as tar:
                _add_json(tar, MANIFEST_NAME, info.manifest())
                for entry in sorted(index.iterdir()):
                    tar.add(entry, arcname=f"index/{entry.name}", recursive=True)

        _write_atomically(out_file, write)
    finally:
        for store in stores:
            store.close()
    return info


def _check_members(tar: tarfile.TarFile) -> None:
    for member in tar.getmembers():
        name = member.name
        if name == MANIFEST_NAME:
            continue
        if not (name == "index" or name.startswith("index/")) or ".." in Path(name).parts:
            raise SnapshotError(f"unexpected member {name!r} in snapshot")
        if not (member.isfile() or member.isdir()):
            raise SnapshotError(f"snapshot member {name!r} is not a regular file or directory")


def _verify_edge(settings: Settings, index: Path, info: SnapshotInfo) -> None:
    for name, expected in info.collections.items():
        store = open_store(settings, collection=name, index_path=index)
        try:
            got = store.count()
        finally:
            store.close()
        if got != expected:
            raise SnapshotError(f"restored collection {name!r} has {got} points, the snapshot says {expected}")


def _edge_restore(settings: Settings, in_file: Path, index: Path, force: bool) -> SnapshotInfo:
    index = index.absolute()
    if not _is_empty_dir(index):
        if not force:
            raise InvalidInput(f"{index} is not empty: restore into a new directory, or pass --force to replace it")
        for c in COLLECTIONS:  # take (and release) the locks: refuse while a server or ingest owns the index
            open_store(settings, collection=c, index_path=index).close()
    index.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{index.name}.restore-", dir=index.parent))
    try:
        with _open_tar(in_file) as tar:
            info = _read_manifest(tar)
            if info.engine != "qdrant-edge":
                raise SnapshotError(f"this is a {info.engine} snapshot; restore it with CCASSIST_QDRANT_URL set")
            _check_members(tar)
            tar.extractall(staging, filter="data")
        restored = staging / "index"
        restored.mkdir(exist_ok=True)
        _verify_edge(settings, restored, info)
        old: Path | None = None
        if index.exists():
            old = index.with_name(f".{index.name}.old-{os.getpid()}-{int(time.time())}")
            index.rename(old)
        restored.rename(index)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return info


# ------------------------------------------------------------------------------------------ server


def _server_client(settings: Settings) -> Any:
    from qdrant_client import QdrantClient

    url = settings.qdrant_url or ""
    if not url.startswith(("http://", "https://")):
        raise InvalidInput("snapshots of qdrant-client's local mode are not supported; copy its directory instead")
    return QdrantClient(url=url, api_key=settings.qdrant_api_key, timeout=int(settings.qdrant_timeout_s))


def _http(settings: Settings) -> Any:
    import httpx

    headers = {"api-key": settings.qdrant_api_key} if settings.qdrant_api_key else {}
    return httpx.Client(base_url=str(settings.qdrant_url).rstrip("/"), headers=headers, timeout=600)


def _server_snapshot(settings: Settings, out_file: Path, client: Any = None, http: Any = None) -> SnapshotInfo:
    client = client or _server_client(settings)
    http = http or _http(settings)
    info = SnapshotInfo(engine="qdrant-server", created=datetime.now(UTC).isoformat(timespec="seconds"),
                        embedder=settings.embedder, extra={"url": settings.qdrant_url})

    def write(fh: Any) -> None:
        with tarfile.open(fileobj=fh, mode="w:gz", compresslevel=1) as tar, tempfile.TemporaryDirectory() as tmp:
            for c in COLLECTIONS:
                name = f"{settings.collection}_{c}"
                if not client.collection_exists(name):
                    continue
                info.collections[c] = int(client.count(name, exact=True).count)
                snap = client.create_snapshot(name, wait=True)
                local = Path(tmp) / f"{c}.snapshot"
                with http.stream("GET", f"/collections/{name}/snapshots/{snap.name}") as response:
                    response.raise_for_status()
                    with local.open("wb") as out:
                        for block in response.iter_bytes(_DOWNLOAD_CHUNK):
                            out.write(block)
                try:
                    client.delete_snapshot(name, snap.name, wait=True)
                except Exception as exc:  # noqa: BLE001 - a leftover server-side file is not worth failing for
                    logger.warning("could not delete server snapshot %s of %s: %s", snap.name, name, exc)
                tar.add(local, arcname=f"server/{c}.snapshot")
            _add_json(tar, MANIFEST_NAME, info.manifest())

    _write_atomically(out_file, write)
    return info


def _server_restore(settings: Settings, in_file: Path, force: bool, client: Any = None, http: Any = None) -> SnapshotInfo:
    client = client or _server_client(settings)
    http = http or _http(settings)
    with _open_tar(in_file) as tar:
        info = _read_manifest(tar)
        if info.engine != "qdrant-server":
            raise SnapshotError(f"this is a {info.engine} snapshot; restore it without CCASSIST_QDRANT_URL")
        existing = [c for c in info.collections if client.collection_exists(f"{settings.collection}_{c}")]
        if existing and not force:
            raise InvalidInput(f"collections {', '.join(existing)} exist on the server: pass --force to replace them")
        for c in info.collections:
            member = tar.extractfile(f"server/{c}.snapshot")
            if member is None:
                raise SnapshotError(f"snapshot has no data for collection {c!r}")
            name = f"{settings.collection}_{c}"
            response = http.post(f"/collections/{name}/snapshots/upload", params={"priority": "snapshot", "wait": "true"},
                                 files={"snapshot": (f"{c}.snapshot", member, "application/octet-stream")})
            if response.status_code >= 400:
                raise SnapshotError(f"Qdrant refused the snapshot of {name}: {response.status_code} {response.text[:200]}")
            got = int(client.count(name, exact=True).count)
            if got != info.collections[c]:
                raise SnapshotError(f"restored collection {name!r} has {got} points, the snapshot says {info.collections[c]}")
    return info


# ------------------------------------------------------------------------------------------ entry points


def snapshot(settings: Settings, out_file: Path, *, index_path: Path | None = None) -> SnapshotInfo:
    """Write a consistent snapshot of the index (or the server's collections) to ``out_file`` (tar.gz)."""
    started = time.perf_counter()
    out_file = Path(out_file)
    if settings.qdrant_url:
        info = _server_snapshot(settings, out_file)
    else:
        index = Path(index_path or settings.index_path)
        if out_file.absolute().is_relative_to(index.absolute()):
            raise InvalidInput("write the snapshot outside the index directory")
        info = _edge_snapshot(settings, out_file, index)
    info.path, info.seconds = str(out_file), round(time.perf_counter() - started, 3)
    logger.info("snapshot of %s written to %s (%s)", info.engine, out_file, info.collections)
    return info


def restore(settings: Settings, in_file: Path, *, index_path: Path | None = None, force: bool = False) -> SnapshotInfo:
    """Restore a snapshot into an empty or new index directory (or onto the server); ``force`` replaces."""
    started = time.perf_counter()
    in_file = Path(in_file)
    if settings.qdrant_url:
        info = _server_restore(settings, in_file, force)
        info.target = str(settings.qdrant_url)
    else:
        index = Path(index_path or settings.index_path)
        info = _edge_restore(settings, in_file, index, force)
        info.target = str(index)
    info.path, info.seconds = str(in_file), round(time.perf_counter() - started, 3)
    logger.info("restored %s into %s (%s)", in_file, info.target, info.collections)
    return info
