"""The ``ccassist`` command line. Thin: parse options, call :class:`Services`, print.

With ``--json`` a command prints exactly one JSON object on stdout; progress
and logs go to stderr.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from pydantic import BaseModel
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from api.services import Services
from core.errors import CCAssistError
from core.settings import get_settings
from retrieval.filters import parse_filter_args

if TYPE_CHECKING:
    from ingest.pipeline import FileEvent

app = typer.Typer(add_completion=False, no_args_is_help=True, help="ccassist: answerable programme material.")
err = Console(stderr=True)
out = Console()

IndexOpt = Annotated[Path | None, typer.Option("--index", help="Index directory (default: CCASSIST_INDEX_PATH or ./.ccassist/index)")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object on stdout")]


def _services(index: Path | None) -> Services:
    settings = get_settings()
    logging.basicConfig(level=settings.log_level, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s")
    return Services(settings, index_path=index)


@contextmanager
def _opened(index: Path | None, as_json: bool) -> Iterator[Services]:
    """Services for one command: a ccassist error becomes a clean exit 1, and the index is always released."""
    services = _services(index)
    try:
        yield services
    except CCAssistError as exc:
        _fail(exc, as_json)
    finally:
        services.close()


def _fail(exc: Exception, as_json: bool) -> NoReturn:
    message = str(exc)
    if as_json:
        print(json.dumps({"error": message, "type": type(exc).__name__}, ensure_ascii=False))
    err.print(f"[red]error:[/red] {message}")
    raise typer.Exit(1)


def _print_json(obj: BaseModel | dict[str, Any]) -> None:
    data = obj.model_dump(mode="json") if isinstance(obj, BaseModel) else obj
    sys.stdout.write(json.dumps(data, ensure_ascii=False) + "\n")


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files or directories")],
    index: IndexOpt = None,
    prune: Annotated[bool, typer.Option("--prune", help="Remove indexed files that are gone from the given directories")] = False,
    visibility: Annotated[str | None, typer.Option(help="Visibility for documents that do not declare one")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Parse, chunk, embed and index documents (unchanged files are skipped)."""
    with _opened(index, as_json) as services, Progress(
        TextColumn("[bold]ingest"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        TextColumn("{task.description}"), console=err, transient=as_json,
    ) as progress:
        task = progress.add_task("", total=None)

        def on_event(event: FileEvent) -> None:
            progress.update(task, total=event.total, completed=event.done,
                            description=f"{event.status}: {Path(event.source).name}")
            if event.status == "failed" and not as_json:
                progress.console.print(f"[red]failed[/red] {event.source}: {event.detail}")
            # One line per file at INFO: without a terminal the bar above renders only at the end, so
            # this is the progress a CI log, a supervisor or a test (tests/reliability) can follow.
            logging.getLogger("ccassist.ingest").info("%s %s (%d/%d)", event.status, event.source, event.done,
                                                      event.total)

        report = services.ingest([str(p) for p in paths], prune=prune, visibility=visibility, on_event=on_event)
    if as_json:
        _print_json(report)
        return
    out.print(
        f"indexed [green]{report.indexed}[/green], unchanged/duplicate {report.skipped}, "
        f"failed [red]{len(report.failed)}[/red], chunks written {report.chunks}"
        + (f", removed {report.removed}" if report.removed else "")
        + f" in {report.seconds:.1f}s"
    )
    for failure in report.failed:
        out.print(f"  [red]✗[/red] {failure.source}: {failure.error}")
    if report.failed:
        raise typer.Exit(2 if report.indexed + report.skipped == 0 else 0)


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="What to look for, in any language")],
    k: Annotated[int, typer.Option("--k", min=1, max=100, help="Number of results")] = 5,
    filter: Annotated[list[str] | None, typer.Option("--filter", help="FIELD=VALUE, e.g. doc_type=call, year=2025, open=true, country=Kenya, topic=Klimaanpassung")] = None,
    per_doc: Annotated[bool, typer.Option("--per-doc", help="Best chunk per document only")] = False,
    facets: Annotated[bool, typer.Option("--facets", help="Counts per doc type, language, year, country, topic")] = False,
    index: IndexOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Hybrid (dense + sparse) search with filters."""
    with _opened(index, as_json) as services:
        response = services.search(query, k=k, filters=parse_filter_args(filter), per_doc=per_doc, facets=facets)
    if as_json:
        _print_json(response)
        return
    if not response.results:
        out.print("no results")
    for r in response.results:
        meta = r.metadata
        where = f"p. {r.page}" if r.page else (r.heading or "")
        deadline = f" · deadline {meta['deadline']}" if meta.get("deadline") else ""
        out.print(f"[bold]{r.rank}. {r.title}[/bold]  [dim]{meta.get('doc_type')} · {meta.get('language')} · {r.source} {where}{deadline}[/dim]")
        out.print("   " + r.snippet.replace("**", ""), highlight=False)
    if response.facets:
        table = Table("facet", "counts")
        for name, counts in response.facets.items():
            table.add_row(name, ", ".join(f"{c.value} ({c.count})" for c in counts))
        out.print(table)


@app.command()
def remove(
    targets: Annotated[list[str], typer.Argument(help="doc_id or source path of documents to delete")],
    index: IndexOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Delete documents (all their chunks) from the index."""
    removed: dict[str, int] = {}
    with _opened(index, as_json) as services:
        for target in targets:
            n = services.ingestor.remove_doc(target)
            removed[target] = n if n else services.ingestor.remove_source(target)
        services.store.flush()
    if as_json:
        _print_json({"removed": removed})
    else:
        for target, n in removed.items():
            out.print(f"{target}: {'removed' if n else 'not found'}")


def _slug(text: str) -> str:
    return "-".join("".join(c if c.isalnum() else " " for c in text.lower()).split())[:60] or "factsheet"


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="The question, in any language; the answer uses the same language")],
    index: IndexOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """A cited answer from the documents: every sentence ends with \\[n] and is checked against its sources."""
    from agents.models import AgentEvent


    def on_event(event: AgentEvent) -> None:  # LLM tokens as a live draft on stderr; stdout gets the checked answer
        if event.kind == "token" and not as_json:
            err.print(event.data.get("text", ""), end="", style="dim", highlight=False)

    with _opened(index, as_json) as services:
        answer = services.ask(question, on_event=on_event)
    if as_json:
        _print_json(answer)
        return
    if answer.trace.timings_ms and services.settings.llm != "extractive":
        err.print()
    out.print(answer.answer, highlight=False)
    if answer.citations:
        out.print()
    for c in answer.citations:
        where = f", p. {c.page}" if c.page else ""
        expired = " [yellow](deadline passed)[/yellow]" if c.expired else ""
        out.print(f"[dim][{c.n}] {c.title} — {c.source}{where}[/dim]{expired}", highlight=False)
    for u in answer.unsupported:
        err.print(f"[yellow]removed (unsupported: {u.reason}):[/yellow] {u.text}", highlight=False)
    for f in answer.trace.flagged:
        err.print(f"[yellow]note:[/yellow] {f.source} contains text that looks like instructions to the model "
                  f"({', '.join(f.patterns)}); it was treated as data only", highlight=False)


@app.command()
def factsheet(
    topic: Annotated[str, typer.Argument(help="A theme, city or partnership, e.g. Klimaanpassung, Kisumu")],
    fmt: Annotated[str, typer.Option("--format", help="md, docx or pdf")] = "md",
    out_file: Annotated[Path | None, typer.Option("--out", help="Write the fact sheet here (md prints to stdout without it)")] = None,
    index: IndexOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """A fact sheet with cited, grounded sentences: summary, facts, activities, calls, contacts, sources."""
    from agents.export import export_factsheet

    if fmt not in ("md", "docx", "pdf"):
        _fail(CCAssistError(f"unknown format {fmt!r}; use md, docx or pdf"), as_json)
    written: Path | None = None
    with _opened(index, as_json) as services:
        sheet = services.factsheet(topic)
        if out_file is not None or fmt != "md":
            target = out_file or Path(f"factsheet-{_slug(topic)}.{fmt}")
            written = export_factsheet(sheet, fmt, target)  # type: ignore[arg-type]
    if as_json:
        data = sheet.model_dump(mode="json")
        if written is not None:
            data["file"] = str(written)
        _print_json(data)
        return
    if written is not None:
        out.print(f"wrote {written}")
    else:
        sys.stdout.write(sheet.markdown)
    for u in sheet.unsupported:
        err.print(f"[yellow]removed (unsupported: {u.reason}):[/yellow] {u.text}", highlight=False)


@app.command()
def serve(
    index: IndexOpt = None,
    host: Annotated[str | None, typer.Option("--host", help="Interface to bind (default: CCASSIST_HOST or 127.0.0.1)")] = None,
    port: Annotated[int | None, typer.Option("--port", help="Port (default: CCASSIST_PORT or 8000)")] = None,
    workers: Annotated[int | None, typer.Option("--workers", min=1, help="Worker processes (default: CCASSIST_WORKERS or 1)")] = None,
) -> None:
    """Run the HTTP API (FastAPI on uvicorn; OpenAPI docs at /docs). It owns the index while it runs."""
    import uvicorn

    from api.deps import get_api_settings
    from api.main import create_app

    api_settings = get_api_settings()
    host = host or api_settings.host
    port = api_settings.port if port is None else port
    workers = workers or api_settings.workers
    services = _services(index)
    log_level = services.settings.log_level.lower()
    if workers > 1:
        services.close()
        if not services.settings.qdrant_url:
            _fail(CCAssistError("--workers > 1 needs a Qdrant server (CCASSIST_QDRANT_URL): only one process "
                                "can open the embedded index"), False)
        err.print(f"ccassist API on http://{host}:{port} ({workers} workers, docs at /docs)")
        uvicorn.run("api.main:create_app", factory=True, host=host, port=port, workers=workers, log_level=log_level)
        return
    try:
        services.open_index()  # take the index now, so a clash is reported here and not as a traceback
    except CCAssistError as exc:
        services.close()
        _fail(exc, False)
    try:
        err.print(f"ccassist API on http://{host}:{port} (index {services.settings.qdrant_url or services.settings.index_path}, docs at /docs)")
        uvicorn.run(create_app(services.settings, services, api_settings=api_settings), host=host, port=port,
                    log_level=log_level)
    finally:
        services.close()


@app.command()
def ui(
    host: Annotated[str, typer.Option("--host", help="Interface to bind")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port of the UI")] = 8501,
    api_url: Annotated[str | None, typer.Option("--api-url", help="API base URL (default: CCASSIST_API_URL or http://127.0.0.1:8000)")] = None,
) -> None:
    """Run the web UI (Streamlit); it talks to a running `ccassist serve` over HTTP only."""
    import os
    import subprocess

    app_file = Path(__file__).resolve().parents[1] / "ui" / "app.py"
    env = {**os.environ, **({"CCASSIST_API_URL": api_url} if api_url else {})}
    err.print(f"ccassist UI on http://{host}:{port} (API {env.get('CCASSIST_API_URL', 'http://127.0.0.1:8000')})")
    command = [sys.executable, "-m", "streamlit", "run", str(app_file), "--server.headless", "true",
               "--server.address", host, "--server.port", str(port), "--browser.gatherUsageStats", "false",
               "--client.toolbarMode", "minimal", "--server.maxUploadSize", "50"]
    try:
        raise typer.Exit(subprocess.call(command, env=env))
    except KeyboardInterrupt:
        raise typer.Exit(130) from None


keys_app = typer.Typer(no_args_is_help=True, help="API keys of `ccassist serve` (only hashes are stored).")
app.add_typer(keys_app, name="keys")

KeysFileOpt = Annotated[Path | None, typer.Option("--file", help="Keys file (default: CCASSIST_API_KEYS_FILE or <data_dir>/api_keys.yaml)")]


def _keys_file(path: Path | None) -> Path:
    from api.deps import get_api_settings

    return path or get_api_settings().keys_file(get_settings())


@keys_app.command("add")
def keys_add(
    role: Annotated[str, typer.Argument(help="public, member, staff or editor")],
    name: Annotated[str | None, typer.Option("--name", help="A name to recognise the key by (default: ROLE-N)")] = None,
    keys_file: KeysFileOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Create a key for ROLE: the key is printed once on stdout, its hash goes into the keys file."""
    from api.auth import add_key

    path = _keys_file(keys_file)
    try:
        key, info = add_key(path, role, name=name)
    except CCAssistError as exc:
        _fail(exc, as_json)
    if as_json:
        _print_json({"name": info.name, "role": info.role.value, "key": key, "key_id": info.key_id, "file": str(path)})
        return
    sys.stdout.write(key + "\n")
    err.print(f"added key [bold]{info.name}[/bold] (role {info.role.value}) to {path}; it is shown only now, store it safely")


@keys_app.command("list")
def keys_list(keys_file: KeysFileOpt = None, as_json: JsonOpt = False) -> None:
    """The keys in the keys file: names, roles and fingerprints (never the keys)."""
    from api.auth import list_keys

    path = _keys_file(keys_file)
    try:
        keys = list_keys(path)
    except CCAssistError as exc:
        _fail(exc, as_json)
    if as_json:
        _print_json({"file": str(path), "keys": [{"name": k.name, "role": k.role.value, "key_id": k.key_id,
                                                  "created": k.created} for k in keys]})
        return
    table = Table("name", "role", "fingerprint", "created", title=str(path))
    for k in keys:
        table.add_row(k.name, k.role.value, k.key_id, k.created or "")
    out.print(table)


# -- exchanges, peers, calls (retrieval/exchanges.py, retrieval/calls.py) ------------------------------


@app.command()
def exchanges(
    problem: Annotated[str, typer.Argument(help="The problem your city wants to solve, in any language")],
    region: Annotated[list[str] | None, typer.Option("--region", help="Programme region, e.g. MENA, Lateinamerika")] = None,
    country: Annotated[list[str] | None, typer.Option("--country", help="Country in any language")] = None,
    topic: Annotated[list[str] | None, typer.Option("--topic", help="Topic slug or label")] = None,
    since: Annotated[int | None, typer.Option("--since", help="Only exchanges from this year on")] = None,
    k: Annotated[int, typer.Option("--k", min=1, max=50, help="At most this many exchanges")] = 5,
    index: IndexOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Past exchanges (workshops, study tours …) to learn from for a problem, with cited evidence and contacts."""
    with _opened(index, as_json) as services:
        response = services.find_exchanges(problem, k=k, region=region or [], country=country or [],
                                           topic=topic or [], since=since)
    if as_json:
        _print_json(response)
        return
    if not response.exchanges:
        out.print("no matching exchanges")
    for ex in response.exchanges:
        when = f"{ex.start}" + (f" – {ex.end}" if ex.end and ex.end != ex.start else "") if ex.start else ""
        out.print(f"[bold]{ex.rank}. {ex.event}[/bold]  [dim]{ex.event_type or ''} · {ex.host or ''} · {when}[/dim]")
        out.print(f"   cities: {', '.join(ex.cities)}  ·  topics: {', '.join(ex.topics)}", highlight=False)
        for why in ex.why[:1]:
            out.print(f"   „{' '.join(why.quote.split())[:240]}“ [dim]({why.source})[/dim]", highlight=False)
        for contact in ex.contacts[:2]:
            out.print(f"   contact: {contact.name or ''} {contact.email or ''}", highlight=False)


@app.command()
def peers(
    city: Annotated[str, typer.Argument(help="City name in any language")],
    index: IndexOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Cities that shared exchanges and topics with CITY, and the events that connect them."""
    with _opened(index, as_json) as services:
        response = services.peers(city)
    if as_json:
        _print_json(response)
        return
    table = Table("city", "country", "events", "shared topics", title=f"peers of {response.city}")
    for peer in response.peers:
        table.add_row(peer.city, peer.country or "", str(peer.exchanges), ", ".join(peer.shared_topics))
    out.print(table)


@app.command()
def calls(
    open_only: Annotated[bool, typer.Option("--open", help="Only calls whose deadline has not passed")] = False,
    index: IndexOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Calls for participation (and invitations with a registration deadline): open first, then expired."""
    with _opened(index, as_json) as services:
        response = services.calls(open_only=open_only)
    if as_json:
        _print_json(response)
        return
    table = Table("deadline", "days left", "kind", "title", "topics", title=f"calls (today {response.today})")
    for call in response.calls:
        left = "—" if call.days_left is None else ("expired" if call.expired else str(call.days_left))
        table.add_row(str(call.deadline or "—"), left, call.kind, call.title, ", ".join(call.topics))
    out.print(table)


# -- moving an index between stores (core/migrate.py) ---------------------------------------------------


def _migration_progress(as_json: bool, verb: str) -> Progress:
    """A progress bar per collection on stderr (gone afterwards with --json, so stdout stays one object)."""
    return Progress(TextColumn(f"[bold]{verb}" + " {task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), console=err, transient=as_json)


def _print_migration(report: Any, as_json: bool, verb: str) -> None:
    if as_json:
        _print_json(report)
        return
    counts = ", ".join(f"{name} {n}" for name, n in report.counts.items())
    out.print(f"{verb} {counts} points ({report.target} ⇄ {report.file}) in {report.seconds:.1f}s")
    for warning in report.warnings:
        err.print(f"[yellow]warning:[/yellow] {warning}")


@app.command("export-index")
def export_index_cmd(
    file: Annotated[Path, typer.Argument(help="Export file to write (gzip JSON Lines, e.g. index.jsonl.gz)")],
    index: IndexOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Write every point (ids, dense + sparse vectors, payload) of both collections to a portable file.

    Reads the embedded index (--index) or the Qdrant server of CCASSIST_QDRANT_URL; `import-index` loads the
    file into any store without re-embedding.
    """
    from core.migrate import export_index

    settings = get_settings()
    logging.basicConfig(level=settings.log_level, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s")
    try:
        with _migration_progress(as_json, "export") as progress:
            tasks: dict[str, Any] = {}

            def on_progress(collection: str, done: int) -> None:
                if collection not in tasks:
                    tasks[collection] = progress.add_task(collection, total=None)
                progress.update(tasks[collection], completed=done)

            report = export_index(settings, file, index_path=index, on_progress=on_progress)
    except CCAssistError as exc:
        _fail(exc, as_json)
    _print_migration(report, as_json, "exported")


@app.command("import-index")
def import_index_cmd(
    file: Annotated[Path, typer.Argument(help="A file written by `ccassist export-index`")],
    index: IndexOpt = None,
    merge: Annotated[bool, typer.Option("--merge", help="Add to a target that already holds points")] = False,
    optimize: Annotated[bool, typer.Option("--optimize/--no-optimize", help="Build the vector index at the end")] = True,
    as_json: JsonOpt = False,
) -> None:
    """Load an export file into the embedded index (--index) or the Qdrant server of CCASSIST_QDRANT_URL.

    Nothing is re-embedded; a server collection is created with CCASSIST_SHARD_NUMBER and
    CCASSIST_REPLICATION_FACTOR, so this is also how an index moves to a cluster with another layout.
    """
    from core.migrate import import_index, read_header

    settings = get_settings()
    logging.basicConfig(level=settings.log_level, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s")
    try:
        header = read_header(file)
        with _migration_progress(as_json, "import") as progress:
            tasks = {name: progress.add_task(name, total=int(meta.get("count") or 0))
                     for name, meta in (header.get("collections") or {}).items() if meta.get("dim")}

            def on_progress(collection: str, done: int) -> None:
                if collection in tasks:
                    progress.update(tasks[collection], completed=done)

            report = import_index(settings, file, index_path=index, merge=merge, optimize=optimize,
                                  on_progress=on_progress)
    except CCAssistError as exc:
        _fail(exc, as_json)
    _print_migration(report, as_json, "imported")


@app.command("init-index")
def init_index_cmd(
    index: IndexOpt = None,
    dim: Annotated[int | None, typer.Option("--dim", min=1, help="Vector size (default: the embedder's)")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Create both collections now (no-op when they exist), with the shard/replica layout of the settings.

    On a cluster, run it once all Qdrant peers have joined: shards are placed on the peers known when the
    collection is created (docker compose's `cluster-init` service does this).
    """
    from core.migrate import ensure_collections

    with _opened(index, as_json) as services:
        infos = ensure_collections(services.settings, dim or services.embedder.dim, index_path=index)
    data = {name: {"engine": i.engine, "location": i.location, "points": i.points, "dim": i.dim, **i.extra}
            for name, i in infos.items()}
    if as_json:
        _print_json({"collections": data})
        return
    for name, info in data.items():
        sentences = f", sentence vectors (w={info['sentence_weight']})" if info.get("sentence_weight") is not None else ""
        out.print(f"{name}: {info['engine']} {info['location']}, dim {info['dim']}{sentences}, {info['points']} points")


# -- backups (core/snapshot.py) -------------------------------------------------------------------------------


@app.command("snapshot")
def snapshot_cmd(
    file: Annotated[Path, typer.Argument(help="Snapshot file to write (tar.gz)")],
    index: IndexOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Write a consistent backup of the index: the embedded shards (locked and flushed while they are copied),
    or Qdrant snapshots of the server's collections when CCASSIST_QDRANT_URL is set. Restore it with `restore`.
    """
    from core.snapshot import snapshot

    settings = get_settings()
    logging.basicConfig(level=settings.log_level, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s")
    try:
        info = snapshot(settings, file, index_path=index)
    except CCAssistError as exc:
        _fail(exc, as_json)
    if as_json:
        _print_json({"file": info.path, "engine": info.engine, "collections": info.collections,
                     "created": info.created, "seconds": info.seconds})
        return
    counts = ", ".join(f"{name} {n}" for name, n in info.collections.items())
    out.print(f"snapshot of {info.engine} ({counts} points) written to {info.path} in {info.seconds:.1f}s")


@app.command("restore")
def restore_cmd(
    file: Annotated[Path, typer.Argument(help="A file written by `ccassist snapshot`")],
    index: IndexOpt = None,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing, non-empty index")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Restore a snapshot into an empty or new index directory (or onto the Qdrant server of CCASSIST_QDRANT_URL).

    Refuses to overwrite an existing index unless --force is given; the restored shards are checked against
    the snapshot's point counts before they replace anything.
    """
    from core.snapshot import restore

    settings = get_settings()
    logging.basicConfig(level=settings.log_level, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s")
    try:
        info = restore(settings, file, index_path=index, force=force)
    except CCAssistError as exc:
        _fail(exc, as_json)
    if as_json:
        _print_json({"file": info.path, "target": info.target, "engine": info.engine,
                     "collections": info.collections, "created": info.created, "seconds": info.seconds})
        return
    counts = ", ".join(f"{name} {n}" for name, n in info.collections.items())
    out.print(f"restored {info.engine} snapshot of {info.created} ({counts} points) into {info.target}")


def main() -> None:  # console script entry point
    app()


if __name__ == "__main__":
    main()
