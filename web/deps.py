"""What a request handler needs from the application: the shared Retriever and Answerer."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from assistant.answering import Answerer
from assistant.retrieval import Retriever


def get_retriever(request: Request) -> Retriever:
    """The Retriever created at startup (see :func:`web.app.create_app`)."""
    return request.app.state.retriever


RetrieverDep = Annotated[Retriever, Depends(get_retriever)]


def get_answerer(request: Request) -> Answerer:
    """The Answerer created at startup over the same Retriever (see :func:`web.app.create_app`)."""
    return request.app.state.answerer


AnswererDep = Annotated[Answerer, Depends(get_answerer)]
