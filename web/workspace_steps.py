"""A workspace's step pages: the guidance for the step with its sources, the step's notes,
decisions, status and evidence checklist, its evidence (typed or uploaded), and a chat
scoped to the step; previous and next follow the cycle (step 9 leads back to step 1).

The chat asks the engine with ``focus="step N: name"``: the answer comes from the passages
found at the step unless the question's own passages answer it clearly better, and whether
the question can be answered is still judged on the question alone. Each answer is stored as a turn of the asker's own conversation for that step
(:mod:`assistant.history`), so it is kept, listed under History and reopens with its
citations. Everything here is a plain form: no JavaScript needed.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from assistant import history, workspaces
from assistant.accounts import User
from assistant.answering import Conversation
from assistant.query import MAX_QUESTION_CHARS
from assistant.workspaces import MAX_EVIDENCE_TEXT, MAX_NOTES, STATUS_LABELS, STATUSES, WorkspaceError
from web import answer_view  # noqa: F401  (registers the answer helpers in the templates)
from web.asking import AskBody
from web.auth import CsrfDep, NotAllowed, UserDep, settings_of
from web.deps import AnswererDep
from web.errors import FieldError, explain
from web.library import pop_flash
from web.step_guidance import guidance
from web.templating import render
from web.upload_checks import ACCEPT, safe_name
from web.workspaces import cycle_of, field_errors, load, refusals, step_href

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)

NO_STEP = "There is no such step: the cycle has steps 1 to 9. The workspace's page lists them."
NO_EVIDENCE = "There is no such evidence in this workspace. The step pages list what it holds."
EVIDENCE_IDS = {"title": "evidence-title", "text": "evidence-text", "file": "evidence-file"}
CANNOT_EDIT = "Only the owner and the people it is shared with can change this workspace."


def _step(request: Request, number: int):
    cycle = cycle_of(request)
    try:
        return cycle, cycle.step(number)
    except KeyError:
        raise HTTPException(404, NO_STEP) from None


def _chat(settings, workspace_id: str, number: int, user: User) -> history.Conversation | None:
    """The user's conversation at this step, if they have asked there (and it still exists)."""
    conversation_id = workspaces.step_chat(settings, workspace_id, number, user)
    if conversation_id is None:
        return None
    try:
        return history.get_conversation(settings, conversation_id, user)
    except (history.NotFound, history.NotAllowed):
        return None


def render_step(request: Request, answerer, user: User, workspace_id: str, number: int, *,
                errors: list[FieldError] | None = None, step_form: dict | None = None,
                evidence_form: dict | None = None, question: str = "", status_code: int = 200):
    """The step page (blocking: reads the database); ``errors`` and the forms' input come
    back from a refused form."""
    settings = settings_of(request)
    workspace = load(request, workspace_id, user)
    cycle, step = _step(request, number)
    record = workspace.record(number)
    chat = _chat(settings, workspace.id, number, user)
    errors = errors or []
    return render(
        request, "workspace_step.html", status_code=status_code, workspace=workspace, cycle=cycle,
        step=step, record=record, guide=guidance(cycle, step, answerer.retriever.catalog),
        previous=cycle.previous(number), next=cycle.next(number), step_href=step_href,
        evidence=workspace.evidence_for(number), chat=chat, turns=chat.turns if chat else (),
        can_edit=workspace.can_edit(user), statuses=STATUSES, status_labels=STATUS_LABELS,
        step_form=step_form or {"status": record.status, "notes": record.notes,
                                "decisions": record.decisions, "checked": list(record.checked)},
        evidence_form=evidence_form or {"title": "", "text": ""}, question=question,
        errors=errors, errors_by={e.field: e.message for e in errors}, flash=pop_flash(request),
        max_notes=MAX_NOTES, max_evidence=MAX_EVIDENCE_TEXT, max_question=MAX_QUESTION_CHARS,
        accept=ACCEPT, max_mb=settings.max_file_mb,
        feedback_errors={}, feedback_sent={}, feedback_saved=None)


@router.get("/workspaces/{workspace_id}/steps/{number}")
def step_page(request: Request, workspace_id: str, number: int, user: UserDep, answerer: AnswererDep):
    """One step of the cycle for this workspace: guidance, the work on it, evidence, a chat."""
    return render_step(request, answerer, user, workspace_id, number)


@router.post("/workspaces/{workspace_id}/steps/{number}")
def save(request: Request, workspace_id: str, number: int, user: UserDep, _csrf: CsrfDep,
         answerer: AnswererDep, status: Annotated[str, Form()] = "",
         notes: Annotated[str, Form()] = "", decisions: Annotated[str, Form()] = "",
         checked: Annotated[list[str], Form()] = []):  # noqa: B006 (FastAPI copies defaults)
    """Save the step's status, notes, decisions and ticked checklist items."""
    _, step = _step(request, number)
    ticked = [step.evidence[int(i)].text for i in checked
              if i.isdigit() and int(i) < len(step.evidence)]
    try:
        with refusals():
            workspaces.save_step(settings_of(request), workspace_id, user, number, status=status,
                                 notes=notes, decisions=decisions, checked=ticked)
    except WorkspaceError as err:
        form = {"status": status, "notes": notes, "decisions": decisions, "checked": ticked}
        return render_step(request, answerer, user, workspace_id, number, step_form=form,
                           errors=field_errors(err, {"checked": "checked-0"}), status_code=422)
    request.session["flash"] = f"Step {number} was saved: {STATUS_LABELS[status].lower()}."
    return RedirectResponse(step_href(workspace_id, number), status_code=303)


def _editable(request: Request, workspace_id: str, user: User) -> workspaces.Workspace:
    """The workspace, if ``user`` may work on it (asking at a step files the answer there)."""
    workspace = load(request, workspace_id, user)
    if not workspace.can_edit(user):
        raise NotAllowed(CANNOT_EDIT)
    return workspace


# --- evidence ------------------------------------------------------------------------

@router.post("/workspaces/{workspace_id}/steps/{number}/evidence")
async def add_evidence(request: Request, workspace_id: str, number: int, user: UserDep,
                       _csrf: CsrfDep, answerer: AnswererDep):
    """Add evidence to the step: a typed note, or a file whose text is read and kept (a file
    that is refused changes nothing and the form says why)."""
    settings = settings_of(request)
    _step(request, number)
    form = await request.form(max_files=2, max_fields=20)
    try:
        title, text = str(form.get("title") or ""), str(form.get("text") or "")
        file = form.get("file")
        is_file = isinstance(file, UploadFile) and bool(file.filename)
        try:
            with refusals():
                if is_file:
                    # One byte more than the limit is enough to know a file is too large.
                    data = await file.read(int(settings.max_file_mb * 1024 * 1024) + 1)
                    added = await run_in_threadpool(workspaces.add_file_evidence, settings, workspace_id,
                                                    user, number, title, safe_name(file.filename), data)
                else:
                    added = await run_in_threadpool(workspaces.add_text_evidence, settings,
                                                    workspace_id, user, number, title, text)
        except WorkspaceError as err:
            return await run_in_threadpool(
                render_step, request, answerer, user, workspace_id, number,
                evidence_form={"title": title, "text": text},
                errors=field_errors(err, EVIDENCE_IDS), status_code=422)
    finally:
        await form.close()
    request.session["flash"] = f"“{added.title}” was added to the evidence for step {number}."
    return RedirectResponse(step_href(workspace_id, number) + "#evidence", status_code=303)


@router.get("/workspaces/{workspace_id}/evidence/{evidence_id}")
def evidence_page(request: Request, workspace_id: str, evidence_id: int, user: UserDep):
    """One piece of evidence with its whole text."""
    workspace = load(request, workspace_id, user)  # someone else's workspace: the usual 404
    try:
        evidence = workspaces.get_evidence(settings_of(request), workspace.id, evidence_id, user)
    except workspaces.NotFound:
        raise HTTPException(404, NO_EVIDENCE) from None
    _, step = _step(request, evidence.step)
    return render(request, "workspace_evidence.html", workspace=workspace, evidence=evidence,
                  step=step, step_href=step_href, can_edit=workspace.can_edit(user))


@router.post("/workspaces/{workspace_id}/evidence/{evidence_id}/delete")
def delete_evidence(request: Request, workspace_id: str, evidence_id: int, user: UserDep,
                    _csrf: CsrfDep):
    """Remove a piece of evidence (owner or a member) and go back to its step."""
    workspace = _editable(request, workspace_id, user)  # someone else's workspace: the usual 404
    try:
        removed = workspaces.delete_evidence(settings_of(request), workspace.id, evidence_id, user)
    except workspaces.NotFound:
        raise HTTPException(404, NO_EVIDENCE) from None
    request.session["flash"] = f"“{removed.title}” was removed from the evidence for step {removed.step}."
    return RedirectResponse(step_href(workspace_id, removed.step) + "#evidence", status_code=303)


# --- the step's chat -------------------------------------------------------------------

def _answer(answerer, user: User, workspace: workspaces.Workspace, step, question: str) -> int:
    """Answer at this step and store the turn in the user's conversation for it; its position."""
    settings = answerer.settings
    chat = _chat(settings, workspace.id, step.number, user)
    # Earlier questions at this step let a follow-up ("and who chairs it?") stand alone.
    earlier = Conversation(questions=[t.answer.get("standalone_question") or t.question
                                      for t in chat.turns]) if chat else Conversation()
    answer = answerer.ask(question, conversation=earlier, focus=f"step {step.number}: {step.name}")
    if chat is None:
        chat = history.start_conversation(settings, user.id,
                                          f"Step {step.number}, {workspace.title}: {question}")
        with refusals():
            workspaces.link_step_chat(settings, workspace.id, step.number, user, chat.id)
    turn = history.add_turn(settings, chat.id, answer.question, answer.as_json(), answer.backend)
    return turn.position


@router.post("/workspaces/{workspace_id}/steps/{number}/ask")
def ask(request: Request, workspace_id: str, number: int, user: UserDep, _csrf: CsrfDep,
        answerer: AnswererDep, question: Annotated[str, Form()] = ""):
    """Answer a question about this step, with citations, and show it on the step page."""
    workspace = _editable(request, workspace_id, user)
    _, step = _step(request, number)
    try:
        body = AskBody.model_validate({"question": question})
    except ValidationError as err:
        return render_step(request, answerer, user, workspace_id, number, question=question,
                           errors=explain(err.errors()), status_code=422)
    position = _answer(answerer, user, workspace, step, body.question)
    return RedirectResponse(f"{step_href(workspace_id, number)}#turn-{position}", status_code=303)
