"""The Streamlit UI of ccassist (``ccassist ui`` / ``streamlit run ui/app.py``); it talks to the API over HTTP only.

Modules: :mod:`ui.client` (the API client, the only place that knows URLs), :mod:`ui.models` (what it
returns), :mod:`ui.i18n` (every label in German and English), :mod:`ui.render` (text → safe HTML, right-to-left),
:mod:`ui.chrome` (sidebar and session), :mod:`ui.components` (shared widgets) and one page per module in
``ui/views/``.
"""
