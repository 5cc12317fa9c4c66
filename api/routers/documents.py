"""``/documents``: list, read, upload and delete documents."""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, status
from fastapi.responses import FileResponse
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

from api.auth import CallerDep, EditorDep
from api.deps import ApiSettingsDep, JobsDep, ServicesDep
from api.errors import ERROR_RESPONSES, ValidationFailed
from api.jobs import UploadSession
from api.schemas import (
    DeleteResult,
    DocumentDetail,
    DocumentListQuery,
    DocumentPage,
    DocumentSummaryText,
    UploadAccepted,
)
from core.errors import InvalidInput, UnsupportedFormat
from core.settings import VISIBILITIES

logger = logging.getLogger(__name__)

router = APIRouter(tags=["documents"], responses=ERROR_RESPONSES)

DocId = Annotated[str, Path(min_length=1, max_length=128, description="Document id")]

_MAX_FIELD_BYTES = 1024
_MAX_FIELDS = 16
_UPLOAD_BODY = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["files"],
                "properties": {
                    "files": {
                        "type": "array",
                        "items": {"type": "string", "format": "binary"},
                        "description": "PDF, DOCX, HTML, Markdown or text files",
                    },
                    "visibility": {
                        "type": "string",
                        "enum": list(VISIBILITIES),
                        "description": "Visibility of documents that do not declare one "
                        "(default: the server's CCASSIST_DEFAULT_VISIBILITY)",
                    },
                },
            }
        }
    },
}


@router.get("/documents", response_model=DocumentPage)
def list_documents(query: Annotated[DocumentListQuery, Query()], caller: CallerDep, services: ServicesDep) -> DocumentPage:
    """Documents the caller may see, one page at a time, filtered like a search.

    Page with `limit` + `offset`, or pass the previous page's `next_cursor` as `cursor`
    (cheaper for deep pages). List filters take repeated parameters or commas:
    `?doc_type=call&doc_type=invitation` or `?doc_type=call,invitation`.
    """
    return services.list_documents(
        filters=query.filters(),
        allowed_visibility=caller.allowed_visibility,
        limit=query.limit,
        offset=query.offset,
        cursor=query.cursor,
    )


@router.get("/documents/{doc_id}", response_model=DocumentDetail)
def get_document(doc_id: DocId, caller: CallerDep, services: ServicesDep) -> DocumentDetail:
    """A document's metadata and the text of all its chunks, in order.

    404 when the document does not exist or is outside the caller's tier (the two are indistinguishable).
    """
    return services.get_document(doc_id, allowed_visibility=caller.allowed_visibility)


@router.get("/documents/{doc_id}/summary", response_model=DocumentSummaryText)
def document_summary(
    doc_id: DocId,
    caller: CallerDep,
    services: ServicesDep,
    language: Annotated[str | None, Query(max_length=8, description="Wanted language (extractive: the document's own)")] = None,
) -> DocumentSummaryText:
    """A cited summary of one document from its own passages: its most central sentences, each citing the chunk
    it comes from. 404 when the document does not exist or is outside the caller's tier."""
    return DocumentSummaryText.model_validate(
        services.document_summary(doc_id, language=language, allowed_visibility=caller.allowed_visibility)
    )


@router.get(
    "/documents/{doc_id}/file",
    response_class=FileResponse,
    responses={200: {"content": {"application/octet-stream": {}}, "description": "The original file"}},
)
def document_file(doc_id: DocId, caller: CallerDep, services: ServicesDep) -> FileResponse:
    """The document's original file as it was indexed. 404 when the document is not visible to the caller or the
    file is no longer on disk."""
    import mimetypes
    from urllib.parse import quote

    path = services.document_file(doc_id, allowed_visibility=caller.allowed_visibility)
    media = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    if media.startswith("text/"):
        media += "; charset=utf-8"
    ascii_name = path.name.encode("ascii", "replace").decode("ascii").replace("?", "_").replace('"', "_")
    disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(path.name, safe='')}"
    return FileResponse(path, media_type=media, headers={"Content-Disposition": disposition})


@router.delete("/documents/{doc_id}", response_model=DeleteResult)
def delete_document(doc_id: DocId, caller: EditorDep, services: ServicesDep) -> DeleteResult:
    """Remove a document (all its chunks) from the index. Editor role. The uploaded file is kept."""
    removed = services.delete_document(doc_id, allowed_visibility=caller.allowed_visibility)
    logger.info("%s deleted document %s", caller.name, doc_id)
    return DeleteResult(doc_id=doc_id, deleted_chunks=removed)


class _MultipartToSession:
    """Feeds a streamed multipart body into an :class:`UploadSession`; small text fields are kept."""

    def __init__(self, session: UploadSession, boundary: bytes) -> None:
        self.session = session
        self.fields: dict[str, str] = {}
        self._headers: list[tuple[bytes, bytes]] = []
        self._name = b""
        self._value = b""
        self._field: str | None = None
        self._field_data = bytearray()
        self._is_file = False
        self.parser = MultipartParser(
            boundary,
            callbacks={
                "on_part_begin": self._part_begin,
                "on_part_data": self._part_data,
                "on_part_end": self._part_end,
                "on_header_field": self._header_field,
                "on_header_value": self._header_value,
                "on_header_end": self._header_end,
                "on_headers_finished": self._headers_finished,
            },
        )

    def _part_begin(self) -> None:
        self._headers, self._field, self._field_data, self._is_file = [], None, bytearray(), False

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self._name += data[start:end]

    def _header_value(self, data: bytes, start: int, end: int) -> None:
        self._value += data[start:end]

    def _header_end(self) -> None:
        self._headers.append((self._name.lower(), self._value))
        self._name, self._value = b"", b""

    def _headers_finished(self) -> None:
        disposition = next((v for k, v in self._headers if k == b"content-disposition"), b"")
        _, options = parse_options_header(disposition)
        if b"name" not in options:
            raise ValidationFailed('every multipart part needs Content-Disposition with a "name"')
        self._field = options[b"name"].decode("utf-8", "replace")
        if b"filename" in options:
            self._is_file = True
            self.session.begin_file(options[b"filename"].decode("utf-8", "replace"))
        elif len(self.fields) >= _MAX_FIELDS:
            raise ValidationFailed("too many form fields")

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        if self._is_file:
            self.session.write(data[start:end])
            return
        self._field_data += data[start:end]
        if len(self._field_data) > _MAX_FIELD_BYTES:
            raise ValidationFailed(f"form field {self._field!r} is too long")

    def _part_end(self) -> None:
        if self._is_file:
            self.session.end_file()
        elif self._field is not None:
            self.fields[self._field] = self._field_data.decode("utf-8", "replace").strip()

    async def consume(self, request: Request) -> None:
        try:
            async for chunk in request.stream():
                if chunk:
                    self.parser.write(chunk)
            self.parser.finalize()
        except MultipartParseError as exc:
            raise InvalidInput(f"malformed multipart body: {exc}") from None
        self.session.end_file()


@router.post(
    "/documents",
    response_model=UploadAccepted,
    status_code=status.HTTP_202_ACCEPTED,
    openapi_extra={"requestBody": _UPLOAD_BODY},
    responses={
        413: {"description": "A file is larger than CCASSIST_MAX_UPLOAD_BYTES"},
        415: {"description": "A file is not PDF, DOCX, HTML, Markdown or text (checked by content)"},
        422: {"description": "No files, or an invalid visibility"},
    },
)
async def upload_documents(
    request: Request, caller: EditorDep, jobs: JobsDep, api_settings: ApiSettingsDep
) -> UploadAccepted:
    """Upload one or more files (multipart field `files`) and ingest them in the background. Editor role.

    Files are streamed to `data_dir/uploads/<job id>/` under sanitised names and
    checked by content, so a binary renamed `.pdf` is refused with 415; a file
    over the size limit aborts the upload with 413. Nothing is kept from a
    refused upload. An accepted upload returns 202 with a job id: poll
    `GET /jobs/{job_id}` for per-file progress and results (files that fail to
    parse are reported there; the others are indexed).
    """
    kind, params = parse_options_header(request.headers.get("content-type"))
    if kind != b"multipart/form-data" or not params.get(b"boundary"):
        raise UnsupportedFormat("send the files as multipart/form-data (field 'files')")
    session = jobs.new_upload(max_file_bytes=api_settings.max_upload_bytes, max_files=api_settings.max_upload_files)
    try:
        sink = _MultipartToSession(session, params[b"boundary"])
        await sink.consume(request)
        if not session.files:
            raise ValidationFailed("no files: send one or more files in the multipart field 'files'")
        visibility = sink.fields.get("visibility") or None
        if visibility is not None and visibility not in VISIBILITIES:
            raise ValidationFailed(f"visibility must be one of {', '.join(VISIBILITIES)}")
        job = jobs.submit(session, visibility=visibility, owner=caller.name)
    except BaseException:
        session.abort()
        raise
    logger.info("%s uploaded %d file(s) as job %s", caller.name, job.total, job.id)
    return UploadAccepted(
        job_id=job.id,
        status=job.status,
        status_url=str(request.url_for("get_job", job_id=job.id).path),
        files=[{"name": f.name, "size": f.size, "content_type": f.content_type} for f in job.files],
    )
