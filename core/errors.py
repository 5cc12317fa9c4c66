"""The ccassist error tree; the CLI and the API map it to exit codes and HTTP statuses in one place each."""

from __future__ import annotations


class CCAssistError(Exception):
    """Base of every error ccassist raises on purpose."""

    status = 500


class InvalidInput(CCAssistError):
    """The request or file cannot be processed as given."""

    status = 400


class ParseError(InvalidInput):
    """A file could not be parsed (corrupt, encrypted, empty, unsupported, no text)."""

    status = 422


class UnsupportedFormat(ParseError):
    """The file type is not one ccassist reads."""

    status = 415


class FileTooLarge(ParseError):
    """The file exceeds the configured size limit."""

    status = 413


class NotFound(CCAssistError):
    """The requested document, job or fact sheet does not exist (or is not visible)."""

    status = 404


class Forbidden(CCAssistError):
    """The caller's role does not allow this."""

    status = 403


class Unauthorized(CCAssistError):
    """No or an unknown API key."""

    status = 401


class IndexLocked(CCAssistError):
    """Another process (usually a running API) owns the embedded index."""

    status = 409


class ModelUnavailable(CCAssistError):
    """An embedding model or LLM is missing or unreachable; the message says what to install or set."""

    status = 503


class UpstreamError(CCAssistError):
    """A server ccassist talks to (Qdrant, LLM, embeddings) failed or timed out."""

    status = 502
