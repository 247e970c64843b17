"""What every `assistant` subcommand shares: how a failure is reported."""

from __future__ import annotations

import sys


def fail(message: str, code: int = 2) -> int:
    """Print ``assistant: message`` on standard error and return the exit code."""
    print(f"assistant: {message}", file=sys.stderr)
    return code
