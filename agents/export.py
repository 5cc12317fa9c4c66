"""Fact sheets as Markdown, DOCX and PDF.

One renderer per format over the same :class:`FactSheet`, so the three
exports never disagree. Citations stay as ``[n]`` markers in the text and the
sources are a numbered list at the end (the numbers match the markers), which
reads the same in every format and survives copy-paste into e-mails.
The PDF embeds DejaVu Sans so umlauts, accents and Arabic letters render; the
core PDF fonts only cover Latin-1.
"""

from __future__ import annotations

import importlib.util
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Literal

from agents.lexicon import SECTION_HEADINGS
from agents.models import Citation, FactSheet
from core.errors import InvalidInput, ModelUnavailable

logger = logging.getLogger(__name__)

__all__ = ["FONT_PATH", "ExportFormat", "export_factsheet", "render_markdown", "source_line", "to_docx", "to_pdf"]

ExportFormat = Literal["md", "docx", "pdf"]
FONT_PATH = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
FONT_BOLD_PATH = FONT_PATH.with_name("DejaVuSans-Bold.ttf")


def source_line(citation: Citation) -> str:
    """``Title — source, p. 3`` for the sources list."""
    where = f", p. {citation.page}" if citation.page else ""
    return f"{citation.title} — {citation.source}{where}"


def _title(sheet: FactSheet) -> str:
    label = SECTION_HEADINGS.get(sheet.language, SECTION_HEADINGS["en"])["title"]
    return f"{label}: {sheet.topic}"


def _sources_heading(sheet: FactSheet) -> str:
    for section in sheet.sections:
        if section.key == "sources":
            return section.heading
    return "Sources"


def render_markdown(sheet: FactSheet) -> str:
    """The fact sheet as Markdown: ``#`` title, ``##`` sections, sentences with ``[n]``, numbered sources."""
    lines = [f"# {_title(sheet)}", ""]
    for section in sheet.sections:
        if section.key == "sources":
            continue
        lines += [f"## {section.heading}", ""]
        if section.sentences:
            lines += [f"- {s.render()}" for s in section.sentences]
        else:
            lines.append("—")
        lines.append("")
    lines += [f"## {_sources_heading(sheet)}", ""]
    lines += [f"{c.n}. {source_line(c)}" for c in sheet.citations]
    return "\n".join(lines).rstrip() + "\n"


def to_docx(sheet: FactSheet, path: Path) -> Path:
    """Write a DOCX with real headings (Title, Heading 1) and a numbered source list."""
    from docx import Document

    doc = Document()
    doc.core_properties.title = _title(sheet)
    doc.add_heading(_title(sheet), level=0)
    for section in sheet.sections:
        if section.key == "sources":
            continue
        doc.add_heading(section.heading, level=1)
        if not section.sentences:
            doc.add_paragraph("—")
        for sentence in section.sentences:
            doc.add_paragraph(sentence.render(), style="List Bullet")
    doc.add_heading(_sources_heading(sheet), level=1)
    for citation in sheet.citations:
        # "List Number" restarts oddly across documents; explicit numbers always match the [n] markers.
        doc.add_paragraph(f"[{citation.n}] {source_line(citation)}")
    doc.save(str(path))
    return path


def _require_font() -> Path:
    if not FONT_PATH.is_file():
        raise ModelUnavailable(
            f"PDF export needs the DejaVu Sans font at {FONT_PATH}: install the Debian package fonts-dejavu-core "
            "(apt-get install fonts-dejavu-core)"
        )
    return FONT_PATH


def to_pdf(sheet: FactSheet, path: Path) -> Path:
    """Write a PDF with DejaVu Sans (Unicode); Arabic is shaped when ``uharfbuzz`` is installed."""
    from fpdf import FPDF

    font = _require_font()
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_font("DejaVu", "", str(font))
    pdf.add_font("DejaVu", "B", str(FONT_BOLD_PATH if FONT_BOLD_PATH.is_file() else font))
    if importlib.util.find_spec("uharfbuzz") is not None:
        pdf.set_text_shaping(True)  # right-to-left order and joined Arabic letter forms
    pdf.set_title(_title(sheet))
    pdf.add_page()
    width = pdf.w - pdf.l_margin - pdf.r_margin

    def write(text: str, size: float, style: str = "", gap: float = 1.5) -> None:
        pdf.set_font("DejaVu", style, size)
        pdf.multi_cell(width, size * 0.5, text, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(gap)

    write(_title(sheet), 16, "B", 3)
    for section in sheet.sections:
        if section.key == "sources":
            continue
        write(section.heading, 13, "B")
        if not section.sentences:
            write("—", 10)
        for sentence in section.sentences:
            write(f"• {sentence.render()}", 10, "", 1)
        pdf.ln(2)
    write(_sources_heading(sheet), 13, "B")
    for citation in sheet.citations:
        write(f"[{citation.n}] {source_line(citation)}", 9, "", 0.5)
    pdf.output(str(path))
    return path


_WRITERS: dict[str, Callable[[FactSheet, Path], Path]] = {"docx": to_docx, "pdf": to_pdf}


def export_factsheet(sheet: FactSheet, fmt: ExportFormat, out: Path) -> Path:
    """Write ``sheet`` to ``out`` in ``fmt`` (md, docx or pdf) and return the path."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "md":
        out.write_text(sheet.markdown or render_markdown(sheet), encoding="utf-8")
        return out
    writer = _WRITERS.get(fmt)
    if writer is None:
        raise InvalidInput(f"unknown fact sheet format {fmt!r}; use md, docx or pdf")
    logger.info("writing fact sheet %r as %s to %s", sheet.topic, fmt, out)
    return writer(sheet, out)
