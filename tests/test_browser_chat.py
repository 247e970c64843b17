"""The chat in a real headless Chromium: ask, watch the answer stream, follow a citation to
its highlighted quote, reload the conversation, give feedback; axe on every chat page.

One app server for the session (fixtures/browser.py), signed in as carol through the real
sign-in form. Pages keep the app's CSP except where axe is injected.
"""

from __future__ import annotations

import json
import re
import urllib.request

import pytest
from playwright.sync_api import expect

from assistant import accounts
from fixtures.browser import HANDBOOK_ID, HANDBOOK_TITLE, axe, axe_report

pytestmark = pytest.mark.browser

QUESTION = "When is the annual sufficiency report published?"
FOLLOW_UP = "How often does the pooled fund board meet?"
ENHANCED = "document.body.classList.contains('govuk-frontend-supported')"
# Records each data-state the answer being written passes through (chat.js sets it on
# every event): added nodes as "+state", changes as the value they had before.
WATCH_STATES = """() => {
  window.appStates = [];
  new MutationObserver((records) => {
    for (const r of records) {
      if (r.type === "attributes") window.appStates.push(r.oldValue);
      for (const n of r.addedNodes || []) {
        if (n.nodeType === 1 && n.dataset.state) window.appStates.push("+" + n.dataset.state);
      }
    }
  }).observe(document.getElementById("turns"), {subtree: true, childList: true,
    attributes: true, attributeFilter: ["data-state"], attributeOldValue: true});
}"""


def open_page(page, url: str):
    response = page.goto(url)
    page.wait_for_function(ENHANCED)
    return response


def ask(page, question: str):
    """Type a question on the page, press Ask and wait for the finished answer."""
    done = page.locator("#turns > .app-turn[data-state=done]").count()
    page.get_by_label(re.compile("Your question|Ask a follow-up question")).fill(question)
    page.get_by_role("button", name="Ask", exact=True).click()
    # An answer takes well under a second on a quiet machine; allow for a busy one.
    expect(page.locator("#turns > .app-turn[data-state=done]")).to_have_count(done + 1, timeout=30_000)
    return page.locator("#turns > .app-turn").last


def api_conversation(live_server: str, live_settings, question: str = QUESTION) -> str:
    """A conversation of carol's made through the JSON API; its page's path."""
    token = accounts.issue_token(live_settings, "carol")
    request = urllib.request.Request(f"{live_server}/api/ask", method="POST",
                                     data=json.dumps({"question": question}).encode(),
                                     headers={"Authorization": f"Bearer {token}",
                                              "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return f"/conversations/{json.load(response)['conversation_id']}"


def test_ask_streams_the_answer_then_a_citation_opens_the_quote(page, page_problems, login):
    login(page, "carol")
    open_page(page, "/ask")
    expect(page.get_by_role("heading", level=1)).to_have_text("Ask the guidance")
    page.evaluate(WATCH_STATES)
    turn = ask(page, QUESTION)
    states = page.evaluate("window.appStates")
    assert states[0] == "+waiting" and "streaming" in states, states  # it streamed first...
    assert states[-1] == "+done", states  # ...then the stored answer took its place
    expect(page).to_have_url(re.compile(r"/conversations/[0-9a-f]{32}$"))
    conversation_url = page.url
    expect(turn.get_by_role("heading", level=2)).to_contain_text(QUESTION)
    expect(turn.locator(".app-answer")).to_contain_text("published each March")
    expect(turn.locator(".app-sources")).to_contain_text(HANDBOOK_TITLE)
    expect(turn.locator(".app-sources")).to_contain_text("March 2025")
    cite = turn.locator("a.app-cite").first
    expect(cite).to_contain_text("[1]")
    answer_text = turn.locator(".app-answer").inner_text()
    hrefs = turn.locator("a.app-cite").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    # The form now continues this conversation.
    expect(page.get_by_label("Ask a follow-up question")).to_have_value("")
    # The citation opens the document at the quote, highlighted and scrolled into view.
    cite.click()
    expect(page).to_have_url(re.compile(rf"/documents/{HANDBOOK_ID}\?start=\d+&end=\d+#passage$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(HANDBOOK_TITLE)
    marks = page.locator("main mark")
    expect(marks.first).to_be_visible()
    expect(marks.first).to_be_in_viewport()
    expect(marks.last).to_contain_text("published each March")
    expect(page.locator("main")).to_contain_text("March 2025")  # the document's date
    expect(page.locator("main")).to_contain_text("Part 23")  # the quote's section
    # Reloading the conversation shows the same answer with the same citations.
    page.goto(conversation_url)
    again = page.locator("#turns > .app-turn").last
    expect(again.locator(".app-answer")).to_have_text(answer_text)
    assert again.locator("a.app-cite").evaluate_all(
        "links => links.map(a => a.getAttribute('href'))") == hrefs
    assert page_problems == []


def test_a_follow_up_streams_into_the_same_conversation(page, page_problems, login):
    login(page, "carol")
    open_page(page, "/ask")
    ask(page, QUESTION)
    first_url = page.url
    turn = ask(page, FOLLOW_UP)
    assert page.url == first_url
    expect(turn.locator(".app-answer")).to_contain_text("meets quarterly")
    page.reload()
    expect(page.locator("#turns > .app-turn")).to_have_count(2)
    assert page_problems == []


def test_feedback_from_the_page(page, page_problems, login, live_server, live_settings):
    login(page, "carol")
    open_page(page, api_conversation(live_server, live_settings))
    turn = page.locator("#turns > .app-turn").first
    turn.get_by_role("button", name="Send feedback").click()  # nothing chosen: refused
    expect(page.locator(".govuk-error-summary")).to_contain_text("Select yes if the answer was helpful")
    page_problems.clear()  # the 422 is expected
    turn = page.locator("#turns > .app-turn").first
    turn.get_by_label("No").check()
    turn.get_by_label("Comment (optional)").fill("It should say who writes the report.")
    turn.get_by_role("button", name="Send feedback").click()
    turn = page.locator("#turns > .app-turn").first
    expect(turn.locator(".app-feedback__saved")).to_contain_text("your feedback on this answer was saved")
    expect(turn.get_by_label("No")).to_be_checked()
    expect(turn.get_by_label("Comment (optional)")).to_have_value("It should say who writes the report.")
    expect(turn.get_by_role("button", name="Update feedback")).to_be_visible()
    assert page_problems == []


def test_the_chat_works_without_javascript(new_context, login):
    page = login(new_context(java_script_enabled=False).new_page(), "carol")
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/ask$"))
    page.get_by_label("Your question").fill(QUESTION)
    page.get_by_role("button", name="Ask", exact=True).click()
    expect(page).to_have_url(re.compile(r"/conversations/[0-9a-f]{32}#turn-1$"), timeout=30_000)
    expect(page.locator("#turn-1 .app-answer")).to_contain_text("published each March")
    page.get_by_label("Ask a follow-up question").fill(FOLLOW_UP)
    page.get_by_role("button", name="Ask", exact=True).click()
    expect(page.locator("#turn-2 .app-answer")).to_contain_text("meets quarterly", timeout=30_000)


def test_history_lists_and_reopens_conversations(page, page_problems, login, live_server, live_settings):
    url = api_conversation(live_server, live_settings, FOLLOW_UP)
    login(page, "carol")
    open_page(page, "/ask")
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="History").click()
    expect(page).to_have_url(re.compile(r"/conversations$"))
    page.locator(f'a[href="{url}"]').click()
    expect(page.locator("#turn-1 .app-answer")).to_contain_text("meets quarterly")
    expect(page.locator('.govuk-service-navigation__link[aria-current="true"]')).to_have_text("History")
    assert page_problems == []


def _turn_page(live_server, live_settings):
    return api_conversation(live_server, live_settings)


CHAT_PAGES = {
    "ask": "/ask",
    "history": "/conversations",
    "conversation": _turn_page,
    "delete a conversation": lambda *a: _turn_page(*a) + "/delete",
}


@pytest.mark.parametrize("name", list(CHAT_PAGES))
def test_axe_finds_no_violations_on_the_chat_pages(axe_page, login, live_server, live_settings, name):
    url = CHAT_PAGES[name]
    url = url if isinstance(url, str) else url(live_server, live_settings)
    login(axe_page, "carol")
    open_page(axe_page, url)
    violations = axe(axe_page)
    assert not violations, f"{name} ({url}): {axe_report(violations)}"


def test_axe_finds_no_violations_with_a_streamed_answer_and_errors(axe_page, login):
    login(axe_page, "carol")
    open_page(axe_page, "/ask")
    axe_page.locator("summary").filter(has_text="Answer only from some documents").click()
    ask(axe_page, QUESTION)
    violations = axe(axe_page)
    assert not violations, f"/ask with a streamed answer: {axe_report(violations)}"
    # An empty question is refused by the server, with the error summary.
    axe_page.get_by_role("button", name="Ask", exact=True).click()
    expect(axe_page.locator(".govuk-error-summary")).to_be_visible(timeout=30_000)
    axe_page.wait_for_function(ENHANCED)
    violations = axe(axe_page)
    assert not violations, f"a refused question: {axe_report(violations)}"
