"""Signing in and out, and the account pages, in a real headless Chromium (with axe).

The session's app server (see fixtures/browser.py) has the accounts ``admin``, ``carol``
(commissioner), ``lee`` (lead) and ``tina`` (trainer).
"""

from __future__ import annotations

import re
import urllib.error
import urllib.request

import pytest
from playwright.sync_api import expect

from assistant import accounts
from assistant.settings import Settings
from fixtures.auth import PASSWORD
from fixtures.browser import api_headers, axe, axe_report, serve
from fixtures.documents import write_small_corpus

pytestmark = pytest.mark.browser

ENHANCED = "document.body.classList.contains('govuk-frontend-supported')"


def test_a_visitor_is_sent_to_sign_in_and_then_back(page, page_problems):
    page.goto("/documents")
    expect(page).to_have_url(re.compile(r"/login\?next=%2Fdocuments$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    expect(page.get_by_role("navigation", name="Menu")).to_have_count(0)
    page.get_by_label("User name").fill("carol")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/documents$"))
    expect(page.locator(".app-account")).to_contain_text("Signed in as carol (commissioner)")
    cookies = {c["name"]: c for c in page.context.cookies()}
    assert cookies["cga_session"]["httpOnly"] is True
    assert cookies["cga_session"]["sameSite"] == "Lax"
    assert page.evaluate("document.cookie") == ""  # scripts cannot read the session
    assert page_problems == []


def test_a_wrong_password_is_refused_readably(page, page_problems):
    page.goto("/login")
    page.wait_for_function(ENHANCED)
    page.get_by_label("User name").fill("carol")
    page.get_by_label("Password", exact=True).fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("The user name or password is not right")
    expect(summary).to_be_focused()
    expect(page).to_have_title(re.compile(r"^Error: Sign in"))
    expect(page.get_by_label("User name")).to_have_value("carol")
    expect(page.get_by_label("Password", exact=True)).to_have_value("")
    assert [p for p in page_problems if "400" not in p] == []


def test_sign_out_ends_the_session(page, login, page_problems):
    login(page, "lee")
    page.goto("/documents")
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/login\?signed-out$"))
    expect(page.locator(".govuk-notification-banner")).to_contain_text("You have signed out.")
    assert "cga_session" not in {c["name"] for c in page.context.cookies()} or \
        page.goto("/documents").url.endswith("/login?next=%2Fdocuments")
    page.goto("/documents")
    expect(page).to_have_url(re.compile(r"/login\?next="))
    assert page_problems == []


def test_sign_out_works_without_javascript(new_context, login):
    page = login(new_context(java_script_enabled=False).new_page(), "tina")
    page.goto("/account")
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/login\?signed-out$"))


def test_an_admin_adds_a_user_who_can_then_sign_in(page, login, live_settings, page_problems):
    login(page, "admin")
    page.goto("/account")
    page.get_by_role("link", name="Manage users").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Manage users")
    page.wait_for_function(ENHANCED)
    page.get_by_label("User name").fill("priya")
    page.get_by_label("Lead", exact=True).check()
    page.get_by_label("First password").fill(PASSWORD)
    page.get_by_role("button", name="Add user").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("The account priya was added.")
    row = page.locator("tbody tr", has_text="priya")
    expect(row).to_contain_text("Lead")
    # A token, shown once.
    row.get_by_role("button", name="Make API token for priya").click()
    token = page.locator("#api-token").inner_text().strip()
    assert len(token) > 30
    user = accounts.user_for_token(live_settings, token)
    assert user is not None and user.name == "priya"
    expect(page.get_by_text("will not be shown again")).to_be_visible()
    # priya signs in.
    login(page, "priya")
    page.goto("/account")
    expect(page.locator(".app-account")).to_contain_text("Signed in as priya (lead)")
    # The admin deletes the account, after confirming.
    login(page, "admin")
    page.goto("/admin/users")
    page.locator("tbody tr", has_text="priya").get_by_role("link", name="Delete priya").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Delete the account priya?")
    page.get_by_role("button", name="Delete priya").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("The account priya was deleted")
    assert accounts.get_user(live_settings, "priya") is None
    assert page_problems == []


def test_a_commissioner_cannot_manage_users(page, login, page_problems):
    login(page, "carol")
    page.goto("/account")
    expect(page.get_by_role("link", name="Manage users")).to_have_count(0)
    response = page.goto("/admin/users")
    assert response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("You cannot do this with your account")
    expect(page.locator("main")).to_contain_text("needs an account with the role administrator")
    assert [p for p in page_problems if "403" not in p] == []


def test_a_user_makes_their_own_api_token(page, login, live_server):
    login(page, "tina")
    page.goto("/account")
    page.get_by_role("button", name="Make an API token").click()
    token = page.locator("#api-token").inner_text().strip()
    request = urllib.request.Request(f"{live_server}/api/documents", headers=api_headers(token))
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 200
    wrong = urllib.request.Request(f"{live_server}/api/documents", headers=api_headers(token + "x"))
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(wrong, timeout=30)
    assert refused.value.code == 401


ACCOUNT_PAGES = {
    "sign in": ("/login", None),
    "sign in with an error": ("/login", "error"),
    "signed out": ("/login?signed-out", None),
    "your account": ("/account", "tina"),
    "manage users": ("/admin/users", "admin"),
    "manage users with errors": ("/admin/users", "admin-error"),
    "delete a user": (None, "admin"),
    "new API token": ("/account", "token"),
    "not allowed": ("/admin/users", "carol"),
}


@pytest.mark.parametrize("name", list(ACCOUNT_PAGES))
def test_axe_finds_no_violations_on_the_account_pages(axe_page, login, live_settings, name):
    url, how = ACCOUNT_PAGES[name]
    if how == "error":
        axe_page.goto(url)
        axe_page.get_by_role("button", name="Sign in").click()
        expect(axe_page.locator(".govuk-error-summary")).to_be_visible()
    elif how == "admin-error":
        login(axe_page, "admin")
        axe_page.goto(url)
        axe_page.get_by_role("button", name="Add user").click()
        expect(axe_page.locator(".govuk-error-summary")).to_be_visible()
    elif how == "token":
        login(axe_page, "lee")
        axe_page.goto(url)
        axe_page.get_by_role("button", name=re.compile("API token")).click()
        expect(axe_page.locator("#api-token")).to_be_visible()
    else:
        if how:
            login(axe_page, "admin" if how == "admin" else how)
        if url is None:
            url = f"/admin/users/{accounts.get_user(live_settings, 'tina').id}/delete"
        axe_page.goto(url)
    axe_page.wait_for_function(ENHANCED)
    violations = axe(axe_page)
    assert not violations, f"{name}: {axe_report(violations)}"


# --- the first visit: no account yet ---------------------------------------------------

@pytest.fixture(scope="module")
def first_run_server(tmp_path_factory):
    """A second app server whose database has no account (as on the first `make run`)."""
    from web.app import create_app

    root = tmp_path_factory.mktemp("first-run")
    write_small_corpus(root / "corpus")
    settings = Settings(data_dir=root / "data", corpus_dir=root / "corpus", _env_file=None)
    with serve(create_app(settings)) as url:
        yield url, settings


def test_the_first_visit_creates_the_first_administrator(new_context, first_run_server):
    url, settings = first_run_server
    # Through a proxy, from another machine: told how to do it on the machine itself.
    remote = new_context(bypass_csp=True,
                         extra_http_headers={"X-Forwarded-For": "192.0.2.7"}).new_page()
    remote.goto(f"{url}/")
    expect(remote).to_have_url(re.compile(r"/login$"))
    expect(remote.get_by_role("heading", level=1)).to_have_text("Create the first administrator")
    expect(remote.locator("main")).to_contain_text("assistant users create NAME --role admin")
    expect(remote.get_by_role("button", name=re.compile("Create"))).to_have_count(0)
    remote.wait_for_function(ENHANCED)
    violations = axe(remote)
    assert not violations, f"first admin (remote): {axe_report(violations)}"
    # On the machine itself: the form.
    local = new_context(bypass_csp=True).new_page()
    local.goto(f"{url}/")
    expect(local.get_by_role("heading", level=1)).to_have_text("Create the first administrator")
    local.wait_for_function(ENHANCED)
    violations = axe(local)
    assert not violations, f"first admin: {axe_report(violations)}"
    local.get_by_label("User name").fill("ada")
    local.get_by_label("Password", exact=True).fill(PASSWORD)
    local.get_by_label("Type the password again").fill("something else entirely")
    local.get_by_role("button", name="Create the administrator and sign in").click()
    expect(local.locator(".govuk-error-summary")).to_contain_text("The two passwords are not the same.")
    violations = axe(local)
    assert not violations, f"first admin with errors: {axe_report(violations)}"
    assert accounts.list_users(settings) == []
    local.get_by_label("Password", exact=True).fill(PASSWORD)
    local.get_by_label("Type the password again").fill(PASSWORD)
    local.get_by_role("button", name="Create the administrator and sign in").click()
    expect(local.locator(".app-account")).to_contain_text("Signed in as ada (administrator)")
    assert [(u.name, u.role) for u in accounts.list_users(settings)] == [("ada", "admin")]
    # From now on everyone gets the sign-in form.
    remote.goto(f"{url}/login")
    expect(remote.get_by_role("heading", level=1)).to_have_text("Sign in")
