"""Chat: questions to the material, answers streamed in with citations and the way they were made."""

from __future__ import annotations

import time
from typing import Any

import streamlit as st

from ui.chrome import client, show_error, tr
from ui.client import ApiError, EndpointMissing
from ui.components import render_answer
from ui.models import Answer
from ui.render import esc, text_dir

_HISTORY = "chat_history"
_PENDING = "chat_pending"


def step_label(stage: str, data: dict[str, Any]) -> str:
    """A one-line, translated description of a trace step of the answer stream."""
    if stage == "plan":
        subs = data.get("sub_questions") or (data.get("plan") or {}).get("sub_questions") or []
        return tr("chat.step.plan", n=len(subs) or data.get("n", 1))
    if stage == "search":
        query = str(data.get("query", ""))
        return tr("chat.step.search", q=query[:80], hits=data.get("hits", "?"))
    if stage == "judgement":
        return tr("chat.step.judgement", ok="✓" if data.get("answered") else "…")
    if stage == "evidence":
        n = data.get("n") or data.get("count") or len(data.get("evidence") or data.get("items") or [])
        return tr("chat.step.evidence", n=n)
    if stage == "synthesis":
        return tr("chat.step.synthesis")
    if stage == "grounding":
        return tr("chat.step.grounding")
    if stage in ("done", "token"):
        return ""
    text = data.get("message") or data.get("text") or ""
    return f"{stage}: {text}" if text else stage


def _history() -> list[dict[str, Any]]:
    return st.session_state.setdefault(_HISTORY, [])


def _pick_example() -> None:
    choice = st.session_state.get("chat_example")
    if choice:
        st.session_state[_PENDING] = choice
    st.session_state["chat_example"] = None


def _render_message(i: int, message: dict[str, Any]) -> None:
    with st.chat_message(message["role"]):
        if message["role"] == "user":
            st.markdown(f'<div{text_dir(message["text"])}>{esc(message["text"])}</div>', unsafe_allow_html=True)
        elif message.get("error"):
            st.error(message["error"], icon=":material/error:")
        else:
            render_answer(Answer.model_validate(message["answer"]), key=f"m{i}", steps=message.get("steps", ()))


def _ask(question: str, index: int) -> dict[str, Any]:
    """Stream one answer into the page; returns the history entry."""
    api = client()
    steps: list[str] = []
    started = time.monotonic()
    with st.chat_message("assistant"):
        status = st.status(tr("chat.thinking"), expanded=False)
        live = st.empty()
        tokens: list[str] = []
        answer: Answer | None = None
        try:
            try:
                for event in api.ask_stream(question):
                    if event.kind == "trace":
                        label = step_label(event.stage, event.data or {})
                        if not label:
                            continue
                        steps.append(label)
                        status.update(label=label)
                        status.write(label)
                    elif event.kind == "token":
                        tokens.append(event.text)
                        text = "".join(tokens)
                        live.markdown(f'<div class="cc-answer"{text_dir(text)}>{esc(text)} ▌</div>',
                                      unsafe_allow_html=True)
                    elif event.kind == "error":
                        raise ApiError(500, event.text)
                    elif event.kind == "answer":
                        answer = event.answer
            except EndpointMissing:
                raise
            except ApiError as exc:
                if exc.status not in (400, 422) or answer is not None:
                    raise
                status.write(tr("chat.no_stream"))  # an API whose /ask does not take stream=true
                answer = api.ask(question)
            if answer is None:
                raise ApiError(500, "the answer stream ended without an answer")
        except ApiError as exc:
            status.update(label=tr("chat.failed"), state="error")
            live.empty()
            show_error(exc, what="POST /ask")
            return {"role": "assistant", "error": exc.message if not isinstance(exc, EndpointMissing)
                    else tr("common.not_available", what="POST /ask"), "question": question}
        seconds = time.monotonic() - started
        status.update(label=tr("chat.done", s=f"{seconds:.1f}"), state="complete")
        live.empty()
        render_answer(answer, key=f"m{index}", steps=steps)
    return {"role": "assistant", "answer": answer.model_dump(mode="json"), "steps": steps, "seconds": seconds}


def render() -> None:
    history = _history()
    head, tools = st.columns([4, 1], vertical_alignment="bottom")
    head.title(tr("chat.title"))
    if history and tools.button(tr("chat.clear"), icon=":material/restart_alt:", width="stretch"):
        history.clear()
        st.rerun()
    question = st.chat_input(tr("chat.placeholder"), key="chat_input") or st.session_state.pop(_PENDING, None)
    question = str(question or "").strip()
    if not history and not question:
        st.caption(tr("chat.intro"))
        st.pills(tr("chat.examples"), [tr(f"chat.example.{i}") for i in (1, 2, 3)], key="chat_example",
                 on_change=_pick_example)
    for i, message in enumerate(history):
        _render_message(i, message)
    if not question:
        return
    history.append({"role": "user", "text": question})
    _render_message(len(history) - 1, history[-1])
    history.append(_ask(question, len(history)))


if __name__ == "__main__":
    render()
