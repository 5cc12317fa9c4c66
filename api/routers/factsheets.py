"""``/factsheets``: draft a cited fact sheet, read it back, edit it (editors) and export it (md, docx, pdf).

Sheets are stored as JSON under ``data_dir/factsheets/<id>.json`` together with the
visibility tier they were drafted from; only callers whose tier covers that tier can
read or export a sheet (others get 404, as for a missing one).
"""

from __future__ import annotations

import json
import logging
import re
import tempfile
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Query
from fastapi import Path as PathParam
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from agents.export import export_factsheet, render_markdown
from agents.models import FactSheet, FactSheetSection, UnsupportedSentence
from api.auth import Caller, CallerDep, EditorDep
from api.deps import ServicesDep, SettingsDep
from api.errors import ERROR_RESPONSES
from core.errors import NotFound
from core.settings import Settings

logger = logging.getLogger(__name__)

router = APIRouter(tags=["factsheets"], responses=ERROR_RESPONSES)

SheetId = Annotated[str, PathParam(min_length=1, max_length=64, description="Fact sheet id")]
_ID = re.compile(r"^[0-9a-f]{32}$")
_MEDIA = {
    "md": "text/markdown; charset=utf-8",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
}


class FactSheetRequest(BaseModel):
    topic: str = Field(min_length=2, max_length=500, description="A theme, city or partnership")


class UnsupportedOut(UnsupportedSentence):
    section: str | None = Field(None, description="Key of the section the sentence was removed from, when known")


class FactSheetOut(FactSheet):
    """The factsheet contract plus ``id`` (for GET, PUT and export)."""

    id: str
    unsupported: list[UnsupportedOut] = Field(default_factory=list)  # type: ignore[assignment]
    owner: str | None = None
    updated: str | None = None


class FactSheetEdit(BaseModel):
    """An edited fact sheet: the sheet without ``markdown``, ``trace`` and ``id`` (they are ignored if sent)."""

    model_config = ConfigDict(extra="ignore")

    topic: str = Field(min_length=1, max_length=500)
    sections: list[FactSheetSection]
    citations: list[Any] | None = None
    language: str | None = None
    grounded: bool | None = None
    unsupported: list[UnsupportedOut] | None = None
    backend: str | None = None
    generated: Any | None = None


def _dir(settings: Settings) -> Path:
    return Path(settings.data_dir) / "factsheets"


def _path(settings: Settings, sheet_id: str) -> Path:
    if not _ID.match(sheet_id):
        raise NotFound(f"no fact sheet {sheet_id!r}")
    return _dir(settings) / f"{sheet_id}.json"


def _load(settings: Settings, sheet_id: str, caller: Caller) -> dict[str, Any]:
    """The stored record; 404 when missing or drafted from documents above the caller's tier."""
    path = _path(settings, sheet_id)
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise NotFound(f"no fact sheet {sheet_id!r}") from None
    tier = set(record.get("allowed_visibility") or [])
    if not tier <= set(caller.allowed_visibility):
        raise NotFound(f"no fact sheet {sheet_id!r}")
    return record


def _save(settings: Settings, record: dict[str, Any]) -> None:
    path = _path(settings, record["id"])
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(record, ensure_ascii=False, default=str), encoding="utf-8")
    tmp.replace(path)


def _out(record: dict[str, Any]) -> FactSheetOut:
    return FactSheetOut.model_validate(
        {**record["sheet"], "id": record["id"], "owner": record.get("owner"), "updated": record.get("updated")}
    )


@router.post("/factsheets", response_model=FactSheetOut)
def create_factsheet(body: FactSheetRequest, caller: CallerDep, services: ServicesDep,
                     settings: SettingsDep) -> FactSheetOut:
    """Draft a fact sheet on a topic, city or partnership from the documents the caller may see: every sentence
    cited and grounded. Stored with the caller's tier; returns the sheet with its ``id``."""
    sheet = services.factsheet(body.topic, allowed_visibility=caller.allowed_visibility)
    if not sheet.markdown:
        sheet.markdown = render_markdown(sheet)
    data = sheet.model_dump(mode="json")
    plan = sheet.trace.plan
    sub_sections = {i: sq.section for i, sq in enumerate(plan.sub_questions)} if plan else {}
    for item in data.get("unsupported") or []:
        item.setdefault("section", None)
    if len(set(sub_sections.values()) - {None}) == 1:
        only = next(iter(set(sub_sections.values()) - {None}))
        for item in data.get("unsupported") or []:
            item["section"] = item["section"] or only
    record = {
        "id": uuid.uuid4().hex,
        "allowed_visibility": list(caller.allowed_visibility),
        "owner": caller.name,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "updated": None,
        "sheet": data,
    }
    _save(settings, record)
    logger.info("%s drafted fact sheet %s on %r", caller.name, record["id"], body.topic)
    return _out(record)


@router.get("/factsheets/{sheet_id}", response_model=FactSheetOut)
def get_factsheet(sheet_id: SheetId, caller: CallerDep, settings: SettingsDep) -> FactSheetOut:
    """A stored fact sheet. 404 when it does not exist or was drafted from documents above the caller's tier."""
    return _out(_load(settings, sheet_id, caller))


@router.put("/factsheets/{sheet_id}", response_model=FactSheetOut)
def save_factsheet(sheet_id: SheetId, body: FactSheetEdit, caller: EditorDep, settings: SettingsDep) -> FactSheetOut:
    """Save an edited fact sheet (editor role): the sheet without ``markdown``, ``trace`` and ``id``.
    Returns the saved sheet with its Markdown re-rendered."""
    record = _load(settings, sheet_id, caller)
    merged = dict(record["sheet"])
    merged.update(body.model_dump(mode="json", exclude_none=True, exclude={"unsupported"}))
    if body.unsupported is not None:
        merged["unsupported"] = [u.model_dump(mode="json", exclude={"section"}) for u in body.unsupported]
    sheet = FactSheet.model_validate(merged)
    sheet.markdown = render_markdown(sheet)
    data = sheet.model_dump(mode="json")
    if body.unsupported is not None:
        sections = {u.text: u.section for u in body.unsupported}
    else:
        sections = {u.get("text"): u.get("section") for u in record["sheet"].get("unsupported") or []}
    for item in data.get("unsupported") or []:
        item["section"] = sections.get(item["text"])
    record["sheet"] = data
    record["updated"] = datetime.now(UTC).isoformat(timespec="seconds")
    record["editor"] = caller.name
    _save(settings, record)
    logger.info("%s saved fact sheet %s", caller.name, sheet_id)
    return _out(record)


def _filename(topic: str, fmt: str) -> str:
    stem = re.sub(r"[\s/\\:*?\"<>|]+", "-", topic.strip()).strip("-.")[:80] or "factsheet"
    return f"factsheet-{stem}.{fmt}"


@router.get(
    "/factsheets/{sheet_id}/export",
    response_class=Response,
    responses={200: {"content": {m.split(";")[0]: {} for m in _MEDIA.values()}, "description": "The file"}},
)
def export(
    sheet_id: SheetId,
    caller: CallerDep,
    settings: SettingsDep,
    format: Annotated[Literal["md", "docx", "pdf"], Query(description="md, docx or pdf")] = "md",
) -> Response:
    """The fact sheet as Markdown, DOCX or PDF (citations as ``[n]``, numbered sources at the end)."""
    record = _load(settings, sheet_id, caller)
    sheet = FactSheet.model_validate(record["sheet"])
    if format == "md":
        content = (sheet.markdown or render_markdown(sheet)).encode("utf-8")
    else:
        with tempfile.TemporaryDirectory(prefix="ccassist-export-") as tmp:
            path = export_factsheet(sheet, format, Path(tmp) / f"sheet.{format}")
            content = path.read_bytes()
    name = _filename(sheet.topic, format)
    ascii_name = name.encode("ascii", "replace").decode("ascii").replace("?", "_")
    disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"
    return Response(content, media_type=_MEDIA[format], headers={"Content-Disposition": disposition})
