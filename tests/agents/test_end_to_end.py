"""The extractive pipeline end to end on a small real index (ingest → Qdrant Edge → agents), and the CLI."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agents.models import AgentEvent
from api.cli import app
from api.services import Services
from tests.agents.helpers import indexed_services

TODAY = date(2026, 11, 25)

@pytest.fixture(scope="module")
def services(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Services]:
    svc = indexed_services(tmp_path_factory.mktemp("e2e"))
    yield svc
    svc.close()


def test_deadline_answer_is_cited_grounded_and_marks_the_expired_deadline(services: Services) -> None:
    events: list[AgentEvent] = []
    answer = services.ask("Bis wann kann man sich für den Lernprozess Wasserverluste bewerben?", today=TODAY,
                          on_event=events.append)
    data = answer.model_dump(mode="json")
    assert {"question", "answer", "citations", "grounded", "unsupported", "backend"} <= set(data)
    assert {"n", "doc_id", "source", "title", "quote"} <= set(data["citations"][0])
    assert answer.backend == "extractive" and answer.grounded and not answer.refused
    assert "15. Mai 2026" in answer.answer and "(Frist abgelaufen)" in answer.answer
    assert answer.citations[0].source.endswith("aufruf-lernprozess.md") and answer.citations[0].expired
    assert all(s.citations for s in answer.sentences)
    trace = answer.trace
    assert trace.plan and trace.plan.sub_questions[0].filters.doc_type
    assert trace.searches and trace.searches[0].hits > 0
    assert set(trace.timings_ms) >= {"planner", "search", "synthesis", "grounding", "total"}
    assert events[0].kind == "plan" and events[-1].kind == "done"


def test_same_deadline_is_open_before_it_passes(services: Services) -> None:
    answer = services.ask("Bis wann kann man sich für den Lernprozess Wasserverluste bewerben?", today=date(2026, 4, 1))
    assert "15. Mai 2026" in answer.answer and "abgelaufen" not in answer.answer


def test_english_question_over_english_report(services: Services) -> None:
    answer = services.ask("How many participants met in Kisumu in May 2025?", today=TODAY)
    assert "41 participants" in answer.answer and answer.language == "en"


@pytest.mark.parametrize(
    ("question", "refusal"),
    [
        ("Wie hoch ist das Budget der Stadt Lima für den Straßenbau?", "Dazu steht nichts in den vorliegenden Dokumenten."),
        ("Who is the mayor of Windhoek?", "The documents do not say."),
    ],
)
def test_unanswerable_question_is_refused_in_its_language(services: Services, question: str, refusal: str) -> None:
    answer = services.ask(question, today=TODAY)
    assert answer.refused and answer.answer == refusal
    assert answer.grounded and not answer.citations


def test_visibility_is_enforced_in_the_search(services: Services) -> None:
    question = "Auf welchen Betrag erhöht die Lenkungsgruppe das Budget für Wasserstoffprojekte in Kiel?"
    public = services.ask(question, allowed_visibility=["public"], today=TODAY)
    assert public.refused and "80.000" not in public.answer
    assert all(s.hits == 0 or s.filters is not None for s in public.trace.searches)
    staff = services.ask(question, today=TODAY)
    assert "80.000 Euro" in staff.answer


def test_injected_instructions_are_flagged_and_not_followed(services: Services) -> None:
    answer = services.ask("Wie viele Bäume hat der Schattenkorridor in Amman?", today=TODAY)
    assert "140" in answer.answer and "HACKED" not in answer.answer
    assert answer.trace.flagged and {"ignore-instructions", "fake-citation"} <= set(answer.trace.flagged[0].patterns)
    assert "[3]" not in answer.answer  # the passage's fake marker never becomes a citation


def test_factsheet_sections_are_grounded(services: Services) -> None:
    sheet = services.factsheet("Wasserverluste", today=TODAY)
    data = sheet.model_dump(mode="json")
    assert {"topic", "sections", "citations", "markdown"} <= set(data)
    keys = [s.key for s in sheet.sections]
    assert keys == ["summary", "facts", "activities", "calls", "contacts", "sources"]
    calls = next(s for s in sheet.sections if s.key == "calls")
    assert any("15. Mai 2026" in s.text and s.note == "Frist abgelaufen" for s in calls.sentences)
    contacts = next(s for s in sheet.sections if s.key == "contacts")
    assert any("lena.brandt@example.org" in s.text for s in contacts.sentences)
    assert all(s.citations for sec in sheet.sections for s in sec.sentences)
    assert sheet.markdown.startswith("# Faktenblatt: Wasserverluste")


def test_model_answer_that_fails_grounding_gives_way_to_the_extractive_answer(services: Services) -> None:
    from agents.workflow import Assistant
    from tests.agents.helpers import FakeLLM

    question = "Bis wann kann man sich für den Lernprozess Wasserverluste bewerben?"
    wrong = FakeLLM(text="Die Bewerbungsfrist endet am 30. Juni 2026 [1].")
    answer = Assistant(services.settings, services.searcher, llm=wrong, llm_roles=("synthesis",)).ask(question,
                                                                                                    today=TODAY)
    assert answer.backend == "fake" and answer.fallback and "grounding" in answer.fallback
    assert "15. Mai 2026" in answer.answer and "30. Juni" not in answer.answer
    assert answer.unsupported and "date" in answer.unsupported[0].reason and not answer.grounded

    right = FakeLLM(text="Bewerbungen sind bis zum 15. Mai 2026 möglich [1].")
    answer = Assistant(services.settings, services.searcher, llm=right, llm_roles=("synthesis",)).ask(question,
                                                                                                    today=TODAY)
    assert answer.fallback is None and answer.grounded
    assert answer.answer.startswith("Bewerbungen sind bis zum 15. Mai 2026 möglich (Frist abgelaufen) [1]")


def test_cli_ask_and_factsheet_json(services: Services, tmp_path: Path) -> None:
    """Last in this module: the CLI needs the embedded index, so the fixture's services let go of it."""
    index = services.settings.index_path
    services.close()  # the CLI opens the embedded index itself (one process at a time)
    runner = CliRunner()
    result = runner.invoke(app, ["ask", "Bis wann kann man sich für den Lernprozess Wasserverluste bewerben?",
                                 "--index", str(index), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["backend"] == "extractive" and data["citations"] and "15. Mai 2026" in data["answer"]
    out = tmp_path / "sheet.docx"
    result = runner.invoke(app, ["factsheet", "Wasserverluste", "--format", "docx", "--out", str(out),
                                 "--index", str(index), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["file"] == str(out) and out.stat().st_size > 0 and data["markdown"]
