"""Shared chrome of every page: language, API key, role and backend in the sidebar, plus session helpers.

Pages import from here: :func:`tr` (a label in the current language),
:func:`client` (the API client of this browser session), :func:`caller`
(the role), and :func:`show_error` (one friendly message per kind of API error).
Nothing here knows a URL; that is :mod:`ui.client`.
"""

from __future__ import annotations

import hashlib
import time
from typing import Any

import streamlit as st

from ui.client import ApiClient, ApiError, EndpointMissing, api_url
from ui.i18n import LANGS, t
from ui.models import Health, Me
from ui.render import CSS

__all__ = [
    "DOCUMENT_PAGE",
    "call",
    "caller",
    "caller_error",
    "client",
    "health",
    "is_editor",
    "lang",
    "not_available",
    "setup",
    "show_error",
    "sidebar",
    "topic_label",
    "tr",
]

#: Script path of the document view (``st.page_link``/``st.switch_page`` take it with ``query_params``).
DOCUMENT_PAGE = "views/document.py"

_LANG_KEY = "lang"
_KEY_KEY = "api_key"
_ME_TTL_S = 60.0


def lang() -> str:
    """The UI language of this session: ``de`` (default) or ``en``."""
    value = st.session_state.get(_LANG_KEY)
    return value if value in LANGS else "de"


def tr(key: str, /, **values: object) -> str:
    """The label ``key`` in the session's language."""
    return t(key, lang(), **values)


def _fingerprint(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


def client() -> ApiClient:
    """This session's API client (re-made when the API key changes)."""
    key = str(st.session_state.get(_KEY_KEY) or "").strip()
    ident = (api_url(), _fingerprint(key))
    current = st.session_state.get("_client")
    if current is None or st.session_state.get("_client_ident") != ident:
        if current is not None:
            current.close()
        st.session_state["_client"] = ApiClient(key or None)
        st.session_state["_client_ident"] = ident
        st.session_state.pop("_me", None)
    return st.session_state["_client"]


def caller(*, refresh: bool = False) -> Me | None:
    """The caller's role (cached a minute per key); ``None`` when the API cannot tell (error shown in the sidebar)."""
    api = client()
    cached = st.session_state.get("_me")
    if cached and not refresh and cached["ident"] == st.session_state.get("_client_ident") \
            and time.monotonic() - cached["at"] < _ME_TTL_S:
        return cached["me"]
    try:
        me: Me | None = api.me()
        error = None
    except ApiError as exc:
        me, error = None, exc
    st.session_state["_me"] = {"ident": st.session_state.get("_client_ident"), "at": time.monotonic(),
                               "me": me, "error": error}
    return me


def caller_error() -> ApiError | None:
    cached = st.session_state.get("_me")
    return cached.get("error") if cached else None


def is_editor() -> bool | None:
    """True/False when the role is known, ``None`` when it is not."""
    me = caller()
    return None if me is None else me.role == "editor"


@st.cache_data(ttl=20, show_spinner=False)
def _health(base_url: str) -> Health | None:
    try:
        return ApiClient(base_url=base_url).health()
    except ApiError:
        return None


def health() -> Health | None:
    """``GET /health`` (cached 20 s for everyone; it needs no key)."""
    return _health(api_url())


@st.cache_data(ttl=600, show_spinner=False)
def _topics(base_url: str) -> dict[str, dict[str, str]]:
    try:
        return ApiClient(base_url=base_url).topics()
    except ApiError:
        return {}


def topic_label(slug: str) -> str:
    """A topic's label in the UI language (from ``GET /topics``; else the slug made readable)."""
    labels = _topics(api_url()).get(slug)
    if labels:
        return labels.get(lang()) or labels.get("en") or slug
    return slug.replace("-", " ").replace("_", " ").capitalize()


def _role_label(me: Me) -> str:
    label = tr(f"role.{me.role}") if me.role in ("public", "member", "staff", "editor") else me.role
    if not st.session_state.get(_KEY_KEY):
        label = tr("role.anonymous")
    if me.inferred:
        label += f" {tr('side.role.inferred')}"
    return label


def sidebar() -> None:
    """Language switch, API key, role and backend: the same on every page."""
    with st.sidebar:
        st.segmented_control(
            f"{t('side.language', 'de')} / {t('side.language', 'en')}",
            options=list(LANGS),
            format_func=lambda code: {"de": "Deutsch", "en": "English"}[code],
            key=_LANG_KEY,
            default="de",
            required=True,
        )
        st.text_input(
            tr("side.api_key"),
            key=_KEY_KEY,
            type="password",
            placeholder=tr("side.api_key.placeholder"),
            help=tr("side.api_key.help"),
        )
        info = health()
        me = caller() if info is not None else None
        lines: list[str] = []
        if info is None:
            st.error(tr("side.api_down"), icon=":material/cloud_off:")
            st.caption(api_url())
            return
        error = caller_error()
        if me is not None:
            lines.append(f"**{tr('side.role')}:** {_role_label(me)}")
        elif error is not None and error.unauthorized:
            st.error(tr("side.key_invalid"), icon=":material/key_off:")
        llm = info.llm
        backend = llm.backend if llm else "?"
        if llm and llm.model:
            backend += f" ({llm.model})"
        lines.append(f"**{tr('side.backend')}:** {backend}")
        index = f"{info.index.engine} · {tr('side.points', n=info.index.points)} · {info.embedder}"
        lines.append(f"**{tr('side.index')}:** {index}")
        st.caption("  \n".join(lines))
        if info.status != "ok":
            st.warning(tr("side.degraded"), icon=":material/warning:")


def setup() -> None:
    """Page config and the shared CSS; call first in the entrypoint."""
    st.set_page_config(page_title="ccassist", page_icon=":material/handshake:", layout="wide",
                       initial_sidebar_state="expanded")
    st.markdown(CSS, unsafe_allow_html=True)


def not_available(what: str) -> None:
    """The friendly "not in this API yet" notice."""
    st.info(tr("common.not_available", what=what), icon=":material/construction:")


def show_error(exc: ApiError, *, what: str | None = None) -> None:
    """One message per kind of API error, in the session's language."""
    if isinstance(exc, EndpointMissing):
        not_available(what or exc.endpoint)
    elif exc.unreachable:
        st.error(tr("common.unreachable", url=api_url()), icon=":material/cloud_off:")
    elif exc.unauthorized:
        st.error(tr("common.unauthorized"), icon=":material/key_off:")
    elif exc.forbidden:
        st.warning(tr("common.forbidden", msg=exc.message), icon=":material/lock:")
    elif exc.status == 429:
        st.warning(tr("common.rate_limited"), icon=":material/hourglass:")
    else:
        st.error(tr("common.error", msg=exc.message), icon=":material/error:")


def call(fn: Any, *args: Any, what: str | None = None, **kwargs: Any) -> Any:
    """``fn(*args, **kwargs)``; on an :class:`ApiError` show it and return ``None``."""
    try:
        return fn(*args, **kwargs)
    except ApiError as exc:
        show_error(exc, what=what)
        return None
