"""Upload jobs: files land safely under ``data_dir/uploads/<job id>/``, then ingest runs in a background thread.

An :class:`UploadSession` receives the files of one request chunk by chunk:
names are sanitised (basename only, NFC, no control characters, no leading
dots), every write stays inside the job directory, a file over the size limit
aborts the upload (413) and its directory is removed, and each finished file is
checked by content (PDF magic, DOCX = zip with ``word/document.xml``, HTML,
UTF-8/16 or 8-bit text) so a binary renamed ``.pdf`` or ``.txt`` is refused
(415) before anything is queued.

The :class:`JobManager` runs the accepted uploads one after another on a single
worker thread (ingest is CPU-bound and the embedder is not re-entrant) and keeps
each job's status, per-file progress and result, in memory and as
``.job.json`` next to the files so any worker process can report it.
"""

from __future__ import annotations

import codecs
import json
import logging
import os
import re
import shutil
import threading
import unicodedata
import uuid
import zipfile
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, Field

from api.services import Services
from core.errors import CCAssistError, FileTooLarge, InvalidInput, NotFound, UnsupportedFormat
from core.models import IngestReport
from core.settings import VISIBILITIES, Settings
from ingest.parsers import SUPPORTED_EXTENSIONS, is_sidecar
from ingest.parsers.text import looks_binary, sniff_bom, sniff_utf16_without_bom

if TYPE_CHECKING:
    from ingest.pipeline import FileEvent

logger = logging.getLogger(__name__)

__all__ = [
    "JOB_FILE",
    "Job",
    "JobFile",
    "JobManager",
    "UploadSession",
    "sanitize_filename",
    "sniff_content",
]

JobStatus = Literal["queued", "running", "done", "failed"]
FileStatus = Literal["pending", "indexed", "unchanged", "duplicate", "failed"]
JOB_FILE = ".job.json"
_JOB_ID = re.compile(r"^[0-9a-f]{32}$")
_MAX_NAME_BYTES = 180
_FORBIDDEN_CHARS = re.compile(r'[<>:"/\\|?*]')
_WINDOWS_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)), *(f"lpt{i}" for i in range(1, 10))}
_SNIFF_BYTES = 8192
_MAX_JOBS_IN_MEMORY = 500


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


# -- file names ----------------------------------------------------------------------------------


def sanitize_filename(raw: str | None, *, fallback: str = "upload") -> str:
    """A safe file name from a client-supplied one.

    Keeps only the last path component (``/`` and ``\\`` both separate), applies
    Unicode NFC, drops control and format characters (including bidi
    overrides), replaces characters that are unsafe on common file systems,
    strips leading dots and trailing dots/spaces, and caps the length at
    180 UTF-8 bytes while keeping the extension. Never returns "", "." or "..".
    """
    name = unicodedata.normalize("NFC", raw or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co", "Cn"))
    name = _FORBIDDEN_CHARS.sub("_", name)
    name = re.sub(r"\s+", " ", name).strip()
    name = name.lstrip(".").rstrip(". ")
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    if stem.lower() in _WINDOWS_RESERVED:
        name = f"_{name}"
    if len(name.encode("utf-8")) > _MAX_NAME_BYTES:
        suffix = f".{ext}" if dot and len(ext) <= 10 else ""
        budget = _MAX_NAME_BYTES - len(suffix.encode("utf-8"))
        cut = (stem if suffix else name).encode("utf-8")[:budget].decode("utf-8", "ignore").rstrip(". ")
        name = cut + suffix
    return name or fallback


# -- content sniffing ----------------------------------------------------------------------------

_TEXT_EXTENSIONS = {".txt", ".text", ".md", ".markdown", ".html", ".htm", ".xhtml"}


def _decodes(head: bytes, codec: str) -> bool:
    decoder = codecs.getincrementaldecoder(codec)("strict")
    try:
        decoder.decode(head, final=False)  # a multi-byte character cut at the end is fine
    except UnicodeDecodeError:
        return False
    return True


def _control_ratio(text: str) -> float:
    if not text:
        return 0.0
    bad = sum(1 for ch in text if ch not in "\t\n\r\f\v\x1b" and unicodedata.category(ch) in ("Cc", "Cs", "Co"))
    return bad / len(text)


def _looks_like_html(text: str) -> bool:
    t = text.lstrip("\ufeff \t\r\n").lower()
    return t.startswith(("<!doctype html", "<html", "<?xml")) or ("<html" in t[:4096] or "<body" in t[:4096])


def sniff_content(path: Path) -> str:
    """What the file is by its bytes: ``pdf``, ``docx``, ``html`` or ``text``.

    Raises :class:`UnsupportedFormat` (415) for anything else, e.g. an image,
    an archive or an executable, whatever its name says.
    """
    with path.open("rb") as fh:
        head = fh.read(_SNIFF_BYTES)
    if not head:
        raise UnsupportedFormat("empty file")
    if b"%PDF-" in head[:1024]:
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(path) as zf:
                if "word/document.xml" in zf.namelist():
                    return "docx"
        except (zipfile.BadZipFile, OSError, ValueError, EOFError):
            raise UnsupportedFormat("corrupt zip archive (not a Word document)") from None
        raise UnsupportedFormat("zip archive without word/document.xml (not a Word document)")
    codec = sniff_bom(head) or sniff_utf16_without_bom(head)
    if codec:
        if not _decodes(head, codec):
            raise UnsupportedFormat(f"binary data (invalid {codec} text)")
        text = head.decode(codec, errors="ignore")
    elif looks_binary(head):
        raise UnsupportedFormat("binary data, not a document ccassist reads (PDF, DOCX, HTML, Markdown, text)")
    elif _decodes(head, "utf-8"):
        text = head.decode("utf-8", errors="ignore")
    else:
        # Not UTF-8 but no binary signature either: legacy 8-bit text (cp1252 and friends);
        # the text parser detects its encoding.
        text = head.decode("cp1252", errors="replace")
    if _control_ratio(text) > 0.05:
        raise UnsupportedFormat("binary data (control characters), not a text document")
    return "html" if _looks_like_html(text) else "text"


def _check_type(name: str, kind: str) -> None:
    ext = Path(name).suffix.lower()
    if ext and ext not in SUPPORTED_EXTENSIONS:
        raise UnsupportedFormat(
            f"{name}: unsupported file type {ext} (supported: {', '.join(sorted(SUPPORTED_EXTENSIONS))})"
        )
    if is_sidecar(Path(name)):
        raise UnsupportedFormat(f"{name}: metadata sidecars are not documents")
    if ext == ".pdf" and kind != "pdf":
        raise UnsupportedFormat(f"{name}: named .pdf but the content is {kind}, not a PDF")
    if ext == ".docx" and kind != "docx":
        raise UnsupportedFormat(f"{name}: named .docx but the content is {kind}, not a Word document")


# -- models --------------------------------------------------------------------------------------


class JobFile(BaseModel):
    """One uploaded file and what ingest made of it."""

    name: str = Field(description="Sanitised name the file is stored under")
    filename: str = Field(description="Name as sent by the client (sanitised for display)")
    size: int = Field(description="Bytes received")
    content_type: str = Field(description="Detected by content: pdf, docx, html or text")
    status: FileStatus = "pending"
    chunks: int = 0
    detail: str = ""
    doc_ids: list[str] = Field(default_factory=list, description="Documents this file is indexed as")


class Job(BaseModel):
    """An upload and its background ingest."""

    id: str
    status: JobStatus = "queued"
    created: str
    started: str | None = None
    finished: str | None = None
    owner: str = Field("", description="Name of the API key that uploaded")
    visibility: str | None = Field(None, description="Visibility given to documents that declare none")
    files: list[JobFile] = Field(default_factory=list)
    done: int = Field(0, description="Files processed so far")
    total: int = Field(0, description="Files in the job")
    report: IngestReport | None = Field(None, description="Ingest report once the job is done")
    error: str | None = Field(None, description="Why the job failed as a whole")
    pid: int = Field(default_factory=os.getpid, exclude=True)


# -- upload session ------------------------------------------------------------------------------


class UploadSession:
    """Receives the files of one upload into a fresh job directory; all-or-nothing."""

    def __init__(self, uploads_dir: Path, *, max_file_bytes: int, max_files: int) -> None:
        self.job_id = uuid.uuid4().hex
        self.root = Path(uploads_dir).resolve()
        self.dir = self.root / self.job_id
        self.max_file_bytes = max_file_bytes
        self.max_files = max_files
        self.files: list[JobFile] = []
        self._fh: object | None = None
        self._current: JobFile | None = None
        self._closed = False
        self.dir.mkdir(parents=True, exist_ok=False)

    def _target(self, name: str) -> Path:
        stem, ext = os.path.splitext(name)
        candidate, n = name, 1
        taken = {f.name.lower() for f in self.files}
        while candidate.lower() in taken or (self.dir / candidate).exists():
            candidate = f"{stem}-{n}{ext}"
            n += 1
        path = (self.dir / candidate).resolve()
        if path.parent != self.dir:  # belt and braces: sanitize_filename already guarantees this
            raise InvalidInput("invalid file name")
        return path

    def begin_file(self, raw_name: str | None) -> None:
        """Start the next file; its name is sanitised and made unique inside the job."""
        self.end_file()
        if len(self.files) >= self.max_files:
            raise InvalidInput(f"too many files: at most {self.max_files} per upload")
        display = sanitize_filename(raw_name, fallback=f"upload-{len(self.files) + 1}")
        path = self._target(display)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o640)
        self._fh = os.fdopen(fd, "wb")
        self._current = JobFile(name=path.name, filename=display, size=0, content_type="")
        self.files.append(self._current)

    def write(self, data: bytes) -> None:
        """Append a chunk to the current file; over the limit raises :class:`FileTooLarge`."""
        if self._current is None or self._fh is None:
            return
        self._current.size += len(data)
        if self._current.size > self.max_file_bytes:
            raise FileTooLarge(
                f"{self._current.filename}: file larger than the upload limit of {self.max_file_bytes} bytes"
            )
        self._fh.write(data)  # type: ignore[attr-defined]

    def end_file(self) -> None:
        """Close the current file and check its type by content."""
        if self._fh is None or self._current is None:
            return
        self._fh.close()  # type: ignore[attr-defined]
        self._fh = None
        current, self._current = self._current, None
        path = self.dir / current.name
        try:
            kind = sniff_content(path)
        except UnsupportedFormat as exc:
            raise UnsupportedFormat(f"{current.filename}: {exc}") from None
        _check_type(current.filename, kind)
        current.content_type = kind

    def paths(self) -> list[Path]:
        return [self.dir / f.name for f in self.files]

    def abort(self) -> None:
        """Remove the job directory and everything written so far."""
        if self._fh is not None:
            try:
                self._fh.close()  # type: ignore[attr-defined]
            except OSError:
                pass
            self._fh = None
        shutil.rmtree(self.dir, ignore_errors=True)
        self._closed = True


# -- job manager ---------------------------------------------------------------------------------


class JobManager:
    """Queues upload jobs and runs their ingest on one background thread."""

    def __init__(self, services: Services, settings: Settings) -> None:
        self.services = services
        self.uploads_dir = (Path(settings.data_dir) / "uploads").resolve()
        self._source_root = Path(settings.data_dir) / "uploads"
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ccassist-upload")
        self._closed = False

    def new_upload(self, *, max_file_bytes: int, max_files: int) -> UploadSession:
        """A fresh upload directory for one request."""
        return UploadSession(self.uploads_dir, max_file_bytes=max_file_bytes, max_files=max_files)

    def submit(self, session: UploadSession, *, visibility: str | None, owner: str) -> Job:
        """Queue the ingest of a completed upload; returns the job as queued."""
        if visibility is not None and visibility not in VISIBILITIES:
            raise InvalidInput(f"visibility must be one of {', '.join(VISIBILITIES)}")
        if not session.files:
            raise InvalidInput("no files in the upload")
        job = Job(id=session.job_id, created=_now(), owner=owner, visibility=visibility,
                  files=[f.model_copy() for f in session.files], total=len(session.files))
        with self._lock:
            if self._closed:
                raise CCAssistError("the server is shutting down")
            self._jobs[job.id] = job
            self._evict()
            self._persist(job)
            snapshot = job.model_copy(deep=True)
        self._pool.submit(self._run, job.id)
        logger.info("job %s queued: %d file(s) by %s", job.id, job.total, owner or "?")
        return snapshot

    def get(self, job_id: str) -> Job:
        """The job's current state; :class:`NotFound` for unknown ids."""
        if not _JOB_ID.match(job_id or ""):
            raise NotFound(f"no job {job_id}")
        with self._lock:
            job = self._jobs.get(job_id)
            if job is not None:
                return job.model_copy(deep=True)
        return self._load(job_id)

    def _load(self, job_id: str) -> Job:
        path = self.uploads_dir / job_id / JOB_FILE
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            job = Job.model_validate(data)
        except (OSError, ValueError):
            raise NotFound(f"no job {job_id}") from None
        if job.status in ("queued", "running") and not _pid_alive(int(data.get("pid", 0))):
            job.status, job.error = "failed", "interrupted: the server stopped before the job finished"
        return job

    def _persist(self, job: Job) -> None:
        path = self.uploads_dir / job.id / JOB_FILE
        try:
            data = job.model_dump(mode="json")
            data["pid"] = job.pid
            tmp = path.with_suffix(".tmp")
            tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
            os.replace(tmp, path)
        except OSError as exc:  # status stays available in memory
            logger.warning("cannot write job status for %s: %s", job.id, exc)

    def _evict(self) -> None:
        if len(self._jobs) <= _MAX_JOBS_IN_MEMORY:
            return
        for job_id in [j.id for j in self._jobs.values() if j.status in ("done", "failed")]:
            if len(self._jobs) <= _MAX_JOBS_IN_MEMORY:
                break
            del self._jobs[job_id]  # still readable from its .job.json

    def _update(self, job_id: str, **changes: object) -> None:
        with self._lock:
            job = self._jobs[job_id]
            for key, value in changes.items():
                setattr(job, key, value)
            self._persist(job)

    def _run(self, job_id: str) -> None:
        with self._lock:
            job = self._jobs[job_id]
            if self._closed:
                job.status, job.error, job.finished = "failed", "the server shut down before the job started", _now()
                self._persist(job)
                return
            job.status, job.started = "running", _now()
            self._persist(job)
            sources = {str(self._source_root / job_id / f.name): i for i, f in enumerate(job.files)}
            visibility = job.visibility

        def on_event(event: FileEvent) -> None:
            with self._lock:
                current = self._jobs[job_id]
                index = sources.get(event.source)
                if index is not None:
                    entry = current.files[index]
                    entry.status = "indexed" if event.status == "removed" else event.status
                    entry.chunks, entry.detail = event.chunks, event.detail
                current.done = event.done
                self._persist(current)

        try:
            report = self.services.ingest(list(sources), visibility=visibility, on_event=on_event)
            doc_ids = {source: self.services.document_ids(source=source) for source in sources}
        except CCAssistError as exc:
            logger.warning("job %s failed: %s", job_id, exc)
            self._update(job_id, status="failed", error=str(exc), finished=_now())
            return
        except Exception as exc:  # never let a job die silently
            logger.exception("job %s crashed", job_id)
            self._update(job_id, status="failed", error=f"internal error ({type(exc).__name__})", finished=_now())
            return
        with self._lock:
            job = self._jobs[job_id]
            for source, index in sources.items():
                job.files[index].doc_ids = doc_ids.get(source, [])
                if job.files[index].status == "pending":  # no event: the pipeline never saw it
                    job.files[index].status = "failed"
                    job.files[index].detail = job.files[index].detail or "not processed"
            job.report, job.done, job.status, job.finished = report, job.total, "done", _now()
            self._persist(job)
        logger.info("job %s done: %d indexed, %d skipped, %d failed", job_id, report.indexed, report.skipped,
                    len(report.failed))

    def shutdown(self) -> None:
        """Stop taking jobs, mark queued ones failed and wait for the running one to finish."""
        with self._lock:
            self._closed = True
        self._pool.shutdown(wait=True, cancel_futures=False)


def _pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
