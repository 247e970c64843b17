"""Background jobs for the web app: one worker thread runs them in turn.

Adding or replacing a document takes seconds to minutes (reading, embedding), so an
upload is checked in the request and then handed to a :class:`JobRunner`; the page and
``GET /api/jobs/{id}`` show how it is going. One worker is enough: the engine changes
the index one document at a time anyway (it holds a lock per data folder).

Jobs live in memory: they are a progress display, not a record. The document itself is
in the corpus and the index once the job is done.
"""

from __future__ import annotations

import logging
import queue
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Annotated, Literal

from fastapi import Depends, Request

log = logging.getLogger(__name__)

State = Literal["queued", "running", "done", "failed"]
KEEP = 200  # finished jobs remembered, newest last


class JobFailed(Exception):
    """Raised by a job's work to fail it with a message written for people."""


# A job's work: called with report(percent, stage); returns the message shown when done.
Work = Callable[[Callable[[int, str], None]], str]


@dataclass(frozen=True)
class Job:
    """A snapshot of one job (the runner keeps the current one)."""

    id: str
    action: str                 # "add", "replace"
    doc_id: str
    title: str
    state: State = "queued"
    progress: int = 0           # 0 to 100
    stage: str = "Waiting to start"
    message: str = ""
    created_at: float = field(default_factory=time.time)
    finished_at: float | None = None

    @property
    def finished(self) -> bool:
        return self.state in ("done", "failed")

    def as_json(self) -> dict:
        return {"id": self.id, "action": self.action, "doc_id": self.doc_id, "title": self.title,
                "state": self.state, "progress": self.progress, "stage": self.stage,
                "message": self.message, "created_at": self.created_at,
                "finished_at": self.finished_at}


class JobRunner:
    """A queue of jobs and the one thread that works through it (started on first use)."""

    def __init__(self) -> None:
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._work: dict[str, Work] = {}
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    # --- asking ---------------------------------------------------------------------
    def get(self, job_id: str) -> Job | None:
        with self._lock:
            return self._jobs.get(job_id)

    def recent(self, limit: int = 10) -> list[Job]:
        """The newest jobs first."""
        with self._lock:
            return list(reversed(self._jobs.values()))[:limit]

    def busy_with(self, doc_id: str) -> Job | None:
        """A queued or running job for ``doc_id``, if there is one."""
        with self._lock:
            return next((j for j in self._jobs.values() if j.doc_id == doc_id and not j.finished),
                        None)

    # --- submitting -----------------------------------------------------------------
    def submit(self, action: str, doc_id: str, title: str, work: Work) -> Job:
        """Queue ``work``; returns the job at once."""
        job = Job(id=secrets.token_urlsafe(9), action=action, doc_id=doc_id, title=title)
        with self._lock:
            self._jobs[job.id] = job
            self._work[job.id] = work
            self._forget_old()
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="jobs", daemon=True)
                self._thread.start()
        self._queue.put(job.id)
        return job

    def wait(self, job_id: str, timeout: float = 60) -> Job:
        """Block until the job has finished (for tests and scripts); returns it."""
        deadline = time.monotonic() + timeout
        while True:
            job = self.get(job_id)
            if job is None or job.finished or time.monotonic() > deadline:
                return job
            time.sleep(0.05)

    def close(self, timeout: float = 30) -> None:
        """Stop the worker once the jobs queued so far are done (waiting up to ``timeout``
        seconds); a later :meth:`submit` starts a new one."""
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is not None:
            self._queue.put(None)
            thread.join(timeout)

    # --- the worker ---------------------------------------------------------------
    def _update(self, job_id: str, **changes) -> None:
        with self._lock:
            job = self._jobs.get(job_id)
            if job is not None:
                self._jobs[job_id] = replace(job, **changes)

    def _run(self) -> None:
        while True:
            job_id = self._queue.get()
            if job_id is None:
                return
            with self._lock:
                work = self._work.pop(job_id, None)
            if work is None:
                continue
            self._update(job_id, state="running", stage="Starting")

            def report(percent: int, stage: str, job_id: str = job_id) -> None:
                current = self.get(job_id)
                percent = max(0, min(100, int(percent)))
                if current is not None:  # never go backwards
                    percent = max(percent, current.progress)
                self._update(job_id, progress=percent, stage=stage)

            try:
                message = work(report)
            except JobFailed as err:
                self._update(job_id, state="failed", message=str(err), stage="Stopped",
                             finished_at=time.time())
            except Exception:
                log.exception("Job %s failed", job_id)
                self._update(job_id, state="failed", stage="Stopped", finished_at=time.time(),
                             message="Something went wrong while adding the document; the "
                                     "index is as it was. Try again, and if it keeps "
                                     "happening tell whoever runs this service.")
            else:
                self._update(job_id, state="done", progress=100, stage="Finished",
                             message=message, finished_at=time.time())

    def _forget_old(self) -> None:
        finished = [j.id for j in self._jobs.values() if j.finished]
        for job_id in finished[:max(0, len(finished) - KEEP)]:
            del self._jobs[job_id]


def get_jobs(request: Request) -> JobRunner:
    """The app's job runner (made by :func:`web.app.create_app`)."""
    return request.app.state.jobs


JobsDep = Annotated[JobRunner, Depends(get_jobs)]
