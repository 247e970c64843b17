"""The JSON API for answers: ``POST /api/ask`` and its streaming twin ``POST /api/ask/stream``.

Both need a signed-in user: ``Authorization: Bearer TOKEN`` (``assistant users token NAME``),
or the session cookie with its ``X-CSRF-Token`` header (what the chat page's script sends).
Every answer is stored as a turn of the user's conversation, as the chat page stores it.
"""

from __future__ import annotations

from functools import partial

from fastapi import APIRouter
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from web import asking, streaming
from web.asking import AskBody
from web.auth import CsrfDep, UserDep
from web.deps import AnswererDep
from web.schemas import ErrorDetail

router = APIRouter(tags=["ask"])
REFUSALS = {
    401: {"model": ErrorDetail, "description": "No user: sign in, or send a Bearer token."},
    403: {"model": ErrorDetail, "description": "A session without its CSRF token, or someone "
                                               "else's conversation."},
    404: {"model": ErrorDetail, "description": "No conversation of yours with that id."},
    422: {"model": ErrorDetail, "description": "The question is empty or too long, or a filter "
                                               "names no known document or kind."},
}


class CitationOut(BaseModel):
    """A cited passage and the verbatim quote that backs the sentence citing it."""

    model_config = ConfigDict(extra="allow")

    n: int
    doc_id: str
    title: str
    section: str
    quote: str
    quote_start: int = Field(description="Offset of the quote in the document text.")
    quote_end: int
    text: str = Field(description="The whole passage.")
    start: int
    end: int
    heading_path: list[str]
    date: str


class AskResponse(BaseModel):
    """An answer (as ``assistant ask --json`` prints it), with where it was stored."""

    model_config = ConfigDict(extra="allow")

    answer: str = Field(description="The supported sentences with their [n] marks, or the refusal.")
    refused: bool
    citations: list[CitationOut]
    unsupported: list[str] = Field(description="Sentences no passage backs (not part of the answer).")
    supported_sentences: int
    related: list[CitationOut] = Field(description="For a refusal: the nearest passages.")
    backend: str
    fallback: str = Field(description="Why the requested backend was not used, if it was not.")
    standalone_question: str = Field(description="The question as searched (a follow-up made "
                                                 "to stand alone).")
    conversation_id: str
    turn_id: int


@router.post("/api/ask", response_model=AskResponse, responses=REFUSALS)
def ask(body: AskBody, user: UserDep, _csrf: CsrfDep, answerer: AnswererDep) -> dict:
    """Answer a question from the documents, citing every sentence, and store it in a
    conversation (a new one unless ``conversation_id`` is given)."""
    prepared = asking.prepare(answerer, body, user)
    return asking.ask(answerer, prepared)[0]


@router.post("/api/ask/stream", response_class=StreamingResponse, responses={
    **REFUSALS, 200: {"content": {"text/event-stream": {}}, "description": (
        "Server-sent events: `status` (searching, then the passages found), `token` (a language "
        "model's draft, piece by piece), `sentence` (a verified sentence of the answer), then "
        "`answer` (the JSON of POST /api/ask) or `error` (`{\"detail\"}`).")}})
async def ask_stream(body: AskBody, user: UserDep, _csrf: CsrfDep, answerer: AnswererDep):
    """The same answer as ``POST /api/ask``, as server-sent events while it is produced."""
    prepared = await run_in_threadpool(asking.prepare, answerer, body, user)
    return StreamingResponse(streaming.stream(partial(streaming.answer_events, answerer, prepared)),
                             media_type="text/event-stream", headers=streaming.SSE_HEADERS)
