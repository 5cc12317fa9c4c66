"""``GET /me``: who the API thinks the caller is (role, tier, edit rights)."""

from __future__ import annotations

from fastapi import APIRouter

from api.auth import Caller, CallerDep
from api.errors import ERROR_RESPONSES

router = APIRouter(tags=["service"], responses=ERROR_RESPONSES)


@router.get("/me", response_model=Caller)
async def me(caller: CallerDep) -> Caller:
    """The caller's role, key name, key fingerprint, the visibilities it may read and whether it may edit.
    401 for an unknown key."""
    return caller
