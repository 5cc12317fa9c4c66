"""Planner rules: cue words in four languages become filters and output shapes."""

from __future__ import annotations

from datetime import date

import pytest

from agents.planner import RulePlanner

TODAY = date(2026, 11, 25)


@pytest.fixture(scope="module")
def planner() -> RulePlanner:
    return RulePlanner()


def first(planner: RulePlanner, question: str):
    plan = planner.plan(question, today=TODAY)
    return plan, plan.sub_questions[0].filters


@pytest.mark.parametrize(
    "question",
    [
        "Welche Ausschreibungen sind noch offen?",
        "Which calls for applications are still open?",
        "Quels appels à candidatures sont encore ouverts ?",
        "ما هي الدعوات لتقديم الطلبات المفتوحة حاليا؟",
    ],
)
def test_open_deadline_question_searches_open_calls(planner: RulePlanner, question: str) -> None:
    plan, filters = first(planner, question)
    assert "call" in filters.doc_type
    assert filters.open is True
    assert plan.shape == "list"


@pytest.mark.parametrize(
    "question",
    [
        "Bis wann kann man sich für den Lernprozess bewerben?",
        "What is the deadline for the learning process?",
        "Quelle est la date limite de candidature pour le processus d'apprentissage ?",
    ],
)
def test_deadline_question_goes_to_calls_without_open(planner: RulePlanner, question: str) -> None:
    plan, filters = first(planner, question)
    assert set(filters.doc_type) <= {"call", "invitation"} and filters.doc_type
    assert filters.open is None
    assert plan.shape == "answer"
    assert "deadline" in plan.sub_questions[0].intent


@pytest.mark.parametrize(
    "question",
    [
        "Welche Städte haben zu Klimaanpassung gearbeitet?",
        "Which cities worked on green hydrogen?",
        "Quelles villes travaillent sur l'hydrogène vert ?",
    ],
)
def test_which_cities_asks_for_a_list_of_places(planner: RulePlanner, question: str) -> None:
    plan, filters = first(planner, question)
    assert plan.shape == "list"
    assert plan.sub_questions[0].list_of == "places"
    assert not filters.place  # the places are the answer, not a constraint


def test_year_becomes_publication_year_filter(planner: RulePlanner) -> None:
    _, filters = first(planner, "Was wurde 2025 in Kisumu vereinbart?")
    assert filters.year == 2025
    assert filters.place == ["Kisumu"]


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Welche Berichte gibt es seit 2024?", {"year_from": 2024}),
        ("Reports published since 2024?", {"year_from": 2024}),
        ("Rapports depuis 2024 ?", {"year_from": 2024}),
        ("What happened last year in Mombasa?", {"year": 2025}),
        ("Was ist letztes Jahr in Mombasa passiert?", {"year": 2025}),
        ("Which cities in Kenya worked on flooding between 2023 and 2025?", {"year_from": 2023, "year_to": 2025}),
    ],
)
def test_time_spans(planner: RulePlanner, question: str, expected: dict[str, int]) -> None:
    _, filters = first(planner, question)
    active = filters.active()
    for key, value in expected.items():
        assert active[key] == value


def test_deadline_question_with_year_filters_deadlines_not_publication(planner: RulePlanner) -> None:
    _, filters = first(planner, "Welche Ausschreibungen haben 2026 eine Bewerbungsfrist?")
    assert filters.deadline_from == date(2026, 1, 1) and filters.deadline_to == date(2026, 12, 31)
    assert filters.year is None


def test_place_is_a_filter_only_in_constraining_position(planner: RulePlanner) -> None:
    _, in_kisumu = first(planner, "Welche Projekte gibt es in Kisumu?")
    assert in_kisumu.place == ["Kisumu"]
    plan, bare = first(planner, "Kisumu Hochwasser Frühwarnsystem")
    assert not bare.place and plan.places == ["Kisumu"]
    _, country = first(planner, "Which cities in Kenya worked on flooding?")
    assert country.place == ["Kenya"]
    # French elides "de": "la Commune d'Agadir", "les villes d'Amérique latine".
    _, agadir = first(planner, "Qui est l'interlocutrice de la Commune d'Agadir ?")
    assert agadir.place == ["Agadir"]
    _, region = first(planner, "Quelle est la date limite de l'appel pour les villes d'Amérique latine ?")
    assert region.region == ["Latin America"]


def test_compound_question_is_split_and_keeps_its_subject(planner: RulePlanner) -> None:
    plan = planner.plan("Wann endet die Frist für den Lernprozess und wer ist Ansprechpartnerin?", today=TODAY)
    assert len(plan.sub_questions) == 2
    deadline, contact = plan.sub_questions
    assert "deadline" in deadline.intent and deadline.filters.doc_type
    assert "contact" in contact.intent and "Lernprozess" in contact.text


def test_languages_detected(planner: RulePlanner) -> None:
    assert planner.plan("Welche Städte arbeiten zu Wasser?", today=TODAY).language == "de"
    assert planner.plan("Which cities work on water?", today=TODAY).language == "en"
    assert planner.plan("Quelles villes travaillent sur l'eau ?", today=TODAY).language == "fr"
    assert planner.plan("ما هي المدن التي تعمل على المياه؟", today=TODAY).language == "ar"


def test_factsheet_plan_has_one_sub_question_per_section(planner: RulePlanner) -> None:
    plan = planner.plan_factsheet("Klimaanpassung", today=TODAY)
    assert plan.shape == "factsheet" and plan.language == "de"
    assert [s.section for s in plan.sub_questions] == ["summary", "facts", "activities", "calls", "contacts"]
    calls = plan.sub_questions[3]
    assert set(calls.filters.doc_type) == {"call", "invitation"}
    assert all(s.filters.topic == ["climate-adaptation"] for s in plan.sub_questions)


@pytest.mark.parametrize(
    "question",
    [
        "Wie viele Haushalte waren bei den Überschwemmungen 2024 in Kisumu betroffen?",  # the flood's year
        "Welcher Bewerbungsschluss galt für den Partnerschaftsfonds Lokale Wirtschaftsentwicklung 2024?",  # a name
        "Auf welchen Wert sollen die Wasserverluste in Irbid bis 2027 sinken?",  # a target year
        "Where will the 2027 meeting of the Green Corridors Network take place?",  # qualifies a noun
    ],
)
def test_years_that_are_not_time_constraints_do_not_filter(planner: RulePlanner, question: str) -> None:
    _, filters = first(planner, question)
    assert not {k for k in filters.active() if k.startswith(("year", "deadline_", "published_"))}


def test_in_year_is_a_time_constraint(planner: RulePlanner) -> None:
    assert first(planner, "Which reports about Kisumu were written in 2025?")[1].year == 2025
    assert first(planner, "Quels ateliers ont eu lieu en 2024 ?")[1].year == 2024
