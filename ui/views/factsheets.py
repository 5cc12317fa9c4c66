"""Fact sheets: topic in, cited draft out; review unsupported sentences, edit, save, download MD/DOCX/PDF."""

from __future__ import annotations

import re
from typing import Any

import streamlit as st

from ui.chrome import call, client, is_editor, lang, show_error, tr
from ui.client import ApiError
from ui.components import citation_popovers, sentences_text
from ui.models import FactSheet, FactSheetSection, Sentence, UnsupportedSentence
from ui.render import cited_html, esc, format_date, split_citations, text_dir

_SHEET = "fs_sheet"
_DECISIONS = "fs_decisions"
_DIRTY = "fs_dirty"
_MIME = {
    "md": "text/markdown",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
}


def parse_lines(text: str) -> list[Sentence]:
    """Edited section text (one sentence per line, ``[n]`` markers) back into sentences with citations."""
    sentences = []
    for line in text.splitlines():
        line = re.sub(r"^\s*[-*•]\s*", "", line).strip()
        if not line:
            continue
        runs = split_citations(line)
        cites = [n for _, nums in runs for n in nums]
        plain = re.sub(r"\s+([.!?؟])", r"\1", "".join(run for run, _ in runs)).strip()
        sentences.append(Sentence(text=plain, citations=list(dict.fromkeys(cites))))
    return sentences


def section_lines(section: FactSheetSection) -> str:
    return "\n".join(sentences_text([s]) for s in section.sentences)


def apply_decisions(sheet: FactSheet, decisions: dict[int, str]) -> FactSheet:
    """Accepted unsupported sentences go into their section (or the summary); decided ones leave the list."""
    sheet = sheet.model_copy(deep=True)
    keep: list[UnsupportedSentence] = []
    for i, u in enumerate(sheet.unsupported):
        decision = decisions.get(i)
        if decision == "accept":
            target = next((s for s in sheet.sections if u.section and u.section in (s.key, s.heading)), None)
            target = target or next((s for s in sheet.sections if s.key != "sources"), None)
            if target is not None:
                target.sentences.append(Sentence(text=u.text, citations=u.citations, note=None))
        elif decision != "reject":
            keep.append(u)
    sheet.unsupported = keep
    return sheet


def _sheet() -> FactSheet | None:
    data = st.session_state.get(_SHEET)
    return FactSheet.model_validate(data) if data else None


def _store(sheet: FactSheet, *, dirty: bool = False) -> None:
    st.session_state[_SHEET] = sheet.model_dump(mode="json")
    st.session_state[_DIRTY] = dirty
    if not dirty:
        st.session_state[_DECISIONS] = {}
        for key in [k for k in st.session_state if str(k).startswith(("fs-edit-", "fs-dec-"))]:
            del st.session_state[key]


def _downloads(sheet: FactSheet) -> None:
    """MD, DOCX and PDF buttons; each file is exported by the API when clicked (the saved version)."""
    api = client()
    sheet_id = sheet.sheet_id
    name = re.sub(r"[^\w\-]+", "_", sheet.topic, flags=re.UNICODE).strip("_")[:60] or "faktenblatt"
    for fmt in ("md", "docx", "pdf"):
        if sheet_id:
            def fetch(fmt: str = fmt, sid: str = sheet_id) -> bytes:
                return api.export_factsheet(sid, fmt)

            data: Any = fetch
        elif fmt == "md" and sheet.markdown:
            data = sheet.markdown.encode("utf-8")
        else:
            continue
        st.download_button(fmt.upper(), data=data, file_name=f"{name}.{fmt}", mime=_MIME[fmt], key=f"fs-dl-{fmt}",
                           icon=":material/download:", on_click="ignore", help=tr("fs.download"))


def _unsupported(sheet: FactSheet) -> None:
    if not sheet.unsupported:
        return
    st.subheader(tr("fs.unsupported"))
    st.caption(tr("fs.unsupported.help"))
    decisions: dict[int, str] = st.session_state.setdefault(_DECISIONS, {})
    for i, u in enumerate(sheet.unsupported):
        text_col, choice_col = st.columns([5, 2], vertical_alignment="center")
        marks = "".join(f"[{n}]" for n in u.citations)
        text_col.markdown(f'<div class="cc-unsupported"{text_dir(u.text)}>{esc(u.text)} {esc(marks)}</div>',
                          unsafe_allow_html=True)
        if u.reason:
            text_col.caption(tr("fs.reason", r=u.reason))
        choice = choice_col.segmented_control(
            " ", ["accept", "reject"], format_func=lambda d: tr(f"fs.{d}"), key=f"fs-dec-{i}",
            label_visibility="collapsed", default=decisions.get(i),
        )
        if choice != decisions.get(i):
            if choice:
                decisions[i] = choice
            else:
                decisions.pop(i, None)
            st.session_state[_DIRTY] = True


def _sections(sheet: FactSheet, editing: bool) -> None:
    """Show the sections, or edit them (the Save callback reads the edits from the text areas)."""
    known = {c.n for c in sheet.citations}
    for idx, section in enumerate(sheet.sections):
        if section.key == "sources":
            continue
        st.subheader(section.heading)
        if editing:
            original = section_lines(section)
            text = st.text_area(section.heading, value=original, key=f"fs-edit-{idx}", height=150,
                                label_visibility="collapsed", help=tr("fs.edit.help"))
            if text != original:
                st.session_state[_DIRTY] = True
            continue
        if not section.sentences:
            st.caption(tr("fs.empty_section"))
            continue
        items = []
        for s in section.sentences:
            body = cited_html(sentences_text([s]), language=sheet.language, css_class="cc-answer", known=known)
            if s.supported is False:
                body = f'<div class="cc-unsupported">{body}</div>'
            items.append(f"<li>{body}</li>")
        st.markdown(f'<ul{text_dir(" ".join(s.text for s in section.sentences))}>{"".join(items)}</ul>',
                    unsafe_allow_html=True)


def _save() -> None:
    """Save button callback (runs before the page, so it may reset the edit widgets): apply edits, PUT, reload."""
    sheet = _sheet()
    if sheet is None or not sheet.sheet_id:
        return
    edited = sheet.model_copy(deep=True)
    for idx, section in enumerate(edited.sections):
        text = st.session_state.get(f"fs-edit-{idx}")
        if st.session_state.get("fs_editing") and text is not None and text != section_lines(section):
            section.sentences = parse_lines(text)
    updated = apply_decisions(edited, st.session_state.get(_DECISIONS, {}))
    try:
        saved = client().save_factsheet(sheet.sheet_id, updated)
    except ApiError as exc:
        st.session_state["_fs_save_error"] = exc
        return
    if not saved.sheet_id:
        saved.id = sheet.sheet_id
    _store(saved)
    st.session_state["fs_editing"] = False
    st.toast(tr("fs.saved"), icon=":material/check:")


def render() -> None:
    st.title(tr("fs.title"))
    st.caption(tr("fs.intro"))
    api = client()
    with st.form("fs-new", border=False):
        t_col, b_col = st.columns([3, 1], vertical_alignment="bottom")
        topic = t_col.text_input(tr("fs.topic"), key="fs_topic", placeholder=tr("fs.topic.placeholder"))
        go = b_col.form_submit_button(tr("fs.generate"), type="primary", icon=":material/auto_awesome:",
                                      width="stretch")
    with st.expander(tr("fs.open_id")), st.form("fs-open", border=False):
        o_col, ob_col = st.columns([3, 1], vertical_alignment="bottom")
        sheet_id = o_col.text_input("ID", key="fs_open_id")
        opened = ob_col.form_submit_button(tr("fs.open"), width="stretch")
    if go and topic.strip():
        failure: ApiError | None = None
        with st.status(tr("fs.generating"), expanded=False) as status:
            try:
                _store(api.create_factsheet(topic.strip()))
                status.update(state="complete", label=topic.strip())
            except ApiError as exc:
                status.update(state="error", label=tr("fs.generating"))
                failure = exc
        if failure is not None:
            show_error(failure, what="POST /factsheets")
            return
    if opened and sheet_id.strip():
        sheet = call(api.factsheet, sheet_id.strip(), what="GET /factsheets/{id}")
        if sheet is not None:
            _store(sheet)
    sheet = _sheet()
    if sheet is None:
        return
    st.divider()
    st.header(sheet.topic, anchor=False)
    meta = []
    if sheet.generated:
        meta.append(tr("fs.generated", d=format_date(sheet.generated, lang()), b=sheet.backend or "?"))
    if sheet.sheet_id:
        meta.append(tr("fs.id", id=sheet.sheet_id))
    st.caption(" · ".join(meta))
    editor = is_editor()
    # One toolbar; the save state is known only after the sections are drawn, so it is filled in twice.
    toolbar = st.container(horizontal=True, vertical_alignment="center", gap="small")
    with toolbar:
        editing = st.toggle(tr("fs.edit"), key="fs_editing", disabled=editor is False,
                            help=tr("common.editor_only") if editor is False else None)
    error = st.session_state.pop("_fs_save_error", None)
    if error is not None:
        show_error(error, what="PUT /factsheets/{id}")
    _sections(sheet, editing)
    _unsupported(sheet)
    if sheet.citations:
        st.subheader(tr("common.sources"))
        citation_popovers(sheet.citations, key="fs")
    with toolbar:
        st.button(tr("fs.save"), type="primary", icon=":material/save:", key="fs-save", on_click=_save,
                  disabled=not sheet.sheet_id or editor is False,
                  help=tr("common.editor_only") if editor is False else None)
        _downloads(sheet)
        if st.session_state.get(_DIRTY):
            st.badge(tr("fs.unsaved"), color="orange", icon=":material/edit:")


if __name__ == "__main__":
    render()
