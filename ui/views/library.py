"""Library: upload files with a visibility, follow their ingest, list and delete documents, index statistics."""

from __future__ import annotations

from typing import Any

import streamlit as st

from ui.chrome import DOCUMENT_PAGE, call, client, is_editor, lang, show_error, tr
from ui.client import ApiError
from ui.components import delete_button, flash
from ui.i18n import label_value
from ui.models import DocumentSummary, Job, Stats
from ui.render import esc, format_date

_JOBS = "lib_jobs"
_ACTIVE = ("queued", "running")


def _jobs() -> dict[str, dict[str, Any]]:
    return st.session_state.setdefault(_JOBS, {})


def job_progress(job: Job) -> float:
    """Share of the job done, 0..1 (files finished; a running file counts half)."""
    if job.status in ("done", "failed"):
        return 1.0
    if not job.total:
        return 0.0
    return min(1.0, (job.done + (0.5 if job.status == "running" and job.done < job.total else 0)) / job.total)


def _upload_form(editor: bool | None) -> None:
    st.subheader(tr("lib.upload"))
    if editor is False:
        st.info(tr("common.editor_only"), icon=":material/lock:")
        return
    with st.form("lib-upload", clear_on_submit=True, border=True):
        files = st.file_uploader(tr("lib.upload"), accept_multiple_files=True, key="lib_files",
                                 type=["pdf", "docx", "html", "htm", "md", "markdown", "txt"],
                                 help=tr("lib.upload.help"), label_visibility="collapsed")
        visibility = st.segmented_control(tr("lib.visibility"), ["public", "members", "internal"],
                                          format_func=lambda v: tr(f"vis.{v}"), default="internal", required=True,
                                          key="lib_visibility")
        submitted = st.form_submit_button(tr("lib.upload.button"), type="primary", icon=":material/upload:")
    if submitted and files:
        payload = [(f.name, f.getvalue()) for f in files]
        try:
            accepted = client().upload(payload, visibility)
        except ApiError as exc:
            show_error(exc, what="POST /documents")
            return
        _jobs()[accepted.job_id] = {"job": None, "names": [f.name for f in files]}


def _job_view(job_id: str, job: Job | None, names: list[str]) -> None:
    status = job.status if job else "queued"
    done, total = (job.done, job.total) if job else (0, len(names))
    st.progress(job_progress(job) if job else 0.0,
                text=tr("lib.job", id=job_id[:8], done=done, total=total, status=tr(f"job.{status}")))
    files = job.files if job else []
    for f in files:
        icon = {"indexed": ":green[:material/check_circle:]", "unchanged": ":gray[:material/remove_circle:]",
                "duplicate": ":gray[:material/content_copy:]", "failed": ":red[:material/error:]"}.get(
                    f.status, ":blue[:material/hourglass_top:]")
        detail = f" · {f.detail}" if f.detail else ""
        chunks = f" · {f.chunks} {tr('lib.stats.chunks')}" if f.chunks else ""
        st.caption(f"{icon} {f.filename or f.name}: {tr(f'file.{f.status}')}{chunks}{detail}")
        if f.status == "indexed" and f.doc_ids:
            for doc_id in f.doc_ids[:3]:
                st.page_link(DOCUMENT_PAGE, label=tr("common.open_document"), icon=":material/description:",
                             query_params={"doc_id": doc_id})
    if job and job.error:
        st.error(job.error)


def _poll_jobs() -> None:
    """Refresh the upload jobs once a second while any is running; the document list refreshes when all are done."""
    jobs = _jobs()
    if not jobs:
        return
    api = client()
    st.subheader(tr("lib.jobs"))
    active = False
    for job_id, entry in list(jobs.items()):
        job: Job | None = entry.get("job")
        if job is None or job.status in _ACTIVE:
            try:
                job = api.job(job_id)
                entry["job"] = job
            except ApiError as exc:
                show_error(exc, what="GET /jobs/{id}")
                jobs.pop(job_id, None)
                continue
            if job.status not in _ACTIVE:
                entry["finished_now"] = True
        active = active or job.status in _ACTIVE
        _job_view(job_id, job, entry.get("names", []))
    if not active and any(e.pop("finished_now", False) for e in jobs.values()):
        st.rerun()  # the whole page: the document list and statistics now include the new files


def _stats(stats: Stats) -> None:
    code = lang()
    st.subheader(tr("lib.stats"))
    m1, m2 = st.columns(2)
    m1.metric(tr("lib.stats.docs"), stats.documents, border=True)
    m2.metric(tr("lib.stats.chunks"), stats.chunks, border=True)
    groups = [
        (key, counts, prefix)
        for key, counts, prefix in (
            ("lib.stats.by_type", stats.by_type, "type"),
            ("lib.stats.by_language", stats.by_language, "lang"),
            ("lib.stats.by_visibility", stats.by_visibility, "vis"),
            ("lib.stats.by_year", stats.by_year, None),
        )
        if counts
    ]
    if not groups:
        return
    for tab, (_, counts, prefix) in zip(st.tabs([tr(key) for key, _, _ in groups]), groups, strict=True):
        with tab:
            data = {(label_value(prefix, c.value, code) if prefix else str(c.value)): c.count for c in counts}
            data = dict(sorted(data.items())) if prefix is None else dict(sorted(data.items(), key=lambda kv: -kv[1]))
            st.bar_chart(data, horizontal=True, height=34 + 26 * len(data), x_label="", y_label="")


def _documents(editor: bool | None) -> None:
    code = lang()
    st.subheader(tr("lib.documents"))
    text = st.text_input(tr("lib.filter"), key="lib_filter", label_visibility="collapsed",
                         placeholder=tr("lib.filter"), icon=":material/filter_list:")
    try:
        docs = client().all_documents()
    except ApiError as exc:
        show_error(exc, what="GET /documents")
        return
    if text.strip():
        words = text.lower().split()
        docs = [d for d in docs if all(w in f"{d.title} {d.source}".lower() for w in words)]
    docs.sort(key=lambda d: (d.published is None, -(d.published.toordinal() if d.published else 0), d.title))
    st.caption(tr("lib.total", n=len(docs)) + " · " + tr("lib.select_hint"))
    rows = [
        {
            tr("lib.col.title"): d.title,
            tr("lib.col.type"): label_value("type", d.doc_type, code) if d.doc_type else "",
            tr("lib.col.language"): d.language or "",
            tr("lib.col.published"): d.published.isoformat() if d.published else "",
            tr("lib.col.deadline"): d.deadline.isoformat() if d.deadline else "",
            tr("lib.col.visibility"): label_value("vis", d.visibility, code) if d.visibility else "",
            tr("lib.col.places"): ", ".join([*d.cities, *d.countries]),
            tr("lib.col.chunks"): d.n_chunks,
            tr("lib.col.source"): d.source.rsplit("/", 1)[-1],
        }
        for d in docs
    ]
    column_config = {
        tr("lib.col.title"): st.column_config.TextColumn(width="large"),
        tr("lib.col.chunks"): st.column_config.NumberColumn(width="small"),
    }
    event = st.dataframe(rows, hide_index=True, width="stretch", height=min(38 + 35 * len(rows), 560),
                         on_select="rerun", selection_mode="single-row", key="lib_table",
                         column_config=column_config)
    selected = event.selection.rows if event and event.selection else []
    if not selected:
        return
    doc = docs[selected[0]]
    _actions(doc, editor)


def _actions(doc: DocumentSummary, editor: bool | None) -> None:
    with st.container(border=True, horizontal=True, vertical_alignment="center"):
        st.markdown(f"<b>{esc(doc.title)}</b> · {esc(format_date(doc.published, lang()))}", unsafe_allow_html=True)
        st.page_link(DOCUMENT_PAGE, label=tr("common.open_document"), icon=":material/description:",
                     query_params={"doc_id": doc.doc_id})
        if editor is not False and delete_button(doc.doc_id, doc.title, key=f"lib-{doc.doc_id}"):
            st.session_state.pop("lib_table", None)
            st.rerun()


def render() -> None:
    st.title(tr("lib.title"))
    flash()
    editor = is_editor()
    left, right = st.columns(2, gap="large")
    with left:
        _upload_form(editor)
        running = any(e.get("job") is None or e["job"].status in _ACTIVE for e in _jobs().values())
        st.fragment(run_every=1.0 if running else None)(_poll_jobs)()
    with right:
        stats = call(client().stats, what="GET /stats")
        if stats is not None:
            _stats(stats)
    _documents(editor)

if __name__ == "__main__":
    render()
