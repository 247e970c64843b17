"""The web pages in a real headless Chromium: search, follow a passage, accessibility (axe).

One browser and one app server serve the whole session (see fixtures/browser.py); each test
gets a fresh browser context, signed in through the real form (``login``) as a commissioner.
Pages keep the app's CSP except where axe is injected.
"""

from __future__ import annotations

import json
import re
import urllib.parse
import urllib.request

import pytest
from playwright.sync_api import expect

from fixtures.browser import (BROWSER_DOCUMENTS, HANDBOOK_ID, HANDBOOK_TITLE, api_headers, axe,
                              axe_report)

pytestmark = pytest.mark.browser

QUESTION = "How often does the pooled fund board meet?"
FAR_QUESTION = "When is the annual sufficiency report published?"
ENHANCED = "document.body.classList.contains('govuk-frontend-supported')"


def api_search(live_server: str, token: str, q: str, **params) -> list[dict]:
    query = urllib.parse.urlencode({"q": q, **params})
    request = urllib.request.Request(f"{live_server}/api/search?{query}", headers=api_headers(token))
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)["results"]


def open_page(page, url: str):
    """Go to ``url`` and wait until GOV.UK Frontend's JavaScript has started."""
    response = page.goto(url)
    page.wait_for_function(ENHANCED)
    return response


def test_search_shows_passages(page, page_problems, login):
    login(page, "carol")
    open_page(page, "/search")
    expect(page).to_have_title("Commissioning Guidance Assistant")
    page.get_by_label("Your question").fill(QUESTION)
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(r"/search\?q=How\+often"))
    heading = page.locator("#results-heading")
    expect(heading).to_contain_text(f"for “{QUESTION}”")
    results = page.locator(".app-result")
    expect(results.first).to_be_visible()
    expect(results.first.get_by_role("heading")).to_have_text("Pooled Budgets Guide")
    expect(results.first.locator("blockquote")).to_contain_text("meets quarterly")
    expect(page.get_by_label("Your question")).to_have_value(QUESTION)
    assert page_problems == []


def test_a_result_opens_its_passage_highlighted_and_scrolled_into_view(page, page_problems, login):
    login(page, "carol")
    open_page(page, "/search?" + urllib.parse.urlencode({"q": FAR_QUESTION}))
    first = page.locator(".app-result").first
    expect(first.get_by_role("heading")).to_have_text(HANDBOOK_TITLE)
    first.get_by_role("link", name=HANDBOOK_TITLE).click()
    expect(page).to_have_url(re.compile(rf"/documents/{HANDBOOK_ID}\?start=\d+&end=\d+#passage$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(HANDBOOK_TITLE)
    passage = page.locator("mark#passage")  # where the passage starts
    marks = page.locator(".app-document-text mark")  # one per paragraph it spans
    expect(marks.last).to_contain_text("annual sufficiency report is published each March")
    expect(passage).to_be_in_viewport()
    expect(marks.last).to_be_in_viewport()
    assert page.evaluate("window.scrollY") > 0, "the page did not scroll to the passage"
    expect(page.locator("h1")).not_to_be_in_viewport()  # it really is further down
    # The metadata and the way back.
    expect(page.locator(".govuk-summary-list")).to_contain_text("Anytown Council")
    expect(page.get_by_role("navigation", name="Breadcrumb")).to_contain_text("Documents")
    assert page_problems == []


def test_documents_page_lists_every_document(page, page_problems, login):
    login(page, "carol")
    open_page(page, "/search")
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Documents").click()
    expect(page).to_have_url(re.compile(r"/documents$"))
    current = page.locator('.govuk-service-navigation__link[aria-current="page"]')
    expect(current).to_have_text("Documents")
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(len(BROWSER_DOCUMENTS))
    for title in BROWSER_DOCUMENTS.values():
        expect(page.get_by_role("link", name=title, exact=True)).to_be_visible()
    assert page_problems == []


def test_an_empty_question_is_refused_with_the_error_summary_focused(page, page_problems, login):
    login(page, "carol")
    open_page(page, "/search")
    page.get_by_role("button", name="Search").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("There is a problem")
    expect(summary).to_be_focused()  # GOV.UK Frontend's ErrorSummary ran
    expect(page).to_have_title(re.compile(r"^Error: "))
    summary.get_by_role("link", name="Please type a question.").click()
    expect(page.get_by_label("Your question")).to_be_focused()
    # The 400 response itself is expected (the browser logs it); nothing else may go wrong.
    assert [p for p in page_problems if "400" not in p] == []


def test_pages_work_without_javascript(new_context, live_server, login):
    page = login(new_context(java_script_enabled=False).new_page(), "carol")
    page.goto("/search")
    page.get_by_label("Your question").fill(QUESTION)
    page.get_by_role("button", name="Search").click()
    expect(page.locator(".app-result").first).to_contain_text("Pooled Budgets Guide")
    assert "govuk-frontend-supported" not in (page.locator("body").get_attribute("class") or "")


def test_no_gds_transport_font_and_no_crown(page, page_problems, login):
    login(page, "carol")
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    open_page(page, "/search?" + urllib.parse.urlencode({"q": QUESTION}))
    fonts = page.evaluate("""() => [...document.querySelectorAll('*')]
        .map(e => getComputedStyle(e).fontFamily)
        .filter(f => f.includes('GDS Transport'))""")
    assert fonts == []
    assert not [u for u in requested if "/assets/fonts/" in u]
    assert any(u.endswith("/govuk/govuk-frontend.min.css") for u in requested)
    assert page.locator(".govuk-header__logotype, .govuk-footer__crown, "
                        ".govuk-footer__copyright-logo").count() == 0
    assert page_problems == []


def _passage_url(live_server: str, token: str) -> str:
    top = api_search(live_server, token, FAR_QUESTION, top_k=1)[0]
    assert top["doc_id"] == HANDBOOK_ID
    return f"/documents/{HANDBOOK_ID}?start={top['start']}&end={top['end']}#passage"


PAGES = {
    "search": "/search",
    "search with results": "/search?" + urllib.parse.urlencode({"q": QUESTION}),
    "search with options open": "/search?" + urllib.parse.urlencode(
        [("q", "short breaks"), ("doc", "short-breaks"), ("kind", "local")]),
    "search with errors": "/search?q=&top_k=0",
    "documents": "/documents",
    "document": "/documents/pooled-budgets",
    "document with a passage": None,  # offsets found at run time
    "stale passage": "/documents/pooled-budgets?start=5&end=999999",
    "not found": "/no/such/page",
}


@pytest.mark.parametrize("name", list(PAGES))
def test_axe_finds_no_wcag22_aa_violations(axe_page, live_server, name, login, api_token):
    url = PAGES[name] or _passage_url(live_server, api_token)
    login(axe_page, "carol")
    open_page(axe_page, url)
    violations = axe(axe_page)
    assert not violations, f"{name} ({url}): {axe_report(violations)}"


def test_axe_finds_no_violations_on_a_narrow_screen(axe_page, login):
    axe_page.set_viewport_size({"width": 320, "height": 640})
    login(axe_page, "carol")
    open_page(axe_page, "/search?" + urllib.parse.urlencode({"q": QUESTION}))
    menu = axe_page.get_by_role("button", name="Menu")
    expect(menu).to_be_visible()  # the service navigation folds into a menu
    menu.click()
    expect(axe_page.get_by_role("link", name="Documents").first).to_be_visible()
    violations = axe(axe_page)
    assert not violations, axe_report(violations)


def test_axe_does_find_violations(axe_page, login):
    login(axe_page, "carol")
    """The check above can fail: on a page with known faults axe reports them."""
    open_page(axe_page, "/")
    axe_page.evaluate("""() => {
        const main = document.querySelector('main');
        main.insertAdjacentHTML('beforeend',
            '<img src="/static/favicon.svg"><input type="text" id="unlabelled">' +
            '<p style="color:#aaa;background:#fff">Too faint to read</p>');
    }""")
    found = {v["id"] for v in axe(axe_page)}
    assert {"image-alt", "label", "color-contrast"} <= found, found


def test_the_api_docs_page_works_offline(page, page_problems, login):
    """Swagger UI comes from this app (node_modules), not a CDN: every request stays here."""
    requested = []
    page.on("request", lambda r: requested.append(r.url))
    login(page, "carol")
    page.goto("/docs")
    expect(page.locator(".swagger-ui .opblock-summary-path").first).to_be_visible()
    expect(page.get_by_text("/api/ask", exact=True).first).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("Authorize"))).to_be_visible()
    base = page.url.split("/docs")[0]
    assert requested and all(url.startswith(base) or url.startswith("data:") for url in requested), requested
    assert page_problems == []
