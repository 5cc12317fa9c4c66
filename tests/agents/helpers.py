"""Small builders for agent tests: evidence without an index, a fake searcher that counts searches."""

from __future__ import annotations

from datetime import date
from typing import Any

from agents.models import Evidence
from core.store import Hit

FLOOD_REPORT = (
    "From 12–14 May 2025 delegations from Kisumu (Kenya) and Leipzig met in Kisumu to discuss flood early warning. "
    "The partners agreed to build a shared sensor network along the Nyando river. About 4,800 households were "
    "affected by the floods in 2024."
)
CALL_DE = (
    "Das Programm sucht Städte, die naturbasierte Lösungen gegen Starkregen erproben wollen. "
    "Die Bewerbungsfrist endet am 7. Februar 2027. Ansprechpartnerin ist Dr. Lena Brandt (lena.brandt@example.org)."
)
OLD_CALL_DE = (
    "Aufruf zum Lernprozess Wasserverluste. Bewerbungen sind bis zum 15. März 2025 an die Servicestelle zu senden. "
    "Gefördert werden bis zu fünf Tandems."
)


def evidence(n: int, text: str, *, title: str = "Doc", deadline: date | None = None, doc_type: str = "report",
             language: str = "en", sub_questions: list[int] | None = None, **extra: Any) -> Evidence:
    return Evidence(n=n, chunk_id=f"00000000-0000-0000-0000-{n:012d}", doc_id=f"doc{n}", source=f"doc{n}.md",
                    title=title, text=text, score=1.0 / n, doc_type=doc_type, language=language, deadline=deadline,
                    sub_questions=sub_questions if sub_questions is not None else [0], **extra)


def hit(i: int, text: str, **payload: Any) -> Hit:
    return Hit(id=f"00000000-0000-0000-0000-{i:012d}", score=1.0 / (60 + i),
               payload={"text": text, "doc_id": f"d{i}", "source": f"d{i}.md", "title": f"Doc {i}", **payload})


class FakeStore:
    def __init__(self, points: int = 10) -> None:
        self.points = points
        self.counts: list[Any] = []

    def count(self, flt: Any = None) -> int:
        self.counts.append(flt)
        return self.points

    def retrieve(self, ids: Any, *, with_vectors: bool = False) -> list[Hit]:
        return []


class FakeSearcher:
    """Returns canned hits and records every search (query, filter)."""

    def __init__(self, hits: list[Hit] | None = None, *, languages: list[str] | None = None) -> None:
        self.hits = hits or []
        self.calls: list[tuple[str, Any]] = []
        self.store = FakeStore()
        self.languages = languages or ["de", "en"]

    def indexed_languages(self) -> list[str]:
        return self.languages

    def search_hits(self, query: str, *, k: int = 5, filter: Any = None, mode: str = "hybrid",
                    language: str | None = None) -> tuple[list[Hit], str]:
        self.calls.append((query, filter))
        return self.hits[:k], language or "en"
