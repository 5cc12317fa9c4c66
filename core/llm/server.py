"""An in-process llama.cpp server (xllamacpp) for the packaged local model.

Running llama.cpp's own HTTP server inside our process means the `local` backend speaks exactly the
OpenAI-compatible protocol the `openai` backend speaks, so one client serves both and the local
path is tested by the same code as a remote server. Loading costs a few seconds and ~1.2 GB of RAM,
so one server per (model, ctx, threads) is shared by the whole process and started on first use.
"""

from __future__ import annotations

import atexit
import logging
import threading
import time
from pathlib import Path

from core.errors import ModelUnavailable

logger = logging.getLogger(__name__)

# llama.cpp log verbosity: 0 keeps its banner and per-request lines off stderr (stdout is never used).
_LLAMA_VERBOSITY = 0


class LocalLLMServer:
    """Owns one xllamacpp ``Server`` listening on 127.0.0.1 at a free port chosen by the OS."""

    def __init__(
        self,
        model_path: Path,
        *,
        n_ctx: int = 4096,
        threads: int = 2,
        n_parallel: int = 1,
        host: str = "127.0.0.1",
    ) -> None:
        self.model_path = Path(model_path)
        self.n_ctx = n_ctx
        self.threads = threads
        self.n_parallel = n_parallel
        self.host = host
        self.load_seconds: float | None = None
        self._server: object | None = None
        self._base_url: str | None = None
        self._lock = threading.Lock()

    @property
    def running(self) -> bool:
        """Whether the model is loaded and the HTTP listener is up."""
        return self._server is not None

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT`` of the server, starting it on first access."""
        self.start()
        assert self._base_url is not None
        return self._base_url

    def start(self) -> str:
        """Load the model and start listening (idempotent, thread-safe); returns the base URL."""
        with self._lock:
            if self._server is not None and self._base_url is not None:
                return self._base_url
            if not self.model_path.is_file():
                raise ModelUnavailable(f"GGUF model not found: {self.model_path}")
            try:
                import xllamacpp
            except ImportError as exc:
                raise ModelUnavailable(
                    "the local LLM runtime is not installed: pip install 'xllamacpp==2026.10.11549'"
                ) from exc
            params = xllamacpp.CommonParams()
            params.model.path = str(self.model_path)
            params.n_ctx = self.n_ctx
            params.n_parallel = self.n_parallel
            params.cpuparams.n_threads = self.threads
            params.cpuparams_batch.n_threads = self.threads
            params.hostnames = [self.host]
            params.port = 0  # the OS picks a free port; listening_address reports it
            params.verbosity = _LLAMA_VERBOSITY
            started = time.perf_counter()
            try:
                server = xllamacpp.Server(params)
            except Exception as exc:  # xllamacpp raises RuntimeError without detail
                raise ModelUnavailable(
                    f"the local LLM failed to load {self.model_path} (n_ctx={self.n_ctx}): {exc}. "
                    "Check that the file is a complete GGUF and that enough RAM is free."
                ) from exc
            self.load_seconds = time.perf_counter() - started
            self._server = server
            self._base_url = str(server.listening_address).rstrip("/")
            logger.info(
                "local LLM %s loaded in %.1fs, serving at %s",
                self.model_path.name,
                self.load_seconds,
                self._base_url,
            )
            return self._base_url

    def stop(self) -> None:
        """Stop serving and free the model; a later ``start`` loads it again."""
        with self._lock:
            server, self._server, self._base_url = self._server, None, None
        if server is not None:
            # The C++ destructor terminates the task loop and joins its thread.
            del server
            logger.info("local LLM %s stopped", self.model_path.name)


_shared: dict[tuple[str, int, int], LocalLLMServer] = {}
_shared_lock = threading.Lock()


def get_local_server(model_path: Path, *, n_ctx: int = 4096, threads: int = 2) -> LocalLLMServer:
    """The process-wide server for this model and configuration (created, not yet started)."""
    key = (str(Path(model_path).resolve()), n_ctx, threads)
    with _shared_lock:
        server = _shared.get(key)
        if server is None:
            if _shared:
                logger.warning("starting a second local LLM server (%s); each one holds its own model in RAM", key)
            server = LocalLLMServer(Path(key[0]), n_ctx=n_ctx, threads=threads)
            _shared[key] = server
        return server


def shared_servers() -> list[LocalLLMServer]:
    """The servers created in this process (for health reporting)."""
    with _shared_lock:
        return list(_shared.values())


@atexit.register
def stop_all() -> None:
    """Stop every shared server (registered at exit so the llama.cpp thread ends cleanly)."""
    with _shared_lock:
        servers = list(_shared.values())
        _shared.clear()
    for server in servers:
        server.stop()
