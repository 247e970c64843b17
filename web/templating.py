"""Jinja2 templates (autoescaped, always) and the small helpers the pages share."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import jinja2
from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.routing import NoMatchFound

HERE = Path(__file__).resolve().parent
TITLE = "Commissioning Guidance Assistant"
KIND_LABELS = {"national": "National guidance", "local": "Local framework"}
RETRIEVER_LABELS = {
    "hybrid": "Hybrid: keywords and meaning (recommended)",
    "dense": "Meaning only (dense)",
    "bm25": "Keywords only (BM25)",
}

# The service navigation, in order: label and the name of the route (its handler's name).
# An item shows once the app has that route (Ask appears when a page handler named
# ``ask_page`` lands); the current page and section are marked.
NAVIGATION = (("Ask", "ask_page"), ("History", "conversations_page"), ("Workspaces", "workspaces_page"),
              ("Search", "search_page"), ("Documents", "documents_page"), ("API", "swagger_ui_html"))


def navigation(request: Request) -> list[dict]:
    """The navigation items for ``request``'s page: label, href, current (this page), active."""
    here = request.url.path
    items = []
    for label, route_name in NAVIGATION:
        try:
            href = request.app.url_path_for(route_name)
        except NoMatchFound:
            continue
        active = here == href or (href != "/" and here.startswith(href + "/"))
        items.append({"label": label, "href": href, "current": here == href, "active": active})
    return items


def frontend_installed(request: Request) -> bool:
    """Whether this app serves govuk-frontend (see :mod:`web.frontend`)."""
    return bool(getattr(request.app.state, "frontend_installed", False))


_env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(HERE / "templates"),
    autoescape=True,  # every value is escaped; no template may use |safe on content
    trim_blocks=True,
    lstrip_blocks=True,
    undefined=jinja2.StrictUndefined,
)
_env.globals.update(site_title=TITLE, kind_labels=KIND_LABELS, retriever_labels=RETRIEVER_LABELS,
                    navigation=navigation, frontend_installed=frontend_installed)
templates = Jinja2Templates(env=_env)


def render(request: Request, name: str, status_code: int = 200, **context):
    """A template response."""
    return templates.TemplateResponse(request, name, context, status_code=status_code)


@dataclass(frozen=True)
class Piece:
    """A run of a paragraph, highlighted or not; ``anchor`` marks the passage's first run."""

    text: str
    marked: bool = False
    anchor: bool = False


def paragraphs(text: str, start: int | None = None, end: int | None = None) -> list[list[Piece]]:
    """The document text as paragraphs (one per line), with ``text[start:end]`` marked."""
    highlight = start is not None and end is not None
    out: list[list[Piece]] = []
    anchored = False
    offset = 0
    for line in text.split("\n"):
        line_start, line_end = offset, offset + len(line)
        offset = line_end + 1
        if not line.strip():
            continue
        if not highlight or end <= line_start or start >= line_end:
            out.append([Piece(line)])
            continue
        cut_from, cut_to = max(start, line_start) - line_start, min(end, line_end) - line_start
        pieces = [Piece(line[:cut_from]), Piece(line[cut_from:cut_to], True, not anchored),
                  Piece(line[cut_to:])]
        anchored = True
        out.append([p for p in pieces if p.text])
    return out
