"""Search latency of ccassist at 10k-500k chunks: Qdrant Edge vs qdrant-client's in-process mode.

Runs from the repo root without installing:

    python bench/search.py --sizes 10000,100000                 # engine + end to end
    python bench/search.py --sizes 500000 --merge               # add a size to the existing results
    python bench/search.py --sizes 100000 --quantization int8 --merge

Engine part (synthetic, so that 500k chunks fit in minutes): 384-dim unit vectors clustered by topic
(one cluster per generated document, queries drawn near a cluster centre, see ``clustered_vector``) and
the product's BM25 sparse vectors (``core.sparse.SparseEncoder``) of generated programme text
(bench/corpus_gen.py), with the product's payload fields and payload indexes, in a real Qdrant Edge shard
(``core.store.edge.EdgeStore``), HNSW built by ``store.optimize()``. Like the product's default index,
each chunk also gets sentence vectors (``--sentence-rows``, 8 synthetic rows near the chunk's vector;
0 = chunk vectors only), which rerank the dense prefetch's candidates. Queries are the product's hybrid
request (``HybridSearcher.prefetches``: one dense prefetch, one sparse prefetch per indexed language,
weighted RRF in the engine) with a random query vector and the BM25 vector of a generated question;
the engine time is ``store.query`` alone. Reported: p50/p95/p99 with and without filters, facet latency,
QPS with 1/4/16 concurrent callers, index size on disk, process RSS, and dense recall@10 of HNSW (and of
quantised vectors, if asked; of the candidate rerank, with sentence vectors) against exact search.

End-to-end part: ``HybridSearcher.search`` with the real default embedder (e5-small) on the same index
(query language detection, query embedding, sparse encoding, engine, result building) and on an index
of the sample corpus built by the real ingest pipeline (real vectors).

qdrant-client's in-process mode (``ClientStore.from_url(":memory:")``, numpy brute force) gets the same
points and queries at the sizes where it finishes in reasonable time (``--client-sizes``).
"""

from __future__ import annotations

import argparse
import json
import math
import random
import shutil
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import numpy as np

from bench._common import (
    RESULTS,
    LoadWatch,
    command_line,
    dir_size,
    header,
    latency,
    loadavg,
    log,
    machine,
    memory_mib,
    notes_section,
    publish,
    rss_mib,
    runnable,
)
from bench.corpus_gen import SENTENCES, TOPICS, generate_docs
from core.embedders import DenseEmbedder
from core.filters import Filter, Match, MatchAny, Range
from core.store import PointData, Store

DIM = 384
TARGETS = {"engine_p95_ms_100k": 10.0, "e2e_p95_ms_100k": 150.0, "rss_gib_500k": 4.0}
_NS = uuid.UUID("0b6c3a1e-5f2d-4c1b-9a77-b00000000001")
_VIS = ("public", "members", "internal")
_TYPES = ("call", "report", "invitation", "news", "strategy")
FACET_FIELDS = ("doc_type", "language", "year", "countries", "topics")


# -------------------------------------------------------------------------------------------- data


CLUSTER_POINTS = 50  # synthetic chunks per topic cluster
SPREAD = 1.0  # norm of a point's offset from its unit cluster centre: cos(point, centre) ≈ 0.71


def n_clusters(n: int) -> int:
    return max(1, n // CLUSTER_POINTS)


def clustered_vector(rng: np.random.Generator, seed: int, cluster: int) -> np.ndarray:
    """A unit vector near the centre of ``cluster``.

    Embeddings of real text cluster by topic; uniformly random vectors do not, and on them every
    neighbour is about as far as any other point, which makes HNSW recall meaningless (0.17 at 100k
    in an earlier run of this bench). Documents, and the queries about them, fall into clusters here.
    """
    centre = np.random.default_rng([seed, cluster]).standard_normal(DIM)
    vec = centre / np.linalg.norm(centre) + rng.standard_normal(DIM) * (SPREAD / np.sqrt(DIM))
    return (vec / np.linalg.norm(vec)).astype(np.float32)


def sentence_weight(rows: int) -> float | None:
    """The weight an index with ``rows`` sentence rows per chunk is created with: the product's default
    (``CCASSIST_SENTENCE_WEIGHT``); none for chunk vectors only."""
    from core.settings import Settings

    return Settings.model_fields["sentence_weight"].default if rows else None


def synthetic_sentences(rng: np.random.Generator, chunk: np.ndarray, rows: int) -> np.ndarray | None:
    """A chunk's sentence multivector (core/sentence_vectors.py) with ``rows`` synthetic sentences near it.

    Sentences of a chunk lie around the chunk's own vector (cos ≈ 0.7 here, as the chunk does to its
    cluster centre); the rows mix each with the chunk at the product's default weight.
    """
    if rows <= 0:
        return None
    from core.sentence_vectors import sentence_multivector

    sents = chunk[None, :] + rng.standard_normal((rows, DIM)) * (SPREAD / np.sqrt(DIM))
    sents /= np.linalg.norm(sents, axis=1, keepdims=True)
    return sentence_multivector(chunk, sents, sentence_weight(rows))


def synthetic_batches(n: int, *, seed: int = 1, batch: int = 2000,
                      sentence_rows: int = 0) -> Iterator[list[PointData]]:
    """``n`` points: clustered unit vectors (one cluster per document), BM25 of generated chunk text, the
    product's payload fields, and ``sentence_rows`` sentence vectors per chunk if asked."""
    from core.sparse import SparseEncoder

    sparse = SparseEncoder()
    rng = np.random.default_rng(seed)
    out: list[PointData] = []
    made = 0
    for d, doc in enumerate(generate_docs(int(n * 1.3) + 100, seed=seed)):
        doc_id = f"{d:08x}{seed:04x}" + "0" * 20
        per = 1200
        pieces = []
        for heading, paras in doc.sections:
            text = "\n\n".join(paras)
            pieces += [(heading, text[k * per:(k + 1) * per]) for k in range(max(1, math.ceil(len(text) / per)))]
        topic_keys = [k for k, names in TOPICS.items() if any(v in doc.plain_text() for v in names)] or ["housing"]
        for i, (heading, text) in enumerate(pieces):
            if made >= n:
                break
            vec = clustered_vector(rng, seed, d % n_clusters(n))
            payload = {
                "kind": "chunk", "doc_id": doc_id, "source": f"gen/{doc.name}", "title": doc.title,
                "doc_type": doc.doc_type, "language": doc.lang, "visibility": doc.visibility,
                "published": doc.published.isoformat(), "year": doc.published.year,
                "topics": topic_keys[:3], "countries": [], "cities": [], "places": [], "format": doc.fmt,
                "chunk_index": i, "n_chunks": len(pieces), "page": None, "heading": heading, "text": text,
            }
            out.append(PointData(id=str(uuid.uuid5(_NS, f"{doc_id}:{i}")), dense=vec,
                                 sparse=sparse.encode_document(f"{doc.title} — {heading}\n{text}", doc.lang),
                                 payload=payload, sentences=synthetic_sentences(rng, vec, sentence_rows)))
            made += 1
            if len(out) >= batch:
                yield out
                out = []
        if made >= n:
            break
    if out:
        yield out


def edge_store(path: Path, quantization: str | None = None, sentence_rows: int = 0) -> Store:
    """The product's EdgeStore at ``path``, created with ``quantization`` (``CCASSIST_QUANTIZATION``) and,
    when ``sentence_rows``, the sentence multivector (``CCASSIST_SENTENCE_VECTORS``)."""
    from core.store.edge import EdgeStore

    store = EdgeStore(path, quantization=quantization or "none")
    store.ensure(DIM, sentence_weight=sentence_weight(sentence_rows))
    return store


def build(store: Store, n: int, seed: int, sentence_rows: int = 0) -> dict[str, Any]:
    """Upsert ``n`` synthetic points and build the index; returns timings."""
    gen_s = up_s = 0.0
    t = time.perf_counter()
    for batch in synthetic_batches(n, seed=seed, sentence_rows=sentence_rows):
        t1 = time.perf_counter()
        gen_s += t1 - t
        store.upsert(batch)
        t = time.perf_counter()
        up_s += t - t1
    store.flush()
    t0 = time.perf_counter()
    store.optimize()
    opt_s = time.perf_counter() - t0
    return {"points": store.count(), "generate_s": round(gen_s, 1), "upsert_s": round(up_s, 1),
            "optimize_s": round(opt_s, 1)}


class _FixedEmbedder(DenseEmbedder):
    """Hands HybridSearcher a pre-drawn query vector (the engine part needs no real encoder)."""

    name = "fixed"
    dim = DIM

    def __init__(self) -> None:
        super().__init__()
        self.vector = np.zeros(DIM, dtype=np.float32)

    def _passages(self, texts: list[str]) -> np.ndarray:
        return np.tile(self.vector, (len(texts), 1))

    def _queries(self, texts: list[str]) -> np.ndarray:
        return np.tile(self.vector, (len(texts), 1))


def questions(n: int, seed: int = 99) -> list[tuple[str, str]]:
    """Generated question-like queries (text, language) that share vocabulary with the documents."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        lang = rng.choice(("de", "de", "en", "fr"))
        tmpl = rng.choice(SENTENCES[lang])
        words = [w for w in tmpl.replace("{", " ").replace("}", " ").split() if len(w) > 3][:8]
        topic = TOPICS[rng.choice(list(TOPICS))][{"de": 0, "en": 1, "fr": 2}[lang]]
        out.append((" ".join(words[:5]) + " " + topic, lang))
    return out


def _filters() -> list[Filter]:
    """Filters users set: a type and a tier; a year range and languages; a topic."""
    return [
        Filter(must=[Match("doc_type", "call"), MatchAny("visibility", ("public", "members"))]),
        Filter(must=[Range("year", gte=2023, lte=2025), MatchAny("language", ("de", "en"))]),
        Filter(must=[Match("topics", "housing")]),
    ]


def prefetch_sets(searcher: Any, fixed: _FixedEmbedder, qs: Sequence[tuple[str, str]], seed: int,
                  n_points: int) -> list[Any]:
    rng = np.random.default_rng(seed)
    out = []
    for text, lang in qs:
        fixed.vector = clustered_vector(rng, seed, int(rng.integers(n_clusters(n_points))))
        out.append(searcher.prefetches(text, language=lang)[0])
    return out


def timed_rounds(calls: Sequence[Any], rounds: int) -> dict[str, Any]:
    """Latency of ``calls`` (no-argument callables) in ``rounds`` slices, each with the CPU contention it saw.

    On a shared machine other jobs come and go within seconds; the slice with the fewest runnable
    tasks (sampled before every call, chosen by contention, not by its latency) is reported as the
    quietest round beside the numbers over all calls.
    """
    per = max(1, math.ceil(len(calls) / max(1, rounds)))
    all_ms: list[float] = []
    out_rounds = []
    for r in range(0, len(calls), per):
        ms, busy = [], []
        for call in calls[r : r + per]:
            busy.append(runnable())
            t0 = time.perf_counter()
            call()
            ms.append((time.perf_counter() - t0) * 1000)
        all_ms += ms
        out_rounds.append({**latency(ms), "runnable": round(sum(busy) / len(busy), 2)})
    quietest = min(out_rounds, key=lambda x: x["runnable"])
    return {**latency(all_ms), "rounds": out_rounds, "quietest": quietest}


def engine_latency(store: Store, prefetches: Sequence[Any], *, filters: Sequence[Filter | None], rrf_k: int = 2,
                   k: int = 10, rounds: int = 5) -> dict[str, Any]:
    calls = [
        (lambda pfs=pfs, flt=filters[i % len(filters)]: store.query(  # noqa: B008 - binds this call's filter
            pfs, limit=k, filter=flt, fusion="rrf", rrf_k=rrf_k))
        for i, pfs in enumerate(prefetches)
    ]
    return timed_rounds(calls, rounds)


def hybrid_latency(store: Store, prefetches: Sequence[Any]) -> dict[str, Any]:
    """The product's hybrid query after a warm-up, without and with the filters users set."""
    engine_latency(store, prefetches[:20], filters=[None])  # warm caches
    return {"no_filter": engine_latency(store, prefetches, filters=[None]),
            "filtered": engine_latency(store, prefetches, filters=_filters())}


def qps(store: Store, prefetches: Sequence[Any], callers: int, seconds: float) -> dict[str, Any]:
    """Queries per second with ``callers`` threads issuing hybrid queries back to back."""
    stop = time.perf_counter() + seconds
    counts = [0] * callers
    lat: list[float] = []
    lock = threading.Lock()

    def run(c: int) -> None:
        i = c
        while time.perf_counter() < stop:
            t0 = time.perf_counter()
            store.query(prefetches[i % len(prefetches)], limit=10, fusion="rrf", rrf_k=2)
            dt = (time.perf_counter() - t0) * 1000
            with lock:
                lat.append(dt)
            counts[c] += 1
            i += callers

    t0 = time.perf_counter()
    with ThreadPoolExecutor(callers) as pool:
        list(pool.map(run, range(callers)))
    wall = time.perf_counter() - t0
    return {"callers": callers, "qps": round(sum(counts) / wall, 1), "p95_ms": latency(lat).get("p95")}


def facet_latency(searcher: Any, store: Store, prefetches: Sequence[Any], n: int) -> dict[str, Any]:
    """Facets as the search page asks for them: over the documents of the top hits, and over everything."""
    scoped, full = [], []
    for pfs in prefetches[:n]:
        hits = store.query(pfs, limit=100, fusion="rrf", rrf_k=2)
        doc_ids = list(dict.fromkeys(str(h.payload.get("doc_id")) for h in hits))
        t0 = time.perf_counter()
        searcher.facets(filter=None, doc_ids=doc_ids)
        scoped.append((time.perf_counter() - t0) * 1000)
    for _ in range(max(3, n // 10)):
        t0 = time.perf_counter()
        searcher.facets(filter=Filter(must=[MatchAny("visibility", ("public", "members"))]))
        full.append((time.perf_counter() - t0) * 1000)
    return {"top_hits_docs": latency(scoped), "whole_index": latency(full)}


def dense_recall(store: Store, n_queries: int, seed: int, n_points: int, k: int = 10) -> dict[str, Any]:
    """Recall@k of the product's dense prefetch against exact search.

    Chunk vectors only: HNSW (and quantisation, if any) against an exact scan of the chunk vectors.
    With sentence vectors: the ``sentence_candidates`` nearest chunks by HNSW reranked by their sentence
    rows, against an exact MaxSim scan of every chunk's sentence rows; this counts what the candidate
    cut loses as well.
    """
    import qdrant_edge as qe

    from core.settings import Settings
    from core.store import DENSE, SENTENCES, Prefetch
    from core.store.base import dense_query

    shard = getattr(store, "shard", None)
    if shard is None:
        return {}
    sentences = store.sentence_weight is not None
    using = SENTENCES if sentences else DENSE
    candidates = Settings().sentence_candidates if sentences else None
    rng = np.random.default_rng(seed + 7)
    hits = 0
    for _ in range(n_queries):
        pf = Prefetch(using, clustered_vector(rng, seed, int(rng.integers(n_clusters(n_points)))), limit=k,
                      candidates=candidates)
        approx = store.query([pf], limit=k)
        exact = shard.query(qe.QueryRequest(limit=k, query=qe.Query.Nearest(dense_query(pf), using=using),
                                            params=qe.SearchParams(exact=True)))
        hits += len({h.id for h in approx} & {str(p.id) for p in exact})
    return {f"recall@{k}": round(hits / (n_queries * k), 4), "queries": n_queries, "vector": using,
            "candidates": candidates}


def setup(n: int, quantization: str | None, sentence_rows: int) -> dict[str, Any]:
    """The fields of a result row that say which index it measured (``_key`` and ``_setup`` read them)."""
    from core.settings import Settings

    return {"size": n, "quantization": quantization or "none", "sentence_rows": sentence_rows,
            "sentence_candidates": Settings().sentence_candidates if sentence_rows else None}


def run_size(n: int, *, workdir: Path, seed: int, n_queries: int, qps_seconds: float, client: bool,
             client_queries: int, quantization: str | None, e2e_embedder: Any | None, e2e_queries: int,
             sentence_rows: int = 0) -> dict[str, Any]:
    from core.settings import Settings
    from retrieval.hybrid import HybridSearcher

    settings = Settings(index_path=workdir, embedder="e5-small")
    res = setup(n, quantization, sentence_rows)
    path = workdir / f"edge-{n}-{res['quantization']}-{sentence_rows}"
    shutil.rmtree(path, ignore_errors=True)
    rss0 = rss_mib()
    store = edge_store(path, quantization, sentence_rows)
    log(f"  building {n} points in Qdrant Edge ({quantization or 'no quantisation'}, {sentence_rows} sentence rows)")
    res["build"] = build(store, n, seed, sentence_rows)
    log(f"  built: {res['build']}")
    res["index_mib"] = round(dir_size(path) / 2**20, 1)
    fixed = _FixedEmbedder()
    searcher = HybridSearcher(settings, store, embedder=fixed)
    qs = questions(n_queries, seed)
    pfs = prefetch_sets(searcher, fixed, qs, seed, n)
    res["engine"] = {**hybrid_latency(store, pfs), "prefetches_per_query": round(sum(map(len, pfs)) / len(pfs), 2)}
    log(f"  engine: {res['engine']}")
    res["facets"] = facet_latency(searcher, store, pfs, min(100, n_queries))
    res["qps"] = [qps(store, pfs, c, qps_seconds) for c in (1, 4, 16)]
    log(f"  qps: {res['qps']}")
    res["dense_recall"] = dense_recall(store, 50, seed, n)
    res["rss_mib"] = {"before": rss0, "after_queries": rss_mib()}
    if e2e_embedder is not None:
        real = HybridSearcher(settings, store, embedder=e2e_embedder)
        real.search(qs[0][0])
        embed_ms: list[float] = []

        def one(text: str) -> None:
            real.search(text, k=10)
            embed_ms.append(real.last_timing.embed_ms)

        search = timed_rounds([lambda t=text: one(t) for text, _lang in qs[:e2e_queries]], 5)
        res["e2e"] = {"search": search, "query_embedding": latency(embed_ms),
                      "embedder": getattr(e2e_embedder, "name", "?"),
                      "note": "index vectors synthetic; query path real (language, embedding, sparse, engine, results)"}
        log(f"  e2e: {res['e2e']['search']}")
    store.close()
    res["rss_mib"]["after_close"] = rss_mib()
    shutil.rmtree(path, ignore_errors=True)

    if client:
        from core.store.client import ClientStore

        log(f"  qdrant-client in-process mode at {n}")
        cstore = ClientStore.from_url(":memory:", "bench")
        t0 = time.perf_counter()
        cstore.ensure(DIM, sentence_weight=sentence_weight(sentence_rows))
        for batch in synthetic_batches(n, seed=seed, sentence_rows=sentence_rows):
            cstore.upsert(batch)
        build_s = time.perf_counter() - t0
        csearch = HybridSearcher(settings, cstore, embedder=fixed)
        cpfs = prefetch_sets(csearch, fixed, qs[:client_queries], seed, n)
        res["client"] = {
            "build_s": round(build_s, 1),
            "no_filter": engine_latency(cstore, cpfs, filters=[None]),
            "filtered": engine_latency(cstore, cpfs, filters=_filters()),
        }
        res["client"]["ratio_p50"] = round(res["client"]["no_filter"]["p50"] / res["engine"]["no_filter"]["p50"], 1)
        res["client"]["ratio_p50_filtered"] = round(
            res["client"]["filtered"]["p50"] / res["engine"]["filtered"]["p50"], 1)
        log(f"  client: {res['client']}")
        cstore.close()
    return res


def build_probe(n: int, *, workdir: Path, seed: int, max_s: float, quantization: str | None = None,
                sentence_rows: int = 0) -> dict[str, Any]:
    """Build an ``n``-point index under a time budget, recording throughput and memory as it grows.

    For sizes whose full run does not fit the session: what the build reached, at which rate, with
    which RSS, and whether the HNSW build finished, so the limit is measured rather than guessed.
    """
    res = setup(n, quantization, sentence_rows)
    path = workdir / f"probe-{n}-{res['quantization']}-{sentence_rows}"
    shutil.rmtree(path, ignore_errors=True)
    store = edge_store(path, quantization, sentence_rows)
    t0 = time.perf_counter()
    progress = []
    done = 0
    for batch in synthetic_batches(n, seed=seed, sentence_rows=sentence_rows):
        store.upsert(batch)
        done += len(batch)
        if done % 20_000 < len(batch) or done >= n:
            progress.append({"points": done, "s": round(time.perf_counter() - t0, 1), "rss_mib": rss_mib(),
                             "load": loadavg()[:1]})
            log(f"  probe {progress[-1]}")
        if time.perf_counter() - t0 > max_s:
            break
    res |= {"budget_s": max_s, "upserted": done, "upsert_s": round(time.perf_counter() - t0, 1), "progress": progress}
    store.flush()
    if done >= n and time.perf_counter() - t0 < max_s:
        finished = threading.Event()
        opt: dict[str, float] = {}

        def optimize() -> None:
            t = time.perf_counter()
            store.optimize()
            opt["s"] = time.perf_counter() - t
            finished.set()

        threading.Thread(target=optimize, daemon=True).start()
        peak = rss_mib()
        while not finished.wait(5) and time.perf_counter() - t0 < max_s:
            peak = max(peak, rss_mib())
        res["optimize_s"] = round(opt["s"], 1) if "s" in opt else None
        res["optimize_finished"] = finished.is_set()
        res["rss_peak_during_optimize_mib"] = peak
    res["rss_mib"] = rss_mib()
    res["index_mib"] = round(dir_size(path) / 2**20, 1)
    if res.get("optimize_finished"):
        store.close()
        res["serve"] = serve_in_child(path, n, seed)
        shutil.rmtree(path, ignore_errors=True)
    return res  # an unfinished optimize keeps running in its thread until the process exits


def serve_in_child(path: Path, n: int, seed: int) -> dict[str, Any]:
    """Open a built index in a fresh process, query it and report latency and memory as a server would see them.

    A build process keeps the allocator's high-water mark of segment merging; what matters for serving is
    the RSS of a process that opens the finished index and answers queries.
    """
    import subprocess

    log(f"  serving probe: opening {path.name} in a fresh process")
    proc = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--serve-probe", str(path),
                           "--serve-points", str(n), "--seed", str(seed)],
                          capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        return {"error": proc.stderr.strip().splitlines()[-1:] or ["exit " + str(proc.returncode)]}
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    log(f"  serving probe: {result}")
    return result


def serve_probe(path: Path, n: int, seed: int, n_queries: int = 300) -> dict[str, Any]:
    """The child side of :func:`serve_in_child`: open, warm, query (hybrid, filtered, facets, recall)."""
    from core.settings import Settings
    from core.store.edge import EdgeStore
    from retrieval.hybrid import HybridSearcher

    before = memory_mib()
    t0 = time.perf_counter()
    store = EdgeStore(path)
    open_s = time.perf_counter() - t0
    opened = memory_mib()
    fixed = _FixedEmbedder()
    searcher = HybridSearcher(Settings(index_path=path.parent, embedder="e5-small"), store, embedder=fixed)
    pfs = prefetch_sets(searcher, fixed, questions(n_queries, seed), seed, n)
    res: dict[str, Any] = {
        "open_s": round(open_s, 2),
        **hybrid_latency(store, pfs),
        "facets": facet_latency(searcher, store, pfs, 30),
    }
    # Memory after the product's queries; the recall check that follows scans every vector exactly
    # (every sentence row too), which no product query does, and would page the whole index in.
    res["memory_mib"] = {"before_open": before, "after_open": opened, "after_queries": memory_mib()}
    res["dense_recall"] = dense_recall(store, 30, seed, n)
    res["memory_mib"]["after_exact_recall_scan"] = memory_mib()
    store.close()
    return res


def corpus_e2e(embedder_name: str, n_queries: int) -> dict[str, Any]:
    """End to end on the sample corpus indexed by the real pipeline (real vectors), with the eval questions."""
    from api.services import Services
    from core.settings import Settings

    tmp = Path(tempfile.mkdtemp(prefix="ccassist-bench-corpus-"))
    try:
        # No query-vector cache: every timed search embeds its query, as a first-time question does.
        services = Services(Settings(index_path=tmp / "index", data_dir=tmp / "data", embedder=embedder_name,
                                     llm="extractive", embed_query_cache=0))
        t0 = time.perf_counter()
        report = services.ingest([ROOT / "corpus"])
        ingest_s = time.perf_counter() - t0
        services.store.optimize()
        qs = [json.loads(line)["question"] for line in (ROOT / "tests/eval/answers.jsonl").read_text().splitlines()
              if line.strip()][:n_queries]
        services.search(qs[0])
        ms, embed_ms, facet_ms = [], [], []
        for q in qs:
            t0 = time.perf_counter()
            services.search(q, k=5)
            ms.append((time.perf_counter() - t0) * 1000)
            embed_ms.append(services.searcher.last_timing.embed_ms)
        for q in qs[:20]:
            t0 = time.perf_counter()
            services.search(q, k=5, facets=True)
            facet_ms.append((time.perf_counter() - t0) * 1000)
        out = {"chunks": report.chunks, "ingest_s": round(ingest_s, 1), "search": latency(ms),
               "query_embedding": latency(embed_ms), "search_with_facets": latency(facet_ms)}
        services.close()
        return out
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# -------------------------------------------------------------------------------------------- plot


def _load_label(res: dict[str, Any]) -> str:
    """" (load a-b)" from a bench's recorded load average during its run, or "" when it has none."""
    load = res.get("load") or {}
    return f" (load {load['min']:.0f}-{load['max']:.0f})" if {"min", "max"} <= set(load) else ""


def write_scaling_plot(path: Path = RESULTS / "scaling.png", *, ingest: dict[str, Any] | None = None,
                       search: dict[str, Any] | None = None) -> Path | None:
    """Ingest time and query latency against corpus size (by default from the results JSON of both benches)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    if ingest is None:
        ingest = json.loads((RESULTS / "ingest.json").read_text()) if (RESULTS / "ingest.json").exists() else {}
    if search is None:
        search = json.loads((RESULTS / "search.json").read_text()) if (RESULTS / "search.json").exists() else {}
    if not ingest.get("sizes") and not search.get("sizes"):
        return None
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.2))
    by_emb: dict[str, list[tuple[int, float, float | None]]] = {}
    for r in ingest.get("sizes", []):
        if "pipeline" in r and r["pipeline"] != "ingest/pipeline.py":
            continue
        load = (r.get("load_ingest") or {}).get("mean")
        by_emb.setdefault(r["embedder"], []).append((r["ingest"]["chunks"], r["ingest"]["seconds"] / 60, load))
    for emb, pts in sorted(by_emb.items()):
        pts.sort()
        # Points only: runs at different machine loads are not one curve; each is labelled with its load.
        ax1.plot([p[0] for p in pts], [p[1] for p in pts], "o", label=f"ingest, {emb} (measured)")
        for chunks, minutes, load in pts:
            if load is not None:
                ax1.annotate(f"load {load:.0f}", (chunks, minutes), fontsize=7, xytext=(4, 4),
                             textcoords="offset points")
    for ex in ingest.get("extrapolated_points", []):
        ax1.plot([ex["chunks"]], [ex["minutes"]], "x", color="grey")
        ax1.annotate(f"{ex['embedder']} (extrapolated)", (ex["chunks"], ex["minutes"]), fontsize=7)
    ax1.set_xscale("log")
    ax1.set_yscale("log")
    ax1.set_xlabel("chunks")
    ax1.set_ylabel("ingest wall time (min)")
    ax1.set_title("Ingest, 2 cores")
    ax1.grid(True, which="both", alpha=0.3)
    if by_emb or ingest.get("extrapolated_points"):
        ax1.legend(fontsize=7)
    plotted = False
    for sentences, style, what in ((False, "-", "chunk vectors"), (True, ":", "sentence rows")):
        rows = sorted((r for r in search.get("sizes", []) if r.get("quantization", "none") == "none"
                       and bool(r.get("sentence_rows")) == sentences), key=lambda r: r["size"])
        if not rows:
            continue
        plotted = True
        xs = [r["size"] for r in rows]
        ax2.plot(xs, [r["engine"]["no_filter"]["p50"] for r in rows], "o" + style, label=f"engine hybrid p50, {what}")
        ax2.plot(xs, [r["engine"]["no_filter"]["p95"] for r in rows], "v" + style, label=f"engine hybrid p95, {what}")
        ax2.plot(xs, [r["engine"]["filtered"]["p95"] for r in rows], "s" + style,
                 label=f"engine filtered p95, {what}")
        e2e = [(r["size"], r["e2e"]["search"]["p95"]) for r in rows if "e2e" in r]
        if e2e:
            ax2.plot([p[0] for p in e2e], [p[1] for p in e2e], "^" + style, label=f"end to end p95 (e5 query), {what}")
        cl = [(r["size"], r["client"]["no_filter"]["p50"]) for r in rows if "client" in r]
        if cl:
            ax2.plot([p[0] for p in cl], [p[1] for p in cl], "d" + style,
                     label=f"qdrant-client in-process p50, {what}")
    ax2.set_xscale("log")
    ax2.set_yscale("log")
    ax2.set_xlabel("chunks")
    ax2.set_ylabel("latency (ms)")
    ax2.set_title(f"Hybrid query, 2 cores{_load_label(search)}")
    ax2.grid(True, which="both", alpha=0.3)
    if plotted:
        ax2.legend(fontsize=6)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


# ------------------------------------------------------------------------------------------ report


def _key(row: dict[str, Any]) -> tuple[int, str, int, int]:
    """What makes a result row distinct: size, quantisation, sentence rows and how they are searched (rows
    from before sentence vectors have neither)."""
    return (row["size"], row.get("quantization", "none"), row.get("sentence_rows", 0),
            row.get("sentence_candidates") or 0)


def _setup(row: dict[str, Any]) -> str:
    """"int8, 8 sentence rows" for a table cell."""
    rows, candidates = row.get("sentence_rows", 0), row.get("sentence_candidates")
    vectors = "chunk vectors only"
    if rows:
        vectors = (f"{rows} sentence rows reranking {candidates} candidates" if candidates
                   else f"{rows} sentence rows in their own HNSW")
    return f"{row.get('quantization', 'none')}, {vectors}"


def _lat(d: dict[str, Any] | None) -> str:
    if not d or not d.get("n"):
        return "–"
    return f"{d['p50']} / {d['p95']} / {d['p99']}"


def _quiet(d: dict[str, Any] | None) -> str:
    q = (d or {}).get("quietest")
    if not q:
        return "–"
    return f"{q['p50']} / {q['p95']} (n={q['n']}, runnable {q['runnable']})"


def render(res: dict[str, Any]) -> str:
    out = [header("Search latency", res["machine"], res["command"], res.get("load"))]
    out.append("Targets (2 cores): hybrid p95 < 10 ms engine-only and < 150 ms end to end at 100k chunks; "
               "RSS < 4 GiB at 500k chunks. Engine = `store.query` with the product's hybrid request "
               "(dense + one sparse prefetch per indexed language, weighted RRF, k=10); filtered = a rotation "
               "of doc_type+visibility, year range+languages, topic. Latencies in ms as p50 / p95 / p99.\n")
    rows = sorted(res.get("sizes", []), key=_key)
    if rows:
        out.append("## Qdrant Edge (synthetic vectors)\n")
        out.append("| chunks | quantisation, vectors | upsert s | HNSW build s | index MiB | RSS MiB | engine hybrid | "
                   "engine filtered | facets (top-hit docs) | facets (whole index) | dense recall@10 vs exact | "
                   "load |")
        out.append("|---|---|---|---|---|---|---|---|---|---|---|---|")
        for r in rows:
            b = r["build"]
            out.append(f"| {r['size']} | {_setup(r)} | {b['upsert_s']} | {b['optimize_s']} | "
                       f"{r['index_mib']} | {r['rss_mib']['after_queries']} | {_lat(r['engine']['no_filter'])} | "
                       f"{_lat(r['engine']['filtered'])} | {_lat(r['facets']['top_hits_docs'])} | "
                       f"{_lat(r['facets']['whole_index'])} | {r['dense_recall'].get('recall@10', '–')} | "
                       f"{r.get('load', {}).get('mean', '–')} |")
        out.append("")
        if any(r["engine"]["no_filter"].get("quietest") for r in rows):
            out.append("Quietest round (the fifth of the queries that ran with the fewest runnable tasks on the machine, "
                       "p50 / p95 ms; chosen by contention, not by latency):\n")
            out.append("| chunks | quantisation, vectors | engine hybrid | engine filtered | end to end |")
            out.append("|---|---|---|---|---|")
            for r in rows:
                out.append(f"| {r['size']} | {_setup(r)} | {_quiet(r['engine']['no_filter'])} | "
                           f"{_quiet(r['engine']['filtered'])} | {_quiet(r.get('e2e', {}).get('search'))} |")
            out.append("")
        out.append("## Throughput with concurrent callers (hybrid, no filter)\n")
        out.append("| chunks | quantisation, vectors | 1 caller QPS | 4 callers QPS | 16 callers QPS | p95 at 16 callers ms |")
        out.append("|---|---|---|---|---|---|")
        for r in rows:
            q = {x["callers"]: x for x in r["qps"]}
            out.append(f"| {r['size']} | {_setup(r)} | {q[1]['qps']} | {q[4]['qps']} | "
                       f"{q[16]['qps']} | {q[16]['p95_ms']} |")
        out.append("")
        e2e = [r for r in rows if "e2e" in r]
        if e2e or res.get("corpus_e2e"):
            out.append("## End to end (`HybridSearcher.search`, real query embedding)\n")
            out.append("| index | embedder | search p50 / p95 / p99 | of which query embedding p50 / p95 / p99 |")
            out.append("|---|---|---|---|")
            for r in e2e:
                out.append(f"| {r['size']} synthetic chunks ({_setup(r)}) | {r['e2e']['embedder']} | {_lat(r['e2e']['search'])} | "
                           f"{_lat(r['e2e']['query_embedding'])} |")
            c = res.get("corpus_e2e")
            if c:
                out.append(f"| sample corpus, {c['chunks']} real chunks | {c.get('embedder', 'e5-small')} | "
                           f"{_lat(c['search'])} | {_lat(c['query_embedding'])} |")
                out.append(f"| sample corpus, with facets | {c.get('embedder', 'e5-small')} | "
                           f"{_lat(c['search_with_facets'])} | |")
            out.append("")
        cl = [r for r in rows if "client" in r]
        if cl:
            out.append("## qdrant-client in-process mode (numpy brute force) vs Qdrant Edge\n")
            out.append("| chunks | quantisation, vectors | client hybrid | client filtered | Edge hybrid | "
                       "ratio p50 (client / Edge) | ratio p50 filtered |")
            out.append("|---|---|---|---|---|---|---|")
            for r in cl:
                c = r["client"]
                out.append(f"| {r['size']} | {_setup(r)} | {_lat(c['no_filter'])} | {_lat(c['filtered'])} | "
                           f"{_lat(r['engine']['no_filter'])} | {c['ratio_p50']} | {c['ratio_p50_filtered']} |")
            out.append("")
    if res.get("probes"):
        out.append("## Build probes (sizes that did not fit a full run)\n")
        out.append("| chunks | quantisation, vectors | budget min | upserted | upsert s | points/s | RSS MiB at end | "
                   "HNSW build finished | HNSW build s | index MiB |")
        out.append("|---|---|---|---|---|---|---|---|---|---|")
        for p in res["probes"]:
            rate = round(p["upserted"] / p["upsert_s"], 1) if p["upsert_s"] else "–"
            out.append(f"| {p['size']} | {_setup(p)} | {round(p['budget_s'] / 60, 1)} | {p['upserted']} | "
                       f"{p['upsert_s']} | {rate} | {p['rss_mib']} | {p.get('optimize_finished', False)} | "
                       f"{p.get('optimize_s', '–')} | {p['index_mib']} |")
        out.append("")
        served = [p for p in res["probes"] if p.get("serve")]
        if served:
            out.append("Serving a finished probe index: a fresh process opens it and queries it (engine only, "
                       "synthetic query vectors; RssFile = pages of the index's memory-mapped files, which the "
                       "kernel may drop and re-read; RssAnon cannot be dropped):\n")
            out.append("| chunks | quantisation, vectors | open s | hybrid | hybrid filtered | facets (top-hit docs) p95 ms | "
                       "dense recall@10 | RSS MiB | RssAnon MiB | RssFile MiB |")
            out.append("|---|---|---|---|---|---|---|---|---|---|")
            for p in served:
                v = p["serve"]
                if "error" in v:
                    out.append(f"| {p['size']} | {_setup(p)} | failed: {v['error']} |||||||")
                    continue
                mem = v["memory_mib"]["after_queries"]
                out.append(f"| {p['size']} | {_setup(p)} | {v['open_s']} | {_lat(v['no_filter'])} | "
                           f"{_lat(v['filtered'])} | {v['facets']['top_hits_docs'].get('p95')} | "
                           f"{v['dense_recall'].get('recall@10')} | {mem.get('VmRSS')} | {mem.get('RssAnon')} | "
                           f"{mem.get('RssFile')} |")
            out.append("")
    out += notes_section(res)
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="ccassist search benchmark")
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--client-sizes", default="10000,20000",
                        help="sizes that also run against qdrant-client's in-process mode")
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--client-queries", type=int, default=20,
                        help="queries against qdrant-client's in-process mode (it takes seconds each)")
    parser.add_argument("--qps-seconds", type=float, default=5.0)
    parser.add_argument("--quantization", choices=("int8", "binary"), default=None)
    parser.add_argument("--sentence-rows", type=int, default=8,
                        help="sentence vectors per chunk (the product's default index has them; ingest of the "
                             "generated corpus measured 8.1 per chunk); 0 = chunk vectors only")
    parser.add_argument("--e2e-embedder", default="e5-small", help="'none' to skip the end-to-end part")
    parser.add_argument("--e2e-queries", type=int, default=100)
    parser.add_argument("--no-corpus", action="store_true", help="skip the sample-corpus end-to-end run")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workdir", default=None)
    parser.add_argument("--out", default=str(RESULTS / "search.md"))
    parser.add_argument("--probe", type=int, default=None,
                        help="only build this many points under --probe-minutes and record how far it got")
    parser.add_argument("--probe-minutes", type=float, default=20.0)
    parser.add_argument("--serve-probe", default=None, help=argparse.SUPPRESS)  # child of a probe: index path
    parser.add_argument("--serve-points", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--note", action="append", default=[], help="a line for the Notes section (repeatable)")
    parser.add_argument("--merge", action="store_true", help="keep other sizes of the existing JSON")
    args = parser.parse_args(argv)
    if args.serve_probe:
        print(json.dumps(serve_probe(Path(args.serve_probe), args.serve_points, args.seed), default=str))
        return 0

    out = Path(args.out)
    json_path = out.with_suffix(".json")
    res: dict[str, Any] = {"machine": machine(), "command": command_line(), "sizes": [], "notes": []}
    if args.merge and json_path.exists():
        old = json.loads(json_path.read_text())
        res["previous_load"] = old.get("load")
        res["sizes"], res["notes"] = old.get("sizes", []), old.get("notes", [])
        res["corpus_e2e"] = old.get("corpus_e2e")
        res["probes"] = old.get("probes", [])
        res["command"] = old.get("command", "") + " ; " + res["command"]
    workdir = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="ccassist-bench-search-"))
    workdir.mkdir(parents=True, exist_ok=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    client_sizes = {int(s) for s in args.client_sizes.split(",") if s.strip()}
    e2e = None
    if args.e2e_embedder != "none":
        from core.embedders import get_embedder
        from core.settings import Settings

        e2e = get_embedder(Settings(embedder=args.e2e_embedder, embed_query_cache=0))
    with LoadWatch() as load:
        sizes = [int(s) for s in args.sizes.split(",") if s.strip()] if args.probe is None else []
        ran = bool(sizes) or args.probe is not None
        if args.probe is not None:
            log(f"build probe: {args.probe} points, {args.probe_minutes} min budget")
            probe = build_probe(args.probe, workdir=workdir, seed=args.seed, max_s=args.probe_minutes * 60,
                                quantization=args.quantization, sentence_rows=args.sentence_rows)
            res["probes"] = [p for p in res.get("probes", []) if _key(p) != _key(probe)] + [probe]
        for n in sizes:
            log(f"size {n}")
            with LoadWatch() as size_load:
                r = run_size(n, workdir=workdir, seed=args.seed, n_queries=args.queries,
                             qps_seconds=args.qps_seconds, client=n in client_sizes,
                             client_queries=args.client_queries,
                             quantization=args.quantization, e2e_embedder=e2e, e2e_queries=args.e2e_queries,
                             sentence_rows=args.sentence_rows)
            r["load"] = size_load.summary()
            res["sizes"] = [x for x in res["sizes"] if _key(x) != _key(r)] + [r]
            json_path.write_text(json.dumps(res, indent=1, default=str))  # partial results survive a kill
        if e2e is not None and not args.no_corpus and args.probe is None:
            log("end to end on the sample corpus")
            res["corpus_e2e"] = {**corpus_e2e(args.e2e_embedder, args.e2e_queries), "embedder": args.e2e_embedder}
    publish(res, load=load, merge=args.merge, ran=ran, notes=args.note, json_path=json_path, out=out, render=render,
            plot=write_scaling_plot)
    if not args.workdir:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
