"""Workspaces in a real headless Chromium: a lead creates one, walks the cycle from step 1
to step 9 by the Next links with a note and a status at each, reloads and finds them kept,
sees the statuses on the cycle figure, and downloads the Word export (read back with
python-docx); a colleague cannot open it until it is shared; axe on every workspace page.

One app server for the session (fixtures/browser.py), whose corpus carries the shipped
steps.yaml. Pages keep the app's CSP except where axe is injected.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import docx
import pytest
from playwright.sync_api import expect

from assistant import accounts, steps, workspaces
from fixtures.browser import axe, axe_report

pytestmark = pytest.mark.browser

ENHANCED = "document.body.classList.contains('govuk-frontend-supported')"
STATUS = {1: "Done", 2: "Done", 3: "Done", 4: "In progress", 5: "In progress"}  # others: not started


def open_page(page, url: str):
    response = page.goto(url)
    page.wait_for_function(ENHANCED)
    return response


def make_workspace(settings, owner: str = "lee", title: str = "Short breaks 2026 to 2029") -> str:
    """A workspace made by the engine (for tests about something else); its page's path."""
    made = workspaces.create_workspace(settings, accounts.get_user(settings, owner), {
        "title": title, "population": "Disabled children and their families",
        "horizon": "2026 to 2029", "partners": "Integrated care board"})
    return f"/workspaces/{made.id}"


def test_a_lead_walks_the_cycle_and_downloads_it(page, page_problems, login, live_settings):
    cycle = steps.load(live_settings)
    login(page, "lee")
    open_page(page, "/ask")
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Workspaces").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Workspaces")
    page.get_by_label("Title").fill("Short breaks for disabled children")
    page.get_by_label("Population (optional)").fill("Disabled children aged 0 to 18")
    page.get_by_label("Time horizon (optional)").fill("April 2026 to March 2029")
    page.get_by_label("Partners (optional)").fill("Integrated care board\nParent carer forum")
    page.get_by_role("button", name="Create workspace").click()
    expect(page).to_have_url(re.compile(r"/workspaces/[0-9a-f]{32}$"))
    overview = page.url
    expect(page.get_by_role("heading", level=1)).to_have_text("Short breaks for disabled children")
    expect(page.locator(".govuk-notification-banner")).to_contain_text("was created")
    page.get_by_role("link", name="Step 1: Look at outcomes", exact=True).click()
    for number in range(1, 10):
        step = cycle.step(number)
        expect(page.get_by_role("heading", level=1)).to_have_text(f"Step {number}: {step.name}")
        page.get_by_label("Notes", exact=True).fill(f"Walkthrough note for step {number}")
        page.get_by_label(STATUS.get(number, "Not started"), exact=True).check()
        page.get_by_role("button", name=f"Save step {number}").click()
        expect(page.locator(".govuk-notification-banner")).to_contain_text(f"Step {number} was saved")
        page.locator('a[rel="next"]').click()
    expect(page).to_have_url(f"{overview}/steps/1")  # step 9 leads back to step 1
    # Reloaded, every step still has its note and status.
    for number in (1, 4, 9):
        page.goto(f"{overview}/steps/{number}")
        expect(page.get_by_label("Notes", exact=True)).to_have_value(f"Walkthrough note for step {number}")
        expect(page.get_by_label(STATUS.get(number, "Not started"), exact=True)).to_be_checked()
    page.goto(overview)
    page.reload()
    figure = page.locator("svg.app-cycle__svg")
    for number in range(1, 10):
        status = STATUS.get(number, "Not started").lower()
        link = figure.locator(f'a[href="{urlsplit(overview).path}/steps/{number}"]')
        expect(link).to_have_attribute("aria-label", f"Step {number}: {cycle.step(number).name}, {status}")
    expect(figure.locator(".app-cycle__segment--done")).to_have_count(3)
    expect(figure.locator(".app-cycle__segment--in_progress")).to_have_count(2)
    expect(page.locator("main")).to_contain_text("3 of 9 steps done, 2 in progress, 4 not started.")
    # A segment of the figure is a link to its step.
    figure.locator("a.app-cycle__link").nth(4).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Step 5: {cycle.step(5).name}")
    page.goto(overview)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download as Word (.docx)").click()
    assert download.value.suggested_filename == "workspace-short-breaks-for-disabled-children.docx"
    document = docx.Document(download.value.path())
    text = "\n".join(p.text for p in document.paragraphs)
    for number in range(1, 10):
        assert f"Walkthrough note for step {number}" in text
    footnotes = [p for p in document.part.package.iter_parts() if p.partname == "/word/footnotes.xml"]
    assert footnotes and b"w:footnote " in footnotes[0].blob  # the citations, as Word footnotes
    assert page_problems == []


def test_a_colleague_cannot_open_a_workspace_until_it_is_shared(page, page_problems, login,
                                                                live_settings):
    url = make_workspace(live_settings, title="Not for carol yet")
    login(page, "carol")
    response = page.goto(url)
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    expect(page.locator("main")).to_contain_text("There is no workspace of yours at this address")
    assert page.goto(f"{url}/export.docx").status == 404
    page_problems.clear()  # the 404s are the point
    login(page, "lee")
    open_page(page, url)
    page.get_by_label("Share with a colleague").fill("carol")
    page.get_by_role("button", name="Share", exact=True).click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("now shared with carol")
    login(page, "carol")
    open_page(page, "/workspaces")
    page.get_by_role("link", name="Not for carol yet").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Not for carol yet")
    page.locator(".govuk-task-list").get_by_role("link", name=re.compile(r"^Step 2: ")).click()
    page.get_by_label("Notes", exact=True).fill("Carol's note")
    page.get_by_role("button", name="Save step 2").click()
    expect(page.get_by_label("Notes", exact=True)).to_have_value("Carol's note")
    assert page_problems == []


def test_the_step_chat_and_evidence_work_without_javascript(new_context, login, live_settings):
    url = make_workspace(live_settings, title="Without JavaScript")
    page = login(new_context(java_script_enabled=False).new_page(), "lee")
    page.goto(f"{url}/steps/7")
    page.get_by_label("In progress", exact=True).check()
    page.get_by_label("Decisions", exact=True).fill("Pool the short breaks budget.")
    page.get_by_role("button", name="Save step 7").click()
    expect(page.get_by_label("Decisions", exact=True)).to_have_value("Pool the short breaks budget.")
    page.get_by_label("Title").fill("Budget note")
    page.get_by_label("Type the evidence").fill("The pooled fund board meets quarterly.")
    page.get_by_role("button", name="Add evidence").click()
    expect(page.locator(".app-evidence")).to_contain_text("Budget note")
    page.get_by_label("Your question about this step").fill("How often does the pooled fund board meet?")
    page.get_by_role("button", name="Ask", exact=True).click()
    expect(page).to_have_url(re.compile(r"/steps/7#turn-1$"), timeout=30_000)
    expect(page.locator("#turn-1 .app-answer")).not_to_be_empty()
    expect(page.locator("#turn-1 a.app-cite").first).to_have_attribute(
        "href", re.compile(r"^/documents/[a-z-]+\?start=\d+&end=\d+#passage$"))
    expect(page.locator("#turn-1 .app-sources")).to_be_visible()


@pytest.fixture(scope="module")
def busy_workspace(live_settings) -> str:
    """A workspace with statuses, evidence and a note, for axe."""
    url = make_workspace(live_settings, title="Checked by axe")
    lee = accounts.get_user(live_settings, "lee")
    workspace_id = url.rsplit("/", 1)[1]
    for number, status in ((1, "done"), (2, "in_progress")):
        workspaces.save_step(live_settings, workspace_id, lee, number, status=status,
                             notes="Findings so far", decisions="Agreed with partners")
    workspaces.add_text_evidence(live_settings, workspace_id, lee, 2, "Census extract",
                                 "Young carers: 412 children in need.")
    workspaces.share(live_settings, workspace_id, lee, "tina")
    return url


WORKSPACE_PAGES = {
    "list": lambda url: "/workspaces",
    "overview with a search": lambda url: f"{url}?q=young+carers",
    "step": lambda url: f"{url}/steps/2",
    "details": lambda url: f"{url}/edit",
    "delete": lambda url: f"{url}/delete",
}


@pytest.mark.parametrize("name", list(WORKSPACE_PAGES))
def test_axe_finds_no_violations_on_the_workspace_pages(axe_page, login, busy_workspace, name):
    url = WORKSPACE_PAGES[name](busy_workspace)
    login(axe_page, "lee")
    open_page(axe_page, url)
    violations = axe(axe_page)
    assert not violations, f"{name} ({url}): {axe_report(violations)}"


def test_axe_finds_no_violations_with_an_answer_evidence_and_errors(axe_page, login, busy_workspace):
    login(axe_page, "lee")
    open_page(axe_page, f"{busy_workspace}/steps/2")
    axe_page.get_by_label("Your question about this step").fill("How often does the pooled fund board meet?")
    axe_page.get_by_role("button", name="Ask", exact=True).click()
    expect(axe_page.locator("#turn-1 .app-answer")).to_be_visible(timeout=30_000)
    axe_page.wait_for_function(ENHANCED)
    violations = axe(axe_page)
    assert not violations, f"a step with an answer: {axe_report(violations)}"
    evidence = axe_page.locator(".app-evidence a").first
    evidence.click()
    expect(axe_page.get_by_role("heading", level=1)).to_have_text("Census extract")
    axe_page.wait_for_function(ENHANCED)
    violations = axe(axe_page)
    assert not violations, f"a piece of evidence: {axe_report(violations)}"
    axe_page.go_back()
    axe_page.get_by_role("button", name="Add evidence").click()  # nothing typed: refused
    expect(axe_page.locator(".govuk-error-summary")).to_be_visible()
    axe_page.wait_for_function(ENHANCED)
    violations = axe(axe_page)
    assert not violations, f"a refused form: {axe_report(violations)}"
