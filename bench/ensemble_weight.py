"""Choose the weight of an ensemble embedder's second member on one half of XQuAD, report it on the other.

    python bench/ensemble_weight.py [--members e5-small,use-m3] [--cache DIR]

The ensemble ``a+b`` ranks by ``cos_a + w·cos_b`` (core/embedders.py, EnsembleEmbedder). XQuAD is a
held-out test, so the weight must not be tuned on the questions it is reported on: the paragraphs
are split in two halves (0-119 dev, 120-239 test); the weight that maximises the mean dense MRR@10
over de→de, en→en, en→de and de→en on the dev half is the one ``CCASSIST_EMBED_ENSEMBLE_WEIGHT``
defaults to, and the test half shows whether it generalises. Exact (numpy) search, no engine:
this measures the vectors, bench/retrieval.py measures the product.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench._common import log
from bench.retrieval import LANGS, load_data

WEIGHTS = (0.0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.75, 1.0)
PAIRS = (("de", "de"), ("en", "en"), ("en", "de"), ("de", "en"))


def vectors(name: str, texts: list[str], kind: str, cache: Path | None) -> np.ndarray:
    """Passage or query vectors of ``name`` (cached as .npy when ``cache`` is given)."""
    from core.embedders import get_embedder
    from core.settings import Settings

    digest = hashlib.sha1("\n".join(texts).encode("utf-8")).hexdigest()[:12]
    path = cache / f"{name}-{kind}-{digest}.npy" if cache else None
    if path is not None and path.exists():
        return np.load(path)
    embedder = get_embedder(Settings(embedder=name, embed_query_cache=0))
    out = embedder.embed_passages(texts) if kind == "p" else embedder.embed_queries(texts)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.save(path, out)
    return out


def mrr_at_10(scores: np.ndarray, gold: np.ndarray) -> float:
    top = np.argsort(-scores, axis=1, kind="stable")[:, :10]
    found = top == gold[:, None]
    ranks = np.where(found.any(axis=1), found.argmax(axis=1) + 1, 0)
    return float(np.mean(np.where(ranks > 0, 1.0 / np.maximum(ranks, 1), 0.0)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", default="e5-small,use-m3")
    parser.add_argument("--cache", type=Path, default=None, help="keep the vectors here between runs")
    args = parser.parse_args(argv)
    first, second = args.members.split(",")
    data = load_data()
    ids = [d["id"] for d in data.corpus["de"]]
    half = len(ids) // 2
    vec = {}
    for name in (first, second):
        for lang in LANGS:
            log(f"embedding {lang} with {name}")
            vec[name, "p", lang] = vectors(name, [d["text"] for d in data.corpus[lang]], "p", args.cache)
            vec[name, "q", lang] = vectors(name, [q["question"] for q in data.questions[lang]], "q", args.cache)
    rows = {}
    for w in WEIGHTS:
        for split in ("dev", "test"):
            scores = []
            for qlang, dlang in PAIRS:
                gold = np.array([ids.index(q["para_id"]) for q in data.questions[qlang]])
                keep = gold < half if split == "dev" else gold >= half
                sim = vec[first, "q", qlang] @ vec[first, "p", dlang].T
                sim = sim + w * (vec[second, "q", qlang] @ vec[second, "p", dlang].T)
                scores.append(mrr_at_10(sim[keep], gold[keep]))
            rows[w, split] = scores
    best = max(WEIGHTS, key=lambda w: np.mean(rows[w, "dev"]))
    print(f"# Ensemble weight of `{second}` in `{first}+{second}` (dense MRR@10, exact search)\n")
    print(f"Dev = questions on paragraphs 0-{half - 1}, test = {half}-{len(ids) - 1}. "
          f"Chosen on dev: **w = {best}**.\n")
    print_table(WEIGHTS, rows, best)
    return 0


def print_table(weights: tuple[float, ...], rows: dict[tuple[float, str], list[float]], chosen: float) -> None:
    """The dev/test MRR@10 table per weight, the chosen one marked (also bench/sentence_weight.py's)."""
    print("| w | split | " + " | ".join(f"{q}->{d}" for q, d in PAIRS) + " | mean |")
    print("|---|---|" + "---|" * (len(PAIRS) + 1))
    for w in weights:
        for split in ("dev", "test"):
            s = rows[w, split]
            mark = " ←" if w == chosen else ""
            print(f"| {w}{mark} | {split} | " + " | ".join(f"{x:.3f}" for x in s) + f" | {np.mean(s):.4f} |")


if __name__ == "__main__":
    raise SystemExit(main())
