"""Past exchanges: which municipalities already worked on a problem like mine, and with whom?"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date

import streamlit as st

from ui.chrome import client, lang, show_error, topic_label, tr
from ui.client import ApiError
from ui.components import chips_html, doc_link, exchange_card, short
from ui.i18n import label_value
from ui.models import CityRow, ExchangeResponse
from ui.render import esc, format_date

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
    """The cities table: the API's peers when it sends them, else counted over the exchanges shown."""
    if response.peers:
        return response.peers
    if response.cities:
        return response.cities
    count: Counter[str] = Counter()
    topics: dict[str, set[str]] = defaultdict(set)
    country: dict[str, str] = {}
    last: dict[str, date] = {}
    for ex in response.exchanges:
        when = ex.end or ex.start
        for p in ex.participants:
            if p.get("kind", "city") == "city" and p.get("name") and p.get("country"):
                country.setdefault(str(p["name"]), str(p["country"]))
        if ex.host and ex.host_country:
            country.setdefault(ex.host, ex.host_country)
        for i, city in enumerate(ex.cities):
            count[city] += 1
            topics[city].update(ex.topics)
            if len(ex.countries) == len(ex.cities):
                country.setdefault(city, ex.countries[i])
            if when and (city not in last or when > last[city]):
                last[city] = when
    return [CityRow(city=c, country=country.get(c), exchanges=n, topics=sorted(topics[c]), last=last.get(c))
            for c, n in count.most_common()]


def _peer_card(row: CityRow, *, expanded: bool) -> None:
    code = lang()
    count = row.exchanges if row.exchanges is not None else len(row.events)
    head = row.city + (f" ({row.country})" if row.country else "") + f" · {tr('ex.peer_events', n=count)}"
    with st.expander(head, expanded=expanded, icon=":material/location_city:"):
        meta = [topic_label(t) for t in row.topics]
        st.markdown(chips_html(meta) + (f' <span class="cc-meta">{esc(tr("ex.col.last"))}: '
                                        f'{esc(format_date(row.last, code))}</span>' if row.last else ""),
                    unsafe_allow_html=True)
        for ev in row.events[:8]:
            name = ev.event or label_value("event", ev.event_type or "", code)
            facts = [f for f in (format_date(ev.start, code) if ev.start else "", ev.host or "") if f]
            st.markdown(f'<div dir="ltr">• <bdi dir="auto"><b>{esc(name)}</b></bdi>'
                        + (f' <span class="cc-meta">· {esc(" · ".join(facts))}</span>' if facts else "") + "</div>",
                        unsafe_allow_html=True)
            docs = [d for d in ev.sources if d.doc_id]
            if docs:
                with st.container(horizontal=True):
                    for d in docs[:2]:
                        doc_link(d.doc_id, short(d.title or d.source))


def _cities_table(rows: list[CityRow]) -> None:
    code = lang()
    st.subheader(tr("ex.cities_table"))
    st.dataframe(
        [
            {
                tr("ex.col.city"): r.city,
                tr("ex.col.country"): r.country or "",
                tr("ex.col.exchanges"): r.exchanges,
                tr("ex.col.topics"): ", ".join(topic_label(x) for x in r.topics),
                tr("ex.col.last"): format_date(r.last, code) if r.last else "",
            }
            for r in rows
        ],
        hide_index=True,
        width="stretch",
        column_config={
            tr("ex.col.topics"): st.column_config.TextColumn(width="medium"),
        },
    )
    located = [{"lat": r.lat, "lon": r.lon} for r in rows if r.lat is not None and r.lon is not None]
    if located:
        st.caption(tr("ex.map"))
        st.map(located, height=300)


def _render_result(response: ExchangeResponse) -> None:
    left, right = st.columns([3, 2], gap="large")
    with left:
        if response.city is not None and not response.exchanges:
            st.subheader(tr("ex.peers", city=response.city))
            if not response.peers:
                st.info(tr("ex.peers.none"), icon=":material/search_off:")
            for i, row in enumerate(response.peers):
                _peer_card(row, expanded=i < 3)
        else:
            st.subheader(tr("ex.ranked"))
            if not response.exchanges:
                st.info(tr("ex.none"), icon=":material/search_off:")
            for i, ex in enumerate(response.exchanges):
                exchange_card(ex, expanded=i == 0)
    with right:
        rows = city_rows(response)
        if rows:
            _cities_table(rows)


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
                c1, c2 = st.columns([3, 1], vertical_alignment="bottom")
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
        show_error(exc, what="GET /exchanges" if mode == "problem" else "GET /peers/{city}")
        return
    if response is not None:
        st.session_state[_RESULT] = (mode, response.model_dump(mode="json"))
    stored = st.session_state.get(_RESULT)
    if stored and stored[0] == mode:
        _render_result(ExchangeResponse.model_validate(stored[1]))


if __name__ == "__main__":
    render()
