"""An ingest that SIGKILLs itself at one exact point of writing a document (used by test_crash_safety.py).

Killing a real CLI at a random moment mostly hits embedding; the windows
that matter for consistency are a few milliseconds long. This harness runs
the normal ingest and kills its own process (``kill -9``, no cleanup, no
flush) exactly at one of them, when the document from ``--target`` is written:

- ``before-write``: before anything of the new version is written;
- ``after-upsert``: right after the new version's chunks are written (the old version is not
  deleted yet; whatever the pipeline writes after the chunks has not run);
- ``mid-slices``: a large document is written in slices (``_WRITE_BATCH`` lowered to 2) and
  the process dies after the first slice.

    python -m tests.reliability._crash_harness --index DIR --kill-at POINT --target SOURCE PATH...
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def _die() -> None:
    sys.stderr.write("harness: SIGKILL\n")
    sys.stderr.flush()
    os.kill(os.getpid(), signal.SIGKILL)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--kill-at", choices=["before-write", "after-upsert", "mid-slices"], required=True)
    parser.add_argument("--target", required=True, help="source whose write is interrupted")
    parser.add_argument("--embedder", default="use-m3")
    parser.add_argument("paths", nargs="+")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)

    from api.services import Services
    from core.settings import Settings
    from ingest import pipeline

    settings = Settings(index_path=args.index, data_dir=args.index.parent / "data", embedder=args.embedder,
                        default_visibility="public")  # type: ignore[call-arg]
    services = Services(settings)
    ingestor = services.ingestor
    store = services.store

    if args.kill_at == "before-write":
        original_write = ingestor._write

        def write(item: Any) -> None:
            if item.source == args.target:
                _die()
            original_write(item)

        ingestor._write = write  # type: ignore[method-assign]
    elif args.kill_at == "after-upsert":
        original_upsert = store.upsert

        def upsert(points: Any) -> None:
            original_upsert(points)
            if points and points[0].payload.get("source") == args.target:
                _die()  # the document's chunks (one operation) are in; nothing after them has run

        store.upsert = upsert  # type: ignore[method-assign]
    else:
        pipeline._WRITE_BATCH = 2  # type: ignore[attr-defined]
        original_upsert = store.upsert

        def upsert(points: Any) -> None:
            original_upsert(points)
            if points and points[0].payload.get("source") == args.target:
                _die()

        store.upsert = upsert  # type: ignore[method-assign]

    report = services.ingest(args.paths)
    services.close()
    sys.stderr.write(f"harness: finished without reaching the kill point ({report.indexed} indexed)\n")
    return 3


if __name__ == "__main__":
    raise SystemExit(main())
