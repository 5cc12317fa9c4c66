"""What users filter by, as one pydantic model, and its translation to a store filter.

The CLI (``--filter FIELD=VALUE``), the API and the agents' planner all build a
:class:`SearchFilters`; :meth:`SearchFilters.to_filter` is the only place that
turns it into engine conditions, so every filter runs inside the Qdrant query.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, Field, field_validator

from core.errors import InvalidInput
from core.filters import DateRange, Filter, Match, MatchAny
from core.gazetteer import lookup
from core.settings import VISIBILITIES
from core.topics import topic_from_label

__all__ = ["SearchFilters", "parse_filter_args", "visibility_filter"]


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    return [str(v) for v in value]


class SearchFilters(BaseModel):
    """Payload filters a user can set; lists mean "any of"."""

    doc_type: list[str] = Field(default_factory=list, description="call, report, invitation, news, strategy, other")
    language: list[str] = Field(default_factory=list, description="ISO 639-1 codes, e.g. de, en")
    year: int | None = Field(None, description="Publication year")
    year_from: int | None = None
    year_to: int | None = None
    published_from: date | None = None
    published_to: date | None = None
    deadline_from: date | None = None
    deadline_to: date | None = None
    open: bool | None = Field(None, description="Only calls/invitations whose deadline is today or later")
    city: list[str] = Field(default_factory=list)
    country: list[str] = Field(default_factory=list)
    region: list[str] = Field(default_factory=list)
    place: list[str] = Field(default_factory=list, description="City or country")
    topic: list[str] = Field(default_factory=list, description="Topic slug or label in any language")
    visibility: list[str] = Field(default_factory=list)
    doc_id: list[str] = Field(default_factory=list)
    source: list[str] = Field(default_factory=list)

    @field_validator(
        "doc_type", "language", "city", "country", "region", "place", "topic", "visibility", "doc_id", "source",
        mode="before",
    )
    @classmethod
    def _split(cls, value: Any) -> list[str]:
        return _as_list(value)

    def is_empty(self) -> bool:
        return not any(v not in (None, []) for v in self.model_dump().values())

    def active(self) -> dict[str, Any]:
        """The fields that are set, JSON-safe (for traces and responses)."""
        return {k: v for k, v in self.model_dump(mode="json").items() if v not in (None, [])}

    def to_filter(self, *, today: date | None = None) -> Filter | None:
        today = today or date.today()
        must: list[Any] = []

        def any_of(key: str, values: list[str]) -> None:
            if values:
                must.append(Match(key, values[0]) if len(values) == 1 else MatchAny(key, tuple(values)))

        any_of("doc_type", [v.lower() for v in self.doc_type])
        any_of("language", [v.lower() for v in self.language])
        any_of("cities", [_canonical_place(v) for v in self.city])
        any_of("countries", [_canonical_place(v) for v in self.country])
        any_of("regions", self.region)
        any_of("places", [_canonical_place(v) for v in self.place])
        any_of("topics", [topic_from_label(v) or v for v in self.topic])
        any_of("visibility", [v.lower() for v in self.visibility])
        any_of("doc_id", self.doc_id)
        any_of("source", self.source)
        if self.year is not None:
            must.append(Match("year", int(self.year)))
        if self.year_from is not None or self.year_to is not None:
            must.append(DateRange("published", gte=date(self.year_from, 1, 1) if self.year_from else None,
                                  lte=date(self.year_to, 12, 31) if self.year_to else None))
        if self.published_from or self.published_to:
            must.append(DateRange("published", gte=self.published_from, lte=self.published_to))
        if self.deadline_from or self.deadline_to:
            must.append(DateRange("deadline", gte=self.deadline_from, lte=self.deadline_to))
        if self.open:
            must.append(DateRange("deadline", gte=today))
        return Filter(must=must) if must else None


def _canonical_place(name: str) -> str:
    place = lookup(name)
    return place.name if place else name


def visibility_filter(allowed: list[str] | tuple[str, ...] | None) -> Filter | None:
    """The role's tier as a filter; ``None`` means unrestricted (staff, CLI owner)."""
    if allowed is None:
        return None
    bad = set(allowed) - set(VISIBILITIES)
    if bad:
        raise InvalidInput(f"unknown visibility {sorted(bad)}")
    return Filter(must=[MatchAny("visibility", tuple(allowed))])


_ALIASES = {
    "type": "doc_type",
    "lang": "language",
    "places": "place",
    "cities": "city",
    "countries": "country",
    "regions": "region",
    "topics": "topic",
    "deadline": "deadline_from",
}


def parse_filter_args(args: list[str] | None) -> SearchFilters:
    """``["doc_type=call", "year=2025", "open=true"]`` → SearchFilters (repeated fields accumulate)."""
    values: dict[str, Any] = {}
    list_fields = {n for n, f in SearchFilters.model_fields.items() if f.annotation == list[str]}
    for arg in args or []:
        if "=" not in arg:
            raise InvalidInput(f"filter {arg!r} must look like FIELD=VALUE")
        key, value = (part.strip() for part in arg.split("=", 1))
        key = _ALIASES.get(key, key)
        if key not in SearchFilters.model_fields:
            raise InvalidInput(f"unknown filter field {key!r}; use one of {', '.join(SearchFilters.model_fields)}")
        if key in list_fields:
            values.setdefault(key, []).extend(_as_list(value))
        elif key == "open":
            values[key] = value.lower() in ("1", "true", "yes", "ja", "oui")
        else:
            values[key] = value
    try:
        return SearchFilters(**values)
    except ValueError as exc:
        raise InvalidInput(f"invalid filter: {exc}") from exc
