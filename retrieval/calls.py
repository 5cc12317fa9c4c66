"""Open calls: calls for participation (and invitations with a registration deadline) with days left.

Read from the chunks collection's payload: a document is its first chunk (``chunk_index`` 0), which
carries the document-level metadata (``doc_type``, ``deadline``, ``topics``, ``regions``, ``contacts``).
Type, deadline and the caller's visibility are filters of the Qdrant request, so a members-only call
never leaves the engine for a public caller. ``today`` is a parameter, so "expired" is testable and a
corpus with a fixed date can be replayed.

Invitations are listed too when they name a registration deadline, labelled ``kind="invitation"``:
for a city, "register by 10 October for the network meeting" is as actionable as a call.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from datetime import date
from functools import lru_cache
from typing import Any, Literal

from pydantic import BaseModel, Field

from core.data.countries import REGION_ALIASES
from core.filters import DateRange, Filter, IsEmpty, Match, MatchAny, all_of
from core.language import fold
from core.models import Contact
from core.store import Store
from retrieval.filters import visibility_filter

logger = logging.getLogger(__name__)

__all__ = ["CallItem", "CallsResponse", "list_calls", "target_regions"]

CallKind = Literal["call", "invitation"]


class CallItem(BaseModel):
    """One call (or invitation) with its deadline as the caller should see it."""

    doc_id: str
    title: str
    source: str
    kind: CallKind
    doc_type: str
    label: str = Field(description="'call for participation' or 'invitation (registration deadline)'")
    language: str | None = None
    published: date | None = None
    deadline: date | None = None
    days_left: int | None = Field(None, description="Days from today to the deadline (negative when expired)")
    expired: bool | None = Field(None, description="None when the document names no deadline")
    topics: list[str] = Field(default_factory=list)
    target_regions: list[str] = Field(default_factory=list)
    regions: list[str] = Field(default_factory=list)
    countries: list[str] = Field(default_factory=list)
    cities: list[str] = Field(default_factory=list)
    contact: Contact | None = None
    contacts: list[Contact] = Field(default_factory=list)
    visibility: str | None = None


class CallsResponse(BaseModel):
    today: date
    open_only: bool
    calls: list[CallItem] = Field(default_factory=list)


@lru_cache(maxsize=1)
def _region_pattern() -> tuple[re.Pattern[str], dict[str, str]]:
    names = {fold(alias): region for region, aliases in REGION_ALIASES.items() for alias in (region, *aliases)}
    alts = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alts})(?!\w)"), names


def target_regions(text: str) -> list[str]:
    """Programme regions a text names explicitly ("Lateinamerika", "Afrique subsaharienne", "MENA"), in order."""
    pattern, names = _region_pattern()
    found = [names[m.group(0)] for m in pattern.finditer(fold(text))]
    return list(dict.fromkeys(r for r in found if r != "Europe"))


def _sort_key(item: CallItem) -> tuple[int, int]:
    """Open calls first, soonest deadline first; then calls without a deadline; then expired, most recent first."""
    if item.deadline is None:
        return (1, 0)
    if not item.expired:
        return (0, item.deadline.toordinal())
    return (2, -item.deadline.toordinal())


def _item(payload: dict[str, Any], text: str, today: date) -> CallItem:
    kind: CallKind = "call" if payload.get("doc_type") == "call" else "invitation"
    deadline = date.fromisoformat(payload["deadline"]) if payload.get("deadline") else None
    contacts = [Contact.model_validate(c) for c in payload.get("contacts") or []]
    return CallItem(
        doc_id=str(payload.get("doc_id", "")),
        title=str(payload.get("title", "")),
        source=str(payload.get("source", "")),
        kind=kind,
        doc_type=str(payload.get("doc_type", "")),
        label="call for participation" if kind == "call" else "invitation (registration deadline)",
        language=payload.get("language"),
        published=payload.get("published"),
        deadline=deadline,
        days_left=(deadline - today).days if deadline else None,
        expired=(deadline < today) if deadline else None,
        topics=list(payload.get("topics") or []),
        target_regions=target_regions(text) or list(payload.get("regions") or []),
        regions=list(payload.get("regions") or []),
        countries=list(payload.get("countries") or []),
        cities=list(payload.get("cities") or []),
        contact=contacts[0] if contacts else None,
        contacts=contacts,
        visibility=payload.get("visibility"),
    )


def list_calls(
    store: Store,
    *,
    today: date | None = None,
    open_only: bool = False,
    allowed_visibility: Sequence[str] | None = None,
    include_invitations: bool = True,
) -> CallsResponse:
    """Calls (and invitations with a deadline) visible to the caller; open ones first, then expired ones."""
    today = today or date.today()
    allowed = list(allowed_visibility) if allowed_visibility is not None else None
    is_call = Filter(must=[Match("doc_type", "call")])
    kinds: Filter = is_call
    if include_invitations:  # an invitation counts only with a registration deadline
        kinds = Filter(should=[is_call, Filter(must=[Match("doc_type", "invitation")], must_not=[IsEmpty("deadline")])])
    flt = all_of(
        Filter(must=[Match("chunk_index", 0)]),
        kinds,
        Filter(must=[DateRange("deadline", gte=today)]) if open_only else None,
        visibility_filter(allowed),
    )
    firsts = list(store.iter_all(filter=flt)) if store.dim is not None else []
    texts: dict[str, list[tuple[int, str]]] = {}
    if firsts:  # all passages of these documents, for the regions a call addresses
        doc_ids = tuple(str(h.payload.get("doc_id")) for h in firsts)
        for hit in store.iter_all(filter=Filter(must=[MatchAny("doc_id", doc_ids)])):
            texts.setdefault(str(hit.payload.get("doc_id")), []).append(
                (int(hit.payload.get("chunk_index") or 0), str(hit.payload.get("text", "")))
            )
    items = [
        _item(h.payload, "\n".join(t for _, t in sorted(texts.get(str(h.payload.get("doc_id")), []))), today)
        for h in firsts
    ]
    items.sort(key=_sort_key)
    return CallsResponse(today=today, open_only=open_only, calls=items)
