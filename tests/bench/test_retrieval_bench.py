"""The retrieval benchmark runs end to end on a small XQuAD subset and clears a sanity floor.

Real engine (Qdrant Edge shard in a temp dir), real e5-small embedder, the product's HybridSearcher.
30 paragraphs per language keep it under a minute on 2 idle cores (e5-small embeds ~5 paragraphs/s).
"""

from __future__ import annotations

import json

import pytest

from bench.retrieval import MODES, SETTINGS, XQUAD_DIR, metrics, render_markdown, run_bench

pytestmark = pytest.mark.skipif(not (XQUAD_DIR / "corpus.de.jsonl").exists(), reason="XQuAD eval set not available")

N_PARAGRAPHS = 30


def test_metrics_counts_first_occurrence_and_misses() -> None:
    m = metrics([["a", "b"], ["x", "y", "a"], ["z"], ["b", "b", "c"]], ["a", "a", "a", "c"])
    assert m["recall@1"] == 0.25
    assert m["recall@5"] == 0.75
    assert m["mrr@10"] == round((1 + 1 / 3 + 0 + 1 / 3) / 4, 4)
    assert m["n"] == 4


@pytest.fixture(scope="module")
def quick_result() -> dict:
    return run_bench(["e5-small"], quick=True, n_paragraphs=N_PARAGRAPHS, sweep=False, latency_questions=40,
                     compare_quantization=["int8"], log=lambda _msg: None)


def test_quick_bench_structure(quick_result: dict) -> None:
    res = quick_result
    assert res["n_paragraphs"] == {"de": N_PARAGRAPHS, "en": N_PARAGRAPHS}
    n_q = res["n_questions"]["de"]
    assert n_q == res["n_questions"]["en"] > 80
    e = res["embedders"]["e5-small"]
    assert e["dim"] == 384
    assert e["ingest"]["passages"] == 2 * N_PARAGRAPHS and e["ingest"]["passages_per_s"] > 0
    assert e["ingest"]["indexes"]["mixed"]["points"] == 2 * N_PARAGRAPHS
    assert e["ingest"]["indexes"]["de"]["points"] == N_PARAGRAPHS
    assert set(e["results"]) == set(SETTINGS)
    for sname, r in e["results"].items():
        assert set(MODES) <= set(r), sname
        for mode in MODES:
            x = r[mode]
            assert x["n"] == n_q
            assert 0.0 <= x["recall@1"] <= x["recall@5"] <= x["recall@10"] <= 1.0, (sname, mode, x)
            assert x["recall@1"] <= x["mrr@10"] <= x["recall@10"], (sname, mode, x)
    for mode in ("sparse", "dense", "hybrid"):
        lat = e["latency"][mode]
        assert lat["n"] == 40 and 0 < lat["p50_ms"] <= lat["p95_ms"]
    assert 0 < e["latency"]["hybrid_engine_only"]["p50_ms"] <= e["latency"]["hybrid"]["p50_ms"]
    assert res["language_detection"]["de"]["n"] == n_q
    # The int8 indexes are rebuilt from the same vectors, indexed and quantised, and rank nearly alike.
    quantized = e["quantized"]["int8"]
    assert quantized["indexes"]["mixed"]["indexed_vectors"] > e["ingest"]["indexes"]["mixed"]["indexed_vectors"]
    for sname, r in quantized["results"].items():
        assert r["hybrid"]["n"] == n_q
        assert abs(r["hybrid"]["mrr@10"] - e["results"][sname]["hybrid"]["mrr@10"]) < 0.03, sname
    # Rendering and JSON must not choke on the result.
    md = render_markdown(res, "pytest")
    assert "| de->de | **hybrid** |" in md and "en->mixed" in md
    assert "`CCASSIST_QUANTIZATION=int8`" in md
    json.dumps(res)


def test_quick_bench_sanity_floor(quick_result: dict) -> None:
    """Floors well below the full-set targets, but far above what a broken pipeline gets."""
    r = quick_result["embedders"]["e5-small"]["results"]
    assert r["de->de"]["hybrid"]["recall@5"] >= 0.9
    assert r["en->en"]["hybrid"]["recall@5"] >= 0.9
    # Cross-lingual: BM25 cannot bridge languages, the dense model (and hence hybrid) must.
    assert r["en->de"]["hybrid"]["recall@5"] >= 0.85
    assert r["en->de"]["hybrid"]["recall@5"] >= r["en->de"]["bm25"]["recall@5"]
    assert r["en->mixed"]["hybrid"]["recall@5"] >= 0.85
    # Language detection feeds the per-language sparse prefetch: it must mostly be right.
    ld = quick_result["language_detection"]
    assert ld["de"]["accuracy"] >= 0.9 and ld["en"]["accuracy"] >= 0.9
