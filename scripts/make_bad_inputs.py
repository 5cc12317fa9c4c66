#!/usr/bin/env python3
"""Generate hostile and broken input files for ingest reliability tests.

Usage::

    python scripts/make_bad_inputs.py OUTDIR          # the small kinds (what tests/fixtures/bad_inputs holds)
    python scripts/make_bad_inputs.py OUTDIR --big    # plus the 50 MB text, the over-limit file and huge images

Real programme folders contain everything on this list sooner or later, and
each kind has broken some document pipeline somewhere. Every file comes with
its *expected* outcome in ``OUTDIR/.manifest.json`` (hidden, so ingest skips
it): either a parse that must contain certain text, or a per-file error whose
message must match a pattern. Tests assert exactly that, so a parser change
that turns a clear error into garbage (or the reverse) fails loudly.

The big kinds are never committed: they are generated in a temporary
directory at test time (the over-limit file is sparse, so it costs no disk).
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import os
import random
import shutil
import stat
import struct
import sys
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

log = logging.getLogger("make_bad_inputs")

MANIFEST = ".manifest.json"
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
BIG_TEXT_BYTES = 50 * 1000 * 1000  # "50 MB": just under the default 50 MiB ingest limit, so it is really parsed
OVER_LIMIT_BYTES = 51 * 1024 * 1024  # just over the default limit (CCASSIST_MAX_FILE_BYTES = 50 MiB)
_FIXED_DATE = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)

GERMAN = (
    "Die Partnerstädte Köln und Kisumu arbeiten seit 2024 gemeinsam an der Klimaanpassung ihrer Quartiere. "
    "Grünflächen über Straßen und entsiegelte Schulhöfe senken die Temperatur im Sommer spürbar. "
    "Im Mai 2025 trafen sich Fachleute beider Städte zu einem Workshop über Frühwarnsysteme bei Starkregen."
)
OCR_LINES = [
    "Klimaanpassung in Partnerstädten",
    "Die Stadt Leipzig plant neue Grünflächen",
    "gegen Hitze und Starkregen im Sommer.",
    "Bewerbungsfrist: 7. Februar 2026",
]


@dataclass
class Expect:
    """What ingest must make of one file.

    ``outcome`` is ``ok`` (indexed; ``contains`` must appear in the parsed text),
    ``error`` (reported in ``failed`` with a message matching ``error``),
    ``duplicate`` (same content as ``twin``: skipped, nothing new written) or
    ``ocr`` (ok when Tesseract is installed, else the "no text layer; install OCR" error) or
    ``hidden`` (a dot-file: not ingested and not reported).
    """

    kind: str
    outcome: str
    contains: list[str] = field(default_factory=list)
    error: str = ""
    twin: str = ""
    ordered: list[str] = field(default_factory=list)  # substrings that must appear in this order
    big: bool = False
    note: str = ""


# ----------------------------------------------------------------------------------------- helpers


def _font(name: str = "DejaVuSans.ttf") -> Path | None:
    path = FONT_DIR / name
    return path if path.is_file() else None


def _pdf() -> object:
    """An FPDF with a Unicode font when DejaVu is installed, else Helvetica (Latin-1 covers German)."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_creation_date(_FIXED_DATE)
    font = _font()
    if font is not None:
        pdf.add_font("Body", "", str(font))
        bold = _font("DejaVuSans-Bold.ttf")
        pdf.add_font("Body", "B", str(bold or font))
        pdf.body_font = "Body"  # type: ignore[attr-defined]
    else:
        pdf.body_font = "Helvetica"  # type: ignore[attr-defined]
    return pdf


def _german_pdf_bytes(pages: int = 3) -> bytes:
    pdf = _pdf()
    pdf.set_title("Klimaanpassung in Partnerstädten")  # type: ignore[attr-defined]
    for n in range(1, pages + 1):
        pdf.add_page()  # type: ignore[attr-defined]
        pdf.set_font(pdf.body_font, "B", 16)  # type: ignore[attr-defined]
        pdf.cell(0, 10, f"Kapitel {n}", new_x="LMARGIN", new_y="NEXT")  # type: ignore[attr-defined]
        pdf.set_font(pdf.body_font, "", 11)  # type: ignore[attr-defined]
        for _ in range(4):
            pdf.multi_cell(0, 6, GERMAN, new_x="LMARGIN", new_y="NEXT")  # type: ignore[attr-defined]
    return bytes(pdf.output())  # type: ignore[attr-defined]


def _png(width: int, height: int, *, noise: bool, rng: random.Random) -> bytes:
    """A valid RGB PNG; ``noise`` makes it incompressible (big on disk), else it is one colour (tiny on disk,
    ``width*height*3`` bytes once decoded: a decompression bomb for anything that decodes images)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    comp = zlib.compressobj(9)
    out = io.BytesIO()
    row_zero = b"\x00" + b"\x80" * (width * 3)
    for _ in range(height):
        row = b"\x00" + rng.randbytes(width * 3) if noise else row_zero
        out.write(comp.compress(row))
    out.write(comp.flush())
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", out.getvalue()) + chunk(b"IEND", b"")


def _docx_with(paragraphs: list[str], media: dict[str, bytes] | None = None) -> bytes:
    """A DOCX via python-docx; ``media`` pictures are inserted inline (real image parts)."""
    import docx
    from docx.shared import Cm

    document = docx.Document()
    document.core_properties.title = "Bildbericht Partnerschaft Köln–Kisumu"
    for text in paragraphs:
        document.add_paragraph(text)
    for data in (media or {}).values():
        document.add_picture(io.BytesIO(data), width=Cm(10))
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


# ----------------------------------------------------------------------------------------- kinds
# Each maker writes its file(s) into ``out`` and returns {file name: Expect}.

Maker = Callable[[Path, random.Random], dict[str, Expect]]


def corrupt_pdf(out: Path, rng: random.Random) -> dict[str, Expect]:
    (out / "corrupt.pdf").write_bytes(b"%PDF-1.7\n" + rng.randbytes(6000))
    (out / "not_a_pdf.pdf").write_bytes(rng.randbytes(4000).replace(b"%PDF", b"%PDX"))
    return {
        "corrupt.pdf": Expect("corrupt PDF (valid header, garbage body)", "error", error=r"PDF"),
        "not_a_pdf.pdf": Expect("random bytes named .pdf", "error", error=r"not a PDF"),
    }


def truncated_pdf(out: Path, rng: random.Random) -> dict[str, Expect]:
    data = _german_pdf_bytes(pages=3)
    (out / "truncated.pdf").write_bytes(data[: len(data) // 2])
    return {"truncated.pdf": Expect("PDF cut in half (download aborted)", "error", error=r"truncated|corrupt")}


def encrypted_pdfs(out: Path, rng: random.Random) -> dict[str, Expect]:
    from pypdf import PdfReader, PdfWriter

    plain = _german_pdf_bytes(pages=1)
    for name, user in (("encrypted_password.pdf", "geheim"), ("encrypted_empty_password.pdf", "")):
        writer = PdfWriter()
        for page in PdfReader(io.BytesIO(plain)).pages:
            writer.add_page(page)
        writer.encrypt(user_password=user, owner_password="owner-secret", algorithm="RC4-128")
        with (out / name).open("wb") as fh:
            writer.write(fh)
    return {
        "encrypted_password.pdf": Expect("PDF encrypted with a user password", "error", error=r"encrypted PDF.*password"),
        "encrypted_empty_password.pdf": Expect(
            "PDF encrypted with an empty user password (owner restrictions only)", "ok", contains=["Klimaanpassung"]
        ),
    }


def scanned_pdf(out: Path, rng: random.Random) -> dict[str, Expect]:
    """German text rendered to an image with PIL and embedded with fpdf2: no text layer at all."""
    from PIL import Image, ImageDraw, ImageFont

    font_path = _font()
    size = 44
    font = ImageFont.truetype(str(font_path), size) if font_path else ImageFont.load_default(size=size)
    image = Image.new("L", (1700, 120 + 80 * len(OCR_LINES)), color=255)
    draw = ImageDraw.Draw(image)
    for i, line in enumerate(OCR_LINES):
        draw.text((80, 60 + 80 * i), line, fill=0, font=font)
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_creation_date(_FIXED_DATE)
    pdf.add_page()
    pdf.image(io.BytesIO(buf.getvalue()), x=10, y=20, w=190)
    pdf.output(str(out / "scanned_de.pdf"))
    return {
        "scanned_de.pdf": Expect(
            "scanned PDF: German text as an image, no text layer", "ocr", contains=["Klimaanpassung", "Leipzig"],
            error=r"no text layer", note="OCR'd when Tesseract is installed; otherwise a clear 'install OCR' error",
        )
    }


def table_pdf(out: Path, rng: random.Random) -> dict[str, Expect]:
    pdf = _pdf()
    pdf.add_page()  # type: ignore[attr-defined]
    pdf.set_font(pdf.body_font, "B", 14)  # type: ignore[attr-defined]
    pdf.cell(0, 10, "Maßnahmen der Partnerstädte", new_x="LMARGIN", new_y="NEXT")  # type: ignore[attr-defined]
    pdf.set_font(pdf.body_font, "", 11)  # type: ignore[attr-defined]
    pdf.multi_cell(0, 6, "Die folgende Tabelle fasst die Maßnahmen zusammen.", new_x="LMARGIN", new_y="NEXT")  # type: ignore[attr-defined]
    rows = [("Stadt", "Maßnahme", "Jahr"), ("Köln", "Gründächer", "2024"), ("Kisumu", "Frühwarnsystem", "2025"),
            ("Leipzig", "Schwammstadt", "2026")]
    with pdf.table(col_widths=(40, 60, 30), text_align="LEFT") as table:  # type: ignore[attr-defined]
        for row in rows:
            cells = table.row()
            for value in row:
                cells.cell(value)
    pdf.multi_cell(0, 6, "Nach der Tabelle folgt das Fazit der Arbeitsgruppe.", new_x="LMARGIN", new_y="NEXT")  # type: ignore[attr-defined]
    pdf.output(str(out / "table.pdf"))  # type: ignore[attr-defined]
    return {
        "table.pdf": Expect(
            "PDF with a table", "ok", contains=["Gründächer", "Frühwarnsystem"],
            ordered=["Stadt Maßnahme Jahr", "Köln Gründächer 2024", "Kisumu Frühwarnsystem 2025",
                     "Leipzig Schwammstadt 2026", "Fazit"],
            note="rows stay rows, in reading order, and the text after the table comes after it",
        )
    }


def empty_and_binary(out: Path, rng: random.Random) -> dict[str, Expect]:
    (out / "empty.txt").write_bytes(b"")
    (out / "whitespace_only.txt").write_text(" \n\t\n   \r\n", encoding="utf-8")
    (out / "binary.txt").write_bytes(b"\x7fELF\x02\x01\x01\x00" + rng.randbytes(3000))
    return {
        "empty.txt": Expect("0-byte file", "error", error=r"empty file"),
        "whitespace_only.txt": Expect("only whitespace", "error", error=r"no text"),
        "binary.txt": Expect("binary (ELF) named .txt", "error", error=r"binary"),
    }


def zip_bomb_docx(out: Path, rng: random.Random) -> dict[str, Expect]:
    chunk = bytes(1024 * 1024)
    with zipfile.ZipFile(out / "zipbomb.docx", "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", "<w:document/>")
        with zf.open("word/document2.xml", "w", force_zip64=True) as member:
            for _ in range(256):  # 256 MiB of zeros in ~250 KB
                member.write(chunk)
    (out / "corrupt.docx").write_bytes(b"PK\x03\x04" + rng.randbytes(2000))
    return {
        "zipbomb.docx": Expect("DOCX zip bomb (256 MiB of zeros in 250 KB)", "error", error=r"suspicious archive"),
        "corrupt.docx": Expect("zip header followed by garbage", "error", error=r"corrupt|truncated"),
    }


def pixel_bomb_docx(out: Path, rng: random.Random) -> dict[str, Expect]:
    """A small DOCX whose picture decodes to 432 MB of pixels (never decoded by ingest)."""
    image = _png(12000, 12000, noise=False, rng=rng)
    (out / "pixel_bomb_image.docx").write_bytes(
        _docx_with(["Bildbericht: Die Delegation besuchte das Klärwerk in Kisumu."], {"bomb.png": image})
    )
    return {
        "pixel_bomb_image.docx": Expect(
            "DOCX with a 12000x12000 px image (432 MB decoded)", "ok", contains=["Klärwerk"],
            note="media parts are never decoded",
        )
    }


def huge_images_docx(out: Path, rng: random.Random) -> dict[str, Expect]:
    images = {f"photo{i}.png": _png(1600, 1200, noise=True, rng=rng) for i in range(4)}  # ~23 MB, incompressible
    (out / "huge_images.docx").write_bytes(
        _docx_with(["Fotodokumentation: Der Workshop in Leipzig brachte zwölf Städte zusammen."], images)
    )
    return {
        "huge_images.docx": Expect(
            "DOCX with ~23 MB of incompressible embedded photos", "ok", contains=["zwölf Städte"], big=True
        )
    }


def html_kinds(out: Path, rng: random.Random) -> dict[str, Expect]:
    scripts = "<html><head><script>var a = 1;</script></head><body><script>" + "x();" * 500 + "</script>" \
              "<style>body{color:red}</style><noscript></noscript></body></html>"
    (out / "scripts_only.html").write_text(scripts, encoding="utf-8")
    depth = 50_000
    nested = "<html><body>" + "<div>" * depth + "<p>Tief verschachtelt: Das Netzwerktreffen findet in Bonn statt.</p>" \
             + "</div>" * depth + "</body></html>"
    (out / "deeply_nested.html").write_text(nested, encoding="utf-8")
    unclosed = "<html><body>" + "<span><b><i>" * 20_000 + "Offene Tags: Der Bericht aus Amman ist online."
    (out / "unclosed_tags.html").write_text(unclosed, encoding="utf-8")
    return {
        "scripts_only.html": Expect("HTML with scripts and styles only", "error", error=r"no text"),
        "deeply_nested.html": Expect(f"HTML nested {depth} levels deep", "ok", contains=["Netzwerktreffen"]),
        "unclosed_tags.html": Expect("60,000 unclosed inline tags", "ok", contains=["Amman"]),
    }


def encodings(out: Path, rng: random.Random) -> dict[str, Expect]:
    text = "Städte über Grenzen\n\nDie Bürgerinnen und Bürger in Köln, Düsseldorf und Münster äußern sich.\n"
    (out / "utf16_bom.txt").write_bytes(text.encode("utf-16"))
    (out / "utf16le_nobom.txt").write_bytes(text.replace("Städte", "Gemeinden").encode("utf-16-le"))
    (out / "latin1.txt").write_bytes(text.replace("Städte", "Dörfer").encode("latin-1"))
    (out / "cp1252.txt").write_bytes(("Preise in €: „Grüße“ aus Lübeck – " + text).encode("cp1252"))
    return {
        "utf16_bom.txt": Expect("UTF-16 with BOM", "ok", contains=["Städte über Grenzen", "Düsseldorf"]),
        "utf16le_nobom.txt": Expect("UTF-16-LE without BOM", "ok", contains=["Gemeinden", "äußern"]),
        "latin1.txt": Expect("Latin-1", "ok", contains=["Dörfer", "Münster"]),
        "cp1252.txt": Expect("Windows-1252 with € and curly quotes", "ok", contains=["€", "„Grüße“", "Lübeck"]),
    }


def line_kinds(out: Path, rng: random.Random) -> dict[str, Expect]:
    mixed = "Zeile eins endet mit CRLF.\r\nZeile zwei endet mit LF.\nZeile drei endet mit CR.\rZeile vier ohne Ende."
    (out / "mixed_line_endings.txt").write_bytes(mixed.encode("utf-8"))
    sentences = [f"Satz {i}: Die Partnerschaft zwischen Stadt {i % 97} und Stadt {i % 89} wächst." for i in range(2000)]
    (out / "long_line.txt").write_text(" ".join(sentences), encoding="utf-8")  # ~140 KB, no newline at all
    (out / "long_token.txt").write_text("Anhang: " + "".join(rng.choice("abcdefghijk0123456789") for _ in range(50_000)),
                                        encoding="utf-8")
    return {
        "mixed_line_endings.txt": Expect(
            "CRLF, LF and bare CR in one file", "ok", contains=["Zeile drei endet mit CR.\nZeile vier"],
            note="a bare CR is a line break, not glue",
        ),
        "long_line.txt": Expect("~140 KB on a single line", "ok", contains=["Satz 1999"]),
        "long_token.txt": Expect("50,000 characters without any whitespace", "ok", contains=["Anhang"]),
    }


def name_kinds(out: Path, rng: random.Random) -> dict[str, Expect]:
    names = {
        "Bericht über Städte – 报告 (final).md": "# Städtebericht\n\nDer Bericht über Köln und Kisumu ist fertig.\n",
        "name  with   spaces.txt": "Dateiname mit Leerzeichen: Treffen in Freiburg im März.\n",
        "sub\\..\\..\\etc\\passwd.txt": "Kein Pfad: der Name sieht nur aus wie ein Ausbruch aus dem Ordner, Treffen in Bonn.\n",
        "%2e%2e%2fsecret.md": "# Kodierter Name\n\nProzent-kodierter Name, Inhalt über Amman.\n",
        "-rf --no-preserve-root.txt": "Ein Name, der wie eine Option aussieht, über Tunis.\n",
        "Ｆｕｌｌｗｉｄｔｈ ﬁle\u200b.txt": "Vollbreite Zeichen und ein unsichtbares Leerzeichen im Namen, über Sfax.\n",
    }
    expected: dict[str, Expect] = {}
    for name, body in names.items():
        (out / name).write_text(body, encoding="utf-8")
        expected[name] = Expect("unusual file name", "ok", contains=[body.strip().splitlines()[-1][:20]])
    hidden = "..\\..\\etc\\shadow.txt"  # starts with a dot: a hidden file, which ingest skips by design
    (out / hidden).write_text("Versteckt: dieser Text darf nicht im Index landen.\n", encoding="utf-8")
    expected[hidden] = Expect("dot-file name that looks like a path escape", "hidden",
                              note="hidden files are skipped silently, like .DS_Store")
    return expected


def duplicates(out: Path, rng: random.Random) -> dict[str, Expect]:
    body = "# Doppelt\n\nDieses Dokument liegt zweimal im Ordner, unter verschiedenen Namen, über Da Nang.\n"
    (out / "dup_a.md").write_text(body, encoding="utf-8")
    (out / "dup_b_copy.md").write_text(body, encoding="utf-8")
    return {
        "dup_a.md": Expect("original of a duplicate pair", "ok", contains=["zweimal"]),
        "dup_b_copy.md": Expect("same bytes as dup_a.md", "duplicate", twin="dup_a.md"),
    }


def unsupported(out: Path, rng: random.Random) -> dict[str, Expect]:
    with zipfile.ZipFile(out / "slides.pptx", "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("ppt/presentation.xml", "<p:presentation/>")
    (out / "photo.png").write_bytes(_png(8, 8, noise=True, rng=rng))
    (out / "table.xyz").write_text("a,b,c\n1,2,3\n", encoding="utf-8")
    (out / "legacy.doc").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + rng.randbytes(2000))
    return {
        "slides.pptx": Expect("PowerPoint (zip, not Word)", "error", error=r"unsupported file type"),
        "photo.png": Expect("PNG image", "error", error=r"unsupported file type: PNG"),
        "table.xyz": Expect("unknown extension", "error", error=r"unsupported file type: \.xyz"),
        "legacy.doc": Expect("legacy binary Word", "error", error=r"legacy Office"),
    }


def tricky_text(out: Path, rng: random.Random) -> dict[str, Expect]:
    (out / "bad_front_matter.md").write_text("---\ntitle: [unclosed\n---\n# Titel\n\nText über Kampala.\n",
                                             encoding="utf-8")
    head = ("Vorspann über Belo Horizonte. " * 400).encode("utf-8")  # > 8 KB of clean text first
    (out / "binary_tail.txt").write_bytes(head + b"\x00\x01\x02\xff\xfe" + rng.randbytes(4000))
    damaged = ("Die Städte Köln und Münster tauschen Erfahrungen über Grünflächen aus. " * 50).encode("utf-8")
    (out / "utf8_one_bad_byte.txt").write_bytes(damaged[:1000] + b"\xff" + damaged[1000:])
    report = ("Nach dem Absturz: Bericht über Curitiba. " * 300 + "\n").encode("utf-8")  # > 8 KB, then zeros
    (out / "nul_padded.txt").write_bytes(report + bytes(65536))
    return {
        "bad_front_matter.md": Expect("Markdown with invalid YAML front matter", "ok", contains=["Kampala"]),
        "binary_tail.txt": Expect(
            "8 KB of UTF-8 text, then binary garbage", "error", error=r"binary data",
            note="the format check sees only the first 8 KB; the text parser scans the rest",
        ),
        "utf8_one_bad_byte.txt": Expect(
            "UTF-8 with one invalid byte", "ok", contains=["Städte Köln und Münster"],
            note="decoded as UTF-8 with one replacement, not as cp1252 mojibake",
        ),
        "nul_padded.txt": Expect("12 KB of text, then 64 KB of NUL bytes (crash padding)", "ok", contains=["Curitiba"]),
    }


def big_text(out: Path, rng: random.Random) -> dict[str, Expect]:
    """~50 MB of German text in paragraphs (streamed to disk, never held in memory here)."""
    para = (GERMAN + "\n\n").encode("utf-8")
    path = out / "big_50mb.txt"
    with path.open("wb") as fh:
        written = 0
        i = 0
        while written < BIG_TEXT_BYTES:
            block = f"Abschnitt {i}\n\n".encode() + para * 40
            block = block[: BIG_TEXT_BYTES - written]
            fh.write(block)
            written += len(block)
            i += 1
    return {"big_50mb.txt": Expect("50 MB text file", "ok", contains=["Abschnitt 0"], big=True)}


def over_limit(out: Path, rng: random.Random) -> dict[str, Expect]:
    path = out / "over_limit.txt"
    with path.open("wb") as fh:
        fh.truncate(OVER_LIMIT_BYTES)  # sparse: costs no disk, size is checked before reading
    return {"over_limit.txt": Expect("51 MiB file (over the 50 MiB limit)", "error", error=r"too large", big=True)}


def fifo(out: Path, rng: random.Random) -> dict[str, Expect]:
    """A named pipe with a document extension: reading it would block forever."""
    if not hasattr(os, "mkfifo"):
        return {}
    path = out / "pipe.txt"
    os.mkfifo(path)
    assert stat.S_ISFIFO(path.stat().st_mode)
    return {"pipe.txt": Expect("named pipe (FIFO) named .txt", "error", error=r"not a regular file", big=True)}


SMALL: tuple[Maker, ...] = (
    corrupt_pdf, truncated_pdf, encrypted_pdfs, scanned_pdf, table_pdf, empty_and_binary, zip_bomb_docx,
    pixel_bomb_docx, html_kinds, encodings, line_kinds, name_kinds, duplicates, unsupported, tricky_text,
)
BIG: tuple[Maker, ...] = (big_text, over_limit, huge_images_docx, fifo)


def generate(out: Path, *, big: bool = False, seed: int = 20260115) -> dict[str, Expect]:
    """Write every kind into ``out`` (created if needed) and the manifest; returns {file name: Expect}."""
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    expected: dict[str, Expect] = {}
    for maker in SMALL + (BIG if big else ()):
        made = maker(out, rng)
        log.info("%s: %s", maker.__name__, ", ".join(made))
        expected.update(made)
    (out / MANIFEST).write_text(
        json.dumps({name: asdict(e) for name, e in sorted(expected.items())}, ensure_ascii=False, indent=1) + "\n",
        encoding="utf-8",
    )
    return expected


def load_manifest(folder: Path) -> dict[str, Expect]:
    """The expectations written by :func:`generate`."""
    data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    return {name: Expect(**fields) for name, fields in data.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("outdir", type=Path)
    parser.add_argument("--big", action="store_true", help="also the 50 MB text, the over-limit file, huge images, a FIFO")
    parser.add_argument("--clean", action="store_true", help="empty OUTDIR first")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(message)s", stream=sys.stderr)
    log.setLevel(logging.INFO)  # not the root logger: fontTools logs every glyph subset at INFO
    if args.clean and args.outdir.exists():
        shutil.rmtree(args.outdir)
    expected = generate(args.outdir, big=args.big)
    log.info("wrote %d files to %s", len(expected), args.outdir)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
