"""``GET /exchanges`` and ``GET /peers/{city}``: past exchanges to learn from, within the caller's tier."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.auth import CallerDep
from api.deps import ServicesDep
from api.errors import ERROR_RESPONSES, ValidationFailed
from retrieval.exchanges import ExchangeSearchResponse, PeersResponse

router = APIRouter(tags=["exchanges"], responses=ERROR_RESPONSES)


@router.get("/exchanges", response_model=ExchangeSearchResponse)
def find_exchanges(
    caller: CallerDep,
    services: ServicesDep,
    q: Annotated[str | None, Query(min_length=2, max_length=2000, description="The problem your city wants to solve")] = None,
    region: Annotated[list[str] | None, Query(description="Programme region(s), any language")] = None,
    country: Annotated[list[str] | None, Query(description="Country (or countries), any language")] = None,
    topic: Annotated[list[str] | None, Query(description="Topic slug(s) or label(s)")] = None,
    since: Annotated[int | None, Query(ge=1900, le=2100, description="Only exchanges from this year on")] = None,
    k: Annotated[int, Query(ge=1, le=50, description="At most this many exchanges")] = 5,
    doc_id: Annotated[str | None, Query(min_length=1, max_length=128,
                                        description="Without `q`: the exchanges recorded in this document")] = None,
) -> ExchangeSearchResponse:
    """Past exchanges (workshops, learning processes, network meetings, conferences, study tours) that match a
    problem description, ranked, merged per event, each with cities, countries, topics, dates, the passage
    that shows why it matches, and contacts as published. Filters and the caller's visibility tier are part
    of the Qdrant query: an exchange reported only in a members-only document never reaches a public caller.
    """
    if not q:
        if not doc_id:
            raise ValidationFailed("q: describe the problem (or pass doc_id for the exchanges of one document)")
        return services.document_exchanges(doc_id, k=k, allowed_visibility=caller.allowed_visibility)
    return services.find_exchanges(
        q, k=k, region=region or [], country=country or [], topic=topic or [], since=since,
        allowed_visibility=caller.allowed_visibility,
    )


@router.get("/peers/{city}", response_model=PeersResponse)
def peers(city: str, caller: CallerDep, services: ServicesDep) -> PeersResponse:
    """Cities that took part in the same exchanges as ``city`` (any spelling: Köln, Cologne, كولونيا), the topics
    they share and the events that connect them, from the exchange records the caller may read."""
    return services.peers(city, allowed_visibility=caller.allowed_visibility)
