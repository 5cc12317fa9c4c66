"""Plain text: encoding detection and a light paragraph/heading structure.

Programme material arrives as UTF-8, as Windows-1252 exports from old
office tools and occasionally as UTF-16 (Notepad "Unicode"). Guessing wrong
silently turns "Städte" into "StÃ¤dte", which then never matches a query, so
detection goes from certain to less certain: BOM, strict UTF-8, then
charset-normalizer, then cp1252 as the last resort (it decodes almost
anything, and most non-UTF-8 German text is cp1252).

Files can be tens of MB: the file is validated and parsed as a stream, and
sections are flushed at ~1 MB so at most about two copies of the text live in
memory at once.
"""

from __future__ import annotations

import codecs
import logging
import re
import textwrap
from pathlib import Path

from core.errors import ParseError
from core.models import ParsedDocument, Section
from ingest.parsers._common import build_document

log = logging.getLogger(__name__)

# Longest first: the UTF-32-LE BOM starts with the UTF-16-LE one.
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Bytes that do not occur in text in any 8-bit or UTF-8 encoding we accept
# (tab, LF, VT, FF, CR and ESC are allowed).
_CONTROL_BYTES = frozenset([*range(0x09), 0x0E, 0x0F, *range(0x10, 0x1B), *range(0x1C, 0x20), 0x7F])
_CHUNK = 1 << 20
_NON_NUL_CONTROLS = bytes(b for b in sorted(_CONTROL_BYTES) if b != 0)
_HIGH_BYTES = bytes(range(0x80, 0x100))
_BINARY_WINDOW = 4096
# charset-normalizer guesses that are false positives for our languages.
_UNTRUSTED_GUESSES = (
    "utf_16",
    "utf_32",
    "utf_7",
    "cp1006",
    "mac_",
    "cp037",
    "cp500",
    "cp1140",
    "cp273",
    "cp424",
    "cp437",
    "cp850",
    "cp858",
    "hz",
    "latin_1",
    "iso8859_15",
    "iso8859_1",
)
_SECTION_FLUSH_CHARS = 1_000_000
_SENTENCE_END = tuple(".,;:!?…。؟،؛۔")
_UNDERLINE_RE = re.compile(r"^\s*(=+|-+|~+)\s*$")
_LIST_MARKER_RE = re.compile(r"^\s*([-*•·–+]|\(?[a-z]\)|\d+\))\s")


def sniff_bom(head: bytes) -> str | None:
    """The codec named by a byte-order mark, or None."""
    for bom, codec in _BOMS:
        if head.startswith(bom):
            return codec
    return None


def sniff_utf16_without_bom(head: bytes) -> str | None:
    """Recognise BOM-less UTF-16 of mostly Latin text by its pattern of zero bytes.

    Without this check such files would be rejected as binary (they are full of
    NUL bytes).
    """
    sample = head[:4096]
    if len(sample) < 8:
        return None
    even, odd = sample[0::2], sample[1::2]
    even_nul = even.count(0) / len(even)
    odd_nul = odd.count(0) / len(odd)
    if odd_nul > 0.4 and even_nul < 0.05:
        return "utf-16-le"
    if even_nul > 0.4 and odd_nul < 0.05:
        return "utf-16-be"
    return None


def looks_binary(head: bytes) -> bool:
    """True when the first bytes are not text in any encoding we read.

    NUL bytes (outside UTF-16/32) or more than 5 % control bytes mean binary:
    indexing such a file would fill the index with garbage.
    """
    if not head:
        return False
    if sniff_bom(head) or sniff_utf16_without_bom(head):
        return False
    if b"\x00" in head:
        return True
    controls = sum(1 for b in head if b in _CONTROL_BYTES)
    return controls / len(head) > 0.05


def _is_utf8(path: Path) -> bool:
    """Whether the file is UTF-8, read in 1 MB steps (no full copy in memory).

    Strictly valid UTF-8 is, of course. So is UTF-8 with a few damaged bytes
    (a cut multi-byte character, one pasted cp1252 quote) among many valid
    non-ASCII characters: at most one invalid sequence per 100 non-ASCII bytes.
    Falling back to cp1252 for such a file would turn every "ä" of an
    otherwise intact document into "Ã¤"; decoding it as UTF-8 replaces only
    the damaged bytes (and parse_text reports them).
    """
    decoder = codecs.getincrementaldecoder("utf-8")("replace")
    invalid = high = 0
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            text = decoder.decode(chunk)
            invalid += text.count("\ufffd") - chunk.count(b"\xef\xbf\xbd")
            high += len(chunk) - len(chunk.translate(None, _HIGH_BYTES))
        text = decoder.decode(b"", final=True)
        invalid += text.count("\ufffd")
    return invalid <= 0 or invalid * 100 <= high


def find_binary(path: Path) -> int | None:
    """Offset of the first 4 KB window that holds binary data, or None for a text file.

    The format check only sees the first 8 KB; without this scan a text file
    with binary data appended (a botched concatenation, a damaged download)
    would be decoded as cp1252 and indexed as pages of garbage. A window is
    binary when more than 2 % of it are control bytes other than NUL (random
    or compressed data has ~10 %, text in any 8-bit or UTF-8 encoding has none);
    NUL runs alone do not count, so a file zero-padded after a crash is still
    text (clean_text drops the NULs).
    """
    offset = 0
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            for start in range(0, len(chunk), _BINARY_WINDOW):
                window = chunk[start : start + _BINARY_WINDOW]
                controls = len(window) - len(window.translate(None, _NON_NUL_CONTROLS))
                if controls > 0.02 * _BINARY_WINDOW:
                    return offset + start
            offset += len(chunk)
    return None


def _guess_8bit(sample: bytes) -> str:
    """Codec for non-UTF-8 bytes: cp1252 for Latin-script text, charset-normalizer's guess otherwise.

    charset-normalizer is unreliable on short Latin text (it calls "Grüße"
    cp1006 or UTF-16), and for German, French and English the Western code
    pages agree on all letters that matter, so its guess is only trusted when
    it yields mostly non-Latin letters (Arabic cp1256, Cyrillic, Greek, …).
    """
    try:
        from charset_normalizer import from_bytes
    except ImportError:  # pragma: no cover - it is a dependency
        return "cp1252"
    best = from_bytes(sample).best()
    guess = best.encoding if best is not None else None
    if not guess or guess.startswith(_UNTRUSTED_GUESSES) or guess in {"ascii", "utf_8", "cp1252"}:
        return "cp1252"
    try:
        decoded = sample.decode(guess)
    except (UnicodeDecodeError, LookupError):
        return "cp1252"
    ascii_letters = sum(1 for ch in decoded if ch.isascii() and ch.isalpha())
    other_letters = sum(1 for ch in decoded if not ch.isascii() and ch.isalpha())
    return guess if other_letters > ascii_letters else "cp1252"


def _sample_for_guess(path: Path) -> bytes:
    """First 256 KB plus the region around the first non-ASCII byte beyond it.

    A long English preface would otherwise hide the only umlauts from the detector.
    """
    with path.open("rb") as fh:
        head = fh.read(256 * 1024)
        if any(b >= 0x80 for b in head):
            return head
        offset = len(head)
        while chunk := fh.read(_CHUNK):
            for i, b in enumerate(chunk):
                if b >= 0x80:
                    start = max(0, i - 1024)
                    return chunk[start : i + 64 * 1024]
            offset += len(chunk)
    return head


def detect_encoding(path: Path) -> str:
    """Codec name for a text file: BOM, BOM-less UTF-16, UTF-8 (see :func:`_is_utf8`), charset-normalizer, cp1252."""
    with path.open("rb") as fh:
        head = fh.read(64 * 1024)
    codec = sniff_bom(head) or sniff_utf16_without_bom(head)
    if codec:
        return codec
    if _is_utf8(path):
        return "utf-8"
    return _guess_8bit(_sample_for_guess(path))


def decode_bytes(data: bytes, declared: str | None = None) -> tuple[str, str]:
    """Decode an in-memory document (HTML, Markdown); returns (text, codec).

    Same order as files, with an encoding the document declares (HTML meta
    charset) tried right after the BOM.
    """
    codec = sniff_bom(data) or sniff_utf16_without_bom(data)
    if codec:
        return data.decode(codec, errors="replace"), codec
    candidates = [c for c in (declared, "utf-8") if c]
    for candidate in candidates:
        try:
            return data.decode(candidate), candidate
        except (UnicodeDecodeError, LookupError):
            continue
    guess = _guess_8bit(data[: 512 * 1024])
    return data.decode(guess, errors="replace"), guess


# "Einsendeschluss: 30.09.2024", "Contact: Maria Muster": a labelled value, not a heading ("Kontakt:" alone may be).
_FIELD_RE = re.compile(r"^[^:]{1,40}:\s+\S")


def _is_heading_line(line: str) -> bool:
    """A short stand-alone line without sentence punctuation, e.g. "1. Einleitung" or "Kontakt"."""
    s = line.strip()
    if not s or len(s) > 80 or len(s.split()) > 12:
        return False
    if s.endswith(_SENTENCE_END) or _LIST_MARKER_RE.match(s) or _FIELD_RE.match(s):
        return False
    return any(ch.isalpha() for ch in s)


def _is_all_caps(line: str) -> bool:
    s = line.strip()
    letters = [ch for ch in s if ch.isalpha()]
    return len(letters) >= 2 and len(s) <= 120 and s.upper() == s and s.lower() != s


def _split_block(lines: list[str]) -> tuple[str | None, list[str], bool]:
    """Split a blank-line separated block into (heading or None, body lines, heading is certain).

    An underlined heading is certain; an ALL CAPS or short stand-alone line is a guess.
    """
    if len(lines) >= 2 and _UNDERLINE_RE.match(lines[1]) and len(lines[1].strip()) >= 3:
        return lines[0].strip(), lines[2:], True
    if _is_all_caps(lines[0]) and not lines[0].strip().endswith(_SENTENCE_END):
        return lines[0].strip(), lines[1:], False
    if len(lines) == 1 and _is_heading_line(lines[0]):
        return lines[0].strip(), [], False
    return None, lines, False


class _SectionBuilder:
    """Collect paragraphs under the current heading; flush on a new heading or at ~1 MB."""

    def __init__(self) -> None:
        self.sections: list[Section] = []
        self.heading: str | None = None
        self._paras: list[str] = []
        self._size = 0

    def add_paragraph(self, text: str) -> None:
        self._paras.append(text)
        self._size += len(text)
        if self._size >= _SECTION_FLUSH_CHARS:
            self.flush()

    def set_heading(self, heading: str) -> None:
        self.flush()
        self.heading = heading

    def flush(self) -> None:
        if self._paras:
            self.sections.append(Section(text="\n\n".join(self._paras), heading=self.heading))
        self._paras, self._size = [], 0


def parse_text(path: Path, *, source: str | None = None) -> ParsedDocument:
    """Parse a plain-text file into sections split at heading-like lines."""
    codec = detect_encoding(path)
    if not codec.startswith(("utf-16", "utf-32")):  # NUL and control bytes are normal there
        binary_at = find_binary(path)
        if binary_at is not None:
            raise ParseError(f"binary data inside the text file (from byte {binary_at}): not a text document")
    warnings: list[str] = []
    log.debug("%s: decoding as %s", path, codec)
    builder = _SectionBuilder()
    title: str | None = None
    block: list[str] = []
    replaced = 0

    # A stand-alone heading-like line only becomes a heading when body text
    # follows; otherwise (address lines, a lone title) it stays text, so
    # nothing is lost to a wrong guess.
    pending: list[str] = []

    def end_block() -> None:
        if not block:
            return
        heading, body, certain = _split_block(block)
        body_text = "\n".join(line for line in body if not (_UNDERLINE_RE.match(line) and len(line.strip()) >= 3))
        block.clear()
        if heading and not body_text.strip() and not certain:
            if pending:
                builder.add_paragraph(pending.pop())
            pending.append(heading)
            return
        if heading and pending:
            builder.add_paragraph(pending.pop())
        heading = heading or (pending.pop() if pending else None)
        if heading:
            builder.set_heading(heading)
        if body_text.strip():
            builder.add_paragraph(textwrap.dedent(body_text))

    try:
        # newline=None: universal newlines turn \r\n and \r into \n while streaming.
        with path.open("r", encoding=codec, errors="replace", newline=None) as fh:
            for raw in fh:
                line = raw.rstrip()
                if "\ufffd" in line:
                    replaced += line.count("\ufffd")
                if not line.strip():
                    end_block()
                    continue
                if title is None:
                    candidate = line.strip().lstrip("\ufeff")
                    title = candidate if len(candidate) <= 200 else ""
                block.append(line)
            end_block()
            if pending:
                builder.add_paragraph(pending.pop())
    except (OSError, LookupError) as exc:
        raise ParseError(f"cannot read text file ({exc})") from exc
    builder.flush()
    if replaced:
        warnings.append(f"{replaced} undecodable characters replaced (decoded as {codec})")
    doc = build_document(
        path=path, source=source, fmt="txt", title=title or None, sections=builder.sections, warnings=warnings
    )
    if not doc.sections:
        raise ParseError("no text (file contains only whitespace)")
    return doc
