"""Past exchanges: which municipalities already worked on a problem like mine, and with whom?"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date

import streamlit as st

from ui.chrome import client, lang, show_error, topic_label, tr
from ui.client import ApiError
from ui.components import chips_html, doc_link
from ui.i18n import label_value
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


def date_range(start: date | None, end: date | None, code: str) -> str:
    if start and end:
        return f"{format_date(start, code)} – {format_date(end, code)}"
    return format_date(start or end, code)


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
        for i, city in enumerate(ex.cities):
            count[city] += 1
            topics[city].update(ex.topics)
            if len(ex.countries) == len(ex.cities):
                country.setdefault(city, ex.countries[i])
            if when and (city not in last or when > last[city]):
                last[city] = when
    return [CityRow(city=c, country=country.get(c), exchanges=n, topics=sorted(topics[c]), last=last.get(c))
            for c, n in count.most_common()]


def _exchange_card(ex: Exchange, i: int) -> None:
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
            items = "".join(f"<li{text_dir(o)}>{esc(o)}</li>" for o in ex.outcomes[:4])
            st.markdown(f'<div class="cc-meta">{esc(tr("ex.outcomes"))}</div><ul>{items}</ul>',
                        unsafe_allow_html=True)
        quotes = ex.quotes
        if quotes:
            with st.expander(f"{tr('ex.passages')} ({len(quotes)})", expanded=i == 0):
                for p in quotes:
                    st.markdown(f'<div class="cc-meta">{esc(p.title or p.source)}</div>', unsafe_allow_html=True)
                    st.markdown(passage_html(p.body, language=p.language), unsafe_allow_html=True)
        docs = [d for d in ex.documents if d.doc_id]
        if docs:
            with st.container(horizontal=True):
                for d in docs[:3]:
                    doc_link(d.doc_id, _short(d.title or d.source))


def _short(text: str, n: int = 60) -> str:
    return text if len(text) <= n else text[: n - 1].rstrip() + "…"


def _peer_card(row: CityRow) -> None:
    code = lang()
    with st.container(border=True):
        head = row.city + (f" ({row.country})" if row.country else "")
        count = row.exchanges if row.exchanges is not None else len(row.events)
        st.markdown(f'<div class="cc-title">{esc(head)}</div>'
                    f'<div class="cc-meta">{esc(tr("ex.peer_events", n=count))}'
                    + (f" · {esc(tr('ex.col.last'))}: {esc(format_date(row.last, code))}" if row.last else "")
                    + "</div>", unsafe_allow_html=True)
        st.markdown(chips_html([topic_label(t) for t in row.topics]), unsafe_allow_html=True)
        for ev in row.events[:5]:
            parts = [ev.event or label_value("event", ev.event_type or "", code)]
            if ev.start:
                parts.append(format_date(ev.start, code))
            if ev.host:
                parts.append(ev.host)
            st.markdown(f'<div{text_dir(parts[0])}>• {esc(" · ".join(p for p in parts if p))}</div>',
                        unsafe_allow_html=True)
            docs = [d for d in ev.sources if d.doc_id]
            if docs:
                with st.container(horizontal=True):
                    for d in docs[:2]:
                        doc_link(d.doc_id, _short(d.title or d.source))


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
            for row in response.peers:
                _peer_card(row)
        else:
            st.subheader(tr("ex.ranked"))
            if not response.exchanges:
                st.info(tr("ex.none"), icon=":material/search_off:")
            for i, ex in enumerate(response.exchanges):
                _exchange_card(ex, i)
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
