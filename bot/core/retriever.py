"""The TF-IDF retriever: word and character TF-IDF over every entry's phrasings and body, fit once, search often."""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Self

import numpy as np
from scipy import sparse
from sklearn.decomposition import TruncatedSVD
from sklearn.preprocessing import normalize
from threadpoolctl import threadpool_limits

from bot.core.calibration import ConfidenceModel, learn_confidence, offtopic_questions
from bot.core.gate import Hit, SearchResults
from bot.core.hubness import HUB_POWER, hub_factors, reference_questions
from bot.core.knowledge import Entry, KnowledgeBase
from bot.core.speller import Speller, english_words
from bot.core.text import TOKEN, Normalizer, Stemmer, default_stop_words, function_words
from bot.core.tfidf import (
    Numbering,
    Postings,
    QueryEncoder,
    char_wb_ngrams,
    counts_t,
    distinct,
    feature_index,
    find_sorted,
    keyed_counts,
    ngram_counts_t,
    row_document_frequency,
    smooth_idf,
    weigh_columns,
)
from bot.folding import fold

# The concept space is learnt from at most this many phrasings and bodies and the most common word features: past
# that, a larger sample changes little and would cost the index build seconds at 100k entries.
CONCEPT_SAMPLE_DOCUMENTS = 5_000
CONCEPT_FEATURES = 1 << 15
# How many of the question's closest phrasings vote on whether the best entry is a clear winner.
NEIGHBOUR_PHRASINGS = 5
# From this many phrasings on, the closest ones are looked for among the few that score at least a known bound
# (`_nearest_phrasings`); below it a partial sort of all of them costs less than the dozen numpy calls that takes.
BOUNDED_NEAREST_PHRASINGS = 20_000


# A question's word row (features, weights) and its word scores over phrasings then bodies (`_word_channel`).
_WordChannel = tuple[tuple[np.ndarray, np.ndarray], np.ndarray]


class SynonymError(ValueError):
    """A synonym the retriever cannot use; `term` says which, so the caller can name the file that holds it."""

    def __init__(self, term: str, problem: str) -> None:
        super().__init__(problem)
        self.term = term


def word_features(terms: Sequence[str], stem: Callable[[str], str]) -> list[str]:
    """Stemmed unigrams and bigrams of a term list."""
    words = [stem(word) for word in terms]
    return words + [f"{a} {b}" for a, b in itertools.pairwise(words)]


class TfidfRetriever:
    """Word and character TF-IDF over each entry's text, title and known phrasings; fit once, search often."""

    # Set on a calibration refit by its parent (`_uncalibrated`): the parent's normaliser, remembering its texts.
    _parent_normalizer: Normalizer | None = None

    def __init__(
        self,
        *,
        word_weight: float = 0.4,
        char_ngram_range: tuple[int, int] = (3, 5),
        body_weight: float = 0.6,
        coverage_power: float = 0.75,
        phrasing_votes: int = 2,
        off_topic_word_weight: float = 2.0,
        concept_dimensions: int = 50,
        concept_weight: float = 0.5,
        function_word_weight: float = 0.4,
        hub_power: float = HUB_POWER,
        stemmer: Stemmer | None = None,
        stop_words: frozenset[str] | None = None,
        calibrate: bool = True,
    ) -> None:
        """Store the parameters (scikit-learn's contract: nothing is computed before `fit`).

        - word_weight: share of the word channel (stemmed unigrams and bigrams) against character n-grams, which
          catch typos and word forms; 0.4 chosen by cross-validation over the knowledge's phrasings.
        - char_ngram_range: the character n-gram lengths (char_wb, within words).
        - body_weight: how much an entry's whole body counts against its best phrasing match (0.6, chosen by 5-fold
          cross-validation over the role knowledge's own phrasings).
        - coverage_power: the exponent on the share of the question's weight that the entry covers; 1 would punish
          every missing word fully, 0 would ignore coverage.
        - phrasing_votes: how many of an entry's best phrasing matches are averaged, so one lucky phrasing does not
          carry an entry on its own.
        - off_topic_word_weight: how many times a correctly spelt English word that the knowledge never uses counts
          against coverage ("pilot" in "how do I become a pilot").
        - concept_dimensions: dimensions of the latent semantic (LSA) space in which question and body must agree.
        - concept_weight: how much disagreement in that space can cut a score (0.5: at most halved; 0 turns it off).
        - function_word_weight: how much a function word of the stop list ("what", "my", "you") weighs in matching,
          against a content word of the same IDF. It never counts as one of the question's terms (coverage, the
          term count, the detail a question asks), but "what is your name" and "what is my name" differ in it.
          0 drops function words altogether, as a plain stop list would.
        - hub_power: how strongly an entry that is near most questions (a hub) is damped (`bot.core.hubness`);
          0 turns it off.
        - stemmer: reduces words to stems; Snowball English when None.
        - stop_words: the stop list, `bot.core.text.default_stop_words()` when None: its function words count at
          `function_word_weight`, the rest (chat filler) never.
        - calibrate: learn, at fit time, the confidence model that turns a search into P(the best hit is right)
          (`bot.core.calibration`); without it `SearchResults.confidence` is None and the gate never answers.
        """
        self.word_weight = word_weight
        self.char_ngram_range = char_ngram_range
        self.body_weight = body_weight
        self.coverage_power = coverage_power
        self.phrasing_votes = phrasing_votes
        self.off_topic_word_weight = off_topic_word_weight
        self.concept_dimensions = concept_dimensions
        self.concept_weight = concept_weight
        self.function_word_weight = function_word_weight
        self.hub_power = hub_power
        self.stemmer = stemmer
        self.stop_words = stop_words
        self.calibrate = calibrate

    def fit(self, knowledge: KnowledgeBase) -> Self:
        """Index the knowledge base: one row per phrasing of each entry, grouped by entry.

        The rows are what TfidfVectorizer (word features; char_wb n-grams) would make of the phrasings and entry
        bodies, computed from word ids: each distinct word is stemmed and cut into n-grams once.
        """
        if not knowledge.entries:
            raise ValueError("cannot fit a retriever on an empty knowledge base")
        self.stemmer_ = self.stemmer or Stemmer()
        stop_words = default_stop_words() if self.stop_words is None else self.stop_words
        self.function_words_ = stop_words & function_words() if self.function_word_weight > 0 else frozenset()
        self.normalizer_ = self._normalizer_for(knowledge.synonyms, stop_words - self.function_words_)
        if self.calibrate:
            self.normalizer_.remember()  # the calibration's refits normalise the same texts again
        self._check_synonym_terms(knowledge.synonyms)
        self.role_words_ = frozenset(word for role in knowledge.roles for word in self._content_words(role))
        self.entries_ = knowledge.entries
        corpus = _Corpus.build(knowledge.entries, self.normalizer_, self.role_words_, self.function_words_)
        if not corpus.has_content(self.function_words_):
            raise ValueError("empty vocabulary; perhaps the documents only contain stop words")
        self.owners_ = corpus.owners
        self.group_starts_ = np.flatnonzero(np.r_[True, self.owners_[1:] != self.owners_[:-1]])
        self.phrasing_counts_ = np.diff(np.r_[self.group_starts_, len(self.owners_)])
        # Entry x phrasing slot: each entry's phrasing rows, the last one repeated to fill the row.
        slots = np.minimum(np.arange(self.phrasing_counts_.max()), self.phrasing_counts_[:, None] - 1)
        self.phrasing_table_ = (self.group_starts_[:, None] + slots).astype(np.intp)
        self.phrasing_slots_ = np.arange(slots.shape[1]) < self.phrasing_counts_[:, None]  # the slots that are real
        # The best phrasing of every entry: np.maximum.reduceat costs about 27 ns an entry; window maxima (see
        # `_best_phrasings`) about 2 ns a phrasing and 4 ns an entry plus some 10 us: they win for many entries.
        by_windows = 1.6 * len(self.owners_) + 4 * len(self.entries_) + 10_000 < 27 * len(self.entries_)
        self.best_windows_ = self._phrasing_windows() if by_windows else None
        # The character index is the largest piece and mostly numpy/scipy work, which runs outside the GIL:
        # build it on a second thread while this one builds the word index and the speller.
        with ThreadPoolExecutor(max_workers=1) as pool:
            chars = pool.submit(self._fit_chars, corpus)
            word_t = self._fit_words(corpus)
            self._fit_concepts(word_t)
            self.word_t_ = Postings(word_t)  # laid out for search, once the concept space has been learnt
            self.speller_ = Speller(corpus.body_words(), dictionary=english_words())
            chars.result()
        self.hub_ = np.ones(len(self.entries_), dtype=np.float32)
        if self.hub_power > 0:
            self.hub_ = self._hub_factors()
        self.confidence_model_: ConfidenceModel | None = None
        if self.calibrate:
            try:
                self.confidence_model_ = learn_confidence(knowledge, self._uncalibrated)
            finally:
                self.normalizer_.forget()
        return self

    def _normalizer_for(self, synonyms: Mapping[str, Sequence[str]], stop_words: frozenset[str]) -> Normalizer:
        """The normaliser for this knowledge: the calibrating parent's when it has the same rules (a refit's case)."""
        shared = self._parent_normalizer
        if shared is not None and shared.same_rules(synonyms, stop_words, self.function_words_):
            return shared
        return Normalizer(synonyms, stop_words, self.function_words_)

    def _hub_factors(self) -> np.ndarray:
        """Each entry's hubness damping, from reference questions asked of the index (`bot.core.hubness`)."""
        rows = []
        for text, owner in reference_questions(self.entries_, offtopic_questions()):
            words = self.normalizer_.content_words(text)
            soft = self._soft_words(text)
            scored = self._specific(words, soft)
            if all(word in soft for word in scored):
                continue
            upper = self._upper_bounds(scored, soft)
            if owner >= 0:
                upper[owner] = 0.0
            rows.append(upper)
        return hub_factors(np.array(rows, dtype=np.float32).reshape(-1, len(self.entries_)), self.hub_power)

    def _upper_bounds(self, scored: list[str], soft: frozenset[str]) -> np.ndarray:
        """Every entry's score bound from its single best phrasing and its body, before coverage and hubness."""
        phrasing, body = self._channel_scores(scored, soft, self._word_channel(scored, soft)[1])
        return self._blend(self._best_phrasings(phrasing), body)

    def _uncalibrated(self) -> TfidfRetriever:
        """A retriever with the same parameters that does not calibrate (for calibration's own held-out index)."""
        params = {name: getattr(self, name) for name in self._PARAMETERS}
        refit = TfidfRetriever(**params, stemmer=self.stemmer_, calibrate=False)
        refit._parent_normalizer = self.normalizer_
        return refit

    _PARAMETERS = (
        "word_weight",
        "char_ngram_range",
        "body_weight",
        "coverage_power",
        "phrasing_votes",
        "off_topic_word_weight",
        "concept_dimensions",
        "concept_weight",
        "function_word_weight",
        "hub_power",
        "stop_words",
    )

    def _check_synonym_terms(self, synonyms: Mapping[str, Sequence[str]]) -> None:
        """Refuse a synonym whose term is only stop words, or one of whose variants is a single stop word.

        A term of stop words reads every variant as nothing; a variant that is one stop word ("it") rewrites that word
        in every question that has it ("is it on call" would ask about the term).
        """
        ignored = self.normalizer_.stop_words | self.function_words_
        for term, variants in synonyms.items():
            if variants and not self._content_words(term):
                raise SynonymError(
                    term,
                    f"synonym {term!r} is only words the retriever ignores as stop words, so {variants[0]!r} would "
                    "be read as nothing; choose a term with a content word (for instance the variant itself)",
                )
            for variant in variants:
                words = TOKEN.findall(fold(variant))
                if len(words) == 1 and words[0] in ignored:  # a phrase of them ("way up") is specific enough
                    raise SynonymError(
                        term,
                        f"synonym {term!r}: the variant {variant!r} is a stop word, so every question with "
                        f"{variant!r} in it would be read as asking about {term!r}; remove it, or write the variant "
                        "with the word it goes with (for instance 'it background')",
                    )

    def _fit_concepts(self, word_t: sparse.csr_matrix) -> None:
        """A latent semantic (LSA) space of the word features, and every entry's body in it.

        Words that occur in the same phrasings and bodies lie close together there, so a question and an entry that
        share few words can still be near. Learnt with TruncatedSVD (fixed seed) from an even sample of the
        documents and the most common features; a feature left out simply adds nothing to a question.
        """
        self.concept_position_: np.ndarray | None = None
        features, documents = word_t.shape
        dimensions = min(self.concept_dimensions, documents - 1, features - 1)
        if self.concept_weight <= 0 or dimensions < 1:
            return
        frequency = np.diff(word_t.indptr)
        kept = np.sort(np.argsort(-frequency, kind="stable")[:CONCEPT_FEATURES])
        sample = np.unique(np.linspace(0, documents - 1, min(documents, CONCEPT_SAMPLE_DOCUMENTS)).astype(np.int64))
        rows = word_t[kept]  # kept features x documents
        svd = TruncatedSVD(n_components=min(dimensions, len(kept) - 1, len(sample) - 1), random_state=0)
        with threadpool_limits(limits=1):  # one core: the character index is being built on the other
            svd.fit(rows[:, sample].T.tocsr())
        bodies = rows[:, len(self.owners_) :].T.tocsr()
        self.concept_axes_ = np.ascontiguousarray(svd.components_.T, dtype=np.float32)  # kept feature x dimension
        self.entry_concepts_ = normalize(svd.transform(bodies).astype(np.float32))
        self.concept_position_ = np.full(features, -1, dtype=np.int64)
        self.concept_position_[kept] = np.arange(len(kept))

    def concept_similarity(self, word_query: tuple[np.ndarray, np.ndarray], entries: np.ndarray) -> np.ndarray:
        """The cosine of the question and each entry's body in the concept space (0 when it cannot be placed)."""
        if self.concept_position_ is None:
            return np.zeros(len(entries), dtype=np.float32)
        features, weights = word_query
        positions = self.concept_position_[features]
        placed = positions >= 0
        query = weights[placed] @ self.concept_axes_[positions[placed]]
        norm = float(np.sqrt(np.dot(query, query)))
        if not norm:
            return np.zeros(len(entries), dtype=np.float32)
        return self.entry_concepts_[entries] @ (query / norm)

    def _fit_words(self, corpus: _Corpus) -> sparse.csr_matrix:
        """The stemmed unigram + bigram TF-IDF of the phrasings and bodies (returned); the words' IDF for coverage."""
        stems = self.stemmer_.stem_words(corpus.words)
        stem_numbers = Numbering()
        word_stem = np.fromiter(map(stem_numbers.__getitem__, stems), dtype=np.int64, count=len(stems))
        # Features sort as their strings do: a stem's unigram, then its bigrams "stem next" by the next stem.
        ordered = sorted(stem_numbers)
        self.stem_rank_ = {text: rank for rank, text in enumerate(ordered)}
        rank_of_number = np.empty(len(ordered), dtype=np.int64)
        rank_of_number[[stem_numbers[text] for text in ordered]] = np.arange(len(ordered))
        word_rank = rank_of_number[word_stem]
        self.stem_base_ = len(ordered) + 1
        if self.stem_base_**2 * corpus.documents >= 2**63:
            raise ValueError("knowledge too large for 64-bit word feature keys")
        self.word_keys_, counts_t = keyed_counts(self._word_occurrences(word_rank, corpus), corpus.documents)
        if not len(self.word_keys_):
            raise ValueError("empty vocabulary; perhaps the documents only contain stop words")
        idf = smooth_idf(row_document_frequency(counts_t), corpus.documents)
        word_t = weigh_columns(counts_t, idf)
        self.word_encoder_ = QueryEncoder(self._word_feature_indices, idf)
        unigrams = np.flatnonzero(self.word_keys_ % self.stem_base_ == 0)
        self.idf_ = {
            ordered[key]: float(value)
            for key, value in zip(
                (self.word_keys_[unigrams] // self.stem_base_).tolist(), idf[unigrams].tolist(), strict=True
            )
        }
        self.unknown_idf_ = float(idf.max())
        entry_stems = corpus.word_entries.astype(np.int64) * self.stem_base_ + word_rank[corpus.entry_words]
        self.entry_stem_keys_ = distinct(entry_stems)
        return word_t

    def _word_occurrences(self, word_rank: np.ndarray, corpus: _Corpus) -> np.ndarray:
        """Every unigram and in-document bigram as key * documents + document (keys sort as the features do)."""
        ranks, docs = word_rank[corpus.doc_words], corpus.word_docs
        same = np.flatnonzero(docs[1:] == docs[:-1])
        width = corpus.documents
        occurrences = np.empty(len(ranks) + len(same), dtype=np.int64)
        unigrams, bigrams = occurrences[: len(ranks)], occurrences[len(ranks) :]
        np.multiply(ranks, self.stem_base_ * width, out=unigrams)
        unigrams += docs
        np.multiply(ranks[same], self.stem_base_, out=bigrams)
        bigrams += ranks[same + 1] + 1
        bigrams *= width
        bigrams += docs[same]
        return occurrences

    def _word_feature_indices(self, terms: Sequence[str]) -> list[int]:
        """The word features of a term list (stemmed unigrams and bigrams) that the index knows, by column."""
        keys = self._word_keys([self.stem_rank_.get(self.stemmer_.stem(term)) for term in terms])
        if not keys:
            return []
        found, present = find_sorted(self.word_keys_, np.asarray(keys, dtype=np.int64))
        return found[present].tolist()

    def _word_keys(self, ranks: Sequence[int | None]) -> list[int]:
        """The feature keys of a list of stem ranks (None: a stem the index lacks): its unigrams, then its bigrams."""
        base = self.stem_base_
        keys = [rank * base for rank in ranks if rank is not None]
        keys += [a * base + b + 1 for a, b in itertools.pairwise(ranks) if a is not None and b is not None]
        return keys

    def _word_query(self, scored: list[str], soft: frozenset[str]) -> tuple[np.ndarray, np.ndarray]:
        """The question's word row, `word_encoder_.weights(scored)` with its function-word features lightened.

        Those are the features its content words alone do not make; stems and index look-ups serve both lists.
        """
        ranks = [self.stem_rank_.get(self.stemmer_.stem(term)) for term in scored]
        keys = self._word_keys(ranks)
        light = soft and any(word in soft for word in scored)
        content_keys = (
            self._word_keys([rank for rank, word in zip(ranks, scored, strict=True) if word not in soft])
            if light
            else []
        )
        if not keys:
            return self.word_encoder_.weigh([])
        found, present = find_sorted(self.word_keys_, np.asarray(keys + content_keys, dtype=np.int64))
        known = found[: len(keys)][present[: len(keys)]].tolist()
        if not light:
            return self.word_encoder_.weigh(known)
        content = found[len(keys) :][present[len(keys) :]].tolist()
        return self._light_row(self.word_encoder_, Counter(known), set(known).difference(content))

    def _light_row(
        self, encoder: QueryEncoder, counts: Mapping[int, int], light: set[int]
    ) -> tuple[np.ndarray, np.ndarray]:
        """The query row of these feature counts with the `light` features lightened (`_lighten`)."""
        row = encoder.weigh_counts(counts)
        if not light:
            return row
        return self._lighten(row, np.array([feature in light for feature in row[0].tolist()], dtype=bool))

    def _char_feature_indices(self, terms: Sequence[str]) -> list[int]:
        """The char_wb n-grams of a term list that the index knows, by column (each word's looked up once)."""
        indices: list[int] = []
        for term in terms:
            indices += self._term_columns(term)
        return indices

    def _term_columns(self, term: str) -> tuple[int, ...]:
        """The known char_wb n-gram columns of one term, word by word (each word's cached)."""
        columns: tuple[int, ...] = ()
        for word in term.split():
            grams = self._word_grams.get(word)
            if grams is None:
                if len(self._word_grams) > 100_000:
                    self._word_grams.clear()
                known = (self.char_columns_.get(gram) for gram in char_wb_ngrams(word, self.char_ngram_range))
                grams = self._word_grams[word] = tuple(column for column in known if column is not None)
            columns += grams
        return columns

    def _fit_chars(self, corpus: _Corpus) -> None:
        """The char_wb n-gram TF-IDF of the phrasings and bodies: document x word counts times word x n-gram counts."""
        used = np.flatnonzero(np.bincount(corpus.doc_words, minlength=len(corpus.words)))
        row_of_word = np.full(len(corpus.words), -1, dtype=np.int32)
        row_of_word[used] = np.arange(len(used))
        grams_t, vocabulary = ngram_counts_t([corpus.words[i] for i in used.tolist()], self.char_ngram_range)
        # One product per kind of document: each has a smaller working set than both at once.
        split = np.searchsorted(corpus.word_docs, corpus.phrasings)
        rows, docs = row_of_word[corpus.doc_words], corpus.word_docs
        phrasing_t = grams_t @ counts_t(rows[:split], docs[:split], len(used), corpus.phrasings)
        body_t = grams_t @ counts_t(rows[split:], docs[split:] - corpus.phrasings, len(used), corpus.entries)
        idf = smooth_idf(row_document_frequency(phrasing_t) + row_document_frequency(body_t), corpus.documents)
        self.phrasing_char_t_ = Postings(weigh_columns(phrasing_t, idf))
        self.body_char_t_ = Postings(weigh_columns(body_t, idf))
        self.char_columns_ = feature_index(vocabulary)
        self._word_grams: dict[str, tuple[int, ...]] = {}
        self.char_encoder_ = QueryEncoder(self._char_feature_indices, idf)

    def terms(self, text: str) -> list[str]:
        """Content words, leaving out the role's own name (it is in every entry) unless that is all there is."""
        return self._specific(self._content_words(text))

    def _content_words(self, text: str) -> list[str]:
        """The text's words without stop words of either kind (function words written as a name kept)."""
        soft = self._soft_words(text)
        return [word for word in self.normalizer_.content_words(text) if word not in soft]

    def index_terms(self, text: str) -> list[str]:
        """The words the index reads in a text: its content words and its function words, as `terms` leaves them."""
        words = self.normalizer_.content_words(text)
        return self._specific(words, self._soft_words(text))

    def _soft_words(self, text: str) -> frozenset[str]:
        """The function words that count lightly (one written as a name, "IT", is read as a word of its own)."""
        return self.function_words_

    def _specific(self, words: list[str], soft: frozenset[str] = frozenset()) -> list[str]:
        """The words without the role's own, unless the role's words are all the content (non-`soft`) there is."""
        if all(word in self.role_words_ or word in soft for word in words):
            return words
        return [word for word in words if word not in self.role_words_]

    def query_terms(self, query: str) -> list[str]:
        """The question's terms with misspellings corrected to words the knowledge uses (unknown ones kept)."""
        return self._corrected(self.terms(query))

    def _corrected(self, terms: list[str], soft: frozenset[str] = frozenset()) -> list[str]:
        return [word if word in soft else self.speller_.correct(word) or word for word in terms]

    def coverage(self, terms: Sequence[str], entries: np.ndarray, soft: frozenset[str] = frozenset()) -> np.ndarray:
        """The share of the question's weight (IDF) that each entry's words account for.

        A function word (in `soft`) weighs `function_word_weight` times its IDF, and nothing when the knowledge
        never uses it.
        A word the knowledge never uses weighs as much as its rarest word; a correctly spelt English word the
        knowledge never uses ("pilot", "dentist") weighs `off_topic_word_weight` times that, because it says the
        question is about something else, where an unknown typo or code says little. The covered weights are added
        in the question's order, a running sum per entry (as Python's sum would).
        """
        stems = [self.stemmer_.stem(term) for term in terms]
        off_topic = self.unknown_idf_ * self.off_topic_word_weight
        dictionary = self.speller_.dictionary
        weights = [
            self.idf_.get(word, 0.0) * self.function_word_weight
            if term in soft
            else self.idf_.get(word, off_topic if term in dictionary else self.unknown_idf_)
            for word, term in zip(stems, terms, strict=True)
        ]
        total = sum(weights)
        known = [(self.stem_rank_.get(word), weight) for word, weight in zip(stems, weights, strict=True)]
        known = [(rank, weight) for rank, weight in known if rank is not None]
        if not total or not known:
            return np.zeros(len(entries))
        keys = entries.astype(np.int64)[:, None] * self.stem_base_ + np.array([rank for rank, _ in known])
        _, present = find_sorted(self.entry_stem_keys_, keys)
        covered = np.where(present, np.array([weight for _, weight in known]), 0.0)
        return np.add.accumulate(covered, axis=1)[:, -1] / total

    def _word_channel(
        self, scored: list[str], soft: frozenset[str], earlier: _WordChannel | None = None
    ) -> _WordChannel:
        """The question's word row and its word scores (phrasings, then bodies), weighed by `word_weight`.

        `earlier` is another list's (the same question's, with its detail words): where the rows are the same, so
        are the scores, and they are not computed again.
        """
        word_query = self._word_query(scored, soft)
        if earlier is not None and all(map(np.array_equal, word_query, earlier[0])):
            return word_query, earlier[1]
        words = self.word_t_.product(*word_query)
        words *= self.word_weight  # in place, the float32 w * words of the blend below
        return word_query, words

    def _channel_scores(
        self, scored: list[str], soft: frozenset[str], words: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Similarity of the question to every phrasing and to every entry's whole body (words and characters).

        `words` are the word channel's scores (`_word_channel`), read only.
        """
        split = len(self.owners_)
        heavy: list[int] = []
        light: list[int] = []
        for word in scored:
            (light if word in soft else heavy).extend(self._term_columns(word))
        counts = Counter(heavy)
        if light:
            counts.update(light)
            char_q = self._light_row(self.char_encoder_, counts, set(light).difference(heavy))
        else:
            char_q = self.char_encoder_.weigh_counts(counts)
        # In place, the same float32 operations as w * words + (1 - w) * chars.
        w = self.word_weight
        phrasing = self.phrasing_char_t_.product(*char_q)
        phrasing *= 1 - w
        phrasing += words[:split]
        body = self.body_char_t_.product(*char_q)
        body *= 1 - w
        body += words[split:]
        return phrasing, body

    def _phrasing_windows(self) -> list[tuple[int, np.ndarray | None, np.ndarray, np.ndarray]]:
        """For `_best_phrasings`: the entries by the largest power of two `length` within their phrasing count.

        Each group: its length, its entries (None: all of them), and where each entry's first and last window of
        that length starts. Groups come shortest first.
        """
        counts, starts = self.phrasing_counts_, self.group_starts_
        lengths = np.ones_like(counts)
        while (longer := lengths * 2 <= counts).any():
            lengths = np.where(longer, lengths * 2, lengths)
        windows: list[tuple[int, np.ndarray | None, np.ndarray, np.ndarray]] = []
        for length in np.unique(lengths).tolist():
            entries = np.flatnonzero(lengths == length)
            first = starts[entries].astype(np.intp)
            last = first + counts[entries] - length
            windows.append((length, None if len(entries) == len(counts) else entries, first, last))
        return windows

    def _best_phrasings(self, phrasing: np.ndarray) -> np.ndarray:
        """Each entry's best phrasing score (an entry's phrasing rows are consecutive).

        On a large index, from window maxima: the maximum of every run of 1, 2, 4, ... phrasings comes from the
        previous length's by one np.maximum over the whole row, and an entry's best is the larger of its first and
        last window of the longest length that fits in its count (they overlap, and cover all its phrasings).
        Maxima do not round, so these are the same numbers as a maximum phrasing by phrasing.
        """
        if self.best_windows_ is None:
            return np.maximum.reduceat(phrasing, self.group_starts_)
        best = np.empty(len(self.group_starts_), dtype=phrasing.dtype)
        window_max, width = phrasing, 1
        for length, entries, first, last in self.best_windows_:
            while width < length:
                window_max = np.maximum(window_max[:-width], window_max[width:])
                width *= 2
            maxima = np.maximum(window_max[first], window_max[last])
            if entries is None:
                return maxima
            best[entries] = maxima
        return best

    def _lighten(self, row: tuple[np.ndarray, np.ndarray], is_light: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """A query row with the features marked in `is_light` weighed at `function_word_weight`, l2-normalised again."""
        features, weights = row
        weights = np.where(is_light, weights * self.function_word_weight, weights)
        norm = float(np.sqrt(np.dot(weights, weights)))
        return features, (weights / norm if norm else weights).astype(weights.dtype)

    def _blend(self, phrasings: np.ndarray | float, body: np.ndarray | float) -> np.ndarray | float:
        """An entry's score from its phrasing matches and its body match."""
        return (1 - self.body_weight) * np.maximum(phrasings, body) + self.body_weight * body

    def _mean_of_best(self, phrasing: np.ndarray, entries: np.ndarray, best: np.ndarray) -> np.ndarray:
        """The mean of each entry's best `phrasing_votes` phrasing matches (fewer if it has fewer phrasings).

        Added best first in float32: for up to two votes the same bits as the sum of np.partition's picks. `best` is
        every entry's best phrasing score (`_best_phrasings`).
        """
        counts = self.phrasing_counts_[entries]
        if 1 <= self.phrasing_votes <= 2:  # the best plus, where there are two votes, the runner-up
            first = best[entries]
            if self.phrasing_votes == 1 or self.phrasing_table_.shape[1] == 1:
                return first  # divided by one vote
            scores = np.where(self.phrasing_slots_[entries], phrasing[self.phrasing_table_[entries]], -np.inf)
            scores.sort(axis=1)  # the runner-up is the second largest, counted with repeats (-inf with one phrasing)
            votes = np.minimum(counts, self.phrasing_votes)
            return np.where(votes > 1, first + scores[:, -2], first) / votes.astype(phrasing.dtype)
        slots = np.arange(self.phrasing_table_.shape[1])
        scores = np.where(slots < counts[:, None], phrasing[self.phrasing_table_[entries]], -np.inf)
        best_first = -np.sort(-scores, axis=1)
        votes = np.minimum(counts, self.phrasing_votes)
        total = best_first[:, 0]
        for vote in range(1, min(self.phrasing_votes, best_first.shape[1])):
            total = np.where(vote < votes, total + best_first[:, vote], total)
        return total / votes.astype(phrasing.dtype)

    def search(self, query: str, k: int = 5) -> SearchResults:
        """Return the k best entries for the question, best first (empty when nothing matches at all).

        Every entry gets an upper bound from its single best phrasing; only the leading ones are scored exactly
        (the mean of their best phrasings, then weighted by how much of the question they cover). A calibrated
        retriever adds its confidence that the best hit is right and, when the question has words the knowledge
        never uses, the search for its topic without them.
        """
        words = self.normalizer_.content_words(query)  # normalised once for every use below
        soft = self._soft_words(query)
        scored = self._corrected(self._specific(words, soft), soft)
        terms = [word for word in scored if word not in soft]
        if not terms:
            return SearchResults(query=query, hits=())
        names_role = self._names_role(words)
        word_channel = self._word_channel(scored, soft)
        results = self._search_terms(query, scored, soft, names_role, k, word_channel)
        model = self.confidence_model_
        if model is None or not results.hits:
            return results
        results = replace(results, confidence=round(model.probability(results), 4))
        details = self.detail_terms(terms)
        topic_terms = [term for term in terms if term not in details]
        if details and topic_terms:
            topic_scored = [word for word in scored if word not in details]
            topic_words = self._word_channel(topic_scored, soft, word_channel)  # mostly the question's own
            topic = self._search_terms(query, topic_scored, soft, names_role, k, topic_words)
            if topic.hits:
                topic = replace(topic, confidence=round(model.probability(topic), 4))
            results = replace(results, detail_terms=details, topic=topic)
        return results

    def detail_terms(self, terms: Sequence[str]) -> tuple[str, ...]:
        """The question's correctly spelt English words that the knowledge never uses ("pass mark", "salary")."""
        dictionary = self.speller_.dictionary
        return tuple(
            dict.fromkeys(
                term for term in terms if term in dictionary and self.stemmer_.stem(term) not in self.stem_rank_
            )
        )

    def _search_terms(
        self, query: str, scored: list[str], soft: frozenset[str], names_role: bool, k: int, words: _WordChannel
    ) -> SearchResults:
        """Rank the entries for a list of (corrected) words, of which those in `soft` are function words.

        `words` is the list's word channel (`_word_channel`).
        """
        terms = [word for word in scored if word not in soft]
        word_query = words[0]
        phrasing, body = self._channel_scores(scored, soft, words[1])
        best = self._best_phrasings(phrasing)
        upper = self._blend(best, body)
        if self.hub_power > 0:
            upper *= self.hub_
        depth = min(max(k, 10) * 4, len(upper))
        candidates = (-upper).argpartition(depth - 1)[:depth]
        candidates = candidates[upper[candidates] > 0]
        exact = self._blend(self._mean_of_best(phrasing, candidates, best), body[candidates])
        coverage = self.coverage(scored, candidates, soft)
        concepts = np.clip(self.concept_similarity(word_query, candidates), 0.0, 1.0)
        agreement = (1 - self.concept_weight) + self.concept_weight * concepts
        power = self.coverage_power
        ids, shares, concept_list = candidates.tolist(), coverage.tolist(), concepts.tolist()
        scores = [
            score * share**power * agree
            for score, share, agree in zip(exact.tolist(), shares, agreement.tolist(), strict=True)
        ]
        if self.hub_power > 0:  # otherwise every hub factor is 1
            scores = [score * hub for score, hub in zip(scores, self.hub_[candidates].tolist(), strict=True)]
        ranked = sorted(zip([-score for score in scores], ids, strict=True))  # best first, then by entry
        kept = [(-negated, i) for negated, i in ranked[:k] if negated < 0]
        if not kept:
            return SearchResults(query=query, hits=(), term_count=len(terms), names_role=names_role)
        place = {entry: position for position, entry in enumerate(ids)}
        leaders = np.array([i for _, i in kept])
        kinship = self._kinship(leaders)
        hits = tuple(
            Hit(
                self.entries_[i],
                round(score, 4),
                coverage=round(shares[place[i]], 4),
                concept=round(concept_list[place[i]], 4),
                kinship=round(kin, 4),
            )
            for (score, i), kin in zip(kept, kinship.tolist(), strict=True)
        )
        votes = self._votes(phrasing, self._nearest_phrasings(phrasing, candidates, best), kept[0][1])
        channels = self._channel_agreement(kept[0][1], candidates, best, body, coverage, agreement)
        return SearchResults(
            query=query, hits=hits, term_count=len(terms), names_role=names_role, votes=votes, channels=channels
        )

    def _channel_agreement(
        self,
        best: int,
        candidates: np.ndarray,
        best_phrasing: np.ndarray,
        body: np.ndarray,
        coverage: np.ndarray,
        agreement: np.ndarray,
    ) -> float:
        """The share of single-evidence rankings (best phrasing, body, coverage, concept) that also put `best` first.

        Independent kinds of evidence that agree make a right answer likely; where they split, the ranking is a blend
        of disagreeing signals and more often wrong.
        """
        firsts = [
            best_phrasing[candidates].argmax(),
            body[candidates].argmax(),
            coverage.argmax(),
            agreement.argmax(),
        ]
        return sum(candidates[first] == best for first in firsts) / len(firsts)

    def _votes(self, phrasing: np.ndarray, nearest: np.ndarray, best: int) -> float:
        """The best entry's share of the summed similarity of the question's closest phrasings (`nearest`).

        A nearest-neighbour vote: where the closest phrasings belong to several entries, the ranking is a close call.
        """
        weights = np.maximum(phrasing[nearest], 0)
        total = float(weights.sum())
        return float(weights[self.owners_[nearest] == best].sum()) / total if total > 0 else 0.0

    def _nearest_phrasings(self, phrasing: np.ndarray, candidates: np.ndarray, best: np.ndarray) -> np.ndarray:
        """The question's `NEIGHBOUR_PHRASINGS` closest phrasings, as np.argpartition of all of them picks them.

        On a large index: the candidates' best phrasings are as many distinct phrasings, so the closest ones score at
        least the fifth best of those, and only the phrasings at or above it are sorted (a partial sort of every
        phrasing costs 2 ms at 100k entries). They come closest first, which is the order np.argpartition leaves five
        in (numpy 2 on x86; the vote adds them in that order). Where a tie crosses the cut, np.argpartition chooses.
        """
        depth = min(NEIGHBOUR_PHRASINGS, len(phrasing))
        if len(phrasing) >= BOUNDED_NEAREST_PHRASINGS and len(candidates) >= depth:
            chosen = best[candidates]
            bound = chosen[(-chosen).argpartition(depth - 1)[depth - 1]]  # the fifth best of the candidates' best
            if bound > 0:
                near = (phrasing >= bound).nonzero()[0]
                values = phrasing[near]
                order = (-values).argsort(kind="stable")
                if len(near) == depth or values[order[depth - 1]] != values[order[depth]]:
                    return near[order[:depth]]
        return (-phrasing).argpartition(depth - 1)[:depth]

    def _kinship(self, leaders: np.ndarray) -> np.ndarray:
        """The concept-space cosine of each leading entry's body with the first one's (1 for the first)."""
        if self.concept_position_ is None:
            return np.r_[1.0, np.zeros(len(leaders) - 1)]
        vectors = self.entry_concepts_[leaders]
        return np.clip(vectors @ vectors[0], 0.0, 1.0)

    def _names_role(self, words: list[str]) -> bool:
        return len(self.role_words_.intersection(words)) >= min(2, len(self.role_words_))


@dataclass(frozen=True)
class _Corpus:
    """The knowledge as word ids: each phrasing's and each entry body's words (role words dropped), by document."""

    words: list[str]
    entries: int
    phrasings: int
    owners: np.ndarray
    doc_words: np.ndarray  # every document's words in order: the phrasings', then the bodies'
    word_docs: np.ndarray  # the document of each: phrasing rows first, then entry bodies from `phrasings` on
    entry_words: np.ndarray
    word_entries: np.ndarray

    @property
    def documents(self) -> int:
        """Phrasings and bodies."""
        return self.phrasings + self.entries

    def body_words(self) -> list[str]:
        """The distinct words of the entries' whole texts, role words included: what the speller may correct to.

        Not every word of `words`: where a synonym variant spans two parts of an entry, normalising a title alone
        can leave a word that the entry's whole text does not have.
        """
        return [self.words[i] for i in np.unique(self.entry_words).tolist()]

    def has_content(self, function_words: frozenset[str]) -> bool:
        """Whether any document has a word that is not a function word."""
        return any(word not in function_words for word in (self.words[i] for i in np.unique(self.doc_words).tolist()))

    @classmethod
    def build(
        cls,
        entries: Sequence[Entry],
        normalizer: Normalizer,
        role_words: frozenset[str],
        function_words: frozenset[str] = frozenset(),
    ) -> _Corpus:
        """Normalise every phrasing (title, questions) and every entry's whole text (`Entry.searchable_text`).

        Where normalising piece by piece is exact, each part of an entry is normalised once and its body is the
        parts' words in `Entry.searchable_text` order. Each document keeps its words without the role's own unless they
        are all the content (non-function) words it has (`TfidfRetriever._specific`).
        """
        texts: list[str] = []
        phrasing_of: list[int] = []  # the phrasing row each text is, or -1
        body_of: list[int] = []  # the entry whose body each text is part of, or -1
        row = 0
        for index, entry in enumerate(entries):
            count = 1 + len(entry.questions)
            if normalizer.splits_at_whitespace:
                texts += [entry.title, entry.text, *entry.questions, *entry.tags]
                phrasing_of += [row, -1, *range(row + 1, row + count), *[-1] * len(entry.tags)]
                body_of += [index] * (1 + count + len(entry.tags))
            else:
                texts += [entry.title, *entry.questions, entry.searchable_text]
                phrasing_of += [*range(row, row + count), -1]
                body_of += [-1] * count + [index]
            row += count
        words, ids, offsets = normalizer.number_words(texts)
        word_text = np.repeat(np.arange(len(texts), dtype=np.int32), np.diff(offsets))
        word_phrasing = np.array(phrasing_of, dtype=np.int32)[word_text]
        word_entry = np.array(body_of, dtype=np.int32)[word_text]
        del word_text
        in_phrasing, in_body = word_phrasing >= 0, word_entry >= 0
        specific = ~np.array([word in role_words for word in words], dtype=bool)[ids]
        content = specific & ~np.array([word in function_words for word in words], dtype=bool)[ids]
        phrasing_specific = np.bincount(word_phrasing[in_phrasing & content], minlength=row) > 0
        body_specific = np.bincount(word_entry[in_body & content], minlength=len(entries)) > 0
        kept_phrasing = in_phrasing & (specific | ~phrasing_specific[np.maximum(word_phrasing, 0)])
        kept_body = in_body & (specific | ~body_specific[np.maximum(word_entry, 0)])
        return cls(
            words=words,
            entries=len(entries),
            phrasings=row,
            owners=np.repeat(np.arange(len(entries)), [1 + len(entry.questions) for entry in entries]),
            doc_words=np.concatenate([ids[kept_phrasing], ids[kept_body]]),
            word_docs=np.concatenate([word_phrasing[kept_phrasing], word_entry[kept_body] + row]),
            entry_words=ids[in_body],
            word_entries=word_entry[in_body],
        )
