"""List-of-places questions: the answer names every place of the list, also when the list spans two chunks."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from agents.judge import RuleJudge
from agents.planner import RulePlanner
from agents.researcher import Researcher
from api.services import Services
from core.filters import Filter, Match, MatchAny, Range
from core.store import Hit
from tests.agents.helpers import FakeSearcher, FakeStore, hit
from tests.conftest import make_settings

TODAY = date(2026, 11, 25)
PARTNERS = ["Irbid", "Kisumu", "Mombasa", "Da Nang", "Saint-Louis", "Cuenca"]
SELECTION = """---
visibility: public
---
# Bericht: Auswahl für den Lernprozess Wasserverluste

Veröffentlicht am 3. Juli 2026

## Ausgewählte Tandems

Auf den Aufruf sind elf Bewerbungen eingegangen. Die Jury hat im Juni 2026 sechs Tandems für den Lernprozess
Wasserverluste ausgewählt:

- Jena – Irbid (Jordanien): Lecksuche mit akustischen Geräten im Altstadtnetz und Schulung von Technikerinnen
- Bonn – Kisumu (Kenia): Zonierung des Leitungsnetzes und neue Wasserzähler für Großkunden in der Innenstadt
- Hamburg – Mombasa (Kenia): Druckmanagement in höher gelegenen Stadtteilen und Erneuerung alter Hausanschlüsse
- Leipzig – Da Nang (Vietnam): digitale Netzkarte und Messung der Verluste in zwei Pilotzonen am Flussufer
- Kiel – Saint-Louis (Senegal): Reparaturtrupps und ein Meldesystem für Rohrbrüche über das Mobiltelefon
- Freiburg – Cuenca (Ecuador): Sanierung der Zuleitung aus dem Bergland und Ausbildung lokaler Fachkräfte

Der Auftakt findet im September 2026 online statt.
"""
CALL = """---
visibility: public
---
# Aufruf: Lernprozess Wasserverluste in Partnerstädten

Veröffentlicht am 2. März 2026

Die Servicestelle ruft kommunale Partnerschaften auf, sich für den Lernprozess Wasserverluste zu bewerben.
Gefördert werden bis zu sechs Tandems. Die Erfahrungen aus Irbid fließen in den Lernprozess ein.
"""


@pytest.fixture(scope="module")
def services(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Services]:
    """A small index whose chunks are short enough that the list of tandems is cut in two."""
    root = tmp_path_factory.mktemp("lists")
    docs = root / "docs"
    docs.mkdir()
    (docs / "auswahl-tandems.md").write_text(SELECTION, encoding="utf-8")
    (docs / "aufruf-wasserverluste.md").write_text(CALL, encoding="utf-8")
    svc = Services(make_settings(root, chunk_size=110, chunk_overlap=10))
    report = svc.ingest([str(docs)])
    assert report.indexed == 2 and not report.failed, report
    yield svc
    svc.close()


def test_fixture_list_spans_a_chunk_boundary(services: Services) -> None:
    chunks = [h for h in services.store.iter_all() if h.payload.get("heading") == "Ausgewählte Tandems"]
    assert len(chunks) >= 2
    assert not any(all(p in h.payload["text"] for p in PARTNERS) for h in chunks)


@pytest.mark.parametrize("question", [
    "Welche Partnerstädte sind mit ihren Tandems im Lernprozess Wasserverluste dabei?",
    "Which partner cities take part in the learning process on water losses with their tandems?",
])
def test_list_answer_names_every_place_of_a_list_cut_by_the_chunker(services: Services, question: str) -> None:
    answer = services.ask(question, allowed_visibility=["public"], today=TODAY)
    assert not answer.refused and answer.grounded and not answer.unsupported
    missing = [p for p in PARTNERS if p not in answer.answer]
    assert not missing, answer.answer
    assert all(s.citations for s in answer.sentences)


# ------------------------------------------------------------------------------ researcher, no index

LIST_START = ("Die Jury hat im Juni 2026 sechs Tandems ausgewählt:\n\n- Jena – Irbid (Jordanien): Lecksuche\n"
              "- Bonn – Kisumu (Kenia): Zonierung des Leitungsnetzes und neue Wasserzähler für")
LIST_REST = ("Wasserzähler für Großkunden\n- Hamburg – Mombasa (Kenia): Druckmanagement\n"
             "- Kiel – Saint-Louis (Senegal): Reparaturtrupps\n- Freiburg – Cuenca (Ecuador): Zuleitung")


def _conditions(flt: Filter | None) -> list[object]:
    out: list[object] = []
    stack = [flt] if flt is not None else []
    while stack:
        for cond in stack.pop().must:
            (stack if isinstance(cond, Filter) else out).append(cond)
    return out


class ChunkStore(FakeStore):
    """Serves one document's chunks by ``chunk_index`` and records every scroll filter."""

    def __init__(self, chunks: list[Hit]) -> None:
        super().__init__()
        self.chunks = chunks
        self.scrolls: list[Filter | None] = []

    def scroll(self, *, filter: Filter | None = None, limit: int = 100, offset: object = None,
               with_vectors: bool = False) -> tuple[list[Hit], None]:
        self.scrolls.append(filter)
        span = next(c for c in _conditions(filter) if isinstance(c, Range) and c.key == "chunk_index")
        assert span.gte is not None and span.lte is not None
        return [c for c in self.chunks if span.gte <= c.payload["chunk_index"] <= span.lte][:limit], None


def test_researcher_adds_the_chunk_that_continues_a_cut_list(tmp_path: Path) -> None:
    section = {"doc_id": "sel", "heading": "Ausgewählte Tandems"}
    found = hit(1, LIST_START, chunk_index=1, **section)
    searcher = FakeSearcher([found, hit(2, "Die Servicestelle ruft Partnerschaften zur Bewerbung auf.")])
    searcher.store = ChunkStore([
        hit(10, "Veröffentlicht am 3. Juli 2026\n- Bericht: Auswahl", chunk_index=0, doc_id="sel", heading="Bericht"),
        found,
        hit(12, LIST_REST, chunk_index=2, **section),
    ])
    researcher = Researcher(make_settings(tmp_path), searcher, judge=RuleJudge())  # type: ignore[arg-type]
    plan = RulePlanner().plan("Welche Partnerstädte sind im Lernprozess Wasserverluste dabei?", today=TODAY)
    assert plan.sub_questions[0].shape == "list"
    research = researcher.research(plan, allowed_visibility=["public"], today=TODAY)
    texts = [e.text for e in research.evidence]
    assert LIST_REST in texts  # the rest of the list, right after its start
    assert texts.index(LIST_REST) == texts.index(LIST_START) + 1
    assert not any(t.startswith("Veröffentlicht") for t in texts)  # the neighbour in another section
    assert searcher.store.scrolls
    for flt in searcher.store.scrolls:  # visibility and document inside the store query
        conditions = _conditions(flt)
        assert MatchAny("visibility", ("public",)) in conditions and Match("doc_id", "sel") in conditions


def test_a_list_continuation_the_search_ranked_low_moves_up_to_its_list(tmp_path: Path) -> None:
    """The rest of a cut list found by the search itself, below unrelated passages, still follows its start."""
    section = {"doc_id": "sel", "heading": "Ausgewählte Tandems"}
    found = hit(1, LIST_START, chunk_index=1, **section)
    rest = hit(12, LIST_REST, chunk_index=2, **section)
    searcher = FakeSearcher([
        found, hit(2, "Die Servicestelle ruft Partnerschaften zur Bewerbung auf."),
        hit(3, "Die Erfahrungen aus Irbid fließen in den Lernprozess ein."), rest,
    ])
    searcher.store = ChunkStore([found, rest])
    researcher = Researcher(make_settings(tmp_path), searcher, judge=RuleJudge())  # type: ignore[arg-type]
    plan = RulePlanner().plan("Welche Partnerstädte sind im Lernprozess Wasserverluste dabei?", today=TODAY)
    research = researcher.research(plan, allowed_visibility=["public"], today=TODAY)
    texts = [e.text for e in research.evidence]
    assert texts.index(LIST_REST) == texts.index(LIST_START) + 1
