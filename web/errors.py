"""Refusals people can read: validation and engine errors as JSON for /api, HTML elsewhere."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from assistant.embedding import ModelMissing
from assistant.query import MAX_QUESTION_CHARS, QuestionError
from assistant.retrieval import SearchError
from assistant.vectorstore import StoreUnavailable
from web.schemas import MAX_TOP_K
from web.templating import render

log = logging.getLogger(__name__)

PAGE_TITLES = {400: "There is a problem with the search", 404: "Page not found",
               405: "Method not allowed", 422: "There is a problem with the address",
               503: "The search is not available", 500: "Something went wrong"}


@dataclass(frozen=True)
class FieldError:
    """One refused parameter and what to do about it."""

    field: str
    message: str


def _message(field: str, error: dict) -> str:
    kind = error.get("type", "")
    if field in ("q", "question"):
        if kind == "value_error" and error.get("ctx", {}).get("error"):
            return str(error["ctx"]["error"])  # assistant.query.clean_question's own words
        if kind == "string_too_long":
            return (f"The question is {len(str(error.get('input', '')))} characters long; "
                    f"please keep it under {MAX_QUESTION_CHARS}.")
        return "Please type a question."
    if field == "top_k":
        return f"The number of passages must be a whole number from 1 to {MAX_TOP_K}."
    if field == "retriever":
        return "The retriever must be hybrid, dense or bm25."
    if field in ("kind", "kinds"):
        return "The kind of document must be national or local."
    if field == "backend":
        return "The backend must be extractive, local or openai."
    if field == "doc_ids":
        return "The documents must be given as a list of document ids."
    if field in ("start", "end"):
        return "The passage position must be a whole number, 0 or more."
    return f"{field}: {error.get('msg', 'not valid')}."


def explain(errors) -> list[FieldError]:
    """Pydantic/FastAPI errors as one sentence per field, in the order they came."""
    seen: dict[str, FieldError] = {}
    for error in errors:
        loc = [part for part in error.get("loc", ()) if part not in ("query", "path", "body")]
        field = str(loc[0]) if loc else "request"
        seen.setdefault(field, FieldError(field, _message(field, error)))
    return list(seen.values())


def wants_json(request: Request) -> bool:
    """True for the machine-facing routes."""
    path = request.url.path
    return path.startswith("/api/") or path in ("/healthz", "/openapi.json")


def _refuse(request: Request, status: int, messages: list[str], headers=None):
    if wants_json(request):
        return JSONResponse({"detail": " ".join(messages)}, status_code=status, headers=headers)
    return render(request, "error.html", status_code=status, heading=PAGE_TITLES.get(
        status, "Something went wrong"), messages=messages)


async def _validation(request: Request, exc: RequestValidationError):
    problems = explain(exc.errors())
    if wants_json(request):
        return JSONResponse(
            {"detail": " ".join(f"{p.field}: {p.message}" for p in problems),
             "errors": [{"field": p.field, "message": p.message} for p in problems]},
            status_code=422)
    return _refuse(request, 422, [p.message for p in problems])


async def _http(request: Request, exc: StarletteHTTPException):
    detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
    if exc.status_code == 404 and not wants_json(request) and detail == "Not Found":
        detail = "There is no page at this address. Check it, or start again from the search."
    return _refuse(request, exc.status_code, [detail], headers=getattr(exc, "headers", None))


async def _bad_request(request: Request, exc: Exception):
    return _refuse(request, 400, [str(exc)])


async def _unavailable(request: Request, exc: Exception):
    log.error("Search unavailable: %s", exc)
    return _refuse(request, 503, [str(exc)])


async def _server_error(request: Request, exc: Exception):
    log.exception("Unexpected error serving %s", request.url.path)
    return _refuse(request, 500, ["Something went wrong on our side. Please try again; "
                                  "if it keeps happening, tell whoever runs this service."])


def install(app: FastAPI) -> None:
    """Register the handlers on ``app``."""
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(QuestionError, _bad_request)
    app.add_exception_handler(SearchError, _bad_request)
    app.add_exception_handler(ModelMissing, _unavailable)
    app.add_exception_handler(StoreUnavailable, _unavailable)
    app.add_exception_handler(Exception, _server_error)
