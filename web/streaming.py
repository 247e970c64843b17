"""An answer as server-sent events, produced in a worker thread.

Events (each ``event: NAME`` with one line of JSON ``data``):

- ``status`` ``{"stage": "searching" | "retrieved", "passages", "message"}``: the search
  started, and it is done (the passages are chosen; the answer is being written);
- ``token`` ``{"text"}``: a piece of what a language model is writing (a draft: its
  sentences are verified before the answer is final);
- ``sentence`` ``{"text", "cites"}``: a verified sentence of the answer, with its ``[n]``
  marks (the extractive default gives its sentences this way, one by one);
- ``answer``: the final answer, the JSON of ``POST /api/ask`` (with ``conversation_id``
  and ``turn_id``: it is stored by then);
- ``error`` ``{"detail"}``: nothing more will come.

The engine is blocking, so it runs in Starlette's thread pool and hands events to the
event loop through a queue: the loop is never blocked, and a client that goes away stops
a language model at its next token.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections.abc import AsyncIterator, Callable

from starlette.concurrency import run_in_threadpool

from assistant.answering import Answerer
from assistant.llms.base import LLMError
from assistant.retrieval import SearchError
from web import asking

log = logging.getLogger(__name__)
Event = tuple[str, dict]
SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
_workers: set[asyncio.Future] = set()  # running answers, kept until done (see stream)
FAILED = ("Something went wrong on our side while answering. Please try again; if it keeps "
          "happening, tell whoever runs this service.")


def sse(event: str, data: dict) -> str:
    """One server-sent event."""
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


Emit = Callable[[str, dict], None]


def answer_events(answerer: Answerer, prepared: asking.Prepared, emit: Emit,
                  stop: threading.Event) -> None:
    """Emit the events of one answer, ending with ``answer`` (stored) or ``error`` (blocking)."""
    body = prepared.body
    emit("status", {"stage": "searching", "passages": 0, "message": "Searching the documents…"})
    streamed = False
    answer = None
    try:
        for kind, value in answerer.stream(
                body.question, backend=body.backend, conversation=prepared.conversation,
                doc_ids=body.doc_ids or None, kinds=body.kinds or None):
            if kind == "token":
                streamed = True
                emit("token", {"text": value})
                if stop.is_set():
                    return  # leaving the loop closes the engine's generator: the model stops
            elif kind == "answer":
                answer = value
            elif isinstance(value, dict):  # the engine's progress ("status": passages found)
                emit(kind, value)
        if answer is None:
            raise LLMError("the engine gave no answer")
        if not streamed and not answer.refused:
            for sentence in answer.sentences:
                if sentence.supported:
                    emit("sentence", {"text": sentence.text, "cites": sentence.cites})
        conversation_id, turn = asking.store(answerer.settings, prepared, answer)
        emit("answer", asking.api_json(answer.as_json(), conversation_id, turn.id))
    except (ValueError, SearchError) as err:  # QuestionError is a ValueError
        emit("error", {"detail": str(err)})
    except Exception:
        log.exception("Answering %r failed", body.question[:80])
        emit("error", {"detail": FAILED})


async def stream(produce: Callable[[Emit, threading.Event], None]) -> AsyncIterator[str]:
    """Server-sent events from ``produce(emit, stop)``, run in a worker thread.

    Each event is sent as soon as it is emitted, even from the middle of the engine's work
    (the search's status); ``stop`` is set when the client has gone.
    """
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[Event | None] = asyncio.Queue()
    stop = threading.Event()

    def put(item: Event | None) -> None:
        try:
            loop.call_soon_threadsafe(queue.put_nowait, item)
        except RuntimeError:  # the loop has closed (server shutting down)
            stop.set()

    def work() -> None:
        try:
            produce(lambda event, data: put((event, data)), stop)
        except Exception:
            log.exception("The answer stream failed")
            put(("error", {"detail": FAILED}))
        finally:
            put(None)

    worker = asyncio.ensure_future(run_in_threadpool(work))
    _workers.add(worker)  # a client that leaves early must not orphan it mid-answer
    worker.add_done_callback(_workers.discard)
    try:
        while (item := await queue.get()) is not None:
            yield sse(*item)
    finally:
        stop.set()
