"""``GET /health``: liveness, index size, embedder and LLM backend status."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import ServicesDep, api_version
from api.schemas import Health, IndexHealth

router = APIRouter(tags=["service"])


@router.get("/health", response_model=Health)
def health(services: ServicesDep) -> Health:
    """Service status: index points, the embedder, and the answer backend (never loads a model).

    Needs no API key. `status` is `ok` when the index can be read, `degraded` otherwise.
    """
    info = services.health()
    index = IndexHealth(**info["index"])
    return Health(status="ok" if index.ok else "degraded", version=api_version(), index=index,
                  embedder=info["embedder"], llm=info["llm"])
