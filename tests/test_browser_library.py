"""The document library in a real headless Chromium: an admin uploads a document through
the form, watches its progress to done and gets an answer citing it; a commissioner cannot
upload; axe on every library page.

The session's app server is shared with the other browser tests, so every document added
here is deleted again at the end of its test. To see the job page while a job is running,
a test holds the index's ingest lock (the engine takes it before changing anything), so
the job waits; releasing it lets the job finish.
"""

from __future__ import annotations

import json
import re
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

from assistant.ingest import ingest_lock  # holding it makes a job wait (and stay running)
from playwright.sync_api import expect

from fixtures.browser import HANDBOOK_ID, HANDBOOK_TITLE, api_headers, axe, axe_report

pytestmark = pytest.mark.browser

ENHANCED = "document.body.classList.contains('govuk-frontend-supported')"
TITLE = "Anytown Kinship Care Allowance Policy"
DOC_ID = "anytown-kinship-care-allowance-policy"
POLICY = (b"# Anytown Kinship Care Allowance Policy\n\n"
          b"## 1. Who can claim\n\n"
          b"Kinship carers who look after a child for the council can claim the allowance.\n\n"
          b"## 2. How much is paid\n\n"
          b"Kinship carers receive the weekly lapwing allowance, paid every Thursday by the "
          b"kinship support team.\n")
QUESTION = "When is the lapwing allowance paid to kinship carers?"


def open_page(page, url: str):
    response = page.goto(url)
    page.wait_for_function(ENHANCED)
    return response


def api(live_server: str, token: str, method: str, path: str, body: bytes | None = None,
        content_type: str | None = None):
    headers = api_headers(token)
    if content_type:
        headers["Content-Type"] = content_type
    request = urllib.request.Request(f"{live_server}{path}", data=body, method=method,
                                     headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            raw = response.read()
            return response.status, json.loads(raw) if raw else None
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read() or b"null")


def api_upload(live_server: str, token: str, name: str, data: bytes, title: str) -> dict:
    """Add a document through POST /api/documents and wait for it; the finished job."""
    boundary = "----library-test-boundary"
    parts = []
    for field, value in (("title", title), ("kind", "local")):
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"\r\n\r\n'
                     f"{value}\r\n".encode())
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
                 f'filename="{name}"\r\nContent-Type: application/octet-stream\r\n\r\n'.encode()
                 + data + b"\r\n")
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    status, job = api(live_server, token, "POST", "/api/documents", body,
                      f"multipart/form-data; boundary={boundary}")
    assert status == 202, job
    for _ in range(600):
        status, job = api(live_server, token, "GET", job["url"])
        if job["state"] in ("done", "failed"):
            break
        time.sleep(0.1)
    assert job["state"] == "done", job
    return job


@pytest.fixture
def cleanup(live_server, api_token):
    """Ids of documents a test adds; each is deleted when the test ends."""
    added: list[str] = []
    yield added
    for doc_id in added:
        api(live_server, api_token, "DELETE", f"/api/documents/{urllib.parse.quote(doc_id)}")


def fill_upload_form(page, name: str, data: bytes, title: str):
    page.get_by_label("Document file").set_input_files(
        {"name": name, "mimeType": "text/markdown", "buffer": data})
    page.get_by_label("Title").fill(title)
    page.get_by_label("Local framework").check()
    page.get_by_label("Publisher (optional)").fill("Anytown Council")
    page.get_by_label("Date (optional)").fill("May 2026")
    page.get_by_label("Other names (optional)").fill("Anytown kinship policy")


def test_an_admin_uploads_watches_progress_and_gets_an_answer_citing_it(
        page, page_problems, login, live_settings, cleanup):
    cleanup.append(DOC_ID)
    login(page, "admin")
    open_page(page, "/documents")
    page.get_by_role("button", name="Add a document").click()
    expect(page).to_have_url(re.compile(r"/documents/upload$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Add a document")
    fill_upload_form(page, "kinship.md", POLICY, TITLE)

    with ingest_lock(live_settings):
        page.get_by_role("button", name="Upload and add").click()
        expect(page).to_have_url(re.compile(r"/documents/jobs/[\w-]+$"))
        page.wait_for_function(ENHANCED)
        # The job is running (it waits for the lock): the page says so and follows it
        # with its script, so the Refresh link is hidden.
        expect(page.locator("[data-job-tag]")).to_have_text("In progress")
        expect(page.locator("[data-job-stage]")).to_have_text(re.compile("Waiting for any other change"))
        expect(page.locator("[data-job-refresh]")).to_be_hidden()
        job_url = page.url
    # Let go: the page sees the job finish, reloads itself and links to the document.
    banner = page.locator(".govuk-notification-banner--success")
    expect(banner).to_be_visible(timeout=60_000)
    assert page.url == job_url
    expect(banner).to_contain_text(f"“{TITLE}” was added")
    expect(page.locator("[data-job-tag]")).to_have_text("Done")
    expect(page.locator("#job-progress")).to_have_attribute("value", "100")

    banner.get_by_role("link", name=f"Read “{TITLE}”").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(page.get_by_role("navigation", name="Contents")).to_contain_text("2. How much is paid")

    # Asked on the chat page, the assistant answers from the new document and cites it.
    open_page(page, "/ask")
    page.get_by_label("Your question").fill(QUESTION)
    page.get_by_role("button", name="Ask", exact=True).click()
    turn = page.locator("#turns > .app-turn[data-state=done]").last
    expect(turn.locator(".app-answer")).to_contain_text("every Thursday", timeout=30_000)
    expect(turn.locator(".app-sources")).to_contain_text(TITLE)
    turn.locator("a.app-cite").first.click()
    expect(page).to_have_url(re.compile(rf"/documents/{DOC_ID}\?start=\d+&end=\d+#passage$"))
    expect(page.locator("main mark").last).to_contain_text("every Thursday")
    assert page_problems == []


def test_an_admin_deletes_a_document_after_confirming(page, page_problems, login, live_server,
                                                      api_token, cleanup):
    job = api_upload(live_server, api_token, "gone.md",
                     b"# Short Lived Rota\n\nThe dunlin rota covers bank holidays.\n",
                     "Short Lived Rota")
    cleanup.append(job["doc_id"])
    login(page, "admin")
    open_page(page, f"/documents/{job['doc_id']}")
    page.get_by_role("button", name="Delete this document").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Are you sure")
    page.get_by_role("button", name="Yes, delete it").click()
    expect(page).to_have_url(re.compile(r"/documents$"))
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "“Short Lived Rota” was deleted")
    expect(page.locator(".app-documents-table").get_by_role("link", name="Short Lived Rota")).to_have_count(0)
    expect(page.locator(".app-documents-table")).to_contain_text(HANDBOOK_TITLE)
    assert page_problems == []


def test_a_commissioner_sees_no_upload_link_and_is_refused(page, page_problems, login):
    login(page, "carol")
    open_page(page, "/documents")
    expect(page.get_by_role("heading", level=1)).to_have_text("Documents")
    expect(page.get_by_role("button", name="Add a document")).to_have_count(0)
    expect(page.locator('a[href="/documents/upload"]')).to_have_count(0)
    open_page(page, f"/documents/{HANDBOOK_ID}")
    expect(page.get_by_role("button", name="Delete this document")).to_have_count(0)
    response = open_page(page, "/documents/upload")
    assert response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("You cannot do this with your account")
    expect(page.get_by_label("Document file")).to_have_count(0)
    page_problems[:] = [p for p in page_problems  # the refusal is expected
                        if not (p.startswith("403: ") or p.endswith("status of 403 (Forbidden)"))]
    assert page_problems == []


def test_search_within_a_document_links_to_the_highlighted_passage(page, page_problems, login):
    login(page, "carol")
    open_page(page, f"/documents/{HANDBOOK_ID}")
    page.get_by_label("Words or a question").fill("annual sufficiency report")
    page.get_by_role("button", name="Search this document").click()
    results = page.locator(".app-within .app-result")
    expect(results.first).to_contain_text("published each March")
    results.first.get_by_role("link").click()
    expect(page).to_have_url(re.compile(rf"/documents/{HANDBOOK_ID}\?start=\d+&end=\d+#passage$"))
    expect(page.locator("main mark").first).to_be_in_viewport()
    expect(page.locator(".app-passage-label")).to_contain_text("March 2025")
    # The contents list jumps to a section.
    page.get_by_role("navigation", name="Contents").get_by_role("link", name="Part 11. Mental health support").click()
    expect(page.get_by_role("heading", name="Part 11. Mental health support")).to_be_in_viewport()
    assert page_problems == []


# --- accessibility -------------------------------------------------------------------

def _document_with_results(page, **_):
    open_page(page, f"/documents/{HANDBOOK_ID}?" + urllib.parse.urlencode({"q": "family hubs"}))
    expect(page.locator(".app-within .app-result").first).to_be_visible()


def _upload_with_errors(page, **_):
    open_page(page, "/documents/upload")
    page.get_by_label("Document file").set_input_files(
        {"name": "notes.pdf", "mimeType": "application/pdf", "buffer": b"Just notes, no PDF.\n"})
    page.get_by_role("button", name="Upload and add").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("the content is plain text")
    page.wait_for_function(ENHANCED)


def _running_job(page, live_settings, **_):
    open_page(page, "/documents/upload")
    fill_upload_form(page, "axe.md", b"# Axe Test Policy\n\nThe axe policy text.\n", "Axe Test Policy")
    with ingest_lock(live_settings):
        page.get_by_role("button", name="Upload and add").click()
        expect(page.locator("[data-job-tag]")).to_have_text("In progress")
        page.wait_for_function(ENHANCED)
        violations = axe(page)
    expect(page.locator("[data-job-tag]")).to_have_text("Done", timeout=60_000)
    page.wait_for_function(ENHANCED)
    return violations


LIBRARY_PAGES = {
    "documents": lambda page, **_: open_page(page, "/documents"),
    "document with contents": lambda page, **_: open_page(page, f"/documents/{HANDBOOK_ID}"),
    "document with search results": _document_with_results,
    "document with an empty search": lambda page, **_: open_page(page, f"/documents/{HANDBOOK_ID}?q="),
    "upload": lambda page, **_: open_page(page, "/documents/upload"),
    "upload with errors": _upload_with_errors,
    "job running, then done": _running_job,
    "replace": lambda page, **_: open_page(page, "/documents/pooled-budgets/replace"),
    "delete": lambda page, **_: open_page(page, "/documents/pooled-budgets/delete"),
}


@pytest.mark.parametrize("name", list(LIBRARY_PAGES))
def test_axe_finds_no_violations_on_the_library_pages(axe_page, login, live_settings, cleanup, name):
    login(axe_page, "admin")
    if name.startswith("job"):
        cleanup.append("axe-test-policy")
    before = LIBRARY_PAGES[name](axe_page, live_settings=live_settings)
    if isinstance(before, list):  # the running job page, checked before it finished
        assert not before, f"{name} (running): {axe_report(before)}"
    violations = axe(axe_page)
    assert not violations, f"{name}: {axe_report(violations)}"
