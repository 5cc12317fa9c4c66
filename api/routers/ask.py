"""``POST /ask``: a cited, grounded answer from the documents the caller may see, as JSON or as a stream.

With ``stream`` (in the body or as ``?stream=true``) the answer arrives as
``text/event-stream``: ``event: trace`` (an :class:`agents.models.AgentEvent`
as JSON) for each step, ``event: token`` (``{"text": …}``) for answer pieces
of LLM backends, then one ``event: answer`` with the full Answer JSON, or
``event: error`` with ``{"error": {"type", "message"}}``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import queue
import threading
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from agents.models import AgentEvent, Answer
from api.auth import CallerDep
from api.deps import ServicesDep
from api.errors import ERROR_RESPONSES, error_body
from core.errors import CCAssistError
from retrieval.filters import SearchFilters

logger = logging.getLogger(__name__)

router = APIRouter(tags=["ask"], responses=ERROR_RESPONSES)

_DONE = object()


class AskRequest(BaseModel):
    question: str = Field(min_length=1, max_length=4000, description="The question, in any language")
    stream: bool = Field(False, description="Answer as server-sent events (trace, token, answer)")
    filters: SearchFilters | None = Field(
        None, description="Optional filters; `visibility` narrows the caller's tier (it never widens it)"
    )


def _allowed(caller_allowed: list[str], filters: SearchFilters | None) -> list[str]:
    wanted = list(getattr(filters, "visibility", None) or []) if filters is not None else []
    if not wanted:
        return list(caller_allowed)
    narrowed = [v for v in caller_allowed if v in wanted]
    return narrowed or list(caller_allowed)  # a filter outside the tier never widens it


def _sse(event: str, data: Any) -> bytes:
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False, default=str)}\n\n".encode()


@router.post(
    "/ask",
    response_model=Answer,
    responses={200: {"content": {"text/event-stream": {"schema": {"type": "string"}}},
                     "description": "The Answer JSON, or with stream=true server-sent events"}},
)
async def ask(
    body: AskRequest,
    caller: CallerDep,
    services: ServicesDep,
    stream: Annotated[bool | None, Query(description="Same as `stream` in the body")] = None,
) -> Any:
    """Answer a question from the documents the caller may see: every sentence cited ``[n]`` and checked
    against the cited passages; unsupported sentences are removed and listed under ``unsupported``.
    The caller's visibility tier is part of every search the agents run.
    """
    allowed = _allowed(caller.allowed_visibility, body.filters)
    if not (stream or body.stream):
        from starlette.concurrency import run_in_threadpool

        answer = await run_in_threadpool(lambda: services.ask(body.question, allowed_visibility=allowed))
        return answer
    return StreamingResponse(
        _stream(services, body.question, allowed),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


async def _stream(services: Any, question: str, allowed: list[str]) -> AsyncIterator[bytes]:
    """Run the sync ``Services.ask`` in a worker thread; its ``on_event`` calls feed a thread-safe queue."""
    events: queue.Queue[Any] = queue.Queue()

    def on_event(event: AgentEvent) -> None:
        events.put(event)

    def work() -> None:
        try:
            events.put(services.ask(question, allowed_visibility=allowed, on_event=on_event))
        except BaseException as exc:  # noqa: BLE001 - reported to the client as an error event
            events.put(exc)
        finally:
            events.put(_DONE)

    thread = threading.Thread(target=work, name="ask-stream", daemon=True)
    thread.start()
    loop = asyncio.get_running_loop()
    while True:
        item = await loop.run_in_executor(None, events.get)
        if item is _DONE:
            break
        if isinstance(item, AgentEvent):
            if item.kind == "token":
                yield _sse("token", {"text": str(item.data.get("text") or item.data.get("token") or "")})
            else:
                yield _sse("trace", item.model_dump(mode="json"))
        elif isinstance(item, Answer):
            yield _sse("answer", item.model_dump(mode="json"))
        elif isinstance(item, CCAssistError):
            yield _sse("error", error_body(type(item).__name__, str(item)))
        elif isinstance(item, BaseException):
            logger.error("streamed ask failed", exc_info=item)
            yield _sse("error", error_body("InternalError", "internal server error"))
