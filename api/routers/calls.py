"""``GET /calls``: calls for participation and invitations with a deadline, open ones first."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.auth import CallerDep
from api.deps import ServicesDep
from api.errors import ERROR_RESPONSES
from retrieval.calls import CallsResponse

router = APIRouter(tags=["calls"], responses=ERROR_RESPONSES)


@router.get("/calls", response_model=CallsResponse)
def list_calls(
    caller: CallerDep,
    services: ServicesDep,
    open: Annotated[bool | None, Query(description="Only calls whose deadline has not passed")] = None,
    include_expired: Annotated[bool | None, Query(description="Same as open=false (kept for the UI)")] = None,
) -> CallsResponse:
    """Calls (doc type *call*) and invitations that name a registration deadline, with days left and an
    ``expired`` flag; open ones first (soonest deadline first), then expired ones (most recent first).
    Type, deadline and the caller's visibility are filters of the Qdrant query."""
    open_only = bool(open) if open is not None else include_expired is False
    return services.calls(open_only=open_only, allowed_visibility=caller.allowed_visibility)
