"""The OpenAI-compatible backend: any server speaking /v1/chat/completions (vLLM, the
llama.cpp server, Ollama), through llama-index's OpenAILike.

Replies are streamed (server-sent events). Every failure (connection refused, DNS,
timeout, an HTTP error status, a malformed reply) becomes an LLMError that names the
server's URL.

Timeout: ``settings.llm_timeout`` is the HTTP client's timeout for connecting and for each
read, and the client also gives up once that much time has passed since the request, checked
between streamed pieces. The OpenAI SDK's own retries are off (one retry after a timeout
would double the wait); instead a request that could not connect at all is tried once more
if time is left, since that costs next to nothing.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

from assistant.llms.base import LLMError
from assistant.settings import Settings

ROLES = {"system", "user", "assistant"}
CONNECT_RETRIES = 1


class OpenAIChat:
    """ChatClient for an OpenAI-compatible server at settings.openai_base_url."""

    name = "openai"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.url = settings.openai_base_url.rstrip("/")
        self._llm: Any = None
        self._lock = threading.Lock()

    def _client(self) -> Any:
        if self._llm is None:
            with self._lock:
                if self._llm is None:
                    try:
                        from llama_index.llms.openai_like import OpenAILike
                    except ImportError as exc:
                        raise LLMError(
                            f"The openai backend needs llama-index-llms-openai-like ({exc}). Run `make setup`."
                        ) from exc
                    self._llm = OpenAILike(
                        api_base=self.url,
                        model=self.settings.openai_model,
                        api_key=self.settings.openai_api_key,
                        is_chat_model=True,
                        is_function_calling_model=False,
                        temperature=0.0,
                        timeout=self.settings.llm_timeout,
                        max_retries=0,
                        reuse_client=True,
                    )
        return self._llm

    def warm_up(self) -> float:
        """Build the client (imports are slow); return the seconds it took. No request is sent."""
        started = time.perf_counter()
        self._client()
        return time.perf_counter() - started

    def stream_chat(self, messages: list[dict[str, str]], max_tokens: int) -> Iterator[str]:
        """Stream the server's reply; LLMError (naming the URL) on any failure or the timeout."""
        timeout = self.settings.llm_timeout
        deadline = time.monotonic() + timeout
        llm = self._client()
        chat_messages = _to_chat_messages(messages)
        attempt = 0
        while True:
            yielded = False
            stream = None
            try:
                stream = llm.stream_chat(chat_messages, max_tokens=int(max_tokens))
                for response in stream:
                    if time.monotonic() > deadline:
                        raise LLMError(
                            f"The model server at {self.url} took longer than {timeout:g} s (llm_timeout)."
                        )
                    delta = response.delta or ""
                    if delta:
                        yielded = True
                        yield delta
                return
            except LLMError:
                raise
            except Exception as exc:
                if (
                    _is_connect_error(exc)
                    and not yielded
                    and attempt < CONNECT_RETRIES
                    and deadline - time.monotonic() > 1.0
                ):
                    attempt += 1
                    time.sleep(0.2)
                    continue
                raise LLMError(self._describe(exc, timeout)) from exc
            finally:
                if stream is not None and hasattr(stream, "close"):
                    try:
                        stream.close()  # closes the HTTP response when we stop early
                    except Exception:
                        pass

    def _describe(self, exc: Exception, timeout: float) -> str:
        try:
            import openai
        except ImportError:  # pragma: no cover - openai comes with llama-index-llms-openai
            openai = None
        if openai is not None:
            if isinstance(exc, openai.APITimeoutError):
                return f"The model server at {self.url} did not answer within {timeout:g} s (llm_timeout)."
            if isinstance(exc, openai.APIConnectionError):
                return f"Could not reach the model server at {self.url}: {_cause(exc)}."
            if isinstance(exc, openai.APIStatusError):
                body = (exc.response.text or "").strip().replace("\n", " ")[:200]
                return (
                    f"The model server at {self.url} answered HTTP {exc.status_code}"
                    + (f": {body}" if body else ".")
                )
        return f"The model server at {self.url} failed: {type(exc).__name__}: {exc}"


def _is_connect_error(exc: Exception) -> bool:
    try:
        import httpx
        import openai
    except ImportError:  # pragma: no cover
        return False
    if isinstance(exc, openai.APITimeoutError):
        return False
    if isinstance(exc, openai.APIConnectionError):
        return isinstance(exc.__cause__, httpx.ConnectError)
    return False


def _cause(exc: BaseException) -> str:
    cause = exc.__cause__ or exc.__context__
    return f"{exc} ({type(cause).__name__}: {cause})" if cause else str(exc)


def _to_chat_messages(messages: list[dict[str, str]]) -> list[Any]:
    from llama_index.core.base.llms.types import ChatMessage

    out = []
    for message in messages:
        role = str(message.get("role"))
        if role not in ROLES:
            raise LLMError(f"Unknown chat role {role!r}: expected one of {sorted(ROLES)}.")
        out.append(ChatMessage(role=role, content=str(message.get("content") or "")))
    return out
