"""What a request handler needs from the application: the one shared Retriever."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from assistant.retrieval import Retriever


def get_retriever(request: Request) -> Retriever:
    """The Retriever created at startup (see :func:`web.app.create_app`)."""
    return request.app.state.retriever


RetrieverDep = Annotated[Retriever, Depends(get_retriever)]
