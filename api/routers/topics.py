"""``GET /topics``: the topic vocabulary with labels per language."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from api.auth import CallerDep
from api.errors import ERROR_RESPONSES
from core.topics import TOPICS

router = APIRouter(tags=["service"], responses=ERROR_RESPONSES)


class TopicOut(BaseModel):
    slug: str
    labels: dict[str, str]


@router.get("/topics", response_model=list[TopicOut])
async def topics(caller: CallerDep) -> list[TopicOut]:
    """Every topic slug with its label in de, en, fr and ar (filters and facets use the slugs)."""
    return [TopicOut(slug=t.slug, labels=dict(t.labels)) for t in TOPICS.values()]
