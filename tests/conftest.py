"""Shared fixtures: small generated documents and real indexes in tmp dirs."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# Tests never read a developer's .env or environment overrides by accident.
for _key in [k for k in os.environ if k.startswith("CCASSIST_")]:
    del os.environ[_key]

from core.settings import Settings

ENGINES = ["edge", "client"]


def make_settings(tmp_path: Path, engine: str = "edge", **overrides: object) -> Settings:
    """Settings with the index and data dirs in ``tmp_path``; ``engine='client'`` uses qdrant-client in-process."""
    values: dict[str, object] = {
        "index_path": tmp_path / "index",
        "data_dir": tmp_path / "data",
        "default_visibility": "public",
    }
    if engine == "client":
        values["qdrant_url"] = f"local:{tmp_path / 'qdrant-local'}"
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture(params=ENGINES)
def engine(request: pytest.FixtureRequest) -> str:
    return str(request.param)


SAMPLE_DOCS = {
    "aufruf.md": """---
visibility: public
---
# Aufruf zur Teilnahme: Naturbasierte Lösungen gegen Starkregen

Stand: 3. November 2026

Das Programm sucht Städte, die naturbasierte Lösungen gegen Starkregen erproben wollen.
Die Bewerbungsfrist endet am 7. Februar 2027. Ansprechpartnerin ist Dr. Lena Brandt (lena.brandt@example.org).
""",
    "report.md": """---
visibility: members
---
# Workshop report: Flood resilience in Kisumu

Published: 4 June 2025

From 12–14 May 2025 delegations from Kisumu (Kenya) and Leipzig met in Kisumu to discuss flood early warning.
The partners agreed to build a shared sensor network along the Nyando river.
""",
    "notiz.txt": """Interne Notiz Lenkungskreis

Die Lenkungsgruppe beschließt, das Budget für Wasserstoffprojekte in Kiel um 20 Prozent zu erhöhen.
""",
}


@pytest.fixture
def sample_dir(tmp_path: Path) -> Path:
    """A folder with three small documents in two languages and three visibilities."""
    folder = tmp_path / "docs"
    folder.mkdir()
    for name, text in SAMPLE_DOCS.items():
        (folder / name).write_text(text, encoding="utf-8")
    (folder / "notiz.txt.meta.yaml").write_text("visibility: internal\n", encoding="utf-8")
    return folder


CORPUS = ROOT / "corpus"


@pytest.fixture(scope="session")
def corpus_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample corpus ingested once per test session into a real Qdrant Edge index."""
    from api.services import Services

    base = tmp_path_factory.mktemp("corpus-index")
    services = Services(make_settings(base, default_visibility="internal"))
    try:
        report = services.ingest([CORPUS])
    finally:
        services.close()
    assert not report.failed, report.failed
    return base


@pytest.fixture(scope="session")
def corpus_services(corpus_index: Path):  # type: ignore[no-untyped-def]
    """Services over the session's corpus index (one opener per process: the shard is locked)."""
    from api.services import Services

    services = Services(make_settings(corpus_index, default_visibility="internal"))
    yield services
    services.close()
