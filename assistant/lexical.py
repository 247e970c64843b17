"""BM25 over the live chunks, kept beside the vectors.

The index is rebuilt from the catalog when the catalog's generation changes (a few
milliseconds for hundreds of passages), so it can never disagree with what is live.
"""

from __future__ import annotations

import bisect
import re
import threading

import numpy as np

from assistant.catalog import ChunkRecord

# NLTK's English stop words (bm25s ships them) plus the words people wrap a question in
# ("according to", "what does it say"): they carry no topic and would favour passages
# that merely repeat them.
QUESTION_WORDS = ["according", "say", "says", "said", "tell", "mean", "means", "exactly",
                  "actually", "supposed", "mention", "mentions", "us", "also", "please"]


def _stopwords() -> list[str]:
    from bm25s.stopwords import STOPWORDS_EN_PLUS

    return sorted(set(STOPWORDS_EN_PLUS) | set(QUESTION_WORDS))


# Light verbs and fillers of spoken questions ("what should go in it?", "anything on the
# market?", "per the guide"). Dropped from what is asked, not from the index: "go" would
# otherwise outweigh a question's topic words, while the passages' statistics stay as they are.
QUESTION_FILLERS = ["go", "goes", "going", "get", "gets", "getting", "anything", "something",
                    "bother", "stuff", "talk", "talks", "bit", "per"]


# Word families the Snowball stemmer splits though a commissioner means one idea:
# "define" / "definition", "prioritise" / "priorities", "decide" / "decision".
_SAME_STEM = {"definit": "defin", "prioriti": "prioritis", "decis": "decid", "specif": "specifi",
              "intervent": "interven", "analysi": "analys"}
_IZE = re.compile(r"iz(e|es|ed|ing|ation|ations)$")  # "prioritize" is "prioritise"


class _Stemmer:
    """English Snowball stemming, with American "-ize" spellings and the families above
    brought together."""

    def __init__(self) -> None:
        import Stemmer

        self._snowball = Stemmer.Stemmer("english")

    def stemWords(self, words: list[str]) -> list[str]:  # noqa: N802 (the name bm25s calls)
        british = [_IZE.sub(r"is\1", w) if len(w) >= 7 else w for w in words]
        return [_SAME_STEM.get(s, s) for s in self._snowball.stemWords(british)]


class LexicalIndex:
    """BM25 (bm25s, English Snowball stemming, English stop words)."""

    def __init__(self, chunks: list[ChunkRecord]):
        import bm25s

        self._bm25s = bm25s
        self.stemmer = _Stemmer()
        self.stopwords = _stopwords()
        self.question_stopwords = sorted(set(self.stopwords) | set(QUESTION_FILLERS))
        self.chunks = chunks
        self.index = bm25s.BM25()
        self.doc_freq: dict[str, int] = {}
        if chunks:
            tokens = bm25s.tokenize([c.search_text for c in chunks], stopwords=self.stopwords,
                                    stemmer=self.stemmer, show_progress=False)
            self.index.index(tokens, show_progress=False)
            words = {i: w for w, i in tokens.vocab.items()}
            for ids in tokens.ids:
                for i in set(ids):
                    self.doc_freq[words[i]] = self.doc_freq.get(words[i], 0) + 1
        # The rarest term's IDF, asked for on every question (refusals): found once here.
        self._max_idf = self.idf(min(self.doc_freq, key=self.doc_freq.get)) if self.doc_freq else 0.0
        self._vocabulary = sorted(self.doc_freq)

    def terms(self, text: str) -> list[str]:
        """Stemmed content words of ``text``, as the index sees them (less the fillers
        of spoken questions)."""
        return self._bm25s.tokenize([text], stopwords=self.question_stopwords, stemmer=self.stemmer,
                                    return_ids=False, show_progress=False)[0]

    def idf(self, term: str) -> float:
        """Inverse document frequency of a stemmed term over the live chunks (0 if unseen)."""
        df = self.doc_freq.get(term, 0)
        if not df:
            return 0.0
        n = len(self.chunks)
        return float(np.log(1 + (n - df + 0.5) / (df + 0.5)))

    def knows(self, word: str) -> bool:
        """True when the passages use ``word``, or a word it abbreviates ("exec" for
        "executive"). Stop words count as known."""
        stems = self.terms(word)
        for stem in stems:
            at = bisect.bisect_left(self._vocabulary, stem)
            if at == len(self._vocabulary) or not self._vocabulary[at].startswith(stem):
                return False
        return True

    def max_idf(self) -> float:
        """The inverse document frequency of the rarest term in the index."""
        return self._max_idf

    def search(self, text: str, top_k: int, doc_ids: set[str] | None = None) -> list[tuple[ChunkRecord, float]]:
        """Best chunks for ``text`` with their BM25 scores (only those scoring above 0)."""
        if not self.chunks:
            return []
        tokens = self.terms(text)
        vocab = self.index.vocab_dict
        tokens = [t for t in tokens if t in vocab]
        if not tokens:
            return []
        scores = self.index.get_scores(tokens)
        if doc_ids is not None:
            mask = np.array([c.doc_id in doc_ids for c in self.chunks])
            scores = np.where(mask, scores, 0.0)
        order = np.argsort(-scores)[:top_k]
        return [(self.chunks[i], float(scores[i])) for i in order if scores[i] > 0]


class LexicalCache:
    """One LexicalIndex per catalog generation, shared between threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._generation: int | None = None
        self._index: LexicalIndex | None = None

    def get(self, generation: int, load) -> LexicalIndex:
        """The index for ``generation``, building it with ``load()`` chunks if needed."""
        with self._lock:
            if self._index is None or generation != self._generation:
                self._index = LexicalIndex(load())
                self._generation = generation
            return self._index
