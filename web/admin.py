"""Accounts in the browser: your own account (``/account``) and, for admins, everyone's
(``/admin/users``: list, add with a role, delete, issue an API token).

An API token is shown once, on the page that answers the POST that made it, and never
again (only its SHA-256 is stored); making a new one stops the old one working.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from assistant import accounts
from assistant.accounts import AccountError, User
from web.auth import AdminDep, CsrfDep, UserDep, settings_of
from web.errors import FieldError
from web.templating import render

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)

ROLE_HINTS = {
    "commissioner": "Asks questions, searches and reads the documents; sees their own conversations.",
    "lead": "As a commissioner, and also creates commissioning workspaces and shares them.",
    "trainer": "The same as a commissioner, for people who train others.",
    "admin": "Everything, and also adds, replaces and deletes documents, manages accounts "
             "and may read everyone's conversations.",
}
# What each role may do, for the account pages (the rules themselves are in assistant.accounts).
ABILITIES = [
    ("Ask questions, search and read documents", None),
    ("Read and export their own conversations, give feedback", None),
    ("Upload, replace and delete documents", "upload"),
    ("Create commissioning workspaces and share them", "create_workspace"),
    ("Read other people's conversations and workspaces", "read_any_conversation"),
    ("Manage accounts and API tokens", "manage_users"),
]


def abilities(user: User) -> list[tuple[str, bool]]:
    return [(label, action is None or accounts.allowed(user, action)) for label, action in ABILITIES]


def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


def _token_page(request: Request, owner: User, token: str, own: bool):
    return _no_store(render(request, "token.html", owner=owner, token=token, own=own,
                            base=str(request.base_url).rstrip("/")))


# --- your own account ------------------------------------------------------------------

@router.get("/account")
def account_page(request: Request, user: UserDep):
    """Who you are, what your role may do, and a personal API token."""
    fresh = accounts.get_user_by_id(settings_of(request), user.id) or user
    return render(request, "account.html", user=fresh, abilities=abilities(fresh))


@router.post("/account/token")
def account_token(request: Request, user: UserDep, _csrf: CsrfDep):
    """A new personal API token for the signed-in user, shown once."""
    token = accounts.issue_token(settings_of(request), user.name)
    return _token_page(request, user, token, own=True)


# --- everyone's accounts (admins) --------------------------------------------------------

def _users_page(request: Request, admin: User, status_code: int = 200, form=None, errors=(),
                notice: str | None = None):
    errors = list(errors)
    users = accounts.list_users(settings_of(request))
    return render(request, "admin_users.html", status_code=status_code, users=users, me=admin,
                  roles=accounts.ROLES, role_hints=ROLE_HINTS,
                  form=form or {"name": "", "role": ""}, errors=errors,
                  errors_by={e.field: e.message for e in errors}, notice=notice,
                  min_password=accounts.MIN_PASSWORD)


def _target(request: Request, user_id: int) -> User:
    user = accounts.get_user_by_id(settings_of(request), user_id)
    if user is None:
        raise HTTPException(404, "There is no account with that number; it may have been deleted. "
                                 "Go back to the list of users.")
    return user


@router.get("/admin/users")
def users_page(request: Request, admin: AdminDep):
    """Every account, the form to add one, and each account's actions."""
    notice = None
    names = {u.name for u in accounts.list_users(settings_of(request))}
    created, deleted = request.query_params.get("created"), request.query_params.get("deleted")
    if created in names:
        notice = f"The account {created} was added."
    elif deleted and deleted not in names and accounts.NAME.fullmatch(deleted):
        notice = f"The account {deleted} was deleted, with its conversations and feedback."
    return _users_page(request, admin, notice=notice)


@router.post("/admin/users")
def create_user(request: Request, admin: AdminDep, _csrf: CsrfDep,
                name: Annotated[str, Form()] = "", role: Annotated[str, Form()] = "",
                password: Annotated[str, Form()] = ""):
    """Add an account with a role and a first password."""
    name = name.strip()
    form = {"name": name, "role": role}
    errors = []
    if not name:
        errors.append(FieldError("name", "Enter a user name."))
    if role not in accounts.ROLES:
        errors.append(FieldError("role", "Choose a role."))
    if not password:
        errors.append(FieldError("password", "Enter a password."))
    if not errors:
        try:
            accounts.create_user(settings_of(request), name, role, password)
        except AccountError as err:
            message = str(err)
            field = "password" if "password" in message else "name"
            errors.append(FieldError(field, message[0].upper() + message[1:] + "."))
    if errors:
        return _users_page(request, admin, 400, form, errors)
    return RedirectResponse(f"/admin/users?created={name}", status_code=303)


@router.post("/admin/users/{user_id}/token")
def user_token(request: Request, user_id: int, admin: AdminDep, _csrf: CsrfDep):
    """A new API token for the account, shown once; its earlier token stops working."""
    owner = _target(request, user_id)
    token = accounts.issue_token(settings_of(request), owner.name)
    return _token_page(request, owner, token, own=owner.id == admin.id)


@router.get("/admin/users/{user_id}/delete")
def delete_user_page(request: Request, user_id: int, admin: AdminDep):
    """Are you sure? (Deleting takes the account's conversations and feedback with it.)"""
    return render(request, "admin_user_delete.html", target=_target(request, user_id),
                  me=admin, errors=[], errors_by={})


@router.post("/admin/users/{user_id}/delete")
def delete_user(request: Request, user_id: int, admin: AdminDep, _csrf: CsrfDep):
    """Delete the account (never your own, never the last admin)."""
    target = _target(request, user_id)
    problem = None
    if target.id == admin.id:
        problem = "You cannot delete your own account. Ask another administrator to do it."
    else:
        try:
            accounts.delete_user(settings_of(request), target.name)
        except AccountError as err:
            problem = str(err)[0].upper() + str(err)[1:] + "."
    if problem:
        errors = [FieldError("confirm", problem)]
        return render(request, "admin_user_delete.html", status_code=400, target=target,
                      me=admin, errors=errors, errors_by={"confirm": problem})
    return RedirectResponse(f"/admin/users?deleted={target.name}", status_code=303)
