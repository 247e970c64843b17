"""The web app: one shared Retriever, a JSON API under /api and HTML pages.

Run it with ``uvicorn --factory web.app:create_app`` (or ``assistant serve`` once the
CLI has it). The Retriever is created at startup and warmed up in a background
thread (model, vector store, BM25), so the server answers at once and the first
question does not pay for loading the model.

The pages' look is GOV.UK Frontend, installed from npm at setup (see :mod:`web.frontend`):
its compiled CSS and JavaScript are served under /govuk and its assets under /assets.
Without it the app still starts, says so in the log and in /healthz, and serves plain pages.
"""

from __future__ import annotations

import logging
import threading
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from assistant.answering import Answerer
from assistant.retrieval import Retriever
from assistant.settings import Settings, get_settings
from web import api, api_docs, api_ask, auth, chat, conversations, errors, frontend, pages
from web import admin, library, library_api, uploads, workspace_steps, workspaces
from web.jobs import JobRunner
from web.security import SecurityHeaders
from web.templating import HERE, TITLE

log = logging.getLogger(__name__)


def _warm_up(answerer: Answerer) -> None:
    try:
        # The retriever, and for the local backend the model with its system prompt read.
        answerer.warm_up()
        log.info("Warmed up (backend %s)", answerer.settings.backend)
    except Exception:  # the first request will report the same problem to the user
        log.exception("Warming up failed")


def create_app(settings: Settings | None = None, frontend_dist: Path = frontend.GOVUK_DIST) -> FastAPI:
    """The application, searching the index described by ``settings``.

    ``frontend_dist`` is govuk-frontend's ``dist/govuk`` folder (tests point it elsewhere).
    """
    settings = settings or get_settings()
    frontend_installed = frontend.installed(frontend_dist)
    if not frontend_installed:
        log.warning(frontend.missing_message(frontend_dist))

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        retriever = Retriever(settings)
        app.state.retriever = retriever
        app.state.answerer = Answerer(settings, retriever)  # shares the warmed retriever
        warming = threading.Thread(target=_warm_up, args=(app.state.answerer,), name="warm-up",
                                   daemon=True)
        warming.start()
        try:
            yield
        finally:
            app.state.jobs.close()  # lets an ingest under way finish first
            warming.join(timeout=30)
            if not warming.is_alive():
                retriever.catalog.close()

    app = FastAPI(title=TITLE, version="0.1.0", lifespan=lifespan, redoc_url=None, docs_url=None,
                  description="Search commissioning frameworks for children's services; "
                              "every passage comes with its document and place in it.")
    auth.install(app, settings)  # sessions, sign-in gate, /login (before the headers)
    app.add_middleware(SecurityHeaders)
    errors.install(app)
    app.include_router(api.router)
    app.include_router(admin.router)  # /account, /admin/users
    app.include_router(pages.router)
    app.include_router(api_docs.router)  # /docs, with Swagger UI served from node_modules
    app.include_router(api_ask.router)
    app.include_router(chat.router)
    app.include_router(conversations.router)
    app.state.jobs = JobRunner()  # uploads are ingested in the background, one at a time
    app.include_router(library_api.router)
    app.include_router(uploads.router)  # before library: /documents/upload is not a document
    app.include_router(library.router)
    app.include_router(workspaces.router)  # /workspaces: list, overview, sharing, export
    app.include_router(workspace_steps.router)  # /workspaces/{id}/steps/{n}, evidence, step chat
    app.state.frontend_installed = frontend_installed
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    if frontend_installed:
        app.mount(frontend.GOVUK_URL, StaticFiles(directory=frontend_dist), name="govuk")
        app.mount(frontend.ASSETS_URL, StaticFiles(directory=frontend_dist / "assets"),
                  name="assets")
    if frontend.swagger_installed():
        app.mount(frontend.SWAGGER_URL, StaticFiles(directory=frontend.SWAGGER_DIST), name="swagger")
    return app
