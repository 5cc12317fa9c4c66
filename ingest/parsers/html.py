"""HTML: boilerplate removal with trafilatura, headings kept as sections.

Saved web pages carry navigation, cookie banners and footers that would
otherwise be indexed on every page and crowd out real answers. trafilatura
removes them; its XML output keeps `<head rend="h2">` so sections survive.
When trafilatura finds nothing (very short pages) or fails (pathological
markup, e.g. 10,000 nested elements hitting recursion limits), a small
stdlib parser that is iterative, never recursive, takes over.
"""

from __future__ import annotations

import logging
import re
from html.parser import HTMLParser
from pathlib import Path

from core.errors import ParseError
from core.models import ParsedDocument, Section
from ingest.parsers._common import build_document, clean_line
from ingest.parsers.text import decode_bytes

log = logging.getLogger(__name__)

_META_CHARSET_RE = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_WS_RE = re.compile(r"[ \t\r\n\f\v]+")
_SECTION_HEADINGS = {"h1", "h2", "h3"}
_MIN_EXTRACTED_CHARS = 250


def _collapse(text: str) -> str:
    return _WS_RE.sub(" ", text).strip()


class _FallbackParser(HTMLParser):
    """Visible text by block, skipping scripts, navigation, footers and cookie banners.

    Also collects <title>, og:title and the first <h1> for the title, whichever
    extractor produced the text.
    """

    SKIP = frozenset(
        {
            "script",
            "style",
            "noscript",
            "template",
            "svg",
            "math",
            "nav",
            "footer",
            "aside",
            "form",
            "button",
            "select",
            "iframe",
            "object",
            "canvas",
        }
    )
    BLOCKS = frozenset(
        {
            "p",
            "div",
            "section",
            "article",
            "main",
            "ul",
            "ol",
            "li",
            "table",
            "tr",
            "blockquote",
            "pre",
            "dl",
            "dt",
            "dd",
            "figure",
            "figcaption",
            "h4",
            "h5",
            "h6",
            "address",
            "details",
            "summary",
            "hr",
        }
    )
    BOILERPLATE_ATTR = re.compile(r"cookie|consent|gdpr|newsletter|breadcrumb|skip-link", re.IGNORECASE)

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.sections: list[Section] = []
        self.title: str | None = None
        self.og_title: str | None = None
        self.first_h1: str | None = None
        self._heading: str | None = None
        self._parts: list[str] = []
        self._buf: list[str] = []
        self._skip_tag: str | None = None
        self._skip_depth = 0
        self._in_title = False
        self._title_buf: list[str] = []
        self._heading_tag: str | None = None
        self._heading_buf: list[str] = []
        self._content_depth = 0  # inside <article>/<main>: keep their <header>
        self._pre = 0

    # -- structure -----------------------------------------------------
    def _end_block(self) -> None:
        text = "".join(self._buf)
        text = text.strip("\n") if self._pre else "\n".join(_collapse(t) for t in text.split("\n"))
        if text.strip():
            self._parts.append(text.strip())
        self._buf.clear()

    def _start_section(self, heading: str | None) -> None:
        self._end_block()
        if self._parts:
            self.sections.append(Section(text="\n\n".join(self._parts), heading=self._heading))
            self._parts.clear()
        self._heading = heading

    def close(self) -> None:
        super().close()
        self._start_section(None)

    # -- events --------------------------------------------------------
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self._skip_tag is not None:
            if tag == self._skip_tag:
                self._skip_depth += 1
            return
        attr = dict(attrs)
        if tag == "meta" and (attr.get("property") or attr.get("name") or "").lower() == "og:title":
            self.og_title = self.og_title or clean_line(attr.get("content") or "")
            return
        if tag == "title":
            self._in_title = True
            return
        marker = f"{attr.get('id') or ''} {attr.get('class') or ''} {attr.get('role') or ''}"
        is_boiler_header = tag == "header" and self._content_depth == 0
        if (
            tag in self.SKIP
            or is_boiler_header
            or (marker.strip() and self.BOILERPLATE_ATTR.search(marker))
            or (attr.get("role") in {"navigation", "contentinfo", "banner"})
        ):
            if tag not in {"br", "img", "input", "meta", "link", "hr", "wbr", "source"}:
                self._skip_tag, self._skip_depth = tag, 1
            return
        if tag in {"article", "main"}:
            self._content_depth += 1
        if tag in _SECTION_HEADINGS:
            self._end_block()
            self._heading_tag, self._heading_buf = tag, []
            return
        if tag == "pre":
            self._end_block()
            self._pre += 1
        elif tag == "br":
            self._buf.append("\n")
        elif tag in {"td", "th"}:
            if self._buf and self._buf[-1].strip():
                self._buf.append(" | ")
        elif tag in self.BLOCKS:
            self._end_block()
            if tag == "li":
                self._buf.append("- ")

    def handle_endtag(self, tag: str) -> None:
        if self._skip_tag is not None:
            if tag == self._skip_tag:
                self._skip_depth -= 1
                if self._skip_depth <= 0:
                    self._skip_tag = None
            return
        if tag == "title" and self._in_title:
            self._in_title = False
            self.title = self.title or clean_line("".join(self._title_buf))
            return
        if tag in {"article", "main"} and self._content_depth:
            self._content_depth -= 1
        if self._heading_tag is not None and tag == self._heading_tag:
            heading = clean_line("".join(self._heading_buf))
            if tag == "h1" and self.first_h1 is None:
                self.first_h1 = heading
            self._heading_tag = None
            self._start_section(heading)
            return
        if tag == "pre" and self._pre:
            self._end_block()
            self._pre -= 1
        elif tag in self.BLOCKS:
            self._end_block()

    def handle_data(self, data: str) -> None:
        if self._skip_tag is not None:
            return
        if self._in_title:
            self._title_buf.append(data)
        elif self._heading_tag is not None:
            self._heading_buf.append(data)
        else:
            self._buf.append(data)


def _run_fallback(text: str) -> _FallbackParser:
    parser = _FallbackParser()
    parser.feed(text)
    parser.close()
    return parser


def _trafilatura_sections(text: str) -> tuple[list[Section], str | None]:
    """Main content as sections (h1–h3 start a section) plus trafilatura's title, or ([], None)."""
    import trafilatura
    from lxml import etree

    xml = trafilatura.extract(
        text,
        output_format="xml",
        include_formatting=True,
        include_tables=True,
        include_comments=False,
        include_links=False,
        include_images=False,
        with_metadata=True,
    )
    if not xml:
        return [], None
    parser = etree.XMLParser(resolve_entities=False, no_network=True, recover=True)
    root = etree.fromstring(xml.encode("utf-8"), parser=parser)
    if root is None:
        return [], None
    for lb in root.iter("lb"):
        lb.tail = "\n" + (lb.tail or "")
    title = clean_line(root.get("title") or "")
    main = root.find("main")
    if main is None:
        return [], title

    sections: list[Section] = []
    heading: str | None = None
    parts: list[str] = []
    for el in main:
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag == "head" and (el.get("rend") or "h2") in _SECTION_HEADINGS:
            if parts:
                sections.append(Section(text="\n\n".join(parts), heading=heading))
                parts = []
            heading = clean_line("".join(el.itertext()))
            continue
        if tag == "list":
            items = ["- " + _collapse("".join(item.itertext())) for item in el.iter("item")]
            block = "\n".join(i for i in items if i.strip("- "))
        elif tag == "table":
            rows = []
            for row in el.iter("row"):
                cells = [_collapse("".join(cell.itertext())) for cell in row.iter("cell")]
                if any(cells):
                    rows.append(" | ".join(cells))
            block = "\n".join(rows)
        elif tag == "code":
            block = "".join(el.itertext()).strip("\n")
        else:
            block = "\n".join(_collapse(t) for t in "".join(el.itertext()).split("\n"))
        if block.strip():
            parts.append(block.strip())
    if parts:
        sections.append(Section(text="\n\n".join(parts), heading=heading))
    return sections, title


def parse_html(path: Path, *, source: str | None = None) -> ParsedDocument:
    """Parse an HTML page into its main content; boilerplate is dropped."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ParseError(f"cannot read HTML file ({exc})") from exc
    declared = _META_CHARSET_RE.search(raw[:4096])
    text, _codec = decode_bytes(raw, declared.group(1).decode("ascii", "ignore") if declared else None)
    del raw
    warnings: list[str] = []

    try:
        fallback = _run_fallback(text)
    except Exception as exc:
        raise ParseError(f"unreadable HTML ({type(exc).__name__}: {exc})") from exc

    sections: list[Section] = []
    extracted_title: str | None = None
    try:
        sections, extracted_title = _trafilatura_sections(text)
    except RecursionError:
        warnings.append("HTML too deeply nested for the boilerplate remover; used the simple extractor")
        log.warning("%s: trafilatura hit the recursion limit; using the fallback parser", path)
    except Exception as exc:  # noqa: BLE001 - any extractor failure falls back, never escapes
        warnings.append(f"boilerplate remover failed ({type(exc).__name__}); used the simple extractor")
        log.warning("%s: trafilatura failed: %s", path, exc)
    # Below trafilatura's own minimum (250 chars) its result comes from a
    # "baseline" that keeps the whole body, navigation included; on such short
    # pages the tag-based fallback separates content from boilerplate better.
    if sum(len(s.text.strip()) for s in sections) < _MIN_EXTRACTED_CHARS and fallback.sections:
        sections = fallback.sections

    title = extracted_title or fallback.og_title or fallback.title or fallback.first_h1
    doc = build_document(path=path, source=source, fmt="html", title=title, sections=sections, warnings=warnings)
    if not doc.sections:
        raise ParseError("no text (HTML page has no visible text, e.g. only scripts)")
    return doc
