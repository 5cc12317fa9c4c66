"""Engine-neutral payload filters.

Retrieval, the agents and the API build filters from these few types; each
store translates them to its engine (Qdrant Edge or qdrant-client) in one
function, so a filter is always applied *inside* the Qdrant query.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

__all__ = ["Condition", "DateRange", "Filter", "IsEmpty", "Match", "MatchAny", "Range", "all_of"]


@dataclass(frozen=True, slots=True)
class Match:
    """Payload ``key`` equals ``value`` (for list fields: contains it)."""

    key: str
    value: str | int | bool


@dataclass(frozen=True, slots=True)
class MatchAny:
    """Payload ``key`` equals (contains) any of ``values``."""

    key: str
    values: tuple[str, ...] | tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Range:
    """Numeric range on ``key``."""

    key: str
    gte: float | None = None
    lte: float | None = None
    gt: float | None = None
    lt: float | None = None


@dataclass(frozen=True, slots=True)
class DateRange:
    """Date range on ``key`` (payload holds ISO dates); bounds are inclusive."""

    key: str
    gte: date | None = None
    lte: date | None = None


@dataclass(frozen=True, slots=True)
class IsEmpty:
    """Payload ``key`` is missing, null or an empty list."""

    key: str


@dataclass(slots=True)
class Filter:
    """must: all hold; should: at least one holds; must_not: none holds."""

    must: list[Condition] = field(default_factory=list)
    should: list[Condition] = field(default_factory=list)
    must_not: list[Condition] = field(default_factory=list)

    def is_empty(self) -> bool:
        return not (self.must or self.should or self.must_not)


Condition = Match | MatchAny | Range | DateRange | IsEmpty | Filter


def all_of(*filters: Filter | None) -> Filter | None:
    """Combine filters so that every one of them must hold (used to add the visibility filter)."""
    present = [f for f in filters if f is not None and not f.is_empty()]
    if not present:
        return None
    if len(present) == 1:
        return present[0]
    return Filter(must=list(present))
