"""Signing in, sessions, roles, CSRF and API tokens, over the real app and a real SQLite database.

The checks that walk ``app.routes`` (every private route refuses a visitor who is not
signed in; every state-changing route refuses a request without the CSRF token) cover
routes added later without anyone listing them here.
"""

from __future__ import annotations

import base64
import json
import re
import time
from urllib.parse import parse_qs, urlsplit

import itsdangerous
import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient

from assistant import accounts
from assistant.database import dispose_databases
from assistant.settings import Settings
from fixtures.auth import PASSWORD, USERS, create_users, csrf_from, page_csrf, signed_in_client
from fixtures.documents import write_small_corpus
from web import auth
from web.app import create_app

STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}
LOOPBACK = ("127.0.0.1", 50123)
EVIL_NEXTS = ["//evil.example", "https://evil.example", "http://evil.example/x",
              "/\\evil.example", "\\\\evil.example", "/\t/evil.example", "/%09/x\n//evil.example",
              "javascript:alert(1)", "evil.example", " //evil.example", "///evil.example",
              "https:/evil.example"]


def _settings(root) -> Settings:
    write_small_corpus(root / "corpus")
    return Settings(data_dir=root / "data", corpus_dir=root / "corpus", _env_file=None)


def _probe_app(settings: Settings) -> FastAPI:
    """The app, plus one JSON route that changes state, to show how the API is protected."""
    app = create_app(settings)

    @app.post("/api/test-probe", include_in_schema=False)
    def probe(user: auth.UserDep, _csrf: auth.CsrfDep) -> dict:
        return {"user": user.name}

    return app


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    """One app for the module, over a small corpus (not indexed: these tests need no search)."""
    settings = _settings(tmp_path_factory.mktemp("auth"))
    create_users(settings)
    app = _probe_app(settings)
    with TestClient(app):  # startup: the retriever exists, as it does when served
        yield app
    dispose_databases()


@pytest.fixture
def anonymous(app):
    return TestClient(app)


@pytest.fixture
def admin(app):
    return signed_in_client(app, "admin")


@pytest.fixture
def carol(app):
    return signed_in_client(app, "carol")


def _routes(app: FastAPI):
    """Every route with a path and methods, those of included routers among them."""
    for route in iter_route_contexts(app.routes):
        if route.path and route.methods:
            yield route


def _concrete(path: str) -> str:
    """A route's path with each parameter filled in."""
    return re.sub(r"\{[^}]+\}", "1", path)


def _login(client: TestClient, name: str, password: str, next_path: str | None = None,
           token: str | None = None):
    data = {"name": name, "password": password,
            "csrf_token": token if token is not None else page_csrf(client)}
    if next_path is not None:
        data["next"] = next_path
    return client.post("/login", data=data, follow_redirects=False)


# --- signing in ------------------------------------------------------------------------

def test_password_sign_in_works_and_lands_where_it_was_going(anonymous):
    first = anonymous.get("/account?kind=local", follow_redirects=False)
    assert first.status_code == 303
    location = first.headers["location"]
    assert location == "/login?next=%2Faccount%3Fkind%3Dlocal"
    login_page = anonymous.get(location)
    assert login_page.status_code == 200
    assert '<input type="hidden" name="next" value="/account?kind=local">' in login_page.text
    response = _login(anonymous, "carol", PASSWORD, "/account?kind=local",
                      token=csrf_from(login_page.text))
    assert response.status_code == 303
    assert response.headers["location"] == "/account?kind=local"
    page = anonymous.get("/account")
    assert page.status_code == 200
    assert "Signed in as <strong>carol</strong> (commissioner)" in page.text


def test_a_wrong_password_and_an_unknown_name_get_the_same_readable_refusal(anonymous):
    wrong = _login(anonymous, "carol", "not the password at all")
    unknown = _login(anonymous, "nobody-here", "not the password at all")
    for response in (wrong, unknown):
        assert response.status_code == 400
        assert "cga_session" not in response.headers.get("set-cookie", "") or \
            "user_id" not in _session_of(response)
        assert auth.WRONG_LOGIN in response.text
        assert "There is a problem" in response.text and "<title>Error: Sign in" in response.text
    # Nothing but the name typed back tells the two apart.
    assert _without_tokens(wrong.text).replace('value="carol"', 'value="X"') == \
        _without_tokens(unknown.text).replace('value="nobody-here"', 'value="X"')
    assert anonymous.get("/account", follow_redirects=False).status_code == 303


def test_empty_fields_are_asked_for(anonymous):
    response = _login(anonymous, "", "")
    assert response.status_code == 400
    assert "Enter your user name." in response.text and "Enter your password." in response.text
    assert 'aria-invalid="true"' in response.text


def test_the_session_cookie_is_httponly_lax_and_lasts_a_working_day(anonymous):
    response = _login(anonymous, "carol", PASSWORD)
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{auth.SESSION_COOKIE}=")
    attributes = {part.strip().split("=")[0].lower() for part in cookie.split(";")[1:]}
    assert {"httponly", "samesite", "path", "max-age"} <= attributes
    assert "samesite=lax" in cookie.lower() and "Max-Age=28800" in cookie


def test_signing_out_clears_the_cookie_and_a_copy_of_it_stops_working(carol):
    stolen = carol.cookies.get(auth.SESSION_COOKIE)
    assert carol.get("/account", follow_redirects=False).status_code == 200
    token = page_csrf(carol, "/account")
    response = carol.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login?signed-out"
    cleared = response.headers["set-cookie"]
    assert cleared.startswith(f"{auth.SESSION_COOKIE}=") and "1970" in cleared
    assert carol.cookies.get(auth.SESSION_COOKIE) in (None, "null")
    assert "You have signed out." in carol.get("/login?signed-out").text
    assert carol.get("/account", follow_redirects=False).status_code == 303
    replay = TestClient(carol.app, cookies={auth.SESSION_COOKIE: stolen})
    assert replay.get("/account", follow_redirects=False).status_code == 303


def test_signing_in_again_starts_a_new_session(carol, app):
    before = carol.cookies.get(auth.SESSION_COOKIE)
    token = page_csrf(carol, "/account")
    assert _login(carol, "lee", PASSWORD, token=token).status_code == 303
    assert "Signed in as <strong>lee</strong>" in carol.get("/account").text
    replay = TestClient(app, cookies={auth.SESSION_COOKIE: before})
    assert replay.get("/account", follow_redirects=False).status_code == 303


def test_a_tampered_or_expired_cookie_signs_nobody_in(app, carol):
    cookie = carol.cookies.get(auth.SESSION_COOKIE)
    payload, rest = cookie.split(".", 1)
    data = json.loads(base64.b64decode(payload))
    data["user_name"], data["user_id"] = "admin", accounts.get_user(app.state.settings, "admin").id
    forged = base64.b64encode(json.dumps(data).encode()).decode() + "." + rest
    assert TestClient(app, cookies={auth.SESSION_COOKIE: forged}).get(
        "/admin/users", follow_redirects=False).status_code == 303

    class NineHoursAgo(itsdangerous.TimestampSigner):
        def get_timestamp(self):
            return int(time.time()) - 9 * 3600

    signer = NineHoursAgo(accounts.session_secret(app.state.settings))
    old = signer.sign(base64.b64encode(json.dumps(data).encode())).decode()
    assert TestClient(app, cookies={auth.SESSION_COOKIE: old}).get(
        "/account", follow_redirects=False).status_code == 303
    fresh = itsdangerous.TimestampSigner(accounts.session_secret(app.state.settings))
    # The same cookie signed now would work: it is only the age that refuses it above.
    data_carol = {**data, "user_name": "carol", "user_id": accounts.get_user(app.state.settings, "carol").id}
    good = fresh.sign(base64.b64encode(json.dumps(data_carol).encode())).decode()
    assert TestClient(app, cookies={auth.SESSION_COOKIE: good}).get(
        "/account", follow_redirects=False).status_code == 200


def test_a_deleted_account_cookie_is_worth_nothing_even_if_its_id_is_reused(app):
    settings = app.state.settings
    accounts.create_user(settings, "temp-user", "commissioner", PASSWORD)
    client = signed_in_client(app, "temp-user")
    assert client.get("/account", follow_redirects=False).status_code == 200
    accounts.delete_user(settings, "temp-user")
    assert client.get("/account", follow_redirects=False).status_code == 303
    replacement = accounts.create_user(settings, "temp-user2", "admin", PASSWORD)
    try:
        assert client.get("/account", follow_redirects=False).status_code == 303, replacement
    finally:
        accounts.delete_user(settings, "temp-user2")


# --- what needs signing in -------------------------------------------------------------

def test_every_private_route_refuses_a_visitor_who_is_not_signed_in(app, anonymous):
    checked = 0
    for route in _routes(app):
        path = _concrete(route.path)
        for method in sorted(route.methods - {"HEAD"}):
            response = anonymous.request(method, path, follow_redirects=False)
            if auth.is_public(route.path):
                assert response.status_code != 401, (method, path)
                assert not response.headers.get("location", "").startswith("/login?next"), path
                continue
            checked += 1
            if path.startswith("/api/") or path == "/openapi.json":
                assert response.status_code == 401, (method, path, response.text)
                assert response.json() == {"detail": auth.SIGN_IN_API}
                assert response.headers["www-authenticate"] == "Bearer"
            else:
                assert response.status_code == 303, (method, path, response.text)
                assert response.headers["location"].startswith("/login"), (method, path)
    assert checked >= 8
    assert anonymous.get("/no/such/page", follow_redirects=False).status_code == 303


def test_the_public_paths_stay_public(anonymous):
    assert anonymous.get("/healthz").status_code == 200
    assert anonymous.get("/login").status_code == 200
    assert anonymous.get("/static/app.css").status_code == 200
    assert anonymous.get("/govuk/govuk-frontend.min.css").status_code == 200
    assert anonymous.get("/assets/manifest.json").status_code == 200


def test_private_pages_are_not_stored_by_caches(carol):
    assert carol.get("/account").headers["cache-control"] == "private, no-store"


def test_the_header_shows_who_is_signed_in_with_a_sign_out_form(carol, admin):
    page = carol.get("/account").text
    assert "Signed in as <strong>carol</strong> (commissioner)" in page
    form = re.search(r'<form method="post" action="/logout"[^>]*>(.*?)</form>', page, re.S)
    assert form and 'name="csrf_token"' in form.group(1) and ">Sign out</button>" in form.group(1)
    assert 'href="/admin/users"' not in page
    assert 'href="/admin/users"' in admin.get("/account").text
    assert re.search(r'<meta name="csrf-token" content="[^"]{20,}">', page)


# --- CSRF ------------------------------------------------------------------------------

def _state_changing(app: FastAPI):
    for route in _routes(app):
        for method in sorted(route.methods & STATE_CHANGING):
            yield method, route


def test_every_state_changing_route_refuses_a_request_without_the_csrf_token(app, admin):
    """Signed in, with a session and its token, but the request does not carry it: 403."""
    seen = []
    for method, route in _state_changing(app):
        path = _concrete(route.path)
        seen.append(path)
        for data, headers in [({}, {}), ({"csrf_token": "not-the-token"}, {}),
                              ({}, {auth.CSRF_HEADER: "not-the-token"}),
                              ({"csrf_token": ""}, {})]:
            response = admin.request(method, path, data=data or None, headers=headers,
                                     follow_redirects=False)
            assert response.status_code == 403, (method, path, data, headers, response.text[:300])
            assert auth.CSRF_REFUSED in response.text, (method, path)
    assert {"/login", "/logout", "/first-admin", "/api/test-probe"} <= set(seen)


def test_sign_in_needs_the_token_of_its_own_session(anonymous, app):
    other = TestClient(app)
    someone_elses = page_csrf(other)
    page_csrf(anonymous)
    response = _login(anonymous, "carol", PASSWORD, token=someone_elses)
    assert response.status_code == 403
    assert auth.CSRF_REFUSED in response.text
    assert response.headers["content-type"].startswith("text/html")


def test_the_token_is_accepted_from_the_form_or_the_header(carol):
    token = page_csrf(carol, "/account")
    assert carol.post("/api/test-probe", headers={auth.CSRF_HEADER: token}).json() == {"user": "carol"}
    response = carol.post("/api/test-probe", data={"csrf_token": token})
    assert response.status_code == 200
    refused = carol.post("/api/test-probe")
    assert refused.status_code == 403 and refused.json() == {"detail": auth.CSRF_REFUSED}


# --- API tokens ------------------------------------------------------------------------

def test_a_bearer_token_opens_the_api_and_a_wrong_one_gets_401(app, anonymous):
    token = accounts.issue_token(app.state.settings, "tina")
    good = anonymous.get("/api/documents", headers={"Authorization": f"Bearer {token}"})
    assert good.status_code == 200 and isinstance(good.json(), list)
    # Token requests need no CSRF token: a browser never adds this header by itself.
    probe = anonymous.post("/api/test-probe", headers={"Authorization": f"Bearer {token}"})
    assert probe.status_code == 200 and probe.json() == {"user": "tina"}
    for header in (f"Bearer {token}x", "Bearer ", f"Basic {token}", "Bearer", token):
        response = anonymous.get("/api/documents", headers={"Authorization": header})
        assert response.status_code == 401, header
        assert response.json() == {"detail": auth.SIGN_IN_API}
        assert response.headers["www-authenticate"] == "Bearer"
    assert anonymous.get("/api/documents").status_code == 401


def test_a_wrong_token_is_not_rescued_by_a_session_cookie(carol):
    assert carol.get("/api/documents").status_code == 200
    response = carol.get("/api/documents", headers={"Authorization": "Bearer wrong"})
    assert response.status_code == 401
    # Another scheme's header (a proxy's, say) is not ours: the session still counts.
    assert carol.get("/api/documents", headers={"Authorization": "Basic eDp5"}).status_code == 200


def test_a_new_token_replaces_the_old_one(app, anonymous):
    settings = app.state.settings
    old = accounts.issue_token(settings, "lee")
    new = accounts.issue_token(settings, "lee")
    assert anonymous.get("/api/documents", headers={"Authorization": f"Bearer {old}"}).status_code == 401
    assert anonymous.get("/api/documents", headers={"Authorization": f"Bearer {new}"}).status_code == 200


# --- where a sign-in may send you --------------------------------------------------------

@pytest.mark.parametrize("target", EVIL_NEXTS)
def test_next_never_leaves_the_site(anonymous, target):
    assert auth.safe_next(target) == "/"
    response = _login(anonymous, "carol", PASSWORD, target)
    assert response.status_code == 303
    assert response.headers["location"] == "/"
    # Already signed in, /login?next=... redirects at once: to this site too.
    again = anonymous.get("/login", params={"next": target}, follow_redirects=False)
    assert again.headers["location"] == "/"


@pytest.mark.parametrize("target", EVIL_NEXTS)
def test_the_sign_in_form_does_not_carry_a_foreign_next(anonymous, target):
    page = anonymous.get("/login", params={"next": target}).text
    assert 'name="next"' not in page


@pytest.mark.parametrize("target", ["/documents", "/documents/pooled-budgets?start=1&end=5#passage",
                                    "/?q=what+is+a+JSNA%3F"])
def test_next_keeps_a_path_on_this_site(target):
    assert auth.safe_next(target) == target


def test_next_skips_the_sign_in_pages_themselves():
    for target in ("/login", "/login?next=/x", "/logout", "/first-admin"):
        assert auth.safe_next(target) == "/"


# --- roles -------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["carol", "lee", "tina"])
def test_only_admins_manage_users(app, name):
    client = signed_in_client(app, name)
    response = client.get("/admin/users")
    assert response.status_code == 403
    assert "needs an account with the role administrator" in response.text
    assert f"yours is {USERS[name]}" in response.text
    token = page_csrf(client, "/account")
    refused = client.post("/admin/users", data={"csrf_token": token, "name": "mallory",
                                                "role": "admin", "password": PASSWORD},
                          follow_redirects=False)
    assert refused.status_code == 403
    assert accounts.get_user(app.state.settings, "mallory") is None


def test_require_role_rejects_unknown_roles():
    with pytest.raises(ValueError):
        auth.require_role("superuser")


# --- the first administrator -------------------------------------------------------------

@pytest.fixture
def empty_app(tmp_path):
    """An app whose database has no account yet (as on the first `make run`)."""
    app = create_app(_settings(tmp_path))
    yield app
    dispose_databases()


def test_with_no_account_the_sign_in_page_offers_the_first_admin_form(empty_app):
    local = TestClient(empty_app, client=LOOPBACK)
    assert local.get("/", follow_redirects=False).headers["location"] == "/login"
    page = local.get("/login")
    assert page.status_code == 200
    assert "Create the first administrator" in page.text
    assert '<form method="post" action="/first-admin"' in page.text
    token = csrf_from(page.text)
    response = local.post("/first-admin", data={"name": "ada", "password": PASSWORD,
                                                 "confirm": PASSWORD, "csrf_token": token},
                          follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/"
    ada = accounts.get_user(empty_app.state.settings, "ada")
    assert ada is not None and ada.role == "admin"
    assert "Signed in as <strong>ada</strong> (administrator)" in local.get("/login", params={"next": "/admin/users"}).text
    # Once there is an account, the form is gone and posting it again makes no one.
    stranger = TestClient(empty_app, client=LOOPBACK)
    assert "Sign in" in stranger.get("/login").text
    token = page_csrf(stranger)
    again = stranger.post("/first-admin", data={"name": "eve", "password": PASSWORD,
                                                 "confirm": PASSWORD, "csrf_token": token},
                          follow_redirects=False)
    assert again.status_code == 303 and again.headers["location"] == "/login"
    assert [u.name for u in accounts.list_users(empty_app.state.settings)] == ["ada"]


@pytest.mark.parametrize("client_address", [("testclient", 50000), ("192.0.2.10", 40000),
                                            ("2001:db8::1", 40000), ("10.0.0.127", 1)])
def test_the_first_admin_form_is_refused_from_another_machine(empty_app, client_address):
    remote = TestClient(empty_app, client=client_address)
    page = remote.get("/login")
    assert "Create the first administrator" in page.text
    assert '<form method="post" action="/first-admin"' not in page.text
    assert auth.FIRST_ADMIN_CLI in page.text
    token = page_csrf(remote)
    response = remote.post("/first-admin", data={"name": "eve", "password": PASSWORD,
                                                  "confirm": PASSWORD, "csrf_token": token},
                           follow_redirects=False)
    assert response.status_code == 403
    assert auth.FIRST_ADMIN_CLI in response.text
    assert accounts.list_users(empty_app.state.settings) == []


@pytest.mark.parametrize("host", ["127.0.0.1", "127.1.2.3", "::1", "::ffff:127.0.0.1"])
def test_loopback_addresses_count_as_this_machine(empty_app, host):
    client = TestClient(empty_app, client=(host, 1))
    assert '<form method="post" action="/first-admin"' in client.get("/login").text


@pytest.mark.parametrize("fields, says", [
    ({"name": "", "password": PASSWORD, "confirm": PASSWORD}, "Enter a user name."),
    ({"name": "ada", "password": "", "confirm": ""}, "Enter a password."),
    ({"name": "ada", "password": "short", "confirm": "short"}, "at least 10 characters"),
    ({"name": "ada", "password": PASSWORD, "confirm": PASSWORD + "!"}, "not the same"),
    ({"name": "ada lovelace", "password": PASSWORD, "confirm": PASSWORD}, "1 to 64 characters"),
])
def test_the_first_admin_form_explains_what_is_wrong(empty_app, fields, says):
    local = TestClient(empty_app, client=LOOPBACK)
    token = page_csrf(local)
    response = local.post("/first-admin", data={**fields, "csrf_token": token})
    assert response.status_code == 400
    assert says in response.text and "There is a problem" in response.text
    assert accounts.list_users(empty_app.state.settings) == []


# --- helpers --------------------------------------------------------------------------

def _session_of(response) -> dict:
    cookie = response.headers.get("set-cookie", "")
    value = cookie.split(";")[0].split("=", 1)[1] if "=" in cookie else ""
    try:
        return json.loads(base64.b64decode(value.split(".")[0]))
    except ValueError:
        return {}


def _without_tokens(html: str) -> str:
    html = re.sub(r'name="csrf_token" value="[^"]*"', "", html)
    return re.sub(r'<meta name="csrf-token" content="[^"]*">', "", html)


def test_next_from_query_string_survives_the_round_trip():
    location = "/login?next=%2Fdocuments%3Fkind%3Dlocal"
    assert parse_qs(urlsplit(location).query)["next"] == ["/documents?kind=local"]


# --- managing accounts in the browser's pages ---------------------------------------------

def _admin_post(admin: TestClient, url: str, **data):
    token = page_csrf(admin, "/admin/users")
    return admin.post(url, data={**data, "csrf_token": token}, follow_redirects=False)


def test_the_users_page_lists_every_account_with_its_role(admin, app):
    page = admin.get("/admin/users")
    assert page.status_code == 200
    for name, role in USERS.items():
        assert re.search(rf'<th scope="row" class="govuk-table__header app-table__title">{name}'
                         rf'(?: \(you\))?</th>\s*<td class="govuk-table__cell">{auth.ROLE_LABELS[role]}</td>',
                         page.text), name
    assert "admin (you)" in page.text
    assert 'href="/admin/users/{}/delete"'.format(accounts.get_user(app.state.settings, "admin").id) \
        not in page.text  # no way to delete yourself
    assert page.headers["cache-control"] == "private, no-store"


def test_an_admin_adds_an_account_that_can_sign_in(admin, app):
    response = _admin_post(admin, "/admin/users", name="nadia", role="trainer", password=PASSWORD)
    assert response.status_code == 303 and response.headers["location"] == "/admin/users?created=nadia"
    assert "The account nadia was added." in admin.get(response.headers["location"]).text
    user = accounts.get_user(app.state.settings, "nadia")
    assert user is not None and user.role == "trainer"
    nadia = signed_in_client(app, "nadia")
    assert "Signed in as <strong>nadia</strong> (trainer)" in nadia.get("/account").text
    accounts.delete_user(app.state.settings, "nadia")


@pytest.mark.parametrize("fields, field, says", [
    ({"name": "", "role": "lead", "password": PASSWORD}, "name", "Enter a user name."),
    ({"name": "x y", "role": "lead", "password": PASSWORD}, "name", "1 to 64 characters"),
    ({"name": "<script>", "role": "lead", "password": PASSWORD}, "name", "1 to 64 characters"),
    ({"name": "CAROL", "role": "lead", "password": PASSWORD}, "name", "already exists"),
    ({"name": "newbie", "role": "", "password": PASSWORD}, "role", "Choose a role."),
    ({"name": "newbie", "role": "root", "password": PASSWORD}, "role", "Choose a role."),
    ({"name": "newbie", "role": "lead", "password": ""}, "password", "Enter a password."),
    ({"name": "newbie", "role": "lead", "password": "short"}, "password", "too short"),
])
def test_adding_an_account_explains_what_is_wrong(admin, app, fields, field, says):
    response = _admin_post(admin, "/admin/users", **fields)
    assert response.status_code == 400
    assert says in response.text
    assert f'id="{field}-error"' in response.text
    assert "<script>" not in response.text.split("</head>")[1].replace(
        '<script type="module" src="/static/app.js">', "")
    assert accounts.get_user(app.state.settings, "newbie") is None


def test_a_token_is_shown_once_and_works(admin, app, anonymous):
    tina = accounts.get_user(app.state.settings, "tina")
    response = _admin_post(admin, f"/admin/users/{tina.id}/token")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    token = re.search(r'<code class="app-token" id="api-token">([^<]+)</code>', response.text).group(1)
    assert "will not be shown again" in response.text
    assert anonymous.get("/api/documents", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert token not in admin.get("/admin/users").text
    assert accounts.get_user(app.state.settings, "tina").has_token


def test_anyone_can_make_their_own_token(carol, anonymous):
    assert "Make an API token" in carol.get("/account").text or "Replace my API token" in carol.get("/account").text
    token_page = carol.post("/account/token", data={"csrf_token": page_csrf(carol, "/account")})
    token = re.search(r'id="api-token">([^<]+)<', token_page.text).group(1)
    got = anonymous.get("/api/documents", headers={"Authorization": f"Bearer {token}"})
    assert got.status_code == 200


def test_deleting_an_account_asks_first_and_then_signs_it_out(admin, app):
    accounts.create_user(app.state.settings, "leaver", "lead", PASSWORD)
    leaver = signed_in_client(app, "leaver")
    user = accounts.get_user(app.state.settings, "leaver")
    confirm = admin.get(f"/admin/users/{user.id}/delete")
    assert confirm.status_code == 200 and "Delete the account leaver?" in confirm.text
    assert "conversations and feedback are deleted" in confirm.text
    assert accounts.get_user(app.state.settings, "leaver") is not None  # GET changes nothing
    response = _admin_post(admin, f"/admin/users/{user.id}/delete")
    assert response.status_code == 303
    assert response.headers["location"] == "/admin/users?deleted=leaver"
    assert "The account leaver was deleted" in admin.get(response.headers["location"]).text
    assert accounts.get_user(app.state.settings, "leaver") is None
    assert leaver.get("/account", follow_redirects=False).status_code == 303
    assert admin.get(f"/admin/users/{user.id}/delete").status_code == 404


def test_an_admin_cannot_delete_their_own_account(admin, app):
    me = accounts.get_user(app.state.settings, "admin")
    response = _admin_post(admin, f"/admin/users/{me.id}/delete")
    assert response.status_code == 400
    assert "You cannot delete your own account" in response.text
    assert accounts.get_user(app.state.settings, "admin") is not None


def test_a_notice_names_only_real_accounts(admin):
    page = admin.get("/admin/users", params={"created": "Mallory was here"}).text
    assert "Mallory" not in page
    page = admin.get("/admin/users", params={"deleted": "<b>x</b>"}).text
    assert "<b>x</b>" not in page and "was deleted" not in page


def test_the_api_documents_bearer_tokens(admin):
    schema = admin.get("/openapi.json").json()
    scheme = schema["components"]["securitySchemes"]["bearerAuth"]
    assert scheme["type"] == "http" and scheme["scheme"] == "bearer"
    assert schema["paths"]["/api/search"]["get"]["security"] == [{"bearerAuth": []}]
    assert "security" not in schema["paths"]["/healthz"]["get"]


def test_password_guessing_is_slowed_down_for_every_name_alike(app):
    guesser = TestClient(app, client=("192.0.2.50", 4000))
    for name in ("carol", "no-such-person"):
        for attempt in range(auth.MAX_FAILURES_PER_NAME):
            assert _login(guesser, name, f"guess number {attempt}").status_code == 400
        blocked = _login(guesser, name, PASSWORD if name == "carol" else "anything at all")
        assert blocked.status_code == 429, name
        assert auth.TOO_MANY in blocked.text
    # Someone else, from another address, signs in as carol as usual.
    assert _login(TestClient(app, client=("192.0.2.51", 4000)), "carol", PASSWORD).status_code == 303
    # From the guessing address, another name is still open.
    assert _login(guesser, "lee", PASSWORD).status_code == 303
