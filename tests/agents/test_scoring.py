"""Sentence scoring: what a "how many" question counts is matched across languages."""

from __future__ import annotations

from agents.scoring import SentenceScorer, counted
from tests.agents.helpers import evidence


def test_counted_kinds_after_numbers_in_any_language() -> None:
    assert counted("How many participants attended?") == {"people"}
    assert counted("32 Teilnehmende aus sechs Städten kamen zusammen.", after_number=True) == {"people"}
    assert counted("eine Straße mit 140 neuen Bäumen", after_number=True) == {"trees"}
    assert counted("Die Teilnehmenden trafen sich 2025.", after_number=True) == set()


def test_how_many_question_prefers_the_sentence_counting_what_it_asks_for() -> None:
    scorer = SentenceScorer()
    items = [
        evidence(1, "Beim Auftakt in Kiel wurden 30 Megawatt Elektrolyse vorgestellt.", language="de"),
        evidence(2, "Beim Auftakt in Kiel kamen 32 Teilnehmende zusammen.", language="de"),
    ]
    candidates = scorer.candidates(items)
    scorer.score_lexical(candidates, "How many participants attended the kick-off in Kiel?", intent=["howmuch"])
    best = max(candidates, key=lambda c: c.lexical)
    assert "32 Teilnehmende" in best.text


def test_a_compound_questions_head_noun_counts_in_a_sentence_as_the_judge_counts_it() -> None:
    """"Wasserverluste" in the question, "Verluste" in the answering sentence: a half match, not none."""
    scorer = SentenceScorer()
    items = [  # the answering sentence comes second: without the half match a tie goes to the first
        evidence(1, "Ziel ist es, den Anteil der Solardächer bis 2027 auf 30 Prozent zu erhöhen.", language="de"),
        evidence(2, "Ziel ist es, die Verluste bis 2027 auf 30 Prozent zu senken.", language="de"),
    ]
    candidates = scorer.candidates(items)
    scorer.score_lexical(candidates, "Auf welchen Wert sollen die Wasserverluste bis 2027 sinken?", intent=["howmuch"])
    by_text = {c.text: c.lexical for c in candidates}
    assert by_text[items[1].text] > by_text[items[0].text]
