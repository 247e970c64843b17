"""Render the prompt templates in prompts/ (Jinja2; no prompt text lives in Python)."""

from __future__ import annotations

from functools import lru_cache

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from assistant.settings import PROJECT_ROOT

PROMPTS_DIR = PROJECT_ROOT / "prompts"


@lru_cache(maxsize=1)
def _environment() -> Environment:
    # Plain text out, not HTML: no autoescape; undefined variables are errors.
    return Environment(loader=FileSystemLoader(PROMPTS_DIR), undefined=StrictUndefined,
                       autoescape=False, keep_trailing_newline=False, trim_blocks=True)


def render(name: str, **values) -> str:
    """The template ``name`` (e.g. "answer_system.j2") filled with ``values``."""
    return _environment().get_template(name).render(**values).strip()
