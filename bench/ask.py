"""End-to-end answer latency of ccassist per backend, split by stage, with time to first token.

Runs from the repo root without installing:

    python -m api.cli ingest corpus/ --index /tmp/ccidx          # once (or let the bench build it)
    python bench/ask.py --index /tmp/ccidx                         # extractive + local
    python bench/ask.py --index /tmp/ccidx --backends extractive --limit 10

For each backend it asks the questions of ``tests/eval/answers.jsonl`` through ``agents.workflow.Assistant``
(the object the API and CLI use) over the index and reports p50/p95 of the whole answer, the mean and
p95 per stage from the trace (planner, search incl. judging, synthesis, grounding), and, with the
streaming callback the API's SSE endpoint uses, the time to the first answer token (LLM backends; the
extractive backend produces its answer at once, so its "first token" is the answer). Model load and a
warm-up question are timed separately and excluded. Answer quality is bench/answers.py's job.

Targets: extractive p50 < 1 s; local p50 < 15 s and first token < 3 s.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench._common import RESULTS, LoadWatch, command_line, header, latency, log, machine, notes_section

TODAY = _dt.date(2026, 11, 25)  # the corpus' "today" (bench/answers.py uses the same)
STAGES = ("planner", "search", "synthesis", "grounding")
TARGETS = {"extractive": {"p50_s": 1.0}, "local": {"p50_s": 15.0, "first_token_p50_s": 3.0}}
WARMUP = "Welche Städte arbeiten am Thema Wasser zusammen?"


def load_questions(limit: int | None = None) -> list[dict[str, Any]]:
    rows = [json.loads(line) for line in (ROOT / "tests/eval/answers.jsonl").read_text(encoding="utf-8").splitlines()
            if line.strip()]
    return rows[:limit] if limit else rows


def ensure_index(index: Path, embedder: str | None = None, corpus: Path = ROOT / "corpus") -> dict[str, Any]:
    """Index ``corpus`` into ``index`` (idempotent: an up-to-date index costs only parsing)."""
    from api.services import Services
    from core.settings import Settings

    settings = Settings(**({"embedder": embedder} if embedder else {}))
    services = Services(settings, index_path=index)
    try:
        t0 = time.perf_counter()
        report = services.ingest([str(corpus)])
        return {"indexed": report.indexed, "skipped": report.skipped, "seconds": round(time.perf_counter() - t0, 1),
                "points": services.store.count()}
    finally:
        services.close()


def run_backend(backend: str, index: Path, questions: list[dict[str, Any]], *, embedder: str | None = None
                ) -> dict[str, Any]:
    """Ask every question once with ``backend``; timings come from the workflow's trace and the event stream."""
    from agents.workflow import Assistant
    from api.services import Services
    from core.settings import Settings

    values: dict[str, Any] = {"llm": backend}
    if embedder:
        values["embedder"] = embedder
    services = Services(Settings(**values), index_path=index)
    try:
        t0 = time.perf_counter()
        assistant = Assistant(services.settings, services.searcher)
        load_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        assistant.ask(WARMUP, today=TODAY)
        warm_s = time.perf_counter() - t0
        log(f"{backend}: assistant ready in {load_s:.1f}s, warm-up question {warm_s:.1f}s")
        rows = []
        for q in questions:
            first: list[float] = []
            started = time.perf_counter()

            def on_event(ev: Any, _first: list[float] = first, _t0: float = started) -> None:
                if getattr(ev, "kind", None) == "token" and not _first:
                    _first.append(time.perf_counter() - _t0)

            answer = assistant.ask(q["question"], today=TODAY, on_event=on_event)
            total = time.perf_counter() - started
            timings = dict(answer.trace.timings_ms) if answer.trace else {}
            rows.append({
                "id": q["id"], "lang": q.get("lang"), "seconds": round(total, 3),
                "first_token_s": round(first[0], 3) if first else None,
                "stages_ms": {s: timings.get(s, 0.0) for s in STAGES}, "refused": answer.refused,
                "loops": sum(answer.trace.loops.values()) if answer.trace and answer.trace.loops else 0,
            })
            log(f"{backend} {q['id']} {total:6.2f}s first token "
                f"{'–' if not first else f'{first[0]:.2f}s'}  {answer.answer[:70]!r}")
        secs = [r["seconds"] for r in rows]
        firsts = [r["first_token_s"] for r in rows if r["first_token_s"] is not None]
        summary = {
            "questions": len(rows), "assistant_load_s": round(load_s, 2), "warmup_s": round(warm_s, 2),
            "p50_s": round(statistics.median(secs), 3), "p95_s": latency(secs).get("p95"),
            "first_token_p50_s": round(statistics.median(firsts), 3) if firsts else None,
            "first_token_p95_s": latency(firsts).get("p95") if firsts else None,
            "streamed": len(firsts),
            "stages_mean_ms": {s: round(statistics.fmean(r["stages_ms"][s] for r in rows), 1) for s in STAGES},
            "stages_p95_ms": {s: latency([r["stages_ms"][s] for r in rows]).get("p95") for s in STAGES},
        }
        return {"backend": backend, "summary": summary, "questions": rows}
    finally:
        services.close()


def _mark(backend: str, key: str, value: float | None) -> str:
    target = TARGETS.get(backend, {}).get(key)
    if target is None or value is None:
        return ""
    return " (met)" if value < target else " (missed)"


def render(res: dict[str, Any]) -> str:
    out = [header("Answer latency", res["machine"], res["command"], res.get("load"))]
    out.append(f"Index: {res['index'].get('points')} chunks of `corpus/` (built by the real ingest pipeline). "
               f"{res['questions']} questions from `tests/eval/answers.jsonl`, asked once each after a warm-up "
               "question, `today` = 2026-11-25. Targets: extractive p50 < 1 s; local p50 < 15 s, first token "
               "< 3 s. Stage times come from the workflow trace (`Answer.trace.timings_ms`); search includes the "
               "researcher's judging and refinement loops.\n")
    out.append("| backend | p50 s | p95 s | first token p50 s | first token p95 s | planner ms | search ms | "
               "synthesis ms | grounding ms | model load s | load |")
    out.append("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in res["backends"]:
        s = r["summary"]
        st = s["stages_mean_ms"]
        out.append(f"| {r['backend']} | {s['p50_s']}{_mark(r['backend'], 'p50_s', s['p50_s'])} | {s['p95_s']} | "
                   f"{s['first_token_p50_s'] if s['first_token_p50_s'] is not None else '– (no streaming)'}"
                   f"{_mark(r['backend'], 'first_token_p50_s', s['first_token_p50_s'])} | "
                   f"{s['first_token_p95_s'] if s['first_token_p95_s'] is not None else '–'} | "
                   f"{st['planner']} | {st['search']} | {st['synthesis']} | {st['grounding']} | "
                   f"{s['assistant_load_s']} | {r.get('load', {}).get('mean', '–')} |")
    out.append("\nStage columns are means; p95 per stage:\n")
    out.append("| backend | " + " | ".join(STAGES) + " |")
    out.append("|---|" + "---|" * len(STAGES))
    for r in res["backends"]:
        p = r["summary"]["stages_p95_ms"]
        out.append(f"| {r['backend']} | " + " | ".join(str(p[s]) for s in STAGES) + " |")
    out.append("")
    out += notes_section(res)
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="ccassist answer latency benchmark")
    parser.add_argument("--index", type=Path, default=None, help="index of corpus/ (built when missing)")
    parser.add_argument("--backends", default="extractive,local")
    parser.add_argument("--limit", type=int, default=None, help="first N questions")
    parser.add_argument("--embedder", default=None)
    parser.add_argument("--out", default=str(RESULTS / "ask.md"))
    parser.add_argument("--note", action="append", default=[], help="a line for the Notes section (repeatable)")
    parser.add_argument("--merge", action="store_true", help="keep other backends of the existing JSON")
    args = parser.parse_args(argv)

    tmp = None
    index = args.index
    if index is None:
        tmp = tempfile.TemporaryDirectory(prefix="ccassist-bench-ask-")
        index = Path(tmp.name) / "index"
    questions = load_questions(args.limit)
    out = Path(args.out)
    json_path = out.with_suffix(".json")
    res: dict[str, Any] = {"machine": machine(), "command": command_line(), "backends": [], "notes": [],
                           "questions": len(questions)}
    if args.merge and json_path.exists():
        old = json.loads(json_path.read_text())
        res["previous_load"] = old.get("load")
        res["backends"], res["notes"] = old.get("backends", []), old.get("notes", [])
        res["command"] = old.get("command", "") + " ; " + res["command"]
    res["index"] = ensure_index(index, args.embedder)
    log(f"index: {res['index']}")
    with LoadWatch() as load:
        backends = [b.strip() for b in args.backends.split(",") if b.strip()]
        ran = bool(backends)
        for backend in backends:
            with LoadWatch() as bload:
                r = run_backend(backend, index, questions, embedder=args.embedder)
            r["load"] = bload.summary()
            res["backends"] = [b for b in res["backends"] if b["backend"] != backend] + [r]
    res["load"] = load.summary() if not (args.merge and res.get("previous_load")) or ran else res["previous_load"]
    res["notes"] = list(dict.fromkeys([*res.get("notes", []), *args.note]))
    out.parent.mkdir(parents=True, exist_ok=True)
    json_path.write_text(json.dumps(res, indent=1, default=str, ensure_ascii=False))
    out.write_text(render(res))
    print(out.read_text())
    if tmp is not None:
        tmp.cleanup()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
