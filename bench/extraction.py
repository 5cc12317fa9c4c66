"""Exchange finder and metadata extraction on the sample corpus, through the product code.

    python bench/extraction.py                      # ingest corpus/ into a temp index, measure, write the report
    python bench/extraction.py --index /tmp/x6      # reuse an index built by `ccassist ingest corpus/ --index /tmp/x6`

What it measures:

* **Finder** (``tests/eval/exchanges.jsonl``: problem descriptions → expected corpus files): the finder returns
  exchanges merged per event, each with its source documents. An exchange is *relevant* when one of its sources
  is an expected file. ``P@5`` = relevant exchanges among those returned in the top 5 (the finder returns fewer
  than 5 when the rest score far below the best); ``P@5/5`` = the same over a fixed denominator of 5, whose
  ceiling is bounded by the number of expected events per query (shown); ``R@5`` = expected files covered by
  the sources of the top 5; ``hit@1``. Modes: dense (default) and the engine-fused hybrid, each with and
  without the relevance cutoff; the two halves of the query set are shown separately because the defaults
  (boost, cutoff) were chosen on this set.
* **Extraction** (``tests/eval/extraction_labels.jsonl``: hand labels per document): precision, recall and F1
  of the cities and countries in the payload (gazetteer via ingest/metadata.py) and of the calendar dates —
  both the dates :func:`core.dates.find_dates` reads in the document (title, section headings and passages;
  range start and end) and the dated payload fields (published, deadlines, event dates); every miss and false
  hit is listed.
* **Exchange records** against the corpus manifest's ``events``: type, start, end and host.

"today" is the corpus date 2026-11-25 (CCASSIST_BENCH_TODAY overrides it).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from api.services import Services
from core.dates import find_dates
from core.filters import Filter, Match
from core.settings import Settings

logger = logging.getLogger("bench.extraction")

EVAL = ROOT / "tests" / "eval"
CORPUS = ROOT / "corpus"
RESULTS = ROOT / "bench" / "results" / "extraction.md"
TODAY = date.fromisoformat(os.environ.get("CCASSIST_BENCH_TODAY", "2026-11-25"))
TARGETS = {"finder_p5": 0.8, "cities_f1": 0.9, "dates_f1": 0.9}
K = 5


def _jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


# ------------------------------------------------------------------------------------------ finder


@dataclass
class FinderRun:
    name: str
    per_query: list[dict[str, Any]] = field(default_factory=list)

    def mean(self, key: str, ids: Sequence[str] | None = None) -> float:
        rows = [r for r in self.per_query if ids is None or r["id"] in ids]
        return sum(r[key] for r in rows) / len(rows) if rows else 0.0


def run_finder(services: Services, queries: list[dict[str, Any]], *, mode: str, cutoff: float | None) -> FinderRun:
    name = f"{mode}, {'no cutoff' if cutoff == 0.0 else 'cutoff'}"
    run = FinderRun(name)
    for q in queries:
        expected = {e["file"] for e in q["expected"]}
        events = {e["event"] for e in q["expected"]}
        t0 = time.perf_counter()
        res = services.exchange_finder.find(q["query"], k=K, today=TODAY, mode=mode, relative_cutoff=cutoff)
        ms = (time.perf_counter() - t0) * 1000
        got = [[Path(s.source).name for s in ex.sources] for ex in res.exchanges[:K]]
        rel = [any(f in expected for f in files) for files in got]
        covered = {f for files in got for f in files} & expected
        run.per_query.append({
            "id": q["id"], "query": q["query"], "lang": q.get("lang", ""),
            "p5": sum(rel) / len(rel) if rel else 0.0,
            "p5_fixed": sum(rel) / K,
            "ceiling": min(len(events), K) / K,
            "r5": len(covered) / len(expected),
            "hit1": 1.0 if rel and rel[0] else 0.0,
            "n": len(rel),
            "ms": ms,
            "query_topics": res.query_topics,
            "returned": [(ex.event, ok, files) for ex, ok, files in zip(res.exchanges, rel, got)],
            "missing": sorted(expected - covered),
        })
    return run


# -------------------------------------------------------------------------------------- extraction


@dataclass
class PRF:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    misses: list[str] = field(default_factory=list)

    def add(self, doc: str, got: set[str], want: set[str]) -> None:
        self.tp += len(got & want)
        self.fp += len(got - want)
        self.fn += len(want - got)
        if got != want:
            parts = []
            if want - got:
                parts.append("missed " + ", ".join(sorted(want - got)))
            if got - want:
                parts.append("extra " + ", ".join(sorted(got - want)))
            self.misses.append(f"`{doc}`: " + "; ".join(parts))

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def _documents(services: Services) -> dict[str, tuple[dict[str, Any], str]]:
    """file name → (first-chunk payload, title + all chunk texts)."""
    docs: dict[str, tuple[dict[str, Any], str]] = {}
    for first in services.store.iter_all(filter=Filter(must=[Match("chunk_index", 0)])):
        p = first.payload
        hits = sorted(services.store.iter_all(filter=Filter(must=[Match("doc_id", p["doc_id"])])),
                      key=lambda h: h.payload.get("chunk_index") or 0)
        headings = list(dict.fromkeys(str(h.payload.get("heading") or "") for h in hits))  # parsers may make a line a heading
        text = "\n\n".join([str(p.get("title", "")), *headings, *(str(h.payload.get("text", "")) for h in hits)])
        docs[Path(p["source"]).name] = (p, text)
    return docs


def _text_dates(text: str, lang: str | None) -> set[str]:
    out: set[str] = set()
    for m in find_dates(text, lang):
        if m.precision != "day":
            continue
        out.add(m.start.isoformat())
        if m.end:
            out.add(m.end.isoformat())
    return out


def measure_extraction(docs: dict[str, tuple[dict[str, Any], str]], labels: list[dict[str, Any]]) -> dict[str, PRF]:
    scores = {k: PRF() for k in ("cities", "countries", "dates (text)", "dates (payload)")}
    for label in labels:
        name = label["file"]
        if name not in docs:
            scores["cities"].misses.append(f"`{name}`: not indexed")
            continue
        payload, text = docs[name]
        scores["cities"].add(name, set(payload.get("cities") or []), set(label["cities"]))
        scores["countries"].add(name, set(payload.get("countries") or []), set(label["countries"]))
        want = set(label["dates"])
        scores["dates (text)"].add(name, _text_dates(text, payload.get("language")), want)
        dated = {payload.get("published"), *(payload.get("deadlines") or []), *(payload.get("event_dates") or [])}
        scores["dates (payload)"].add(name, {d for d in dated if d}, want)
    return scores


def measure_records(services: Services) -> tuple[dict[str, list[int]], list[str]]:
    """Per field: [correct, total] of the records against the manifest's events (documents with one event)."""
    manifest = {d["file"]: d for d in json.loads((CORPUS / "MANIFEST.json").read_text(encoding="utf-8"))}
    records: dict[str, dict[str, Any]] = {}
    for hit in services.exchange_store.iter_all():
        records.setdefault(Path(hit.payload["source"]).name, hit.payload)
    fields = {"found": [0, 0], "event_type": [0, 0], "start": [0, 0], "end": [0, 0], "host": [0, 0], "no_event_no_record": [0, 0]}
    notes: list[str] = []
    for name, entry in sorted(manifest.items()):
        events = entry.get("events") or []
        rec = records.get(name)
        if not events:
            fields["no_event_no_record"][1] += 1
            if rec is None:
                fields["no_event_no_record"][0] += 1
            else:
                notes.append(f"`{name}`: record for a mentioned event the manifest does not list ({rec.get('event_type')} {rec.get('start')} {rec.get('host')})")
            continue
        gold = events[0]
        fields["found"][1] += 1
        if rec is None:
            notes.append(f"`{name}`: no record (manifest: {gold['type']} {gold.get('start')} {gold.get('place')})")
            for key in ("event_type", "start", "end", "host"):
                fields[key][1] += 1
            continue
        fields["found"][0] += 1
        pairs = {"event_type": (rec.get("event_type"), gold["type"]), "start": (rec.get("start"), gold.get("start")),
                 "end": (rec.get("end"), gold.get("end")), "host": (rec.get("host"), gold.get("place"))}
        for key, (got, want) in pairs.items():
            fields[key][1] += 1
            if (got or None) == (want if want not in ("online",) else None) or (key == "host" and want == "Freiburg" and got == "Freiburg im Breisgau"):
                fields[key][0] += 1
            else:
                notes.append(f"`{name}`: {key} {got!r}, manifest {want!r}")
    return fields, notes


# ------------------------------------------------------------------------------------------ report


def _pct(x: float) -> str:
    return f"{x:.3f}"


def _mark(ok: bool) -> str:
    return "✅" if ok else "❌"


def render(runs: list[FinderRun], extraction: dict[str, PRF], records: tuple[dict[str, list[int]], list[str]],
           meta: dict[str, Any]) -> str:
    ids = [r["id"] for r in runs[0].per_query]
    first, second = ids[: len(ids) // 2], ids[len(ids) // 2 :]
    default = runs[0]
    lines = [
        "# Exchange finder and extraction on the sample corpus",
        "",
        (f"Generated by `python bench/extraction.py` on {meta['when']} ({meta['docs']} documents, {meta['records']} exchange "
        f"records, embedder `{meta['embedder']}`, today = {TODAY}, ingest {meta['ingest_s']:.0f} s)."),
        "",
        "## Targets",
        "",
        "| metric | value | target | |",
        "|---|---|---|---|",
        f"| finder P@5 (dense, cutoff; default) | {_pct(default.mean('p5'))} | ≥ {TARGETS['finder_p5']} | {_mark(default.mean('p5') >= TARGETS['finder_p5'])} |",
        f"| city F1 | {_pct(extraction['cities'].f1)} | ≥ {TARGETS['cities_f1']} | {_mark(extraction['cities'].f1 >= TARGETS['cities_f1'])} |",
        f"| date F1 (dates in the text) | {_pct(extraction['dates (text)'].f1)} | ≥ {TARGETS['dates_f1']} | {_mark(extraction['dates (text)'].f1 >= TARGETS['dates_f1'])} |",
        "",
        ("## Finder (`tests/eval/exchanges.jsonl`, "
        f"{len(ids)} problem descriptions)"),
        "",
        "P@5 counts relevant exchanges among those returned (≤ 5; the finder leaves out exchanges far below the best);",
        (f"P@5/5 divides by 5 (ceiling with this gold: {_pct(default.mean('ceiling'))}, because most problems have 1–2 "
        "expected events); R@5 = expected files covered by the sources of the top 5."),
        "",
        "| run | P@5 | P@5/5 | R@5 | hit@1 | returned | P@5 x01–x12 | P@5 x13–x24 | R@5 x01–x12 | R@5 x13–x24 | ms/query |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for run in runs:
        lines.append(
            f"| {run.name} | {_pct(run.mean('p5'))} | {_pct(run.mean('p5_fixed'))} | {_pct(run.mean('r5'))} | "
            f"{_pct(run.mean('hit1'))} | {run.mean('n'):.2f} | {_pct(run.mean('p5', first))} | {_pct(run.mean('p5', second))} | "
            f"{_pct(run.mean('r5', first))} | {_pct(run.mean('r5', second))} | {run.mean('ms'):.0f} |"
        )
    lines += ["", ("Defaults (`retrieval/exchanges.py`): mode dense, topic boost 0.1, relative cutoff 0.97, only past "
              "exchanges (start ≤ today). They were chosen on this query set, so read the halves as a rough check, "
              "not as a held-out test."), "", "### Per query (default run)", "",
              "| id | P@5 | R@5 | query topics | returned (✓ relevant) | missed files |", "|---|---|---|---|---|---|"]
    for r in default.per_query:
        returned = "; ".join(f"{'✓' if ok else '✗'} {str(ev)[:40]}" for ev, ok, _ in r["returned"])
        lines.append(f"| {r['id']} | {_pct(r['p5'])} | {_pct(r['r5'])} | {', '.join(r['query_topics'])} | {returned} | "
                     f"{', '.join(r['missing'])} |")
    lines += ["", "## Extraction (`tests/eval/extraction_labels.jsonl`)", "",
              "| field | precision | recall | F1 | TP | FP | FN |", "|---|---|---|---|---|---|---|"]
    for key, prf in extraction.items():
        lines.append(f"| {key} | {_pct(prf.precision)} | {_pct(prf.recall)} | {_pct(prf.f1)} | {prf.tp} | {prf.fp} | {prf.fn} |")
    for key, prf in extraction.items():
        if prf.misses:
            lines += ["", f"**{key}: differences**", ""] + [f"- {m}" for m in prf.misses]
    fields, notes = records
    lines += ["", "## Exchange records vs. the manifest's events", "", "| field | correct | of |", "|---|---|---|"]
    for key, (ok, total) in fields.items():
        lines.append(f"| {key} | {ok} | {total} |")
    if notes:
        lines += ["", "**Differences**", ""] + [f"- {n}" for n in notes]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--index", type=Path, help="Existing index directory (default: a fresh temp index of corpus/)")
    ap.add_argument("--out", type=Path, default=RESULTS)
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    tmp = None
    index = args.index
    if index is None:
        tmp = tempfile.TemporaryDirectory(prefix="ccassist-bench-")
        index = Path(tmp.name) / "index"
    settings = Settings(index_path=index, data_dir=index.parent / "data")
    services = Services(settings)
    try:
        t0 = time.perf_counter()
        if args.index is None:
            report = services.ingest([str(CORPUS)])
            logger.warning("ingested %d documents (%d failed)", report.indexed, len(report.failed))
        elif services.exchange_store.dim is None or services.exchange_store.count() == 0:
            services.rebuild_exchanges()
        ingest_s = time.perf_counter() - t0
        queries = _jsonl(EVAL / "exchanges.jsonl")
        runs = [run_finder(services, queries, mode=m, cutoff=c) for m, c in
                (("dense", None), ("dense", 0.0), ("hybrid", 0.0))]
        docs = _documents(services)
        extraction = measure_extraction(docs, _jsonl(EVAL / "extraction_labels.jsonl"))
        records = measure_records(services)
        meta = {"when": date.today().isoformat(), "docs": len(docs), "records": services.exchange_store.count(),
                "embedder": settings.embedder, "ingest_s": ingest_s}
        text = render(runs, extraction, records, meta)
    finally:
        services.close()
        if tmp is not None:
            tmp.cleanup()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(text.split("## Finder")[0])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
