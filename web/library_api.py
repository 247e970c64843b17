"""The JSON API for changing the library (admins only): upload, replace, delete, jobs.

``POST /api/documents`` and ``PUT /api/documents/{id}`` take the same multipart form as
the upload page, check the file at once (a refused file: 400, or 413 when too large,
with ``errors`` per field; nothing changes) and answer 202 with the background job;
``GET /api/jobs/{id}`` tells how it is going. ``DELETE /api/documents/{id}`` removes a
document everywhere. A Bearer token or a signed-in session with the ``X-CSRF-Token``
header may call them.
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, File, Form, HTTPException, Request, Response, UploadFile
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from assistant.ingest import delete_document
from web import upload_checks
from web.auth import AdminDep, CsrfDep
from web.deps import RetrieverDep
from web.jobs import Job, JobsDep
from web.schemas import ErrorDetail
from web.upload_checks import UploadRefused

router = APIRouter(tags=["documents"])


class JobOut(BaseModel):
    """A background job adding or replacing a document."""

    id: str
    action: Literal["add", "replace"]
    doc_id: str = Field(description="The document's id, once added: GET /api/documents/{doc_id}.")
    title: str
    state: Literal["queued", "running", "done", "failed"]
    progress: int = Field(ge=0, le=100, description="Percent done.")
    stage: str = Field(description="What it is doing now, for people.")
    message: str = Field(description="When done or failed: what happened, for people.")
    created_at: float
    finished_at: float | None
    url: str = Field(description="This job: GET it to follow progress.")
    page: str = Field(description="The job's page in the web app.")
    document_url: str | None = Field(description="The document, once the job is done.")


class FieldProblem(BaseModel):
    field: str
    message: str


class UploadProblem(BaseModel):
    """An upload refused before anything changed."""

    detail: str
    errors: list[FieldProblem]


REFUSED = {400: {"model": UploadProblem, "description": "The file or a field was refused; "
                                                        "nothing changed."},
           403: {"model": ErrorDetail, "description": "Only admins may change the library."},
           413: {"model": UploadProblem, "description": "The file is larger than the limit."}}


def job_json(job: Job) -> dict:
    return {**job.as_json(), "url": f"/api/jobs/{job.id}", "page": f"/documents/jobs/{job.id}",
            "document_url": f"/api/documents/{job.doc_id}" if job.state == "done" else None}


def _refused(refused: UploadRefused) -> JSONResponse:
    return JSONResponse({"detail": str(refused),
                         "errors": [{"field": f, "message": m} for f, m in refused.errors.items()]},
                        status_code=refused.status)


async def _accept(request: Request, retriever, jobs, file, values: dict, replacing: str | None):
    settings = retriever.settings
    try:
        prepared = await run_in_threadpool(
            upload_checks.prepare, settings, jobs, upload_checks.library(settings, retriever.catalog),
            file.filename if file is not None else None, file.file if file is not None else None,
            values, replacing)
    except UploadRefused as refused:
        return _refused(refused)
    job = upload_checks.start(settings, jobs, prepared)
    return JSONResponse(job_json(job), status_code=202, headers={"Location": f"/api/jobs/{job.id}"})


FILE_HELP = "The document: .pdf, .docx, .html, .md or .txt (checked by its content)."


@router.post("/api/documents", status_code=202, response_model=JobOut, responses={
    **REFUSED, 409: {"model": UploadProblem, "description": "That title is taken."}})
async def add(request: Request, retriever: RetrieverDep, jobs: JobsDep, user: AdminDep,
              _csrf: CsrfDep, file: UploadFile | None = File(None, description=FILE_HELP),
              title: str = Form(""), kind: str = Form("local", description="local or national."),
              publisher: str = Form(""), date: str = Form(""),
              aliases: str = Form("", description="Other names, separated by commas.")):
    """Add a document: checked now, ingested in the background (follow the job's ``url``).

    Its id is made from the title and must be new; a refused file changes nothing."""
    values = {"title": title, "kind": kind, "publisher": publisher, "date": date,
              "aliases": aliases}
    return await _accept(request, retriever, jobs, file, values, None)


@router.put("/api/documents/{doc_id}", status_code=202, response_model=JobOut, responses={
    **REFUSED, 404: {"model": ErrorDetail, "description": "No such document."}})
async def replace(doc_id: str, request: Request, retriever: RetrieverDep, jobs: JobsDep,
                  user: AdminDep, _csrf: CsrfDep,
                  file: UploadFile | None = File(None, description=FILE_HELP),
                  title: str = Form(""), kind: str = Form("local", description="local or national."),
                  publisher: str = Form(""), date: str = Form(""),
                  aliases: str = Form("", description="Other names, separated by commas.")):
    """Replace a document with a new version (and these details), in the background."""
    if doc_id not in upload_checks.library(retriever.settings, retriever.catalog):
        raise HTTPException(404, f"No document with id '{doc_id}'. GET /api/documents lists them.")
    values = {"title": title, "kind": kind, "publisher": publisher, "date": date,
              "aliases": aliases}
    return await _accept(request, retriever, jobs, file, values, doc_id)


@router.delete("/api/documents/{doc_id}", status_code=204, response_class=Response, responses={
    403: {"model": ErrorDetail, "description": "Only admins may change the library."},
    404: {"model": ErrorDetail, "description": "No such document."},
    409: {"model": ErrorDetail, "description": "A new version is being added."}})
def delete(doc_id: str, retriever: RetrieverDep, jobs: JobsDep, user: AdminDep, _csrf: CsrfDep):
    """Remove a document from the corpus, the manifest and the index."""
    if jobs.busy_with(doc_id) is not None:
        raise HTTPException(409, "A new version of this document is being added; delete it "
                                 "once that job has finished.")
    if not delete_document(retriever.settings, doc_id):
        raise HTTPException(404, f"No document with id '{doc_id}'. GET /api/documents lists them.")
    return Response(status_code=204)


@router.get("/api/jobs/{job_id}", response_model=JobOut, tags=["jobs"], responses={
    403: {"model": ErrorDetail, "description": "Only admins may see uploads."},
    404: {"model": ErrorDetail, "description": "No such job (they are forgotten on restart)."}})
def job(job_id: str, jobs: JobsDep, user: AdminDep) -> dict:
    """How an upload is going: state, percent done, stage, and the message at the end."""
    found = jobs.get(job_id)
    if found is None:
        raise HTTPException(404, "No job with that id; jobs are forgotten when the app restarts.")
    return job_json(found)
