"""The ingest pipeline against a real store (Qdrant Edge and qdrant-client in-process)."""

from __future__ import annotations

from pathlib import Path

from api.services import Services
from core.filters import Filter, Match
from tests.conftest import SAMPLE_DOCS, make_settings


def _chunk_ids(services: Services) -> dict[str, set[str]]:
    ids: dict[str, set[str]] = {}
    for hit in services.store.iter_all():
        ids.setdefault(hit.payload["source"], set()).add(hit.id)
    return ids


def test_ingest_is_idempotent_and_replaces_changed_files(tmp_path: Path, sample_dir: Path, engine: str) -> None:
    services = Services(make_settings(tmp_path, engine))
    try:
        first = services.ingest([sample_dir])
        assert first.indexed == 3 and not first.failed and first.chunks >= 3
        before = _chunk_ids(services)

        again = services.ingest([sample_dir])
        assert again.indexed == 0 and again.skipped == 3 and again.chunks == 0
        assert _chunk_ids(services) == before

        report = sample_dir / "report.md"
        report.write_text(report.read_text(encoding="utf-8").replace("Nyando", "Kibos"), encoding="utf-8")
        changed = services.ingest([sample_dir])
        assert changed.indexed == 1 and changed.skipped == 2
        after = _chunk_ids(services)
        source = str(sample_dir / "report.md")
        assert after[source].isdisjoint(before[source]), "old chunks of a changed file must be gone"
        assert {k: v for k, v in after.items() if k != source} == {k: v for k, v in before.items() if k != source}
        texts = [h.payload["text"] for h in services.store.iter_all(filter=Filter(must=[Match("source", source)]))]
        assert any("Kibos" in t for t in texts) and not any("Nyando" in t for t in texts)
    finally:
        services.close()


def test_metadata_lands_in_payload(tmp_path: Path, sample_dir: Path) -> None:
    services = Services(make_settings(tmp_path))
    try:
        services.ingest([sample_dir])
        call = next(services.store.iter_all(filter=Filter(must=[Match("source", str(sample_dir / "aufruf.md"))])))
        p = call.payload
        assert p["doc_type"] == "call"
        assert p["language"] == "de"
        assert p["deadline"] == "2027-02-07"
        assert p["visibility"] == "public"
        assert p["title"].startswith("Aufruf zur Teilnahme")
        report = next(services.store.iter_all(filter=Filter(must=[Match("source", str(sample_dir / "report.md"))])))
        assert report.payload["visibility"] == "members"
        assert "Kisumu" in report.payload["cities"] and "Kenya" in report.payload["countries"]
        note = next(services.store.iter_all(filter=Filter(must=[Match("source", str(sample_dir / "notiz.txt"))])))
        assert note.payload["visibility"] == "internal", "the sidecar file declares the visibility"
    finally:
        services.close()


def test_bad_files_are_reported_and_the_batch_goes_on(tmp_path: Path, sample_dir: Path) -> None:
    services = Services(make_settings(tmp_path))
    try:
        services.ingest([sample_dir / "aufruf.md"])
        (sample_dir / "broken.pdf").write_bytes(b"%PDF-1.7\n1 0 obj <<>> garbage")
        (sample_dir / "empty.txt").write_bytes(b"")
        (sample_dir / "binary.txt").write_bytes(bytes(range(256)) * 64)
        report = services.ingest([sample_dir])
        failed = {Path(f.source).name: f.error for f in report.failed}
        assert set(failed) == {"broken.pdf", "empty.txt", "binary.txt"}
        assert all(failed.values())
        assert report.indexed == 2 and report.skipped == 1
        assert len(_chunk_ids(services)) == 3, "the earlier document and the good new ones are all indexed"
    finally:
        services.close()


def test_remove_and_prune(tmp_path: Path, sample_dir: Path, engine: str) -> None:
    services = Services(make_settings(tmp_path, engine))
    try:
        services.ingest([sample_dir])
        (sample_dir / "notiz.txt").unlink()
        report = services.ingest([sample_dir], prune=True)
        assert report.removed == 1
        assert str(sample_dir / "notiz.txt") not in _chunk_ids(services)
        doc_id = next(services.store.iter_all()).payload["doc_id"]
        assert services.ingestor.remove_doc(doc_id) >= 1
        assert services.store.count(Filter(must=[Match("doc_id", doc_id)])) == 0
    finally:
        services.close()


def test_duplicate_content_is_indexed_once(tmp_path: Path, sample_dir: Path) -> None:
    services = Services(make_settings(tmp_path))
    try:
        copy = sample_dir / "aufruf-kopie.md"
        copy.write_text((sample_dir / "aufruf.md").read_text(encoding="utf-8"), encoding="utf-8")
        report = services.ingest([sample_dir])
        assert report.indexed == 3 and report.skipped == 1
        assert len(_chunk_ids(services)) == 3
    finally:
        services.close()


def test_the_same_files_under_another_spelling_are_unchanged(tmp_path: Path, sample_dir: Path, monkeypatch) -> None:
    services = Services(make_settings(tmp_path))
    try:
        services.ingest([sample_dir])  # absolute paths
        before = _chunk_ids(services)
        monkeypatch.chdir(sample_dir.parent)
        events: list[tuple[str, str]] = []
        report = services.ingest([Path(sample_dir.name)], on_event=lambda e: events.append((e.status, e.detail)))
        assert report.indexed == 0 and report.skipped == 3 and report.chunks == 0
        assert all(status == "unchanged" and detail.startswith(f"indexed as {sample_dir}")
                   for status, detail in events), events
        assert _chunk_ids(services) == before  # still stored under the first spelling
    finally:
        services.close()


def test_an_edited_file_under_another_spelling_replaces_its_first_copy(tmp_path: Path, sample_dir: Path,
                                                                       monkeypatch) -> None:
    """Indexed as /abs/docs/aufruf.md, edited, ingested again as docs/: one document, under its first name."""
    services = Services(make_settings(tmp_path))
    try:
        services.ingest([sample_dir])
        first = str(sample_dir / "aufruf.md")
        assert first in _chunk_ids(services)
        path = sample_dir / "aufruf.md"
        path.write_text(path.read_text(encoding="utf-8") + "\nNachtrag: Die Frist wurde verlängert.\n", encoding="utf-8")
        monkeypatch.chdir(sample_dir.parent)
        events: list[tuple[str, str, str]] = []
        report = services.ingest([Path(sample_dir.name)], on_event=lambda e: events.append((e.source, e.status, e.detail)))
        assert report.indexed == 1 and report.skipped == 2
        assert (first, "indexed", f"indexed as {first}") in events
        sources = _chunk_ids(services)
        assert set(sources) == {str(p) for p in sample_dir.iterdir() if p.name in SAMPLE_DOCS}
        texts = " ".join(h.payload["text"] for h in services.store.iter_all() if h.payload["source"] == first)
        assert "Nachtrag" in texts
    finally:
        services.close()


def test_ccassistignore_and_sidecars_are_not_documents(tmp_path: Path, sample_dir: Path) -> None:
    (sample_dir / ".ccassistignore").write_text("README.md\n_src/\n", encoding="utf-8")
    (sample_dir / "README.md").write_text("# not a document\n", encoding="utf-8")
    (sample_dir / "_src").mkdir()
    (sample_dir / "_src" / "x.md").write_text("# source\n", encoding="utf-8")
    services = Services(make_settings(tmp_path))
    try:
        report = services.ingest([sample_dir])
        assert report.indexed == 3 and not report.failed
    finally:
        services.close()
