"""The chat: the landing page ``/ask`` and its form, ``POST /ask``.

Without JavaScript the form posts here: the answer is stored as a turn and the browser
goes on to ``/conversations/{id}``, which shows every turn. With JavaScript,
``web/static/chat.js`` sends the same question to ``POST /api/ask/stream`` instead and
shows the answer as it comes.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from assistant.query import MAX_QUESTION_CHARS
from web import answer_view  # noqa: F401  (registers the answer helpers in the templates)
from web import asking
from web.asking import AskBody
from web.auth import CsrfDep, UserDep
from web.deps import AnswererDep
from web.errors import FieldError, explain
from web.templating import render

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)


def form_context(request: Request, answerer, form: dict | None = None,
                 errors: list[FieldError] | None = None) -> dict:
    """What the question form needs: the documents, backends and any refused input."""
    errors = errors or []
    return {"form": form or {"question": "", "doc": [], "kind": [], "backend": ""},
            "documents": answerer.retriever.catalog.documents(),
            "backends": asking.available_backends(answerer.settings),
            "backend_labels": asking.BACKEND_LABELS, "max_question": MAX_QUESTION_CHARS,
            "errors": errors, "errors_by": {e.field: e.message for e in errors},
            "turns": [], "conversation": None, "feedback_errors": {}, "feedback_sent": {},
            "feedback_saved": None}


@router.get("/")
def home(request: Request):
    """The chat is the landing page; an old search link (``/?q=…``) goes to the search."""
    if "q" in request.query_params:
        return RedirectResponse(f"/search?{request.url.query}", status_code=303)
    return RedirectResponse("/ask", status_code=303)


@router.get("/ask")
def ask_page(request: Request, user: UserDep, answerer: AnswererDep):
    """The question form, for a new conversation; ``?doc=ID`` (repeatable) and ``?kind=``
    tick those filters (a document's page links here as "Ask about this document")."""
    query = request.query_params
    form = {"question": query.get("q", "")[:MAX_QUESTION_CHARS], "doc": query.getlist("doc"),
            "kind": [k for k in query.getlist("kind") if k in ("national", "local")], "backend": ""}
    return render(request, "ask.html", **form_context(request, answerer, form))


@router.post("/ask")
async def ask_submit(request: Request, user: UserDep, _csrf: CsrfDep, answerer: AnswererDep):
    """Answer the form's question, store it, and show the conversation (303)."""
    data = await request.form()
    form = {"question": str(data.get("question", "")), "doc": [str(d) for d in data.getlist("doc") if d],
            "kind": [str(k) for k in data.getlist("kind") if k],
            "backend": str(data.get("backend", "")),
            "conversation_id": str(data.get("conversation_id", "")).strip()}
    try:
        body = AskBody.model_validate({
            "question": form["question"], "backend": form["backend"] or None,
            "conversation_id": form["conversation_id"] or None,
            "doc_ids": form["doc"], "kinds": form["kind"]})
    except ValidationError as err:
        errors = explain(err.errors())
        if form["conversation_id"]:
            from web.conversations import render_conversation

            return await run_in_threadpool(render_conversation, request, answerer, user,
                                           form["conversation_id"], form=form, errors=errors)
        return render(request, "ask.html", status_code=422,
                      **form_context(request, answerer, form, errors))
    prepared = await run_in_threadpool(asking.prepare, answerer, body, user)
    _, conversation_id, turn = await run_in_threadpool(asking.ask, answerer, prepared)
    return RedirectResponse(f"/conversations/{conversation_id}#turn-{turn.position}", status_code=303)
