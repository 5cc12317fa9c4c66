"""Moving an index between engines without re-embedding (core/migrate.py and the CLI commands).

The round trip is the real one: documents ingested into Qdrant Edge, exported,
imported into qdrant-client (``local:``, the server code path), exported again
and imported into a new Edge index; the same searches return the same chunks
in the same order on all three.
"""

from __future__ import annotations

import base64
import gzip
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from api.services import Services
from core.errors import InvalidInput, UpstreamError
from core.migrate import FORMAT, export_index, import_index, read_header
from core.settings import Settings, get_settings
from core.store import open_store
from retrieval.filters import SearchFilters
from tests.conftest import SAMPLE_DOCS, make_settings

QUERIES = [
    ("Bewerbungsfrist naturbasierte Lösungen Starkregen", None),
    ("flood early warning Kisumu", None),
    ("Wasserstoff Budget Kiel", None),
    ("When is the application deadline?", None),  # cross-lingual
    ("Hochwasser", SearchFilters(language=["en"])),
]


def _searches(settings: Settings) -> list[list[tuple[str, float]]]:
    services = Services(settings)
    try:
        return [
            [(r.chunk_id, r.score) for r in services.search(q, k=10, filters=f).results]
            for q, f in QUERIES
        ]
    finally:
        services.close()


def _counts(settings: Settings) -> dict[str, int]:
    counts = {}
    for name in ("chunks", "exchanges"):
        store = open_store(settings, collection=name)
        counts[name] = store.count()
        store.close()
    return counts


@pytest.fixture(scope="module")
def edge_index(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The sample documents ingested once into a Qdrant Edge index (tests only read it)."""
    base = tmp_path_factory.mktemp("migrate")
    docs = base / "docs"
    docs.mkdir()
    for name, text in SAMPLE_DOCS.items():
        (docs / name).write_text(text, encoding="utf-8")
    settings = make_settings(base / "edge-a", "edge")
    services = Services(settings)
    try:
        report = services.ingest([docs])
    finally:
        services.close()
    assert not report.failed and report.chunks > 0
    return settings


@pytest.fixture(scope="module")
def exported(edge_index: Settings, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("export") / "index.jsonl.gz"
    export_index(edge_index, path)
    return path


def test_round_trip_edge_client_edge_keeps_search_results(tmp_path: Path, edge_index: Settings) -> None:
    before = _searches(edge_index)
    assert all(before), "every query should find something in the sample documents"
    counts = _counts(edge_index)

    first = export_index(edge_index, tmp_path / "one.jsonl.gz")
    assert first.counts == counts and first.dim == 384 and first.embedder == "e5-small"

    client = make_settings(tmp_path / "client", "client")
    imported = import_index(client, tmp_path / "one.jsonl.gz")
    assert imported.counts == counts and not imported.warnings
    second = export_index(client, tmp_path / "two.jsonl.gz")
    assert second.counts == counts

    edge_b = make_settings(tmp_path / "edge-b", "edge")
    import_index(edge_b, tmp_path / "two.jsonl.gz")

    for settings in (client, edge_b):
        assert _counts(settings) == counts
        after = _searches(settings)
        for got, want in zip(after, before):
            assert [cid for cid, _ in got] == [cid for cid, _ in want]
            assert [s for _, s in got] == pytest.approx([s for _, s in want], rel=1e-4, abs=1e-6)
    # The file is the same data whichever engine wrote it (order aside).
    assert _records(tmp_path / "one.jsonl.gz") == _records(tmp_path / "two.jsonl.gz")


def _records(path: Path) -> dict[str, dict[str, Any]]:
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        lines = [json.loads(line) for line in fh]
    return {r["id"]: {**r, "sparse": dict(zip(r["sparse"]["indices"], r["sparse"]["values"]))}
            for r in lines[1:-1]}


def test_file_format(tmp_path: Path, edge_index: Settings) -> None:
    path = tmp_path / "index.jsonl.gz"
    report = export_index(edge_index, path)
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        lines = [json.loads(line) for line in fh]
    header, records, trailer = lines[0], lines[1:-1], lines[-1]
    assert header["format"] == FORMAT and header["version"] == 1 and header["dim"] == 384
    assert header["embedder"] == "e5-small" and header["source"]["engine"] == "qdrant-edge"
    assert {name: meta["count"] for name, meta in header["collections"].items()} == report.counts
    assert trailer == {"end": True, "counts": report.counts}
    assert len(records) == sum(report.counts.values())
    for record in records[:5]:
        dense = np.frombuffer(base64.b64decode(record["dense"]), dtype="<f4")
        assert dense.shape == (384,) and abs(float(np.linalg.norm(dense)) - 1.0) < 1e-4
        assert len(record["sparse"]["indices"]) == len(record["sparse"]["values"]) > 0
        assert record["payload"]["doc_id"] and record["collection"] in ("chunks", "exchanges")
    assert read_header(path)["collections"] == header["collections"]
    assert not (tmp_path / "index.jsonl.gz.part").exists()
    # Sentence vectors travel with their chunks: rows of 384 floats, and the weight in the header.
    assert header["collections"]["chunks"]["sentence_weight"] == 0.5
    assert header["collections"]["exchanges"]["sentence_weight"] is None
    rows = [np.frombuffer(base64.b64decode(r["sentences"]), dtype="<f4") for r in records if r.get("sentences")]
    assert rows and all(len(r) % 384 == 0 for r in rows) and any(len(r) > 384 for r in rows)


def test_import_guards(tmp_path: Path, exported: Path) -> None:
    counts = read_header(exported)["collections"]
    target = make_settings(tmp_path / "target", "edge")
    first = import_index(target, exported, optimize=False)
    assert first.counts == {name: meta["count"] for name, meta in counts.items()}
    with pytest.raises(InvalidInput, match="--merge"):
        import_index(target, exported)
    # Same ids are overwritten, not doubled; another embedder name is reported, not fatal.
    again = import_index(target.model_copy(update={"embedder": "use-m3"}), exported, merge=True, optimize=False)
    assert again.counts == first.counts and _counts(target) == first.counts
    assert again.warnings and "use-m3" in again.warnings[0]

    other = make_settings(tmp_path / "other-dim", "edge")
    store = open_store(other)
    store.ensure(8)
    store.close()
    with pytest.raises(UpstreamError, match="dim"):
        import_index(other, exported, merge=True)


def test_broken_files_are_refused(tmp_path: Path, exported: Path, edge_index: Settings) -> None:
    path = exported
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        lines = fh.read().splitlines()

    cut = tmp_path / "cut.jsonl.gz"  # a complete gzip stream whose content stops before the trailer
    with gzip.open(cut, "wt", encoding="utf-8") as fh:
        fh.write("\n".join(lines[:-3]) + "\n")
    with pytest.raises(InvalidInput, match="ends early"):
        import_index(Settings(qdrant_url=":memory:"), cut, optimize=False)

    torn = tmp_path / "torn.jsonl.gz"  # the gzip stream itself cut off
    torn.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(InvalidInput):
        import_index(Settings(qdrant_url=":memory:"), torn, optimize=False)

    plain = tmp_path / "plain.json"
    plain.write_text('{"hello": 1}\n')
    with pytest.raises(InvalidInput, match="not a complete"):
        read_header(plain)

    newer = tmp_path / "newer.jsonl.gz"
    with gzip.open(newer, "wt", encoding="utf-8") as fh:
        fh.write(json.dumps({**json.loads(lines[0]), "version": 99}) + "\n")
    with pytest.raises(InvalidInput, match="version 99"):
        read_header(newer)

    with pytest.raises(InvalidInput, match="no index"):
        export_index(make_settings(tmp_path / "empty", "edge"), tmp_path / "nothing.jsonl.gz")
    assert not (tmp_path / "nothing.jsonl.gz").exists()


def test_cli_export_import_and_init(tmp_path: Path, edge_index: Settings) -> None:
    from api.cli import app

    runner = CliRunner()
    path = tmp_path / "cli.jsonl.gz"
    get_settings.cache_clear()
    try:
        result = runner.invoke(app, ["export-index", str(path), "--index", str(edge_index.index_path), "--json"])
        assert result.exit_code == 0, result.output
        data = json.loads(result.stdout)
        assert data["counts"] == _counts(edge_index) and Path(data["file"]) == path

        target = tmp_path / "cli-target"
        result = runner.invoke(app, ["import-index", str(path), "--index", str(target), "--no-optimize", "--json"])
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout)["counts"] == data["counts"]
        assert _counts(make_settings(tmp_path / "cli-target-parent", "edge", index_path=target)) == data["counts"]

        result = runner.invoke(app, ["import-index", str(path), "--index", str(target), "--json"])
        assert result.exit_code == 1 and "--merge" in json.loads(result.stdout)["error"]

        fresh = tmp_path / "fresh"
        result = runner.invoke(app, ["init-index", "--index", str(fresh), "--dim", "8", "--json"])
        assert result.exit_code == 0, result.output
        collections = json.loads(result.stdout)["collections"]
        assert {name: c["dim"] for name, c in collections.items()} == {"chunks": 8, "exchanges": 8}
        assert (fresh / "chunks").is_dir() and (fresh / "exchanges").is_dir()
    finally:
        get_settings.cache_clear()
