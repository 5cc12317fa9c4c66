"""Parsers: every format, every named failure; fixtures are generated per test in tmp_path."""

from __future__ import annotations

import shutil
import struct
import zipfile
import zlib
from pathlib import Path

import pytest

from core.errors import FileTooLarge, ParseError, UnsupportedFormat
from core.models import ParsedDocument
from ingest.parsers import SUPPORTED_EXTENSIONS, detect_format, is_sidecar, parse_file
from ingest.parsers._common import meaningful_title

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
NEXT = {"new_x": "LMARGIN", "new_y": "NEXT"}


# --------------------------------------------------------------------------- fixtures
def _german_pdf(path: Path, *, title: str | None = "Klimaanpassung in Städten") -> Path:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_font("DejaVu", "", str(FONT))
    if title:
        pdf.set_title(title)
    pdf.add_page()
    pdf.set_font("DejaVu", size=18)
    pdf.cell(0, 10, "Einführung", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", size=11)
    intro = "Die Städte Köln und München arbeiten gemeinsam an der Klima-\nanpassung ihrer Quartiere."
    pdf.multi_cell(0, 6, intro, **NEXT)
    pdf.multi_cell(0, 6, "Grünflächen über Straßen senken die Temperatur. " * 3, **NEXT)
    pdf.add_page()
    pdf.set_font("DejaVu", size=18)
    pdf.cell(0, 10, "Ergebnisse", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", size=11)
    pdf.multi_cell(0, 6, "Auf der zweiten Seite: Übersicht der Maßnahmen in Düsseldorf.", **NEXT)
    pdf.output(str(path))
    return path


def _encrypted_pdf(src: Path, dst: Path, *, user_password: str) -> Path:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for page in PdfReader(src).pages:
        writer.add_page(page)
    writer.encrypt(user_password=user_password, owner_password="owner-secret")
    with dst.open("wb") as fh:
        writer.write(fh)
    return dst


def _png_1x1() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixel = zlib.compress(b"\x00\xff\x00\x00")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", pixel) + chunk(b"IEND", b"")


def _docx(path: Path, *, core_title: str | None = "Jahresbericht Städtenetzwerk") -> Path:
    import docx

    document = docx.Document()
    if core_title:
        document.core_properties.title = core_title
    document.add_paragraph("Bericht über Klimaanpassung", style="Title")
    document.add_heading("Einleitung", level=1)
    document.add_paragraph("Die Städte Köln und Düsseldorf tauschen sich über Grünflächen aus.")
    document.add_paragraph("Dachbegrünung", style="List Bullet")
    document.add_paragraph("Regenwassernutzung", style="List Bullet")
    document.add_heading("Maßnahmen", level=2)
    table = document.add_table(rows=2, cols=3)
    for r, row in enumerate([("Stadt", "Maßnahme", "Jahr"), ("München", "Entsiegelung", "2025")]):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    document.add_paragraph("Nach der Tabelle folgt ein Schlusswort.")
    image = path.parent / "pixel.png"
    image.write_bytes(_png_1x1())
    document.add_picture(str(image))
    document.add_heading("Ausblick", level=3)
    document.add_paragraph("Im Jahr 2026 geht es weiter.")
    document.save(str(path))
    return path


HTML_PAGE = """<!DOCTYPE html>
<html lang="de"><head><meta charset="utf-8"><title>Aufruf 2026 | Städtenetzwerk</title>
<meta property="og:title" content="Aufruf: Klimaanpassung 2026"><script>var tracking = 1;</script></head>
<body>
<nav><ul><li><a href="/">Startseite</a></li><li><a href="/aktuelles">Aktuelles</a></li></ul></nav>
<div id="cookie-banner">Wir verwenden Cookies. <button>Alle akzeptieren</button></div>
<main><article>
<h1>Aufruf zur Klimaanpassung</h1>
<p>Die Städte Köln und München laden zur Einreichung von Projekten ein. Bewerbungsschluss ist der
7. Februar 2026. Teilnehmen können alle Mitgliedsstädte des Netzwerks in Deutschland und Frankreich.</p>
<h2>Förderung</h2>
<p>Gefördert werden Maßnahmen zur Begrünung von Straßen und Plätzen, mit bis zu 50.000 Euro pro Projekt
und einer Laufzeit von höchstens zwei Jahren.</p>
<ul><li>Dachbegrünung</li><li>Entsiegelung von Schulhöfen</li></ul>
<h3>Kontakt</h3>
<p>Fragen bitte an info@example.org oder telefonisch unter 0221 123456 an das Sekretariat.</p>
</article></main>
<footer>© 2026 Städtenetzwerk · Impressum · Datenschutzerklärung</footer>
</body></html>
"""

MARKDOWN = """---
title: Strategie 2030
doc_type: strategy
visibility: public
tags: [klima, mobilität]
---

# Unsere Strategie

Die **Städte** arbeiten _gemeinsam_ an [Klimaanpassung](https://example.org/klima) und
![Logo](logo.png) nachhaltiger Mobilität. Siehe `code` und snake_case_name.

## Ziele

- Mehr Grünflächen in Köln
- Weniger Autoverkehr in München
1. Erster Schritt

```
# kein Heading im Code
```

[ref]: https://example.org
"""

TXT_GERMAN = (
    "Bericht über Grünflächen\n\n"
    "EINLEITUNG\nDie Städte Köln und Düsseldorf prüfen Maßnahmen.\n\n"
    "Ergebnisse\n==========\nÜberall wurden Bäume gepflanzt.\n"
)


# --------------------------------------------------------------------------- PDF
def test_pdf_pages_headings_title_and_umlauts(tmp_path: Path) -> None:
    doc = parse_file(_german_pdf(tmp_path / "bericht.pdf"))
    assert isinstance(doc, ParsedDocument)
    assert doc.format == "pdf"
    assert doc.title == "Klimaanpassung in Städten"
    assert {s.page for s in doc.sections} == {1, 2}
    page1 = " ".join(s.text for s in doc.sections if s.page == 1)
    page2 = " ".join(s.text for s in doc.sections if s.page == 2)
    assert "Klimaanpassung ihrer Quartiere" in page1  # hyphenated line break joined
    assert "Grünflächen über Straßen" in page1
    assert "Düsseldorf" in page2 and "Übersicht" in page2
    assert next(s.heading for s in doc.sections if s.page == 1) == "Einführung"
    assert next(s.heading for s in doc.sections if s.page == 2) == "Ergebnisse"
    assert doc.source == str(tmp_path / "bericht.pdf")


def test_pdf_bold_headings_and_running_header_footer_removed(tmp_path: Path) -> None:
    from fpdf import FPDF

    class Letter(FPDF):
        def header(self) -> None:
            self.set_font("DejaVu", "", 8)
            self.cell(0, 6, "Städtepartnerschaftsprogramm „Städte lernen von Städten“", **NEXT)

        def footer(self) -> None:
            self.set_y(-14)
            self.set_font("DejaVu", "", 8)
            self.cell(0, 8, f"Seite {self.page_no()} von {{nb}}", align="C")

    pdf = Letter()
    pdf.add_font("DejaVu", "", str(FONT))
    pdf.add_font("DejaVu", "B", str(FONT.with_name("DejaVuSans-Bold.ttf")))
    pdf.alias_nb_pages()
    for page, (heading, body) in enumerate(
        [("Anmeldung", "Bitte melden Sie sich bis zum 10. Oktober 2025 an."), ("Kontakt", "Jonas Brenner, Bonn.")]
    ):
        pdf.add_page()
        pdf.set_font("DejaVu", "B", 11)  # same size as the body: only the weight marks the heading
        pdf.multi_cell(0, 6, heading, **NEXT)
        pdf.set_font("DejaVu", "", 10.5)
        pdf.multi_cell(0, 5.6, "• erster Punkt\n• zweiter Punkt" if page else body, **NEXT)
    path = tmp_path / "brief.pdf"
    pdf.output(str(path))
    doc = parse_file(path)
    assert [(s.page, s.heading) for s in doc.sections] == [(1, "Anmeldung"), (2, "Kontakt")]
    assert "Städtepartnerschaftsprogramm" not in doc.text and "Seite" not in doc.text
    assert doc.sections[1].text == "• erster Punkt\n• zweiter Punkt"


def test_pdf_contact_block_keeps_one_person_per_paragraph(tmp_path: Path) -> None:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_font("DejaVu", "", str(FONT))
    pdf.add_page()
    pdf.set_font("DejaVu", size=11)
    lines = [
        "Jonas Brenner, Referent Klimaanpassung und naturbasierte Lösungen, Servicestelle",
        "jonas.brenner@staedtepartner-programm.example, Telefon +49 228 555 0152",
        "Stefan Hollmann, Leiter der Koordinierungsstelle Klimaanpassung, Bundesstadt Bonn",
        "stefan.hollmann@bonn-stadt.example",
        "Telefon 0228 555 7730",
        "oder per E-Mail, werktags ab 9 Uhr.",
    ]
    pdf.multi_cell(0, 6, "\n".join(lines), **NEXT)
    path = tmp_path / "kontakt.pdf"
    pdf.output(str(path))
    paragraphs = parse_file(path).text.split("\n\n")
    # a person's entry ends after their contact details, which may wrap ("…example" / "Telefon …");
    # a lowercase line continues the sentence
    assert [p.split(",")[0] for p in paragraphs] == ["Jonas Brenner", "Stefan Hollmann"]
    assert paragraphs[1].endswith("bonn-stadt.example Telefon 0228 555 7730 oder per E-Mail, werktags ab 9 Uhr.")


def test_pdf_source_override_and_placeholder_title(tmp_path: Path) -> None:
    path = _german_pdf(tmp_path / "x.pdf", title="Microsoft Word - Entwurf_v3.docx")
    doc = parse_file(path, source="corpus/x.pdf")
    assert doc.source == "corpus/x.pdf"
    assert doc.title is None
    assert meaningful_title("Untitled") is None
    assert meaningful_title("  Aufruf 2026  ") == "Aufruf 2026"


def test_pdf_encrypted_with_user_password(tmp_path: Path) -> None:
    path = _encrypted_pdf(_german_pdf(tmp_path / "a.pdf"), tmp_path / "locked.pdf", user_password="geheim")
    with pytest.raises(ParseError, match=r"encrypted PDF \(password required\)"):
        parse_file(path)


def test_pdf_encrypted_with_empty_user_password_is_read(tmp_path: Path) -> None:
    path = _encrypted_pdf(_german_pdf(tmp_path / "a.pdf"), tmp_path / "owner-only.pdf", user_password="")
    doc = parse_file(path)
    assert {s.page for s in doc.sections} == {1, 2}
    assert "München" in doc.text


def test_pdf_truncated(tmp_path: Path) -> None:
    data = _german_pdf(tmp_path / "a.pdf").read_bytes()
    path = tmp_path / "truncated.pdf"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ParseError, match=r"truncated|corrupt"):
        parse_file(path)


def test_pdf_garbage(tmp_path: Path) -> None:
    path = tmp_path / "garbage.pdf"
    path.write_bytes(bytes(range(256)) * 20)
    with pytest.raises(ParseError, match="not a PDF"):
        parse_file(path)
    path.write_bytes(b"%PDF-1.7\n" + b"\x13\x37 nonsense " * 200)
    with pytest.raises(ParseError, match="PDF"):
        parse_file(path)


def test_pdf_without_text_layer(tmp_path: Path) -> None:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.rect(20, 20, 100, 50, style="F")  # a drawing, no text: what a scan looks like to pypdf
    path = tmp_path / "scan.pdf"
    pdf.output(str(path))
    with pytest.raises(ParseError, match="no text layer") as info:
        parse_file(path)
    if shutil.which("tesseract") is None:
        assert "tesseract-ocr-deu" in str(info.value)


# --------------------------------------------------------------------------- DOCX
def test_docx_headings_table_order_and_title(tmp_path: Path) -> None:
    doc = parse_file(_docx(tmp_path / "bericht.docx"))
    assert doc.format == "docx"
    assert doc.title == "Jahresbericht Städtenetzwerk"
    headings = [s.heading for s in doc.sections]
    assert headings == ["Einleitung", "Maßnahmen", "Ausblick"]
    einleitung = doc.sections[0].text
    assert "Köln und Düsseldorf" in einleitung
    assert einleitung.endswith("aus.\n\n- Dachbegrünung\n- Regenwassernutzung")
    massnahmen = doc.sections[1].text
    assert "Stadt | Maßnahme | Jahr\nMünchen | Entsiegelung | 2025" in massnahmen
    assert massnahmen.index("München | Entsiegelung") < massnahmen.index("Schlusswort")


def test_docx_title_falls_back_to_title_style(tmp_path: Path) -> None:
    doc = parse_file(_docx(tmp_path / "ohne.docx", core_title=None))
    assert doc.title == "Bericht über Klimaanpassung"


def test_docx_zip_bomb_rejected(tmp_path: Path) -> None:
    path = tmp_path / "bomb.docx"
    chunk = bytes(1024 * 1024)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", "<w:document/>")
        with zf.open("word/media/zeros.bin", "w", force_zip64=True) as member:
            for _ in range(300):
                member.write(chunk)
    assert path.stat().st_size < 2 * 1024 * 1024
    with pytest.raises(ParseError, match="suspicious archive"):
        parse_file(path)


def test_docx_corrupt_and_not_word(tmp_path: Path) -> None:
    path = tmp_path / "broken.docx"
    path.write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    with pytest.raises(ParseError, match="corrupt or truncated DOCX"):
        parse_file(path)
    other = tmp_path / "archive.docx"
    with zipfile.ZipFile(other, "w") as zf:
        zf.writestr("readme.txt", "hallo")
    with pytest.raises(ParseError, match=r"word/document\.xml"):
        parse_file(other)
    plain = tmp_path / "plain.docx"
    plain.write_text("Ich bin gar kein Word-Dokument.", encoding="utf-8")
    with pytest.raises(ParseError, match="not a zip"):
        parse_file(plain)


# --------------------------------------------------------------------------- HTML
def test_html_boilerplate_removed_headings_kept(tmp_path: Path) -> None:
    path = tmp_path / "aufruf.html"
    path.write_text(HTML_PAGE, encoding="utf-8")
    doc = parse_file(path)
    assert doc.format == "html"
    assert doc.title in {"Aufruf: Klimaanpassung 2026", "Aufruf 2026 | Städtenetzwerk", "Aufruf zur Klimaanpassung"}
    text = doc.text
    assert "Bewerbungsschluss ist der" in text and "Straßen" in text
    for boiler in ("Startseite", "Cookies", "Impressum", "tracking"):
        assert boiler not in text
    headings = [s.heading for s in doc.sections]
    assert "Förderung" in headings and "Kontakt" in headings
    foerderung = next(s for s in doc.sections if s.heading == "Förderung")
    assert "Dachbegrünung" in foerderung.text


def test_html_fallback_for_short_page_and_cp1252(tmp_path: Path) -> None:
    path = tmp_path / "kurz.htm"
    html = (
        '<html><head><meta charset="windows-1252"><title>Kurzmeldung</title></head><body>'
        "<nav>Menü</nav><h1>Grüße aus Köln</h1><p>Ein kurzer Satz über Bäume.</p>"
        "<footer>Impressum</footer></body></html>"
    )
    path.write_bytes(html.encode("cp1252"))
    doc = parse_file(path)
    assert "Bäume" in doc.text
    assert "Impressum" not in doc.text and "Menü" not in doc.text
    assert doc.title in {"Kurzmeldung", "Grüße aus Köln"}


def test_html_only_scripts(tmp_path: Path) -> None:
    path = tmp_path / "app.html"
    path.write_text("<html><head><script>var a = 1;</script></head><body><script>render()</script></body></html>")
    with pytest.raises(ParseError, match="no text"):
        parse_file(path)


def test_html_deeply_nested_does_not_crash(tmp_path: Path) -> None:
    path = tmp_path / "deep.html"
    depth = 10_000
    path.write_text(
        "<html><body><p>Einleitender Absatz über Städte und Klima in Europa.</p>"
        + "<div>" * depth
        + "tief verschachtelt"
        + "</div>" * depth
        + "</body></html>"
    )
    try:
        doc = parse_file(path)
    except ParseError:
        return
    assert "Einleitender Absatz" in doc.text


def test_html_content_sniffed_in_txt(tmp_path: Path) -> None:
    path = tmp_path / "download.txt"
    path.write_text(HTML_PAGE, encoding="utf-8")
    assert detect_format(path) == "html"
    assert parse_file(path).format == "html"


# --------------------------------------------------------------------------- Markdown
def test_markdown_front_matter_headings_and_stripping(tmp_path: Path) -> None:
    path = tmp_path / "strategie.md"
    path.write_text(MARKDOWN, encoding="utf-8")
    doc = parse_file(path)
    assert doc.format == "md"
    assert doc.title == "Strategie 2030"
    assert doc.front_matter["doc_type"] == "strategy"
    assert doc.front_matter["tags"] == ["klima", "mobilität"]
    assert [s.heading for s in doc.sections] == ["Unsere Strategie", "Ziele"]
    intro = doc.sections[0].text
    assert "Die Städte arbeiten gemeinsam an Klimaanpassung und" in intro
    assert "https://" not in intro and "**" not in intro and "logo.png" not in intro
    assert "snake_case_name" in intro
    ziele = doc.sections[1].text
    assert "- Mehr Grünflächen in Köln" in ziele and "1. Erster Schritt" in ziele
    assert "# kein Heading im Code" in ziele
    assert "example.org" not in ziele


def test_markdown_invalid_front_matter_is_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "kaputt.md"
    path.write_text("---\ntitle: [unclosed\n---\n# Erster Titel\n\nText über Straßen.\n", encoding="utf-8")
    doc = parse_file(path)
    assert doc.front_matter == {}
    assert any("front matter" in w for w in doc.warnings)
    assert doc.title == "Erster Titel"
    assert "Straßen" in doc.text


# --------------------------------------------------------------------------- text
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252", "latin-1", "utf-16", "utf-16-le", "utf-32"])
def test_text_encodings(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / f"bericht-{encoding}.txt"
    path.write_bytes(TXT_GERMAN.replace("\n", "\r\n").encode(encoding))
    doc = parse_file(path)
    assert doc.format == "txt"
    assert doc.title == "Bericht über Grünflächen"
    assert "Die Städte Köln und Düsseldorf prüfen Maßnahmen." in doc.text
    assert "Überall" in doc.text
    assert "\r" not in doc.text
    headings = [s.heading for s in doc.sections]
    assert "EINLEITUNG" in headings and "Ergebnisse" in headings


@pytest.mark.parametrize(
    ("text", "encoding"),
    [("Grüße aus Köln", "cp1252"), ("Straße", "cp1252"), ("التكيف مع المناخ في المدن العربية", "cp1256")],
)
def test_text_short_legacy_encodings(tmp_path: Path, text: str, encoding: str) -> None:
    path = tmp_path / "kurz.txt"
    path.write_bytes(text.encode(encoding))
    assert parse_file(path).text == text


def test_text_underlined_headings_and_lists(tmp_path: Path) -> None:
    path = tmp_path / "bericht.txt"
    path.write_text(
        "Bericht 2025\n============\n\nEinleitung des Berichts.\n\nZiele\n-----\n\n"
        "  - mehr Grün\n  - weniger Hitze\n\nDetails\n~~~~~~~\n\nKöln 7. Februar 2026\n",
        encoding="utf-8",
    )
    doc = parse_file(path)
    assert doc.title == "Bericht 2025"
    assert [s.heading for s in doc.sections] == ["Bericht 2025", "Ziele", "Details"]
    assert doc.sections[1].text == "- mehr Grün\n- weniger Hitze"
    assert doc.sections[2].text == "Köln 7. Februar 2026"


def test_text_labelled_values_are_not_headings(tmp_path: Path) -> None:
    """"Einsendeschluss: 30.09.2024" on its own line is a field of the call, not a section title."""
    path = tmp_path / "aufruf.txt"
    path.write_text(
        "Aufruf Stadtgrün\n================\n\nDie Städte reichen Projektideen ein.\n\n"
        "Einsendeschluss: 30.09.2024\n\nMaria Muster, Servicestelle.\n",
        encoding="utf-8",
    )
    doc = parse_file(path)
    assert [s.heading for s in doc.sections] == ["Aufruf Stadtgrün"]
    assert "Einsendeschluss: 30.09.2024" in doc.sections[0].text


def test_text_normalises_unicode_and_controls(tmp_path: Path) -> None:
    path = tmp_path / "mac.txt"
    path.write_bytes("Cafe\u0301 in Ko\u0308ln\x07\rzweite Zeile\tmit Tab\r".encode("utf-8"))
    doc = parse_file(path)
    assert "Café in Köln" in doc.text
    assert "\x07" not in doc.text
    assert "Köln\nzweite Zeile\tmit Tab" in doc.text


def test_text_arabic_and_french(tmp_path: Path) -> None:
    path = tmp_path / "multi.txt"
    path.write_text("التكيف مع المناخ في المدن العربية.\n\nL'adaptation au climat à Montréal et Besançon.\n", "utf-8")
    doc = parse_file(path)
    assert "التكيف مع المناخ" in doc.text and "Besançon" in doc.text


def test_large_text_is_split_into_sections(tmp_path: Path) -> None:
    path = tmp_path / "gross.txt"
    para = "Die Städte arbeiten an Grünflächen und Straßenbäumen in ganz Europa. " * 20 + "\n\n"
    with path.open("w", encoding="utf-8") as fh:
        for _ in range(3000):  # ~4 MB
            fh.write(para)
    doc = parse_file(path)
    assert len(doc.sections) >= 3
    assert sum(len(s.text) for s in doc.sections) > 3_500_000


# --------------------------------------------------------------------------- failures and dispatch
def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "leer.pdf"
    path.touch()
    with pytest.raises(ParseError, match=r"empty file \(0 bytes\)"):
        parse_file(path)


def test_binary_txt(tmp_path: Path) -> None:
    path = tmp_path / "daten.txt"
    path.write_bytes(bytes(range(256)) * 10)
    with pytest.raises(ParseError, match=r"binary content in a \.txt file"):
        parse_file(path)


def test_unsupported_extension(tmp_path: Path) -> None:
    path = tmp_path / "notes.xyz"
    path.write_text("Irgendein Text.", encoding="utf-8")
    with pytest.raises(UnsupportedFormat, match=r"\.xyz"):
        parse_file(path)
    binary = tmp_path / "blob.xyz"
    binary.write_bytes(b"\x00\x01\x02" * 100)
    with pytest.raises(UnsupportedFormat):
        parse_file(binary)
    image = tmp_path / "bild.txt"
    image.write_bytes(_png_1x1())
    with pytest.raises(UnsupportedFormat, match="PNG"):
        parse_file(image)


def test_file_too_large(tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    path.write_text("x" * 2000, encoding="utf-8")
    with pytest.raises(FileTooLarge, match="too large"):
        parse_file(path, max_bytes=1000)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ParseError, match="not found"):
        parse_file(tmp_path / "nope.txt")


def test_pdf_content_wins_over_extension(tmp_path: Path) -> None:
    pdf = _german_pdf(tmp_path / "a.pdf")
    disguised = tmp_path / "export.txt"
    disguised.write_bytes(pdf.read_bytes())
    doc = parse_file(disguised)
    assert doc.format == "pdf" and {s.page for s in doc.sections} == {1, 2}


# --------------------------------------------------------------------------- sidecars
def test_sidecar_merged_under_front_matter(tmp_path: Path) -> None:
    pdf = _german_pdf(tmp_path / "bericht.pdf")
    (tmp_path / "bericht.pdf.meta.yaml").write_text("doc_type: report\nvisibility: members\n", encoding="utf-8")
    doc = parse_file(pdf)
    assert doc.front_matter == {"doc_type": "report", "visibility": "members"}

    md = tmp_path / "strategie.md"
    md.write_text(MARKDOWN, encoding="utf-8")
    (tmp_path / "strategie.meta.json").write_text('{"visibility": "internal", "region": "NRW"}', encoding="utf-8")
    doc = parse_file(md)
    assert doc.front_matter["visibility"] == "public"  # the document's own front matter wins
    assert doc.front_matter["region"] == "NRW"


def test_invalid_sidecar_is_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "notiz.txt"
    path.write_text(TXT_GERMAN, encoding="utf-8")
    (tmp_path / "notiz.txt.meta.yml").write_text("- just\n- a list\n", encoding="utf-8")
    doc = parse_file(path)
    assert doc.front_matter == {}
    assert any("not a mapping" in w for w in doc.warnings)


def test_is_sidecar_and_extensions(tmp_path: Path) -> None:
    assert is_sidecar(Path("a/report.pdf.meta.yaml"))
    assert is_sidecar(Path("report.META.JSON"))
    assert is_sidecar(Path("report.meta.yml"))
    assert not is_sidecar(Path("report.yaml"))
    assert not is_sidecar(Path("meta.yaml"))
    assert {".pdf", ".docx", ".html", ".md", ".txt"} <= SUPPORTED_EXTENSIONS
    sidecar = tmp_path / "x.meta.yaml"
    sidecar.write_text("a: 1\n")
    with pytest.raises(UnsupportedFormat, match="sidecar"):
        parse_file(sidecar)


def test_source_is_the_path_as_given(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "notiz.txt").write_text(TXT_GERMAN, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert parse_file("./docs/notiz.txt").source == "./docs/notiz.txt"


def test_exported_names() -> None:
    from ingest import parsers

    assert all(hasattr(parsers, name) for name in parsers.__all__)
    assert {"parse_file", "is_sidecar", "SUPPORTED_EXTENSIONS"} <= set(parsers.__all__)
