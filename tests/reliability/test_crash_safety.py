"""kill -9 during ingest: the index opens, holds no half-written document, and the next run finishes the job.

"Half-written" is checked exactly: for every doc_id the number of points
equals the ``n_chunks`` in their payload and the chunk indexes are
0..n-1. "Finishes the job" is checked against a clean run of the same files
into a fresh index: the same documents, point ids and exchange records, and
every source exactly once.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from api.services import Services
from core.filters import Filter, Match
from ingest.parsers import parse_file
from ingest.pipeline import content_hash
from tests.conftest import ROOT
from tests.reliability.conftest import EMBEDDER, cli, cli_env, doc_text, index_state, settings_for, write_docs

N_DOCS = 30
CHANGED = (5, 15, 25)


def _reference(base: Path, docs: Path) -> dict[str, tuple[set[str], set[str]]]:
    """A clean ingest of ``docs``: per file name, (point ids, exchange record ids)."""
    services = Services(settings_for(base))
    try:
        report = services.ingest([docs])
        assert not report.failed, report.failed
        out = {}
        for path in sorted(docs.iterdir()):
            flt = Filter(must=[Match("source", str(path))])
            out[path.name] = ({h.id for h in services.store.iter_all(filter=flt)},
                              {h.id for h in services.exchange_store.iter_all(filter=flt)})
        return out
    finally:
        services.close()


def _actual(base: Path, docs: Path) -> dict[str, tuple[set[str], set[str]]]:
    services = Services(settings_for(base))
    try:
        out = {}
        for path in sorted(docs.iterdir()):
            flt = Filter(must=[Match("source", str(path))])
            out[path.name] = ({h.id for h in services.store.iter_all(filter=flt)},
                              {h.id for h in services.exchange_store.iter_all(filter=flt)})
        chunk_docs = {str(v) for v, _ in services.store.facet("doc_id", limit=100_000)}
        exchange_docs = {str(v) for v, _ in services.exchange_store.facet("doc_id", limit=100_000)}
        assert exchange_docs <= chunk_docs, f"exchange records of documents not in the index: {exchange_docs - chunk_docs}"
        return out
    finally:
        services.close()


class _Ingest:
    """``ccassist ingest`` in a subprocess whose per-file progress lines (stderr, INFO) are collected live."""

    def __init__(self, base: Path, docs: Path) -> None:
        self.lines: list[str] = []
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "api.cli", "ingest", str(docs), "--index", str(base / "index")],
            cwd=ROOT, env=cli_env(base), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.lines.append(line.rstrip("\n"))

    def progress(self, status: str) -> list[str]:
        return [ln for ln in list(self.lines) if "ccassist.ingest:" in ln and f": {status} " in ln]

    def kill_when(self, ready: Callable[[], bool], timeout: float = 600) -> None:
        deadline = time.monotonic() + timeout
        while not ready():
            if self.proc.poll() is not None:
                pytest.fail("ingest finished before the kill point:\n" + "\n".join(self.lines[-20:]))
            if time.monotonic() > deadline:
                self.proc.kill()
                pytest.fail("kill point not reached in time:\n" + "\n".join(self.lines[-20:]))
            time.sleep(0.01)
        self.proc.send_signal(signal.SIGKILL)
        assert self.proc.wait(timeout=60) == -signal.SIGKILL
        self._reader.join(timeout=10)


def _resume(base: Path, docs: Path) -> dict:
    import json

    done = cli("ingest", str(docs), "--index", str(base / "index"), "--json", env=cli_env(base))
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


def _assert_complete(base: Path, docs: Path, reference: dict[str, tuple[set[str], set[str]]]) -> None:
    state = index_state(base)
    assert state.half_written() == []
    names = sorted(p.name for p in docs.iterdir())
    assert sorted(Path(s).name for s in state.sources) == names
    assert all(len(doc_ids) == 1 for doc_ids in state.sources.values()), "a source with two versions"
    assert state.points == sum(len(reference[n][0]) for n in names), "duplicate or missing points"
    assert _actual(base, docs) == reference


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict, dict]:
    """30 documents (v1) and the same with 3 changed (v2), each with the index a clean run makes of them."""
    root = tmp_path_factory.mktemp("crash-corpus")
    v1 = root / "v1"
    write_docs(v1, N_DOCS, paragraphs=10)
    v2 = root / "v2"
    shutil.copytree(v1, v2)
    for i in CHANGED:
        (v2 / f"bericht-{i:03d}.md").write_text(doc_text(i, paragraphs=14, version=2), encoding="utf-8")
    return root, _reference(root / "ref1", v1), _reference(root / "ref2", v2)


def test_kill9_in_the_middle_of_a_batch_then_resume(tmp_path: Path, corpus: tuple[Path, dict, dict]) -> None:
    root, ref1, _ = corpus
    docs = tmp_path / "docs"
    shutil.copytree(root / "v1", docs)

    run = _Ingest(tmp_path, docs)
    run.kill_when(lambda: len(run.progress("indexed")) >= 3)
    written_before_kill = len(run.progress("indexed"))

    state = index_state(tmp_path)  # the index opens after kill -9 (WAL replay)
    assert state.half_written() == [], "a document is half-written"
    assert all(len(d) == 1 for d in state.sources.values())
    assert written_before_kill <= len(state.sources) < N_DOCS, "the kill did not land in the middle of the batch"

    report = _resume(tmp_path, docs)
    assert report["failed"] == []
    assert report["indexed"] + report["skipped"] == N_DOCS
    assert report["skipped"] >= len(state.sources), "documents that survived the crash were indexed again"
    _assert_complete(tmp_path, docs, ref1)


def test_kill9_while_changed_documents_replace_their_old_versions(tmp_path: Path, corpus: tuple[Path, dict, dict]) -> None:
    root, _, ref2 = corpus
    docs = tmp_path / "docs"
    shutil.copytree(root / "v1", docs)
    assert _resume(tmp_path, docs)["indexed"] == N_DOCS
    for i in CHANGED:
        shutil.copy2(root / "v2" / f"bericht-{i:03d}.md", docs / f"bericht-{i:03d}.md")

    run = _Ingest(tmp_path, docs)
    first_changed = str(docs / f"bericht-{CHANGED[0]:03d}.md")
    run.kill_when(lambda: any(first_changed in ln for ln in run.progress("indexed")))

    state = index_state(tmp_path)
    assert state.half_written() == []
    changed = {str(docs / f"bericht-{i:03d}.md") for i in CHANGED}
    for source, doc_ids in state.sources.items():
        assert len(doc_ids) == 1 or (source in changed and len(doc_ids) == 2), (source, doc_ids)

    report = _resume(tmp_path, docs)
    assert report["failed"] == []
    _assert_complete(tmp_path, docs, ref2)


def _harness(base: Path, docs: Path, kill_at: str, target: Path) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "tests.reliability._crash_harness", "--index", str(base / "index"),
           "--embedder", EMBEDDER, "--kill-at", kill_at, "--target", str(target), str(docs)]
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=900, check=False)
    assert done.returncode == -signal.SIGKILL, done.stderr[-3000:]
    return done


@pytest.mark.parametrize("kill_at", ["before-write", "after-upsert", "mid-slices"])
def test_kill9_at_the_critical_points_of_a_replacement(
    tmp_path: Path, corpus: tuple[Path, dict, dict], kill_at: str
) -> None:
    """Deterministic kills inside the write of a changed document (see _crash_harness.py)."""
    root, ref1, ref2 = corpus
    docs = tmp_path / "docs"
    shutil.copytree(root / "v1", docs)
    assert _resume(tmp_path, docs)["indexed"] == N_DOCS
    target = docs / f"bericht-{CHANGED[0]:03d}.md"
    old_id = content_hash(parse_file(target), settings_for(tmp_path))[:32]
    shutil.copy2(root / "v2" / target.name, target)
    new_id = content_hash(parse_file(target), settings_for(tmp_path))[:32]

    _harness(tmp_path, docs, kill_at, target)

    state = index_state(tmp_path)
    versions = state.sources[str(target)]
    if kill_at == "before-write":
        assert versions == {old_id}
    elif kill_at == "after-upsert":
        assert versions == {old_id, new_id}, "both complete versions exist until the next run"
    else:  # a large document written in slices: a partial copy, which the next run must detect and redo
        assert versions == {old_id, new_id}
        assert 0 < state.counts[new_id] < next(iter(state.n_chunks[new_id]))
    assert [d for d in state.half_written() if d != new_id or kill_at != "mid-slices"] == []

    report = _resume(tmp_path, docs)
    assert report["failed"] == []
    if kill_at == "after-upsert":  # the new version was complete: only the old one had to go
        assert str(target) in report["skipped_sources"]
    else:
        assert str(target) in report["indexed_sources"], "the interrupted replacement was not redone"
    expected = {**ref1, target.name: ref2[target.name]}
    _assert_complete(tmp_path, docs, expected)
