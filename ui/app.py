"""The Streamlit entrypoint: ``streamlit run ui/app.py`` (or ``ccassist ui``).

It only declares the pages and draws the shared sidebar; each page lives in
``ui/views/`` and talks to the API through :mod:`ui.client`
(``CCASSIST_API_URL``, default http://127.0.0.1:8000).
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `streamlit run ui/app.py` puts ui/ on the path, not the project root
    sys.path.insert(0, str(ROOT))

import streamlit as st

from ui import chrome
from ui.chrome import tr

chrome.setup()

pages = {
    tr("nav.section.work"): [
        st.Page("views/chat.py", title=tr("nav.chat"), icon=":material/forum:", url_path="chat", default=True),
        st.Page("views/search.py", title=tr("nav.search"), icon=":material/search:", url_path="search"),
        st.Page("views/exchanges.py", title=tr("nav.exchanges"), icon=":material/diversity_3:",
                url_path="exchanges"),
        st.Page("views/calls.py", title=tr("nav.calls"), icon=":material/campaign:", url_path="calls"),
        st.Page("views/factsheets.py", title=tr("nav.factsheets"), icon=":material/article:",
                url_path="factsheets"),
    ],
    tr("nav.section.manage"): [
        st.Page("views/library.py", title=tr("nav.library"), icon=":material/folder_open:", url_path="library"),
        st.Page(chrome.DOCUMENT_PAGE, title=tr("nav.document"), icon=":material/description:",
                url_path="document"),
    ],
}

navigation = st.navigation(pages)
chrome.sidebar()
navigation.run()
