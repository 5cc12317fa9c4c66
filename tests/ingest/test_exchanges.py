"""Exchange records: rule-based extraction, LLM refinement that cannot invent, and the Ingestor hook."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from api.services import Services
from core.filters import Filter, Match
from core.models import Chunk, DocMetadata
from ingest.chunking import chunk_document
from ingest.exchanges import extract_exchanges, refine_with_llm
from ingest.metadata import extract_metadata
from ingest.parsers import parse_file
from tests.conftest import make_settings

REPORT = """---
visibility: public
---
# Bericht: Workshop Hitzeaktionsplanung in Amman, 6.–8. November 2023

Mannheim, den 4. Dezember 2023

## Anlass

Vom 6.–8. November 2023 fand in Amman ein Workshop zur Hitzeaktionsplanung statt. Eingeladen hatte die
Großgemeinde Amman gemeinsam mit ihrer Partnerstadt Mannheim. Teilgenommen haben Fachleute aus Amman und
Irbid (Jordanien), Sfax (Tunesien) sowie aus Mannheim und Jena.

## Ergebnisse

- Amman erarbeitet 2024 einen Hitzeaktionsplan mit drei Säulen: Warnung, kühle Orte und Schatten, Wasser.
- In zwei Straßen im Stadtzentrum werden schattige Korridore mit Bäumen und Sonnensegeln angelegt.

## Nächste Schritte

Mannheim stellt seine Materialien zur Hitzewarnung bis März 2024 auf Englisch und Arabisch bereit.

## Kontakt

Dr. Petra Lindner, Stadt Mannheim, petra.lindner@mannheim-stadt.example
"""


def _prepare(tmp_path: Path, name: str, text: str) -> tuple[DocMetadata, list[Chunk], str]:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    doc = parse_file(path)
    meta = extract_metadata(doc, doc_id="d" * 32, content_hash="h", default_visibility="internal")
    return meta, chunk_document(doc, meta, size=120, overlap=20), text


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def test_german_report_gives_one_record_with_cited_fields(tmp_path: Path) -> None:
    meta, chunks, text = _prepare(tmp_path, "bericht.md", REPORT)
    records = extract_exchanges(meta, chunks)
    assert len(records) == 1
    r = records[0]
    assert r.event_type == "workshop"
    assert r.event_name == "Workshop Hitzeaktionsplanung"
    assert (r.start, r.end) == (date(2023, 11, 6), date(2023, 11, 8))
    assert r.host == "Amman" and r.host_country == "Jordan"
    assert {"Amman", "Irbid", "Sfax", "Mannheim", "Jena"} <= set(r.cities)
    countries = {p.name: p.country for p in r.participants if p.kind == "city"}
    assert countries["Irbid"] == "Jordan" and countries["Sfax"] == "Tunisia" and countries["Jena"] == "Germany"
    regions = {p.name: p.region for p in r.participants if p.kind == "city"}
    assert regions["Amman"] == "MENA" and regions["Mannheim"] == "Germany"
    assert "Großgemeinde Amman" in r.organisations
    assert any("Hitzeaktionsplan" in o for o in r.outcomes)
    assert any("Materialien" in n for n in r.next_steps)
    assert [c.email for c in r.contacts] == ["petra.lindner@mannheim-stadt.example"]
    assert "climate-adaptation" in r.topics
    assert r.visibility == "public" and r.doc_id == meta.doc_id

    chunk_by_id = {c.id: c for c in chunks}
    for key in ("event_type", "start", "host", "cities/Irbid", "outcomes/0", "next_steps/0", "contacts/0"):
        assert key in r.evidence, key
    for key, ev in r.evidence.items():
        chunk = chunk_by_id[ev.chunk_id]
        where = chunk.heading if ev.location == "heading" else chunk.text
        assert ev.quote in (where or ""), key
        assert _squash(ev.quote) in _squash(text), f"{key}: quote not verbatim in the source"


def test_body_event_without_event_in_title(tmp_path: Path) -> None:
    text = (
        "# Jena und Irbid wollen Wasserverluste halbieren\n\nVeröffentlicht am 14. Juni 2023\n\n"
        "Beim Auftaktbesuch einer Jenaer Delegation vom 5.–8. Juni 2023 in Irbid unterzeichneten beide Seiten "
        "eine Vereinbarung über die Zusammenarbeit bei der Wasserversorgung.\n"
    )
    meta, chunks, _ = _prepare(tmp_path, "meldung.md", text)
    [r] = extract_exchanges(meta, chunks)
    assert r.event_type == "study_tour"
    assert (r.start, r.end, r.host) == (date(2023, 6, 5), date(2023, 6, 8), "Irbid")
    assert set(r.cities) == {"Jena", "Irbid"}


def test_no_record_without_an_event(tmp_path: Path) -> None:
    meta, chunks, _ = _prepare(tmp_path, "notiz.md", "# Budget 2026\n\nDas Budget für Wasserprojekte in Kiel steigt.\n")
    assert extract_exchanges(meta, chunks) == []


class FakeLLM:
    """Answers with one supported and several unsupported facts, citing passages by their text."""

    def __init__(self) -> None:
        self.calls = 0

    def complete_model(self, messages: list[dict[str, Any]], output_cls: type) -> Any:
        self.calls += 1
        lines = messages[-1]["content"].splitlines()[1:]
        number = {line.split("] ", 1)[1][:30]: int(line[1 : line.index("]")]) for line in lines}
        outcome = next(n for t, n in number.items() if t.startswith(("- In zwei Straßen", "In zwei Straßen")))
        anlass = next(n for t, n in number.items() if t.startswith("Eingeladen hatte"))
        return output_cls.model_validate({"facts": [
            {"field": "organisation", "value": "Partnerstadt Mannheim", "passage": anlass},  # in the passage: kept
            {"field": "organisation", "value": "Stadtwerke Amman", "passage": anlass},  # invented: dropped
            {"field": "next_step", "value": "Amman eröffnet 2025 ein Hitzezentrum", "passage": outcome},  # invented
            {"field": "start", "value": "2023-11-07", "passage": outcome},  # not in that passage: dropped
            {"field": "host", "value": "Irbid", "passage": anlass},  # supported, but the rules already found a host
        ]})


def test_llm_values_must_be_found_in_the_cited_passage(tmp_path: Path) -> None:
    meta, chunks, _ = _prepare(tmp_path, "bericht.md", REPORT)
    [record] = extract_exchanges(meta, chunks)
    llm = FakeLLM()
    refined = refine_with_llm(record, meta, chunks, llm)
    assert llm.calls == 1
    assert refined.extractor == "rules+llm"
    assert "Partnerstadt Mannheim" in refined.organisations
    assert "Stadtwerke Amman" not in refined.organisations
    assert not any("Hitzezentrum" in n for n in refined.next_steps)
    assert refined.start == record.start and refined.host == "Amman", "rule values are never overridden"
    ev = refined.evidence["organisations/Partnerstadt Mannheim"]
    assert "Partnerstadt Mannheim" in " ".join(ev.quote.split())


def test_llm_failure_keeps_the_rule_record(tmp_path: Path) -> None:
    from core.errors import UpstreamError

    class Broken:
        def complete_model(self, *_: Any, **__: Any) -> Any:
            raise UpstreamError("no JSON")

    meta, chunks, _ = _prepare(tmp_path, "bericht.md", REPORT)
    [record] = extract_exchanges(meta, chunks)
    assert refine_with_llm(record, meta, chunks, Broken()) == record


@pytest.mark.parametrize("engine", ["edge", "client"])
def test_ingest_writes_replaces_and_removes_records(tmp_path: Path, engine: str) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    report = folder / "bericht.md"
    report.write_text(REPORT, encoding="utf-8")
    services = Services(make_settings(tmp_path, engine))
    try:
        services.ingest([folder])
        store = services.exchange_store
        [first] = list(store.iter_all())
        assert first.payload["kind"] == "exchange" and first.payload["source"] == str(report)
        assert first.payload["visibility"] == "public" and first.payload["event_type"] == "workshop"
        assert first.payload["event_dates"] == ["2023-11-06", "2023-11-08"]

        services.ingest([folder])  # unchanged: nothing rewritten
        assert [h.id for h in store.iter_all()] == [first.id]

        report.write_text(REPORT.replace("Sfax (Tunesien)", "Agadir (Marokko)"), encoding="utf-8")
        services.ingest([folder])
        [second] = list(store.iter_all())
        assert second.id != first.id, "a changed document's records are replaced"
        assert "Agadir" in second.payload["cities"] and "Sfax" not in second.payload["cities"]

        services.ingestor.remove_source(str(report))
        assert store.count(Filter(must=[Match("source", str(report))])) == 0
    finally:
        services.close()
