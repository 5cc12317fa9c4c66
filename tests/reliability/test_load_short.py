"""``bench/load.py --short`` against a real uvicorn on loopback: 10 clients, 10 s, uploads meanwhile, 0 errors.

Latency is not asserted (CI machines are shared); bench/results/load.md has the measured numbers.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from bench.load import Config, run
from core.settings import Settings


def test_short_load_has_no_errors_and_loses_no_upload(tmp_path: Path, corpus_index: Path) -> None:
    index = tmp_path / "index"
    shutil.copytree(corpus_index / "index", index)  # the server writes uploads into its index: use a copy
    embedder = Settings.model_fields["embedder"].default  # what tests/conftest.py built corpus_index with
    res = run(Config(index=index, embedder=embedder, clients=10, duration=10, uploads=3, timeout=180),
              workdir=tmp_path)
    assert res["errors"] == 0, {k: e["error_samples"] for k, e in res["endpoints"].items()}
    for kind in res["mix"]:
        assert res["endpoints"][kind]["requests"] > 0, f"no {kind} request completed"
    if not res["ask_endpoint"]:
        print("note: POST /ask is not mounted; the mix ran without it")
    uploads = res["uploads"]
    assert uploads["lost"] == [] and uploads["complete_and_findable"] == uploads["requested"] == 3, uploads
