"""Load test of the HTTP API on loopback: a real ``ccassist serve`` and N concurrent clients.

    python bench/load.py                                   # corpus/ ingested into a tmp index, 50 clients, 60 s
    python bench/load.py --short                           # 10 clients, 10 s (what the CI test runs)
    python bench/load.py --index DIR --embedder e5-small   # serve an existing index (it must not be in use)
    python bench/load.py --uploads 10 --out bench/results/load.md

What runs: ``python -m api.cli serve`` in a subprocess on a free 127.0.0.1 port
(rate limit off, one editor and one staff key in CCASSIST_API_KEYS), then N
asyncio clients, each with its own keep-alive connection, send requests back
to back (closed loop, no think time) until the duration or the request budget
is used up. Half of the clients are anonymous (role public), half use the
staff key. The mix: ``POST /search`` (hybrid, sometimes with filters or
per_doc), ``POST /search`` with ``facets``, ``GET /documents`` and
``GET /documents/{id}``, and ``POST /ask`` (extractive backend) when the
server has it. With ``--uploads N`` an editor uploads N new documents during
the run; afterwards every job must be done, every file indexed completely
(``n_chunks`` chunks) and findable by a word only it contains: uploads while
searching lose nothing.

An error is a transport failure, a timeout or any non-2xx answer. Reported per
endpoint: requests, errors, requests/s, p50/p95/p99/max latency; plus the
machine, its load average (these machines are shared) and the server's RSS.
Bounded in time and count: ``--duration``, ``--max-requests``, per-request timeout.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import httpx

from bench._common import LoadWatch, latency, loadavg, log, machine, wait_for_quiet

QUERIES = [
    "Frist für die Bewerbung", "Hochwasser Frühwarnsystem Kisumu", "circular economy workshop Accra",
    "Wasserstoff Hafen Kiel", "heat protection Amman", "Kreislaufwirtschaft Pilotprojekte",
    "économie circulaire Sfax", "affordable housing partnerships", "digital transformation partner cities",
    "Netzwerktreffen Klimaanpassung Bonn", "Feuerwehr Köln Kampala", "water losses Irbid",
    "KI-Werkstatt München Chatbot", "Stadtgrün Freiburg", "Belo Horizonte housing pilot", "budget 2026",
]
QUESTIONS = [
    "Bis wann kann man sich für die Pilotprojekte Kreislaufwirtschaft bewerben?",
    "Which cities took part in the flood resilience workshop in Kisumu?",
    "Was wurde beim Hitzeschutz-Workshop in Amman besprochen?",
    "What is the hydrogen strategy of Kiel about?",
    "Quelles villes ont participé à l'atelier sur l'économie circulaire à Sfax ?",
]
FILTERS: list[dict[str, Any]] = [
    {}, {}, {}, {"language": ["de"]}, {"doc_type": ["call", "invitation"]}, {"year": 2025},
    {"country": ["Kenya"]}, {"topic": ["Kreislaufwirtschaft"]}, {"open": True},
]
MIX_WITH_ASK = {"search": 50, "ask": 10, "facets": 15, "documents": 25}
MIX_WITHOUT_ASK = {"search": 55, "facets": 20, "documents": 25}


@dataclass
class Config:
    index: Path | None = None
    corpus: Path = ROOT / "corpus"
    embedder: str = "e5-small"
    unique_queries: bool = False  # every search a new string: the query-vector cache never hits
    clients: int = 50
    duration: float = 60.0
    max_requests: int = 200_000
    timeout: float = 60.0
    uploads: int = 0
    think: float = 0.0  # mean pause between a client's requests (s, exponential); 0 = closed loop
    seed: int = 1


@dataclass
class EndpointStats:
    ms: list[float] = field(default_factory=list)
    errors: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    samples: list[str] = field(default_factory=list)

    def record(self, ms: float, status: str, ok: bool, detail: str = "") -> None:
        self.ms.append(ms)
        self.statuses[status] += 1
        if not ok:
            self.errors += 1
            if len(self.samples) < 5:
                self.samples.append(f"{status}: {detail[:200]}")


# ------------------------------------------------------------------------------------------ server


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _env(base: Path, embedder: str, keys: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CCASSIST_")}
    env.update({
        "CCASSIST_DATA_DIR": str(base / "data"),
        "CCASSIST_EMBEDDER": embedder,
        "CCASSIST_LLM": "extractive",
        "CCASSIST_RATE_LIMIT_PER_MINUTE": "0",  # 50 clients from one address would otherwise get 429 by design
        "CCASSIST_API_KEYS": ",".join(f"{role}:{key}" for role, key in keys.items()),
        "CCASSIST_LOG_LEVEL": "WARNING",
    })
    return env


class Server:
    """``ccassist serve`` on a free loopback port; stopped with SIGTERM (then SIGKILL)."""

    def __init__(self, index: Path, env: dict[str, str], log_file: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_file = log_file
        self._fh = log_file.open("w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "api.cli", "serve", "--index", str(index), "--host", "127.0.0.1",
             "--port", str(self.port)],
            cwd=ROOT, env=env, stdout=self._fh, stderr=subprocess.STDOUT,
        )

    def wait_ready(self, timeout: float = 300) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}:\n{self.log_file.read_text()[-3000:]}")
            try:
                r = httpx.get(f"{self.url}/health", timeout=5)
                if r.status_code == 200:
                    return r.json()
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        raise RuntimeError(f"server not ready after {timeout}s:\n{self.log_file.read_text()[-3000:]}")

    def cpu_seconds(self) -> float:
        """User + system CPU time the server process has used so far."""
        try:
            fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, IndexError, ValueError):
            return float("nan")

    def rss_mib(self) -> float | None:
        try:
            for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) / 1024, 1)
        except OSError:
            return None
        return None

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._fh.close()


def build_index(corpus: Path, index: Path, env: dict[str, str]) -> dict[str, Any]:
    """Ingest ``corpus`` into ``index`` with the CLI (the same embedder the server will use)."""
    done = subprocess.run([sys.executable, "-m", "api.cli", "ingest", str(corpus), "--index", str(index), "--json"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=3600, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"ingest failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout)


# ------------------------------------------------------------------------------------------ clients


def _query(rng: random.Random, unique: bool) -> str:
    """A search query; ``unique`` appends another query's first word and a random number, so no two repeat."""
    query = rng.choice(QUERIES)
    return f"{query} {rng.choice(QUERIES).split()[0]} {rng.randrange(10**6)}" if unique else query


def _request(kind: str, rng: random.Random, doc_ids: list[str], unique: bool = False) -> tuple[str, str, dict[str, Any]]:
    """(method, path, httpx kwargs) of one request of ``kind``."""
    if kind == "search":
        body: dict[str, Any] = {"query": _query(rng, unique), "k": rng.choice((5, 10)),
                                "filters": rng.choice(FILTERS), "per_doc": rng.random() < 0.3}
        return "POST", "/search", {"json": body}
    if kind == "facets":
        return "POST", "/search", {"json": {"query": _query(rng, unique), "k": 1, "facets": True}}
    if kind == "ask":
        return "POST", "/ask", {"json": {"question": rng.choice(QUESTIONS)}}
    if doc_ids and rng.random() < 0.6:
        return "GET", f"/documents/{rng.choice(doc_ids)}", {}
    return "GET", "/documents", {"params": {"limit": rng.choice((10, 20, 50))}}


def _valid(kind: str, data: Any) -> bool:
    """Enough of the JSON contract to catch a 200 with the wrong body."""
    if not isinstance(data, dict):
        return False
    if kind in ("search", "facets"):
        return isinstance(data.get("results"), list) and (kind != "facets" or isinstance(data.get("facets"), dict))
    if kind == "ask":
        return isinstance(data.get("answer"), str) and isinstance(data.get("citations"), list) and "grounded" in data
    return "items" in data or "chunks" in data


async def _client(n: int, url: str, headers: dict[str, str], cfg: Config, mix: dict[str, int], deadline: float,
                  budget: list[int], doc_ids: list[str], stats: dict[str, EndpointStats]) -> None:
    rng = random.Random(cfg.seed * 1000 + n)
    kinds, weights = list(mix), list(mix.values())
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=cfg.timeout, limits=limits) as http:
        while time.monotonic() < deadline and budget[0] > 0:
            budget[0] -= 1
            kind = rng.choices(kinds, weights)[0]
            method, path, kwargs = _request(kind, rng, doc_ids, cfg.unique_queries)
            t0 = time.perf_counter()
            try:
                r = await http.request(method, path, **kwargs)
                ms = (time.perf_counter() - t0) * 1000
                ok = 200 <= r.status_code < 300 and _valid(kind, r.json())
                stats[kind].record(ms, str(r.status_code), ok, "" if ok else r.text)
            except Exception as exc:  # noqa: BLE001 - every failure is counted, none ends the run
                ms = (time.perf_counter() - t0) * 1000
                stats[kind].record(ms, type(exc).__name__, False, str(exc))
            if cfg.think > 0:
                await asyncio.sleep(min(rng.expovariate(1 / cfg.think), max(0.0, deadline - time.monotonic())))


def _upload_doc(run: str, j: int) -> tuple[str, str, str]:
    """(file name, text, word only this document contains)."""
    word = f"ladeprobe{run}x{j}"
    intro = (f"Der Begriff {word} kommt nur in diesem Dokument vor. Die Stadt Kisumu und die Stadt Bonn "
             f"testen im Upload {j} gemeinsam Sensoren für Hochwasser.")
    paras = [f"# Upload {j} während der Last: {word}", "", intro, ""]
    paras += [f"Absatz {p}: Die Partner berichten über Messstation {j}-{p} am Fluss und über {word}. "
              "Die Daten fließen in die Leitstelle der Stadt." for p in range(12)]
    return f"upload-{run}-{j}.md", "\n\n".join(paras), word


async def _uploader(url: str, editor: str, cfg: Config, deadline: float, stats: dict[str, EndpointStats]) -> dict[str, Any]:
    """Upload ``cfg.uploads`` documents spread over the run, then check that none was lost."""
    run = secrets.token_hex(3)
    headers = {"Authorization": f"Bearer {editor}"}
    jobs: list[tuple[str, str, str]] = []  # (job id, file name, word)
    gap = max(0.2, (deadline - time.monotonic()) * 0.6 / max(cfg.uploads, 1))
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=cfg.timeout) as http:
        for j in range(cfg.uploads):
            name, text, word = _upload_doc(run, j)
            t0 = time.perf_counter()
            try:
                r = await http.post("/documents", files={"files": (name, text.encode(), "text/markdown")},
                                    data={"visibility": "public"})
                ok = r.status_code == 202
                stats["upload"].record((time.perf_counter() - t0) * 1000, str(r.status_code), ok, "" if ok else r.text)
                if ok:
                    jobs.append((r.json()["job_id"], name, word))
            except Exception as exc:  # noqa: BLE001
                stats["upload"].record((time.perf_counter() - t0) * 1000, type(exc).__name__, False, str(exc))
            await asyncio.sleep(gap)
        # After the load: every job done, every document complete and findable.
        lost: list[str] = []
        finished = 0
        for job_id, name, word in jobs:
            job: dict[str, Any] = {}
            wait_until = time.monotonic() + 600
            while time.monotonic() < wait_until:
                job = (await http.get(f"/jobs/{job_id}")).json()
                if job.get("status") in ("done", "failed"):
                    break
                await asyncio.sleep(0.5)
            files = job.get("files") or [{}]
            if job.get("status") != "done" or files[0].get("status") != "indexed" or not files[0].get("doc_ids"):
                lost.append(f"{name}: job {job.get('status')}, file {files[0].get('status')} {files[0].get('detail', '')}")
                continue
            doc_id = files[0]["doc_ids"][0]
            detail = (await http.get(f"/documents/{doc_id}")).json()
            if detail.get("n_chunks") != len(detail.get("chunks") or []) or not detail.get("chunks"):
                lost.append(f"{name}: {len(detail.get('chunks') or [])} of {detail.get('n_chunks')} chunks")
                continue
            found = (await http.post("/search", json={"query": word, "k": 5})).json()
            if doc_id not in {hit["doc_id"] for hit in found.get("results", [])}:
                lost.append(f"{name}: not found by its word {word!r}")
                continue
            finished += 1
    return {"uploaded": len(jobs), "requested": cfg.uploads, "complete_and_findable": finished, "lost": lost}


async def _drive(url: str, keys: dict[str, str], cfg: Config, mix: dict[str, int],
                 doc_ids: dict[str, list[str]]) -> dict[str, Any]:
    stats: dict[str, EndpointStats] = defaultdict(EndpointStats)
    started = time.monotonic()
    deadline = started + cfg.duration
    budget = [cfg.max_requests]
    clients = [
        _client(n, url, {"Authorization": f"Bearer {keys['staff']}"} if n % 2 else {}, cfg, mix, deadline, budget,
                doc_ids["staff" if n % 2 else "public"], stats)
        for n in range(cfg.clients)
    ]
    upload_task = asyncio.create_task(_uploader(url, keys["editor"], cfg, deadline, stats)) if cfg.uploads else None
    await asyncio.gather(*clients)
    elapsed = time.monotonic() - started
    uploads = await upload_task if upload_task is not None else None
    return {"elapsed_s": round(elapsed, 2), "stats": stats, "uploads": uploads}


# ------------------------------------------------------------------------------------------ run + report


def _warm_up(url: str, headers: dict[str, str], mix: dict[str, int], doc_ids: list[str]) -> dict[str, float]:
    """One request of each kind before the clock starts; their latencies are the server's cold start.

    The server loads parts of the pipeline on first use (language detection, the answer agents), so
    without this the first seconds of a short run measure start-up, not load.
    """
    rng = random.Random(0)
    cold: dict[str, float] = {}
    with httpx.Client(base_url=url, headers=headers, timeout=600) as http:
        for kind in mix:
            method, path, kwargs = _request(kind, rng, doc_ids)
            t0 = time.perf_counter()
            r = http.request(method, path, **kwargs)
            cold[kind] = round((time.perf_counter() - t0) * 1000, 1)
            if r.status_code >= 300:
                raise RuntimeError(f"warm-up {kind} failed: {r.status_code} {r.text[:300]}")
    return cold


def run(cfg: Config, *, workdir: Path | None = None) -> dict[str, Any]:
    """Build or take the index, start the server, drive the load, stop the server; returns the results."""
    info = machine()
    keys = {"editor": "load-editor-" + secrets.token_hex(8), "staff": "load-staff-" + secrets.token_hex(8)}
    own_tmp = workdir is None
    base = Path(tempfile.mkdtemp(prefix="ccassist-load-")) if own_tmp else Path(workdir)  # type: ignore[arg-type]
    base.mkdir(parents=True, exist_ok=True)
    env = _env(base, cfg.embedder, keys)
    ingest_report = None
    try:
        index = cfg.index
        if index is None:
            index = base / "index"
            log(f"ingesting {cfg.corpus} into {index} ({cfg.embedder})")
            ingest_report = build_index(cfg.corpus, index, env)
        server = Server(index, env, base / "server.log")
        try:
            health = server.wait_ready()
            paths = httpx.get(f"{server.url}/openapi.json", timeout=30).json().get("paths", {})
            has_ask = "/ask" in paths
            mix = MIX_WITH_ASK if has_ask else MIX_WITHOUT_ASK
            staff = {"Authorization": f"Bearer {keys['staff']}"}
            # Each client asks only for documents its role may read (others are a correct 404).
            doc_ids = {role: [d["doc_id"] for d in httpx.get(f"{server.url}/documents", params={"limit": 200},
                                                              headers=h, timeout=60).json().get("items", [])]
                       for role, h in (("staff", staff), ("public", {}))}
            cold = _warm_up(server.url, staff, mix, doc_ids["staff"])
            log(f"server {server.url} ready ({health['index']['points']} points, {len(doc_ids['staff'])} documents, "
                f"{len(doc_ids['public'])} public), first "
                f"requests (cold) {cold} ms; "
                f"{cfg.clients} clients for {cfg.duration:.0f}s, mix {mix}")
            cpu0, self_cpu0 = server.cpu_seconds(), time.process_time()
            with LoadWatch() as watch:
                result = asyncio.run(_drive(server.url, keys, cfg, mix, doc_ids))
            server_cpu, client_cpu = server.cpu_seconds() - cpu0, time.process_time() - self_cpu0
            server_rss = server.rss_mib()
        finally:
            server.stop()
    finally:
        if own_tmp:
            shutil.rmtree(base, ignore_errors=True)

    stats: dict[str, EndpointStats] = result["stats"]
    elapsed = result["elapsed_s"]
    endpoints = {
        kind: {"requests": len(s.ms), "errors": s.errors, "rps": round(len(s.ms) / elapsed, 1), **latency(s.ms),
               "statuses": dict(s.statuses), "error_samples": s.samples}
        for kind, s in sorted(stats.items())
    }
    total = sum(len(s.ms) for s in stats.values())
    return {
        "config": {k: str(v) if isinstance(v, Path) else v for k, v in asdict(cfg).items()},
        "machine": info,
        "load": watch.summary(),
        "loadavg_at_end": loadavg(),
        "ask_endpoint": has_ask,
        "mix": mix,
        "index_points": health["index"]["points"],
        "documents": len(doc_ids["staff"]),
        "ingest": {k: v for k, v in (ingest_report or {}).items() if k in ("indexed", "chunks", "seconds", "failed")},
        "elapsed_s": elapsed,
        "requests": total,
        "rps": round(total / elapsed, 1),
        "errors": sum(s.errors for s in stats.values()),
        "endpoints": endpoints,
        "uploads": result["uploads"],
        "server_peak_rss_mib": server_rss,
        "cold_start_ms": cold,
        # CPU the server spent per request: independent of how busy the shared machine was. On 2 free cores
        # the server could serve at most ~2 / cpu_s_per_request requests/s (less: Python holds the GIL).
        "server_cpu_s": round(server_cpu, 2),
        "server_cpu_ms_per_request": round(1000 * server_cpu / max(total, 1), 1),
        "client_cpu_s": round(client_cpu, 2),
    }


def markdown(res: dict[str, Any], title: str) -> str:
    cfg, m = res["config"], res["machine"]
    pacing = f"mean think time {cfg['think']} s" if cfg.get("think") else "closed loop, no think time"
    if cfg.get("unique_queries"):
        pacing += "; every search query a new string (no query-cache hits)"
    ask = "in the mix" if res["ask_endpoint"] else "missing"
    run_line = (f"- {m['date']}: {cfg['clients']} clients ({pacing}), {res['elapsed_s']} s, embedder "
                f"`{cfg['embedder']}`, {res['index_points']} points / {res['documents']} documents, `/ask` {ask}")
    machine_line = (f"- machine: {m['nproc']} × {m['cpu']}; load average at start {m['loadavg_at_start']}, during the "
                    f"run min {res['load']['min']} / mean {res['load']['mean']} / max {res['load']['max']} (2 cores: "
                    "above ~2 the machine was shared with other jobs)")
    total_line = (f"- total: **{res['requests']} requests, {res['rps']} req/s, {res['errors']} errors**; server peak "
                  f"RSS {res['server_peak_rss_mib']} MiB; first request of each kind after start-up (cold, not in "
                  f"the table): {res['cold_start_ms']} ms")
    cpu_line = (f"- server CPU: {res['server_cpu_s']} s for {res['requests']} requests = "
                f"**{res['server_cpu_ms_per_request']} ms per request** (independent of the machine's load); the "
                f"load generator itself used {res['client_cpu_s']} s")
    lines = [
        f"## {title}", "", run_line, machine_line, total_line, cpu_line, "",
        "| endpoint | requests | errors | req/s | p50 ms | p95 ms | p99 ms | max ms |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for kind, e in res["endpoints"].items():
        lines.append(f"| {kind} | {e['requests']} | {e['errors']} | {e['rps']} | {e.get('p50', '-')} | "
                     f"{e.get('p95', '-')} | {e.get('p99', '-')} | {e.get('max', '-')} |")
    up = res.get("uploads")
    if up:
        lines += ["", (f"Uploads during the load: {up['uploaded']}/{up['requested']} accepted, "
                       f"{up['complete_and_findable']} complete and findable afterwards, lost: {up['lost'] or 'none'}")]
    errs = {k: e["error_samples"] for k, e in res["endpoints"].items() if e["error_samples"]}
    if errs:
        lines += ["", "Error samples: " + json.dumps(errs, ensure_ascii=False)]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--index", type=Path, help="serve this index (default: ingest --corpus into a tmp index)")
    p.add_argument("--corpus", type=Path, default=ROOT / "corpus")
    p.add_argument("--embedder", default=Config.embedder, help="must be the one the index was built with "
                   "(default: the product default)")
    p.add_argument("--unique-queries", action="store_true", help="make every search query a new string, so "
                   "the server's query-vector cache never hits (the worst case for the encoder)")
    p.add_argument("--clients", type=int, default=50)
    p.add_argument("--duration", type=float, default=60.0, help="seconds of load")
    p.add_argument("--max-requests", type=int, default=200_000)
    p.add_argument("--timeout", type=float, default=60.0, help="per-request timeout (s)")
    p.add_argument("--uploads", type=int, default=0, help="documents an editor uploads during the run (written "
                   "into the served index: use a copy)")
    p.add_argument("--think", type=float, default=0.0, help="mean think time between a client's requests (s); "
                   "default 0: every client sends its next request as soon as the last one is answered")
    p.add_argument("--short", action="store_true", help="10 clients, 10 s (CI)")
    p.add_argument("--out", type=Path, help="append a markdown section to this file")
    p.add_argument("--title", default="", help="heading of the markdown section")
    p.add_argument("--workdir", type=Path, help="keep server log and tmp index here")
    p.add_argument("--wait-quiet", type=float, default=0, metavar="S",
                   help="first wait up to S seconds for the 1-min load average to drop below 2.5")
    args = p.parse_args(argv)
    cfg = Config(index=args.index, corpus=args.corpus, embedder=args.embedder, clients=args.clients,
                 duration=args.duration, max_requests=args.max_requests, timeout=args.timeout, uploads=args.uploads,
                 think=args.think, unique_queries=args.unique_queries)
    if args.short:
        cfg.clients, cfg.duration = 10, 10.0
    if args.wait_quiet:
        log(f"waiting (at most {args.wait_quiet:.0f}s) for a quiet machine: {wait_for_quiet(2.5, args.wait_quiet)}")
    res = run(cfg, workdir=args.workdir)
    sys.stdout.write(json.dumps(res, ensure_ascii=False, default=str) + "\n")
    title = args.title or (f"{cfg.clients} clients × {cfg.duration:.0f} s, {cfg.embedder}"
                           + (", unique queries" if cfg.unique_queries else ""))
    md = markdown(res, title)
    log("\n" + md)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        with args.out.open("a", encoding="utf-8") as fh:
            fh.write("\n" + md)
    return 0 if res["errors"] == 0 and not (res["uploads"] or {}).get("lost") else 1


if __name__ == "__main__":
    raise SystemExit(main())
