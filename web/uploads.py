"""Changing the library, for admins: upload a document, replace it, delete it, watch a job.

Every route here takes :data:`web.auth.AdminDep` (anyone else gets 403) and every POST
:data:`web.auth.CsrfDep`. An upload is checked in the request (:mod:`web.upload_checks`):
a refused file is reported on the form and changes nothing. An accepted one is ingested
in the background; the browser goes to its job page, which shows the progress.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from assistant import manifest
from assistant.ingest import delete_document
from web import upload_checks
from web.auth import AdminDep, CsrfDep
from web.deps import RetrieverDep
from web.errors import FieldError
from web.jobs import JobsDep
from web.library import NO_DOCUMENT
from web.templating import render
from web.upload_checks import Metadata, UploadRefused

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)

NO_JOB = ("There is no upload with that id. Uploads are remembered until the app restarts; "
          "the list of documents shows what the library holds.")


def _form_page(request: Request, retriever, meta: Metadata, errors: dict[str, str] | None = None,
               replacing=None, status_code: int = 200):
    errors = errors or {}
    ordered = [FieldError(f, errors[f]) for f in upload_checks.FIELDS if f in errors]
    return render(request, "upload.html", status_code=status_code, meta=meta,
                  errors=ordered, errors_by=errors, replacing=replacing,
                  accept=upload_checks.ACCEPT, max_mb=retriever.settings.max_file_mb)


def _entry(retriever, doc_id: str) -> manifest.Entry | None:
    return next((e for e in retriever.entries() if e.id == doc_id), None)


async def _submit(request: Request, retriever, jobs, replacing=None):
    """Check the posted form and queue the ingest: the job page, or the form with errors."""
    settings = retriever.settings
    form = await request.form(max_files=2, max_fields=20)
    try:
        file = form.get("file")
        is_file = isinstance(file, UploadFile) and bool(file.filename)
        prepared = await run_in_threadpool(
            upload_checks.prepare, settings, jobs, upload_checks.library(settings, retriever.catalog),
            file.filename if is_file else None, file.file if is_file else None, form,
            replacing.doc_id if replacing else None)
    except UploadRefused as refused:
        meta, _ = upload_checks.read_metadata(form)
        return _form_page(request, retriever, meta, refused.errors, replacing, refused.status)
    finally:
        await form.close()
    job = upload_checks.start(settings, jobs, prepared)
    return RedirectResponse(f"/documents/jobs/{job.id}", status_code=303)


@router.get("/documents/upload")
def upload_page(request: Request, retriever: RetrieverDep, user: AdminDep):
    """The form for adding a document."""
    return _form_page(request, retriever, Metadata(kind="local"))


@router.post("/documents/upload")
async def upload(request: Request, retriever: RetrieverDep, jobs: JobsDep, user: AdminDep,
                 _csrf: CsrfDep):
    """Check an uploaded document; if it is accepted, ingest it in the background."""
    return await _submit(request, retriever, jobs)


def _existing(retriever, doc_id: str):
    record = retriever.catalog.document(doc_id)
    entry = _entry(retriever, doc_id)
    if record is None and entry is None:
        raise HTTPException(404, NO_DOCUMENT)
    return record, entry


@dataclass(frozen=True)
class Target:
    """The document a replace or delete is about."""

    doc_id: str
    title: str


def _target(doc_id: str, record, entry) -> Target:
    return Target(doc_id, record.title if record else entry.title)


@router.get("/documents/{doc_id}/replace")
def replace_page(request: Request, doc_id: str, retriever: RetrieverDep, user: AdminDep):
    """The form for a new version of a document, filled in with what it says now."""
    record, entry = _existing(retriever, doc_id)
    meta = Metadata.of(entry) if entry else Metadata(record.title, record.kind, record.publisher,
                                                     record.date)
    return _form_page(request, retriever, meta, replacing=_target(doc_id, record, entry))


@router.post("/documents/{doc_id}/replace")
async def replace(request: Request, doc_id: str, retriever: RetrieverDep, jobs: JobsDep,
                  user: AdminDep, _csrf: CsrfDep):
    """Check the new version; if it is accepted, it replaces the old one in the background."""
    record, entry = _existing(retriever, doc_id)
    return await _submit(request, retriever, jobs, replacing=_target(doc_id, record, entry))


@router.get("/documents/{doc_id}/delete")
def delete_page(request: Request, doc_id: str, retriever: RetrieverDep, user: AdminDep):
    """Are you sure?"""
    record, entry = _existing(retriever, doc_id)
    return render(request, "delete.html", doc_id=doc_id, title=_target(doc_id, record, entry).title)


@router.post("/documents/{doc_id}/delete")
def delete(request: Request, doc_id: str, retriever: RetrieverDep, jobs: JobsDep,
           user: AdminDep, _csrf: CsrfDep):
    """Remove the document from the corpus, the manifest and the index."""
    title = _target(doc_id, *_existing(retriever, doc_id)).title
    if jobs.busy_with(doc_id) is not None:
        return render(request, "error.html", status_code=409, heading="Wait for the upload to finish",
                      messages=["A new version of this document is being added. Delete it once "
                                "that has finished."])
    delete_document(retriever.settings, doc_id)
    request.session["flash"] = f"“{title}” was deleted. It can no longer be searched or cited."
    return RedirectResponse("/documents", status_code=303)


@router.get("/documents/jobs/{job_id}")
def job_page(request: Request, job_id: str, jobs: JobsDep, user: AdminDep):
    """How an upload is going; reloads itself with JavaScript, or has a Refresh link."""
    job = jobs.get(job_id)
    if job is None:
        raise HTTPException(404, NO_JOB)
    return render(request, "job.html", job=job)
