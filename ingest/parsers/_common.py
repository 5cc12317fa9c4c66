"""Helpers every parser shares, so all formats come out equally clean.

Parsers differ in how they find text; they must not differ in what "clean"
means, or the same sentence from a PDF and a DOCX would embed differently and
break content-derived ids. Hence one place for NFC, control characters and
blank-line handling, and one place that assembles the ParsedDocument.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from core.models import ParsedDocument, Section

# C0 controls except \t and \n, DEL, C1 controls (mojibake leftovers), plus
# invisible characters that only hurt matching: BOM/ZWNBSP and soft hyphen.
_CONTROL_RE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ufeff\u00ad\ufffe\uffff]")
_TRAILING_WS_RE = re.compile(r"[ \t]+\n")
_MANY_BLANKS_RE = re.compile(r"\n{3,}")
_MEANINGLESS_TITLES = frozenset(
    {
        "untitled",
        "unbenannt",
        "ohne titel",
        "sans titre",
        "title",
        "titel",
        "titre",
        "document",
        "dokument",
        "presentation",
        "powerpoint presentation",
        "präsentation",
        "microsoft word",
        "none",
        "null",
        "pdf",
    }
)
_FILE_NAME_RE = re.compile(r"\.(docx?|pdf|indd|pptx?|xlsx?|odt|rtf|tex|dvi|qxd|ai|txt|html?)\s*$", re.IGNORECASE)
_OFFICE_PREFIX_RE = re.compile(r"^microsoft (word|powerpoint|excel) - ", re.IGNORECASE)
_PLACEHOLDER_RE = re.compile(r"^(document|dokument|doc|untitled|unbenannt|vorlage|template)[\s_-]*\d*$", re.IGNORECASE)


def clean_text(text: str) -> str:
    """NFC, unified line endings, control characters removed, at most one blank line in a row.

    \\r is turned into \\n before control characters are dropped, so old Mac
    line endings do not glue lines together.
    """
    if not text:
        return ""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = unicodedata.normalize("NFC", text)
    text = _CONTROL_RE.sub("", text)
    text = _TRAILING_WS_RE.sub("\n", text)
    text = _MANY_BLANKS_RE.sub("\n\n", text)
    return text.strip()


def clean_line(text: str | None) -> str | None:
    """Clean a one-line value (title, heading): whitespace collapsed, None when empty."""
    if text is None:
        return None
    text = " ".join(clean_text(text).split())
    return text or None


def build_document(
    *,
    path: Path,
    source: str | None,
    fmt: str,
    title: str | None,
    sections: Iterable[Section],
    front_matter: dict[str, Any] | None = None,
    warnings: list[str] | None = None,
) -> ParsedDocument:
    """Assemble the result: clean every section and drop the empty ones.

    Parsers call this last, so none of them can forget the cleaning rules.
    """
    cleaned: list[Section] = []
    for section in sections:
        text = clean_text(section.text)
        if not text:
            continue
        cleaned.append(Section(text=text, page=section.page, heading=clean_line(section.heading)))
    return ParsedDocument(
        source=source or str(path),
        format=fmt,
        title=clean_line(title[:500]) if title else None,
        sections=cleaned,
        front_matter=front_matter or {},
        warnings=list(warnings or []),
    )


def format_size(n: int) -> str:
    """Human size for error messages ("52.4 MB")."""
    size = float(n)
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{int(size)} bytes" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} bytes"  # pragma: no cover


def meaningful_title(raw: Any) -> str | None:
    """A metadata title (PDF /Title, DOCX core title) unless it is a placeholder, a file name or an empty string."""
    if not isinstance(raw, str):
        return None
    title = clean_line(_OFFICE_PREFIX_RE.sub("", raw))
    if not title or len(title) < 3 or not any(ch.isalpha() for ch in title):
        return None
    if title.lower() in _MEANINGLESS_TITLES or _FILE_NAME_RE.search(title) or _PLACEHOLDER_RE.match(title):
        return None
    return title
