"""Backups: ``ccassist snapshot`` → ``ccassist restore`` elsewhere gives the same index, and restore is careful."""

from __future__ import annotations

import io
import json
import tarfile
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest

from api.services import Services
from core.errors import InvalidInput
from core.snapshot import MANIFEST_NAME, SnapshotError, _server_restore, _server_snapshot, restore, snapshot
from tests.conftest import SAMPLE_DOCS
from tests.reliability.conftest import cli, cli_env, settings_for, write_docs

QUERIES = ["Starkregen naturbasierte Lösungen", "flood early warning Kisumu", "Workshop Fachleute Leipzig",
           "Budget Wasserstoff Kiel", "Kreislaufwirtschaft Kompost"]


def _observe(base: Path) -> dict[str, Any]:
    """Everything a user could notice: counts, facets, and ranked search results with scores and payloads."""
    services = Services(settings_for(base))
    try:
        out: dict[str, Any] = {
            "chunks": services.store.count(),
            "exchanges": services.exchange_store.count(),
            "facets": services.store.facet("doc_type", limit=50),
            "payloads": sorted((h.id, json.dumps(h.payload, sort_keys=True)) for h in services.store.iter_all()),
        }
        for q in QUERIES:
            res = services.search(q, k=8, facets=True)
            # Equal scores may come back in either order; the ranking is the list of (score, id) pairs.
            ranked = sorted(((round(r.score, 6), r.chunk_id) for r in res.results), key=lambda x: (-x[0], x[1]))
            out[q] = ranked, res.facets
        return out
    finally:
        services.close()


@pytest.fixture(scope="module")
def source_index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, Any]]]:
    base = tmp_path_factory.mktemp("snap-src")
    docs = base / "docs"
    write_docs(docs, 8, paragraphs=5)
    for name, text in SAMPLE_DOCS.items():
        (docs / name).write_text(text, encoding="utf-8")
    services = Services(settings_for(base))
    try:
        report = services.ingest([docs])
        assert report.indexed == 11 and not report.failed
        assert services.exchange_store.count() > 0, "both collections take part"
    finally:
        services.close()
    yield base, _observe(base)


def test_snapshot_restore_round_trip_via_cli(tmp_path: Path, source_index: tuple[Path, dict[str, Any]]) -> None:
    base, before = source_index
    env = cli_env(tmp_path)
    archive = tmp_path / "backup" / "index.tar.gz"
    done = cli("snapshot", str(archive), "--index", str(base / "index"), "--json", env=env)
    assert done.returncode == 0, done.stderr
    info = json.loads(done.stdout)
    assert info["collections"] == {"chunks": before["chunks"], "exchanges": before["exchanges"]}
    assert archive.is_file() and not list(archive.parent.glob("*.part"))

    target = tmp_path / "elsewhere"
    done = cli("restore", str(archive), "--index", str(target / "index"), "--json", env=env)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["collections"] == info["collections"]
    assert _observe(target) == before
    assert _observe(base) == before, "the snapshot must not change the source"

    # An existing index is never overwritten silently.
    again = cli("restore", str(archive), "--index", str(target / "index"), env=env)
    assert again.returncode == 1 and "--force" in " ".join(again.stderr.split())
    forced = cli("restore", str(archive), "--index", str(target / "index"), "--force", env=env)
    assert forced.returncode == 0, forced.stderr
    assert _observe(target) == before
    assert not [p for p in target.iterdir() if p.name.startswith(".")], "leftover staging directories"


def test_snapshot_refuses_while_the_index_is_in_use(tmp_path: Path, source_index: tuple[Path, dict[str, Any]]) -> None:
    base, _ = source_index
    services = Services(settings_for(base))
    try:
        services.store.count()  # opens (and locks) the shard, as a running server does
        done = cli("snapshot", str(tmp_path / "s.tar.gz"), "--index", str(base / "index"), env=cli_env(tmp_path))
        assert done.returncode == 1
        assert "in use by another process" in " ".join(done.stderr.split())
        assert not (tmp_path / "s.tar.gz").exists()
    finally:
        services.close()


def test_restore_checks_the_archive(tmp_path: Path, source_index: tuple[Path, dict[str, Any]]) -> None:
    settings = settings_for(tmp_path)
    evil = tmp_path / "evil.tar.gz"
    with tarfile.open(evil, "w:gz") as tar:
        manifest = json.dumps({"format": 1, "engine": "qdrant-edge", "collections": {}}).encode()
        for name, data in ((MANIFEST_NAME, manifest), ("index/../../escaped.txt", b"pwned")):
            member = tarfile.TarInfo(name)
            member.size = len(data)
            tar.addfile(member, io.BytesIO(data))
    with pytest.raises(SnapshotError, match="unexpected member"):
        restore(settings, evil, index_path=tmp_path / "r" / "index")
    assert not (tmp_path / "escaped.txt").exists() and not (tmp_path / "r" / "index").exists()

    not_a_snapshot = tmp_path / "x.tar.gz"
    not_a_snapshot.write_bytes(b"not a tarball")
    with pytest.raises(SnapshotError, match="not a readable"):
        restore(settings, not_a_snapshot, index_path=tmp_path / "r2")
    with pytest.raises(InvalidInput, match="no index"):
        snapshot(settings, tmp_path / "empty.tar.gz", index_path=tmp_path / "nothing-here")

    # A snapshot whose counts do not match its data is rejected before anything is replaced.
    base, _ = source_index
    good = tmp_path / "good.tar.gz"
    snapshot(settings_for(base), good, index_path=base / "index")
    tampered = tmp_path / "tampered.tar.gz"
    with tarfile.open(good, "r:gz") as src, tarfile.open(tampered, "w:gz") as dst:
        for member in src.getmembers():
            fh = src.extractfile(member) if member.isfile() else None
            if member.name == MANIFEST_NAME and fh is not None:
                data = json.loads(fh.read())
                data["collections"]["chunks"] += 1
                raw = json.dumps(data).encode()
                member.size = len(raw)
                dst.addfile(member, io.BytesIO(raw))
            else:
                dst.addfile(member, fh)
    with pytest.raises(SnapshotError, match="points, the snapshot says"):
        restore(settings, tampered, index_path=tmp_path / "r3" / "index")
    assert not (tmp_path / "r3" / "index").exists()


class _FakeQdrant:
    """The few qdrant-client calls the server path makes, over an in-memory 'server'."""

    def __init__(self, counts: dict[str, int]) -> None:
        self.counts = dict(counts)
        self.deleted: list[str] = []

    def collection_exists(self, name: str) -> bool:
        return name in self.counts

    def count(self, name: str, exact: bool = True) -> Any:
        return SimpleNamespace(count=self.counts[name])

    def create_snapshot(self, name: str, wait: bool = True) -> Any:
        return SimpleNamespace(name=f"{name}-1.snapshot")

    def delete_snapshot(self, name: str, snapshot_name: str, wait: bool = True) -> None:
        self.deleted.append(snapshot_name)


def test_server_snapshot_and_restore_use_qdrant_snapshots(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, qdrant_url="http://qdrant.invalid:6333")
    server_files = {"ccassist_chunks": b"CHUNKS-SNAPSHOT" * 1000, "ccassist_exchanges": b"EXCH" * 10}
    uploads: dict[str, bytes] = {}

    def handler(request: httpx.Request) -> httpx.Response:
        parts = request.url.path.strip("/").split("/")
        if request.method == "GET" and parts[2] == "snapshots":
            return httpx.Response(200, content=server_files[parts[1]])
        if request.method == "POST" and parts[-1] == "upload":
            assert request.url.params["priority"] == "snapshot"
            uploads[parts[1]] = request.read()
            return httpx.Response(200, json={"result": True})
        return httpx.Response(404)

    http = httpx.Client(base_url="http://qdrant.invalid:6333", transport=httpx.MockTransport(handler))
    client = _FakeQdrant({"ccassist_chunks": 42, "ccassist_exchanges": 3})
    archive = tmp_path / "server.tar.gz"
    info = _server_snapshot(settings, archive, client=client, http=http)
    assert info.collections == {"chunks": 42, "exchanges": 3}
    assert sorted(client.deleted) == ["ccassist_chunks-1.snapshot", "ccassist_exchanges-1.snapshot"]
    with tarfile.open(archive) as tar:
        assert tar.extractfile("server/chunks.snapshot").read() == server_files["ccassist_chunks"]  # type: ignore[union-attr]

    with pytest.raises(InvalidInput, match="--force"):
        _server_restore(settings, archive, force=False, client=client, http=http)
    empty = _FakeQdrant({})
    empty.count = lambda name, exact=True: SimpleNamespace(count={"ccassist_chunks": 42, "ccassist_exchanges": 3}[name])  # type: ignore[method-assign]
    _server_restore(settings, archive, force=False, client=empty, http=http)
    assert set(uploads) == {"ccassist_chunks", "ccassist_exchanges"}
    assert server_files["ccassist_chunks"] in uploads["ccassist_chunks"]  # multipart body around the file
