"""What every LLM client offers the answer pipeline."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol


class LLMError(RuntimeError):
    """The model could not answer (not installed, unreachable, timed out, failed)."""


class ChatClient(Protocol):
    """A chat model that streams its reply."""

    name: str

    def stream_chat(self, messages: list[dict[str, str]], max_tokens: int) -> Iterator[str]:
        """Yield the reply to ``messages`` ([{"role", "content"}]) as text pieces.

        Raises LLMError on any failure, including a timeout (settings.llm_timeout).
        """
        ...
