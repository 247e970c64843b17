"""The web app against a small corpus ingested for real (embedded Chroma, the real model)."""

from __future__ import annotations

import html
import logging
import os
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient

from assistant.catalog import Catalog
from assistant.ingest import ingest
from assistant.settings import Settings
from fixtures.auth import signed_in_client
from web.app import create_app

XSS = "<script>alert(1)</script>"
# The one script a page may hold: our own, from /static (the CSP allows no other).
APP_SCRIPT = '<script type="module" src="/static/app.js">'
DOC_XSS = "<script>alert('from a document')</script>"

DOCUMENTS = {
    "anytown-framework": ("local", "Anytown Joint Commissioning Framework", """\
# Anytown Joint Commissioning Framework

## Part 1. Understanding need

The Joint Strategic Needs Assessment (JSNA) describes the health and wellbeing needs of
children and young people in Anytown. Commissioners use the JSNA to decide which services
to buy and where the gaps in provision are.

The needs assessment draws on school, health and social care data and on the views of
children, young people and their families.

## Part 2. Shaping the market

Commissioners talk to providers early, publish a market position statement and help small
voluntary organisations to bid for contracts.

## Part 3. Reviewing services

Every contract is reviewed against the outcomes it was meant to achieve. Costs < budget & quality
checks are reported to the Children's Trust Board each quarter.
"""),
    "bordershire-short-breaks": ("local", "Bordershire Short Breaks Strategy", """\
# Bordershire Short Breaks Strategy

## Section 1. Short breaks for disabled children

Short breaks give disabled children time away from their families and give parents and
carers a rest from caring. Bordershire pools budgets with the health service to pay for them.

## Section 2. Personal budgets

Families may take a personal budget and choose their own short breaks provider.

{xss}
""".format(xss=DOC_XSS)),
    "national-outcomes-guide": ("national", "A National Guide to Outcomes-Based Commissioning", """\
# A National Guide to Outcomes-Based Commissioning

## Step 1. Agree the outcomes

Partners agree the outcomes they want for children before they choose services. Outcomes
are measurable changes in children's lives, not counts of activity.

## Step 2. Pay for results

Contracts can reward providers for the outcomes they achieve, with a share of payment held
back until results are shown.
"""),
}


@pytest.fixture(scope="module")
def web_settings(tmp_path_factory) -> Settings:
    """Settings over a three-document corpus, ingested once for the module.

    No ``ASSISTANT_*`` variable or ``.env`` file of the developer's may change them.
    """
    root = tmp_path_factory.mktemp("web")
    with pytest.MonkeyPatch.context() as patch:
        for name in [n for n in os.environ if n.startswith("ASSISTANT_")]:
            patch.delenv(name)
        return _ingested(root)


def _ingested(root: Path) -> Settings:
    corpus = root / "corpus"
    corpus.mkdir()
    entries = []
    for doc_id, (kind, title, text) in DOCUMENTS.items():
        (corpus / f"{doc_id}.md").write_text(text, encoding="utf-8")
        entries.append({"id": doc_id, "file": f"{doc_id}.md", "title": title,
                        "publisher": f"{title.split()[0]} Council", "date": "2024", "kind": kind})
    (corpus / "manifest.yaml").write_text(yaml.safe_dump({"documents": entries}), encoding="utf-8")
    (corpus / "acronyms.yaml").write_text("JSNA: Joint Strategic Needs Assessment\n", encoding="utf-8")
    settings = Settings(data_dir=root / "data", corpus_dir=corpus, _env_file=None)
    report = ingest(settings, progress=False)
    assert report.ok, report.failed
    assert sorted(report.added) == sorted(DOCUMENTS)
    return settings


@pytest.fixture(scope="module")
def client(web_settings):
    """The app, signed in as a commissioner through the sign-in form (tests/test_auth.py
    checks that nothing here is open without signing in)."""
    with TestClient(create_app(web_settings)) as client:
        yield signed_in_client(client, "carol")


def search(client, **params):
    response = client.get("/api/search", params=params)
    assert response.status_code == 200, response.text
    return response.json()


# --- JSON API ----------------------------------------------------------------------

def test_healthz_counts_documents_and_passages(client, web_settings):
    catalog = Catalog(web_settings.catalog_path)
    try:
        passages = len(catalog.chunks())
    finally:
        catalog.close()
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "documents": 3, "passages": passages,
                               "frontend": True}
    assert passages > 3


@pytest.mark.parametrize("retriever", ["hybrid", "dense", "bm25"])
def test_search_returns_passages(client, retriever):
    body = search(client, q="What does the JSNA describe?", top_k=3, retriever=retriever)
    assert body["question"] == "What does the JSNA describe?"
    assert 1 <= len(body["results"]) <= 3
    top = body["results"][0]
    assert {"doc_id", "title", "section", "heading_path", "text", "start", "end", "kind",
            "score"} <= set(top)
    assert top["doc_id"] == "anytown-framework"
    assert top["title"] == "Anytown Joint Commissioning Framework"
    assert "Joint Strategic Needs Assessment" in top["text"]
    assert isinstance(top["score"], float) and top["score"] > 0
    scores = [r["score"] for r in body["results"]]
    assert scores == sorted(scores, reverse=True)


def test_passage_offsets_point_into_the_document_text(client):
    top = search(client, q="market position statement", top_k=1)["results"][0]
    document = client.get(f"/api/documents/{top['doc_id']}").json()
    assert document["text"][top["start"]:top["end"]] == top["text"]


def test_search_filters_by_document(client):
    body = search(client, q="children and families", top_k=10, doc="bordershire-short-breaks")
    assert body["results"]
    assert {r["doc_id"] for r in body["results"]} == {"bordershire-short-breaks"}
    response = client.get("/api/search", params=[("q", "children"), ("top_k", "20"),
                                                 ("doc", "bordershire-short-breaks"),
                                                 ("doc", "national-outcomes-guide")])
    found = {r["doc_id"] for r in response.json()["results"]}
    assert found and found <= {"bordershire-short-breaks", "national-outcomes-guide"}


def test_search_filters_by_kind(client):
    national = search(client, q="commissioning outcomes for children", top_k=10, kind="national")
    assert national["results"]
    assert {r["kind"] for r in national["results"]} == {"national"}
    assert {r["doc_id"] for r in national["results"]} == {"national-outcomes-guide"}
    local = search(client, q="commissioning outcomes for children", top_k=10, kind="local")
    assert local["results"] and {r["kind"] for r in local["results"]} == {"local"}


@pytest.mark.parametrize("params, status, says", [
    ({}, 422, "Please type a question"),
    ({"q": ""}, 422, "Please type a question"),
    ({"q": "   "}, 400, "Please type a question"),
    ({"q": "x" * 2001}, 422, "under 2000"),
    ({"q": "needs", "top_k": 0}, 422, "from 1 to 50"),
    ({"q": "needs", "top_k": 51}, 422, "from 1 to 50"),
    ({"q": "needs", "top_k": "five"}, 422, "whole number"),
    ({"q": "needs", "retriever": "foo"}, 422, "hybrid, dense or bm25"),
    ({"q": "needs", "kind": "regional"}, 422, "national or local"),
    ({"q": "needs", "doc": "no-such-document"}, 400, "no-such-document"),
])
def test_bad_search_input_is_refused_readably(client, params, status, says):
    response = client.get("/api/search", params=params)
    assert response.status_code == status
    assert response.headers["content-type"].startswith("application/json")
    detail = response.json()["detail"]
    assert isinstance(detail, str) and says in detail
    assert "Input should" not in detail  # pydantic's wording is translated for people


def test_documents_are_listed(client):
    response = client.get("/api/documents")
    assert response.status_code == 200
    by_id = {d["doc_id"]: d for d in response.json()}
    assert set(by_id) == set(DOCUMENTS)
    assert by_id["national-outcomes-guide"] == {
        "doc_id": "national-outcomes-guide",
        "title": "A National Guide to Outcomes-Based Commissioning",
        "publisher": "A Council", "date": "2024", "kind": "national"}


def test_document_has_metadata_and_text(client):
    response = client.get("/api/documents/anytown-framework")
    assert response.status_code == 200
    body = response.json()
    assert body["title"] == "Anytown Joint Commissioning Framework"
    assert body["kind"] == "local"
    assert "market position statement" in body["text"]


def test_unknown_document_is_404(client):
    response = client.get("/api/documents/no-such-document")
    assert response.status_code == 404
    assert "no-such-document" in response.json()["detail"]


def test_openapi_documents_the_api(client):
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/api/search", "/api/documents", "/api/documents/{doc_id}", "/healthz"} <= set(paths)
    assert "/" not in paths  # HTML pages are not part of the API
    assert client.get("/docs").status_code == 200


# --- HTML pages --------------------------------------------------------------------

class _Page(HTMLParser):
    """Collects what the accessibility checks below need."""

    def __init__(self, text: str):
        super().__init__()
        self.html_lang = None
        self.controls: list[dict] = []
        self.label_for: set[str] = set()
        self.ids: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "html":
            self.html_lang = attrs.get("lang")
        if "id" in attrs:
            self.ids.append(attrs["id"])
        if tag == "label" and "for" in attrs:
            self.label_for.add(attrs["for"])
        if tag in ("input", "select", "textarea") and attrs.get("type") != "hidden":
            self.controls.append(attrs)


def _scripts(text: str) -> list[str]:
    """Every <script ...> start tag in a page, however it is spelled."""
    return re.findall(r"<script\b[^>]*>", text, re.I)


def test_search_page_form_is_accessible(client):
    response = client.get("/search")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = _Page(response.text)
    assert page.html_lang == "en"
    assert "<title>Commissioning Guidance Assistant</title>" in response.text
    assert '<a href="#main-content" class="govuk-skip-link"' in response.text
    assert "main-content" in page.ids
    names = {c.get("name") for c in page.controls}
    assert {"q", "top_k", "retriever", "doc", "kind"} <= names
    for control in page.controls:
        assert control.get("id") in page.label_for, f"no <label> for {control}"
    assert len(page.ids) == len(set(page.ids)), "duplicate ids"
    assert '<form class="search-form" method="get" action="/search"' in response.text
    for doc_id in DOCUMENTS:
        assert f'<option value="{doc_id}"' in response.text


def test_search_page_renders_results(client):
    response = client.get("/search", params={"q": "What does the JSNA describe?", "top_k": 2})
    assert response.status_code == 200
    text = response.text
    assert "Anytown Joint Commissioning Framework" in text
    assert "Part 1. Understanding need" in text  # heading path
    assert "health and wellbeing needs" in text  # the passage itself
    assert re.search(r"<dt>Score</dt><dd>0\.\d{4}</dd>", text)
    assert re.search(r'href="/documents/anytown-framework\?start=\d+&amp;end=\d+#passage"', text)
    assert text.count('<li class="app-result">') == 2
    page = _Page(text)
    assert len(page.ids) == len(set(page.ids)), "duplicate ids"


def test_search_page_keeps_filters(client):
    response = client.get("/search", params=[("q", "short breaks"), ("doc", "bordershire-short-breaks"),
                                             ("kind", "local"), ("retriever", "bm25")])
    assert response.status_code == 200
    assert '<option value="bordershire-short-breaks" selected>' in response.text
    assert 'value="local" checked' in response.text
    assert '<option value="bm25" selected>' in response.text
    assert "Bordershire Short Breaks Strategy" in response.text
    assert "Anytown" not in response.text.split('id="results-heading"')[1]


def test_search_page_escapes_the_question(client):
    response = client.get("/search", params={"q": XSS})
    assert response.status_code == 200
    assert XSS not in response.text
    assert _scripts(response.text) == [APP_SCRIPT]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text


def test_document_content_is_escaped(client):
    results = client.get("/api/search", params={"q": "alert from a document",
                                                "doc": "bordershire-short-breaks",
                                                "top_k": 10}).json()["results"]
    assert any(DOC_XSS in r["text"] for r in results)  # the JSON carries the text as it is
    for url in ("/search?q=alert+from+a+document&doc=bordershire-short-breaks&top_k=10",
                "/documents/bordershire-short-breaks"):
        response = client.get(url)
        assert response.status_code == 200
        assert _scripts(response.text) == [APP_SCRIPT]
        assert "&lt;script&gt;" in response.text
    page = client.get("/documents/anytown-framework").text
    assert "Costs &lt; budget &amp; quality" in page


@pytest.mark.parametrize("params, says", [
    ({"q": ""}, "Please type a question."),
    ({"q": "needs", "top_k": "0"}, "The number of passages must be a whole number from 1 to 50."),
    ({"q": "needs", "doc": "no-such-document"}, "no-such-document"),
])
def test_search_page_shows_errors(client, params, says):
    response = client.get("/search", params=params)
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/html")
    assert "There is a problem" in response.text
    assert says in response.text
    assert "<title>Error: " in response.text
    assert 'aria-invalid="true"' in response.text


def test_document_page_highlights_the_passage(client):
    top = search(client, q="market position statement", top_k=1)["results"][0]
    response = client.get(f"/documents/{top['doc_id']}",
                          params={"start": top["start"], "end": top["end"]})
    assert response.status_code == 200
    marked = re.findall(r"<mark(?: id=\"passage\")?>(.*?)</mark>", response.text, re.S)
    assert marked, "no <mark> in the page"
    assert response.text.count('id="passage"') == 1
    assert html.unescape(" ".join(marked)).split() == top["text"].split()
    assert '<a href="#passage" class="govuk-link">' in response.text


def test_document_page_without_or_with_stale_passage(client):
    plain = client.get("/documents/anytown-framework")
    assert plain.status_code == 200
    assert "<mark" not in plain.text
    assert "Anytown Joint Commissioning Framework" in plain.text
    stale = client.get("/documents/anytown-framework", params={"start": 10, "end": 10_000_000})
    assert stale.status_code == 200
    assert "<mark" not in stale.text and "not at that place" in stale.text
    bad = client.get("/documents/anytown-framework", params={"start": "x", "end": 5})
    assert bad.status_code == 422 and "whole number" in bad.text


def test_unknown_document_page_is_404(client):
    response = client.get("/documents/no-such-document")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "There is no document with that id" in response.text
    assert client.get("/no/such/page").status_code == 404


def test_documents_page_lists_documents(client):
    response = client.get("/documents")
    assert response.status_code == 200
    for doc_id, (_, title, _) in DOCUMENTS.items():
        assert (f'<a href="/documents/{doc_id}" class="govuk-link">{html.escape(title)}</a>'
                in response.text)
    assert '<th scope="col" class="govuk-table__header">Kind</th>' in response.text


# --- cross-cutting -----------------------------------------------------------------

@pytest.mark.parametrize("url", ["/", "/search", "/ask", "/documents", "/documents/anytown-framework",
                                 "/api/search?q=needs", "/healthz", "/static/app.css",
                                 "/govuk/govuk-frontend.min.js", "/assets/manifest.json",
                                 "/no/such/page", "/api/search?q="])
def test_security_headers(client, url):
    response = client.get(url)
    assert response.headers["content-security-policy"].startswith("default-src 'self'")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"


def test_govuk_frontend_is_served(client):
    page = client.get("/search").text
    assert '<link rel="stylesheet" href="/govuk/govuk-frontend.min.css">' in page
    assert '<html lang="en" class="govuk-template">' in page
    css = client.get("/govuk/govuk-frontend.min.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert ".govuk-button" in css.text
    for url in ("/govuk/govuk-frontend.min.js", "/static/app.js"):
        js = client.get(url)
        assert js.status_code == 200, url
        assert "javascript" in js.headers["content-type"], url  # module scripts need it
    assert "initAll" in client.get("/govuk/govuk-frontend.min.js").text
    assert 'from "/govuk/govuk-frontend.min.js"' in client.get("/static/app.js").text
    # The compiled CSS asks for /assets/...: that is where the package's assets are.
    assert client.get("/assets/manifest.json").status_code == 200
    assert client.get("/static/favicon.svg").headers["content-type"].startswith("image/svg+xml")


def test_navigation_marks_the_current_page_and_section(client):
    search_page = client.get("/search").text
    assert '<a class="govuk-service-navigation__link" href="/search" aria-current="page">' in search_page
    assert '<a class="govuk-service-navigation__link" href="/documents">' in search_page
    assert '<a class="govuk-service-navigation__link" href="/ask">' in search_page
    document = client.get("/documents/anytown-framework").text
    assert '<a class="govuk-service-navigation__link" href="/documents" aria-current="true">' in document
    assert 'href="/search" aria-current' not in document


def test_app_starts_without_the_front_end_and_says_so(web_settings, tmp_path, caplog):
    with caplog.at_level(logging.WARNING, logger="web.app"):
        app = create_app(web_settings, frontend_dist=tmp_path / "no-node-modules")
    assert "not installed" in caplog.text and "make setup" in caplog.text
    with signed_in_client(TestClient(app), "carol") as bare:
        assert bare.get("/healthz").json()["frontend"] is False
        page = bare.get("/search")
        assert page.status_code == 200
        assert "the front end is not installed" in page.text and "make setup" in page.text
        assert bare.get("/govuk/govuk-frontend.min.css").status_code == 404
        assert bare.get("/api/search", params={"q": "JSNA"}).json()["results"]


def test_stylesheet_is_served(client):
    response = client.get("/static/app.css")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/css")
    assert "mark" in response.text
