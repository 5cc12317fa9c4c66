"""Markdown: YAML front matter, `#` headings as sections, light syntax stripping.

Programme teams keep declared metadata (doc_type, deadline, visibility) in
front matter; it must reach the metadata step even when the YAML is sloppy,
so broken YAML is a warning, not a failed file. Markdown syntax is stripped
only lightly: link targets and emphasis markers add noise to embeddings,
whereas list markers carry structure readers want to see in a passage.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

import yaml

from core.errors import ParseError
from core.models import ParsedDocument, Section
from ingest.parsers._common import build_document, clean_line
from ingest.parsers.text import decode_bytes

log = logging.getLogger(__name__)

_FRONT_MATTER_RE = re.compile(r"\A\ufeff?---[ \t]*\n(.*?)\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL)
_ATX_RE = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$|^ {0,3}(#{1,6})[ \t]*$")
_SETEXT_RE = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_HR_RE = re.compile(r"^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")
_FENCE_RE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_LINK_DEF_RE = re.compile(r"^ {0,3}\[[^\]]+\]:\s*\S+.*$")
_TABLE_SEP_RE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")
_COMMENT_RE = re.compile(r"<!--.*?-->", re.DOTALL)
_QUOTE_RE = re.compile(r"^(\s*>)+\s?")

_INLINE_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"!\[([^\]]*)\]\([^)]*\)"), r"\1"),  # images → alt text
    (re.compile(r"!\[([^\]]*)\]\[[^\]]*\]"), r"\1"),
    (re.compile(r"\[([^\]]+)\]\([^)]*\)"), r"\1"),  # [text](url) → text
    (re.compile(r"\[([^\]]+)\]\[[^\]]*\]"), r"\1"),  # [text][ref] → text
    (re.compile(r"<((?:https?|mailto):[^>\s]+)>"), r"\1"),  # <https://…> → https://…
    (re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>"), ""),  # inline HTML tags
    (re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1"), r"\2"),  # strong
    (re.compile(r"(?<![\w*\\])\*(?=[^\s*])(.+?)(?<=[^\s*\\])\*(?![\w*])"), r"\1"),  # *em*
    (re.compile(r"(?<![\w\\])_(?=[^\s_])(.+?)(?<=[^\s_\\])_(?!\w)"), r"\1"),  # _em_ (not snake_case)
    (re.compile(r"~~(?=\S)(.+?)(?<=\S)~~"), r"\1"),  # strikethrough
    (re.compile(r"(`+)(.+?)\1"), r"\2"),  # inline code
    (re.compile(r"\\([\\`*_{}\[\]()#+\-.!|>~])"), r"\1"),  # backslash escapes
)


def strip_inline(text: str) -> str:
    """Remove inline Markdown syntax, keeping the words readers see."""
    for pattern, repl in _INLINE_RULES:
        text = pattern.sub(repl, text)
    return text


def split_front_matter(text: str) -> tuple[dict[str, Any], str, list[str]]:
    """Return (front matter, body, warnings); invalid YAML leaves the body intact."""
    match = _FRONT_MATTER_RE.match(text)
    if not match:
        return {}, text, []
    body = text[match.end() :]
    try:
        data = yaml.safe_load(match.group(1))
    except yaml.YAMLError as exc:
        problem = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        log.warning("invalid YAML front matter: %s", problem)
        return {}, body, [f"invalid YAML front matter ignored: {problem}"]
    if data is None:
        return {}, body, []
    if not isinstance(data, dict):
        return {}, body, [f"front matter is a {type(data).__name__}, not a mapping; ignored"]
    return {str(k): v for k, v in data.items()}, body, []


def _sections(body: str) -> tuple[list[Section], str | None]:
    """Walk the lines once: headings start sections, fences keep code verbatim."""
    sections: list[Section] = []
    heading: str | None = None
    first_h1: str | None = None
    paragraph: list[str] = []
    parts: list[str] = []
    fence: str | None = None

    def end_paragraph() -> None:
        if paragraph:
            parts.append("\n".join(paragraph))
            paragraph.clear()

    def start_section(new_heading: str | None) -> None:
        nonlocal heading
        end_paragraph()
        if parts:
            sections.append(Section(text="\n\n".join(parts), heading=heading))
            parts.clear()
        heading = new_heading

    for line in body.split("\n"):
        if fence is not None:
            if line.strip().startswith(fence):
                fence = None
                end_paragraph()
            else:
                paragraph.append(line)
            continue
        fence_match = _FENCE_RE.match(line)
        if fence_match:
            end_paragraph()
            fence = fence_match.group(1)[0] * 3
            continue
        atx = _ATX_RE.match(line)
        if atx:
            level = len(atx.group(1) or atx.group(3))
            text = clean_line(strip_inline(atx.group(2) or ""))
            if level == 1 and first_h1 is None and text:
                first_h1 = text
            start_section(text)
            continue
        setext = _SETEXT_RE.match(line)
        if setext and len(paragraph) == 1 and not _HR_RE.match(paragraph[0]):
            text = clean_line(strip_inline(_QUOTE_RE.sub("", paragraph.pop())))
            if setext.group(1).startswith("=") and first_h1 is None and text:
                first_h1 = text
            start_section(text)
            continue
        if not line.strip() or _HR_RE.match(line):
            end_paragraph()
            continue
        if _LINK_DEF_RE.match(line) or _TABLE_SEP_RE.match(line):
            continue
        paragraph.append(strip_inline(_QUOTE_RE.sub("", line)).rstrip())
    start_section(None)
    return sections, first_h1


def parse_markdown(path: Path, *, source: str | None = None) -> ParsedDocument:
    """Parse a Markdown file; front matter goes to ``front_matter``, headings to sections."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ParseError(f"cannot read Markdown file ({exc})") from exc
    text, _codec = decode_bytes(raw)
    del raw
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    front_matter, body, warnings = split_front_matter(text)
    body = _COMMENT_RE.sub("", body)
    sections, first_h1 = _sections(body)
    fm_title = front_matter.get("title")
    title = str(fm_title) if isinstance(fm_title, (str, int, float)) and str(fm_title).strip() else first_h1
    doc = build_document(
        path=path,
        source=source,
        fmt="md",
        title=title,
        sections=sections,
        front_matter=front_matter,
        warnings=warnings,
    )
    if not doc.sections:
        raise ParseError("no text (Markdown file has no body text)")
    return doc
