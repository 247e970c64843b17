"""The document library: every document with its metadata, and one document to read.

``/documents`` lists what the assistant searches; ``/documents/{id}`` shows a document
with a contents list of its sections, a search within it, and (with ``?start=&end=``,
offsets into its text, as search results and citations link) a passage highlighted
with its title, section and date around it. Read-only: changing the library is in
:mod:`web.uploads`, for admins.
"""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import ValidationError

from assistant.query import QuestionError
from assistant.retrieval import SearchError
from web.auth import UserDep
from web.deps import RetrieverDep
from web.errors import FieldError, explain
from web.jobs import get_jobs
from web.reading import contents, layout, passage_place
from web.schemas import SearchParams
from web.templating import render

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)

WITHIN_TOP_K = 10
NO_DOCUMENT = "There is no document with that id. The list of documents shows the ones the assistant has."


def when(timestamp: float | None) -> str:
    """A time as people in England write it: "5 March 2026, 14:07"."""
    if not timestamp:
        return ""
    moment = time.localtime(timestamp)
    return f"{moment.tm_mday} {time.strftime('%B %Y, %H:%M', moment)}"


def day(timestamp: float | None) -> str:
    """Just the date, short, for tables: "5 Mar 2026"."""
    if not timestamp:
        return ""
    moment = time.localtime(timestamp)
    return f"{moment.tm_mday} {time.strftime('%b %Y', moment)}"


def iso(timestamp: float | None) -> str:
    """A time for a ``<time datetime>`` attribute."""
    return time.strftime("%Y-%m-%dT%H:%M", time.localtime(timestamp)) if timestamp else ""


def pop_flash(request: Request) -> str:
    """A one-off message left by the last change (shown once)."""
    session = request.scope.get("session")
    return session.pop("flash", "") if session is not None else ""


@router.get("/documents")
def documents_page(request: Request, retriever: RetrieverDep, user: UserDep):
    """Every document the assistant can search, with its metadata."""
    catalog = retriever.catalog
    stats = catalog.stats()
    rows = [{"document": d, "stats": stats.get(d.doc_id)} for d in catalog.documents()]
    jobs = get_jobs(request).recent(5) if user.is_admin else []
    return render(request, "documents.html", rows=rows, documents=[r["document"] for r in rows],
                  is_admin=user.is_admin, jobs=jobs, flash=pop_flash(request), when=when,
                  day=day, iso=iso)


@router.get("/documents/{doc_id}")
def document_page(request: Request, doc_id: str, retriever: RetrieverDep, user: UserDep,
                  start: Annotated[int | None, Query(ge=0)] = None,
                  end: Annotated[int | None, Query(ge=0)] = None,
                  q: Annotated[str | None, Query()] = None):
    """A document to read: contents, a search within it, its text; the passage
    ``start``..``end`` (offsets into the text) is highlighted."""
    catalog = retriever.catalog
    record = catalog.document(doc_id)
    text = catalog.document_text(doc_id) if record else None
    if record is None or text is None:
        raise HTTPException(404, NO_DOCUMENT)
    chunks = catalog.chunks([doc_id])
    sections, anchors = contents(text, chunks, record.title)
    asked = start is not None or end is not None
    if start is None or end is None or not start < end <= len(text):
        start = end = None
    blocks = layout(text, anchors, start, end)
    marked = any(b.marked for b in blocks)
    place = passage_place(chunks, start, end) if marked else None
    stats = catalog.stats().get(doc_id)
    entry = next((e for e in retriever.entries() if e.id == doc_id), None)
    search = _search_within(retriever, doc_id, q)
    return render(request, "document.html", status_code=400 if search["errors"] else 200,
                  document=record, stats=stats, when=when, aliases=entry.aliases if entry else [],
                  sections=sections, blocks=blocks, marked=marked, place=place,
                  passage_missing=asked and not marked, search=search, is_admin=user.is_admin)


def _search_within(retriever, doc_id: str, q: str | None) -> dict:
    """The search-within form's state: the question, passages found, or what is wrong."""
    found = {"q": q or "", "asked": q is not None, "results": None, "errors": [], "errors_by": {}}
    if q is None:
        return found
    try:
        params = SearchParams.model_validate({"q": q, "doc": [doc_id]})
        results = retriever.search(params.q, top_k=WITHIN_TOP_K, doc_ids=[doc_id])
        found["results"] = [r.as_json() for r in results]
    except ValidationError as err:
        found["errors"] = explain(err.errors())
    except (QuestionError, SearchError) as err:
        found["errors"] = [FieldError("q", str(err))]
    found["errors_by"] = {e.field: e.message for e in found["errors"]}
    return found
