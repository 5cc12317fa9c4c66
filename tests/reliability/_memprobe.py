"""Run one ingest in a fresh process and report its peak memory (used by the bad-inputs tests).

Peak RSS has to be measured in a process of its own: the test process has
already loaded models and indexes, and its high-water mark never goes down.
Here one small document of each format is ingested first (it loads every
parser, extractor and model and creates the index), then the kernel's
high-water mark is reset (``/proc/self/clear_refs``), so ``peak_growth`` is
what the measured files cost, not a cold process's imports.

    python -m tests.reliability._memprobe --index DIR [--embedder stub|NAME] PATH...

Prints one JSON object: the ingest report plus ``baseline_rss``, ``peak_rss``
and ``peak_growth`` in bytes.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from core.embedders import DenseEmbedder


class StubEmbedder(DenseEmbedder):
    """Deterministic pseudo-random unit vectors from a hash of the text: no model, no model memory.

    For memory and crash tests the vectors' meaning is irrelevant; their size is not (384, as e5-small).
    """

    name = "stub"
    dim = 384

    def _vectors(self, texts: list[str]) -> np.ndarray:
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            seed = int.from_bytes(hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8).digest(), "little")
            v = np.random.default_rng(seed).standard_normal(self.dim).astype(np.float32)
            out[i] = v / np.linalg.norm(v)
        return out

    def _passages(self, texts: list[str]) -> np.ndarray:
        return self._vectors(texts)

    def _queries(self, texts: list[str]) -> np.ndarray:
        return self._vectors(texts)


def _status(field: str) -> int:
    """A ``VmRSS``/``VmHWM`` value of this process in bytes (Linux)."""
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise RuntimeError(f"{field} not in /proc/self/status")


def _reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as fh:
            fh.write("5")  # resets VmHWM to the current RSS (Linux >= 4.0)
        return True
    except OSError:
        return False


def _warmup_docs(folder: Path) -> Path:
    """One small document per format: ingesting them first loads every parser, extractor and model
    and creates the index, so the measurement is the cost of the files, not of a cold process."""
    import docx
    from fpdf import FPDF

    text = "Aufwärmen: Die Städte Bonn und Kisumu treffen sich am 7. Februar 2026 zum Workshop über Hochwasser."
    long = " ".join(f"Satz {i}: {text}" for i in range(60))  # several chunks: loads the sentence tokenizer
    (folder / "w.md").write_text(f"# Aufwärmen\n\n{text}\n\n{long}\n", encoding="utf-8")
    (folder / "w.txt").write_text(f"Aufwärmen Text\n\n{text} (txt)\n", encoding="utf-8")
    (folder / "w.html").write_text(f"<html><head><title>W</title></head><body><main><h1>Aufwärmen</h1><p>{text} (html)"
                                   "</p></main></body></html>", encoding="utf-8")
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    pdf.multi_cell(0, 6, text.replace("ä", "ae") + " (pdf)")
    pdf.output(str(folder / "w.pdf"))
    document = docx.Document()
    document.add_heading("Aufwärmen", level=1)
    document.add_paragraph(text + " (docx)")
    document.save(str(folder / "w.docx"))
    return folder


def _parse_only(paths: list[str]) -> int:
    """Peak memory of parsing alone (the part of ingest that reads the file)."""
    from ingest.parsers import parse_file

    with tempfile.TemporaryDirectory() as tmp:  # imports and warms every parser before the baseline
        for path in sorted(_warmup_docs(Path(tmp)).iterdir()):
            parse_file(path)
    reset = _reset_peak()
    baseline = _status("VmRSS")
    chars = 0
    for path in paths:
        doc = parse_file(path, max_bytes=1 << 40)
        chars += sum(len(s.text) for s in doc.sections)
        del doc
    peak = _status("VmHWM")
    sys.stdout.write(json.dumps({"chars": chars, "baseline_rss": baseline, "peak_rss": peak,
                                 "peak_growth": peak - baseline, "peak_reset": reset}) + "\n")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--embedder", default="stub")
    parser.add_argument("--visibility", default=None)
    parser.add_argument("--parse-only", action="store_true", help="only parse_file each path (no index)")
    parser.add_argument("paths", nargs="+")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)

    if args.parse_only:
        return _parse_only(args.paths)
    from api.services import Services
    from core.settings import Settings

    embedder_name = "e5-small" if args.embedder == "stub" else args.embedder
    settings = Settings(index_path=args.index, data_dir=args.index.parent / "data", embedder=embedder_name,
                        default_visibility="public")  # type: ignore[call-arg]
    services = Services(settings)
    if args.embedder == "stub":
        services.__dict__["embedder"] = StubEmbedder()
    with tempfile.TemporaryDirectory() as tmp:
        services.ingest([_warmup_docs(Path(tmp))])
    reset = _reset_peak()
    baseline = _status("VmRSS")
    try:
        report = services.ingest(args.paths, visibility=args.visibility)
    finally:
        services.close()
    peak = _status("VmHWM")
    out = report.model_dump(mode="json")
    out.update(baseline_rss=baseline, peak_rss=peak, peak_growth=peak - baseline, peak_reset=reset)
    sys.stdout.write(json.dumps(out, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
