"""The comparison systems: plain TF-IDF (scikit-learn defaults), bm25s and rank_bm25, behind one small interface."""

from __future__ import annotations

import importlib
import logging
from collections.abc import Sequence
from typing import Protocol

import numpy as np

from benchmarks.common import simple_tokens

BASELINES = ("tfidf", "bm25s", "rank_bm25")
LABELS = {
    "faqbot": "faqbot (TfidfRetriever + gate)",
    "tfidf": "plain TF-IDF (TfidfVectorizer defaults, cosine)",
    "bm25s": "bm25s (BM25, English stop words)",
    "rank_bm25": "rank_bm25 (BM25Okapi, lowercase \\w+ tokens)",
}


class Ranker(Protocol):
    """A fitted baseline: the indices of the best documents for a query, best first."""

    def top(self, query: str, k: int) -> list[int]:
        """Return up to k document indices with a positive score, best first."""
        ...


def _top_indices(scores: np.ndarray, k: int) -> list[int]:
    """The indices of the k highest positive scores, best first (ties by index)."""
    k = min(k, len(scores))
    if k <= 0:
        return []
    candidates = np.argpartition(-scores, k - 1)[:k]
    ordered = sorted(candidates.tolist(), key=lambda i: (-scores[i], i))
    return [int(i) for i in ordered if scores[i] > 0]


class PlainTfidf:
    """TfidfVectorizer() with its defaults; cosine similarity (rows are L2-normalised, so a dot product)."""

    def __init__(self, documents: Sequence[str]) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer

        self.vectorizer = TfidfVectorizer()
        self.matrix_t = self.vectorizer.fit_transform(documents).T.tocsr()

    def top(self, query: str, k: int) -> list[int]:
        """Rank by cosine between the query's and each document's TF-IDF vectors."""
        scores = (self.vectorizer.transform([query]) @ self.matrix_t).toarray().ravel()
        return _top_indices(scores, k)


class Bm25s:
    """bm25s with its default BM25 variant, English stop words, default tokenizer."""

    def __init__(self, documents: Sequence[str]) -> None:
        import bm25s

        logging.getLogger("bm25s").setLevel(logging.WARNING)
        self._bm25s = bm25s
        self.size = len(documents)
        self.index = bm25s.BM25()
        self.index.index(bm25s.tokenize(list(documents), stopwords="en", show_progress=False), show_progress=False)

    def top(self, query: str, k: int) -> list[int]:
        """Tokenize the query as the corpus was, then `retrieve` the k best."""
        tokens = self._bm25s.tokenize([query], stopwords="en", show_progress=False)
        if not tokens.vocab:
            return []
        documents, scores = self.index.retrieve(tokens, k=min(k, self.size), show_progress=False)
        return [int(i) for i, score in zip(documents[0], scores[0], strict=True) if score > 0]


class RankBm25:
    """rank_bm25's BM25Okapi over lowercase `\\w+` tokens; `get_scores` plus a top-k."""

    def __init__(self, documents: Sequence[str]) -> None:
        from rank_bm25 import BM25Okapi

        self.index = BM25Okapi([simple_tokens(document) for document in documents])

    def top(self, query: str, k: int) -> list[int]:
        """Score every document with `get_scores`, keep the k best."""
        tokens = simple_tokens(query)
        if not tokens:
            return []
        return _top_indices(np.asarray(self.index.get_scores(tokens)), k)


def import_baseline(name: str) -> None:
    """Import the baseline's library ahead of time, so a timed build does not include the import."""
    modules = {"tfidf": "sklearn.feature_extraction.text", "bm25s": "bm25s", "rank_bm25": "rank_bm25"}
    importlib.import_module(modules[name])


def build_baseline(name: str, documents: Sequence[str]) -> Ranker:
    """Fit the named baseline on the documents (tokenizing the corpus is part of the build)."""
    builders: dict[str, type[PlainTfidf] | type[Bm25s] | type[RankBm25]] = {
        "tfidf": PlainTfidf,
        "bm25s": Bm25s,
        "rank_bm25": RankBm25,
    }
    return builders[name](documents)
