"""File → ParsedDocument, whatever the format.

The format is decided by the file's content first and its extension second:
programme material arrives renamed, exported with wrong extensions or
downloaded as ".html" that is really a PDF. Every failure is one of the
errors in :mod:`core.errors` with a message that names the problem, so a
batch ingest can report the file and carry on.

Declared metadata may sit next to a document in a sidecar
(``report.pdf.meta.yaml`` or ``report.meta.yaml``; ``.yml`` and ``.json``
work too). It is merged into ``front_matter`` under the document's own
front matter: what the document declares about itself wins.
"""

from __future__ import annotations

import json
import logging
import os
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from core.errors import FileTooLarge, ParseError, UnsupportedFormat
from core.models import ParsedDocument
from ingest.parsers._common import format_size
from ingest.parsers.text import looks_binary, sniff_bom, sniff_utf16_without_bom

__all__ = [
    "DEFAULT_MAX_BYTES",
    "SIDECAR_SUFFIXES",
    "SUPPORTED_EXTENSIONS",
    "detect_format",
    "find_sidecar",
    "is_sidecar",
    "load_sidecar",
    "parse_file",
]

log = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = 50 * 1024 * 1024
SIDECAR_MAX_BYTES = 1024 * 1024
SIDECAR_SUFFIXES = (".meta.yaml", ".meta.yml", ".meta.json")

_EXTENSION_FORMATS: dict[str, str] = {
    ".pdf": "pdf",
    ".docx": "docx",
    ".html": "html",
    ".htm": "html",
    ".xhtml": "html",
    ".md": "md",
    ".markdown": "md",
    ".txt": "txt",
    ".text": "txt",
}
SUPPORTED_EXTENSIONS: frozenset[str] = frozenset(_EXTENSION_FORMATS)

# Binary formats people drop into document folders, named so the error says what they are.
_KNOWN_BINARY: tuple[tuple[bytes, str], ...] = (
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "legacy Office file (.doc/.xls/.ppt); save it as .docx or PDF"),
    (b"\x89PNG", "PNG image"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"GIF8", "GIF image"),
    (b"\x1f\x8b", "gzip archive"),
    (b"7z\xbc\xaf", "7-Zip archive"),
    (b"Rar!", "RAR archive"),
    (b"{\\rtf", "RTF document; save it as .docx or PDF"),
)
_HTML_STARTS = ("<!doctype html", "<html")
_HTML_TAGS = ("<html", "<head>", "<head ", "<body", "<title>")


def is_sidecar(path: Path) -> bool:
    """True for metadata sidecars (``*.meta.yaml|yml|json``): ingest them with their document, not alone."""
    return Path(path).name.lower().endswith(SIDECAR_SUFFIXES)


def find_sidecar(path: Path) -> Path | None:
    """The sidecar for ``path``: ``<name>.meta.*`` first, then ``<stem>.meta.*``."""
    path = Path(path)
    for base in (path.name, path.stem):
        for suffix in SIDECAR_SUFFIXES:
            candidate = path.with_name(base + suffix)
            if candidate != path and candidate.is_file():
                return candidate
    return None


def load_sidecar(sidecar: Path) -> dict[str, Any]:
    """Read a sidecar into a dict; raises ParseError with the reason when it is unusable."""
    try:
        size = sidecar.stat().st_size
        if size > SIDECAR_MAX_BYTES:
            raise ParseError(f"metadata sidecar too large ({format_size(size)})")
        text = sidecar.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ParseError(f"metadata sidecar unreadable ({exc})") from exc
    try:
        data = json.loads(text) if sidecar.name.lower().endswith(".json") else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ParseError(f"invalid metadata sidecar {sidecar.name}: {first}") from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ParseError(f"metadata sidecar {sidecar.name} is a {type(data).__name__}, not a mapping")
    return {str(k): v for k, v in data.items()}


def _read_head(path: Path, n: int = 8192) -> bytes:
    with path.open("rb") as fh:
        return fh.read(n)


def _zip_kind(path: Path) -> str:
    """ "docx" for a Word package, "broken" for a damaged zip, else "zip" (xlsx, pptx, odt, archives)."""
    try:
        with zipfile.ZipFile(path) as zf:
            return "docx" if "word/document.xml" in zf.namelist() else "zip"
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return "broken"


def _looks_like_html(head: bytes) -> bool:
    codec = sniff_bom(head) or sniff_utf16_without_bom(head)
    try:
        text = head.decode(codec or "utf-8", errors="ignore").lstrip("\ufeff \t\r\n").lower()
    except LookupError:
        return False
    while text.startswith("<!--"):  # leading comments, e.g. "<!-- saved from url=… -->"
        end = text.find("-->")
        if end < 0:
            break
        text = text[end + 3 :].lstrip()
    if text.startswith(_HTML_STARTS):
        return True
    if text.startswith("<?xml") and "<html" in text[:2048]:
        return True
    return text.startswith("<") and any(tag in text[:4096] for tag in _HTML_TAGS)


def detect_format(path: Path, head: bytes | None = None) -> str:
    """Format name (pdf, docx, html, md, txt) from content first, extension second.

    Raises ParseError when the content contradicts a supported extension
    (garbage named .pdf, binary named .txt) and UnsupportedFormat for
    anything else we do not read.
    """
    path = Path(path)
    head = _read_head(path) if head is None else head
    ext = path.suffix.lower()
    by_ext = _EXTENSION_FORMATS.get(ext)

    # PDF readers accept the header anywhere in the first KB.
    if b"%PDF-" in head[:1024]:
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        kind = _zip_kind(path)
        if kind == "docx":
            return "docx"
        if by_ext == "docx":
            if kind == "broken":
                raise ParseError("corrupt or truncated DOCX (damaged zip archive)")
            raise ParseError("not a Word document (zip archive without word/document.xml)")
        raise UnsupportedFormat(f"unsupported file type: zip archive ({ext or 'no extension'}), not a DOCX")
    if by_ext == "pdf":
        raise ParseError("not a PDF (no %PDF- header): the file is corrupt or mislabelled")
    if by_ext == "docx":
        raise ParseError("corrupt DOCX (not a zip archive)")
    for magic, what in _KNOWN_BINARY:
        if head.startswith(magic):
            raise UnsupportedFormat(f"unsupported file type: {what}")
    if looks_binary(head):
        if by_ext:
            raise ParseError(f"binary content in a {ext} file (not text)")
        raise UnsupportedFormat(f"unsupported file type: binary data ({ext or 'no extension'})")
    if _looks_like_html(head):
        return "html"
    if by_ext in {"md", "txt", "html"}:
        # An .html file without recognisable markup is still parsed as HTML (fragments).
        return by_ext
    if not ext:
        text = head.decode("utf-8", errors="ignore").lstrip("\ufeff")
        return "md" if text.startswith(("---\n", "# ")) or "\n# " in text else "txt"
    raise UnsupportedFormat(f"unsupported file type: {ext} (supported: {', '.join(sorted(SUPPORTED_EXTENSIONS))})")


def _parser_for(fmt: str) -> Callable[..., ParsedDocument]:
    # Imported lazily: pypdf, python-docx and trafilatura are slow to import
    # and a text-only batch should not pay for them.
    if fmt == "pdf":
        from ingest.parsers.pdf import parse_pdf

        return parse_pdf
    if fmt == "docx":
        from ingest.parsers.docx import parse_docx

        return parse_docx
    if fmt == "html":
        from ingest.parsers.html import parse_html

        return parse_html
    if fmt == "md":
        from ingest.parsers.markdown import parse_markdown

        return parse_markdown
    from ingest.parsers.text import parse_text

    return parse_text


def parse_file(path: Path | str, *, source: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES) -> ParsedDocument:
    """Parse one file into a ParsedDocument; sidecar metadata is merged into ``front_matter``.

    Only ccassist errors leave this function, so a batch can report a bad
    file and go on.

    Args:
        path: The file to parse.
        source: Recorded as ``ParsedDocument.source``; defaults to ``path`` exactly as given.
        max_bytes: Size limit, checked with ``stat`` before anything is read.

    Returns:
        The document's sections (empty ones dropped), title, front matter and warnings.

    Raises:
        FileTooLarge: The file exceeds ``max_bytes``.
        UnsupportedFormat: Not a format ccassist reads (images, archives, unknown extensions).
        ParseError: Empty, corrupt, truncated, encrypted, binary where text was expected, or no text.
    """
    given = os.fspath(path)
    source = source if source is not None else given  # as given, e.g. "./corpus/a.pdf", not normalised
    path = Path(given)
    if is_sidecar(path):
        raise UnsupportedFormat("metadata sidecar, not a document (it is read with its document)")
    try:
        stat = path.stat()
    except FileNotFoundError as exc:
        raise ParseError("file not found") from exc
    except OSError as exc:
        raise ParseError(f"cannot access file ({exc.strerror or exc})") from exc
    if not path.is_file():
        raise ParseError("not a regular file")
    if stat.st_size > max_bytes:
        raise FileTooLarge(f"file too large: {format_size(stat.st_size)} (limit {format_size(max_bytes)})")
    if stat.st_size == 0:
        raise ParseError("empty file (0 bytes)")
    try:
        head = _read_head(path)
    except OSError as exc:
        raise ParseError(f"cannot read file ({exc.strerror or exc})") from exc

    fmt = detect_format(path, head)
    log.debug("%s: parsing as %s", path, fmt)
    parser = _parser_for(fmt)
    try:
        doc = parser(path, source=source)
    except ParseError:
        raise
    except RecursionError as exc:
        raise ParseError(f"{fmt} file too deeply nested to parse") from exc
    except MemoryError as exc:
        raise ParseError(f"{fmt} file needs too much memory to parse") from exc
    except Exception as exc:
        log.exception("%s: unexpected %s parser failure", path, fmt)
        raise ParseError(f"could not parse {fmt} file ({type(exc).__name__}: {exc})") from exc

    sidecar = find_sidecar(path)
    if sidecar is not None:
        try:
            declared = load_sidecar(sidecar)
        except ParseError as exc:
            log.warning("%s: %s", path, exc)
            doc.warnings.append(str(exc))
        else:
            doc.front_matter = {**declared, **doc.front_matter}
    return doc
