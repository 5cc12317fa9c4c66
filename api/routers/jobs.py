"""``GET /jobs/{job_id}``: progress and result of an upload's background ingest."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from api.auth import EditorDep
from api.deps import JobsDep
from api.errors import ERROR_RESPONSES
from api.jobs import Job

router = APIRouter(tags=["documents"], responses=ERROR_RESPONSES)


@router.get("/jobs/{job_id}", response_model=Job)
def get_job(job_id: Annotated[str, Path(max_length=64)], caller: EditorDep, jobs: JobsDep) -> Job:
    """Status (`queued`, `running`, `done`, `failed`), per-file progress and, when done, the ingest report.

    Each file lists its outcome (`indexed`, `unchanged`, `duplicate`, `failed` with the reason) and the
    ids of the documents it became. Editor role.
    """
    return jobs.get(job_id)
