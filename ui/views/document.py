"""Document view (``?doc_id=…``): metadata, a cited summary on demand, its exchanges, related documents, full text."""

from __future__ import annotations

from typing import Any

import streamlit as st

from ui.chrome import client, is_editor, lang, show_error, topic_label, tr
from ui.client import ApiError, EndpointMissing
from ui.components import (
    citation_popovers,
    delete_button,
    doc_link,
    doc_meta_html,
    exchange_card,
    flash,
    source_button,
)
from ui.i18n import label_value
from ui.models import DocSummary, DocumentDetail
from ui.render import cited_html, esc, format_date, passage_html, text_dir

_SUMMARIES = "doc_summaries"


def metadata_rows(doc: DocumentDetail, code: str) -> list[tuple[str, str]]:
    """(label, value) pairs of the metadata table; empty values left out."""
    meta = doc.metadata
    rows = [
        (tr("doc.type"), label_value("type", doc.doc_type, code) if doc.doc_type else ""),
        (tr("doc.language"), label_value("lang", doc.language, code) if doc.language else ""),
        (tr("doc.published"), format_date(doc.published, code)),
        (tr("doc.deadline"), format_date(doc.deadline, code)),
        (tr("doc.deadlines"), ", ".join(format_date(d, code) for d in meta.get("deadlines") or []
                                        if str(d) != str(doc.deadline))),
        (tr("doc.event_dates"), ", ".join(format_date(d, code) for d in meta.get("event_dates") or [])),
        (tr("doc.cities"), ", ".join(doc.cities)),
        (tr("doc.countries"), ", ".join(doc.countries)),
        (tr("doc.topics"), ", ".join(topic_label(x) for x in doc.topics)),
        (tr("doc.visibility"), label_value("vis", doc.visibility, code) if doc.visibility else ""),
        (tr("doc.source"), doc.source.replace("\\", "/").rsplit("/", 1)[-1]),
    ]
    return [(k, v) for k, v in rows if v]


def _pick() -> str | None:
    """No ``doc_id`` in the URL: let the user pick a document."""
    try:
        docs = client().all_documents()
    except ApiError as exc:
        show_error(exc, what="GET /documents")
        return None
    docs.sort(key=lambda d: d.title.lower())
    choice = st.selectbox(tr("doc.pick"), docs, index=None, format_func=lambda d: d.title or d.source,
                          key="doc_pick", placeholder=tr("doc.pick.placeholder"))
    return choice.doc_id if choice else None


def _summary(doc: DocumentDetail) -> None:
    st.subheader(tr("doc.summary"))
    summaries: dict[str, Any] = st.session_state.setdefault(_SUMMARIES, {})
    cached = summaries.get(doc.doc_id)
    if cached is None:
        slot = st.empty()
        if not slot.button(tr("doc.summary.make"), icon=":material/summarize:", key="doc-summary"):
            return
        slot.empty()
        with st.spinner(tr("doc.summary.making")):
            try:
                summary = client().summary(doc.doc_id)
            except ApiError as exc:
                show_error(exc, what="GET /documents/{doc_id}/summary")
                return
        summaries[doc.doc_id] = cached = summary.model_dump(mode="json")
    summary = DocSummary.model_validate(cached)
    known = {c.n for c in summary.citations}
    if summary.sentences:
        from ui.components import sentences_text

        text = sentences_text(summary.sentences)
    else:
        text = summary.summary
    st.markdown(cited_html(text, language=summary.language or doc.language, known=known), unsafe_allow_html=True)
    citation_popovers(summary.citations, key="docsum",
                      with_title=len({c.doc_id for c in summary.citations}) > 1)


def _exchanges(doc: DocumentDetail) -> None:
    st.subheader(tr("doc.exchanges"))
    try:
        response = client().exchanges(None, doc_id=doc.doc_id, k=20)
    except ApiError as exc:
        if isinstance(exc, EndpointMissing) or exc.status == 422:  # no /exchanges, or no doc_id parameter yet
            st.caption(tr("common.not_available", what="GET /exchanges?doc_id="))
            return
        show_error(exc, what="GET /exchanges")
        return
    if not response.exchanges:
        st.caption(tr("doc.exchanges.none"))
        return
    for ex in response.exchanges:
        exchange_card(ex)


def _related(doc: DocumentDetail) -> None:
    st.subheader(tr("doc.related"))
    try:
        response = client().search(doc.title or doc.source, k=6, per_doc=True)
    except ApiError as exc:
        show_error(exc, what="POST /search")
        return
    related = [r for r in response.results if r.doc_id != doc.doc_id][:5]
    if not related:
        st.caption(tr("common.results_none"))
    for r in related:
        with st.container(border=True):
            doc_link(r.doc_id, r.title or r.source)
            st.markdown(doc_meta_html(r.metadata), unsafe_allow_html=True)


def render() -> None:
    code = lang()
    flash()
    doc_id = st.query_params.get("doc_id")
    if not doc_id:
        st.title(tr("doc.title"))
        doc_id = _pick()
        if not doc_id:
            return
        st.query_params["doc_id"] = doc_id
    try:
        doc = client().document(doc_id)
    except ApiError as exc:
        st.title(tr("doc.title"))
        if exc.not_found and not isinstance(exc, EndpointMissing):
            st.warning(tr("doc.not_found"), icon=":material/visibility_off:")
        else:
            show_error(exc, what="GET /documents/{doc_id}")
        return
    st.markdown(f'<h1{text_dir(doc.title, doc.language)}>{esc(doc.title or doc.source)}</h1>',
                unsafe_allow_html=True)
    st.markdown(doc_meta_html(doc.model_dump(mode="json")), unsafe_allow_html=True)
    main, side = st.columns([3, 2], gap="large")
    with side:
        st.subheader(tr("doc.metadata"))
        rows = metadata_rows(doc, code)
        st.markdown(
            "<table class='cc-meta-table'>"
            + "".join(f"<tr><th>{esc(k)}</th><td{text_dir(v)}>{esc(v)}</td></tr>" for k, v in rows)
            + "</table>",
            unsafe_allow_html=True,
        )
        contacts = doc.metadata.get("contacts") or []
        if contacts:
            st.caption(tr("doc.contacts"))
            for c in contacts:
                line = " · ".join(str(v) for v in c.values() if v)
                st.markdown(f'<div dir="auto">{esc(line)}</div>', unsafe_allow_html=True)
        with st.container(horizontal=True):
            source_button(doc.doc_id, key="doc-src")
            if is_editor() and delete_button(doc.doc_id, doc.title, key="doc"):
                del st.query_params["doc_id"]
                st.rerun()
        _exchanges(doc)
        _related(doc)
    with main:
        _summary(doc)
        with st.expander(tr("doc.text", n=len(doc.chunks)), icon=":material/notes:"):
            for chunk in doc.chunks:
                where = []
                if chunk.page:
                    where.append(tr("common.page", n=chunk.page))
                if chunk.heading:
                    where.append(chunk.heading)
                if where:
                    line = " · ".join(where)
                    st.markdown(f'<div class="cc-meta"{text_dir(line)}>{esc(line)}</div>', unsafe_allow_html=True)
                st.markdown(passage_html(chunk.text, language=doc.language), unsafe_allow_html=True)


if __name__ == "__main__":
    render()
