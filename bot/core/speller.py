"""Typo correction toward the knowledge's own words, only when the correction is certain."""

from __future__ import annotations

import functools
from collections.abc import Collection, Iterable

import numpy as np
from rapidfuzz.distance import OSA
from spellchecker import SpellChecker

from bot.core.tfidf import (
    Postings,
    QueryEncoder,
    char_wb_analyzer,
    feature_index,
    ngram_counts_t,
    row_document_frequency,
    smooth_idf,
    weigh_columns,
)

SPELLER_NGRAMS = (2, 3)
# How many of the lexicon's words closest in character n-grams are weighed as corrections.
CANDIDATES = 20


def nearest_positive(similarity: np.ndarray, depth: int) -> list[int]:
    """The positions of the `depth` largest positive values: those of `np.argsort(-similarity)[:depth]`, any order.

    A partial sort finds them in linear time; only when values equal to the next one below the cut are among them (a
    tie that the sort's order decides) does it sort the whole array as before, so the set is the same either way.
    """
    if len(similarity) > depth:
        negated = -similarity
        part = negated.argpartition(depth)
        top = part[:depth]
        cut = negated[part[depth]]
        if cut >= 0 or not (negated[top] == cut).any():
            return top[negated[top] < 0].tolist()
    order = np.argsort(-similarity)[:depth]
    return order[similarity[order] > 0].tolist()


@functools.cache
def english_words() -> frozenset[str]:
    """Correctly spelt English words (pyspellchecker's English frequency list), loaded once on first use."""
    return frozenset(SpellChecker(language="en").word_frequency.keys())


class Speller:
    """Corrects a misspelt word to a word the knowledge uses, only when that is certain.

    The correction must be one edit away (two for long words), start with the same letter, have about the same
    length and be the single closest candidate; anything less certain is left alone. A word in `dictionary` is
    spelt right already and is never changed: "transaction" is not a typo of "transition", nor "pausing" of
    "passing", however close they are.
    """

    def __init__(self, lexicon: Iterable[str], *, min_length: int = 6, dictionary: Collection[str] = ()) -> None:
        self.lexicon = tuple(sorted(set(lexicon)))
        self.known = frozenset(self.lexicon)
        self.dictionary = dictionary
        self.min_length = min_length
        self._cache: dict[str, str | None] = {}
        self._index_t: Postings | None = None
        self._encoder: QueryEncoder | None = None
        if self.lexicon:
            # TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 3), sublinear_tf=True) over the words, transposed
            counts_t, grams = ngram_counts_t([word.lower() for word in self.lexicon], SPELLER_NGRAMS)
            idf = smooth_idf(row_document_frequency(counts_t), len(self.lexicon))
            self._index_t = Postings(weigh_columns(counts_t, idf))
            self._encoder = QueryEncoder.for_vocabulary(
                char_wb_analyzer(SPELLER_NGRAMS, str.lower), feature_index(grams), idf
            )

    def correct(self, word: str) -> str | None:
        """The known word closest to `word` (itself if known), or None when nothing is close enough."""
        if word in self.known:
            return word
        if len(word) < self.min_length or self._index_t is None or not word.isalpha() or word in self.dictionary:
            return None
        if word not in self._cache:
            if len(self._cache) > 100_000:
                self._cache.clear()
            self._cache[word] = self._closest(word)
        return self._cache[word]

    def _closest(self, word: str) -> str | None:
        assert self._encoder is not None
        assert self._index_t is not None
        similarity = self._index_t.product(*self._encoder.weights(word))
        allowed = 1 if len(word) < 9 else 2
        candidates = nearest_positive(similarity, CANDIDATES)
        scored = sorted(
            (OSA.distance(word, self.lexicon[i]), self.lexicon[i])
            for i in candidates
            if self.lexicon[i][0] == word[0] and abs(len(self.lexicon[i]) - len(word)) <= 1
        )
        if scored and scored[0][0] <= allowed and (len(scored) == 1 or scored[1][0] > scored[0][0]):
            return scored[0][1]
        return None
