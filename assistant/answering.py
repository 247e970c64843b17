"""The answer pipeline: retrieve → choose evidence → compose or generate → verify.

``Answerer.ask`` returns an :class:`~assistant.answer.Answer` whose every shown sentence
is backed by a cited passage. The ``extractive`` backend answers with the evidence
sentences themselves (right by construction, no LLM). The ``local`` and ``openai``
backends write an answer from the evidence passages; their sentences are verified and
the unsupported kept apart. A backend that fails or times out falls back to
``extractive`` and the answer says so.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

from assistant import guard, query_adapter, sequences
from assistant.answer import Answer, AnswerSentence, Citation
from assistant.documents import short_title, without_markup
from assistant.embedding import vocabulary
from assistant.evidence import Evidence, Unit, select
from assistant.followup import standalone
from assistant.injection import looks_like_injection
from assistant.llms.base import LLMError
from assistant.prompting import render
from assistant.query import Query, acronyms, clean_question, prepare
from assistant.retrieval import Retriever, SearchResult
from assistant.settings import Settings
from assistant.unit_vectors import UnitVectors, embed_for_scoring
from assistant.verification import Verifier, split_sentences

BACKENDS = ("extractive", "local", "openai")
REFUSAL = "The framework documents don't cover this: {reason}."
INJECTION_REFUSAL = ("That reads as an instruction to change how I work rather than a question "
                     "about the documents, so I have not acted on it. I answer only from the "
                     "framework documents, with citations.")
OTHER_WRITING_REFUSAL = ("I answer questions from the framework documents, with citations; I don't "
                         "write {writing}. Ask me what the documents say about a topic instead.")
NOT_IN_DOCUMENTS = "NOT IN DOCUMENTS"
MAX_PROMPT_PASSAGES = 3
# How much better the question's own evidence must answer it than the evidence found at
# a step page's focus for the answer to leave the step (see ``_focused`` and ``_fit``).
FOCUS_MARGIN = 0.15
# Words that name no topic, which the documents happen not to use: a question holding
# them is not about something the documents do not know.
_NO_TOPIC = frozenset("enough else anything something everything nothing anyone someone everyone "
                      "anybody somebody whatever whichever whoever otherwise instead rather quite "
                      "maybe perhaps yeah okay".split())
# Sentences asked of an LLM (3 rather than 4: fewer that the passages do not back). The
# system prompt must not vary, so that llama.cpp reuses its prefix.
MAX_SENTENCES = 3


@dataclass
class Conversation:
    """What a follow-up needs: the standalone form of each earlier question."""

    questions: list[str] = field(default_factory=list)


class Answerer:
    """Answers questions over the index. One per process; safe to share between threads."""

    def __init__(self, settings: Settings, retriever: Retriever | None = None):
        self.settings = settings
        self.retriever = retriever or Retriever(settings)
        self._clients: dict[str, object] = {}
        self._lock = threading.Lock()
        self._library_key: tuple | None = None
        self._library_cached: guard.Library | None = None
        self._unit_vectors: UnitVectors | None = None

    # --- public -------------------------------------------------------------------
    def warm_up(self, backend: str | None = None) -> None:
        """Load what the first question would wait for: the retriever and, for ``local``,
        the model with the system prompt already read (llama.cpp reuses the prompt prefix
        it last evaluated, so later questions pay only for their own passages)."""
        self.retriever.warm_up()
        self._adapter()
        self._units().load()
        if (backend or self.settings.backend) == "local":
            client = self._client("local")
            client.warm_up()
            messages = [{"role": "system", "content": render("answer_system.j2", max_sentences=MAX_SENTENCES)},
                        {"role": "user", "content": "Passages:"}]
            for _ in client.stream_chat(messages, 1):
                pass

    def ask(self, question: str, backend: str | None = None, conversation: Conversation | None = None,
            doc_ids: list[str] | None = None, kinds: list[str] | None = None,
            focus: str | None = None) -> Answer:
        """Answer ``question`` (a follow-up in ``conversation`` if given)."""
        answer = None
        for event in self.stream(question, backend, conversation, doc_ids, kinds, focus):
            if event[0] == "answer":
                answer = event[1]
        return answer

    def stream(self, question: str, backend: str | None = None, conversation: Conversation | None = None,
               doc_ids: list[str] | None = None, kinds: list[str] | None = None,
               focus: str | None = None) -> Iterator[tuple]:
        """Yield ("status", dict) once the passages are found, ("token", text) while an LLM
        writes, then ("answer", Answer) once verified.

        ``focus`` ("step 6: Commission effectively") steers the answer towards a topic, as
        a step page's chat does: "what evidence do we need?" is answered from the step's
        passages, while "what should a JSNA cover?", whose own evidence is clearly closer to
        it, is answered about the JSNA. Whether the passages answer at all is judged on the
        question alone, so a focus never makes an off-topic question look answerable."""
        backend = backend or self.settings.backend
        if backend not in BACKENDS:
            raise ValueError(f"Unknown backend {backend!r}; use one of {', '.join(BACKENDS)}.")
        question = clean_question(question)
        history = conversation.questions if conversation else []
        searched = standalone(question, history)
        if conversation is not None:
            conversation.questions.append(searched)
        answer = Answer(question=question, backend=backend, standalone_question=searched)
        if looks_like_injection(question):
            answer.refused, answer.refusal = True, INJECTION_REFUSAL
            yield "answer", answer
            return
        writing = guard.other_writing(question)
        if writing:
            answer.refused, answer.refusal = True, OTHER_WRITING_REFUSAL.format(writing=writing)
            yield "answer", answer
            return
        query = self.retriever.prepare(searched)
        results = self.retriever.find(query, doc_ids=doc_ids, kinds=kinds)
        steered = self.retriever.search(f"{searched} ({focus})", doc_ids=doc_ids, kinds=kinds) \
            if focus and focus.lower() not in searched.lower() else None
        n = len(results)
        yield "status", {"stage": "retrieved", "passages": n,
                         "message": f"Found {n} passage{'s' if n != 1 else ''}; writing the answer…"}
        evidence = self._select(query, results)
        if steered is not None:
            results, evidence = self._focused(query, focus, (results, evidence), steered)
        library = self._library()
        unknown_names, unknown_words = self._unknown(searched, library.aliases)
        verdict = guard.judge(searched, evidence, library, list(query.documents),
                              unknown_names, unknown_words)
        if not verdict.answer:
            answer.refused = True
            answer.refusal = REFUSAL.format(reason=verdict.reason)
            answer.related = self._related(evidence)
            yield "answer", answer
            return
        if backend == "extractive":
            # A question asking for a whole numbered run ("the nine steps") is answered with
            # the run's headings, which no single passage holds.
            catalog = self.retriever.catalog
            self._compose(answer, sequences.evidence_for(searched, evidence, catalog) or evidence)
            yield "answer", answer
            return
        try:
            yield from self._generate(answer, backend, searched, evidence)
        except LLMError as err:
            answer.backend = "extractive"
            answer.fallback = f"The {backend} backend gave no usable answer ({err}); this answer quotes the passages."
            # What the model wrote and verification rejected stays listed as unsupported.
            answer.sentences = [s for s in answer.sentences if not s.supported]
            answer.citations = []
            self._compose(answer, evidence)
        yield "answer", answer

    def _select(self, query: Query, results: list[SearchResult]) -> Evidence:
        """The evidence in ``results`` for ``query``."""
        return select(query, results, self.retriever.lexical(), self._embed(),
                      self.retriever.catalog.document_text, self._adapter())

    def _adapter(self):
        """The query adapter's matrix, or None when the settings turn it off or name another
        embedding model than the one it was trained for."""
        if not self.settings.query_adapter or self.settings.embedding_model_path is not None:
            return None
        return query_adapter.load(dimension=self.retriever.encoder().model.get_embedding_dimension())

    def _focused(self, query: Query, focus: str, own: tuple, steered: list[SearchResult]) -> tuple:
        """The passages found for the question read at ``focus`` (a step's page) and their
        evidence, unless the question's own (``own``: passages, evidence) answer it clearly
        better: on step 7's page "what should we gather?" takes the step's passages, "what
        should a JSNA cover?" keeps the JSNA's."""
        if not query.labels:
            # Among sentences that answer equally well, prefer the focus's section ("Step 3").
            query = replace(query, labels=prepare(focus, self.settings.corpus_dir, []).labels)
        at_focus = self._select(query, steered)
        return own if _fit(own[1]) > _fit(at_focus) + FOCUS_MARGIN else (steered, at_focus)

    def _library(self) -> guard.Library:
        """What the guard needs to know of the documents as a whole: built again only when
        the index, the manifest or the acronym table has changed, not on every question."""
        generation = self.retriever.catalog.generation()
        entries = self.retriever.entries()  # the same list until the manifest changes
        expansions = acronyms(self.settings.corpus_dir)  # the same dict until the file changes
        with self._lock:
            known = self._library_key
            if not (known and known[0] == generation and known[1] is entries and known[2] is expansions):
                documents = self.retriever.catalog.documents()
                self._library_cached = guard.Library(
                    document_text=self.retriever.catalog.document_text,
                    documents=[d.doc_id for d in documents],
                    dates={d.doc_id: d.date for d in documents},
                    titles={d.doc_id: d.title for d in documents},
                    aliases=frozenset(a for e in entries for a in e.aliases),
                    expansions=expansions,
                    common_words=vocabulary(self.settings))
                self._library_key = (generation, entries, expansions)
            return self._library_cached

    def _unknown(self, question: str, aliases: set[str]) -> tuple[list[str], list[str]]:
        """The names in ``question`` that no document contains, and its other words that
        none uses (a document's own nicknames aside: "Central Beds" names a document,
        though no document writes "Beds")."""
        lexical = self.retriever.lexical()
        nicknames = {a.lower() for a in aliases}
        def nickname(text: str) -> bool:
            return any(text.lower() in a or a in text.lower() for a in nicknames)
        names = [name for name in guard.names(question) if not nickname(name)
                 and any(lexical.idf(t) == 0 for t in lexical.terms(name))]
        in_names = {w.lower() for name in names for w in name.split()}
        words = [w for w in dict.fromkeys(re.findall(r"[A-Za-z][A-Za-z’']{2,}", question))
                 if w.lower() not in in_names and not nickname(w) and not lexical.knows(w)
                 # an adverb ("rarely") says how, not what about, and so does a word
                 # of no topic ("is a snapshot enough, or something else?")
                 and not w.lower().endswith("ly") and w.lower() not in _NO_TOPIC]
        return names, words

    # --- extractive ----------------------------------------------------------------
    def _compose(self, answer: Answer, evidence: Evidence) -> None:
        """The evidence itself, one sentence (or run of list items) per citation."""
        for run in _runs(evidence.chosen):
            result = evidence.results[run[0].result]
            n = len(answer.citations) + 1
            answer.citations.append(self._citation(n, result, run[0].start, run[-1].end))
            answer.sentences.append(AnswerSentence(_readable(run), [n]))

    def _citation(self, n: int, result: SearchResult, start: int, end: int) -> Citation:
        text = self.retriever.catalog.document_text(result.document.doc_id) or ""
        holder = result.chunk_at(start)
        return Citation(n=n, doc_id=result.document.doc_id, title=result.document.title,
                        section=holder.section, quote=text[start:end], quote_start=start,
                        quote_end=end, text=result.text, start=result.start, end=result.end,
                        heading_path=list(holder.heading_path), date=result.document.date)

    def _related(self, evidence: Evidence) -> list[Citation]:
        """The nearest passages, each with its best sentence, for a refusal."""
        related = []
        for i, result in enumerate(evidence.results[:3]):
            units = [u for u in evidence.units if u.result == i and not u.heading]
            best = max(units, key=lambda u: u.score) if units else None
            start, end = (best.start, best.end) if best else (result.start, result.end)
            related.append(self._citation(i + 1, result, start, end))
        return related

    # --- LLM backends --------------------------------------------------------------
    def _generate(self, answer: Answer, backend: str, question: str, evidence: Evidence) -> Iterator[tuple]:
        sources = self._prompt_sources(evidence)
        # Titles lose their bracketed tail: every prompt token is read before the first word.
        messages = [
            {"role": "system", "content": render("answer_system.j2", max_sentences=MAX_SENTENCES)},
            {"role": "user", "content": render("answer_user.j2", question=question, passages=[
                {"n": i + 1, "title": short_title(r.document.title), "section": r.section, "text": text}
                for i, (r, text, _) in enumerate(sources)])},
        ]
        client = self._client(backend)
        started = time.monotonic()
        pieces = []
        for piece in client.stream_chat(messages, self.settings.llm_max_tokens):
            pieces.append(piece)
            yield "token", piece
            if time.monotonic() - started > self.settings.llm_timeout:
                raise LLMError(f"no complete answer within {self.settings.llm_timeout:g} s")
        written = "".join(pieces).strip()
        if not written or NOT_IN_DOCUMENTS in written.upper():
            # The guard already judged the passages to answer the question, and it refuses
            # far more reliably than a small model: quote the passages instead.
            raise LLMError("the model found no answer in the passages")
        verifier = Verifier([(text, start) for _, text, start in sources],
                            self.retriever.lexical(), self._embed())
        numbers: dict[int, int] = {}  # source number -> citation number, in order of first use
        # A small model sometimes writes a sentence twice; once is enough.
        written_once: dict[str, tuple[str, list[int]]] = {}
        for text, marks in split_sentences(written):
            written_once.setdefault(" ".join(text.lower().split()), (text, marks))
        for checked in verifier.check(list(written_once.values())):
            sentence = checked.sentence
            if sentence.supported:
                for source in checked.sources:
                    if source not in numbers:
                        numbers[source] = len(numbers) + 1
                        result = sources[source - 1][0]
                        start, end = checked.quotes[source]
                        answer.citations.append(self._citation(numbers[source], result, start, end))
                sentence.cites = [numbers[s] for s in checked.sources]
            answer.sentences.append(sentence)
        if not any(s.supported for s in answer.sentences):
            raise LLMError("no sentence it wrote could be verified against the passages")

    def _prompt_sources(self, evidence: Evidence) -> list[tuple[SearchResult, str, int]]:
        """The passages holding the evidence, each trimmed to the stretch from its first
        chosen sentence to its last: the model reads the evidence in its context (offsets
        stay those of the document, for verification).

        The prompt is what a CPU pays for before the first token (50 to 120 tokens a
        second on two cores), so when those stretches run past ``llm_prompt_words`` they shrink
        to the chosen sentences alone, each run of neighbours a source of its own, and
        the runs that answer least go until the rest fit; a run still too long on its
        own loses its sentences that answer least the same way.
        """
        passages = list(dict.fromkeys(u.result for u in evidence.chosen))[:MAX_PROMPT_PASSAGES]
        texts = {i: self.retriever.catalog.document_text(evidence.results[i].document.doc_id) or ""
                 for i in passages}
        groups = [(i, [u for u in evidence.chosen if u.result == i]) for i in passages]
        allowed = self.settings.llm_prompt_words

        def size(group: tuple[int, list[Unit]]) -> int:
            i, units = group
            return len(texts[i][units[0].start:units[-1].end].split())

        def best_that_fit(pieces: list[tuple[int, list[Unit]]]) -> list[tuple[int, list[Unit]]]:
            """The pieces that answer best within the words allowed (the best always), in order."""
            by_relevance = sorted(range(len(pieces)), key=lambda g: -max(u.score for u in pieces[g][1]))
            kept, total = set(), 0
            for g in by_relevance:
                if not kept or total + size(pieces[g]) <= allowed:
                    kept.add(g)
                    total += size(pieces[g])
            return [piece for g, piece in enumerate(pieces) if g in kept]

        if sum(map(size, groups)) > allowed:
            groups = best_that_fit([(i, run) for i, units in groups for run in _runs(units)])
        if sum(map(size, groups)) > allowed:
            kept = best_that_fit([(i, [u]) for i, units in groups for u in units])
            groups = [(run[0].result, run) for run in _runs([u for _, units in kept for u in units])]
        return [(evidence.results[i], texts[i][units[0].start:units[-1].end], units[0].start)
                for i, units in groups]

    def _client(self, backend: str):
        with self._lock:
            if backend not in self._clients:
                if backend == "local":
                    from assistant.llms.local import LocalChat

                    self._clients[backend] = LocalChat(self.settings)
                else:
                    from assistant.llms.openai_like import OpenAIChat

                    self._clients[backend] = OpenAIChat(self.settings)
            return self._clients[backend]

    def _units(self) -> UnitVectors:
        with self._lock:
            if self._unit_vectors is None:
                self._unit_vectors = UnitVectors(self.settings, self.retriever.encoder())
            return self._unit_vectors

    def _embed(self):
        """``embed(texts)`` for scoring: the first text live, the documents' units kept."""
        return embed_for_scoring(self.retriever.encoder(), self._units())


def _fit(evidence: Evidence) -> float:
    """How well the chosen evidence answers: the share of the question's words its passages
    hold, and how close its closest sentence comes to the question."""
    closest = max((u.dense for u in evidence.chosen), default=0.0)
    return 0.5 * evidence.coverage + 0.5 * closest


def _runs(units: list[Unit]) -> list[list[Unit]]:
    """Chosen units grouped into runs that are contiguous within one passage."""
    runs: list[list[Unit]] = []
    for unit in units:
        if runs and runs[-1][-1].result == unit.result and _adjacent(runs[-1][-1], unit):
            runs[-1].append(unit)
        else:
            runs.append([unit])
    return runs


def _readable(run: list[Unit]) -> str:
    """A run of units as one readable sentence: list items joined by semicolons."""
    parts = []
    for i, unit in enumerate(run):
        text = " ".join(without_markup(unit.text).replace("\t", " ").split())
        last = i == len(run) - 1
        if not re.search(r"[.:;!?]$", text):
            text += "." if last else ";"
        elif text.endswith(";") and last:
            text = text[:-1] + "."
        parts.append(text)
    return " ".join(parts)


def _adjacent(a: Unit, b: Unit) -> bool:
    return 0 <= b.start - a.end <= 3
