"""The document library and uploads through the real app: TestClient, embedded Chroma,
SQLite, the real embedding model and the real sign-in form.

One app serves the module (the model loads once); every test that changes the library
uses its own document, so the tests do not depend on each other's order.
"""

from __future__ import annotations

import os
import re
import struct
import time
import zlib

import pytest
from fastapi.testclient import TestClient

from assistant import accounts, manifest
from assistant.ingest import add_document, ingest, ingest_lock
from assistant.settings import Settings
from fixtures.auth import csrf_from, page_csrf, signed_in_client
from fixtures.documents import make_docx, make_pdf, write_small_corpus
from fixtures.index import assert_consistent, snapshot
from web.app import create_app

MAX_MB = 0.2  # 200 KB: every test document fits, a 300 KB one does not
DOC_XSS = "<script>alert('in the text')</script>"
TITLE_XSS = "<script>alert(1)</script> Respite Rota"


@pytest.fixture(scope="module")
def lib_settings(tmp_path_factory) -> Settings:
    root = tmp_path_factory.mktemp("library")
    with pytest.MonkeyPatch.context() as patch:
        for name in [n for n in os.environ if n.startswith("ASSISTANT_")]:
            patch.delenv(name)
        settings = Settings(data_dir=root / "data", corpus_dir=root / "corpus",
                            max_file_mb=MAX_MB, _env_file=None)
    write_small_corpus(settings.corpus_dir)
    entries = manifest.load(settings.manifest_path)
    manifest.save(settings.manifest_path, [e.model_copy(update={"date": "April 2024"})
                                           if e.id == "pooled-budgets" else e for e in entries])
    assert ingest(settings, progress=False).ok
    return settings


@pytest.fixture(scope="module")
def app(lib_settings):
    return create_app(lib_settings)


@pytest.fixture(scope="module")
def admin(app):
    with TestClient(app) as client:  # runs the app's startup once for the module
        yield signed_in_client(client, "admin")


@pytest.fixture(scope="module")
def carol(app, admin):
    """A commissioner, on the same running app."""
    return signed_in_client(app, "carol")


@pytest.fixture(scope="module")
def token(lib_settings, admin) -> str:
    return accounts.issue_token(lib_settings, "admin")


def csrf(client: TestClient, url: str = "/documents") -> str:
    return page_csrf(client, url)


def upload(client, name: str, data: bytes, title: str, url: str = "/documents/upload",
           **fields) -> "httpx.Response":  # noqa: F821
    form = {"title": title, "kind": fields.pop("kind", "local"), "csrf_token": csrf(client),
            **fields}
    return client.post(url, data=form, files={"file": (name, data)}, follow_redirects=False)


def finish(app, response) -> dict:
    """Wait for the job the upload response points at; its JSON."""
    assert response.status_code in (202, 303), response.text[:2000]
    location = response.headers["location"]
    job_id = location.rstrip("/").rsplit("/", 1)[1]
    job = app.state.jobs.wait(job_id, timeout=120)
    assert job is not None and job.finished, job
    return job.as_json()


def search(client, q: str, **params) -> list[dict]:
    response = client.get("/api/search", params={"q": q, **params})
    assert response.status_code == 200, response.text
    return response.json()["results"]


def png_bytes() -> bytes:
    """A real 1x1 PNG."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) + chunk(b"IEND", b""))


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


# --- uploads that are accepted -------------------------------------------------------

KINDS = {
    "markdown": ("kinship.md", lambda: (b"# Kinship Care Allowance Policy\n\n## 1. Who can claim\n\n"
                                        b"Kinship carers of looked after children receive a "
                                        b"weekly zebrafinch allowance paid every Thursday.\n"),
                 "Kinship Care Allowance Policy", "zebrafinch allowance paid"),
    "text": ("transport.txt", lambda: (b"Home to School Transport Policy\n\n1. Eligibility\n"
                                       b"Pupils living beyond three miles travel free on the "
                                       b"kingfisher minibus service.\n"),
             "Home to School Transport Policy", "kingfisher minibus"),
    "word": ("market.docx", make_docx, "Market Shaping Strategy", "market position statement"),
    "pdf": ("advocacy.pdf", make_pdf, "Advocacy Commissioning Framework", "independent advocacy"),
}


@pytest.mark.parametrize("kind", list(KINDS))
def test_admin_uploads_a_document_that_is_then_listed_and_searchable(app, admin, kind):
    name, make, title, phrase = KINDS[kind]
    before = search(admin, phrase)  # the BM25 index and store are built and cached now
    assert all(r["title"] != title for r in before)

    response = upload(admin, name, make(), title, publisher="Anytown Council", date="May 2026",
                      aliases="Anytown " + kind)
    assert response.headers["location"].startswith("/documents/jobs/")
    job = finish(app, response)
    assert job["state"] == "done", job
    assert job["progress"] == 100 and "can now be searched" in job["message"]

    doc_id = job["doc_id"]
    page = admin.get(f"/documents/jobs/{job['id']}")
    assert page.status_code == 200
    assert f'href="/documents/{doc_id}"' in page.text and "Success" in page.text
    listing = admin.get("/documents").text
    assert title in listing and "Anytown Council" in listing and "May 2026" in listing
    found = search(admin, phrase)
    assert found and found[0]["doc_id"] == doc_id, found[:2]
    within = admin.get(f"/documents/{doc_id}", params={"q": phrase})
    assert within.status_code == 200 and f"/documents/{doc_id}?start=" in within.text
    assert_consistent(app.state.retriever.settings)


def test_a_new_document_is_answerable_at_once(app, admin, token):
    body = (b"# Bereavement Support Pathway\n\n## 2. Referral\n\nSchools refer grieving pupils to "
            b"the lanternfly bereavement service within five working days.\n")
    job = finish(app, upload(admin, "bereavement.md", body, "Bereavement Support Pathway"))
    assert job["state"] == "done"
    response = admin.post("/api/ask", json={"question": "Where do schools refer grieving pupils?"},
                          headers={"Authorization": f"Bearer {token}"})
    if response.status_code == 404:
        pytest.skip("POST /api/ask is not in the app yet")
    assert response.status_code == 200, response.text
    answer = response.json()
    assert not answer["refused"], answer
    assert any(c["doc_id"] == job["doc_id"] for c in answer["citations"]), answer


def test_the_api_uploads_with_a_token_and_reports_the_job(app, admin, token):
    auth = {"Authorization": f"Bearer {token}"}
    body = b"Foster Carer Fees Schedule\n\n1. Rates\nFoster carers receive the heron fee each week.\n"
    bare = TestClient(app)  # no cookie at all: the token is the only credential
    response = bare.post("/api/documents", headers=auth, files={"file": ("fees.txt", body)},
                         data={"title": "Foster Carer Fees Schedule", "kind": "national"})
    assert response.status_code == 202, response.text
    created = response.json()
    assert created["state"] in ("queued", "running") and created["url"] == response.headers["location"]
    app.state.jobs.wait(created["id"])
    job = bare.get(created["url"], headers=auth).json()
    assert job["state"] == "done" and job["document_url"] == "/api/documents/foster-carer-fees-schedule"
    document = bare.get(job["document_url"], headers=auth).json()
    assert document["kind"] == "national" and "heron fee" in document["text"]
    assert bare.get("/api/jobs/no-such-job", headers=auth).status_code == 404


def test_progress_is_reported_from_the_ingest(lib_settings, tmp_path):
    source = tmp_path / "progress.md"
    source.write_text("# Progress Test Policy\n\nThe magpie panel meets monthly.\n", encoding="utf-8")
    seen: list[tuple[int, str]] = []
    report = add_document(lib_settings, source, title="Progress Test Policy", progress=False,
                          on_progress=lambda percent, stage: seen.append((percent, stage)))
    assert report.added == ["progress-test-policy"]
    percents = [p for p, _ in seen]
    assert percents == sorted(percents) and percents[-1] == 100 and len(set(percents)) > 3
    assert any(stage == "Embedding passages" for _, stage in seen)


# --- uploads that are refused: clear message, nothing changed --------------------------

REFUSED = {
    "text named .pdf": ("minutes.pdf", b"Minutes of the commissioning group, typed as notes.\n",
                        ["minutes.pdf", "PDF", "plain text"]),
    "PNG named .pdf": ("scan.pdf", png_bytes(), ["scan.pdf", "PDF", "binary data"]),
    "PDF named .docx": ("report.docx", make_pdf(), ["report.docx", "Word", "PDF"]),
    "empty file": ("empty.txt", b"", ["empty.txt", "empty"]),
    "unsupported type": ("setup.exe", b"MZ\x90\x00" + bytes(200), ["setup.exe", "not supported"]),
}


@pytest.mark.parametrize("case", list(REFUSED))
def test_a_bad_file_is_refused_on_the_form_and_nothing_changes(app, admin, lib_settings, case):
    name, data, says = REFUSED[case]
    before = snapshot(lib_settings)
    response = upload(admin, name, data, f"Refused {case}", publisher="Kept Publisher")
    assert response.status_code == 400
    page = response.text
    assert "There is a problem" in page and 'href="#file"' in page
    message = re.search(r'id="file-error"[^>]*>(.*?)</p>', page, re.S).group(1)
    for phrase in says:
        assert phrase in message, message
    assert 'value="Kept Publisher"' in page  # what was typed is kept
    assert snapshot(lib_settings) == before
    assert app.state.jobs.busy_with(f"refused-{case}") is None


@pytest.mark.parametrize("case", ["text named .pdf", "PNG named .pdf"])
def test_the_api_refuses_a_fake_pdf_and_nothing_changes(admin, token, lib_settings, case):
    name, data, says = REFUSED[case]
    before = snapshot(lib_settings)
    response = admin.post("/api/documents", headers={"Authorization": f"Bearer {token}"},
                          files={"file": (name, data)}, data={"title": "Fake PDF"})
    assert response.status_code == 400
    problem = response.json()
    assert problem["errors"][0]["field"] == "file"
    assert all(phrase in problem["detail"] for phrase in says), problem
    assert snapshot(lib_settings) == before


def test_an_oversized_file_is_refused_and_nothing_changes(admin, token, lib_settings):
    big = ("The pooled fund board meets quarterly. " * 8000).encode()  # ~300 KB
    assert len(big) > MAX_MB * 1024 * 1024
    before = snapshot(lib_settings)
    page = upload(admin, "big.txt", big, "Big Policy")
    assert page.status_code == 413
    assert "big.txt" in page.text and "the limit is 0.2 MB" in page.text
    api = admin.post("/api/documents", headers={"Authorization": f"Bearer {token}"},
                     files={"file": ("big.txt", big)}, data={"title": "Big Policy"})
    assert api.status_code == 413 and "limit" in api.json()["detail"]
    assert snapshot(lib_settings) == before


def test_missing_fields_and_a_taken_title_are_refused(admin, lib_settings):
    before = snapshot(lib_settings)
    form = {"title": "", "kind": "", "csrf_token": csrf(admin)}
    response = admin.post("/documents/upload", data=form, files={"file": ("", b"")})
    assert response.status_code == 400
    assert "Select a file to upload" in response.text
    assert "Enter the document&#39;s title" in response.text
    assert "Select whether this is a local framework or national guidance" in response.text
    taken = upload(admin, "again.txt", b"Pooled budgets again.\n", "Pooled Budgets Guide")
    assert taken.status_code == 409 and "already in the library" in taken.text
    assert snapshot(lib_settings) == before


def test_an_upload_without_the_csrf_token_is_refused(admin, lib_settings):
    before = snapshot(lib_settings)
    response = admin.post("/documents/upload", data={"title": "No Token", "kind": "local"},
                          files={"file": ("note.txt", b"A note.\n")}, follow_redirects=False)
    assert response.status_code == 403 and "did not come from this site" in response.text
    assert snapshot(lib_settings) == before


# --- who may do what -------------------------------------------------------------------

def test_a_commissioner_cannot_upload_replace_or_delete(carol, lib_settings):
    page = carol.get("/documents")
    assert page.status_code == 200
    assert "/documents/upload" not in page.text and "Add a document" not in page.text
    document = carol.get("/documents/pooled-budgets")
    assert "/replace" not in document.text and "/delete" not in document.text
    before = snapshot(lib_settings)
    token = csrf(carol)
    refusals = [
        carol.get("/documents/upload"),
        carol.post("/documents/upload", data={"title": "Sneaky", "kind": "local", "csrf_token": token},
                   files={"file": ("sneaky.txt", b"Sneaky policy text.\n")}),
        carol.get("/documents/pooled-budgets/replace"),
        carol.post("/documents/pooled-budgets/replace", data={"title": "Sneaky", "kind": "local",
                                                               "csrf_token": token},
                   files={"file": ("sneaky.txt", b"Sneaky policy text.\n")}),
        carol.get("/documents/pooled-budgets/delete"),
        carol.post("/documents/pooled-budgets/delete", data={"csrf_token": token}),
        carol.post("/api/documents", headers={"X-CSRF-Token": token}, data={"title": "Sneaky"},
                   files={"file": ("sneaky.txt", b"Sneaky policy text.\n")}),
        carol.delete("/api/documents/pooled-budgets", headers={"X-CSRF-Token": token}),
        carol.get("/api/jobs/anything"),
    ]
    assert [r.status_code for r in refusals] == [403] * len(refusals)
    assert "You cannot do this with your account" in refusals[0].text
    assert snapshot(lib_settings) == before


def test_signed_out_visitors_see_no_library(app):
    bare = TestClient(app)
    assert bare.get("/documents", follow_redirects=False).status_code == 303
    assert bare.get("/api/documents").status_code == 401
    assert bare.delete("/api/documents/pooled-budgets").status_code == 401


# --- delete and replace ------------------------------------------------------------------

def test_delete_asks_first_then_removes_the_document_from_search(app, admin, lib_settings):
    body = b"# Sibling Contact Protocol\n\nSiblings in care meet at the puffin centre monthly.\n"
    doc_id = finish(app, upload(admin, "siblings.md", body, "Sibling Contact Protocol"))["doc_id"]
    assert search(admin, "puffin centre")[0]["doc_id"] == doc_id

    confirm = admin.get(f"/documents/{doc_id}/delete")
    assert confirm.status_code == 200 and "Are you sure" in confirm.text
    refused = admin.post(f"/documents/{doc_id}/delete", data={}, follow_redirects=False)
    assert refused.status_code == 403
    assert admin.get(f"/documents/{doc_id}").status_code == 200

    done = admin.post(f"/documents/{doc_id}/delete", data={"csrf_token": csrf_from(confirm.text)},
                      follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/documents"
    listing = admin.get("/documents").text
    assert "“Sibling Contact Protocol” was deleted" in listing
    assert "“Sibling Contact Protocol” was deleted" not in admin.get("/documents").text  # once
    assert admin.get(f"/documents/{doc_id}").status_code == 404
    assert all(r["doc_id"] != doc_id for r in search(admin, "puffin centre"))
    assert not (lib_settings.corpus_dir / "local" / f"{doc_id}.md").exists()
    assert_consistent(lib_settings)


def test_the_api_deletes_a_document(app, admin, token):
    body = b"# Short Lived Policy\n\nThe ptarmigan rota changes weekly.\n"
    doc_id = finish(app, upload(admin, "short.md", body, "Short Lived Policy"))["doc_id"]
    auth = {"Authorization": f"Bearer {token}"}
    assert admin.delete(f"/api/documents/{doc_id}", headers=auth).status_code == 204
    assert admin.delete(f"/api/documents/{doc_id}", headers=auth).status_code == 404
    assert all(r["doc_id"] != doc_id for r in search(admin, "ptarmigan rota"))


def test_replace_updates_the_text_and_keeps_the_id(app, admin, lib_settings):
    first = b"# Respite Allocation Policy\n\nRespite nights are allocated by the osprey panel.\n"
    job = finish(app, upload(admin, "respite.md", first, "Respite Allocation Policy",
                             publisher="Old Publisher"))
    doc_id = job["doc_id"]
    added = app.state.retriever.catalog.stats()[doc_id].added_at

    form = admin.get(f"/documents/{doc_id}/replace")
    assert form.status_code == 200 and 'value="Old Publisher"' in form.text
    second = (b"Respite Allocation Policy 2027\n\n1. Panel\nRespite nights are now allocated by "
              b"the curlew panel.\n")
    job = finish(app, upload(admin, "respite-2027.txt", second, "Respite Allocation Policy",
                             url=f"/documents/{doc_id}/replace", publisher="New Publisher"))
    assert job["state"] == "done" and job["action"] == "replace" and job["doc_id"] == doc_id
    assert "replaced" in job["message"]

    document = admin.get(f"/api/documents/{doc_id}").json()
    assert "curlew panel" in document["text"] and "osprey" not in document["text"]
    assert document["publisher"] == "New Publisher" and document["original"] == "respite-2027.txt"
    assert search(admin, "curlew panel")[0]["doc_id"] == doc_id
    assert all(doc_id != r["doc_id"] or "osprey" not in r["text"] for r in search(admin, "osprey panel"))
    stats = app.state.retriever.catalog.stats()[doc_id]
    assert stats.added_at == added and stats.updated_at > added
    assert not (lib_settings.corpus_dir / "local" / f"{doc_id}.md").exists()
    assert_consistent(lib_settings)


def test_a_bad_replacement_keeps_the_old_version(app, admin, lib_settings):
    before = snapshot(lib_settings)
    response = upload(admin, "new.pdf", b"not really a pdf\n", "Pooled Budgets Guide",
                      url="/documents/pooled-budgets/replace")
    assert response.status_code == 400 and "new.pdf" in response.text
    assert snapshot(lib_settings) == before
    assert search(admin, "pooled fund board")[0]["doc_id"] == "pooled-budgets"


# --- script in a document or title is text ---------------------------------------------

def test_script_in_an_uploaded_document_and_its_title_is_shown_as_text(app, admin):
    body = (f"# Respite Rota\n\n## 1. Nights\n\nThe wren rota covers weekend nights. {DOC_XSS}\n"
            ).encode()
    job = finish(app, upload(admin, "rota.md", body, TITLE_XSS, aliases="<b>rota</b>"))
    assert job["state"] == "done", job
    doc_id = job["doc_id"]
    pages = {
        "document": admin.get(f"/documents/{doc_id}").text,
        "search within": admin.get(f"/documents/{doc_id}", params={"q": "wren rota"}).text,
        "search": admin.get("/search", params={"q": "wren rota weekend nights"}).text,
        "documents": admin.get("/documents").text,
        "job": admin.get(f"/documents/jobs/{job['id']}").text,
    }
    for name, html in pages.items():
        assert "<script>alert" not in html, name
        assert "&lt;script&gt;alert(1)&lt;/script&gt; Respite Rota" in html, name
    assert "&lt;script&gt;alert(&#39;in the text&#39;)&lt;/script&gt;" in pages["document"]
    assert "&lt;script&gt;alert(&#39;in the text&#39;)&lt;/script&gt;" in pages["search within"]
    assert "&lt;b&gt;rota&lt;/b&gt;" in pages["document"]


# --- reading a document --------------------------------------------------------------------

def test_the_documents_page_shows_metadata_and_counts(admin, app):
    page = admin.get("/documents")
    assert page.status_code == 200
    stats = app.state.retriever.catalog.stats()
    row = re.search(r'href="/documents/pooled-budgets".*?</tr>', page.text, re.S).group(0)
    cells = re.findall(r'<td class="govuk-table__cell[^"]*">(.*?)</td>', row, re.S)
    assert cells[2] == "Local framework" and int(cells[3]) == stats["pooled-budgets"].passages
    added = re.fullmatch(r'<time datetime="([\d:T-]+)" title="(\d{1,2} \w+ \d{4}, \d\d:\d\d)">'
                         r'(\d{1,2} \w{3} \d{4})</time>', cells[4])
    assert added and added.group(2).startswith(added.group(3).split()[0]), cells[4]
    assert "Add a document" in page.text  # an admin sees the way to upload


def test_a_document_page_has_contents_linking_to_its_sections(admin):
    page = admin.get("/documents/pooled-budgets").text
    nav = re.search(r'<nav class="app-contents".*?</nav>', page, re.S).group(0)
    links = re.findall(r'<a class="govuk-link" href="#(section-\d+)">([^<]+)</a>', nav)
    titles = [title for _, title in links]
    assert titles[:4] == ["1. Introduction", "2. Governance", "2.1 The pooled fund board",
                          "2.2 Risk sharing"]
    for anchor, title in links:
        heading = re.search(rf'<(h\d)[^>]* id="{anchor}">([^<]*)</\1>', page)
        assert heading and heading.group(2) == title, (anchor, title)
    assert re.search(r'<h3 [^>]*id="section-2">2. Governance</h3>', page)
    assert re.search(r'<h4 [^>]*id="section-3">2.1 The pooled fund board</h4>', page)


def test_search_within_a_document_finds_only_its_passages(admin):
    page = admin.get("/documents/speech-therapy", params={"q": "pooled fund board meets"})
    assert page.status_code == 200
    links = re.findall(r'href="/documents/([\w-]+)\?start=(\d+)&amp;end=(\d+)#passage"', page.text)
    assert links and {doc for doc, _, _ in links} == {"speech-therapy"}
    found = admin.get("/documents/speech-therapy", params={"q": "how long do families wait"})
    assert "eighteen weeks" in found.text
    empty = admin.get("/documents/speech-therapy", params={"q": ""})
    assert empty.status_code == 400 and "There is a problem" in empty.text


def test_a_followed_passage_is_highlighted_with_its_title_section_and_date(app, admin):
    result = search(admin, "how often does the pooled fund board meet", doc="pooled-budgets")[0]
    page = admin.get(f"/documents/pooled-budgets?start={result['start']}&end={result['end']}")
    assert page.status_code == 200
    assert '<mark id="passage">' in page.text
    note = re.search(r'<div class="govuk-inset-text app-passage-note">.*?</div>\s*</dl>\s*</div>',
                     page.text, re.S).group(0)
    assert "Pooled Budgets Guide" in note and "2.1" in note
    label = re.search(r'<p class="govuk-body-s app-passage-label">(.*?)</p>', page.text, re.S).group(1)
    assert "Pooled Budgets Guide" in label and "Section 2.1" in label and "April 2024" in label
    assert "April 2024" in note
    stale = admin.get("/documents/pooled-budgets?start=5&end=999999")
    assert "not at that place" in stale.text and "<mark" not in stale.text


# --- the job page and the API's description ------------------------------------------------


def test_a_running_job_shows_progress_with_a_refresh_link(app, admin, lib_settings):
    body = b"# Waiting Policy\n\nThe bittern panel waits its turn.\n"
    with ingest_lock(lib_settings):
        response = upload(admin, "waiting.md", body, "Waiting Policy")
        assert response.status_code == 303
        job_url = response.headers["location"]
        job_id = job_url.rsplit("/", 1)[1]
        # Generous: on a loaded machine checking the file once took over 30 s; the loop ends
        # as soon as the job waits.
        deadline = time.monotonic() + 180
        while "Waiting" not in app.state.jobs.get(job_id).stage and time.monotonic() < deadline:
            time.sleep(0.05)  # it has checked the file again and waits for the lock
        page = admin.get(job_url).text
        assert "In progress" in page and '<script type="module" src="/static/jobs.js">' in page
        assert f'href="{job_url}"' in page and "refresh it" in page  # without JavaScript
        assert f'data-job-url="/api/jobs/{job_id}"' in page
        state = admin.get(f"/api/jobs/{job_id}").json()
        assert state["state"] == "running" and state["document_url"] is None
        assert "Waiting for any other change" in state["stage"]
        again = upload(admin, "waiting.md", body, "Waiting Policy")  # the same, twice at once
        assert again.status_code == 400 and "being added or replaced already" in again.text
    job = app.state.jobs.wait(job_id, timeout=60)
    assert job.state == "done"
    page = admin.get(job_url).text
    assert "jobs.js" not in page and "refresh it" not in page and "Success" in page


def test_the_api_is_described_in_openapi(admin):
    spec = admin.get("/openapi.json").json()
    paths = spec["paths"]
    assert {"post"} <= set(paths["/api/documents"]) and "get" in paths["/api/documents"]
    assert {"put", "delete", "get"} <= set(paths["/api/documents/{doc_id}"])
    assert "get" in paths["/api/jobs/{job_id}"]
    form = spec["paths"]["/api/documents"]["post"]["requestBody"]["content"]
    assert "multipart/form-data" in form


def test_an_ingest_failing_half_way_leaves_the_library_as_it_was(app, admin, lib_settings,
                                                                  monkeypatch):
    import assistant.ingest

    def broken_store(settings):
        raise RuntimeError("the vector store went away")

    monkeypatch.setattr(assistant.ingest, "_open_store", broken_store)
    before = snapshot(lib_settings)
    body = b"# Doomed Policy\n\nThe grebe panel never meets.\n"
    job = finish(app, upload(admin, "doomed.md", body, "Doomed Policy"))
    assert job["state"] == "failed" and "index is as it was" in job["message"]
    assert snapshot(lib_settings) == before
    page = admin.get(f"/documents/jobs/{job['id']}").text
    assert "The document was not added" in page and 'href="/documents/upload"' in page
    assert all(r["doc_id"] != "doomed-policy" for r in search(admin, "grebe panel"))
