"""Upload safety: size limit, content sniffing, file-name sanitising, nothing written outside data_dir."""

from __future__ import annotations

import io
import os
import tempfile
import zipfile
from pathlib import Path

import pytest

from api.jobs import sanitize_filename, sniff_content
from core.errors import UnsupportedFormat
from tests.api.conftest import Corpus, auth, wait_for_job

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(range(256)) * 8
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 64 + bytes(range(256)) * 8


def _multipart(parts: list[tuple[str, str | None, bytes]], boundary: str = "XyZzY") -> tuple[bytes, dict[str, str]]:
    """A hand-built multipart body: (field, filename or None, content)."""
    out = io.BytesIO()
    for name, filename, content in parts:
        out.write(f"--{boundary}\r\n".encode())
        disp = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename is not None else "")
        out.write(f"Content-Disposition: {disp}\r\n\r\n".encode())
        out.write(content + b"\r\n")
    out.write(f"--{boundary}--\r\n".encode())
    return out.getvalue(), {"Content-Type": f"multipart/form-data; boundary={boundary}"}


# -- names -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("raw, expected", [
    ("report.pdf", "report.pdf"),
    ("../../etc/passwd", "passwd"),
    ("..\\..\\windows\\win.ini", "win.ini"),
    ("/abs/path/x.txt", "x.txt"),
    (".hidden.md", "hidden.md"),
    ("...", "upload"),
    ("..", "upload"),
    ("", "upload"),
    ("a\x00b\x1fc.txt", "abc.txt"),
    ("evil\u202etxt.exe.md", "eviltxt.exe.md"),
    ("Bericht Ko\u0308ln.md", "Bericht K\u00f6ln.md"),  # NFD in, NFC out
    ('in<va>l:i"d|?*.txt', "in_va_l_i_d___.txt"),
    ("CON.txt", "_CON.txt"),
    ("trailing. . .", "trailing"),
])
def test_sanitize_filename(raw: str, expected: str) -> None:
    assert sanitize_filename(raw) == expected


def test_sanitize_filename_caps_length_and_keeps_extension() -> None:
    name = sanitize_filename("ä" * 400 + ".docx")
    assert name.endswith(".docx") and len(name.encode()) <= 180


# -- sniffing --------------------------------------------------------------------------------------


def _zip(names: list[str]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for n in names:
            zf.writestr(n, "<x/>")
    return buf.getvalue()


@pytest.mark.parametrize("content, kind", [
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "pdf"),
    (_zip(["[Content_Types].xml", "word/document.xml"]), "docx"),
    (b"<!DOCTYPE html><html><body><p>Hallo</p></body></html>", "html"),
    ("Grüße aus Köln".encode(), "text"),
    ("Grüße aus Köln".encode("utf-16"), "text"),
    ("Grüße aus Köln, das ist ein längerer Text".encode("utf-16-le"), "text"),
    ("Grüße aus Köln".encode("cp1252"), "text"),
])
def test_sniff_accepts_documents(tmp_path: Path, content: bytes, kind: str) -> None:
    path = tmp_path / "f"
    path.write_bytes(content)
    assert sniff_content(path) == kind


@pytest.mark.parametrize("content", [PNG, ELF, _zip(["xl/workbook.xml"]), b"PK\x03\x04broken", b"\x1f\x8b\x08" + bytes(200), b""])
def test_sniff_refuses_binaries(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "f"
    path.write_bytes(content)
    with pytest.raises(UnsupportedFormat):
        sniff_content(path)


# -- through the API -------------------------------------------------------------------------------


def _tree(root: Path) -> set[Path]:
    return {p for p in root.rglob("*")}


def test_hostile_names_stay_inside_data_dir(make_client, writable: Corpus, tmp_path: Path,  # type: ignore[no-untyped-def]
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    spool = tmp_path / "spool"
    spool.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(spool))  # any tempfile spooling would land here
    tc = make_client(writable)
    data_dir = writable.settings.data_dir.resolve()
    before_base = _tree(tmp_path)
    before_cwd = set(os.listdir(Path.cwd()))
    names = ["../../escape-1.txt", "..\\..\\escape-2.txt", "/tmp/escape-3.txt", "....//escape-4.txt",
             ".env", "sub/dir/../escape-5.md", "%2e%2e%2fescape-6.txt", "same.txt", "same.txt"]
    body, headers = _multipart([("files", n, f"Plain text number {i} about Bonn.".encode()) for i, n in enumerate(names)])
    r = tc.post("/documents", content=body, headers={**headers, **auth("editor")})
    assert r.status_code == 202, r.text
    job_id = r.json()["job_id"]
    stored = [f["name"] for f in r.json()["files"]]
    assert stored == ["escape-1.txt", "escape-2.txt", "escape-3.txt", "escape-4.txt", "env", "escape-5.md",
                      "%2e%2e%2fescape-6.txt", "same.txt", "same-1.txt"]
    job = wait_for_job(tc, job_id, auth("editor"))
    assert job["status"] == "done"

    index_dir = writable.settings.index_path.resolve()
    new = _tree(tmp_path) - before_base
    job_dir = data_dir / "uploads" / job_id
    for path in new:
        resolved = path.resolve()
        inside = [root for root in (data_dir, index_dir) if resolved == root or root in resolved.parents]
        assert inside or resolved in data_dir.parents, f"written outside data_dir: {path}"
    assert {p.name for p in job_dir.iterdir()} == set(stored) | {".job.json"}
    assert set(os.listdir(Path.cwd())) == before_cwd
    assert not list(spool.iterdir()), "uploads are streamed to data_dir, not spooled to a temp dir"
    assert not list(Path("/tmp").glob("escape-*"))


def test_oversized_file_is_413_and_leaves_nothing(make_client, writable: Corpus) -> None:  # type: ignore[no-untyped-def]
    tc = make_client(writable, max_upload_bytes=4096)
    uploads = writable.settings.data_dir / "uploads"
    body, headers = _multipart([("files", "small.txt", b"fine " * 100), ("files", "big.txt", b"x" * 10_000)])
    r = tc.post("/documents", content=body, headers={**headers, **auth("editor")})
    assert r.status_code == 413, r.text
    assert r.json()["error"]["type"] == "FileTooLarge" and "big.txt" in r.json()["error"]["message"]
    assert not uploads.exists() or not any(uploads.iterdir())

    def stream():  # no Content-Length: the per-file limit is enforced while the body streams
        yield body[:200]
        for _ in range(100):
            yield b"y" * 10_000
    r = tc.post("/documents", content=stream(), headers={**headers, **auth("editor")})
    assert r.status_code == 413
    assert not uploads.exists() or not any(uploads.iterdir())


def test_declared_length_over_the_request_cap_is_refused_before_reading(make_client, writable: Corpus) -> None:  # type: ignore[no-untyped-def]
    tc = make_client(writable, max_upload_bytes=1000, max_upload_files=2)
    body, headers = _multipart([("files", "a.txt", b"z" * 5_000_000)])
    r = tc.post("/documents", content=body, headers={**headers, **auth("editor")})
    assert r.status_code == 413


@pytest.mark.parametrize("name, content", [
    ("report.pdf", PNG),
    ("notes.txt", ELF),
    ("letter.docx", _zip(["xl/workbook.xml"])),
    ("letter.docx", b"Just text pretending to be Word"),
    ("scan.pdf", b"<html><body>not a pdf</body></html>"),
    ("photo.png", PNG),
    ("data.csv", b"a,b,c\n1,2,3\n"),
    ("noext", ELF),
])
def test_disguised_or_unsupported_files_are_415(make_client, writable: Corpus, name: str, content: bytes) -> None:  # type: ignore[no-untyped-def]
    tc = make_client(writable)
    body, headers = _multipart([("files", "good.md", b"# Good\n\nA fine document."), ("files", name, content)])
    r = tc.post("/documents", content=body, headers={**headers, **auth("editor")})
    assert r.status_code == 415, r.text
    assert r.json()["error"]["type"] == "UnsupportedFormat"
    uploads = writable.settings.data_dir / "uploads"
    assert not uploads.exists() or not any(uploads.iterdir()), "a refused upload keeps nothing, not even good.md"


def test_no_files_is_422(make_client, writable: Corpus) -> None:  # type: ignore[no-untyped-def]
    tc = make_client(writable)
    body, headers = _multipart([("visibility", None, b"members")])
    r = tc.post("/documents", content=body, headers={**headers, **auth("editor")})
    assert r.status_code == 422
    assert r.json()["error"]["type"] == "ValidationFailed"


def test_malformed_multipart_is_400(make_client, writable: Corpus) -> None:  # type: ignore[no-untyped-def]
    tc = make_client(writable)
    r = tc.post("/documents", content=b"--XyZzY\r\ngarbage without headers end",
                headers={"Content-Type": "multipart/form-data; boundary=XyZzY", **auth("editor")})
    assert r.status_code in (400, 422), r.text
    uploads = writable.settings.data_dir / "uploads"
    assert not uploads.exists() or not any(uploads.iterdir())
