"""The JSON API: search, documents and a health check. Handlers only call the engine."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request

from web.deps import RetrieverDep
from web.schemas import (DocumentDetail, DocumentSummary, ErrorDetail, Health, SearchParams,
                         SearchResponse)

router = APIRouter()
REFUSALS = {400: {"model": ErrorDetail, "description": "The question or a filter cannot be used."},
            422: {"model": ErrorDetail, "description": "A parameter is missing or out of range."},
            503: {"model": ErrorDetail, "description": "The index or the model cannot be opened."}}


@router.get("/api/search", response_model=SearchResponse, responses=REFUSALS, tags=["search"])
def search(params: Annotated[SearchParams, Query()], retriever: RetrieverDep) -> dict:
    """The passages that best answer ``q``, best first, optionally within documents or kinds."""
    results = retriever.search(params.q, top_k=params.top_k, retriever=params.retriever,
                               doc_ids=params.doc or None, kinds=params.kind or None)
    return {"question": params.q, "results": [r.as_json() for r in results]}


@router.get("/api/documents", response_model=list[DocumentSummary], tags=["documents"])
def documents(retriever: RetrieverDep) -> list:
    """Every document in the index, in id order."""
    return [asdict(d) for d in retriever.catalog.documents()]


@router.get("/api/documents/{doc_id}", response_model=DocumentDetail, tags=["documents"],
            responses={404: {"model": ErrorDetail, "description": "No such document."}})
def document(doc_id: str, retriever: RetrieverDep) -> dict:
    """One document's details and its text (passage ``start``/``end`` offsets point into it)."""
    record = retriever.catalog.document(doc_id)
    text = retriever.catalog.document_text(doc_id) if record else None
    if record is None or text is None:
        raise HTTPException(404, f"No document with id '{doc_id}'. GET /api/documents lists them.")
    return {**asdict(record), "text": text}


@router.get("/healthz", response_model=Health, tags=["health"])
def healthz(request: Request, retriever: RetrieverDep) -> dict:
    """Whether the app is up, with the number of documents and passages it can search,
    and whether the pages' front end (govuk-frontend, installed by ``make setup``) is there."""
    return {"status": "ok", "documents": len(retriever.catalog.documents()),
            "passages": len(retriever.catalog.live_ids()),
            "frontend": bool(getattr(request.app.state, "frontend_installed", False))}
