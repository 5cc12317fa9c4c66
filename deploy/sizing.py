"""Measure what an index costs per chunk on Qdrant Edge, to size a deployment (README "Deploy").

Builds Edge indexes of synthetic chunks shaped like ingest's (a 384-dim float32
dense vector, a BM25 sparse vector of ~260 words of text, the chunk payload with
its ~1.6 kB passage) at two sizes, optimises them (HNSW), and measures disk
bytes per part plus the resident memory of a fresh process that opens the index
and answers 200 hybrid queries. The difference between the two sizes gives the
cost per chunk without the fixed overhead (runtime, WAL), extrapolated to 100k
chunks. Random vectors: no model needed.

    .venv/bin/python deploy/sizing.py --points 20000 [--json]
"""

from __future__ import annotations

import argparse
import json
import logging
import subprocess
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from core.sparse import SparseEncoder
from core.store import PointData, Prefetch
from core.store.edge import EdgeStore

logger = logging.getLogger("sizing")
MiB = 1024 * 1024


def _rss_mib() -> float:
    """Current resident set size (Linux /proc), in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _disk_by_part(path: Path) -> dict[str, int]:
    """Bytes allocated on disk, grouped by what they hold (dense vectors, HNSW graph, payload, ...)."""
    names = {
        "vector_storage-dense": "dense vectors", "vector_index-dense": "hnsw", "vector_storage-sparse": "sparse vectors",
        "vector_index-sparse": "sparse index", "payload_storage": "payload", "payload_index": "payload indexes",
    }
    parts: dict[str, int] = defaultdict(int)
    for f in path.rglob("*"):
        if not f.is_file():
            continue
        rel = f.relative_to(path).parts
        if rel[0] == "wal":
            key = "wal"
        elif rel[0] == "segments" and len(rel) > 3:
            key = names.get(rel[2], "other")
        else:
            key = "other"
        parts[key] += f.stat().st_blocks * 512  # allocated, not apparent: preallocated files would mislead
    return dict(sorted(parts.items()))


def _synthetic(n: int, dim: int, seed: int = 1) -> list[PointData]:
    rng = np.random.default_rng(seed)
    vocab = [f"wort{i}" for i in range(20_000)]
    zipf = 1.0 / np.arange(1, len(vocab) + 1)
    zipf /= zipf.sum()
    encoder = SparseEncoder()
    points = []
    for i in range(n):
        words = rng.choice(len(vocab), size=260, p=zipf)
        text = " ".join(vocab[w] for w in words)[:1600]
        vec = rng.normal(size=dim).astype(np.float32)
        payload = {
            "kind": "chunk", "doc_id": f"{i // 12:08x}", "source": f"corpus/doc-{i // 12}.pdf",
            "title": f"Bericht {i // 12}: Klimaanpassung und Partnerschaft", "doc_type": "report",
            "language": "de", "visibility": "internal", "published": "2025-06-04", "deadline": None,
            "deadlines": [], "event_dates": ["2025-05-12", "2025-05-14"], "cities": ["Kisumu", "Leipzig"],
            "countries": ["Kenya", "Germany"], "regions": ["Africa", "Europe"], "places": ["Kisumu", "Leipzig"],
            "topics": ["climate-adaptation", "water"], "year": 2025, "chunk_index": i % 12, "n_chunks": 12,
            "page": 1 + i % 12 // 3, "heading": "Ergebnisse", "text": text,
        }
        points.append(PointData(str(uuid.uuid5(uuid.NAMESPACE_URL, str(i))), vec / np.linalg.norm(vec),
                                encoder.encode_document(text, "de"), payload))
    return points


def build(path: Path, n: int, dim: int, batch: int = 500) -> dict[str, Any]:
    """Write ``n`` synthetic chunks into a new Edge index at ``path`` and build its HNSW graph."""
    points = _synthetic(n, dim)
    store = EdgeStore(path)
    store.ensure(dim)
    started = time.monotonic()
    for i in range(0, n, batch):
        store.upsert(points[i : i + batch])
    store.flush()
    upsert_s = time.monotonic() - started
    started = time.monotonic()
    store.optimize()
    optimize_s = time.monotonic() - started
    store.close()
    return {"points": n, "upsert_s": round(upsert_s, 1), "optimize_s": round(optimize_s, 1), "disk": _disk_by_part(path)}


def serving_rss(path: Path, dim: int, queries: int = 200) -> dict[str, float]:
    """Resident memory of this process before and after opening the index and answering hybrid queries."""
    encoder = SparseEncoder()
    sparse_q = encoder.encode_query("wort1 wort17 wort230", "de")
    rng = np.random.default_rng(2)
    before = _rss_mib()
    store = EdgeStore(path)
    started = time.monotonic()
    for _ in range(queries):
        q = rng.normal(size=dim).astype(np.float32)
        store.query([Prefetch("dense", q / np.linalg.norm(q)), Prefetch("sparse", sparse_q)], limit=10)
    elapsed = time.monotonic() - started
    after = _rss_mib()
    store.close()
    return {"rss_before_mib": before, "rss_after_mib": after, "query_ms": 1000 * elapsed / queries}


def _serving_rss_in_fresh_process(path: Path, dim: int) -> dict[str, float]:
    out = subprocess.run([sys.executable, __file__, "--serve", str(path), "--dim", str(dim)],
                         capture_output=True, text=True, check=True, timeout=900)
    return json.loads(out.stdout)


def measure(n: int, dim: int = 384) -> dict[str, Any]:
    """Build indexes of n/4 and n chunks; report sizes at n and the per-100k cost from the difference."""
    sizes = (max(1000, n // 4), n)
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        for size in sizes:
            path = Path(tmp) / f"chunks-{size}"
            run = build(path, size, dim)
            run.update(_serving_rss_in_fresh_process(path, dim))
            runs.append(run)
    small, large = runs
    scale = 100_000 / (large["points"] - small["points"])
    per_part = {
        key: round((large["disk"].get(key, 0) - small["disk"].get(key, 0)) * scale / MiB)
        for key in large["disk"] if key != "wal"
    }
    rss_small = small["rss_after_mib"] - small["rss_before_mib"]
    rss_large = large["rss_after_mib"] - large["rss_before_mib"]
    return {
        "points": n,
        "dim": dim,
        "upsert_s": large["upsert_s"],
        "optimize_s": large["optimize_s"],
        "query_ms": round(large["query_ms"], 2),
        "disk_mib": {k: round(v / MiB, 1) for k, v in large["disk"].items()},
        "disk_per_100k_mib": per_part,
        "disk_per_100k_total_mib": sum(per_part.values()),
        "serving_rss_mib": round(rss_large, 1),
        "serving_rss_per_100k_mib": round((rss_large - rss_small) * scale),
        "dense_raw_per_100k_mib": round(100_000 * dim * 4 / MiB),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--points", type=int, default=20_000)
    parser.add_argument("--dim", type=int, default=384)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--serve", type=Path, help=argparse.SUPPRESS)  # internal: measure a fresh process
    args = parser.parse_args()
    if args.serve:
        print(json.dumps(serving_rss(args.serve, args.dim)))
        return
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(message)s")
    result = measure(args.points, args.dim)
    if args.json:
        print(json.dumps(result))
        return
    for key, value in result.items():
        logger.info("%-26s %s", key, value)


if __name__ == "__main__":
    main()
