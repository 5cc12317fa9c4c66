"""Grounding check: planted false sentences are caught, faithful ones kept, expired deadlines marked."""

from __future__ import annotations

from datetime import date

import pytest

from agents.grounding import SIMILARITY_THRESHOLD, GroundingChecker, names_of, refusal_text
from agents.models import Sentence
from agents.similarity import Similarity
from core.embedders import get_embedder
from core.settings import Settings
from tests.agents.helpers import CALL_DE, FLOOD_REPORT, OLD_CALL_DE, evidence

TODAY = date(2026, 11, 25)


@pytest.fixture(scope="module")
def checker() -> GroundingChecker:
    return GroundingChecker(Similarity(get_embedder(Settings())))


@pytest.fixture
def passages():
    return [
        evidence(1, FLOOD_REPORT, title="Workshop report: Flood resilience in Kisumu"),
        evidence(2, CALL_DE, title="Aufruf: Naturbasierte Lösungen", doc_type="call", language="de",
                 deadline=date(2027, 2, 7)),
        evidence(3, OLD_CALL_DE, title="Aufruf Wasserverluste", doc_type="call", language="de",
                 deadline=date(2025, 3, 15)),
    ]


def check(checker: GroundingChecker, passages, text: str, citations: list[int], lang: str = "en"):
    return checker.check([Sentence(text=text, citations=citations)], passages, lang=lang)


def test_faithful_paraphrase_is_kept(checker, passages) -> None:
    result = check(checker, passages, "Delegations from Kisumu and Leipzig met in Kisumu from 12–14 May 2025 "
                   "to discuss flood early warning.", [1])
    assert len(result.kept) == 1 and not result.unsupported
    assert result.kept[0].similarity >= SIMILARITY_THRESHOLD


def test_german_date_forms_are_the_same_date(checker, passages) -> None:
    result = check(checker, passages, "Die Bewerbungsfrist endet am 07.02.2027.", [2], "de")
    assert result.kept, result.unsupported


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("Delegations from Kisumu and Leipzig met in Kisumu from 12–14 June 2025.", "date"),
        ("Die Bewerbungsfrist endet am 7. März 2027.", "date"),
        ("Delegations from Kisumu and Hamburg met in Kisumu in May 2025.", "place"),
        ("About 5,800 households were affected by the floods in 2024.", "number"),
        ("The partners agreed with Siemens to build a sensor network.", "name"),
    ],
)
def test_planted_false_sentence_is_removed_with_reason(checker, passages, text: str, reason: str) -> None:
    lang = "de" if "Bewerbungsfrist" in text else "en"
    cited = [2] if lang == "de" else [1]
    result = check(checker, passages, text, cited, lang)
    assert not result.kept
    assert len(result.unsupported) == 1 and reason in result.unsupported[0].reason


def test_uncited_and_unknown_citations_are_unsupported(checker, passages) -> None:
    assert check(checker, passages, "The partners met in Kisumu.", []).unsupported[0].reason == "no citation"
    assert "unknown" in check(checker, passages, "The partners met in Kisumu.", [9]).unsupported[0].reason


def test_off_topic_sentence_fails_semantic_similarity(checker, passages) -> None:
    result = check(checker, passages, "The weather was nice and everybody enjoyed the food.", [1])
    assert not result.kept and "similarity" in result.unsupported[0].reason


def test_sentence_with_city_of_another_passage_is_caught(checker, passages) -> None:
    # Leipzig is in passage 1 but the sentence cites only the German call.
    result = check(checker, passages, "Leipzig sucht naturbasierte Lösungen gegen Starkregen.", [2], "de")
    assert not result.kept and "Leipzig" in result.unsupported[0].reason


def test_expired_deadline_is_marked(checker, passages) -> None:
    kept = check(checker, passages, "Bewerbungen sind bis zum 15. März 2025 an die Servicestelle zu senden.", [3],
                 "de").kept
    GroundingChecker.mark_expired(kept, passages, today=TODAY, lang="de")
    assert kept[0].note == "Frist abgelaufen"
    assert kept[0].render().endswith("(Frist abgelaufen) [3].")
    open_call = check(checker, passages, "Die Bewerbungsfrist endet am 7. Februar 2027.", [2], "de").kept
    GroundingChecker.mark_expired(open_call, passages, today=TODAY, lang="de")
    assert open_call[0].note is None


def test_refusals_in_the_question_language() -> None:
    assert refusal_text("de") == "Dazu steht nichts in den vorliegenden Dokumenten."
    assert refusal_text("en") == "The documents do not say."
    assert refusal_text("fr") and refusal_text("ar") and refusal_text("es") == refusal_text("en")


def test_names_of_ignores_ordinary_german_nouns() -> None:
    assert names_of("Die Stadt plant einen Workshop zur Klimaanpassung.", "de") == []
    assert "Lena Brandt" in " ".join(names_of("Ansprechpartnerin ist Dr. Lena Brandt.", "de"))
    assert "Siemens" in names_of("The partners agreed with Siemens.", "en")


def test_facts_echoed_from_the_question_need_no_source(checker, passages) -> None:
    text = "Delegations from Kisumu and Leipzig met in Kisumu, as asked for the flood workshop of 2025."
    assert check(checker, passages, text, [1]).kept  # "2025" is in the passage anyway
    echo = "The contact for the meeting in February 2027 is in passage one."
    result = checker.check([Sentence(text=echo, citations=[1])], passages, lang="en",
                           question="Who is the contact for the meeting in February 2027?")
    assert not any("date" in u.reason for u in result.unsupported)
    plain = checker.check([Sentence(text=echo, citations=[1])], passages, lang="en")
    assert plain.unsupported and "date" in plain.unsupported[0].reason


def test_wrong_citation_number_is_repaired_only_to_a_shown_supporting_passage(checker, passages) -> None:
    sentence = "Die Bewerbungsfrist endet am 7. Februar 2027."
    result = checker.check([Sentence(text=sentence, citations=[1])], passages, lang="de", shown=[1, 2, 3])
    assert result.kept and result.kept[0].citations == [2] and result.repaired
    strict = checker.check([Sentence(text=sentence, citations=[1])], passages, lang="de")
    assert not strict.kept and strict.unsupported
    uncited = checker.check([Sentence(text=sentence, citations=[])], passages, lang="de", shown=[1, 2, 3])
    assert not uncited.kept and uncited.unsupported[0].reason == "no citation"


def test_sentence_that_only_restates_the_question_is_unsupported(checker, passages) -> None:
    question = "How many households in Kisumu were affected by the floods in 2024?"
    restated = Sentence(text="Households in Kisumu were affected by the floods in 2024.", citations=[1])
    result = checker.check([restated], passages, lang="en", question=question)
    assert not result.kept and "restates" in result.unsupported[0].reason
    answer = Sentence(text="About 4,800 households were affected by the floods in 2024.", citations=[1])
    assert checker.check([answer], passages, lang="en", question=question).kept
