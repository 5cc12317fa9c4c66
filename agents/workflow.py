"""The agent pipeline as llama-index Workflows, and the :class:`Assistant` facade the API and CLI call.

``ask``:       StartEvent → plan → research → synthesize → ground → StopEvent(Answer)
``factsheet``: StartEvent → plan → research → write (synthesize + ground per section) → StopEvent(FactSheet)

Steps are ``async`` (the workflow runtime is asyncio) but the work inside them
(embedding, Qdrant, the LLM over HTTP) is blocking, so each step runs it in a
worker thread: an API event loop stays responsive, and ``on_event`` callbacks
(trace steps, LLM tokens) arrive while a step is still running, which is what
the API streams as server-sent events. The sync ``ask``/``factsheet`` wrappers
run the workflow on a private event loop.

With a model, the grounding step re-points a wrong citation number to the one
shown passage that supports the sentence, and replaces the model's answer by
the (verified) extractive one when the model's answer fails the check, declines
although the evidence answers, or lacks what the question asks for (a date, a
number, contact details, a list of places). ``Answer.fallback`` and the trace
say when that happened.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Coroutine, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal, TypeVar

from llama_index.core.workflow import Event, StartEvent, StopEvent, Workflow, step
from pydantic import ConfigDict

from agents.citations import build_citations, renumber
from agents.factsheet import FactSheetWriter
from agents.grounding import GroundingChecker, refusal_text
from agents.judge import LLMJudge, RuleJudge
from agents.models import AgentEvent, Answer, FactSheet, Plan, Sentence, Trace
from agents.planner import Planner, make_planner
from agents.researcher import Research, Researcher
from agents.scoring import SentenceScorer
from agents.similarity import Similarity
from agents.synthesizer import Draft, ExtractiveSynthesizer, LLMSynthesizer, Synthesizer, missing_intent
from core.llm import ChatLLM, get_chat_llm
from core.settings import Settings
from retrieval.hybrid import HybridSearcher

logger = logging.getLogger(__name__)

__all__ = ["DEFAULT_LLM_ROLES", "Agents", "AskWorkflow", "Assistant", "EventCallback", "FactSheetWorkflow", "LLMRole"]

EventCallback = Callable[[AgentEvent], None]
T = TypeVar("T")


# ------------------------------------------------------------------------------------------ state


@dataclass
class RunState:
    """Per-request inputs and the trace being built (travels with the events)."""

    question: str
    allowed: list[str] | None
    today: date
    on_event: EventCallback | None
    timings: dict[str, float] = field(default_factory=dict)
    started: float = field(default_factory=time.perf_counter)

    def __repr__(self) -> str:
        # The workflow runtime summarises every event with repr(); keep that cheap.
        return f"RunState({self.question[:60]!r})"

    def emit(self, event: AgentEvent) -> None:
        if self.on_event is None:
            return
        try:
            self.on_event(event)
        except Exception:
            logger.exception("on_event callback failed")

    def token(self, piece: str) -> None:
        self.emit(AgentEvent(kind="token", stage="synthesis", data={"text": piece}))

    async def timed(self, stage: str, fn: Callable[[], T]) -> T:
        t0 = time.perf_counter()
        try:
            return await asyncio.to_thread(fn)
        finally:
            self.timings[stage] = round(self.timings.get(stage, 0.0) + (time.perf_counter() - t0) * 1000, 1)


class _Ev(Event):
    model_config = ConfigDict(arbitrary_types_allowed=True)
    state: RunState


class AskStart(StartEvent):
    model_config = ConfigDict(arbitrary_types_allowed=True)
    state: RunState


class PlanEvent(_Ev):
    plan: Plan


class ResearchEvent(_Ev):
    plan: Plan
    research: Research


class DraftEvent(_Ev):
    plan: Plan
    research: Research
    draft: Draft


# ----------------------------------------------------------------------------------------- agents


LLMRole = Literal["planner", "judge", "synthesis"]
#: What a model does when one is configured. The planner calls it only for compound requests, the judge once
#: per search loop. With the packaged 1.5B model on a 2-core CPU each of those calls costs about as much as
#: the answer itself (measured: a compound question's plan took longer than its answer), while the rules
#: already plan these questions and refuse every unanswerable eval question; so ``local`` uses the model for
#: the answer only (bench/results/answers.md). Pass ``llm_roles`` to change that.
DEFAULT_LLM_ROLES: dict[str, tuple[LLMRole, ...]] = {
    "local": ("synthesis",),
    "openai": ("planner", "judge", "synthesis"),
}
ALL_LLM_ROLES: tuple[LLMRole, ...] = ("planner", "judge", "synthesis")


class Agents:
    """The pipeline's components, built once per :class:`Assistant` and shared by its workflows.

    ``llm_roles`` picks where the model is used; the rules (planner, judge) and the extractive
    synthesizer take over the others, so the pipeline also runs with no model at all.
    """

    def __init__(self, settings: Settings, searcher: HybridSearcher, llm: ChatLLM | None,
                 llm_roles: Sequence[LLMRole] | None = None) -> None:
        if llm is None:
            roles: set[str] = set()
        else:
            roles = set(llm_roles if llm_roles is not None else DEFAULT_LLM_ROLES.get(llm.backend, ALL_LLM_ROLES))
        self.llm_roles = sorted(roles)
        # Loops and sentence scoring re-embed the same questions: the embedder's query cache
        # (CCASSIST_EMBED_QUERY_CACHE) serves the repeats.
        self.searcher = searcher
        self.similarity = Similarity(searcher.embedder, searcher.store)
        self.llm = llm
        self.backend = llm.backend if llm is not None else "extractive"
        self.planner: Planner = make_planner(llm if "planner" in roles else None)
        rules = RuleJudge(self.similarity)
        judge = LLMJudge(llm, rules) if llm is not None and "judge" in roles else rules
        self.researcher = Researcher(settings, self.searcher, judge=judge)
        scorer = SentenceScorer(self.similarity)
        self.extractive = ExtractiveSynthesizer(scorer)
        self.synthesizer: Synthesizer = (
            LLMSynthesizer(llm, self.extractive, prompt_chars=settings.llm_prompt_chars,
                           max_tokens=min(settings.llm_max_tokens, 200))
            if llm is not None and "synthesis" in roles else self.extractive
        )
        self.grounding = GroundingChecker(self.similarity)
        self.factsheets = FactSheetWriter(self.extractive, self.grounding, llm=llm if "synthesis" in roles else None,
                                          backend=self.backend)


def _trace(plan: Plan, research: Research, state: RunState) -> Trace:
    return Trace(
        plan=plan,
        searches=research.searches,
        judgements=research.judgements,
        evidence=[
            {"n": e.n, "chunk_id": e.chunk_id, "doc_id": e.doc_id, "source": e.source, "title": e.title,
             "score": e.score, "sub_questions": e.sub_questions, "doc_type": e.doc_type,
             "deadline": e.deadline.isoformat() if e.deadline else None, "flags": e.flags}
            for e in research.evidence
        ],
        loops=research.loops,
        flagged=research.flagged,
        timings_ms=dict(state.timings),
    )


# --------------------------------------------------------------------------------------- workflows


class _Pipeline(Workflow):
    """Plan and research steps shared by both workflows."""

    def __init__(self, agents: Agents, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.agents = agents

    async def _plan(self, state: RunState, factsheet: bool) -> Plan:
        planner = self.agents.planner
        if factsheet:
            plan = await state.timed("planner", lambda: planner.plan_factsheet(state.question, today=state.today))
        else:
            plan = await state.timed("planner", lambda: planner.plan(state.question, today=state.today))
        state.emit(AgentEvent(kind="plan", stage="planner", data=plan.model_dump(mode="json")))
        return plan

    async def _research(self, state: RunState, plan: Plan) -> Research:
        research = await state.timed(
            "search",
            lambda: self.agents.researcher.research(plan, allowed_visibility=state.allowed, today=state.today,
                                                    emit=state.emit),
        )
        state.emit(AgentEvent(kind="evidence", stage="research", data={
            "evidence": [{"n": e.n, "source": e.source, "title": e.title, "score": e.score} for e in research.evidence],
            "answered": {str(k): v for k, v in research.answered.items()},
            "flagged": [f.model_dump(mode="json") for f in research.flagged],
        }))
        return research


class AskWorkflow(_Pipeline):
    """planner → researcher → synthesizer → grounding check."""

    @step
    async def plan(self, ev: AskStart) -> PlanEvent:
        return PlanEvent(state=ev.state, plan=await self._plan(ev.state, factsheet=False))

    @step
    async def research(self, ev: PlanEvent) -> ResearchEvent:
        return ResearchEvent(state=ev.state, plan=ev.plan, research=await self._research(ev.state, ev.plan))

    @step
    async def synthesize(self, ev: ResearchEvent) -> DraftEvent:
        state = ev.state
        draft = await state.timed(
            "synthesis",
            lambda: self.agents.synthesizer.synthesize(state.question, ev.plan, ev.research, on_token=state.token),
        )
        state.emit(AgentEvent(kind="synthesis", stage="synthesis", data={
            "refused": draft.refused, "sentences": [s.model_dump() for s in draft.sentences], "raw": draft.raw}))
        return DraftEvent(state=state, plan=ev.plan, research=ev.research, draft=draft)

    @step
    async def ground(self, ev: DraftEvent) -> StopEvent:
        state = ev.state
        answer = await state.timed("grounding", lambda: self._answer(ev))
        state.timings["total"] = round((time.perf_counter() - state.started) * 1000, 1)
        answer.trace.timings_ms = dict(state.timings)
        state.emit(AgentEvent(kind="done", stage="grounding", data={"grounded": answer.grounded,
                                                                    "refused": answer.refused}))
        return StopEvent(result=answer)

    def _answer(self, ev: DraftEvent) -> Answer:
        state, plan, research, draft = ev.state, ev.plan, ev.research, ev.draft
        lang = plan.language
        grounding = self.agents.grounding
        checked = grounding.check(draft.sentences, research.evidence, lang=lang, question=state.question,
                                  shown=draft.shown)
        kept, unsupported = checked.kept, list(checked.unsupported)
        fallback = self._fallback_reason(draft, kept, research, plan)
        if fallback:
            # The model's answer cannot be shown as it is; the verified extractive answer can.
            rechecked = grounding.check(draft.extractive, research.evidence, lang=lang, question=state.question)
            if rechecked.kept:
                kept, unsupported = rechecked.kept, unsupported + rechecked.unsupported
            else:
                fallback = None
        deadline_question = any("deadline" in s.intent for s in plan.sub_questions)
        grounding.mark_expired(kept, research.evidence, today=state.today, lang=lang,
                               deadline_question=deadline_question)
        state.emit(AgentEvent(kind="grounding", stage="grounding", data={
            "kept": len(kept), "unsupported": [u.model_dump() for u in unsupported], "fallback": fallback,
            "repaired": checked.repaired}))
        trace = _trace(plan, research, state)
        trace.notes += [f"citation corrected {r}" for r in checked.repaired]
        if fallback:
            trace.notes.append(f"extractive answer used: the model's answer {fallback}")
        if draft.refused and not fallback:
            trace.notes.append("no answer in the evidence" if not research.any_answered else "the model declined")
        if not kept:
            return Answer(question=state.question, answer=refusal_text(lang), grounded=not unsupported,
                          unsupported=unsupported, backend=self.agents.backend, language=lang, refused=True,
                          trace=trace)
        mapping = renumber([kept])
        citations = build_citations(mapping, research.evidence, kept, today=state.today)
        joiner = "\n" if plan.shape == "list" and len(kept) > 1 else " "
        prefix = "- " if joiner == "\n" else ""
        text = joiner.join(prefix + s.render() for s in kept)
        return Answer(question=state.question, answer=text, citations=citations, grounded=not unsupported,
                      unsupported=unsupported, backend=self.agents.backend, language=lang, sentences=kept,
                      fallback=fallback, trace=trace)

    def _fallback_reason(self, draft: Draft, kept: list[Sentence], research: Research, plan: Plan) -> str | None:
        """Why a model's grounded draft should give way to the extractive answer (None: keep the model's)."""
        if self.agents.synthesizer is self.agents.extractive or not research.any_answered:
            return None
        if draft.refused:
            return "declined although the evidence was judged to answer"
        if not kept:
            return "failed the grounding check"
        missing = missing_intent(kept, plan, {e.n: f"{e.title}\n{e.text}" for e in research.evidence})
        return f"lacked what the question asks for ({missing})" if missing else None


class FactSheetWorkflow(_Pipeline):
    """planner (sections) → researcher → fact-sheet writer (synthesis + grounding per section)."""

    @step
    async def plan(self, ev: AskStart) -> PlanEvent:
        return PlanEvent(state=ev.state, plan=await self._plan(ev.state, factsheet=True))

    @step
    async def research(self, ev: PlanEvent) -> ResearchEvent:
        return ResearchEvent(state=ev.state, plan=ev.plan, research=await self._research(ev.state, ev.plan))

    @step
    async def write(self, ev: ResearchEvent) -> StopEvent:
        state = ev.state
        sheet = await state.timed(
            "synthesis",
            lambda: self.agents.factsheets.write(state.question, ev.plan, ev.research, today=state.today,
                                                 on_token=state.token),
        )
        state.timings["total"] = round((time.perf_counter() - state.started) * 1000, 1)
        trace = _trace(ev.plan, ev.research, state)
        trace.notes += sheet.trace.notes
        sheet.trace = trace
        state.emit(AgentEvent(kind="done", stage="synthesis", data={"grounded": sheet.grounded}))
        return StopEvent(result=sheet)


# ------------------------------------------------------------------------------------------ facade


def _run_sync(make: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run a coroutine to completion from sync code, also when the caller is inside an event loop."""
    try:
        running: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    if running is None:
        return asyncio.run(make())
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(make())).result()


class Assistant:
    """Cited answers and fact sheets over one index.

    Args:
        settings: ccassist settings (``llm`` picks the backend, ``max_search_loops`` the research budget).
        searcher: the hybrid searcher of the index (its store and embedder are reused).
        llm: a chat client to use instead of the one ``settings.llm`` names (tests, custom servers).
        llm_roles: where a configured model is used: planner, judge, synthesis (default: per backend,
            see :data:`DEFAULT_LLM_ROLES`).
    """

    def __init__(self, settings: Settings, searcher: HybridSearcher, llm: ChatLLM | None = None, *,
                 llm_roles: Sequence[LLMRole] | None = None) -> None:
        self.settings = settings
        if llm is None:
            llm = get_chat_llm(settings)
        self.agents = Agents(settings, searcher, llm, llm_roles)
        timeout = max(60.0, settings.llm_timeout_s * 4) if llm is not None else 120.0
        self._ask = AskWorkflow(self.agents, timeout=timeout)
        self._factsheet = FactSheetWorkflow(self.agents, timeout=timeout * 2)

    @property
    def backend(self) -> str:
        return self.agents.backend

    def _state(self, question: str, allowed: Sequence[str] | None, today: date | None,
               on_event: EventCallback | None) -> RunState:
        return RunState(question=question.strip(), allowed=list(allowed) if allowed is not None else None,
                        today=today or date.today(), on_event=on_event)

    async def aask(self, question: str, *, allowed_visibility: Sequence[str] | None = None, today: date | None = None,
                   on_event: EventCallback | None = None) -> Answer:
        """Async :meth:`ask` (for the API's event loop)."""
        state = self._state(question, allowed_visibility, today, on_event)
        return await self._ask.run(start_event=AskStart(state=state))

    def ask(self, question: str, *, allowed_visibility: Sequence[str] | None = None, today: date | None = None,
            on_event: EventCallback | None = None) -> Answer:
        """Answer ``question`` from the documents the caller may see, every sentence cited and grounded.

        Args:
            question: the question, in any language; the answer uses the same language.
            allowed_visibility: the caller's visibility tier (``None`` = unrestricted); enforced in every search.
            today: the date deadlines are compared with (default: today).
            on_event: receives trace steps and, for LLM backends, answer tokens as they are produced.
        """
        return _run_sync(lambda: self.aask(question, allowed_visibility=allowed_visibility, today=today,
                                           on_event=on_event))

    async def afactsheet(self, topic: str, *, allowed_visibility: Sequence[str] | None = None,
                         today: date | None = None, on_event: EventCallback | None = None) -> FactSheet:
        """Async :meth:`factsheet`."""
        state = self._state(topic, allowed_visibility, today, on_event)
        return await self._factsheet.run(start_event=AskStart(state=state))

    def factsheet(self, topic: str, *, allowed_visibility: Sequence[str] | None = None, today: date | None = None,
                  on_event: EventCallback | None = None) -> FactSheet:
        """A fact sheet on ``topic`` (a theme, city or partnership) with cited, grounded sentences per section."""
        return _run_sync(lambda: self.afactsheet(topic, allowed_visibility=allowed_visibility, today=today,
                                                 on_event=on_event))
