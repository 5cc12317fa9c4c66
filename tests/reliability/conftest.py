"""Helpers of the reliability tests: generated documents, CLI subprocesses and index invariants.

These tests run the real thing wherever it matters (``python -m api.cli``
subprocesses that get SIGKILLed, a real uvicorn), so they use the fast
packaged embedder (use-m3) to keep CI time reasonable; nothing here depends
on the embedder's quality.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.conftest import ROOT, make_settings

EMBEDDER = "use-m3"
FIXTURES = ROOT / "tests" / "fixtures" / "bad_inputs"

_CITIES = ["Köln", "Kisumu", "Leipzig", "Amman", "Curitiba", "Da Nang", "Tunis", "Freiburg", "Sfax", "Pune", "Kiel"]
_TOPICS = [
    ("Hochwasserschutz", "Sensoren am Fluss melden Pegelstände an die Leitstelle der Stadt"),
    ("Stadtgrün", "Straßenbäume und kleine Parks kühlen die Quartiere im Sommer"),
    ("Kreislaufwirtschaft", "Bioabfälle werden getrennt gesammelt und in einer Kompostanlage verwertet"),
    ("Digitalisierung", "ein Online-Portal ersetzt Papierformulare im Rathaus"),
    ("Wasserstoff", "ein Elektrolyseur im Hafen versorgt Busse und Fähren"),
    ("Wasserverluste", "Lecksuche senkt die Verluste im Verteilnetz"),
]


def settings_for(base: Path, **overrides: object):  # type: ignore[no-untyped-def]
    """Settings for an index under ``base`` with the fast embedder."""
    values: dict[str, object] = {"embedder": EMBEDDER, "llm": "extractive"}
    values.update(overrides)
    return make_settings(base, **values)


def doc_text(i: int, *, paragraphs: int = 6, version: int = 1, seed: int = 7) -> str:
    """A unique German Markdown document (``version`` changes its content)."""
    rng = random.Random(seed * 1000 + i)
    a, b = rng.sample(_CITIES, 2)
    topic, detail = _TOPICS[i % len(_TOPICS)]
    lines = [f"# Bericht {i}: {topic} in {a} (Fassung {version})", ""]
    day = 1 + i % 20
    lines += [f"Vom {day}. bis {day + 2}. März {2021 + i % 5} fand ein Workshop in {a} statt, mit Gästen aus {b}.", ""]
    for p in range(paragraphs):
        year = 2020 + (p + i) % 6
        lines.append(
            f"Im Jahr {year} besuchten {rng.randint(3, 14)} Fachleute aus {b} die Stadt {a}. "
            f"Im Pilotprojekt Nummer {i}-{p}-{version} gilt: {detail}. "
            f"Die Partner vereinbarten {rng.randint(2, 9)} weitere Arbeitstreffen und einen Bericht "
            f"über {topic.lower()} bis Ende {year + 1}. Kennziffer {rng.randint(10_000, 99_999)}-{version}."
        )
        lines.append("")
    return "\n".join(lines)


def write_docs(folder: Path, n: int, **kwargs: object) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(n):
        path = folder / f"bericht-{i:03d}.md"
        path.write_text(doc_text(i, **kwargs), encoding="utf-8")  # type: ignore[arg-type]
        paths.append(path)
    return paths


def cli_env(base: Path, **extra: str) -> dict[str, str]:
    """Environment of a ``ccassist`` subprocess: nothing inherited from CCASSIST_*, fast embedder, INFO logs."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CCASSIST_")}
    env.update({
        "CCASSIST_DATA_DIR": str(base / "data"),
        "CCASSIST_EMBEDDER": EMBEDDER,
        "CCASSIST_LLM": "extractive",
        "CCASSIST_DEFAULT_VISIBILITY": "public",
        "CCASSIST_LOG_LEVEL": "INFO",
        "PYTHONUNBUFFERED": "1",
        **extra,
    })
    return env


def cli(*args: str, env: dict[str, str], timeout: float = 600) -> subprocess.CompletedProcess[str]:
    """Run ``ccassist ARGS`` as ``python -m api.cli`` from the repository root."""
    return subprocess.run([sys.executable, "-m", "api.cli", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=timeout, check=False)


@dataclass
class IndexState:
    """Per-document view of the chunks collection, for invariant checks."""

    points: int = 0
    counts: dict[str, int] = field(default_factory=dict)  # doc_id -> points
    n_chunks: dict[str, set[int]] = field(default_factory=dict)  # doc_id -> n_chunks payload values
    sources: dict[str, set[str]] = field(default_factory=dict)  # source -> doc_ids
    ids: dict[str, set[str]] = field(default_factory=dict)  # source -> point ids
    chunk_indexes: dict[str, list[int]] = field(default_factory=dict)  # doc_id -> chunk_index values

    def half_written(self) -> list[str]:
        """Documents whose point count differs from their n_chunks (or that disagree on it)."""
        bad = []
        for doc_id, count in self.counts.items():
            n = self.n_chunks[doc_id]
            if len(n) != 1 or count != next(iter(n)) or sorted(self.chunk_indexes[doc_id]) != list(range(count)):
                bad.append(doc_id)
        return bad


def index_state(base: Path, **overrides: object) -> IndexState:
    """Open the index under ``base`` (it must not be locked) and collect its per-document invariants."""
    from core.store import open_store

    state = IndexState()
    store = open_store(settings_for(base, **overrides))
    try:
        counts: dict[str, int] = defaultdict(int)
        n_chunks: dict[str, set[int]] = defaultdict(set)
        sources: dict[str, set[str]] = defaultdict(set)
        ids: dict[str, set[str]] = defaultdict(set)
        indexes: dict[str, list[int]] = defaultdict(list)
        for hit in store.iter_all():
            p = hit.payload
            counts[p["doc_id"]] += 1
            n_chunks[p["doc_id"]].add(int(p["n_chunks"]))
            sources[p["source"]].add(p["doc_id"])
            ids[p["source"]].add(hit.id)
            indexes[p["doc_id"]].append(int(p["chunk_index"]))
            state.points += 1
        state.counts, state.n_chunks, state.sources = dict(counts), dict(n_chunks), dict(sources)
        state.ids, state.chunk_indexes = dict(ids), dict(indexes)
    finally:
        store.close()
    return state


@pytest.fixture
def docs_dir(tmp_path: Path) -> Path:
    return tmp_path / "docs"
