"""Open calls: calls and invitations with their deadlines and days left; expired ones greyed out."""

from __future__ import annotations

from datetime import date

import streamlit as st

from ui.chrome import client, lang, show_error, topic_label, tr
from ui.client import ApiError
from ui.components import days_html, doc_link, source_button
from ui.i18n import label_value
from ui.models import Call
from ui.render import esc, format_date, text_dir


def order_calls(calls: list[Call]) -> list[Call]:
    """Open calls by nearest deadline, then calls without a deadline, then expired ones, most recent first."""
    open_ = sorted((c for c in calls if c.deadline and not c.expired), key=lambda c: c.deadline or date.max)
    undated = [c for c in calls if not c.deadline]
    expired = sorted((c for c in calls if c.deadline and c.expired), key=lambda c: c.deadline or date.min,
                     reverse=True)
    return [*open_, *undated, *expired]


def matches(call: Call, text: str) -> bool:
    if not text:
        return True
    hay = " ".join([call.title, call.source, *call.cities, *call.countries, *call.topics, *map(topic_label, call.topics)]).lower()
    return all(word in hay for word in text.lower().split())


def _call_card(c: Call) -> None:
    code = lang()
    expired = bool(c.expired)
    with st.container(border=True):
        cls = "cc-expired" if expired else ""
        kind = label_value("type", c.doc_type, code) if c.doc_type else ""
        deadline = f"{tr('common.deadline')}: {format_date(c.deadline, code)}" if c.deadline else tr("calls.no_deadline")
        places = ", ".join([*c.cities[:5], *c.countries[:3]])
        meta = " · ".join(x for x in (kind, label_value("lang", c.language, code) if c.language else "", places) if x)
        st.markdown(
            f'<div class="{cls}">'
            f'<div class="cc-title"{text_dir(c.title, c.language)}>{esc(c.title or c.source)}</div>'
            f'<div>{days_html(c.deadline)} <b>{esc(deadline)}</b></div>'
            f'<div class="cc-meta">{esc(meta)}</div>'
            + (f'<div class="cc-meta">{esc(", ".join(topic_label(x) for x in c.topics))}</div>' if c.topics else "")
            + "</div>",
            unsafe_allow_html=True,
        )
        with st.container(horizontal=True):
            doc_link(c.doc_id)
            source_button(c.doc_id, key=f"call-src-{c.doc_id}")


def render() -> None:
    st.title(tr("calls.title"))
    st.caption(tr("calls.intro"))
    f1, f2 = st.columns([4, 1], vertical_alignment="bottom")
    text = f1.text_input(tr("calls.filter"), key="calls_filter", placeholder=tr("calls.filter.placeholder"))
    show_expired = f2.toggle(tr("calls.show_expired"), value=True, key="calls_expired")
    try:
        calls, fallback = client().calls(include_expired=True)
    except ApiError as exc:
        show_error(exc, what="GET /calls")
        return
    calls = [c for c in order_calls(calls) if matches(c, text)]
    n_open = sum(1 for c in calls if not c.expired)
    n_expired = len(calls) - n_open
    st.markdown(f'<span class="cc-days green">{esc(tr("calls.open_n", n=n_open))}</span> '
                f'<span class="cc-days grey">{esc(tr("calls.expired_n", n=n_expired))}</span>',
                unsafe_allow_html=True)
    if fallback:
        st.caption(tr("calls.fallback"))
    shown = [c for c in calls if show_expired or not c.expired]
    if not shown:
        st.info(tr("calls.none"), icon=":material/event_busy:")
        return
    columns = st.columns(2, gap="medium")
    for i, c in enumerate(shown):
        with columns[i % 2]:
            _call_card(c)


if __name__ == "__main__":
    render()
