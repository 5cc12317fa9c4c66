"""Past exchanges: which municipalities already worked on a problem like mine, and with whom?"""

from __future__ import annotations

from collections import Counter, defaultdict

import streamlit as st

from ui.chrome import client, lang, show_error, tr
from ui.client import ApiError
from ui.components import chips_html, doc_link
from ui.models import CityRow, Exchange, ExchangeResponse
from ui.render import esc, format_date, passage_html, text_dir

_RESULT = "exchanges_result"


def _known_cities() -> list[str]:
    """Cities named in the documents the caller may see, most frequent first (cached in the session)."""
    ident = st.session_state.get("_client_ident")
    cached = st.session_state.get("_ex_cities")
    if cached and cached[0] == ident:
        return cached[1]
    docs = client().all_documents()
    counts = Counter(c for d in docs for c in d.cities)
    cities = sorted(counts, key=lambda c: (-counts[c], c))
    st.session_state["_ex_cities"] = (ident, cities)
    return cities


def city_rows(response: ExchangeResponse) -> list[CityRow]:
    """The cities table: from the API when it sends one, else counted over the exchanges shown."""
    if response.cities:
        return response.cities
    if response.peers:
        return response.peers
    count: Counter[str] = Counter()
    topics: dict[str, set[str]] = defaultdict(set)
    country: dict[str, str] = {}
    last: dict[str, str] = {}
    for ex in response.exchanges:
        for i, city in enumerate(ex.cities):
            count[city] += 1
            topics[city].update(ex.topic_list)
            if i < len(ex.countries):
                country.setdefault(city, ex.countries[i])
            if ex.when and ex.when > last.get(city, ""):
                last[city] = ex.when
    return [CityRow(city=c, country=country.get(c), exchanges=n, topics=sorted(topics[c]), last=last.get(c))
            for c, n in count.most_common()]


def _exchange_card(ex: Exchange, i: int) -> None:
    code = lang()
    with st.container(border=True):
        cities = " ↔ ".join(ex.cities) or "—"
        countries = f" ({', '.join(dict.fromkeys(ex.countries))})" if ex.countries else ""
        st.markdown(f'<div class="cc-title">{esc(cities)}{esc(countries)}</div>', unsafe_allow_html=True)
        facts = []
        if ex.when:
            when = " – ".join(format_date(p.strip(), code) for p in ex.when.split("–"))
            facts.append(f"{tr('ex.date')}: {when}")
        event = ex.event or ex.title or ex.kind
        if event:
            facts.append(f"{tr('ex.event')}: {event}")
        st.markdown(chips_html(ex.topic_list) + f' <span class="cc-meta">{esc(" · ".join(facts))}</span>',
                    unsafe_allow_html=True)
        if ex.summary:
            st.markdown(f'<div{text_dir(ex.summary)}>{esc(ex.summary)}</div>', unsafe_allow_html=True)
        evidence = ex.evidence
        if evidence:
            with st.expander(f"{tr('ex.passages')} ({len(evidence)})", expanded=i == 0):
                for j, p in enumerate(evidence):
                    st.markdown(f'<div class="cc-meta">{esc(p.title or p.source)}'
                                + (f" · {esc(tr('common.page', n=p.page))}" if p.page else "") + "</div>",
                                unsafe_allow_html=True)
                    st.markdown(passage_html(p.body, language=p.language), unsafe_allow_html=True)
                    if p.doc_id:
                        doc_link(p.doc_id)
        elif ex.doc_id:
            doc_link(ex.doc_id, ex.doc_title)


def _render_result(response: ExchangeResponse) -> None:
    left, right = st.columns([3, 2], gap="large")
    with left:
        title = tr("ex.peers", city=response.city) if response.city else tr("ex.ranked")
        st.subheader(title)
        if not response.exchanges:
            st.info(tr("ex.none"), icon=":material/search_off:")
        for i, ex in enumerate(response.exchanges):
            _exchange_card(ex, i)
    with right:
        rows = city_rows(response)
        if rows:
            st.subheader(tr("ex.cities_table"))
            st.dataframe(
                [
                    {
                        tr("ex.col.city"): r.city,
                        tr("ex.col.country"): r.country or "",
                        tr("ex.col.exchanges"): r.exchanges if r.exchanges is not None else r.count,
                        tr("ex.col.topics"): ", ".join(r.topics),
                        tr("ex.col.last"): r.last or "",
                    }
                    for r in rows
                ],
                hide_index=True,
                width="stretch",
            )
            located = [{"lat": r.lat, "lon": r.lon} for r in rows if r.lat is not None and r.lon is not None]
            if located:
                st.caption(tr("ex.map"))
                st.map(located, height=300)


def render() -> None:
    st.title(tr("ex.title"))
    st.caption(tr("ex.intro"))
    api = client()
    mode = st.segmented_control(" ", ["problem", "city"], format_func=lambda m: tr(f"ex.mode.{m}"),
                                default="problem", required=True, key="ex_mode", label_visibility="collapsed")
    response: ExchangeResponse | None = None
    try:
        if mode == "city":
            try:
                cities = _known_cities()
            except ApiError:
                cities = []
            with st.form("ex-city", border=False):
                c1, c2 = st.columns([4, 1], vertical_alignment="bottom")
                city = c1.selectbox(tr("ex.city"), cities, index=None, key="ex_city", accept_new_options=True,
                                    placeholder="Bonn, Köln, Kisumu …")
                go = c2.form_submit_button(tr("ex.find"), type="primary", width="stretch")
            if go and city:
                with st.spinner(tr("common.loading")):
                    response = api.peers(city)
                if response.city is None:
                    response.city = city
        else:
            with st.form("ex-problem", border=False):
                problem = st.text_area(tr("ex.problem"), key="ex_problem", height=90,
                                       placeholder=tr("ex.problem.placeholder"))
                go = st.form_submit_button(tr("ex.find"), type="primary")
            if go and problem.strip():
                with st.spinner(tr("common.loading")):
                    response = api.exchanges(problem.strip(), k=10)
    except ApiError as exc:
        show_error(exc, what="GET /exchanges, GET /peers/{city}")
        return
    if response is not None:
        st.session_state[_RESULT] = (mode, response)
    stored = st.session_state.get(_RESULT)
    if stored and stored[0] == mode:
        _render_result(stored[1])


if __name__ == "__main__":
    render()
