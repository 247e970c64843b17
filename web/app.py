"""The web app: one shared Retriever, a JSON API under /api and HTML pages.

Run it with ``uvicorn --factory web.app:create_app`` (or ``assistant serve`` once the
CLI has it). The Retriever is created at startup and warmed up in a background
thread (model, vector store, BM25), so the server answers at once and the first
question does not pay for loading the model.
"""

from __future__ import annotations

import logging
import threading
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from assistant.retrieval import Retriever
from assistant.settings import Settings, get_settings
from web import api, errors, pages
from web.security import SecurityHeaders
from web.templating import HERE, TITLE

log = logging.getLogger(__name__)


def _warm_up(retriever: Retriever) -> None:
    try:
        retriever.warm_up()
        log.info("Retriever warmed up")
    except Exception:  # the first request will report the same problem to the user
        log.exception("Warming up the retriever failed")


def create_app(settings: Settings | None = None) -> FastAPI:
    """The application, searching the index described by ``settings``."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        retriever = Retriever(settings)
        app.state.retriever = retriever
        warming = threading.Thread(target=_warm_up, args=(retriever,), name="warm-up", daemon=True)
        warming.start()
        try:
            yield
        finally:
            warming.join(timeout=30)
            if not warming.is_alive():
                retriever.catalog.close()

    app = FastAPI(title=TITLE, version="0.1.0", lifespan=lifespan, redoc_url=None,
                  description="Search commissioning frameworks for children's services; "
                              "every passage comes with its document and place in it.")
    app.add_middleware(SecurityHeaders)
    errors.install(app)
    app.include_router(api.router)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    return app
