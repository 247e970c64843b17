"""Signing in: sessions, the current user, roles, CSRF protection, and the sign-in pages.

- A session is a cookie (``cga_session``) signed with :func:`assistant.accounts.session_secret`
  by Starlette's ``SessionMiddleware``: HttpOnly, SameSite=Lax, valid for 8 hours from
  signing in. It holds ``user_id`` and ``user_name`` (both must still match an account,
  so a deleted account's cookie is worth nothing even if its id is reused), ``sid`` (a
  random id; signing out revokes it, so a copy of the cookie stops working) and ``csrf``,
  the token every form sends back.
- An API client sends ``Authorization: Bearer TOKEN`` (``assistant users token NAME`` or
  the admin page makes one) instead of a cookie.
- :class:`SignInGate` refuses every request that is not signed in, except for the public
  paths (:data:`PUBLIC_PATHS`, :data:`PUBLIC_PREFIXES`): pages redirect to ``/login?next=…``,
  the JSON API answers 401. So a route added later is private unless it is listed there.
- Handlers ask for the user with :data:`UserDep`, :data:`AdminDep` or ``require_role(...)``,
  and every state-changing route takes :data:`CsrfDep`: the form field ``csrf_token`` or
  the header ``X-CSRF-Token`` must equal the session's token. Requests authenticated by a
  Bearer token are exempt (a browser never adds that header by itself).
- ``GET/POST /login``, ``POST /logout``, and on first run (no account yet) the form that
  creates the first administrator, accepted only from the machine itself (loopback).
"""

from __future__ import annotations

import hmac
import ipaddress
import secrets
import threading
import time
from typing import Annotated
from urllib.parse import quote, urlsplit

from fastapi import APIRouter, Depends, FastAPI, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from markupsafe import Markup, escape
from starlette.concurrency import run_in_threadpool
from starlette.middleware.sessions import SessionMiddleware

from assistant import accounts
from assistant.accounts import AccountError, User
from assistant.settings import Settings
from web.errors import FieldError, wants_json
from web.templating import render, templates

# Set once sessions, the dependencies, CSRF and the sign-in pages worked and were tested
# (the other parts of the web app waited for it while they were being written).
AUTH_READY = True

SESSION_COOKIE = "cga_session"
SESSION_MAX_AGE = 8 * 60 * 60  # seconds: a working day, then sign in again
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

# Reachable without signing in; everything else needs a session or a Bearer token.
PUBLIC_PATHS = frozenset({"/login", "/first-admin", "/healthz"})
PUBLIC_PREFIXES = ("/static/", "/govuk/", "/assets/", "/swagger/")

SIGN_IN_API = "Sign in or send Authorization: Bearer TOKEN."
CSRF_REFUSED = ("This form has expired or did not come from this site. "
                "Go back, reload the page and try again.")
WRONG_LOGIN = "The user name or password is not right. Check them and try again."
# Guessing passwords: after this many wrong ones for a name from one address (or this many
# for any names from one address) within the window, that address waits until it passes.
MAX_FAILURES_PER_NAME = 5
MAX_FAILURES_PER_ADDRESS = 30
FAILURE_WINDOW = 15 * 60  # seconds
TOO_MANY = ("Too many wrong passwords have been tried from here. Wait 15 minutes and try "
            "again, or ask an administrator to set a new password.")
FIRST_ADMIN_CLI = "assistant users create NAME --role admin --password-stdin"
ROLE_LABELS = {"commissioner": "Commissioner", "lead": "Lead", "trainer": "Trainer",
               "admin": "Administrator"}


# --- the current user --------------------------------------------------------------

def settings_of(request: Request) -> Settings:
    """The settings the app was created with."""
    return request.app.state.settings


_UNSET = object()


def current_user(request: Request) -> User | None:
    """The signed-in user: from ``Authorization: Bearer TOKEN`` if the request has that
    header (a wrong token means nobody, whatever the cookie says), else from the session
    (an Authorization header of another scheme is not ours, and is ignored).

    The answer is kept in ``request.state.user`` (and how it was found in
    ``request.state.auth``: ``"token"``, ``"session"`` or None) for the rest of the request.
    """
    cached = getattr(request.state, "user", _UNSET)
    if cached is not _UNSET:
        return cached
    user, via = None, None
    scheme, _, token = request.headers.get("authorization", "").strip().partition(" ")
    if scheme.lower() == "bearer":
        token = token.strip()
        user = accounts.user_for_token(settings_of(request), token) if token else None
        via = "token" if user else None
    else:
        session = request.scope.get("session") or {}
        user_id, name = session.get("user_id"), session.get("user_name")
        if isinstance(user_id, int) and isinstance(name, str) and not _is_revoked(session.get("sid")):
            found = accounts.get_user_by_id(settings_of(request), user_id)
            if found is not None and found.name == name:
                user, via = found, "session"
    request.state.user = user
    request.state.auth = via
    return user


# Sessions ended by signing out, until their cookies would have expired anyway: the
# cookie is deleted from the browser, and a copy of it kept elsewhere stops working too.
# (Kept in this process: a restart forgets them, but not the 8 hours' limit.)
_revoked: dict[str, float] = {}
_revoked_lock = threading.Lock()


def _revoke(sid) -> None:
    if not isinstance(sid, str):
        return
    now = time.time()
    with _revoked_lock:
        for old in [k for k, until in _revoked.items() if until < now]:
            del _revoked[old]
        _revoked[sid] = now + SESSION_MAX_AGE


def _is_revoked(sid) -> bool:
    if not isinstance(sid, str):
        return True
    with _revoked_lock:
        return sid in _revoked


def _remember(request: Request, user: User | None) -> None:
    """Start a fresh session for ``user`` (or none), ending the one there was: a new
    session id and a new CSRF token either way."""
    session = request.session
    _revoke(session.get("sid"))
    session.clear()
    if user is not None:
        session.update(user_id=user.id, user_name=user.name, sid=secrets.token_urlsafe(16))
    session["csrf"] = secrets.token_urlsafe(32)
    request.state.user = user
    request.state.auth = "session" if user else None


# --- refusals ------------------------------------------------------------------------

class SignInRequired(Exception):
    """Nobody is signed in: pages redirect to the sign-in page, the API answers 401."""


class NotAllowed(Exception):
    """The signed-in user's role may not do this."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class CsrfRefused(Exception):
    """A state-changing request without the session's CSRF token."""


def sign_in_response(request: Request):
    """What a request that needs a user gets when there is none."""
    if wants_json(request):
        return JSONResponse({"detail": SIGN_IN_API}, status_code=401,
                            headers={"WWW-Authenticate": "Bearer"})
    target = "/login"
    if request.method in ("GET", "HEAD"):
        here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        if safe_next(here) != "/":
            target += "?next=" + quote(here, safe="")
    return RedirectResponse(target, status_code=303)


async def _sign_in_required(request: Request, exc: SignInRequired):
    return sign_in_response(request)


def _page_or_json(request: Request, status: int, heading: str, messages: list[str]):
    if wants_json(request):
        return JSONResponse({"detail": " ".join(messages)}, status_code=status)
    return render(request, "error.html", status_code=status, heading=heading, messages=messages)


async def _not_allowed(request: Request, exc: NotAllowed):
    return _page_or_json(request, 403, "You cannot do this with your account", [exc.message])


async def _csrf_refused(request: Request, exc: CsrfRefused):
    return _page_or_json(request, 403, "This form has expired", [CSRF_REFUSED])


# --- dependencies --------------------------------------------------------------------

def require_user(request: Request) -> User:
    """Any signed-in user (see :data:`UserDep`)."""
    user = current_user(request)
    if user is None:
        raise SignInRequired()
    return user


UserDep = Annotated[User, Depends(require_user)]


def require_role(*roles: str):
    """A dependency admitting users with one of ``roles`` (others get a 403 saying why)."""
    unknown = set(roles) - set(accounts.ROLES)
    if unknown:
        raise ValueError(f"unknown roles: {', '.join(sorted(unknown))}")
    needed = " or ".join(ROLE_LABELS[r].lower() for r in roles)

    def dependency(user: UserDep) -> User:
        if user.role not in roles:
            raise NotAllowed(f"This needs an account with the role {needed}; yours is "
                             f"{ROLE_LABELS[user.role].lower()}. Ask an administrator if "
                             "you need to do this.")
        return user

    return dependency


AdminDep = Annotated[User, Depends(require_role("admin"))]


def csrf_token(request: Request) -> str:
    """The session's CSRF token, made on first use ("" outside a session)."""
    session = request.scope.get("session")
    if session is None:
        return ""
    token = session.get("csrf")
    if not isinstance(token, str) or not token:
        token = secrets.token_urlsafe(32)
        session["csrf"] = token
    return token


def csrf_input(request: Request) -> Markup:
    """The hidden field every POST form carries."""
    return Markup('<input type="hidden" name="{}" value="{}">').format(
        CSRF_FIELD, escape(csrf_token(request)))


_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


async def check_csrf(request: Request) -> None:
    """Refuse a state-changing request whose CSRF token is missing or wrong (403)."""
    if request.method in SAFE_METHODS:
        return
    if request.headers.get("authorization") is not None:
        await run_in_threadpool(current_user, request)
        if request.state.auth == "token":
            return
    session = request.scope.get("session") or {}
    expected = session.get("csrf")
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(_FORM_TYPES):
        sent = (await request.form()).get(CSRF_FIELD)
    if not (isinstance(expected, str) and expected and isinstance(sent, str)
            and hmac.compare_digest(sent.encode(), expected.encode())):
        raise CsrfRefused()


CsrfDep = Annotated[None, Depends(check_csrf)]
csrf_protect = Depends(check_csrf)  # for a route's ``dependencies=[...]``


# --- where to go after signing in --------------------------------------------------

def safe_next(value: str | None) -> str:
    """``value`` if it is a path on this site, else ``/``.

    Refused: anything with a scheme or host (``https://evil.example``, ``//evil.example``),
    backslashes (``/\\evil.example``, which browsers read as ``//``), control characters
    and spaces (browsers drop some, which can turn ``/\\t/x`` into ``//x``), and the
    sign-in pages themselves.
    """
    if not value or len(value) > 2000 or not value.startswith("/"):
        return "/"
    if value.startswith("//") or "\\" in value or any(ord(c) <= 0x20 or ord(c) == 0x7F for c in value):
        return "/"
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or parts.path in PUBLIC_PATHS or parts.path == "/logout":
        return "/"
    return value


def is_loopback(request: Request) -> bool:
    """Whether the request comes from this machine (127.0.0.0/8 or ::1)."""
    host = request.client.host if request.client else ""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)
    return address.is_loopback or bool(mapped and mapped.is_loopback)


# --- the gate: nothing private without a user ----------------------------------------

def is_public(path: str) -> bool:
    return path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES)


class SignInGate:
    """Refuses requests without a user, except to public paths (a plain ASGI middleware,
    so streamed responses pass untouched). Private responses are marked ``no-store``."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or is_public(scope["path"]):
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        if await run_in_threadpool(current_user, request) is None:
            await sign_in_response(request)(scope, receive, send)
            return

        async def send_private(message):
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                if not any(k.lower() == b"cache-control" for k, _ in headers):
                    headers.append((b"cache-control", b"private, no-store"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_private)


# --- slowing down password guessing ---------------------------------------------------

_failures: dict[tuple[str, str], list[float]] = {}
_failures_lock = threading.Lock()


def _failure_keys(request: Request, name: str) -> tuple[tuple[str, str], tuple[str, str]]:
    address = request.client.host if request.client else ""
    return (address, name.lower()), (address, "")


def _blocked(request: Request, name: str) -> bool:
    """Whether this address has tried too many wrong passwords lately (for this name or any)."""
    by_name, by_address = _failure_keys(request, name)
    cutoff = time.monotonic() - FAILURE_WINDOW
    with _failures_lock:
        for key in [k for k, times in _failures.items() if not times or times[-1] < cutoff]:
            del _failures[key]
        recent = {key: [t for t in _failures.get(key, []) if t >= cutoff]
                  for key in (by_name, by_address)}
    return (len(recent[by_name]) >= MAX_FAILURES_PER_NAME
            or len(recent[by_address]) >= MAX_FAILURES_PER_ADDRESS)


def _record_failure(request: Request, name: str) -> None:
    now = time.monotonic()
    with _failures_lock:
        for key in _failure_keys(request, name):
            _failures.setdefault(key, []).append(now)


def _forget_failures(request: Request, name: str) -> None:
    with _failures_lock:
        _failures.pop(_failure_keys(request, name)[0], None)


# --- pages ---------------------------------------------------------------------------

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)
_first_admin_lock = threading.Lock()


def _no_accounts(settings: Settings) -> bool:
    return not accounts.list_users(settings)


def _first_admin_page(request: Request, status_code: int = 200, form=None, errors=()):
    errors = list(errors)
    return render(request, "first_admin.html", status_code=status_code,
                  loopback=is_loopback(request), cli=FIRST_ADMIN_CLI,
                  form=form or {"name": ""}, errors=errors,
                  errors_by={e.field: e.message for e in errors})


def _login_page(request: Request, status_code: int = 200, form=None, errors=(), next_path="/"):
    errors = list(errors)
    return render(request, "login.html", status_code=status_code,
                  form=form or {"name": ""}, next=next_path if next_path != "/" else "",
                  errors=errors, errors_by={e.field: e.message for e in errors},
                  signed_out="signed-out" in request.query_params)


@router.get("/login")
def login_page(request: Request, next: str = ""):
    """The sign-in form; before any account exists, the form for the first administrator."""
    target = safe_next(next)
    if current_user(request) is not None:
        return RedirectResponse(target, status_code=303)
    if _no_accounts(settings_of(request)):
        return _first_admin_page(request)
    return _login_page(request, next_path=target)


@router.post("/login")
def login(request: Request, _csrf: CsrfDep,
          name: Annotated[str, Form()] = "", password: Annotated[str, Form()] = "",
          next: Annotated[str, Form()] = ""):
    """Check the name and password; the same message whichever of them is wrong, and the
    same refusal (429) for a name that exists or not once too many were wrong."""
    settings = settings_of(request)
    target = safe_next(next)
    name = name.strip()
    errors = []
    if not name:
        errors.append(FieldError("name", "Enter your user name."))
    if not password:
        errors.append(FieldError("password", "Enter your password."))
    if not errors and _blocked(request, name):
        return _login_page(request, 429, {"name": name}, [FieldError("name", TOO_MANY)], target)
    user = accounts.authenticate(settings, name, password) if not errors else None
    if user is None:
        if not errors:
            if _no_accounts(settings):
                return RedirectResponse("/login", status_code=303)
            _record_failure(request, name)
            errors.append(FieldError("name", WRONG_LOGIN))
        return _login_page(request, 400, {"name": name}, errors, target)
    _forget_failures(request, name)
    _remember(request, user)
    return RedirectResponse(target, status_code=303)


@router.post("/logout")
def logout(request: Request, _csrf: CsrfDep):
    """End the session (the cookie is deleted) and go back to the sign-in page."""
    _revoke(request.session.get("sid"))
    request.session.clear()
    request.state.user = request.state.auth = None
    return RedirectResponse("/login?signed-out", status_code=303)


@router.get("/first-admin")
def first_admin_page():
    """The first-administrator form lives on the sign-in page."""
    return RedirectResponse("/login", status_code=303)


@router.post("/first-admin")
def first_admin(request: Request, _csrf: CsrfDep,
                name: Annotated[str, Form()] = "", password: Annotated[str, Form()] = "",
                confirm: Annotated[str, Form()] = ""):
    """Create the first administrator and sign them in: only while there is no account,
    and only from the machine the app runs on."""
    settings = settings_of(request)
    if not is_loopback(request):
        return _first_admin_page(request, 403)
    name = name.strip()
    form = {"name": name}
    errors = []
    if not name:
        errors.append(FieldError("name", "Enter a user name."))
    if not password:
        errors.append(FieldError("password", "Enter a password."))
    elif len(password) < accounts.MIN_PASSWORD:
        errors.append(FieldError("password", f"The password must be at least "
                                             f"{accounts.MIN_PASSWORD} characters long."))
    elif confirm != password:
        errors.append(FieldError("confirm", "The two passwords are not the same."))
    if errors:
        return _first_admin_page(request, 400, form, errors)
    with _first_admin_lock:  # two people submitting at once make one admin, not two
        if not _no_accounts(settings):
            return RedirectResponse("/login", status_code=303)
        try:
            user = accounts.create_user(settings, name, "admin", password)
        except AccountError as err:
            message = str(err)
            field = "password" if "password" in message else "name"
            return _first_admin_page(request, 400, form, [FieldError(field, message[0].upper()
                                                                     + message[1:] + ".")])
    _remember(request, user)
    return RedirectResponse("/", status_code=303)


# --- wiring --------------------------------------------------------------------------

templates.env.globals.update(csrf_input=csrf_input, csrf_token=csrf_token,
                             current_user=current_user, role_labels=ROLE_LABELS)


def _document_bearer_tokens(app: FastAPI) -> None:
    """OpenAPI: the /api/ operations take ``Authorization: Bearer TOKEN`` (the docs page's
    Authorize button then sends it)."""
    generate = app.openapi

    def openapi() -> dict:
        if app.openapi_schema:
            return app.openapi_schema
        schema = generate()
        schema.setdefault("components", {}).setdefault("securitySchemes", {})["bearerAuth"] = {
            "type": "http", "scheme": "bearer",
            "description": "A personal API token: `assistant users token NAME`, or "
                           "Your account → Make an API token. Signed-in browsers send "
                           "their session cookie instead (and X-CSRF-Token on POST)."}
        for path, operations in schema.get("paths", {}).items():
            if path.startswith("/api/"):
                for operation in operations.values():
                    operation.setdefault("security", [{"bearerAuth": []}])
        return schema

    app.openapi = openapi


def install(app: FastAPI, settings: Settings) -> None:
    """Sessions, the gate, the refusal handlers and the sign-in pages, on ``app``.

    Call it before adding any middleware that must also see the gate's answers (the
    security headers): middleware added later wraps what was added before.
    """
    app.state.settings = settings
    app.add_exception_handler(SignInRequired, _sign_in_required)
    app.add_exception_handler(NotAllowed, _not_allowed)
    app.add_exception_handler(CsrfRefused, _csrf_refused)
    app.add_middleware(SignInGate)
    app.add_middleware(SessionMiddleware, secret_key=accounts.session_secret(settings),
                       session_cookie=SESSION_COOKIE, max_age=SESSION_MAX_AGE,
                       same_site="lax", https_only=False)
    app.include_router(router)
    _document_bearer_tokens(app)
