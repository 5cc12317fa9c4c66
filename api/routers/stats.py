"""``GET /stats``: what the index holds, counted over the caller's visible documents."""

from __future__ import annotations

from fastapi import APIRouter

from api.auth import CallerDep
from api.deps import ServicesDep
from api.errors import ERROR_RESPONSES
from api.schemas import Stats

router = APIRouter(tags=["documents"], responses=ERROR_RESPONSES)


@router.get("/stats", response_model=Stats)
def stats(caller: CallerDep, services: ServicesDep) -> Stats:
    """Documents and chunks, with counts per type, language, visibility and year (visible documents only)."""
    return services.stats(allowed_visibility=caller.allowed_visibility)
