"""The corpus manifest: which documents the assistant knows, and what they are.

``corpus/manifest.yaml`` lists each document's id, file, title, publisher, date,
kind and aliases. It is written atomically (temporary file, then rename), so an
interrupted change never leaves it half-written.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, Field, ValidationError, field_validator

Kind = Literal["national", "local"]
_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")


class ManifestError(ValueError):
    """The manifest or an entry for it is not valid."""


class Entry(BaseModel):
    """One document in the manifest."""

    id: str
    file: str
    title: str = Field(min_length=1, max_length=300)
    publisher: str = Field("", max_length=300)
    date: str = Field("", max_length=60)
    kind: Kind = "local"
    original: str = ""
    aliases: list[str] = Field(default_factory=list)

    @field_validator("id")
    @classmethod
    def _id_shape(cls, value: str) -> str:
        if not _ID.match(value):
            raise ValueError("use lower-case letters, digits and hyphens (at most 80)")
        return value

    @field_validator("file")
    @classmethod
    def _plain_name(cls, value: str) -> str:
        # Files live inside the corpus folder; no paths that climb out of it.
        if Path(value).is_absolute() or ".." in Path(value).parts:
            raise ValueError("must be a file name inside the corpus folder")
        return value


def slug(text: str) -> str:
    """A manifest id made from a title or file name."""
    value = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60].strip("-")
    return value or "document"


def load(path: Path) -> list[Entry]:
    """Entries of the manifest at ``path`` (none if the file does not exist)."""
    if not path.exists():
        return []
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        entries = [Entry(**item) for item in data.get("documents", [])]
    except (yaml.YAMLError, ValidationError, TypeError, AttributeError) as err:
        raise ManifestError(f"{path} is not a valid manifest: {err}") from None
    ids = [e.id for e in entries]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise ManifestError(f"{path} lists these ids more than once: {', '.join(duplicates)}")
    return entries


def save(path: Path, entries: list[Entry]) -> None:
    """Write the manifest atomically, keeping its explanatory header."""
    header = ""
    if path.exists():
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        header = "".join(line for line in lines[: next((i for i, l in enumerate(lines)
                                                         if not l.startswith("#")), 0)])
    body = yaml.safe_dump({"documents": [e.model_dump(exclude_defaults=False) for e in entries]},
                          sort_keys=False, allow_unicode=True, width=100)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".manifest-", suffix=".yaml")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(header + body)
    os.replace(tmp, path)
