"""The performance benches run end to end in a tiny mode and return well-formed numbers.

No timing is asserted (the machines are shared); the point is that `bench/ingest.py`, `bench/search.py`
and `bench/ask.py` keep working as the product changes, and that their reports render.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from bench import ask as ask_bench
from bench import ingest as ingest_bench
from bench import search as search_bench
from bench.corpus_gen import chunk_texts, estimate_chunks, generate_docs, write_corpus


def _finite(x: object) -> bool:
    return isinstance(x, (int, float)) and math.isfinite(float(x)) and float(x) >= 0


def test_corpus_generator_is_deterministic_and_mixed(tmp_path: Path) -> None:
    a = [d.plain_text() for d in generate_docs(150, seed=3)]
    b = [d.plain_text() for d in generate_docs(150, seed=3)]
    assert a == b and a != [d.plain_text() for d in generate_docs(150, seed=4)]
    docs = list(generate_docs(400, seed=3))
    assert {d.lang for d in docs} == {"de", "en", "fr"}
    assert sum(estimate_chunks(d) for d in docs) >= 400
    counts = write_corpus(tmp_path / "c", 120, seed=3)
    files = [p for p in (tmp_path / "c").rglob("*") if p.is_file() and not p.name.startswith(".")]
    assert counts["docs"] == len([f for f in files if not f.name.endswith(".meta.yaml")])
    assert len(chunk_texts(50, seed=3)) == 50


def test_ingest_bench_tiny(tmp_path: Path) -> None:
    r = ingest_bench.ingest_size(15, embedder_name="e5-small", workdir=tmp_path, seed=5, raw_sample=6)
    i = r["ingest"]
    assert i["chunks"] > 0 and i["failed"] == 0
    assert _finite(i["chunks_per_s"]) and _finite(r["raw_encoder"]["passages_per_s"]) and _finite(r["ratio"])
    assert set(i["stages_s"]) >= {"parse", "metadata", "chunk", "dense", "sparse", "write"}
    assert i["peak_rss_mib"] > 0 and _finite(i["index_build_s"])
    assert r["reingest_unchanged"]["indexed"] == 0
    edited = r["reingest_edited"]
    assert edited["indexed"] == edited["edited_files"] >= 1
    assert edited["counters"]["reused"] > 0, "unchanged chunks of an edited file keep their vectors"
    md = ingest_bench.render({"machine": ingest_bench.machine(), "command": "x", "sizes": [r], "sweep": [],
                              "notes": []})
    assert "| chunks |" in md and "Re-ingest" in md


def test_encoder_worker_tiny() -> None:
    row = ingest_bench.encoder_worker({"embedder": "e5-small", "threads": 2, "batch": 2, "n": 4, "sort": True})
    assert row["n"] == 4 and _finite(row["passages_per_s"]) and _finite(row["cpu_ms_per_passage"])


@pytest.mark.parametrize("sentence_rows", [0, 4])
def test_search_bench_tiny(tmp_path: Path, sentence_rows: int) -> None:
    r = search_bench.run_size(300, workdir=tmp_path, seed=2, n_queries=12, qps_seconds=0.2, client=True,
                              client_queries=3, quantization=None, e2e_embedder=None, e2e_queries=0,
                              sentence_rows=sentence_rows)
    assert r["build"]["points"] == 300
    assert r["dense_recall"]["vector"] == ("sentences" if sentence_rows else "dense")
    for key in ("no_filter", "filtered"):
        assert r["engine"][key]["n"] == 12 and _finite(r["engine"][key]["p95"])
        assert r["client"][key]["n"] == 3
    assert [q["callers"] for q in r["qps"]] == [1, 4, 16] and all(q["qps"] > 0 for q in r["qps"])
    assert 0.0 <= r["dense_recall"]["recall@10"] <= 1.0
    assert r["index_mib"] > 0 and r["rss_mib"]["after_queries"] > 0
    res = {"machine": search_bench.machine(), "command": "x", "sizes": [r], "notes": []}
    assert "Qdrant Edge" in search_bench.render(res)
    assert search_bench.write_scaling_plot(tmp_path / "s.png", ingest={}, search=res) == tmp_path / "s.png"
    assert (tmp_path / "s.png").stat().st_size > 0


@pytest.mark.parametrize("backend", ["extractive"])
def test_ask_bench_tiny(tmp_path: Path, sample_dir: Path, backend: str) -> None:
    index = tmp_path / "index"
    built = ask_bench.ensure_index(index, corpus=sample_dir)
    assert built["points"] > 0
    questions = [{"id": "t1", "lang": "de", "question": "Wann endet die Bewerbungsfrist für naturbasierte Lösungen?"}]
    r = ask_bench.run_backend(backend, index, questions)
    s = r["summary"]
    assert s["questions"] == 1 and _finite(s["p50_s"])
    assert set(s["stages_mean_ms"]) == set(ask_bench.STAGES)
    md = ask_bench.render({"machine": ask_bench.machine(), "command": "x", "backends": [r], "index": built,
                           "questions": 1, "notes": []})
    assert "| extractive |" in md


def test_ensemble_weight_mrr_matches_the_definition() -> None:
    from bench.ensemble_weight import mrr_at_10

    scores = np.array([[0.9, 0.1, 0.5], [0.2, 0.3, 0.1], [0.0, 0.0, 1.0]])
    gold = np.array([2, 1, 0])  # ranks 2, 1 and 2 (ties keep index order)
    assert mrr_at_10(scores, gold) == pytest.approx((1 / 2 + 1 + 1 / 2) / 3)
