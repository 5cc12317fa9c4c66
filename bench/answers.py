"""Answer and fact-sheet benchmark of ccassist on the sample corpus.

Runs from the repo root without installing:

    python bench/answers.py                                   # index corpus/ in a temp dir, both backends
    python bench/answers.py --index /tmp/ccidx --backends extractive
    python bench/answers.py --index /tmp/ccidx --backends local --no-factsheets
    python bench/answers.py --index /tmp/ccidx --backends extractive --from-json /tmp/local.json

What it measures, through the product code (``agents.workflow.Assistant`` over a real Qdrant Edge
index of ``corpus/`` built by the real ingest pipeline), per answer backend:

* **correctness**: answerable questions of ``tests/eval/answers.jsonl`` whose answer contains every
  gold fact (case-, accent- and dash-insensitive substring match; a gold fact that is a date also
  matches the same date in another spelling, "12–14 May 2025" = "from 12 to 14 May 2025");
* **citation precision**: cited passages that contain a gold fact, over all cited passages (answered
  answerable questions); also the share of citations pointing into a gold document;
* **unsupported sentences**: sentences the grounding check removed, over all drafted sentences, and
  *kept unsupported*: answer sentences that an independent audit (every number of the sentence
  occurs verbatim in a cited passage, every sentence cites) rejects; the latter must be 0;
* **refusals**: unanswerable questions answered with the refusal (correct refusals) and answerable
  questions refused (false refusals);
* **latency**: p50/p95 of a whole ``ask`` after a warm-up question, and the mean time per stage
  (planner, search incl. judging, synthesis, grounding);
* **fact sheets**: share of ``must_mention`` strings of ``tests/eval/factsheets.jsonl`` found in the
  fact sheet's Markdown.

"Today" is the corpus' fixed date (2026-11-25) so expired deadlines are stable.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import math
import os
import platform
import random
import re
import shlex
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from agents.models import Answer
from agents.workflow import Assistant
from api.services import Services
from core.dates import find_dates
from core.language import fold
from core.settings import Settings

TODAY = _dt.date(2026, 11, 25)
EVAL_DIR = ROOT / "tests" / "eval"
CORPUS = ROOT / "corpus"
STAGES = ("planner", "search", "synthesis", "grounding")
TARGETS = {
    "extractive": {"correctness": 0.80, "refusal": 0.90, "p50_s": 1.0},
    "local": {"correctness": 0.90, "refusal": 0.90, "p50_s": 15.0},
}
WARMUP = "Wann findet das Netzwerktreffen statt?"
_NUM = re.compile(r"\d+")


def _log(msg: str) -> None:
    print(f"[answers {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def _load_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def norm(text: str) -> str:
    """Fold case and accents, unify dashes, spaces and thousands separators' surroundings."""
    text = fold(text).replace("\u2013", "-").replace("\u2014", "-").replace("\u00a0", " ").replace("\u202f", " ")
    return " ".join(text.split())


def contains(haystack: str, fact: str) -> bool:
    """Substring match; a gold fact that is a date also matches the same date written differently
    ("12–14 May 2025" ↔ "from 12 to 14 May 2025", "30.09.2024" ↔ "30. September 2024")."""
    if norm(fact) in norm(haystack):
        return True
    fact_dates = find_dates(fact, include_months=True)
    if len(fact_dates) != 1 or len(fact_dates[0].surface) < 0.8 * len(fact.strip()):
        return False
    wanted = (fact_dates[0].start, fact_dates[0].last)
    return any((m.start, m.last) == wanted for m in find_dates(haystack, include_months=True))


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


# --------------------------------------------------------------------------------------- scoring


def audit_kept(answer: Answer, passages: dict[str, str]) -> list[str]:
    """Sentences of the answer an independent check rejects: no citation, or a number neither in the cited
    text (the cited passage with its document title and section heading) nor in the question itself."""
    problems = []
    by_n = {c.n: f"{c.title}\n{c.heading or ''}\n{passages.get(c.chunk_id or '', '')}\n{answer.question}"
            for c in answer.citations}
    for sentence in answer.sentences:
        if not sentence.citations:
            problems.append(f"no citation: {sentence.text}")
            continue
        cited = " ".join(by_n.get(n, "") for n in sentence.citations)
        digits_cited = re.sub(r"(?<=\d)[.,\u202f ](?=\d{3}\b)", "", cited)
        for number in _NUM.findall(re.sub(r"(?<=\d)[.,\u202f ](?=\d{3}\b)", "", sentence.text)):
            if number not in digits_cited:
                problems.append(f"number {number} not in cited passages: {sentence.text}")
                break
    return problems


def score_question(item: dict[str, Any], answer: Answer, passages: dict[str, str]) -> dict[str, Any]:
    facts = item.get("gold_facts") or []
    gold_docs = set(item.get("gold_docs") or [])
    missing = [f for f in facts if not contains(answer.answer, f)]
    cited_chunks = [c.chunk_id or "" for c in answer.citations]
    with_fact = sum(1 for cid in cited_chunks if any(contains(passages.get(cid, ""), f) for f in facts))
    in_gold = sum(1 for c in answer.citations if Path(c.source).name in gold_docs)
    drafted = len(answer.sentences) + len(answer.unsupported)
    return {
        "id": item["id"],
        "lang": item["lang"],
        "answerable": item["answerable"],
        "crosslingual": item.get("crosslingual", False),
        "question": item["question"],
        "answer": answer.answer,
        "refused": answer.refused,
        "correct": bool(item["answerable"] and not answer.refused and not missing),
        "missing": missing,
        "citations": len(cited_chunks),
        "citations_with_fact": with_fact,
        "citations_in_gold_doc": in_gold,
        "drafted_sentences": drafted,
        "removed_sentences": len(answer.unsupported),
        "removed": [u.reason for u in answer.unsupported],
        "kept_unsupported": audit_kept(answer, passages),
        "fallback": answer.fallback,
        "similarities": [s.similarity for s in answer.sentences if s.similarity is not None and s.similarity < 1.0],
        "timings_ms": answer.trace.timings_ms,
        "loops": answer.trace.loops,
        "planner": answer.trace.plan.planner if answer.trace.plan else None,
    }


def _mean(values: list[float]) -> float:
    return statistics.mean(values) if values else float("nan")


def summarise(rows: list[dict[str, Any]], sheets: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    answerable = [r for r in rows if r["answerable"]]
    unanswerable = [r for r in rows if not r["answerable"]]
    answered = [r for r in answerable if not r["refused"]]
    cites = sum(r["citations"] for r in answered)
    drafted = sum(r["drafted_sentences"] for r in rows)
    total = [r["timings_ms"].get("total", 0.0) / 1000 for r in rows]
    out: dict[str, Any] = {
        "questions": len(rows),
        "answerable": len(answerable),
        "correctness": sum(r["correct"] for r in answerable) / max(1, len(answerable)),
        "correctness_crosslingual": (
            sum(r["correct"] for r in answerable if r["crosslingual"])
            / max(1, sum(1 for r in answerable if r["crosslingual"]))
        ),
        "citation_precision": sum(r["citations_with_fact"] for r in answered) / max(1, cites),
        "citation_doc_precision": sum(r["citations_in_gold_doc"] for r in answered) / max(1, cites),
        "removed_rate": sum(r["removed_sentences"] for r in rows) / max(1, drafted),
        "kept_unsupported": sum(len(r["kept_unsupported"]) for r in rows),
        "refusal": sum(r["refused"] for r in unanswerable) / max(1, len(unanswerable)),
        "fallback_rate": sum(bool(r.get("fallback")) for r in rows) / max(1, len(rows)),
        "false_refusals": sum(r["refused"] for r in answerable),
        "p50_s": statistics.median(total) if total else float("nan"),
        "p95_s": _pct(total, 0.95),
        "cpu_p50_s": statistics.median(r.get("cpu_s", 0.0) for r in rows) if rows else float("nan"),
        "stage_mean_s": {s: _mean([r["timings_ms"].get(s, 0.0) / 1000 for r in rows]) for s in STAGES},
        "by_lang": {},
    }
    for lang in sorted({r["lang"] for r in answerable}):
        subset = [r for r in answerable if r["lang"] == lang]
        out["by_lang"][lang] = sum(r["correct"] for r in subset) / len(subset)
    if sheets:
        out["factsheet_coverage"] = _mean([r["coverage"] for r in sheets])
        out["factsheet_seconds"] = _mean([r["seconds"] for r in sheets])
    return out


def merge_results(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One entry per backend: questions and fact sheets of several runs (e.g. a separate slow run) combined."""
    merged: dict[str, dict[str, Any]] = {}
    for r in results:
        entry = merged.setdefault(r["backend"], {"backend": r["backend"], "questions": [], "factsheets": []})
        entry["questions"] += r["questions"]
        entry["factsheets"] += r["factsheets"]
    for entry in merged.values():
        entry["summary"] = summarise(entry["questions"], entry["factsheets"])
    return list(merged.values())


# ------------------------------------------------------------------------------------------ runs


def calibrate_grounding(index: Path, questions: list[dict[str, Any]]) -> dict[str, Any]:
    """Cosines the grounding check sees, for supported and unsupported sentences.

    Supported: the sentence stating a gold fact, against its own passage's stored vector, and (the
    cross-lingual case) against the passage of the same fact in another document. Unsupported: that
    sentence against the stored vector of a passage from an unrelated document (the top passage of a
    different question). Reports the share of each side the threshold gets wrong.
    """
    from agents.grounding import SIMILARITY_THRESHOLD
    from agents.similarity import Similarity
    from agents.text import split_sentences

    services = Services(Settings(), index_path=index)
    try:
        sim = Similarity(services.embedder, services.store)
        chunks = [h for h in services.store.iter_all() if h.payload.get("kind", "chunk") == "chunk"]
        gold: list[tuple[str, str, str]] = []  # (sentence, chunk id, doc_id)
        for item in questions:
            for fact in item.get("gold_facts") or []:
                for h in chunks:
                    text = str(h.payload.get("text", ""))
                    if Path(str(h.payload.get("source"))).name in item["gold_docs"] and contains(text, fact):
                        sentence = next((x for x in split_sentences(text) if contains(x, fact)), None)
                        if sentence:
                            gold.append((sentence, h.id, str(h.payload.get("doc_id"))))
                        break
        vectors = sim.sentence_vectors([g[0] for g in gold])
        stored = sim.chunk_vectors([h.id for h in chunks])
        supported, unsupported = [], []
        for i, (_sentence, cid, doc) in enumerate(gold):
            supported.append(float(stored[cid] @ vectors[i]))
            other = gold[(i + len(gold) // 2) % len(gold)]
            if other[2] != doc:
                unsupported.append(float(stored[other[1]] @ vectors[i]))
        return {
            "threshold": SIMILARITY_THRESHOLD,
            "supported": {"n": len(supported), "p05": _pct(supported, 0.05), "p50": _pct(supported, 0.5),
                          "below_threshold": sum(v < SIMILARITY_THRESHOLD for v in supported) / max(1, len(supported))},
            "unsupported": {"n": len(unsupported), "p50": _pct(unsupported, 0.5), "p95": _pct(unsupported, 0.95),
                            "above_threshold": sum(v >= SIMILARITY_THRESHOLD for v in unsupported)
                            / max(1, len(unsupported))},
        }
    finally:
        services.close()


def ensure_index(index: Path) -> None:
    """Index ``corpus/`` into ``index``; idempotent, so an up-to-date index costs only the parsing."""
    services = Services(Settings(), index_path=index)
    try:
        t0 = time.perf_counter()
        # ``source`` is the path as given to ingest: use the same relative spelling as `ccassist ingest corpus/`,
        # or an index built by the CLI would get every document a second time under its absolute path.
        try:
            corpus = os.path.relpath(CORPUS)
        except ValueError:
            corpus = str(CORPUS)
        report = services.ingest([corpus if not corpus.startswith("..") else str(CORPUS)])
        _log(f"index {index}: {report.indexed} files (re)indexed, {report.skipped} unchanged, "
             f"{len(report.failed)} failed, {time.perf_counter() - t0:.1f}s")
    finally:
        services.close()


def run_backend(backend: str, index: Path, questions: list[dict[str, Any]], sheets: list[dict[str, Any]],
                *, factsheets: bool, checkpoint: Path | None = None) -> dict[str, Any]:
    settings = Settings(llm=backend)  # type: ignore[arg-type]
    services = Services(settings, index_path=index)
    try:
        t0 = time.perf_counter()
        assistant = Assistant(services.settings, services.searcher)
        assistant.ask(WARMUP, today=TODAY)
        _log(f"{backend}: ready + warm-up in {time.perf_counter() - t0:.1f}s")
        rows = []
        for item in questions:
            cpu0 = time.process_time()
            answer = assistant.ask(item["question"], today=TODAY)
            cpu = time.process_time() - cpu0
            ids = [c.chunk_id for c in answer.citations if c.chunk_id]
            passages = {h.id: str(h.payload.get("text", "")) for h in services.store.retrieve(ids)} if ids else {}
            row = score_question(item, answer, passages)
            row["cpu_s"] = round(cpu, 3)
            rows.append(row)
            mark = "ok " if row["correct"] else ("REF" if row["refused"] else "-- ")
            if not item["answerable"]:
                mark = "ok " if row["refused"] else "ANS"
            _log(f"{backend} {item['id']} {mark} {row['timings_ms'].get('total', 0) / 1000:5.2f}s "
                 f"{item['question'][:60]} -> {answer.answer[:100]!r}")
            if checkpoint is not None:  # a slow backend's partial run stays usable (--from-json)
                checkpoint.write_text(json.dumps({"results": [{"backend": backend, "questions": rows,
                                                               "factsheets": []}]}, ensure_ascii=False, default=str),
                                      encoding="utf-8")
        sheet_rows = []
        if factsheets:
            for item in sheets:
                t = time.perf_counter()
                sheet = assistant.factsheet(item["topic"], today=TODAY)
                found = [m for m in item["must_mention"] if contains(sheet.markdown, m)]
                sheet_rows.append({
                    "topic": item["topic"],
                    "coverage": len(found) / max(1, len(item["must_mention"])),
                    "missing": [m for m in item["must_mention"] if m not in found],
                    "seconds": round(time.perf_counter() - t, 2),
                    "unsupported": len(sheet.unsupported),
                    "sentences": sum(len(s.sentences) for s in sheet.sections if s.key != "sources"),
                })
                _log(f"{backend} fact sheet {item['topic']!r}: {len(found)}/{len(item['must_mention'])}")
        if checkpoint is not None:
            checkpoint.unlink(missing_ok=True)  # the run finished: the full results follow in the JSON report
        return {"backend": backend, "summary": summarise(rows, sheet_rows), "questions": rows, "factsheets": sheet_rows}
    finally:
        services.close()


# ---------------------------------------------------------------------------------------- report


def _fmt(value: Any, spec: str = ".2f") -> str:
    if isinstance(value, float):
        return "n/a" if math.isnan(value) else format(value, spec)
    return str(value)


def _ok(backend: str, key: str, value: float) -> str:
    target = TARGETS.get(backend, {}).get(key)
    if target is None or math.isnan(value):
        return ""
    good = value < target if key.endswith("_s") else value >= target
    return " ✅" if good else " ❌"


def render_markdown(results: list[dict[str, Any]], meta: dict[str, Any]) -> str:
    intro = (
        f"Generated by `{meta['command']}` on {meta['date']} ({meta['machine']}). Index: {meta['points']} chunks of "
        f"{meta['files']} files in `corpus/`, embedder `{meta['embedder']}`, today = {TODAY.isoformat()}. "
        f"{meta['questions']} questions ({meta['answerable']} answerable, "
        f"{meta['questions'] - meta['answerable']} unanswerable) from `tests/eval/answers.jsonl`. "
        f"Load average when the report was written: {meta.get('loadavg')} (the machine is shared; wall-clock "
        "latencies grow with the load, CPU time much less)."
    )
    lines = [
        "# Answer benchmark (sample corpus)",
        "",
        intro,
        "",
        "| metric | " + " | ".join(r["backend"] for r in results) + " | target |",
        "|---|" + "---|" * len(results) + "---|",
    ]

    def row(label: str, key: str, spec: str = ".2f", target: str = "") -> None:
        cells = [_fmt(r["summary"].get(key, float("nan")), spec) + _ok(r["backend"], key, r["summary"].get(key, float("nan")))
                 for r in results]
        lines.append(f"| {label} | " + " | ".join(cells) + f" | {target} |")

    row("answer correctness (all gold facts)", "correctness", target="extractive ≥ 0.80, local ≥ 0.90")
    row("… cross-lingual questions", "correctness_crosslingual")
    row("citation precision (cited passage has a gold fact)", "citation_precision")
    row("citations into a gold document", "citation_doc_precision")
    row("sentences removed by the grounding check", "removed_rate")
    row("kept unsupported sentences (audit)", "kept_unsupported", "d", "0")
    row("correct refusals (unanswerable)", "refusal", target="≥ 0.90")
    row("answers where the extractive fallback replaced the model's", "fallback_rate")
    row("false refusals (answerable)", "false_refusals", "d")
    row("ask latency p50 (s)", "p50_s", target="extractive < 1, local < 15")
    row("ask latency p95 (s)", "p95_s")
    row("ask CPU time p50 (s, all threads of this process)", "cpu_p50_s")
    for stage in STAGES:
        cells = [_fmt(r["summary"]["stage_mean_s"][stage]) for r in results]
        lines.append(f"| mean {stage} time (s) | " + " | ".join(cells) + " | |")
    row("fact-sheet must-mention coverage", "factsheet_coverage")
    row("fact-sheet time (s)", "factsheet_seconds")
    langs = sorted({lang for r in results for lang in r["summary"]["by_lang"]})
    for lang in langs:
        cells = [_fmt(r["summary"]["by_lang"].get(lang, float("nan"))) for r in results]
        lines.append(f"| correctness, {lang} questions | " + " | ".join(cells) + " | |")
    if meta.get("notes"):
        lines += ["", "Notes:", ""] + [f"- {n}" for n in meta["notes"]]
    cal = meta.get("calibration")
    if cal:
        sup, uns = cal["supported"], cal["unsupported"]
        text = (
            f"Cosine (multilingual-e5-small) between a sentence and a stored passage vector, threshold "
            f"{cal['threshold']:.2f}: sentences stating a gold fact vs their own passage (n={sup['n']}): p05 "
            f"{sup['p05']:.3f}, median {sup['p50']:.3f}, {sup['below_threshold']:.0%} below the threshold; the same "
            f"sentences vs a passage of an unrelated document (n={uns['n']}): median {uns['p50']:.3f}, p95 "
            f"{uns['p95']:.3f}, {uns['above_threshold']:.0%} above the threshold. Numbers, dates and names are "
            "checked separately; the similarity only catches sentences about something else."
        )
        lines += ["", "## Grounding similarity threshold", "", text]
    for r in results:
        sims = [v for q in r["questions"] for v in q.get("similarities", [])]
        if sims:
            text = (f"{r['backend']}: cosine of kept non-verbatim sentences to their passages: min "
                    f"{min(sims):.3f}, median {statistics.median(sims):.3f} (n={len(sims)}).")
            lines += ["", text]
    for r in results:
        lines += ["", f"## {r['backend']}: per question", "",
                  "| id | lang | result | s | loops | missing / removed |", "|---|---|---|---|---|---|"]
        for q in r["questions"]:
            if q["answerable"]:
                result = "correct" if q["correct"] else ("refused" if q["refused"] else "wrong")
            else:
                result = "refused ✓" if q["refused"] else "answered ✗"
            fallback = [f"fallback: {q['fallback']}"] if q.get("fallback") else []
            detail = "; ".join(q["missing"] + [f"removed: {x}" for x in q["removed"]] + q["kept_unsupported"] + fallback)
            loops = ",".join(str(v) for v in q["loops"].values())
            lines.append(f"| {q['id']} | {q['lang']} | {result} | {q['timings_ms'].get('total', 0) / 1000:.2f} | "
                         f"{loops} | {detail.replace('|', '/')[:160]} |")
        if r["factsheets"]:
            lines += ["", f"### {r['backend']}: fact sheets", "", "| topic | coverage | s | missing |", "|---|---|---|---|"]
            for s in r["factsheets"]:
                lines.append(f"| {s['topic']} | {s['coverage']:.2f} | {s['seconds']:.1f} | {', '.join(s['missing'])} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index", type=Path, default=None, help="index dir (built from corpus/ when missing)")
    parser.add_argument("--backends", default="extractive,local", help="comma-separated: extractive, local, openai")
    parser.add_argument("--limit", type=int, default=None, help="first N questions only")
    parser.add_argument("--ids", default=None, help="comma-separated question ids")
    parser.add_argument("--no-factsheets", action="store_true")
    parser.add_argument("--shuffle", action="store_true", help="questions in a fixed random order (seed 42)")
    parser.add_argument("--calibrate", action="store_true", help="also measure the grounding similarity threshold")
    parser.add_argument("--note", action="append", default=[], help="a line for the report's notes (repeatable)")
    parser.add_argument("--out", default="bench/results/answers.md", help="markdown output; JSON goes next to it")
    parser.add_argument("--from-json", nargs="*", default=[], type=Path,
                        help="add the results of earlier runs (their JSON files) to the report, e.g. a slow local run")
    args = parser.parse_args(argv)

    questions = _load_jsonl(EVAL_DIR / "answers.jsonl")
    if args.ids:
        wanted = set(args.ids.split(","))
        questions = [q for q in questions if q["id"] in wanted]
    if args.shuffle:  # a partial run of a slow backend then still mixes languages and unanswerable questions
        random.Random(42).shuffle(questions)
    if args.limit is not None:
        questions = questions[: args.limit]
    sheets = _load_jsonl(EVAL_DIR / "factsheets.jsonl")
    tmp = None
    index = args.index
    if index is None:
        tmp = tempfile.TemporaryDirectory(prefix="ccassist-answers-")
        index = Path(tmp.name) / "index"
    ensure_index(index)
    results = [r for path in args.from_json for r in json.loads(path.read_text(encoding="utf-8"))["results"]]
    out = ROOT / args.out if not Path(args.out).is_absolute() else Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    results += [
        run_backend(b.strip(), index, questions, sheets, factsheets=not args.no_factsheets,
                    checkpoint=out.with_suffix(f".{b.strip()}.partial.json"))
        for b in args.backends.split(",") if b.strip()
    ]
    results = merge_results(results)
    calibration = calibrate_grounding(index, questions) if args.calibrate else None
    services = Services(Settings(), index_path=index)
    try:
        points = services.store.count()
        files = len({h.payload.get("source") for h in services.store.iter_all()})
    finally:
        services.close()
    meta = {
        "loadavg": [round(x, 1) for x in os.getloadavg()],
        "command": "python bench/answers.py " + " ".join(shlex.quote(a) for a in (argv or sys.argv[1:])),
        "date": _dt.datetime.now().strftime("%Y-%m-%d %H:%M"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "points": points,
        "files": files,
        "embedder": Settings().embedder,
        "questions": len(questions),
        "answerable": sum(1 for q in questions if q["answerable"]),
        "calibration": calibration,
        "notes": args.note,
    }
    out.write_text(render_markdown(results, meta), encoding="utf-8")
    out.with_suffix(".json").write_text(json.dumps({"meta": meta, "results": results}, ensure_ascii=False, indent=1,
                                                   default=str), encoding="utf-8")
    _log(f"wrote {out} and {out.with_suffix('.json')}")
    for r in results:
        s = r["summary"]
        _log(f"{r['backend']}: {s['questions']} questions, correctness {s['correctness']:.2f}, refusal {s['refusal']:.2f}, "
             f"citation precision {s['citation_precision']:.2f}, p50 {s['p50_s']:.2f}s, "
             f"kept unsupported {s['kept_unsupported']}")
    if tmp is not None:
        tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
