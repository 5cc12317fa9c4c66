"""The one table from errors to HTTP responses.

Every error leaves the API as ``{"error": {"type", "message"}}`` with the
status the error class declares (``core.errors.CCAssistError.status``).
Validation errors keep their field details under ``error.details``; anything
unexpected is logged with its traceback and answered with a bare 500, so no
stack trace or internal path ever reaches a client.
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from core.errors import CCAssistError, FileTooLarge, InvalidInput, Unauthorized

logger = logging.getLogger(__name__)

__all__ = [
    "ERROR_RESPONSES",
    "BodyTooLarge",
    "RateLimited",
    "ValidationFailed",
    "error_body",
    "install_error_handlers",
]


class RateLimited(CCAssistError):
    """Too many requests for this API key (or anonymous client) in the current window."""

    status = 429

    def __init__(self, message: str, *, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ValidationFailed(InvalidInput):
    """A request parameter or form field is missing or malformed."""

    status = 422


class BodyTooLarge(StarletteHTTPException):
    """Raised from the body-limit middleware's ``receive``; an HTTPException so FastAPI re-raises it unchanged."""

    def __init__(self, limit: int) -> None:
        super().__init__(status_code=413, detail=f"request body larger than {limit} bytes")


def error_body(kind: str, message: str, **extra: Any) -> dict[str, Any]:
    """The error JSON every endpoint returns."""
    return {"error": {"type": kind, "message": message, **extra}}


_ERROR_SCHEMA = {
    "type": "object",
    "properties": {
        "error": {
            "type": "object",
            "properties": {"type": {"type": "string"}, "message": {"type": "string"}},
            "required": ["type", "message"],
        }
    },
}

#: Responses routers declare so the error shape shows up in /docs.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"description": HTTPStatus(status).phrase, "content": {"application/json": {"schema": _ERROR_SCHEMA}}}
    for status in (401, 403, 404, 429)
}


def _headers_for(exc: CCAssistError) -> dict[str, str] | None:
    if isinstance(exc, Unauthorized):
        return {"WWW-Authenticate": 'Bearer realm="ccassist"'}
    if isinstance(exc, RateLimited):
        return {"Retry-After": str(max(1, int(exc.retry_after + 0.999)))}
    return None


async def _ccassist_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, CCAssistError)
    if exc.status >= 500:
        logger.error("%s: %s", type(exc).__name__, exc)
    return JSONResponse(error_body(type(exc).__name__, str(exc)), status_code=exc.status, headers=_headers_for(exc))


async def _validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    details = [
        {"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")} for e in exc.errors()
    ]
    first = details[0] if details else {"loc": [], "msg": "invalid request"}
    where = ".".join(str(p) for p in first["loc"] if p != "body") or "request"
    return JSONResponse(
        error_body("ValidationError", f"{where}: {first['msg']}", details=jsonable_encoder(details)),
        status_code=422,
    )


async def _http_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 413:
        kind = FileTooLarge.__name__
    else:
        try:
            kind = HTTPStatus(exc.status_code).phrase.replace(" ", "")
        except ValueError:
            kind = "HTTPError"
    message = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
    return JSONResponse(error_body(kind, message), status_code=exc.status_code, headers=exc.headers)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    logger.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return JSONResponse(error_body("InternalError", "internal server error"), status_code=500)


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers: ccassist errors, validation errors, HTTP errors, and a no-traceback 500."""
    app.add_exception_handler(CCAssistError, _ccassist_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
