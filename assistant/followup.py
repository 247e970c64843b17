"""Make a follow-up question stand alone, so retrieval sees what the user means.

"And what about step 7?" after "What does Staffs say happens at step 6?" is searched
as the new question with the earlier one as context: the new question's own words
lead, and the document or topic named before carries over.
"""

from __future__ import annotations

import re

_FOLLOW_UP = re.compile(
    r"^\s*(and|also|but|so|then|what about|how about|and what|and how|what else|why|"
    r"is that|does that|does it|do they|is it|are they|same for|likewise)\b", re.I)
_PRONOUN = re.compile(r"\b(it|its|they|them|their|this|that|these|those|there|he|she)\b", re.I)


def is_follow_up(question: str) -> bool:
    """True when the question leans on what came before it."""
    words = question.split()
    return bool(_FOLLOW_UP.search(question)) or len(words) <= 4 or (
        len(words) <= 10 and bool(_PRONOUN.search(question)))


def standalone(question: str, history: list[str]) -> str:
    """The question to search for, given the user's earlier questions (oldest first)."""
    if not history or not is_follow_up(question):
        return question
    previous = history[-1]
    return f"{question.strip()} (following on from: {previous.strip()})"
