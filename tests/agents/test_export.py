"""Fact-sheet exports read back: DOCX headings via python-docx, PDF text with umlauts via pypdf."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from agents import export
from agents.export import export_factsheet, render_markdown
from agents.models import Citation, FactSheet, FactSheetSection, Sentence
from core.errors import InvalidInput, ModelUnavailable


@pytest.fixture
def sheet() -> FactSheet:
    expired = Sentence(text="Bewerbungsfrist: 15. Mai 2026", citations=[2])
    expired.add_note("Frist abgelaufen")
    sections = [
        FactSheetSection(heading="Zusammenfassung", key="summary", sentences=[
            Sentence(text="Kisumu und Bonn arbeiten seit 2019 zur Klimaanpassung zusammen.", citations=[1])]),
        FactSheetSection(heading="Offene Ausschreibungen und Fristen", key="calls", sentences=[
            expired]),
        FactSheetSection(heading="Kontakte", key="contacts", sentences=[
            Sentence(text="Grüße aus Köln und عمّان: Jonas Brenner, jonas.brenner@example.org", citations=[1])]),
        FactSheetSection(heading="Quellen", key="sources"),
    ]
    citations = [
        Citation(n=1, doc_id="a", source="corpus/a.pdf", title="Dokumentation Netzwerktreffen", quote="…", page=2),
        Citation(n=2, doc_id="b", source="corpus/b.docx", title="Aufruf Naturbasierte Lösungen", quote="…"),
    ]
    sheet = FactSheet(topic="Klimaanpassung", sections=sections, citations=citations, language="de",
                      generated=date(2026, 11, 25))
    sheet.markdown = render_markdown(sheet)
    return sheet


def test_markdown_has_sections_citations_and_numbered_sources(sheet: FactSheet) -> None:
    md = sheet.markdown
    assert md.startswith("# Faktenblatt: Klimaanpassung")
    assert "## Offene Ausschreibungen und Fristen" in md
    assert "- Bewerbungsfrist: 15. Mai 2026 (Frist abgelaufen) [2]" in md
    assert "1. Dokumentation Netzwerktreffen — corpus/a.pdf, p. 2" in md


def test_docx_reads_back(sheet: FactSheet, tmp_path: Path) -> None:
    from docx import Document

    path = export_factsheet(sheet, "docx", tmp_path / "sheet.docx")
    doc = Document(str(path))
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith(("Heading", "Title"))]
    assert "Faktenblatt: Klimaanpassung" in headings
    assert "Kontakte" in headings and "Quellen" in headings
    body = "\n".join(p.text for p in doc.paragraphs)
    assert "[1] Dokumentation Netzwerktreffen — corpus/a.pdf, p. 2" in body
    assert "(Frist abgelaufen) [2]" in body


def test_pdf_reads_back_with_umlauts(sheet: FactSheet, tmp_path: Path) -> None:
    from pypdf import PdfReader

    path = export_factsheet(sheet, "pdf", tmp_path / "sheet.pdf")
    text = "\n".join(page.extract_text() for page in PdfReader(str(path)).pages)
    assert "Faktenblatt: Klimaanpassung" in text
    assert "Grüße aus Köln" in text
    assert "Naturbasierte Lösungen" in text


def test_missing_font_names_the_debian_package(sheet: FactSheet, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(export, "FONT_PATH", tmp_path / "missing.ttf")
    with pytest.raises(ModelUnavailable, match="fonts-dejavu-core"):
        export_factsheet(sheet, "pdf", tmp_path / "sheet.pdf")


def test_markdown_export_and_unknown_format(sheet: FactSheet, tmp_path: Path) -> None:
    path = export_factsheet(sheet, "md", tmp_path / "sub" / "sheet.md")
    assert path.read_text(encoding="utf-8") == sheet.markdown
    with pytest.raises(InvalidInput):
        export_factsheet(sheet, "odt", tmp_path / "x.odt")  # type: ignore[arg-type]
