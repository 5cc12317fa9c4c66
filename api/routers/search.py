"""``POST /search``: hybrid search within the caller's visibility tier."""

from __future__ import annotations

from fastapi import APIRouter

from api.auth import CallerDep
from api.deps import ServicesDep
from api.errors import ERROR_RESPONSES
from api.schemas import SearchRequest
from core.models import SearchResponse

router = APIRouter(tags=["search"], responses=ERROR_RESPONSES)


@router.post("/search", response_model=SearchResponse)
def search(body: SearchRequest, caller: CallerDep, services: ServicesDep) -> SearchResponse:
    """Hybrid (dense + sparse, fused by Qdrant) search over the passages the caller may read.

    `filters` narrows by document type, language, dates, places, topics and more
    (lists mean "any of"). The caller's tier is part of the query itself, so
    results and facet counts only ever come from visible documents; a filter on
    a hidden visibility simply matches nothing.
    """
    return services.search(
        body.query,
        k=body.k,
        filters=body.filters,
        allowed_visibility=caller.allowed_visibility,
        per_doc=body.per_doc,
        facets=body.facets,
    )
