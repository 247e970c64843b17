"""Checking an upload before anything changes, then handing it to the job runner.

The checks are the engine's own (:func:`assistant.ingest.read_checked` for the size,
:func:`assistant.ingest.parse_file` for the content: :mod:`assistant.extract` sniffs the
bytes, so a ``.pdf`` that is not a PDF is refused whatever its name says). The file is
written to a private temporary folder first; nothing in the corpus, manifest, catalog
or vector store changes until the job runs, and the job runs the same checks again
inside :func:`assistant.ingest.add_document` before it changes anything.

Used by the upload pages (:mod:`web.uploads`) and the JSON API (:mod:`web.library_api`).
"""

from __future__ import annotations

import logging
import re
import shutil
import tempfile
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from assistant import manifest
from assistant.extract import DocumentError
from assistant.ingest import add_document, delete_document, parse_file, read_checked
from assistant.settings import Settings
from web.jobs import Job, JobFailed, JobRunner

log = logging.getLogger(__name__)

ACCEPT = ".pdf,.docx,.html,.htm,.md,.txt"
# Paths under /documents/ that are pages, not documents.
RESERVED_IDS = {"upload", "jobs"}
FIELDS = ("file", "title", "kind", "publisher", "date", "aliases")  # in the form's order
MAX_ALIASES = 20
MAX_ALIAS = 80


class UploadRefused(ValueError):
    """An upload that cannot be accepted: ``errors`` maps a form field to a message."""

    def __init__(self, errors: dict[str, str], status: int = 400):
        self.errors = errors
        self.status = status
        super().__init__(" ".join(errors.values()))


@dataclass
class Metadata:
    """What an admin says about a document (the form's fields other than the file)."""

    title: str = ""
    kind: str = ""
    publisher: str = ""
    date: str = ""
    aliases: list[str] = field(default_factory=list)

    @property
    def aliases_text(self) -> str:
        return ", ".join(self.aliases)

    @classmethod
    def of(cls, entry: manifest.Entry) -> "Metadata":
        return cls(entry.title, entry.kind, entry.publisher, entry.date, list(entry.aliases))


def _clean(value) -> str:
    return " ".join(str(value or "").split())


def read_metadata(values: Mapping) -> tuple[Metadata, dict[str, str]]:
    """The metadata in ``values`` (form fields) and a message for each field that is wrong."""
    raw_aliases = str(values.get("aliases") or "")
    meta = Metadata(title=_clean(values.get("title")), kind=_clean(values.get("kind")),
                    publisher=_clean(values.get("publisher")), date=_clean(values.get("date")),
                    aliases=[a for a in (_clean(p) for p in re.split(r"[,\n]", raw_aliases)) if a])
    errors: dict[str, str] = {}
    if not meta.title:
        errors["title"] = "Enter the document's title"
    elif len(meta.title) > 300:
        errors["title"] = "The title must be 300 characters or fewer"
    elif not manifest.slug(meta.title).strip("-") or not re.search(r"[A-Za-z0-9]", meta.title):
        errors["title"] = "The title must contain letters or digits"
    if meta.kind not in ("local", "national"):
        errors["kind"] = "Select whether this is a local framework or national guidance"
    if len(meta.publisher) > 300:
        errors["publisher"] = "The publisher must be 300 characters or fewer"
    if len(meta.date) > 60:
        errors["date"] = "The date must be 60 characters or fewer"
    if len(meta.aliases) > MAX_ALIASES:
        errors["aliases"] = f"Give at most {MAX_ALIASES} other names"
    elif any(len(a) > MAX_ALIAS for a in meta.aliases):
        errors["aliases"] = f"Each other name must be {MAX_ALIAS} characters or fewer"
    return meta, errors


def safe_name(filename: str | None) -> str:
    """The file's own name, without any folders, control characters or leading dots."""
    name = Path(str(filename or "").replace("\\", "/")).name
    name = "".join(c for c in unicodedata.normalize("NFC", name)
                   if unicodedata.category(c)[0] != "C").strip().lstrip(".")
    if len(name) > 120:
        suffix = Path(name).suffix[:10]
        name = name[:120 - len(suffix)] + suffix
    return name


@dataclass
class Prepared:
    """An upload that passed every check, waiting in its own temporary folder."""

    doc_id: str
    meta: Metadata
    path: Path
    replacing: bool

    def discard(self) -> None:
        shutil.rmtree(self.path.parent, ignore_errors=True)


def library(settings: Settings, catalog) -> dict[str, str]:
    """Id -> title of every document in the manifest or the catalog."""
    try:
        listed = {e.id: e.title for e in manifest.load(settings.manifest_path)}
    except manifest.ManifestError:
        listed = {}
    return {**listed, **{d.doc_id: d.title for d in catalog.documents()}}


def _title_key(title: str) -> str:
    return " ".join(title.casefold().split())


def prepare(settings: Settings, runner: JobRunner, existing: dict[str, str], filename: str | None,
            source, values: Mapping, replacing: str | None = None) -> Prepared:
    """Check an upload (``source`` is a binary file object) and keep it for the job.

    Raises :class:`UploadRefused` naming each field that is wrong. ``replacing`` is the id
    of the document a new version is for; without it, the id comes from the title, and
    neither may be taken. ``existing`` maps the library's ids to titles (:func:`library`).
    """
    meta, errors = read_metadata(values)
    name = safe_name(filename)
    if not name:
        errors["file"] = "Select a file to upload"
    doc_id = replacing or manifest.slug(meta.title)
    conflict = False
    if "title" not in errors and runner.busy_with(doc_id) is not None:
        errors["title"] = ("A document with this title is being added or replaced already; "
                           "wait for that to finish, then try again")
    elif "title" not in errors:
        titles = {_title_key(t) for i, t in existing.items() if i != replacing}
        new_id = not replacing and (doc_id in RESERVED_IDS or doc_id in existing)
        if new_id or _title_key(meta.title) in titles:
            errors["title"] = ("A document with this title is already in the library; replace "
                               "it from its page, or give this one a different title")
            conflict = True
    path, status = None, 400
    if "file" not in errors:  # checked even when other fields are wrong: every problem at once
        try:
            path = _check_file(settings, name, source, doc_id, meta.title or "document")
        except UploadRefused as refused:
            errors["file"], status = refused.errors["file"], refused.status
    if errors:
        if path is not None:
            shutil.rmtree(path.parent, ignore_errors=True)
        if status == 400 and conflict and set(errors) == {"title"}:
            status = 409
        raise UploadRefused({f: errors[f] for f in FIELDS if f in errors}, status)
    return Prepared(doc_id=doc_id, meta=meta, path=path, replacing=bool(replacing))


def _check_file(settings: Settings, name: str, source, doc_id: str, title: str) -> Path:
    """Write the upload to a private temporary folder and check it as the ingest will;
    its path there, or :class:`UploadRefused` (the folder is then gone)."""
    folder = Path(tempfile.mkdtemp(prefix="assistant-upload-"))
    path = folder / name
    oversized = False
    try:
        with open(path, "wb") as out:
            shutil.copyfileobj(source, out, 1024 * 1024)
        oversized = path.stat().st_size > settings.max_file_mb * 1024 * 1024
        data = read_checked(settings, path)  # refuses an oversized file
        parse_file(settings, path, doc_id, title, data)  # sniffs, reads and chunks it
    except DocumentError as err:
        shutil.rmtree(folder, ignore_errors=True)
        raise UploadRefused({"file": f"{name} was not accepted: {err.reason}"},
                            413 if oversized else 400) from None
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return path


def _undo_new(settings: Settings, upload: Prepared) -> None:
    """After a new document failed half-way, take out what the ingest had listed of it
    (its manifest entry and file), so the library is as it was. (A replacement that
    fails keeps serving the old version's passages; the next ingest retries it.)"""
    if upload.replacing:
        return
    try:
        delete_document(settings, upload.doc_id)
    except Exception:  # the job reports the first failure; this one goes to the log
        log.exception("Could not take out the failed upload %s", upload.doc_id)


def start(settings: Settings, runner: JobRunner, upload: Prepared) -> Job:
    """Queue the ingest of a prepared upload; the temporary folder goes when it ends."""
    meta = upload.meta

    def work(report) -> str:
        try:
            report(1, "Checking the file")
            result = add_document(settings, upload.path, title=meta.title, kind=meta.kind,
                                  publisher=meta.publisher, date=meta.date, doc_id=upload.doc_id,
                                  aliases=meta.aliases, progress=False, on_progress=report)
        except DocumentError as err:
            _undo_new(settings, upload)
            raise JobFailed(f"{Path(err.path).name} was not accepted: {err.reason}. "
                            "The library is as it was.") from None
        except Exception:
            _undo_new(settings, upload)
            raise
        finally:
            upload.discard()
        if result.failed:
            _undo_new(settings, upload)
            raise JobFailed("; ".join(f"{name}: {reason}" for name, reason in result.failed)
                            + ". The library is as it was.")
        if result.unchanged:
            return (f"“{meta.title}” is the same as the version already in the library; "
                    "its details were updated.")
        verb = "replaced" if upload.doc_id in result.updated else "added"
        count = result.chunks_embedded
        return (f"“{meta.title}” was {verb}: {count} passage{'s' if count != 1 else ''} can "
                "now be searched and cited.")

    return runner.submit("replace" if upload.replacing else "add", upload.doc_id, meta.title, work)
