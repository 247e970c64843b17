"""History: the user's conversations, one conversation with its turns, its Markdown export,
deleting it, feedback on each answer, and the admins' feedback export.

A conversation shows exactly what was stored when each answer was given (the answer's
JSON, citations included), so reopening it later shows the same passages. Someone else's
conversation is a 404 (admins may read any).
"""

from __future__ import annotations

import json
import re
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from assistant import history
from assistant.accounts import User
from web import answer_view  # noqa: F401  (registers the answer helpers in the templates)
from web.asking import NOT_YOURS
from web.auth import AdminDep, CsrfDep, UserDep
from web.chat import form_context
from web.deps import AnswererDep
from web.errors import FieldError
from web.templating import render

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)


def _conversation(settings, conversation_id: str, user: User) -> history.Conversation:
    try:
        return history.get_conversation(settings, conversation_id, user)
    except (history.NotFound, history.NotAllowed):
        raise HTTPException(404, NOT_YOURS) from None


def render_conversation(request: Request, answerer, user: User, conversation_id: str, *,
                        form: dict | None = None, errors: list[FieldError] | None = None,
                        feedback_errors: dict | None = None, feedback_sent: dict | None = None,
                        feedback_saved: int | None = None, extra_field_ids: dict | None = None):
    """The conversation page (blocking: reads the database); 422 when ``errors`` are given."""
    conversation = _conversation(answerer.settings, conversation_id, user)
    context = form_context(request, answerer, form, errors)
    context.update(conversation=conversation, turns=conversation.turns,
                   own=conversation.user_id == user.id, feedback_errors=feedback_errors or {},
                   feedback_sent=feedback_sent or {}, feedback_saved=feedback_saved,
                   extra_field_ids=extra_field_ids or {})
    return render(request, "conversation.html", status_code=422 if errors else 200, **context)


@router.get("/conversations")
def conversations_page(request: Request, user: UserDep, answerer: AnswererDep,
                       whose: Literal["mine", "all"] = "mine", deleted: bool = False):
    """The user's conversations, latest first; admins may list everyone's."""
    everyone = whose == "all" and user.is_admin
    conversations = history.list_conversations(answerer.settings, user, all_users=everyone)
    return render(request, "conversations.html", conversations=conversations, everyone=everyone,
                  user=user, deleted=deleted)


def _filename(title: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:60].rstrip("-")
    return f"conversation-{slug or 'export'}.md"


@router.get("/conversations/{conversation_id}.md")
def conversation_export(conversation_id: str, user: UserDep, answerer: AnswererDep):
    """The conversation as a Markdown file: questions, answers with [n] marks, and sources."""
    conversation = _conversation(answerer.settings, conversation_id, user)
    return Response(history.conversation_markdown(conversation), media_type="text/markdown; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{_filename(conversation.title)}"'})


@router.get("/conversations/{conversation_id}")
def conversation_page(request: Request, conversation_id: str, user: UserDep, answerer: AnswererDep,
                      feedback: Annotated[int | None, Query()] = None):
    """Every turn of a conversation with its citations, and the follow-up form."""
    return render_conversation(request, answerer, user, conversation_id, feedback_saved=feedback)


@router.get("/conversations/{conversation_id}/turns/{turn_id}")
def turn_fragment(request: Request, conversation_id: str, turn_id: int, user: UserDep,
                  answerer: AnswererDep):
    """One turn as an HTML fragment (what chat.js puts in place of a streamed answer)."""
    conversation = _conversation(answerer.settings, conversation_id, user)
    turn = next((t for t in conversation.turns if t.id == turn_id), None)
    if turn is None:
        raise HTTPException(404, "There is no such answer in this conversation.")
    return render(request, "_turn.html", turn=turn, conversation=conversation, feedback_errors={},
                  feedback_sent={}, feedback_saved=None)


@router.get("/conversations/{conversation_id}/delete")
def delete_page(request: Request, conversation_id: str, user: UserDep, answerer: AnswererDep):
    """Asks before deleting."""
    conversation = _conversation(answerer.settings, conversation_id, user)
    return render(request, "conversation_delete.html", conversation=conversation)


@router.post("/conversations/{conversation_id}/delete")
def delete(conversation_id: str, user: UserDep, _csrf: CsrfDep, answerer: AnswererDep):
    """Delete the conversation with its turns and their feedback (owner or admin)."""
    try:
        history.delete_conversation(answerer.settings, conversation_id, user)
    except (history.NotFound, history.NotAllowed):
        raise HTTPException(404, NOT_YOURS) from None
    return RedirectResponse("/conversations?deleted=true", status_code=303)


@router.post("/conversations/{conversation_id}/turns/{turn_id}/feedback")
async def feedback(request: Request, conversation_id: str, turn_id: int, user: UserDep,
                   _csrf: CsrfDep, answerer: AnswererDep):
    """Store the user's verdict on one answer (replacing an earlier one) and go back to it."""
    data = await request.form()
    helpful = str(data.get("helpful", ""))
    comment = str(data.get("comment", ""))
    settings = answerer.settings
    conversation = await run_in_threadpool(_conversation, settings, conversation_id, user)
    turn = next((t for t in conversation.turns if t.id == turn_id), None)
    if turn is None:
        raise HTTPException(404, "There is no such answer in this conversation.")
    prefix = f"turn-{turn.position}"
    problems = {}
    if helpful not in ("yes", "no"):
        problems["helpful"] = "Select yes if the answer was helpful, or no if it was not."
    if len(comment.strip()) > history.MAX_COMMENT:
        problems["comment"] = (f"The comment is {len(comment.strip())} characters long; please keep "
                               f"it to {history.MAX_COMMENT}.")
    if problems:
        errors = [FieldError(f"{prefix}-{field}", message) for field, message in problems.items()]
        ids = {f"{prefix}-helpful": f"{prefix}-helpful-yes", f"{prefix}-comment": f"{prefix}-comment"}
        return await run_in_threadpool(
            render_conversation, request, answerer, user, conversation_id, errors=errors,
            feedback_errors={turn_id: problems}, feedback_sent={turn_id: {"helpful": helpful,
                                                                         "comment": comment}},
            extra_field_ids=ids)
    await run_in_threadpool(history.record_feedback, settings, turn_id, user, helpful == "yes", comment)
    return RedirectResponse(f"/conversations/{conversation_id}?feedback={turn_id}#{prefix}-feedback-saved",
                            status_code=303)


@router.get("/admin/feedback.jsonl")
def feedback_export(user: AdminDep, answerer: AnswererDep):
    """Every piece of feedback with its question and answer, one JSON object a line."""
    lines = history.export_feedback(answerer.settings)
    body = "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines)
    return Response(body, media_type="application/jsonl; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="feedback.jsonl"'})
