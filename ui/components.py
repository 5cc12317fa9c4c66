"""Widgets more than one page uses: citations, cited answers, the answer trace, document chips, file buttons."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import streamlit as st

from ui.chrome import DOCUMENT_PAGE, client, lang, show_error, topic_label, tr
from ui.client import ApiError
from ui.i18n import label_value
from ui.models import Answer, Citation, Exchange, Sentence
from ui.render import cited_html, deadline_state, esc, format_date, passage_html, text_dir

__all__ = [
    "chips_html",
    "citation_popovers",
    "date_range",
    "days_html",
    "delete_button",
    "doc_link",
    "doc_meta_html",
    "exchange_card",
    "flash",
    "plain_answer",
    "render_answer",
    "render_trace",
    "sentences_text",
    "short",
    "source_button",
]


def chips_html(values: Sequence[Any]) -> str:
    return "".join(f'<span class="cc-chip">{esc(v)}</span>' for v in values if v not in (None, ""))


def doc_meta_html(meta: dict[str, Any]) -> str:
    """Type, language, date, deadline, places and topics of a document as one line of chips."""
    code = lang()
    values: list[str] = []
    if meta.get("doc_type"):
        values.append(label_value("type", meta["doc_type"], code))
    if meta.get("language"):
        values.append(label_value("lang", meta["language"], code))
    if meta.get("published"):
        values.append(format_date(meta["published"], code))
    if meta.get("deadline"):
        values.append(f"{tr('common.deadline')}: {format_date(meta['deadline'], code)}")
    places = [*(meta.get("cities") or []), *(meta.get("countries") or [])]
    values += places[:6]
    values += [topic_label(str(x)) for x in list(meta.get("topics") or [])[:4]]
    if meta.get("visibility") and meta["visibility"] != "public":
        values.append(label_value("vis", meta["visibility"], code))
    return chips_html(values)


def days_html(deadline: Any) -> str:
    """A coloured "n days left" / "expired" pill."""
    days, colour = deadline_state(deadline)
    if days is None:
        return f'<span class="cc-days grey">{esc(tr("calls.no_deadline"))}</span>'
    if days < 0:
        label = tr("common.days_ago", n=-days)
    elif days == 0:
        label = tr("common.today")
    elif days == 1:
        label = tr("common.day_left")
    else:
        label = tr("common.days_left", n=days)
    return f'<span class="cc-days {colour}">{esc(label)}</span>'


def doc_link(doc_id: str, label: str | None = None, *, icon: str = ":material/description:") -> None:
    """A link to the document view of ``doc_id`` (keeps the session, so the API key stays)."""
    st.page_link(DOCUMENT_PAGE, label=label or tr("common.open_document"), icon=icon,
                 query_params={"doc_id": doc_id})


def source_button(doc_id: str, *, key: str) -> None:
    """Download the document's original file through the API (only when the API serves files)."""
    api = client()
    if not api.has("GET", "/documents/{doc_id}/file"):
        return

    def fetch() -> bytes:
        return api.source_file(doc_id)[0]

    st.download_button(tr("common.source_file"), data=fetch, file_name=f"{doc_id}", key=key,
                       icon=":material/download:", on_click="ignore")


def delete_button(doc_id: str, title: str, *, key: str) -> bool:
    """An editor's "delete" with a confirmation popover; True once the document is gone (message queued)."""
    with st.popover(tr("lib.delete"), icon=":material/delete:", key=f"{key}-del"):
        st.markdown(esc(tr("lib.delete.confirm", title=title)), unsafe_allow_html=True)
        if not st.button(tr("lib.delete"), type="primary", key=f"{key}-del-yes", icon=":material/delete_forever:"):
            return False
        try:
            result = client().delete_document(doc_id)
        except ApiError as exc:
            show_error(exc, what="DELETE /documents/{doc_id}")
            return False
    st.session_state["_flash"] = tr("lib.deleted", title=title, n=result.get("deleted_chunks", "?"))
    return True


def flash() -> None:
    """Show (once) the message an action queued before a rerun."""
    message = st.session_state.pop("_flash", None)
    if message:
        st.success(message, icon=":material/check:")


def _cite_label(c: Citation, *, max_title: int = 42, with_title: bool = True) -> str:
    if not with_title:  # all citations are of one document: say where in it
        where = [tr("common.page", n=c.page)] if c.page else []
        if c.heading:
            where.append(c.heading if len(c.heading) <= max_title else c.heading[: max_title - 1] + "…")
        return f"[{c.n}] " + (" · ".join(where) or tr("common.passage"))
    title = c.title or c.source or c.doc_id
    if len(title) > max_title:
        title = title[: max_title - 1].rstrip() + "…"
    page = f" · {tr('common.page', n=c.page)}" if c.page else ""
    return f"[{c.n}] {title}{page}"


def citation_popovers(citations: Sequence[Citation], *, key: str, with_title: bool = True) -> None:
    """One button per citation; each opens the cited passage with its document, page and source file."""
    if not citations:
        return
    with st.container(horizontal=True, gap="small"):
        for c in citations:
            with st.popover(_cite_label(c, with_title=with_title), key=f"{key}-cite-{c.n}", width="content"):
                st.markdown(f'<div class="cc-title">{esc(c.title or c.source)}</div>', unsafe_allow_html=True)
                where = [c.source.replace("\\", "/").rsplit("/", 1)[-1]]
                if c.page:
                    where.append(tr("common.page", n=c.page))
                if c.heading:
                    where.append(f"{tr('cite.heading')}: {c.heading}")
                st.markdown(f'<div class="cc-meta">{esc(" · ".join(w for w in where if w))}</div>',
                            unsafe_allow_html=True)
                if c.deadline:
                    st.markdown(f'{esc(tr("common.deadline"))}: {esc(format_date(c.deadline, lang()))} '
                                f'{days_html(c.deadline)}', unsafe_allow_html=True)
                st.markdown(passage_html(c.quote, language=c.language), unsafe_allow_html=True)
                with st.container(horizontal=True):
                    if c.doc_id:
                        doc_link(c.doc_id)
                        source_button(c.doc_id, key=f"{key}-src-{c.n}")


def sentences_text(sentences: Sequence[Sentence]) -> str:
    """Sentences as text with ``[n]`` markers after each (the shape answers and fact sheets are shown in)."""
    out = []
    for s in sentences:
        marks = "".join(f"[{n}]" for n in s.citations)
        text = s.text.rstrip()
        end = ""
        if text and text[-1] in ".!?؟":
            text, end = text[:-1], text[-1]
        note = f" ({s.note})" if s.note else ""
        out.append(f"{text}{note}{' ' + marks if marks else ''}{end}")
    return " ".join(out)


def plain_answer(answer: Answer) -> str:
    """The answer with its numbered sources, for copying into an e-mail."""
    lines = [answer.answer.strip(), ""]
    if answer.citations:
        lines.append(f"{tr('common.sources')}:")
        for c in answer.citations:
            page = f", {tr('common.page', n=c.page)}" if c.page else ""
            lines.append(f"[{c.n}] {c.title} — {c.source}{page}")
    return "\n".join(lines).strip() + "\n"


def render_answer(answer: Answer, *, key: str, steps: Sequence[str] = ()) -> None:
    """A cited answer: text with citation badges, clickable sources, the not-in-material state, trace, copy."""
    known = {c.n for c in answer.citations}
    if answer.not_in_material:
        body = esc(answer.answer.strip()) if answer.answer.strip() else ""
        st.markdown(
            f'<div class="cc-notinmaterial"><b>{esc(tr("answer.not_in_material"))}</b><br>'
            f'{esc(tr("answer.not_in_material.text"))}'
            + (f'<div class="cc-meta" style="margin-top:.4rem"{text_dir(answer.answer, answer.language)}>{body}</div>' if body else "")
            + "</div>",
            unsafe_allow_html=True,
        )
    else:
        st.markdown(cited_html(answer.answer, language=answer.language, known=known), unsafe_allow_html=True)
        citation_popovers(answer.citations, key=key)
    if answer.unsupported:
        with st.expander(tr("answer.partly_unsupported", n=len(answer.unsupported)), icon=":material/rule:"):
            for u in answer.unsupported:
                st.markdown(f'<div class="cc-unsupported"{text_dir(u.text)}>{esc(u.text)}</div>',
                            unsafe_allow_html=True)
                if u.reason:
                    st.caption(u.reason)
    with st.expander(tr("trace.title"), icon=":material/account_tree:"):
        render_trace(answer.trace, steps=steps)
        if answer.backend:
            st.caption(tr("answer.backend", b=answer.backend))
    if not answer.not_in_material:
        with st.expander(tr("answer.copy"), icon=":material/content_copy:"):
            text = plain_answer(answer)
            st.code(text, language=None, wrap_lines=True)
            st.download_button(tr("answer.download"), data=text.encode("utf-8"), file_name="antwort.md",
                               mime="text/markdown", key=f"{key}-dl", icon=":material/download:", on_click="ignore")


def render_trace(trace: dict[str, Any], *, steps: Sequence[str] = ()) -> None:
    """Plan, searches (with their filters), judgements and loops of an answer."""
    if not trace and steps:
        for s in steps:
            st.markdown(f"- {esc(s)}", unsafe_allow_html=True)
        return
    plan = trace.get("plan") or {}
    if plan:
        st.markdown(f"**{tr('trace.plan')}**")
        st.caption(tr("trace.language", lang=plan.get("language", "?"), shape=plan.get("shape", "?"),
                      planner=plan.get("planner", "?")))
        subs = plan.get("sub_questions") or []
        for i, sq in enumerate(subs):
            filters = {k: v for k, v in (sq.get("filters") or {}).items() if v not in (None, [], "", False)}
            ftext = " · ".join(f"{k}={_short(v)}" for k, v in filters.items())
            st.markdown(f"{i + 1}. {esc(sq.get('text', ''))}" + (f' <span class="cc-meta">[{esc(ftext)}]</span>'
                                                                 if ftext else ""), unsafe_allow_html=True)
        for note in plan.get("notes") or []:
            st.caption(note)
    searches = trace.get("searches") or []
    if searches:
        st.markdown(f"**{tr('trace.searches')}**")
        rows = [
            {
                tr("trace.col.sub"): s.get("sub_question", 0) + 1,
                tr("trace.col.loop"): s.get("loop"),
                tr("trace.col.query"): s.get("query", ""),
                tr("trace.col.filters"): ", ".join(f"{k}={_short(v)}" for k, v in (s.get("filters") or {}).items()),
                tr("trace.col.hits"): s.get("hits", 0),
                "ms": round(float(s.get("ms") or 0), 1),
            }
            for s in searches
        ]
        st.dataframe(rows, hide_index=True, width="stretch")
    judgements = trace.get("judgements") or []
    if judgements:
        st.markdown(f"**{tr('trace.judgements')}**")
        st.dataframe(
            [
                {
                    tr("trace.col.sub"): j.get("sub_question", 0) + 1,
                    tr("trace.col.loop"): j.get("loop"),
                    tr("trace.col.answered"): "✓" if j.get("answered") else "✗",
                    "score": round(float(j.get("score") or 0), 2),
                    tr("trace.col.reason"): j.get("reason", ""),
                }
                for j in judgements
            ],
            hide_index=True,
            width="stretch",
        )
    loops = trace.get("loops") or {}
    if loops:
        st.markdown(f"**{tr('trace.loops')}:** " + ", ".join(f"{int(k) + 1 if str(k).isdigit() else k}: {v}"
                                                            for k, v in loops.items()))
    flagged = trace.get("flagged") or []
    if flagged:
        st.warning(tr("trace.flagged"), icon=":material/shield:")
        for f in flagged:
            st.markdown(passage_html(f.get("excerpt", "")), unsafe_allow_html=True)
    timings = trace.get("timings_ms") or {}
    if timings:
        st.caption(f"{tr('trace.timings')}: " + " · ".join(f"{k} {float(v):.0f}" for k, v in timings.items()))
    for note in trace.get("notes") or []:
        st.caption(note)
    if not (plan or searches or judgements) and steps:
        for s in steps:
            st.markdown(f"- {esc(s)}", unsafe_allow_html=True)


def _short(value: Any) -> str:
    if isinstance(value, list):
        return "|".join(map(str, value))
    return str(value)


def date_range(start: date | None, end: date | None, code: str) -> str:
    """``5. Juni 2023 – 8. Juni 2023`` (or the one date there is)."""
    if start and end:
        return f"{format_date(start, code)} – {format_date(end, code)}"
    return format_date(start or end, code)


def short(text: str, n: int = 60) -> str:
    return text if len(text) <= n else text[: n - 1].rstrip() + "…"


def exchange_card(ex: Exchange, *, expanded: bool = False) -> None:
    """One past exchange: event, type, dates, host, cities, topics, outcomes, cited passages, its documents."""
    code = lang()
    with st.container(border=True):
        title = ex.event or " ↔ ".join(ex.cities) or (ex.title or "")
        st.markdown(f'<div class="cc-title"{text_dir(title)}>{esc(title)}</div>', unsafe_allow_html=True)
        facts = []
        if ex.event_kind:
            facts.append(label_value("event", ex.event_kind, code))
        when = date_range(*ex.when, code)
        if when:
            facts.append(when)
        if ex.host:
            facts.append(tr("ex.host", host=f"{ex.host}" + (f" ({ex.host_country})" if ex.host_country else "")))
        st.markdown(f'<div class="cc-meta">{esc(" · ".join(facts))}</div>', unsafe_allow_html=True)
        if ex.cities:
            st.markdown(f'<div class="cc-cities">{esc(" ↔ ".join(ex.cities))}</div>', unsafe_allow_html=True)
        matched = set(ex.matched_topics)
        topics = sorted(ex.topics, key=lambda t: t not in matched)
        st.markdown(chips_html([("✓ " if t in matched else "") + topic_label(t) for t in topics]),
                    unsafe_allow_html=True)
        if ex.summary:
            st.markdown(f'<div{text_dir(ex.summary)}>{esc(ex.summary)}</div>', unsafe_allow_html=True)
        if ex.outcomes:
            items = "".join(f"<li>{esc(o)}</li>" for o in ex.outcomes[:4])
            st.markdown(f'<div class="cc-meta">{esc(tr("ex.outcomes"))}</div>'
                        f'<ul{text_dir(" ".join(ex.outcomes[:4]))}>{items}</ul>',
                        unsafe_allow_html=True)
        quotes = ex.quotes
        if quotes:
            with st.expander(f"{tr('ex.passages')} ({len(quotes)})", expanded=expanded):
                for p in quotes:
                    label = p.title or p.source
                    st.markdown(f'<div class="cc-meta"{text_dir(label)}>{esc(label)}</div>', unsafe_allow_html=True)
                    st.markdown(passage_html(p.body, language=p.language), unsafe_allow_html=True)
        docs = [d for d in ex.documents if d.doc_id]
        if docs:
            with st.container(horizontal=True):
                for d in docs[:3]:
                    doc_link(d.doc_id, short(d.title or d.source))
