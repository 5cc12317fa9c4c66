"""Ingest the same 20 documents three times, change two, delete one, ingest with --prune: exact ids, no stale chunks."""

from __future__ import annotations

import json
from pathlib import Path

from api.services import Services
from ingest.chunking import chunk_id
from ingest.parsers import parse_file
from ingest.pipeline import content_hash
from tests.reliability.conftest import cli, cli_env, doc_text, index_state, settings_for, write_docs

N = 20



def test_three_runs_then_change_delete_and_prune(tmp_path: Path, engine: str) -> None:
    overrides: dict[str, object] = {}
    env = cli_env(tmp_path)
    if engine == "client":  # qdrant-client's in-process mode: the server code path
        overrides["qdrant_url"] = f"local:{tmp_path / 'qdrant-local'}"
        env["CCASSIST_QDRANT_URL"] = str(overrides["qdrant_url"])
    docs = tmp_path / "docs"
    paths = write_docs(docs, N, paragraphs=8)
    settings = settings_for(tmp_path, **overrides)

    services = Services(settings)
    try:
        first = services.ingest([docs])
        assert (first.indexed, first.skipped, first.failed) == (N, 0, [])
        ids = _ids_by_source_open(services)
        for _ in range(2):
            again = services.ingest([docs])
            assert (again.indexed, again.skipped, again.chunks, again.failed) == (0, N, 0, [])
            assert _ids_by_source_open(services) == ids
    finally:
        services.close()
    assert sorted(ids) == sorted(map(str, paths))
    assert sum(len(v) for v in ids.values()) == first.chunks

    changed, deleted = paths[3], paths[11]
    changed2 = paths[17]
    changed.write_text(doc_text(3, paragraphs=12, version=2), encoding="utf-8")
    changed2.write_text(doc_text(17, paragraphs=3, version=2), encoding="utf-8")
    deleted.unlink()

    done = cli("ingest", str(docs), "--index", str(tmp_path / "index"), "--prune", "--json", env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout)
    assert (report["indexed"], report["skipped"], report["removed"], report["failed"]) == (2, N - 3, 1, [])

    state = index_state(tmp_path, **overrides)
    assert state.half_written() == []
    after = state.ids
    assert str(deleted) not in after
    for path in paths:
        if path in (changed, changed2, deleted):
            continue
        assert after[str(path)] == ids[str(path)], f"{path.name} is unchanged but its points changed"
    for path in (changed, changed2):
        doc_id = content_hash(parse_file(path), settings)[:32]
        assert state.sources[str(path)] == {doc_id}, "exactly the new version remains"
        n = state.counts[doc_id]
        assert after[str(path)] == {chunk_id(doc_id, i) for i in range(n)}
        assert after[str(path)].isdisjoint(ids[str(path)]), "stale chunks of the old version remain"
    assert state.points == sum(len(v) for v in after.values())
    assert len(after) == N - 1


def _ids_by_source_open(services: Services) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for hit in services.store.iter_all():
        out.setdefault(hit.payload["source"], set()).add(hit.id)
    return out
