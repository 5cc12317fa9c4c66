"""DOCX: paragraphs and tables in document order, grouped under Heading 1–3.

A DOCX is a zip archive, and python-docx reads every part into memory, so a
hostile or broken archive (a "zip bomb") could exhaust memory before a single
word is read. The archive's directory is therefore checked first, and media
and embedded objects are replaced by empty parts before python-docx sees the
package: images are never loaded, and image-heavy reports stay cheap.
"""

from __future__ import annotations

import io
import logging
import re
import zipfile
from pathlib import Path
from typing import Any

from core.errors import ParseError
from core.models import ParsedDocument, Section
from ingest.parsers._common import build_document, clean_line, format_size, meaningful_title

log = logging.getLogger(__name__)

MAX_UNCOMPRESSED = 200 * 1024 * 1024
MAX_RATIO = 100
MAX_MEMBERS = 10_000
# Ratios are only checked on members big enough to matter: a few KB of
# repetitive XML can legitimately compress 100-fold.
RATIO_MIN_SIZE = 1024 * 1024

_HEADING_RE = re.compile(r"^(?:heading|überschrift|titre|título|titolo)\s*([1-9])$", re.IGNORECASE)
_TITLE_STYLES = frozenset({"title", "titel", "titre"})
_BINARY_DIRS = ("word/media/", "word/embeddings/", "customXml/media/")
_BINARY_EXT_RE = re.compile(
    r"\.(png|jpe?g|gif|bmp|tiff?|emf|wmf|svg|wdp|jxr|ico|webp|bin|ole|xlsx|xlsm|pptx|docx|mp4|mov|wav|mp3|avi|odttf|ttf)$",
    re.IGNORECASE,
)


def check_archive(zf: zipfile.ZipFile) -> None:
    """Reject archives that would expand to too much data (zip bombs) or are not Word files."""
    infos = zf.infolist()
    if len(infos) > MAX_MEMBERS:
        raise ParseError(f"suspicious archive: {len(infos)} members in a DOCX (limit {MAX_MEMBERS})")
    total = 0
    for info in infos:
        total += info.file_size
        if info.file_size >= RATIO_MIN_SIZE:
            ratio = info.file_size / max(info.compress_size, 1)
            if ratio > MAX_RATIO:
                raise ParseError(
                    f"suspicious archive: member {info.filename!r} expands {ratio:.0f}-fold "
                    f"to {format_size(info.file_size)} (zip bomb?)"
                )
    if total > MAX_UNCOMPRESSED:
        raise ParseError(
            f"suspicious archive: DOCX expands to {format_size(total)} (limit {format_size(MAX_UNCOMPRESSED)})"
        )
    if "word/document.xml" not in zf.namelist():
        raise ParseError("not a Word document (zip archive without word/document.xml)")


def _is_binary_part(name: str) -> bool:
    return name.startswith(_BINARY_DIRS) or bool(_BINARY_EXT_RE.search(name))


def _text_only_package(path: Path) -> io.BytesIO:
    """Check the archive and copy it with media and embedded objects emptied."""
    try:
        with zipfile.ZipFile(path) as zf:
            check_archive(zf)
            out = io.BytesIO()
            with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as dst:
                for info in zf.infolist():
                    if info.is_dir():
                        continue
                    data = b"" if _is_binary_part(info.filename) else zf.read(info)
                    dst.writestr(info.filename, data)
    except zipfile.BadZipFile as exc:
        raise ParseError(f"corrupt DOCX (damaged zip archive: {exc})") from exc
    except (zipfile.LargeZipFile, NotImplementedError, RuntimeError) as exc:
        # RuntimeError: encrypted zip members; NotImplementedError: unknown compression.
        raise ParseError(f"unreadable DOCX archive ({exc})") from exc
    except (EOFError, OSError, ValueError) as exc:
        raise ParseError(f"corrupt or truncated DOCX ({type(exc).__name__}: {exc})") from exc
    out.seek(0)
    return out


def _style_name(paragraph: Any) -> str:
    try:
        style = paragraph.style
        return (style.name or "") if style is not None else ""
    except Exception:  # noqa: BLE001 - broken style references must not fail the document
        return ""


def _is_list_item(paragraph: Any, style: str) -> bool:
    if style.lower().startswith(("list", "liste")):
        return True
    ppr = paragraph._p.pPr
    return ppr is not None and ppr.numPr is not None


def _table_text(table: Any) -> str:
    """A table row by row, cells joined with " | "; merged cells appear once."""
    rows: list[str] = []
    for row in table.rows:
        cells: list[str] = []
        last = None
        for cell in row.cells:
            if cell._tc is last:
                continue
            last = cell._tc
            cells.append(" ".join(cell.text.split()))
        if any(cells):
            rows.append(" | ".join(cells))
    return "\n".join(rows)


def parse_docx(path: Path, *, source: str | None = None) -> ParsedDocument:
    """Parse a DOCX: headings 1–3 start sections, tables are read row by row in place."""
    package = _text_only_package(path)
    try:
        import docx

        document = docx.Document(package)
    except ParseError:
        raise
    except Exception as exc:
        raise ParseError(f"corrupt DOCX ({type(exc).__name__}: {exc})") from exc

    warnings: list[str] = []
    sections: list[Section] = []
    heading: str | None = None
    parts: list[str] = []
    first_title: str | None = None
    first_heading: str | None = None
    previous_was_item = False

    def start_section(new_heading: str | None) -> None:
        nonlocal heading
        if parts:
            sections.append(Section(text="\n\n".join(parts), heading=heading))
            parts.clear()
        heading = new_heading

    try:
        for block in document.iter_inner_content():
            if hasattr(block, "rows"):
                try:
                    text = _table_text(block)
                except Exception as exc:  # noqa: BLE001 - a malformed table loses only itself
                    warnings.append(f"a table could not be read ({type(exc).__name__})")
                    continue
                if text:
                    parts.append(text)
                previous_was_item = False
                continue
            text = block.text.strip()
            if not text:
                continue
            style = _style_name(block)
            level = _HEADING_RE.match(style.strip())
            if style.strip().lower() in _TITLE_STYLES:
                first_title = first_title or clean_line(text)
                start_section(clean_line(text))
            elif level and int(level.group(1)) <= 3:
                first_heading = first_heading or clean_line(text)
                start_section(clean_line(text))
            elif _is_list_item(block, style):
                # Consecutive list items stay one block, one item per line.
                if parts and previous_was_item:
                    parts[-1] += "\n- " + text
                else:
                    parts.append("- " + text)
                previous_was_item = True
                continue
            else:
                parts.append(text)
            previous_was_item = False
        start_section(None)
    except Exception as exc:
        raise ParseError(f"corrupt DOCX body ({type(exc).__name__}: {exc})") from exc

    try:
        core_title = meaningful_title(document.core_properties.title)
    except Exception:  # noqa: BLE001 - missing or broken docProps/core.xml
        core_title = None
    title = core_title or first_title or first_heading
    doc = build_document(path=path, source=source, fmt="docx", title=title, sections=sections, warnings=warnings)
    if not doc.sections:
        raise ParseError("no text (the DOCX contains no paragraphs or tables with text)")
    return doc
