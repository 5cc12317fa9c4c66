"""Search: hybrid search with filters and facet counts in the sidebar, highlighted snippets, per-document collapse."""

from __future__ import annotations

from typing import Any

import streamlit as st

from ui.chrome import call, client, lang, topic_label, tr
from ui.components import doc_link, doc_meta_html
from ui.i18n import label_value
from ui.models import FacetCount, SearchResponse
from ui.render import esc, snippet_html

_FILTERS = "search_filters"

#: facet field of the API -> (filter field, label key, widget, label prefix for values)
FACETS: dict[str, tuple[str, str, str, str | None]] = {
    "doc_type": ("doc_type", "search.f.doc_type", "pills", "type"),
    "language": ("language", "search.f.language", "pills", "lang"),
    "year": ("year", "search.f.year", "pills-single", None),
    "countries": ("country", "search.f.countries", "multiselect", None),
    "topics": ("topic", "search.f.topics", "multiselect", "topic"),
}


def facet_options(counts: list[FacetCount], selected: list[Any]) -> tuple[list[Any], dict[Any, int]]:
    """The values to offer (counted ones first, by count, then selected ones the counts lack) and their counts."""
    by_value = {c.value: c.count for c in counts}
    options = [c.value for c in sorted(counts, key=lambda c: (-c.count, str(c.value)))]
    if all(isinstance(v, int) and not isinstance(v, bool) for v in options) and options:
        options = sorted(options, reverse=True)  # years: newest first
    options += [v for v in selected if v not in by_value]
    return options, by_value


def _filters() -> dict[str, Any]:
    return st.session_state.setdefault(_FILTERS, {})


def _facet_widget(field: str, counts: list[FacetCount]) -> None:
    """One filter in the sidebar with its facet counts; a change reruns the search."""
    filter_key, label_key, widget, prefix = FACETS[field]
    state = _filters()
    current = state.get(filter_key)
    selected = current if isinstance(current, list) else ([] if current is None else [current])
    options, by_value = facet_options(counts, selected)
    if not options:
        return
    code = lang()

    def fmt(value: Any) -> str:
        if prefix == "topic":
            name = topic_label(str(value))
        else:
            name = label_value(prefix, value, code) if prefix else str(value)
        return f"{name} ({by_value.get(value, 0)})"

    # The key follows the options, so a new set of counts gets a fresh widget preset to the current selection.
    key = f"f-{field}-{abs(hash((tuple(map(str, options)), tuple(by_value.get(v, 0) for v in options))))}"
    args = (filter_key, key)
    if widget == "pills":
        st.pills(tr(label_key), options, selection_mode="multi", default=selected, format_func=fmt, key=key,
                 on_change=_set_filter, args=args)
    elif widget == "pills-single":
        st.pills(tr(label_key), options, selection_mode="single", default=selected[0] if selected else None,
                 format_func=fmt, key=key, on_change=_set_filter, args=args)
    else:
        st.multiselect(tr(label_key), options, default=selected, format_func=fmt, key=key,
                       placeholder=tr("search.f.any"), on_change=_set_filter, args=args)


def _set_filter(filter_key: str, widget_key: str) -> None:
    """Widget callback: store the new selection (runs before the page, so the search uses it at once)."""
    value = st.session_state.get(widget_key)
    state = _filters()
    if value in (None, [], ()):
        state.pop(filter_key, None)
    else:
        state[filter_key] = list(value) if isinstance(value, (list, tuple)) else value


def _set_open() -> None:
    state = _filters()
    if st.session_state.get("f-open"):
        state["open"] = True
    else:
        state.pop("open", None)


def _reset() -> None:
    _filters().clear()
    st.session_state["f-open"] = False


def _sidebar(response: SearchResponse | None) -> None:
    with st.sidebar:
        st.subheader(tr("search.filters"))
        state = _filters()
        st.toggle(tr("search.f.open"), value=bool(state.get("open")), key="f-open", on_change=_set_open)
        facets = response.facets if response else {}
        for field in FACETS:
            _facet_widget(field, facets.get(field, []))
        if response is not None and facets:
            st.caption(tr("search.facets_note"))
        if state:
            st.button(tr("search.f.reset"), icon=":material/filter_alt_off:", key="f-reset", on_click=_reset)


def _result(r: Any, i: int) -> None:
    meta = {**r.metadata}
    with st.container(border=True):
        title_col, score_col = st.columns([6, 1], vertical_alignment="center")
        with title_col:
            doc_link(r.doc_id, r.title or r.source)
        where = []
        if r.page:
            where.append(tr("common.page", n=r.page))
        if r.heading and r.heading.strip() != (r.title or "").strip():
            where.append(r.heading)
        score_col.markdown(f'<div class="cc-meta" style="text-align:right">{esc(f"{r.score:.3f}")}</div>',
                           unsafe_allow_html=True)
        st.markdown(doc_meta_html(meta) + (f' <span class="cc-meta">{esc(" · ".join(where))}</span>' if where else ""),
                    unsafe_allow_html=True)
        st.markdown(snippet_html(r.snippet or r.text[:320], language=meta.get("language")), unsafe_allow_html=True)


def render() -> None:
    st.title(tr("search.title"))
    with st.form("search-form", border=False, enter_to_submit=True):
        q_col, b_col = st.columns([6, 1], vertical_alignment="bottom")
        query = q_col.text_input(tr("search.query"), key="search_q", placeholder=tr("search.placeholder"))
        b_col.form_submit_button(tr("search.button"), icon=":material/search:", width="stretch", type="primary")
    o1, o2, _ = st.columns([2, 2, 3], vertical_alignment="center")
    per_doc = o1.toggle(tr("search.per_doc"), key="search_per_doc", value=True)
    k = o2.select_slider(tr("search.k"), options=[5, 10, 20, 50], value=10, key="search_k")
    response: SearchResponse | None = None
    if query.strip():
        response = call(client().search, query.strip(), k=k, filters=_filters(), per_doc=per_doc, facets=True,
                        what="POST /search")
    _sidebar(response)
    if response is None:
        if not query.strip():
            st.caption(tr("search.empty"))
        return
    docs = len({r.doc_id for r in response.results})
    st.caption(tr("search.hits", n=len(response.results), docs=docs))
    if not response.results:
        st.info(tr("common.results_none"), icon=":material/search_off:")
    for i, r in enumerate(response.results):
        _result(r, i)


if __name__ == "__main__":
    render()
