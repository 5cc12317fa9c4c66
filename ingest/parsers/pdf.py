"""PDF: text per page with pypdf, page numbers kept for citations.

Answers cite "p. 3", so every section carries its 1-based page. Headings are
found by font size (lines clearly larger than the body text), which works for
the exported office documents programme material mostly is. pypdf raises a
zoo of exceptions on broken files; all of them become a ParseError with a
message that says what is wrong, so one bad file never aborts a batch with a
raw traceback.
"""

from __future__ import annotations

import logging
import math
import re
import shutil
import subprocess
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

from core.contacts import ends_contact_entry
from core.errors import ParseError
from core.models import ParsedDocument, Section
from ingest.parsers._common import build_document, meaningful_title

log = logging.getLogger(__name__)

OCR_LANGUAGES = ("deu", "eng", "fra", "ara")
_OCR_TIMEOUT_S = 300
NO_TEXT_LAYER_MESSAGE = (
    "no text layer (scanned PDF?); OCR is not available: install Tesseract "
    "(Debian: apt-get install tesseract-ocr tesseract-ocr-deu tesseract-ocr-eng "
    "tesseract-ocr-fra tesseract-ocr-ara); ocrmypdf or pytesseract are optional"
)

_HYPHEN_BREAK_RE = re.compile(r"(\w)-[ \t]*\n[ \t]*(\w+)")
_KEEP_HYPHEN_WORDS = frozenset({"und", "oder", "bzw", "sowie", "bis", "and", "or", "to", "et", "ou"})
_SPACES_RE = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
# En/em dashes are left out: at a line start they are far more often a wrapped "Bonn – Kisumu".
_BULLET_RE = re.compile(r"^([•▪◦‣●○■□\-*]|\d{1,3}[.)]|[a-z][.)])\s")
_SENTENCE_END = tuple('.!?:;…"“”»«)')


def _join_hyphenation(text: str) -> str:
    """Undo end-of-line hyphenation: "Klima-\\nanpassung" → "Klimaanpassung".

    Only when a lowercase letter follows, and not before conjunctions, so
    "Bahn-\\nund Busverkehr" keeps its hyphen.
    """

    def repl(m: re.Match[str]) -> str:
        head, word = m.group(1), m.group(2)
        if head.isalpha() and word[0].islower() and word.lower() not in _KEEP_HYPHEN_WORDS:
            return head + word
        return f"{head}-\n{word}"

    return _HYPHEN_BREAK_RE.sub(repl, text)


def _matrix_scale(m: Any) -> float:
    try:
        return math.sqrt(abs(float(m[0]) * float(m[3]) - float(m[1]) * float(m[2]))) or 1.0
    except (TypeError, ValueError, IndexError):
        return 1.0


_BOLD_FONT_RE = re.compile(r"bold|black|heavy|semibold|demi", re.IGNORECASE)
_PAGE_NUMBER_RE = re.compile(
    r"^(?:(?:seite|page|p\.|s\.)\s*)?[-–—]?\s*\d{1,4}\s*(?:[-–—]|(?:von|of|sur|/|de)\s*\d{1,4})?$", re.IGNORECASE
)
_EDGE_LINES = 3


def _key(line: str) -> str:
    """Whitespace-free form for matching: pypdf spaces words differently in fragments and page text."""
    return "".join(line.split())


def _edge_key(line: str) -> str:
    """Running headers/footers repeat with different page numbers: compare them with digits masked."""
    return re.sub(r"\d+", "#", _key(line))


class _PageText:
    """Text of one page plus the style of each fragment, for heading detection.

    Fragments are (text, effective font size, bold?); whitespace-only fragments
    are kept with size None so runs of heading text are not split by them.
    """

    def __init__(self, page: Any) -> None:
        self.fragments: list[tuple[str, float | None, bool]] = []
        self.text = page.extract_text(visitor_text=self._visit) or ""

    def _visit(self, text: str, cm: Any, tm: Any, font: Any, font_size: Any) -> None:
        if not text:
            return
        if not text.strip():
            self.fragments.append((text, None, False))
            return
        try:
            size = float(font_size) * _matrix_scale(tm) * _matrix_scale(cm)
        except (TypeError, ValueError):
            return
        try:
            base = str(font.get("/BaseFont", "")) if hasattr(font, "get") else ""
        except Exception:  # noqa: BLE001 - a broken font dict only costs heading detection
            base = ""
        self.fragments.append((text, round(size, 1), bool(_BOLD_FONT_RE.search(base))))


def _body_style(pages: list[_PageText], running: set[str]) -> tuple[float, bool] | None:
    """The most common (font size, bold) pair, weighted by characters: that is the running text.

    Running headers and footers are left out: on short documents their small
    print would otherwise outweigh the body and make every line a "heading".
    """
    counts: Counter[tuple[float, bool]] = Counter()
    for page in pages:
        for text, size, bold in page.fragments:
            if size is not None and _edge_key(text) not in running:
                counts[(size, bold)] += len(text.strip())
    return counts.most_common(1)[0][0] if counts else None


def _heading_keys(page: _PageText, body: tuple[float, bool] | None) -> dict[str, tuple[float, bool]]:
    """Keys of lines set clearly larger than the body text, or bold where the body is not, with their style."""
    if not body:
        return {}
    body_size, body_bold = body
    keys: dict[str, tuple[float, bool]] = {}
    run: list[str] = []
    run_style: tuple[float, bool] | None = None

    def close() -> None:
        nonlocal run_style
        if run_style is not None:
            for piece in "".join(run).split("\n"):
                if key := _key(piece):
                    keys.setdefault(key, run_style)
        run.clear()
        run_style = None

    for text, size, bold in page.fragments:
        if size is None:
            if run:
                run.append(text)
            continue
        larger = size >= body_size * 1.15
        emphasised = bold and not body_bold and size >= body_size * 0.95
        if larger or emphasised:
            if run_style is not None and run_style != (size, bold):
                close()
            run_style = run_style or (size, bold)
            run.append(text)
        else:
            close()
    close()
    return keys


def _running_lines(page_lines: list[list[str]]) -> set[str]:
    """Edge keys of lines repeated at the top or bottom of most pages (running headers/footers)."""
    with_text = [lines for lines in page_lines if lines]
    if len(with_text) < 2:
        return set()
    counts: Counter[str] = Counter()
    for lines in with_text:
        counts.update({_edge_key(line) for line in lines[:_EDGE_LINES] + lines[-_EDGE_LINES:]})
    threshold = max(2, math.ceil(0.6 * len(with_text)))
    return {key for key, n in counts.items() if n >= threshold and key}


def _page_lines(text: str) -> list[str]:
    """Non-empty, whitespace-collapsed lines; blank lines kept as "" between them."""
    text = _join_hyphenation(text.replace("\r\n", "\n").replace("\r", "\n"))
    lines = [_SPACES_RE.sub(" ", line).strip() for line in text.split("\n")]
    while lines and not lines[0]:
        lines.pop(0)
    while lines and not lines[-1]:
        lines.pop()
    return lines


def _strip_edges(lines: list[str], running: set[str]) -> list[str]:
    """Drop running headers/footers and bare page numbers from the first and last lines of a page."""
    nonblank = [i for i, line in enumerate(lines) if line]
    edges = set(nonblank[:_EDGE_LINES] + nonblank[-_EDGE_LINES:])
    return [
        line
        for i, line in enumerate(lines)
        if not (i in edges and (_edge_key(line) in running or _PAGE_NUMBER_RE.match(line)))
    ]


def _page_sections(
    lines: list[str], page_no: int, heading_keys: dict[str, tuple[float, bool]], heading: str | None
) -> tuple[list[Section], str | None]:
    """Cut one page's lines at heading lines; returns sections and the heading in force at the end.

    Lines are joined into paragraphs; a paragraph ends at a blank line, before
    a bullet, after a line that ends a sentence and is clearly shorter than
    the page's full lines (the typical last line of a paragraph), or where one
    person's contact details end and the next entry begins. Consecutive
    heading lines in the same style (a wrapped title) form one heading; a
    styled line ending in "." counts only as part of such a run, otherwise it
    is an emphasised sentence and stays text.
    """
    styles = [heading_keys.get(_key(line)) if line and len(line) <= 150 else None for line in lines]

    def neighbour_style(i: int, step: int) -> tuple[float, bool] | None:
        j = i + step
        while 0 <= j < len(lines) and not lines[j]:
            j += step
        return styles[j] if 0 <= j < len(lines) else None

    is_heading = [
        style is not None and (not line.endswith(".") or style in (neighbour_style(i, -1), neighbour_style(i, 1)))
        for i, (line, style) in enumerate(zip(lines, styles, strict=True))
    ]
    full = max((len(line) for line in lines), default=0)
    sections: list[Section] = []
    paragraphs: list[str] = []
    current: list[str] = []
    last_heading_style: tuple[float, bool] | None = None

    def end_paragraph() -> None:
        if not current:
            return
        text = " ".join(current)
        current.clear()
        # Consecutive list items stay one block, one item per line.
        if paragraphs and _BULLET_RE.match(text) and _BULLET_RE.match(paragraphs[-1].rsplit("\n", 1)[-1]):
            paragraphs[-1] += "\n" + text
        else:
            paragraphs.append(text)

    def end_section(next_heading: str | None) -> None:
        nonlocal heading
        end_paragraph()
        if paragraphs:
            sections.append(Section(text="\n\n".join(paragraphs), page=page_no, heading=heading))
            paragraphs.clear()
        heading = next_heading

    for line, style, head in zip(lines, styles, is_heading, strict=True):
        if not line:
            end_paragraph()
            continue
        if head:
            continues = last_heading_style == style and heading and not current and not paragraphs
            if continues and heading is not None and len(heading) + len(line) < 300:
                heading = f"{heading} {line}"
            else:
                end_section(line)
            last_heading_style = style
            continue
        last_heading_style = None
        # A contact block lists one person after another with no blank line between them.
        if current and (_BULLET_RE.match(line) or ends_contact_entry(current[-1], line)):
            end_paragraph()
        current.append(line)
        if line.endswith(_SENTENCE_END) and len(line) < 0.8 * full:
            end_paragraph()
    end_section(heading)
    return sections, heading


def _no_text_message() -> str:
    """Say exactly what is missing for OCR on this machine."""
    if shutil.which("tesseract") is None:
        return NO_TEXT_LAYER_MESSAGE
    try:
        import PIL  # noqa: F401  # page images are handed to Tesseract as PNG
    except ImportError:
        return "no text layer (scanned PDF?); Tesseract is installed but Pillow is missing: pip install pillow"
    return "no text layer (scanned PDF?) and OCR recognised no text"


def _tesseract_languages() -> str:
    """The wanted OCR languages that are installed, as tesseract's "deu+eng" string."""
    try:
        cmd = ["tesseract", "--list-langs"]
        out = subprocess.run(cmd, check=False, capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return "eng"
    installed = {line.strip() for line in out.splitlines()}
    wanted = [lang for lang in OCR_LANGUAGES if lang in installed]
    return "+".join(wanted) or "eng"


def _sections_from_reader(reader: Any) -> list[Section]:
    sections: list[Section] = []
    for number, page in enumerate(reader.pages, start=1):
        text = page.extract_text() or ""
        if text.strip():
            sections.extend(_page_sections(_page_lines(text), number, {}, None)[0])
    return sections


def _tesseract_image(image: Any, langs: str) -> str:
    """Text of one PIL image: pytesseract when installed, else the ``tesseract`` binary directly.

    pytesseract is only a subprocess wrapper, and it is in no dependency list;
    calling the binary ourselves means Tesseract alone (as ``scripts/setup.sh
    --ci`` installs it) is enough for OCR.
    """
    try:
        import pytesseract  # type: ignore[import-not-found]
    except ImportError:
        pytesseract = None
    if pytesseract is not None:
        return str(pytesseract.image_to_string(image, lang=langs))
    with tempfile.TemporaryDirectory() as tmp:
        png = Path(tmp) / "page.png"
        image.save(png, format="PNG")
        done = subprocess.run(
            ["tesseract", str(png), "stdout", "-l", langs],
            check=False, capture_output=True, timeout=_OCR_TIMEOUT_S,
        )
    if done.returncode != 0:
        raise RuntimeError(f"tesseract exited with {done.returncode}: {done.stderr.decode('utf-8', 'replace')[:200]}")
    return done.stdout.decode("utf-8", "replace")


def _ocr_pdf(path: Path) -> list[Section] | None:
    """OCR hook for PDFs without a text layer; None when OCR is unavailable or fails.

    Needs the ``tesseract`` binary on PATH. Uses ocrmypdf when installed (adds
    a text layer, then pypdf reads it), else runs Tesseract on the page images
    pypdf extracts (needs Pillow; pytesseract is used when present, the binary
    directly otherwise).
    """
    if shutil.which("tesseract") is None:
        return None
    langs = _tesseract_languages()
    from pypdf import PdfReader

    try:
        import ocrmypdf  # type: ignore[import-not-found]
    except ImportError:
        ocrmypdf = None
    if ocrmypdf is not None:
        try:
            with tempfile.TemporaryDirectory() as tmp:
                out = Path(tmp) / "ocr.pdf"
                ocrmypdf.ocr(str(path), str(out), language=langs.split("+"), skip_text=True, progress_bar=False)
                sections = _sections_from_reader(PdfReader(out))
            if sections:
                return sections
        except Exception as exc:  # noqa: BLE001 - OCR is best effort
            log.warning("%s: ocrmypdf failed: %s", path, exc)

    try:
        reader = PdfReader(path)
        if reader.is_encrypted:
            reader.decrypt("")
        sections = []
        for number, page in enumerate(reader.pages, start=1):
            texts = [_tesseract_image(img.image, langs) for img in page.images]
            text = "\n\n".join(t for t in texts if t.strip())
            if text:
                sections.extend(_page_sections(_page_lines(text), number, {}, None)[0])
        return sections or None
    except Exception as exc:  # noqa: BLE001 - OCR is best effort
        log.warning("%s: Tesseract OCR failed: %s", path, exc)
        return None


def _open_reader(path: Path) -> Any:
    """Open and, if needed, decrypt with the empty password; every failure becomes a ParseError."""
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, PdfReadError, PyPdfError

    try:
        reader = PdfReader(path, strict=False)
    except DependencyError as exc:
        raise ParseError(
            f"encrypted PDF needs the 'cryptography' package to decrypt (pip install cryptography): {exc}"
        ) from exc
    except (PdfReadError, PyPdfError) as exc:
        raise ParseError(f"corrupt or truncated PDF ({exc})") from exc
    except Exception as exc:
        raise ParseError(f"corrupt PDF ({type(exc).__name__}: {exc})") from exc
    try:
        if reader.is_encrypted:
            from pypdf import PasswordType

            if reader.decrypt("") == PasswordType.NOT_DECRYPTED:
                raise ParseError("encrypted PDF (password required)")
    except ParseError:
        raise
    except DependencyError as exc:
        raise ParseError(f"encrypted PDF needs the 'cryptography' package (pip install cryptography): {exc}") from exc
    except Exception as exc:
        raise ParseError(f"encrypted PDF could not be decrypted ({type(exc).__name__}: {exc})") from exc
    return reader


def _looks_truncated(path: Path) -> bool:
    """A complete PDF ends with %%EOF (a little trailing garbage is tolerated)."""
    with path.open("rb") as fh:
        fh.seek(0, 2)
        size = fh.tell()
        fh.seek(max(0, size - 2048))
        return b"%%EOF" not in fh.read()


def parse_pdf(path: Path, *, source: str | None = None) -> ParsedDocument:
    """Parse a PDF into sections carrying their 1-based page (and heading where one is detected)."""
    warnings: list[str] = []
    truncated = _looks_truncated(path)
    reader = _open_reader(path)
    try:
        pages = list(reader.pages)
        title = meaningful_title((reader.metadata or {}).get("/Title"))
    except ParseError:
        raise
    except Exception as exc:
        kind = "truncated" if truncated else "corrupt"
        raise ParseError(f"{kind} PDF: page tree unreadable ({type(exc).__name__}: {exc})") from exc
    if not pages:
        raise ParseError("corrupt PDF: no pages" + (" (file is truncated)" if truncated else ""))
    if truncated:
        warnings.append("PDF may be truncated (no %%EOF marker); text may be incomplete")

    page_texts: list[_PageText | None] = []
    failed: list[int] = []
    for number, page in enumerate(pages, start=1):
        try:
            page_texts.append(_PageText(page))
        except Exception as exc:  # noqa: BLE001 - one broken page must not lose the others
            log.warning("%s: page %d unreadable: %s", path, number, exc)
            failed.append(number)
            page_texts.append(None)
    if failed:
        warnings.append(f"text extraction failed on page(s) {', '.join(map(str, failed))}")
    if len(failed) == len(pages):
        raise ParseError(("truncated" if truncated else "corrupt") + " PDF: no page could be read")

    readable = [p for p in page_texts if p is not None]
    lines_per_page = [_page_lines(p.text) if p is not None else [] for p in page_texts]
    running = _running_lines(lines_per_page)
    body = _body_style(readable, running)
    sections: list[Section] = []
    heading: str | None = None
    empty: list[int] = []
    for number, (page_text, lines) in enumerate(zip(page_texts, lines_per_page, strict=True), start=1):
        if page_text is None:
            continue
        if not any(lines):
            empty.append(number)
            continue
        lines = _strip_edges(lines, running)
        page_sections, heading = _page_sections(lines, number, _heading_keys(page_text, body), heading)
        sections.extend(page_sections)

    if not sections:
        ocr_sections = _ocr_pdf(path)
        if not ocr_sections:
            raise ParseError(_no_text_message())
        sections = ocr_sections
        warnings.append("no text layer; text recognised by OCR")
    elif empty:
        warnings.append(f"no text layer on page(s) {', '.join(map(str, empty))} (images only?)")

    return build_document(path=path, source=source, fmt="pdf", title=title, sections=sections, warnings=warnings)
