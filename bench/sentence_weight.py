"""Choose the sentence-vector weight on one half of XQuAD, report it on the other.

    python bench/sentence_weight.py [--embedder e5-small] [--cache DIR] > bench/results/sentence_weight.md

With sentence vectors a chunk scores ``(1 - w)·cos(q, chunk) + w·max_i cos(q, sentence_i)``
(core/sentence_vectors.py). XQuAD is a held-out test, so ``w`` is not tuned on the questions it is
reported on: the paragraphs are split in two halves (0-119 dev, 120-239 test); the ``w`` that
maximises the mean dense MRR@10 over de→de, en→en, en→de and de→en on the dev half is the one
``CCASSIST_SENTENCE_WEIGHT`` defaults to, and the test half shows whether it generalises. The
sentences are cut by the product's splitter (core.sentence_vectors.sentence_units; XQuAD has no
title line to put before them). Exact numpy search over the packaged model's vectors, so the
numbers do not depend on load; bench/retrieval.py measures the product.
"""

from __future__ import annotations

import argparse
import sys
from itertools import pairwise
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench._common import log
from bench.ensemble_weight import PAIRS, mrr_at_10, print_table, vectors
from bench.retrieval import LANGS, load_data
from core.sentence_vectors import sentence_units

WEIGHTS = (0.0, 0.25, 0.4, 0.5, 0.6, 0.75, 1.0)


def best_sentence(query: np.ndarray, sentences: list[np.ndarray], chunk: np.ndarray) -> np.ndarray:
    """``max_i cos(q, sentence_i)`` per (question, paragraph); a one-sentence paragraph counts its own vector."""
    out = np.empty((len(query), len(sentences)), dtype=np.float32)
    for j, rows in enumerate(sentences):
        out[:, j] = (query @ rows.T).max(axis=1) if len(rows) else query @ chunk[j]
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--embedder", default="e5-small")
    parser.add_argument("--cache", type=Path, default=None, help="keep the vectors here between runs")
    args = parser.parse_args(argv)
    data = load_data()
    ids = [d["id"] for d in data.corpus["de"]]
    half = len(ids) // 2
    chunk, sentences, query = {}, {}, {}
    for lang in LANGS:
        log(f"embedding {lang} paragraphs, sentences and questions with {args.embedder}")
        texts = [d["text"] for d in data.corpus[lang]]
        units = [sentence_units(t) for t in texts]
        flat = vectors(args.embedder, [u for group in units for u in group], "p", args.cache)
        starts = np.cumsum([0] + [len(group) for group in units])
        chunk[lang] = vectors(args.embedder, texts, "p", args.cache)
        sentences[lang] = [flat[a:b] for a, b in pairwise(starts)]
        query[lang] = vectors(args.embedder, [q["question"] for q in data.questions[lang]], "q", args.cache)
    rows = {}
    scores: dict[tuple[str, str], tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
    for qlang, dlang in PAIRS:
        gold = np.array([ids.index(q["para_id"]) for q in data.questions[qlang]])
        whole = query[qlang] @ chunk[dlang].T
        best = best_sentence(query[qlang], sentences[dlang], chunk[dlang])
        scores[qlang, dlang] = gold, whole, best
        for w in WEIGHTS:
            sim = (1 - w) * whole + w * best
            for split, keep in (("dev", gold < half), ("test", gold >= half)):
                rows.setdefault((w, split), []).append(mrr_at_10(sim[keep], gold[keep]))
    chosen = max(WEIGHTS, key=lambda w: np.mean(rows[w, "dev"]))
    print(f"# Sentence-vector weight for `{args.embedder}` (dense MRR@10, exact search)\n")
    print(f"Reproduce: `python bench/sentence_weight.py --embedder {args.embedder}`. Dev = questions on paragraphs "
          f"0-{half - 1}, test = {half}-{len(ids) - 1}; w = 0 is the chunk vector alone, w = 1 the best sentence "
          f"alone. Chosen on dev: **w = {chosen}**.\n")
    print_table(WEIGHTS, rows, chosen)
    print_rerank_table(scores, chosen)
    return 0


def rerank(whole: np.ndarray, mix: np.ndarray, candidates: int) -> np.ndarray:
    """``mix`` for each question's ``candidates`` nearest paragraphs by the chunk vector, -inf elsewhere:
    the product's query (CCASSIST_SENTENCE_CANDIDATES) in numpy."""
    out = np.full_like(mix, -np.inf)
    rows = np.arange(len(mix))[:, None]
    nearest = np.argsort(-whole, axis=1)[:, :candidates]
    out[rows, nearest] = mix[rows, nearest]
    return out


def print_rerank_table(scores: dict[tuple[str, str], tuple[np.ndarray, np.ndarray, np.ndarray]], w: float) -> None:
    """Dense MRR@10 (all questions) when the sentence rows rerank only the N nearest paragraphs by chunk vector.

    ``scores`` holds, per language pair, the gold paragraph of each question, the chunk similarities and
    the best-sentence similarities that the weight table used."""
    sizes = (5, 10, 20, 50)
    print(f"\n## Reranking the N nearest by chunk vector (w = {w}, all questions)\n")
    print("| pair | chunk vector only | " + " | ".join(f"rerank N={n}" for n in sizes) + " | every paragraph's rows |")
    print("|---|---|" + "---|" * len(sizes) + "---|")
    for (qlang, dlang), (gold, whole, best) in scores.items():
        mix = (1 - w) * whole + w * best
        cells = [f"{mrr_at_10(rerank(whole, mix, n), gold):.3f}" for n in sizes]
        print(f"| {qlang}->{dlang} | {mrr_at_10(whole, gold):.3f} | " + " | ".join(cells) +
              f" | {mrr_at_10(mix, gold):.3f} |")


if __name__ == "__main__":
    raise SystemExit(main())
