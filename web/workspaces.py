"""Workspaces in the browser: the list and the form that creates one, a workspace's overview
(the cycle figure, its steps' statuses, a search of its evidence and notes, sharing), its
details, deleting it, and its export as Markdown or Word.

A workspace someone may not read is a 404, exactly as an unknown one is (admins may read
any, not change it). The step pages, evidence and the step chat are in
:mod:`web.workspace_steps`. Every POST takes :data:`web.auth.CsrfDep`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from assistant import accounts, steps, workspace_search, workspaces
from assistant.accounts import User
from assistant.workspace_export import filename, workspace_docx, workspace_markdown
from assistant.workspaces import DETAILS, Workspace, WorkspaceError
from web import answer_view  # noqa: F401  (registers the `when` filter in the templates)
from web.auth import CsrfDep, NotAllowed, UserDep, require_role, settings_of
from web.cycle_figure import figure
from web.deps import RetrieverDep
from web.errors import FieldError
from web.library import pop_flash
from web.templating import render

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)

NOT_YOURS = ("There is no workspace of yours at this address. Your workspaces, and those "
             "shared with you, are listed under Workspaces.")
CreatorDep = Annotated[User, Depends(require_role(
    *[role for role in accounts.ROLES if role in accounts.PERMISSIONS["create_workspace"]]))]
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def sentence(message: str, capital: bool = True) -> str:
    """An engine message as a sentence on a page: capital first (unless it starts with a
    file's name), full stop last."""
    message = message.strip()
    if capital:
        message = message[:1].upper() + message[1:]
    return message + ("" if message.endswith((".", "?", "!")) else ".")


@contextmanager
def refusals() -> Iterator[None]:
    """The engine's refusals as the web gives them: 404 for a workspace that is not the
    user's to see, 403 (saying why) for one they may read but not change."""
    try:
        yield
    except workspaces.NotFound:
        raise HTTPException(404, NOT_YOURS) from None
    except workspaces.NotAllowed as err:
        raise NotAllowed(sentence(str(err))) from None


def cycle_of(request: Request) -> steps.Cycle:
    """The step model, or a 503 saying what is wrong with corpus/steps.yaml."""
    try:
        return steps.load(settings_of(request))
    except steps.StepModelError as err:
        raise HTTPException(503, f"The nine-step guidance is not available: {err}") from None


def load(request: Request, workspace_id: str, user: User) -> Workspace:
    """The workspace, if ``user`` may read it (blocking: reads the database)."""
    with refusals():
        return workspaces.get_workspace(settings_of(request), workspace_id, user)


def field_errors(err: WorkspaceError, ids: dict[str, str] | None = None) -> list[FieldError]:
    """The engine's field errors as the page's, each naming the control it is about."""
    ids = ids or {}
    return [FieldError(ids.get(name, name), sentence(message, capital=False))
            for name, message in err.errors.items()]


def details_form(title: Annotated[str, Form()] = "", population: Annotated[str, Form()] = "",
                 scope: Annotated[str, Form()] = "", horizon: Annotated[str, Form()] = "",
                 partners: Annotated[str, Form()] = "") -> dict[str, str]:
    """The exercise's details as posted (the engine checks them and says what is wrong)."""
    return {"title": title, "population": population, "scope": scope, "horizon": horizon,
            "partners": partners}


DetailsForm = Annotated[dict, Depends(details_form)]


def step_href(workspace_id: str, number: int) -> str:
    """The address of step ``number``'s page in a workspace."""
    return f"/workspaces/{workspace_id}/steps/{number}"


# --- the list ------------------------------------------------------------------------

def _list_page(request: Request, user: User, whose: str = "mine", form: dict | None = None,
               errors: list[FieldError] | None = None, status_code: int = 200):
    everyone = whose == "all" and user.is_admin
    listed = workspaces.list_workspaces(settings_of(request), user, all_users=everyone)
    cycle = cycle_of(request)
    numbers = [s.number for s in cycle.steps]
    errors = errors or []
    return render(request, "workspaces.html", status_code=status_code, user=user,
                  workspaces=[(w, w.progress(numbers)) for w in listed], everyone=everyone,
                  can_create=workspaces.can_create(user), details=DETAILS,
                  form=form or dict.fromkeys(DETAILS, ""), errors=errors,
                  errors_by={e.field: e.message for e in errors}, flash=pop_flash(request),
                  total=len(numbers))


@router.get("/workspaces")
def workspaces_page(request: Request, user: UserDep, whose: Literal["mine", "all"] = "mine"):
    """The user's workspaces and those shared with them (admins may list everyone's), and
    for leads and admins the form that creates one."""
    return _list_page(request, user, whose)


@router.post("/workspaces")
def create(request: Request, user: CreatorDep, _csrf: CsrfDep, form: DetailsForm):
    """Create a workspace (leads and admins) and open it."""
    try:
        workspace = workspaces.create_workspace(settings_of(request), user, form)
    except WorkspaceError as err:
        return _list_page(request, user, form=form, errors=field_errors(err), status_code=422)
    request.session["flash"] = f"The workspace “{workspace.title}” was created. Start with step 1."
    return RedirectResponse(f"/workspaces/{workspace.id}", status_code=303)


# --- one workspace ---------------------------------------------------------------------

def render_overview(request: Request, user: User, workspace_id: str, *, q: str | None = None,
                    share_name: str = "", errors: list[FieldError] | None = None,
                    status_code: int = 200):
    """The overview page (blocking); ``errors`` come from the sharing form."""
    settings = settings_of(request)
    workspace = load(request, workspace_id, user)
    cycle = cycle_of(request)
    search = {"q": q or "", "hits": None, "errors": []}
    if q is not None:
        try:
            with refusals():
                search["hits"] = workspace_search.search(settings, workspace.id, user, q)
        except WorkspaceError as err:
            search["errors"] = field_errors(err)
    errors = (errors or []) + search["errors"]
    return render(request, "workspace.html", status_code=400 if search["errors"] else status_code,
                  workspace=workspace, cycle=cycle, user=user,
                  figure=figure(cycle, workspace, lambda n: step_href(workspace.id, n)),
                  progress=workspace.progress(s.number for s in cycle.steps),
                  details=DETAILS, search=search,
                  share_name=share_name, errors=errors,
                  errors_by={e.field: e.message for e in errors}, flash=pop_flash(request),
                  can_edit=workspace.can_edit(user), is_owner=workspace.is_owner(user))


@router.get("/workspaces/{workspace_id}")
def workspace_page(request: Request, workspace_id: str, user: UserDep, q: str | None = None):
    """A workspace at a glance: the cycle figure coloured by status, the steps as a list,
    the exercise's details, a search of its evidence and notes, and who it is shared with."""
    return render_overview(request, user, workspace_id, q=q)


@router.post("/workspaces/{workspace_id}/members")
def share(request: Request, workspace_id: str, user: UserDep, _csrf: CsrfDep,
          name: Annotated[str, Form()] = ""):
    """Share the workspace with a colleague, by user name (the owner only)."""
    try:
        with refusals():
            member = workspaces.share(settings_of(request), workspace_id, user, name)
    except WorkspaceError as err:
        return render_overview(request, user, workspace_id, share_name=name,
                               errors=field_errors(err, {"name": "share-name"}), status_code=422)
    request.session["flash"] = (f"The workspace is now shared with {member.name}: they can read "
                                "and change it.")
    return RedirectResponse(f"/workspaces/{workspace_id}#sharing", status_code=303)


@router.post("/workspaces/{workspace_id}/members/{member_id}/remove")
def unshare(request: Request, workspace_id: str, member_id: int, user: UserDep, _csrf: CsrfDep):
    """Stop sharing with a colleague (the owner), or leave a workspace shared with you."""
    with refusals():
        name = workspaces.unshare(settings_of(request), workspace_id, user, member_id)
    if member_id == user.id:
        request.session["flash"] = "You have left the workspace."
        return RedirectResponse("/workspaces", status_code=303)
    request.session["flash"] = f"The workspace is no longer shared with {name}."
    return RedirectResponse(f"/workspaces/{workspace_id}#sharing", status_code=303)


# --- details, deleting -----------------------------------------------------------------

def _details_page(request: Request, workspace: Workspace, form: dict, errors=(), status_code=200):
    errors = list(errors)
    return render(request, "workspace_edit.html", status_code=status_code, workspace=workspace,
                  details=DETAILS, form=form, errors=errors,
                  errors_by={e.field: e.message for e in errors})


@router.get("/workspaces/{workspace_id}/edit")
def edit_page(request: Request, workspace_id: str, user: UserDep):
    """The form for the exercise's details, filled in."""
    workspace = load(request, workspace_id, user)
    if not workspace.can_edit(user):
        raise NotAllowed("Only the owner and the people it is shared with can change this workspace.")
    return _details_page(request, workspace, {name: getattr(workspace, name) for name in DETAILS})


@router.post("/workspaces/{workspace_id}/edit")
def edit(request: Request, workspace_id: str, user: UserDep, _csrf: CsrfDep, form: DetailsForm):
    """Save the exercise's details (owner or a member)."""
    try:
        with refusals():
            workspaces.update_details(settings_of(request), workspace_id, user, form)
    except WorkspaceError as err:
        return _details_page(request, load(request, workspace_id, user), form, field_errors(err), 422)
    request.session["flash"] = "The workspace's details were saved."
    return RedirectResponse(f"/workspaces/{workspace_id}", status_code=303)


@router.get("/workspaces/{workspace_id}/delete")
def delete_page(request: Request, workspace_id: str, user: UserDep):
    """Asks before deleting (the owner only)."""
    workspace = load(request, workspace_id, user)
    if not workspace.is_owner(user):
        raise NotAllowed("Only the owner of a workspace can delete it.")
    return render(request, "workspace_delete.html", workspace=workspace)


@router.post("/workspaces/{workspace_id}/delete")
def delete(request: Request, workspace_id: str, user: UserDep, _csrf: CsrfDep):
    """Delete the workspace with its notes, decisions, evidence and sharing (the owner only)."""
    workspace = load(request, workspace_id, user)
    with refusals():
        workspaces.delete_workspace(settings_of(request), workspace_id, user)
    request.session["flash"] = f"The workspace “{workspace.title}” was deleted."
    return RedirectResponse("/workspaces", status_code=303)


# --- export ----------------------------------------------------------------------------

def _titles(retriever) -> dict[str, str]:
    return {d.doc_id: d.title for d in retriever.catalog.documents()}


@router.get("/workspaces/{workspace_id}/export.md")
def export_markdown(request: Request, workspace_id: str, user: UserDep, retriever: RetrieverDep):
    """The workspace as a Markdown file, its sources as footnotes."""
    workspace = load(request, workspace_id, user)
    body = workspace_markdown(workspace, cycle_of(request), _titles(retriever))
    return Response(body, media_type="text/markdown; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="{filename(workspace, "md")}"'})


@router.get("/workspaces/{workspace_id}/export.docx")
def export_docx(request: Request, workspace_id: str, user: UserDep, retriever: RetrieverDep):
    """The workspace as a Word document, its sources as numbered notes at the end."""
    workspace = load(request, workspace_id, user)
    body = workspace_docx(workspace, cycle_of(request), _titles(retriever))
    return Response(body, media_type=DOCX_TYPE, headers={
        "Content-Disposition": f'attachment; filename="{filename(workspace, "docx")}"'})
