"""Workspaces: the engine on a real SQLite database, and the pages through the real app
(TestClient) over a small corpus ingested for real, whose guide has one section per step
of the cycle, so the step chat can be seen to favour its step.

The corpus carries the shipped steps.yaml (its citations name the shipped documents,
which this library does not have: they must still show, with their quotes) plus one
local item citing the guide, whose link must open the quote highlighted.

Browser behaviour (walking the cycle in Chromium, the download, axe) is in
test_browser_workspaces.py.
"""

from __future__ import annotations

import html
import io
import re
import shutil
from urllib.parse import parse_qs, urlsplit

import docx
from docx.oxml.ns import qn
from lxml import etree
import pytest
import yaml
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from markupsafe import escape

from assistant import accounts, history, steps, workspace_search, workspaces
from assistant.database import dispose_databases
from assistant.ingest import ingest
from assistant.settings import Settings
from assistant.workspace_export import workspace_docx, workspace_markdown
from assistant.workspaces import STATUS_LABELS, NotAllowed, NotFound, WorkspaceError
from conftest import SHIPPED_CORPUS
from fixtures.auth import create_users, page_csrf, signed_in_client
from fixtures.documents import bad_files, make_docx, make_pdf
from web.app import create_app

GUIDE_ID = "anytown-nine-steps"
GUIDE_TITLE = "Anytown Nine Steps Guide"
# Step -> what the guide says to gather there (words no other step uses).
GATHER = {1: "the outcome dashboard of school attendance and health figures",
          2: "a profile of young carers drawn from the children in need census",
          3: "the parent carer forum survey and the disability chapter of the needs assessment",
          4: "a map of every partner's spending on short breaks",
          5: "the draft service specification and the early help offer",
          6: "tender evaluations scored on quality and price by a panel that includes parents",
          7: "the section 75 agreement and the pooled budget's monthly statements",
          8: "the market position statement and the provider forum minutes",
          9: "quarterly contract monitoring returns and the annual review of outcomes"}
LOCAL_QUOTE = f"The evidence to gather at this step is {GATHER[3]}."
TITLE = "Short breaks for disabled children 2026 to 2029"
QUESTION = "What evidence should we gather?"


def guide_text(cycle: steps.Cycle) -> str:
    parts = [f"# {GUIDE_TITLE}\n"]
    for step in cycle.steps:
        parts.append(f"## Step {step.number}. {step.name}\n\n"
                     f"This part of the guide explains how Anytown works through {step.name.lower()}. "
                     "The lead commissioner owns it and reports to the Children's Trust board.\n\n"
                     f"The evidence to gather at this step is {GATHER[step.number]}.\n\n"
                     "Partners agree the findings of this step before the next one starts, and "
                     "record them in the commissioning log.\n")
    return "\n".join(parts)


@pytest.fixture(scope="module")
def ws_settings(tmp_path_factory) -> Settings:
    root = tmp_path_factory.mktemp("workspaces")
    corpus = root / "corpus"
    corpus.mkdir()
    shipped = yaml.safe_load((SHIPPED_CORPUS / "steps.yaml").read_text(encoding="utf-8"))
    shipped["steps"][2]["local"] = [{"text": "Anytown gathers the parent carer forum survey.",
                                     "citations": [{"doc_id": GUIDE_ID, "section": "Step 3",
                                                    "quote": LOCAL_QUOTE}]}]
    (corpus / "steps.yaml").write_text(yaml.safe_dump(shipped, allow_unicode=True), encoding="utf-8")
    cycle = steps.parse(shipped)
    (corpus / "guide.md").write_text(guide_text(cycle), encoding="utf-8")
    (corpus / "manifest.yaml").write_text(yaml.safe_dump({"documents": [
        {"id": GUIDE_ID, "file": "guide.md", "title": GUIDE_TITLE, "publisher": "Anytown Council",
         "date": "March 2026", "kind": "local"}]}), encoding="utf-8")
    settings = Settings(data_dir=root / "data", corpus_dir=corpus, _env_file=None)
    report = ingest(settings, progress=False)
    assert report.ok and report.added == [GUIDE_ID], report.summary()
    create_users(settings)
    return settings


@pytest.fixture(scope="module")
def app(ws_settings):
    app = create_app(ws_settings)
    with TestClient(app):  # startup: the retriever and the answerer
        yield app
    dispose_databases()


@pytest.fixture(scope="module")
def lee(app) -> TestClient:
    return signed_in_client(TestClient(app), "lee")


@pytest.fixture(scope="module")
def carol(app) -> TestClient:
    return signed_in_client(TestClient(app), "carol")


@pytest.fixture(scope="module")
def tina(app) -> TestClient:
    return signed_in_client(TestClient(app), "tina")


@pytest.fixture(scope="module")
def admin(app) -> TestClient:
    return signed_in_client(TestClient(app), "admin")


@pytest.fixture(scope="module")
def cycle(ws_settings) -> steps.Cycle:
    return steps.load(ws_settings)


def person(settings: Settings, name: str) -> accounts.User:
    return accounts.get_user(settings, name)


def create(client: TestClient, title: str = TITLE, **fields) -> str:
    """Create a workspace through the form; its page's path."""
    token = page_csrf(client, "/workspaces")
    response = client.post("/workspaces", data={"csrf_token": token, "title": title, **fields},
                           follow_redirects=False)
    assert response.status_code == 303, response.text[:2000]
    return response.headers["location"]


def post(client: TestClient, url: str, data: dict | None = None, **kwargs):
    """POST ``data`` with the session's CSRF token (read from ``url``'s GET page where there
    is one, else from the workspaces list)."""
    token = page_csrf(client, "/workspaces")
    return client.post(url, data={"csrf_token": token, **(data or {})}, follow_redirects=False,
                       **kwargs)


def save(client: TestClient, url: str, number: int, status: str, notes: str = "",
         decisions: str = "", checked=()):
    return post(client, f"{url}/steps/{number}", {"status": status, "notes": notes,
                                                  "decisions": decisions, "checked": list(checked)})


def error_summary(page: str) -> list[str]:
    summary = re.search(r'govuk-error-summary__list">(.*?)</ul>', page, re.S)
    return [html.unescape(m) for m in re.findall(r"<a [^>]*>(.*?)</a>", summary.group(1))] if summary else []


# --- the engine ----------------------------------------------------------------------

def test_leads_and_admins_create_workspaces_with_checked_details(ws_settings):
    lee, carol, admin = (person(ws_settings, n) for n in ("lee", "carol", "admin"))
    made = workspaces.create_workspace(ws_settings, lee, {
        "title": "  Short breaks   2026–29 ", "population": "Disabled children 0-18\r\nand families",
        "scope": "Overnight and day short breaks", "horizon": "April 2026 to March 2029",
        "partners": "Integrated care board"})
    assert made.title == "Short breaks 2026–29" and made.owner == "lee"
    assert made.population == "Disabled children 0-18\nand families"
    assert workspaces.create_workspace(ws_settings, admin, {"title": "Admin's"}).owner == "admin"
    with pytest.raises(NotAllowed):
        workspaces.create_workspace(ws_settings, carol, {"title": "Carol's"})
    with pytest.raises(WorkspaceError) as refused:
        workspaces.create_workspace(ws_settings, lee, {"title": " ", "horizon": "x" * 61})
    assert set(refused.value.errors) == {"title", "horizon"}
    assert "Enter a title" in refused.value.errors["title"]
    assert refused.value.errors["horizon"] == "Time horizon must be 60 characters or fewer (it is 61)"


def test_a_steps_status_notes_decisions_and_checklist_are_kept(ws_settings, cycle):
    lee = person(ws_settings, "lee")
    made = workspaces.create_workspace(ws_settings, lee, {"title": "Records"})
    items = [item.text for item in cycle.step(3).evidence]
    record = workspaces.save_step(ws_settings, made.id, lee, 3, status="in_progress",
                                  notes="Looked at the JSNA.\r\n", decisions="Use 2025 data",
                                  checked=[items[2], items[0]])
    assert record.checked == (items[0], items[2])  # in the checklist's order
    found = workspaces.get_workspace(ws_settings, made.id, lee)
    assert found.record(3).notes == "Looked at the JSNA." and found.record(3).updated_by == "lee"
    assert found.record(4).status == "not_started"
    assert found.progress(range(1, 10)) == {"not_started": 8, "in_progress": 1, "done": 0}
    with pytest.raises(WorkspaceError) as refused:
        workspaces.save_step(ws_settings, made.id, lee, 3, status="finished", notes="x" * 20_001,
                             checked=["not on the list"])
    assert set(refused.value.errors) == {"status", "notes", "checked"}
    assert "not started, in progress or done" in refused.value.errors["status"]
    with pytest.raises(NotFound):
        workspaces.save_step(ws_settings, made.id, lee, 10, status="done")
    assert workspaces.get_workspace(ws_settings, made.id, lee).record(3).notes == "Looked at the JSNA."


def test_sharing_is_by_name_and_only_the_owner_shares(ws_settings):
    lee, carol, tina = (person(ws_settings, n) for n in ("lee", "carol", "tina"))
    made = workspaces.create_workspace(ws_settings, lee, {"title": "Shared"})
    with pytest.raises(NotFound):
        workspaces.get_workspace(ws_settings, made.id, carol)
    with pytest.raises(WorkspaceError) as refused:
        workspaces.share(ws_settings, made.id, lee, "nobody-by-that-name")
    assert refused.value.errors == {"name": "There is no user called “nobody-by-that-name”. Check "
                                            "the user name (as they type it to sign in) and try again"}
    assert workspaces.share(ws_settings, made.id, lee, "Carol").name == "carol"
    for name, says in (("carol", "already shared with carol"), ("lee", "lee owns this workspace")):
        with pytest.raises(WorkspaceError, match=says):
            workspaces.share(ws_settings, made.id, lee, name)
    shared = workspaces.get_workspace(ws_settings, made.id, carol)
    assert [m.name for m in shared.members] == ["carol"] and shared.can_edit(carol)
    workspaces.save_step(ws_settings, made.id, carol, 1, status="done", notes="Carol's note")
    with pytest.raises(NotAllowed):
        workspaces.share(ws_settings, made.id, carol, "tina")
    assert [w.id for w in workspaces.list_workspaces(ws_settings, carol)].count(made.id) == 1
    assert workspaces.unshare(ws_settings, made.id, lee, carol.id) == "carol"
    with pytest.raises(NotFound):
        workspaces.get_workspace(ws_settings, made.id, carol)
    assert made.id not in [w.id for w in workspaces.list_workspaces(ws_settings, carol)]
    with pytest.raises(NotFound):
        workspace_search.search(ws_settings, made.id, tina, "note")


def test_admins_read_any_workspace_but_do_not_change_it(ws_settings):
    lee, admin = person(ws_settings, "lee"), person(ws_settings, "admin")
    made = workspaces.create_workspace(ws_settings, lee, {"title": "Read by the admin"})
    assert workspaces.get_workspace(ws_settings, made.id, admin).title == "Read by the admin"
    assert made.id in [w.id for w in workspaces.list_workspaces(ws_settings, admin, all_users=True)]
    assert made.id not in [w.id for w in workspaces.list_workspaces(ws_settings, admin)]
    with pytest.raises(NotAllowed):
        workspaces.save_step(ws_settings, made.id, admin, 1, status="done")
    with pytest.raises(NotAllowed):
        workspaces.list_workspaces(ws_settings, lee, all_users=True)


def test_evidence_files_are_checked_by_content_and_searchable(ws_settings):
    lee = person(ws_settings, "lee")
    made = workspaces.create_workspace(ws_settings, lee, {"title": "Evidence"})
    note = workspaces.add_text_evidence(ws_settings, made.id, lee, 3, "Parent survey",
                                        "Parents want more overnight respite in the north.")
    word = workspaces.add_file_evidence(ws_settings, made.id, lee, 8, "", "market.docx", make_docx())
    assert word.title == "market.docx" and word.kind == "file" and "market position" in word.excerpt
    for case, (name, data, says) in bad_files().items():
        with pytest.raises(WorkspaceError) as refused:
            workspaces.add_file_evidence(ws_settings, made.id, lee, 3, "", name, data)
        assert refused.value.errors["file"].startswith(f"{name} was not accepted: "), case
        assert says in refused.value.errors["file"], case
    workspaces.save_step(ws_settings, made.id, lee, 5, status="in_progress",
                         decisions="Commission overnight respite from two providers.")
    hits = workspace_search.search(ws_settings, made.id, lee, "overnight respite")
    assert sorted((h.kind, h.step) for h in hits) == [("decisions", 5), ("evidence", 3)]
    found = next(h for h in hits if h.kind == "evidence")
    assert found.evidence_id == note.id and "overnight respite" in found.snippet
    assert workspace_search.search(ws_settings, made.id, lee, "sufficiency duty")[0].title == "market.docx"
    assert workspace_search.search(ws_settings, made.id, lee, "helicopters") == []
    full = workspaces.get_evidence(ws_settings, made.id, word.id, lee)
    assert "Quarterly provider forums" in full.text
    assert [e.id for e in workspaces.get_workspace(ws_settings, made.id, lee).evidence] == [note.id, word.id]


def test_deleting_an_account_deletes_the_workspaces_it_owns(ws_settings):
    owner = accounts.create_user(ws_settings, "short-lived-lead", "lead", "correct horse battery")
    made = workspaces.create_workspace(ws_settings, owner, {"title": "Goes with its owner"})
    workspaces.share(ws_settings, made.id, owner, "carol")
    accounts.delete_user(ws_settings, "short-lived-lead")
    with pytest.raises(NotFound):
        workspaces.get_workspace(ws_settings, made.id, person(ws_settings, "admin"))


def test_exports_hold_the_work_and_the_sources(ws_settings, cycle):
    lee = person(ws_settings, "lee")
    made = workspaces.create_workspace(ws_settings, lee, {"title": "Export <me>", "partners": "ICB"})
    workspaces.save_step(ws_settings, made.id, lee, 3, status="done", notes="Bell\x07 rang.\n\nSecond",
                         decisions="Decided X", checked=[cycle.step(3).evidence[0].text])
    workspaces.add_text_evidence(ws_settings, made.id, lee, 3, "Survey", "Families replied.")
    found = workspaces.get_workspace(ws_settings, made.id, lee)
    titles = {GUIDE_ID: GUIDE_TITLE}
    markdown = workspace_markdown(found, cycle, titles)
    assert markdown.startswith("# Export <me>\n")
    assert "**Partners:** ICB" in markdown and "**Status:** Done" in markdown
    assert f"- [x] {cycle.step(3).evidence[0].text}[^" in markdown
    first = cycle.step(1).citations[0]  # a document this library lacks: named by its id
    assert f"[^1]: {first.doc_id}, section {first.section}: “{' '.join(first.quote.split())}”" in markdown
    document = docx.Document(io.BytesIO(workspace_docx(found, cycle, titles)))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "Bell  rang." in text and "Second" in text  # the control character cannot go into Word
    assert "Decided X" in text and "Survey" in text
    # Citations are Word footnotes: a reference in the text, the note in the footnotes part.
    notes = footnotes(document)
    assert notes[0] == f"{first.doc_id}, section {first.section}: “{' '.join(first.quote.split())}”"
    references = document.element.body.findall(".//" + qn("w:footnoteReference"))
    assert [int(r.get(qn("w:id"))) for r in references] == list(range(1, len(notes) + 1))


def footnotes(document) -> list[str]:
    """The text of each real footnote of a python-docx document, in order (separators aside)."""
    part = next(p for p in document.part.package.iter_parts() if p.partname == "/word/footnotes.xml")
    root = etree.fromstring(part.blob)
    return ["".join(t.text or "" for t in note.iter(qn("w:t"))).strip()
            for note in root.findall(qn("w:footnote")) if int(note.get(qn("w:id"))) > 0]


# --- the pages -----------------------------------------------------------------------

def test_the_walkthrough_through_the_pages(app, lee, cycle):
    url = create(lee, population="Disabled children", horizon="2026 to 2029",
                 partners="Integrated care board\nParent carer forum")
    overview = lee.get(url)
    assert overview.status_code == 200
    assert f"The workspace “{TITLE}” was created. Start with step 1." in overview.text
    assert "Parent carer forum" in overview.text
    assert overview.text.count("app-cycle__segment--not_started") == 9 + 1  # and the key's swatch
    statuses = {1: "done", 2: "done", 3: "in_progress"}
    for number in range(1, 10):
        page = lee.get(f"{url}/steps/{number}")
        assert page.status_code == 200, page.text[:500]
        step = cycle.step(number)
        assert f"Step {number}: {step.name}</h1>" in page.text
        previous, following = cycle.previous(number), cycle.next(number)
        assert f'href="{url}/steps/{previous.number}" rel="prev"' in page.text
        assert f'href="{url}/steps/{following.number}" rel="next"' in page.text
        response = save(lee, url, number, statuses.get(number, "not_started"),
                        notes=f"Note for step {number}", decisions=f"Decision {number}", checked=["0"])
        assert response.status_code == 303 and response.headers["location"] == f"{url}/steps/{number}"
        saved = STATUS_LABELS[statuses.get(number, "not_started")].lower()
        assert f"Step {number} was saved: {saved}." in lee.get(response.headers["location"]).text
    assert 'href="' + url + '/steps/1" rel="next"' in lee.get(f"{url}/steps/9").text  # 9 -> 1
    page = lee.get(f"{url}/steps/3")
    assert "was saved" not in page.text  # the message is shown once
    assert ">Note for step 3</textarea>" in page.text and ">Decision 3</textarea>" in page.text
    assert re.search(r'id="checked-0" name="checked" type="checkbox" value="0" checked', page.text)
    assert re.search(r'id="status-in_progress" name="status" type="radio" value="in_progress" checked',
                     page.text)
    overview = lee.get(url).text
    assert overview.count("app-cycle__segment--done") == 2 + 1
    assert overview.count("app-cycle__segment--in_progress") == 1 + 1
    assert 'aria-label="Step 3: Needs analysis, in progress"' in overview
    assert "2 of 9 steps done, 1 in progress, 6 not started." in overview
    listing = lee.get("/workspaces").text
    assert TITLE in listing and "2 of 9 steps done, 1 in progress" in listing


def test_the_forms_refuse_readably(app, lee, carol):
    response = post(lee, "/workspaces", {"title": "", "scope": "x" * 2001})
    assert response.status_code == 422
    assert error_summary(response.text) == [
        "Enter a title for the workspace, for example: Short breaks for disabled children 2026 to 2029.",
        "Scope must be 2000 characters or fewer (it is 2001)."]
    assert response.text.count(">" + "x" * 2001 + "</textarea>") == 1  # what was typed stays
    url = create(lee, "Refusals")
    response = save(lee, url, 2, "", notes="Keep this")
    assert response.status_code == 422
    assert error_summary(response.text) == [
        "Select whether this step is not started, in progress or done."]
    assert ">Keep this</textarea>" in response.text
    assert lee.get(f"{url}/steps/10").status_code == 404
    response = post(lee, f"{url}/members", {"name": "nobody-by-that-name"})
    assert response.status_code == 422 and "There is no user called “nobody-by-that-name”" in response.text
    # A commissioner sees no form and may not post one.
    listing = carol.get("/workspaces").text
    assert "Create a workspace" not in listing and "Leads and administrators create workspaces" in listing
    refused = post(carol, "/workspaces", {"title": "Carol's"})
    assert refused.status_code == 403 and "lead or administrator" in refused.text


def test_a_bad_upload_is_refused_and_nothing_is_lost(app, lee):
    url = create(lee, "Uploads")
    assert save(lee, url, 4, "in_progress", notes="Notes before the uploads").status_code == 303
    added = post(lee, f"{url}/steps/4/evidence", {"title": "Spending map", "text": "Every partner's spending."})
    assert added.status_code == 303 and added.headers["location"] == f"{url}/steps/4#evidence"
    before = lee.get(f"{url}/steps/4").text
    for case, (name, data, says) in bad_files().items():
        response = post(lee, f"{url}/steps/4/evidence", {"title": "Typed title"},
                        files={"file": (name, data, "application/octet-stream")})
        assert response.status_code == 422, case
        [message] = error_summary(response.text)
        assert message.startswith(f"{name} was not accepted: ") and says in message, (case, message)
        assert 'value="Typed title"' in response.text, case
    after = lee.get(f"{url}/steps/4").text
    assert after.count('class="app-evidence"') == before.count('class="app-evidence"') == 1
    assert "Notes before the uploads" in after
    pdf = post(lee, f"{url}/steps/4/evidence", files={"file": ("advocacy.pdf", make_pdf(), "application/pdf")})
    assert pdf.status_code == 303
    assert "“advocacy.pdf” was added to the evidence for step 4." in lee.get(f"{url}/steps/4").text
    found = lee.get(f"{url}?q=independent+advocacy")
    assert found.status_code == 200 and "advocacy.pdf</a>" in found.text
    link = re.search(rf'href="({url}/evidence/\d+)">advocacy.pdf', found.text).group(1)
    assert "joint strategic needs assessment" in lee.get(link).text
    empty = post(lee, f"{url}/steps/4/evidence", {"title": "", "text": ""})
    assert error_summary(empty.text) == ["Enter a title for the evidence, for example: Parent carers' "
                                         "forum survey 2025.", "Type the evidence, or choose a file to "
                                                               "upload instead."]


def test_evidence_can_be_removed_and_notes_are_searched(app, lee):
    url = create(lee, "Search and remove")
    save(lee, url, 7, "in_progress", notes="The section 75 agreement is signed.")
    post(lee, f"{url}/steps/7/evidence", {"title": "Budget statement", "text": "Pooled budget: £2m."})
    results = lee.get(f"{url}?q=section+75").text
    assert f'href="{url}/steps/7#step-notes">Notes of step 7</a>' in results
    page = lee.get(f"{url}/steps/7").text
    remove = re.search(rf'action="({url}/evidence/\d+/delete)"', page).group(1)
    response = post(lee, remove)
    assert response.status_code == 303 and response.headers["location"] == f"{url}/steps/7#evidence"
    page = lee.get(f"{url}/steps/7").text
    assert "“Budget statement” was removed from the evidence for step 7." in page
    assert "No evidence has been added for this step yet." in page
    assert post(lee, remove).status_code == 404
    assert lee.get(f"{url}?q=").status_code == 400


def test_the_step_page_shows_the_guidance_with_its_sources(app, lee, cycle, ws_settings):
    url = create(lee, "Guidance")
    page = lee.get(f"{url}/steps/3").text
    step = cycle.step(3)
    for text in (step.wording, step.summary, step.questions[0].text, step.outputs[0].text,
                 step.frameworks[0].says, cycle.competencies_for(step)[0].name, step.evidence[-1].text):
        assert str(escape(text)) in page, text
    # The local item cites the guide: its number opens the quote highlighted in the document.
    local = re.search(r"Anytown gathers the parent carer forum survey\.<a class=\"govuk-link app-cite\" "
                      r"href=\"([^\"]+)\">\[(\d+)\]", page)
    href, n = html.unescape(local.group(1)), local.group(2)
    parts = urlsplit(href)
    assert parts.path == f"/documents/{GUIDE_ID}"
    query = parse_qs(parts.query)
    text = app.state.retriever.catalog.document_text(GUIDE_ID)
    assert text[int(query["start"][0]):int(query["end"][0])] == LOCAL_QUOTE
    assert lee.get(href).status_code == 200
    assert f'id="source-{n}"' in page and GUIDE_TITLE in page
    # The shipped citations name documents this library lacks: listed with their quotes.
    first = step.citations[0]
    assert 'href="#source-1">[1]' in page
    assert re.search(r'id="source-1">.*?' + re.escape(first.doc_id) + r" <span[^>]*>\(not in this library\)",
                     page, re.S)
    assert str(escape(first.quote)) in page


def test_the_step_chat_answers_with_citations_about_its_step(app, lee, ws_settings):
    url = create(lee, "Chat")
    answers = {}
    for number in (3, 6):
        response = post(lee, f"{url}/steps/{number}/ask", {"question": QUESTION})
        assert response.status_code == 303
        assert response.headers["location"] == f"{url}/steps/{number}#turn-1"
        answers[number] = lee.get(f"{url}/steps/{number}").text
    for number, page in answers.items():
        answer = re.search(r'<div class="app-answer" id="turn-1-answer">(.*?)</div>', page, re.S).group(1)
        assert GATHER[number] in answer.replace("&#39;", "'"), number
        others = [phrase for n, phrase in GATHER.items() if n != number]
        assert not any(phrase in answer.replace("&#39;", "'") for phrase in others), number
        assert f'href="/documents/{GUIDE_ID}?start=' in answer  # [1] opens the quote
        assert GUIDE_TITLE in page
    # Kept: the step's chat is a conversation in the asker's history, continued by the next question.
    lee_user = person(ws_settings, "lee")
    titles = [c.title for c in history.list_conversations(ws_settings, lee_user)]
    assert "Step 3, Chat: What evidence should we gather?" in titles
    post(lee, f"{url}/steps/3/ask", {"question": "Who owns it?"})
    assert 'id="turn-2"' in lee.get(f"{url}/steps/3").text
    empty = post(lee, f"{url}/steps/3/ask", {"question": "  "})
    assert empty.status_code == 422 and error_summary(empty.text) == ["Please type a question."]
    off_topic = post(lee, f"{url}/steps/3/ask", {"question": "What is the capital of France?"})
    assert "The framework documents don&#39;t cover this" in lee.get(f"{url}/steps/3").text, off_topic


def test_exports_download_with_the_notes(app, lee):
    url = create(lee, "Short breaks: export")
    save(lee, url, 2, "done", notes="Young carers need evening sessions.", decisions="Prioritise young carers")
    post(lee, f"{url}/steps/2/evidence", {"title": "Census extract", "text": "412 young carers."})
    markdown = lee.get(f"{url}/export.md")
    assert markdown.status_code == 200 and markdown.headers["content-type"].startswith("text/markdown")
    assert 'filename="workspace-short-breaks-export.md"' in markdown.headers["content-disposition"]
    body = markdown.text
    assert "Young carers need evening sessions." in body and "Prioritise young carers" in body
    assert "- **Census extract** (note, added by lee on" in body and "## Sources" in body
    word = lee.get(f"{url}/export.docx")
    assert word.status_code == 200 and 'filename="workspace-short-breaks-export.docx"' in \
        word.headers["content-disposition"]
    document = docx.Document(io.BytesIO(word.content))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "Young carers need evening sessions." in text and "Prioritise young carers" in text
    assert "Census extract" in text and len(footnotes(document)) > 20


def _workspace_routes(app):
    for route in iter_route_contexts(app.routes):
        if route.path.startswith("/workspaces/{workspace_id}"):
            for method in route.methods - {"HEAD"}:
                yield method, route.path


def test_every_workspace_address_is_not_found_without_access(app, lee, tina, admin, ws_settings):
    url = create(lee, "Private")
    workspace_id = url.rsplit("/", 1)[1]
    post(lee, f"{url}/members", {"name": "carol"})
    post(lee, f"{url}/steps/1/evidence", {"title": "Secret", "text": "Only for lee and carol."})
    evidence_id = re.search(r"/evidence/(\d+)", lee.get(f"{url}/steps/1").text).group(1)
    values = {"workspace_id": workspace_id, "number": "1", "evidence_id": evidence_id,
              "member_id": str(person(ws_settings, "carol").id)}
    checked = []
    for method, path in _workspace_routes(app):
        address = re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], path)
        checked.append((method, address))
        response = tina.get(address) if method == "GET" else post(tina, address, {"title": "x"})
        assert response.status_code == 404, (method, address, response.status_code)
        assert "There is no workspace of yours at this address" in response.text, address
        if method == "GET":  # an admin may read every page of it...
            assert admin.get(address).status_code == (403 if address.endswith(("/edit", "/delete"))
                                                      else 200), address
        else:  # ...and change nothing
            assert post(admin, address, {"title": "x", "status": "done", "question": "Why?"}
                        ).status_code == 403, address
    assert len(checked) >= 14
    assert url in admin.get("/workspaces?whose=all").text and url not in admin.get("/workspaces").text
    assert url not in tina.get("/workspaces?whose=all").text  # only admins list everyone's
    assert {a for _, a in checked} >= {url, f"{url}/export.docx", f"{url}/export.md", f"{url}/steps/1"}
    assert "Only for lee and carol." in lee.get(f"{url}/evidence/{evidence_id}").text


def test_every_workspace_form_needs_the_csrf_token(app, lee):
    url = create(lee, "Tokens")
    values = {"workspace_id": url.rsplit("/", 1)[1], "number": "1", "evidence_id": "1", "member_id": "1"}
    posts = [("POST", "/workspaces")] + [(m, p) for m, p in _workspace_routes(app) if m == "POST"]
    for _, path in posts:
        address = re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], path)
        response = lee.post(address, data={"title": "x", "status": "done"}, follow_redirects=False)
        assert response.status_code == 403 and "This form has expired" in response.text, address
    assert lee.get(url).status_code == 200 and "Tokens" in lee.get(url).text


def test_markup_typed_into_a_workspace_is_shown_as_text(app, lee):
    url = create(lee, "<script>alert(1)</script>")
    save(lee, url, 1, "in_progress", notes="<img src=x onerror=alert(2)>")
    for page in (lee.get(url).text, lee.get(f"{url}/steps/1").text):
        assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=alert(2)&gt;" in lee.get(f"{url}/steps/1").text


def test_the_owner_deletes_a_workspace_after_being_asked(app, lee, carol):
    url = create(lee, "To delete")
    post(lee, f"{url}/members", {"name": "carol"})
    assert carol.get(f"{url}/delete").status_code == 403  # a member may change it, not delete it
    assert post(carol, f"{url}/delete").status_code == 403
    page = lee.get(f"{url}/delete")
    assert "Delete “To delete”?" in page.text and "carol too" in page.text
    response = post(lee, f"{url}/delete")
    assert response.status_code == 303 and response.headers["location"] == "/workspaces"
    assert "The workspace “To delete” was deleted." in lee.get("/workspaces").text
    assert lee.get(url).status_code == 404 and carol.get(url).status_code == 404


def test_a_member_leaves_and_the_owner_stops_sharing(app, lee, carol, tina, ws_settings):
    url = create(lee, "Members")
    post(lee, f"{url}/members", {"name": "carol"})
    post(lee, f"{url}/members", {"name": "tina"})
    assert carol.get(url).status_code == 200 and "Leave this workspace" in carol.get(url).text
    carol_id, tina_id = person(ws_settings, "carol").id, person(ws_settings, "tina").id
    assert post(carol, f"{url}/members/{tina_id}/remove").status_code == 403
    left = post(carol, f"{url}/members/{carol_id}/remove")
    assert left.status_code == 303 and left.headers["location"] == "/workspaces"
    assert carol.get(url).status_code == 404
    assert post(lee, f"{url}/members/{tina_id}/remove").status_code == 303
    assert "The workspace is no longer shared with tina." in lee.get(url).text
    assert tina.get(url).status_code == 404


def test_workspaces_survive_a_restart(app, lee, ws_settings):
    url = create(lee, "Survives")
    save(lee, url, 5, "done", notes="Kept across restarts")
    dispose_databases()  # as a process that stops: every connection closed
    again = create_app(ws_settings)
    with TestClient(again):
        client = signed_in_client(TestClient(again), "lee")
        assert "Survives" in client.get("/workspaces").text
        assert ">Kept across restarts</textarea>" in client.get(f"{url}/steps/5").text


def test_the_workspace_pages_are_in_the_navigation(lee):
    page = lee.get("/workspaces").text
    assert '<a class="govuk-service-navigation__link" href="/workspaces" aria-current="page">' in page


def test_a_missing_step_model_is_explained(app, lee, ws_settings, tmp_path):
    url = create(lee, "No model")
    path = steps.path_for(ws_settings)
    shutil.move(path, tmp_path / "steps.yaml")
    try:
        response = lee.get(f"{url}/steps/1")
        assert response.status_code == 503 and "steps.yaml is missing" in response.text
    finally:
        shutil.move(tmp_path / "steps.yaml", path)
    assert lee.get(f"{url}/steps/1").status_code == 200
