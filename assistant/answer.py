"""What an answer is: sentences with citation numbers, and the citations behind them.

Every sentence shown as an answer is either backed by the passage it cites
(``supported``) or listed apart as unsupported; a refusal says so and carries the
nearest passages instead of an answer.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Citation:
    """One cited passage, with the verbatim quote that backs the sentence citing it."""

    n: int
    doc_id: str
    title: str
    section: str
    quote: str  # verbatim from the document's text
    quote_start: int  # offsets of the quote in the document's text
    quote_end: int
    text: str  # the whole passage
    start: int  # offsets of the passage in the document's text
    end: int
    heading_path: list[str] = field(default_factory=list)
    date: str = ""

    def as_json(self) -> dict:
        """The batch/API shape."""
        return {"n": self.n, "doc_id": self.doc_id, "title": self.title, "section": self.section,
                "quote": self.quote, "quote_start": self.quote_start, "quote_end": self.quote_end,
                "text": self.text, "start": self.start, "end": self.end,
                "heading_path": self.heading_path, "date": self.date}


@dataclass
class AnswerSentence:
    """A sentence of the answer and the citation numbers it carries."""

    text: str
    cites: list[int]
    supported: bool = True


@dataclass
class Answer:
    """An answer, a refusal, or an answer that fell back from a failed backend."""

    question: str
    sentences: list[AnswerSentence] = field(default_factory=list)
    citations: list[Citation] = field(default_factory=list)
    refused: bool = False
    refusal: str = ""
    related: list[Citation] = field(default_factory=list)  # nearest passages, for refusals
    backend: str = "extractive"
    fallback: str = ""  # why the requested backend was not used, if it was not
    standalone_question: str = ""  # the follow-up rewritten to stand alone

    @property
    def text(self) -> str:
        """The answer as shown: supported sentences with their [n] markers, or the refusal."""
        if self.refused:
            return self.refusal
        return " ".join(_with_marks(s) for s in self.sentences if s.supported)

    @property
    def unsupported(self) -> list[str]:
        """Sentences a backend wrote that no cited passage backs (never shown as answer)."""
        return [s.text for s in self.sentences if not s.supported]

    def as_json(self) -> dict:
        """The shape of `assistant ask --json` and the API."""
        return {
            "answer": self.text,
            "refused": self.refused,
            "citations": [c.as_json() for c in self.citations],
            "unsupported": self.unsupported,
            "supported_sentences": sum(1 for s in self.sentences if s.supported) if not self.refused else 0,
            "related": [c.as_json() for c in self.related],
            "backend": self.backend,
            "fallback": self.fallback,
            "standalone_question": self.standalone_question,
        }


def _with_marks(sentence: AnswerSentence) -> str:
    marks = "".join(f"[{n}]" for n in sentence.cites)
    text = sentence.text.rstrip()
    return f"{text} {marks}" if marks else text
