"""Rule judge: one passage must carry places, intent and subject; other languages need dense similarity."""

from __future__ import annotations

from datetime import date

import numpy as np

from agents.judge import DENSE_OK, RuleJudge
from agents.planner import RulePlanner
from tests.agents.helpers import hit

TODAY = date(2026, 11, 25)


class _Sim:
    """Similarity stand-in: fixed cosines per chunk id."""

    def __init__(self, cosines: dict[str, float]) -> None:
        self.cosines = cosines

    def chunk_vectors(self, ids):
        return {i: np.array([self.cosines[i], np.sqrt(1 - self.cosines[i] ** 2)]) for i in ids if i in self.cosines}

    def query_vector(self, text):
        return np.array([1.0, 0.0])


def judge(question: str, hits, cosines=None):
    plan = RulePlanner().plan(question, today=TODAY)
    return RuleJudge(_Sim(cosines) if cosines else None).judge(plan.sub_questions[0], 0, 1, hits, plan=plan,
                                                              extra_terms=[], today=TODAY)


def test_subject_must_be_in_one_passage() -> None:
    hits = [hit(1, "Die Stadt Kisumu renaturiert das Dunga-Feuchtgebiet.", language="de"),
            hit(2, "Der Straßenbau in Nairobi kostet viel.", language="de")]
    assert not judge("Wie hoch ist das Budget der Stadt Kisumu für den Straßenbau 2026?", hits).answered
    answered = judge("Wie viele Hektar des Dunga-Feuchtgebiets renaturiert Kisumu?",
                     [hit(1, "Kisumu renaturiert acht Hektar des Dunga-Feuchtgebiets.", language="de")])
    assert answered.answered and answered.passage == 1


def test_all_named_places_must_be_in_the_same_passage() -> None:
    hits = [hit(1, "Cologne donated two fire engines to Kampala. Cebu joined the exchange.", language="en")]
    verdict = judge("How many fire engines did Hamburg donate to Cebu?", hits)
    assert not verdict.answered and "Hamburg" in verdict.reason


def test_a_region_in_the_question_binds_like_a_place() -> None:
    """Also on the researcher's last loop, which searches without the region filter: a close passage about
    another region does not answer a question about calls for Latin American cities."""
    q = "What is the application deadline of the call for cities in Latin America?"
    elsewhere = hit(1, "Call for cities: AI in local administration. Application deadline: 31 March 2026.",
                    language="en", regions=["Sub-Saharan Africa"])
    verdict = judge(q, [elsewhere])
    assert not verdict.answered and "Latin America" in verdict.reason
    by_payload = hit(2, "Call for cities: urban mobility. Application deadline: 31 March 2026.", language="en",
                     regions=["Latin America"])
    by_place = hit(3, "Call for cities such as Cuenca and Querétaro. Application deadline: 31 March 2026.",
                   language="en")
    assert judge(q, [by_payload]).answered and judge(q, [by_place]).answered


def test_deadline_question_needs_a_deadline_in_the_passage() -> None:
    q = "Wann endet die Bewerbungsfrist für den Lernprozess?"
    assert not judge(q, [hit(1, "Der Lernprozess startet mit einem Workshop.", language="de")]).answered
    assert judge(q, [hit(1, "Die Bewerbungsfrist für den Lernprozess endet am 15. Mai 2026.", language="de")]).answered


def test_other_language_passage_needs_dense_similarity_above_same_language_ones() -> None:
    q = "How many participants attended the kick-off in Kiel?"
    de = hit(1, "Am Auftakt in Kiel nahmen 32 Personen teil.", language="de")
    en = hit(2, "Kiel hosts a port.", language="en")
    assert judge(q, [de], {de.id: DENSE_OK + 0.02}).answered
    assert not judge(q, [de], {de.id: DENSE_OK - 0.05}).answered
    assert not judge(q, [de, en], {de.id: DENSE_OK + 0.01, en.id: DENSE_OK + 0.03}).answered


def test_results_of_a_future_event_are_not_in_the_documents() -> None:
    hits = [hit(1, "The 2027 meeting of the Green Corridors Network will take place in Curitiba from 21 to 23 "
                   "September 2027.", language="en")]
    verdict = judge("What were the results of the Green Corridors Network meeting in Curitiba in September 2027?", hits)
    assert not verdict.answered and "after today" in verdict.reason
