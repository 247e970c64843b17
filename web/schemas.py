"""The shapes of the web API: what a search accepts and what the endpoints return.

One :class:`SearchParams` model validates a search for both the JSON API and the
HTML search page, so both refuse the same input with the same messages
(:mod:`web.errors` turns pydantic's errors into sentences).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from assistant.manifest import Kind
from assistant.query import MAX_QUESTION_CHARS
from assistant.retrieval import RetrieverName

MAX_TOP_K = 50


class SearchParams(BaseModel):
    """A search request (query parameters of ``GET /api/search`` and ``GET /``)."""

    q: str = Field(min_length=1, max_length=MAX_QUESTION_CHARS,
                   description="The question, as a commissioner would type it.")
    top_k: int | None = Field(None, ge=1, le=MAX_TOP_K,
                              description="Passages to return (1 to 50); default: the top_k setting.")
    retriever: RetrieverName | None = Field(
        None, description="hybrid (BM25 and dense, fused), dense (meaning) or bm25 (keywords); "
                          "default: the retriever setting.")
    doc: list[str] = Field(default_factory=list,
                           description="Only search these documents (ids; repeat the parameter).")
    kind: list[Kind] = Field(default_factory=list,
                             description="Only search national or local documents (repeatable).")


class Passage(BaseModel):
    """A retrieved passage (``SearchResult.as_json()``; extra fields pass through)."""

    model_config = ConfigDict(extra="allow")

    doc_id: str
    title: str
    section: str
    heading_path: list[str]
    text: str
    start: int = Field(description="Offset of the passage in the document text.")
    end: int
    kind: str
    score: float


class SearchResponse(BaseModel):
    """The answer to ``GET /api/search``."""

    question: str
    results: list[Passage]


class DocumentSummary(BaseModel):
    """A document in the index."""

    doc_id: str
    title: str
    publisher: str
    date: str
    kind: str


class DocumentDetail(DocumentSummary):
    """A document with its text (passage offsets point into ``text``)."""

    original: str = Field(description="The file name the document came as.")
    text: str


class Health(BaseModel):
    """What ``GET /healthz`` reports."""

    status: Literal["ok"]
    documents: int
    passages: int
    frontend: bool = Field(description="False when govuk-frontend is not installed (run `make "
                                       "setup`): the pages are then shown without their styles.")


class ErrorDetail(BaseModel):
    """A refused request; ``detail`` is written for people."""

    detail: str
