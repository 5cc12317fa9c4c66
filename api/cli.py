"""The ``ccassist`` command line. Thin: parse options, call :class:`Services`, print.

With ``--json`` a command prints exactly one JSON object on stdout; progress
and logs go to stderr.
"""

from __future__ import annotations

import json
import logging
import sys
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
    services = _services(index)
    try:
        with Progress(
            TextColumn("[bold]ingest"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
            TextColumn("{task.description}"), console=err, transient=as_json,
        ) as progress:
            task = progress.add_task("", total=None)

            def on_event(event: FileEvent) -> None:
                progress.update(task, total=event.total, completed=event.done,
                                description=f"{event.status}: {Path(event.source).name}")
                if event.status == "failed" and not as_json:
                    progress.console.print(f"[red]failed[/red] {event.source}: {event.detail}")

            report = services.ingest([str(p) for p in paths], prune=prune, visibility=visibility, on_event=on_event)
    except CCAssistError as exc:
        _fail(exc, as_json)
    finally:
        services.close()
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
    services = _services(index)
    try:
        response = services.search(query, k=k, filters=parse_filter_args(filter), per_doc=per_doc, facets=facets)
    except CCAssistError as exc:
        _fail(exc, as_json)
    finally:
        services.close()
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
    services = _services(index)
    removed: dict[str, int] = {}
    try:
        for target in targets:
            n = services.ingestor.remove_doc(target)
            removed[target] = n if n else services.ingestor.remove_source(target)
        services.store.flush()
    except CCAssistError as exc:
        _fail(exc, as_json)
    finally:
        services.close()
    if as_json:
        _print_json({"removed": removed})
    else:
        for target, n in removed.items():
            out.print(f"{target}: {'removed' if n else 'not found'}")


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


def main() -> None:  # console script entry point
    app()


if __name__ == "__main__":
    main()
