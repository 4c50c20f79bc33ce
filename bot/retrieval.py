"""TF-IDF retrieval over knowledge entries, and the confidence gate that decides answer, suggest or abstain."""

from __future__ import annotations

import functools
import itertools
import re
import unicodedata
from array import array
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from enum import StrEnum
from typing import Self

import numpy as np
import snowballstemmer
from scipy import sparse
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS
from spellchecker import SpellChecker
from threadpoolctl import threadpool_limits

from bot.knowledge import Entry, KnowledgeBase
from bot.tfidf import (
    DTYPE,
    Numbering,
    QueryEncoder,
    char_wb_ngrams,
    keyed_counts,
    ngram_counts_t,
    product,
    ragged_positions,
    row_document_frequency,
    smooth_idf,
    weigh_columns,
)

# Words scikit-learn calls stop words that carry meaning in questions about a job.
_MEANINGFUL = {"system", "full", "top", "part", "first", "become", "move", "back"}
# Chat filler: words members add to any question that say nothing about which passage they want.
_FILLER = {
    "s",
    "t",
    "d",
    "ll",
    "ve",
    "re",
    "m",
    "don",
    "doesn",
    "isn",
    "aren",
    "didn",
    "won",
    "can",
    "u",
    "ur",
    "r",
    "im",
    "ive",
    "id",
    "dont",
    "doesnt",
    "isnt",
    "arent",
    "didnt",
    "wont",
    "cant",
    "thats",
    "whats",
    "hows",
    "whos",
    "need",
    "needs",
    "know",
    "want",
    "wanna",
    "gonna",
    "gotta",
    "tell",
    "like",
    "just",
    "really",
    "actually",
    "basically",
    "literally",
    "usually",
    "typically",
    "lol",
    "lmao",
    "pls",
    "plz",
    "please",
    "thing",
    "things",
    "stuff",
    "kinda",
    "sorta",
    "ok",
    "okay",
    "guys",
    "yeah",
    "yes",
    "nah",
    "bro",
    "dude",
    "hey",
    "hi",
    "ask",
    "question",
    "questions",
    "wondering",
    "curious",
    "mean",
    "means",
    "get",
    "got",
    "gets",
    "say",
    "says",
    "said",
    "thanks",
    "thx",
    "tbh",
    "imo",
    "idk",
    "btw",
    "anyway",
    "ya",
    "yo",
    "going",
    "coming",
    "make",
    "makes",
    "set",
    "help",
    "lot",
    "lots",
    "kind",
    "sort",
    "way",
    "ways",
    "good",
    "bad",
    "new",
    "old",
    "big",
    "little",
    "different",
}
STOP_WORDS = frozenset(ENGLISH_STOP_WORDS - _MEANINGFUL) | _FILLER
TOKEN = re.compile(r"[a-z0-9]+(?::[a-z0-9]+)?")

SPELLER_NGRAMS = (2, 3)
# The concept space is learnt from at most this many phrasings and bodies and the most common word features: past
# that, a larger sample changes little and would cost the index build seconds at 100k entries.
CONCEPT_SAMPLE_DOCUMENTS = 5_000
CONCEPT_FEATURES = 1 << 15

_stemmer = snowballstemmer.stemmer("english")


@functools.lru_cache(maxsize=1 << 18)
def stem(word: str) -> str:
    """Snowball-stem one lowercase word, so 'certifications' and 'certification' meet."""
    return _stemmer.stemWord(word)


class Normalizer:
    """Folds text to lowercase ASCII-ish words and rewrites members' variants into the page's terms."""

    def __init__(self, synonyms: Mapping[str, Sequence[str]]) -> None:
        self.synonyms = {term: tuple(variants) for term, variants in synonyms.items()}
        pairs = sorted(
            ((variant, term) for term, variants in self.synonyms.items() for variant in variants),
            key=lambda pair: -len(pair[0]),
        )
        self._replacement = {variant: term for variant, term in pairs}
        self._spans_whitespace = any(char.isspace() for variant, _ in pairs for char in variant)
        alternatives = "|".join(re.escape(variant) for variant, _ in pairs)
        self._pattern = re.compile(rf"(?<![\w:])(?:{alternatives})(?![\w:])") if pairs else None

    def fold(self, text: str) -> str:
        """Lowercase, strip accents and unify quotes and dashes."""
        if text.isascii():
            return text.lower()
        text = unicodedata.normalize("NFKD", text.casefold())
        text = "".join(ch for ch in text if not unicodedata.combining(ch))
        return text.replace("\u2019", "'").replace("\u2013", "-").replace("\u2014", " - ")

    def __call__(self, text: str) -> str:
        """Return the folded text with every synonym variant replaced by its canonical term."""
        text = self.fold(text)
        if self._pattern is not None:
            text = self._pattern.sub(lambda match: self._replacement[match.group(0)], text)
        return text

    def content_words(self, text: str) -> list[str]:
        """The words that carry meaning: normalised, without stop words."""
        return [word for word in TOKEN.findall(self(text)) if word not in STOP_WORDS]

    @property
    def splits_at_whitespace(self) -> bool:
        """Whether normalising text piece by piece, split at whitespace, gives the words of the whole text.

        Words never span whitespace, so it does unless a synonym variant has a space in it ("tech lead").
        """
        return not self._spans_whitespace

    def number_words(self, texts: Sequence[str]) -> tuple[list[str], np.ndarray, np.ndarray]:
        """Every text's content words as numbers: the distinct words, all texts' ids in one array, and offsets.

        Equal to `content_words` text by text. Where `splits_at_whitespace`, each distinct whitespace-separated chunk
        ("Kubernetes," "node?") is normalised once for the whole corpus.
        """
        words = Numbering()
        if not self.splits_at_whitespace:
            ids = array("i")
            offsets = []
            for text in texts:
                ids.extend(map(words.__getitem__, self.content_words(text)))
                offsets.append(len(ids))
            return list(words), np.frombuffer(ids, dtype=np.int32), np.array([0, *offsets], dtype=np.int64)
        chunks = Numbering()
        chunk_ids = array("i")
        chunk_ends = []
        for text in texts:
            chunk_ids.extend(map(chunks.__getitem__, text.split()))
            chunk_ends.append(len(chunk_ids))
        flat_words = array("i")  # flat arrays, not a list per chunk: fewer objects for the garbage collector
        chunk_lengths = []
        for chunk in chunks:
            found = self.content_words(chunk)
            flat_words.extend(map(words.__getitem__, found))
            chunk_lengths.append(len(found))
        lengths = np.array(chunk_lengths, dtype=np.int32)
        flat = np.frombuffer(flat_words, dtype=np.int32)
        used = np.frombuffer(chunk_ids, dtype=np.int32)
        used_lengths = lengths[used]
        if lengths.max(initial=0) <= 1:  # the usual case: a chunk is one word or none ("the", "-")
            ids = flat[(np.cumsum(lengths) - 1)[used[used_lengths == 1]]]
        else:
            ids = flat[ragged_positions((np.cumsum(lengths) - lengths)[used], used_lengths)]
        offsets = np.r_[0, np.cumsum(used_lengths, dtype=np.int64)][np.array([0, *chunk_ends], dtype=np.int64)]
        return list(words), ids, offsets


@dataclass(frozen=True)
class Hit:
    """An entry and how well it matches the question (0..1)."""

    entry: Entry
    score: float


@dataclass(frozen=True)
class SearchResults:
    """Ranked hits for one question, best first."""

    query: str
    hits: tuple[Hit, ...]
    term_count: int = 0
    names_role: bool = False

    @property
    def best(self) -> Hit | None:
        """The top hit, if any."""
        return self.hits[0] if self.hits else None

    @property
    def margin(self) -> float:
        """How far the top hit is ahead of the runner-up."""
        if not self.hits:
            return 0.0
        runner_up = self.hits[1].score if len(self.hits) > 1 else 0.0
        return self.hits[0].score - runner_up


def edit_distance(a: str, b: str) -> int:
    """Optimal-string-alignment distance: insertions, deletions, substitutions and adjacent swaps."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, start=1):
        current = [i] + [0] * len(b)
        for j, char_b in enumerate(b, start=1):
            cost = char_a != char_b
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and char_a == b[j - 2] and a[i - 2] == char_b:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[-1]


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
        self._index_t: sparse.csr_matrix | None = None
        self._encoder: QueryEncoder | None = None
        if self.lexicon:
            # TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 3), sublinear_tf=True) over the words, transposed
            counts_t, grams = ngram_counts_t([word.lower() for word in self.lexicon], SPELLER_NGRAMS)
            idf = smooth_idf(row_document_frequency(counts_t), len(self.lexicon))
            self._index_t = weigh_columns(counts_t, idf)
            self._encoder = QueryEncoder.for_vocabulary(
                _char_wb_analyzer(SPELLER_NGRAMS, str.lower), _index(grams), idf
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
        similarity = product(*self._encoder.weights(word), self._index_t)
        allowed = 1 if len(word) < 9 else 2
        candidates = [int(i) for i in np.argsort(-similarity)[:20] if similarity[i] > 0]
        scored = sorted(
            (edit_distance(word, self.lexicon[i]), self.lexicon[i])
            for i in candidates
            if self.lexicon[i][0] == word[0] and abs(len(self.lexicon[i]) - len(word)) <= 1
        )
        if scored and scored[0][0] <= allowed and (len(scored) == 1 or scored[1][0] > scored[0][0]):
            return scored[0][1]
        return None


class TfidfRetriever:
    """Word and character TF-IDF over each entry's text, title and known phrasings; fit once, search often."""

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
    ) -> None:
        self.word_weight = word_weight
        self.char_ngram_range = char_ngram_range
        self.body_weight = body_weight
        self.coverage_power = coverage_power
        self.phrasing_votes = phrasing_votes
        self.off_topic_word_weight = off_topic_word_weight
        self.concept_dimensions = concept_dimensions
        self.concept_weight = concept_weight

    def fit(self, knowledge: KnowledgeBase) -> Self:
        """Index the knowledge base: one row per phrasing of each entry, grouped by entry.

        The rows are what TfidfVectorizer (word features; char_wb n-grams) would make of the phrasings and entry
        bodies, computed from word ids: each distinct word is stemmed and cut into n-grams once.
        """
        if not knowledge.entries:
            raise ValueError("cannot fit a retriever on an empty knowledge base")
        self.normalizer_ = Normalizer(knowledge.synonyms)
        self._check_synonym_terms(knowledge.synonyms)
        self.role_words_ = frozenset(word for role in knowledge.roles for word in self.normalizer_.content_words(role))
        self.entries_ = knowledge.entries
        corpus = _Corpus.build(knowledge.entries, self.normalizer_, self.role_words_)
        self.owners_ = corpus.owners
        self.group_starts_ = np.flatnonzero(np.r_[True, self.owners_[1:] != self.owners_[:-1]])
        self.phrasing_counts_ = np.diff(np.r_[self.group_starts_, len(self.owners_)])
        # Entry x phrasing slot: each entry's phrasing rows, the last one repeated to fill the row.
        slots = np.minimum(np.arange(self.phrasing_counts_.max()), self.phrasing_counts_[:, None] - 1)
        self.phrasing_table_ = (self.group_starts_[:, None] + slots).astype(np.int32)
        # The character index is the largest piece and mostly numpy/scipy work, which runs outside the GIL:
        # build it on a second thread while this one builds the word index and the speller.
        with ThreadPoolExecutor(max_workers=1) as pool:
            chars = pool.submit(self._fit_chars, corpus)
            self._fit_words(corpus)
            self._fit_concepts()
            self.speller_ = Speller(corpus.body_words(), dictionary=english_words())
            chars.result()
        return self

    def _check_synonym_terms(self, synonyms: Mapping[str, Sequence[str]]) -> None:
        """Refuse a synonym whose term is only stop words: every variant would vanish from questions unread."""
        for term, variants in synonyms.items():
            if variants and not self.normalizer_.content_words(term):
                raise ValueError(
                    f"synonym {term!r} is only words the retriever ignores as stop words, so {variants[0]!r} would "
                    "be read as nothing; choose a term with a content word (for instance the variant itself)"
                )

    def _fit_concepts(self) -> None:
        """A latent semantic (LSA) space of the word features, and every entry's body in it.

        Words that occur in the same phrasings and bodies lie close together there, so a question and an entry that
        share few words can still be near. Learnt with TruncatedSVD (fixed seed) from an even sample of the
        documents and the most common features; a feature left out simply adds nothing to a question.
        """
        self.concept_position_: np.ndarray | None = None
        features, documents = self.word_t_.shape
        dimensions = min(self.concept_dimensions, documents - 1, features - 1)
        if self.concept_weight <= 0 or dimensions < 1:
            return
        frequency = np.diff(self.word_t_.indptr)
        kept = np.sort(np.argsort(-frequency, kind="stable")[:CONCEPT_FEATURES])
        sample = np.unique(np.linspace(0, documents - 1, min(documents, CONCEPT_SAMPLE_DOCUMENTS)).astype(np.int64))
        rows = self.word_t_[kept]  # kept features x documents
        svd = TruncatedSVD(n_components=min(dimensions, len(kept) - 1, len(sample) - 1), random_state=0)
        with threadpool_limits(limits=1):  # one core: the character index is being built on the other
            svd.fit(rows[:, sample].T.tocsr())
        bodies = rows[:, len(self.owners_) :].T.tocsr()
        self.concept_axes_ = np.ascontiguousarray(svd.components_.T, dtype=np.float32)  # kept feature x dimension
        self.entry_concepts_ = _unit_rows(svd.transform(bodies).astype(np.float32))
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

    def _fit_words(self, corpus: _Corpus) -> None:
        """The stemmed unigram + bigram TF-IDF of the phrasings and bodies, and the words' IDF for coverage."""
        stems = _stemmer.stemWords(corpus.words)
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
        self.word_t_ = weigh_columns(counts_t, idf)
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
        self.entry_stem_keys_ = _distinct(entry_stems)

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
        ranks = [self.stem_rank_.get(stem(term)) for term in terms]
        base = self.stem_base_
        keys = [rank * base for rank in ranks if rank is not None]
        keys += [a * base + b + 1 for a, b in itertools.pairwise(ranks) if a is not None and b is not None]
        if not keys:
            return []
        found, present = _find_sorted(self.word_keys_, np.asarray(keys, dtype=np.int64))
        return found[present].tolist()

    def _char_feature_indices(self, terms: Sequence[str]) -> list[int]:
        """The char_wb n-grams of a term list that the index knows, by column (each word's looked up once)."""
        indices: list[int] = []
        for word in " ".join(terms).split():
            grams = self._word_grams.get(word)
            if grams is None:
                if len(self._word_grams) > 100_000:
                    self._word_grams.clear()
                columns = (self.char_columns_.get(gram) for gram in char_wb_ngrams(word, self.char_ngram_range))
                grams = self._word_grams[word] = tuple(column for column in columns if column is not None)
            indices += grams
        return indices

    def _fit_chars(self, corpus: _Corpus) -> None:
        """The char_wb n-gram TF-IDF of the phrasings and bodies: document x word counts times word x n-gram counts."""
        used = np.flatnonzero(np.bincount(corpus.doc_words, minlength=len(corpus.words)))
        row_of_word = np.full(len(corpus.words), -1, dtype=np.int32)
        row_of_word[used] = np.arange(len(used))
        grams_t, vocabulary = ngram_counts_t([corpus.words[i] for i in used.tolist()], self.char_ngram_range)
        # One product per kind of document: each has a smaller working set than both at once.
        split = np.searchsorted(corpus.word_docs, corpus.phrasings)
        rows, docs = row_of_word[corpus.doc_words], corpus.word_docs
        phrasing_t = grams_t @ _counts_t(rows[:split], docs[:split], len(used), corpus.phrasings)
        body_t = grams_t @ _counts_t(rows[split:], docs[split:] - corpus.phrasings, len(used), corpus.entries)
        idf = smooth_idf(row_document_frequency(phrasing_t) + row_document_frequency(body_t), corpus.documents)
        self.phrasing_char_t_ = weigh_columns(phrasing_t, idf)
        self.body_char_t_ = weigh_columns(body_t, idf)
        self.char_columns_ = _index(vocabulary)
        self._word_grams: dict[str, tuple[int, ...]] = {}
        self.char_encoder_ = QueryEncoder(self._char_feature_indices, idf)

    def terms(self, text: str) -> list[str]:
        """Content words, leaving out the role's own name (it is in every entry) unless that is all there is."""
        return self._specific(self.normalizer_.content_words(text))

    def _specific(self, words: list[str]) -> list[str]:
        specific = [word for word in words if word not in self.role_words_]
        return specific or words

    def query_terms(self, query: str) -> list[str]:
        """The question's terms with misspellings corrected to words the knowledge uses (unknown ones kept)."""
        return self._corrected(self.terms(query))

    def _corrected(self, terms: list[str]) -> list[str]:
        return [self.speller_.correct(word) or word for word in terms]

    def coverage(self, terms: Sequence[str], entries: np.ndarray) -> np.ndarray:
        """The share of the question's weight (IDF) that each entry's words account for.

        A word the knowledge never uses weighs as much as its rarest word; a correctly spelt English word the
        knowledge never uses ("pilot", "dentist") weighs `off_topic_word_weight` times that, because it says the
        question is about something else, where an unknown typo or code says little. The covered weights are added
        in the question's order, a running sum per entry (as Python's sum would).
        """
        stems = [stem(term) for term in terms]
        off_topic = self.unknown_idf_ * self.off_topic_word_weight
        dictionary = self.speller_.dictionary
        weights = [
            self.idf_.get(word, off_topic if term in dictionary else self.unknown_idf_)
            for word, term in zip(stems, terms, strict=True)
        ]
        total = sum(weights)
        known = [(self.stem_rank_.get(word), weight) for word, weight in zip(stems, weights, strict=True)]
        known = [(rank, weight) for rank, weight in known if rank is not None]
        if not total or not known:
            return np.zeros(len(entries))
        keys = entries.astype(np.int64)[:, None] * self.stem_base_ + np.array([rank for rank, _ in known])
        _, present = _find_sorted(self.entry_stem_keys_, keys)
        covered = np.where(present, np.array([weight for _, weight in known]), 0.0)
        return np.cumsum(covered, axis=1)[:, -1] / total

    def _channel_scores(
        self, terms: list[str], word_query: tuple[np.ndarray, np.ndarray]
    ) -> tuple[np.ndarray, np.ndarray]:
        """Similarity of the question to every phrasing and to every entry's whole body (words and characters)."""
        split = len(self.owners_)
        words = product(*word_query, self.word_t_)
        char_q = self.char_encoder_.weights(terms)
        w = self.word_weight
        phrasing = w * words[:split] + (1 - w) * product(*char_q, self.phrasing_char_t_)
        body = w * words[split:] + (1 - w) * product(*char_q, self.body_char_t_)
        return phrasing, body

    def _blend(self, phrasings: np.ndarray | float, body: np.ndarray | float) -> np.ndarray | float:
        """An entry's score from its phrasing matches and its body match."""
        return (1 - self.body_weight) * np.maximum(phrasings, body) + self.body_weight * body

    def _mean_of_best(self, phrasing: np.ndarray, entries: np.ndarray) -> np.ndarray:
        """The mean of each entry's best `phrasing_votes` phrasing matches (fewer if it has fewer phrasings).

        Added best first in float32: for up to two votes the same bits as the sum of np.partition's picks.
        """
        counts = self.phrasing_counts_[entries]
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
        (the mean of their best phrasings, then weighted by how much of the question they cover).
        """
        words = self.normalizer_.content_words(query)  # normalised once for both uses below
        terms = self._corrected(self._specific(words))
        if not terms:
            return SearchResults(query=query, hits=())
        names_role = self._names_role(words)
        word_query = self.word_encoder_.weights(terms)
        phrasing, body = self._channel_scores(terms, word_query)
        upper = self._blend(phrasing[self.phrasing_table_].max(axis=1), body)
        depth = min(max(k, 10) * 4, len(upper))
        candidates = np.argpartition(-upper, depth - 1)[:depth]
        candidates = candidates[upper[candidates] > 0]
        exact = self._blend(self._mean_of_best(phrasing, candidates), body[candidates])
        coverage = self.coverage(terms, candidates)
        concepts = np.clip(self.concept_similarity(word_query, candidates), 0.0, 1.0)
        agreement = (1 - self.concept_weight) + self.concept_weight * concepts
        power = self.coverage_power
        scored = [
            (score * share**power * agree, i)
            for score, share, agree, i in zip(
                exact.tolist(), coverage.tolist(), agreement.tolist(), candidates.tolist(), strict=True
            )
        ]
        scored.sort(key=lambda pair: (-pair[0], pair[1]))
        hits = tuple(Hit(self.entries_[i], round(score, 4)) for score, i in scored[:k] if score > 0)
        return SearchResults(query=query, hits=hits, term_count=len(terms), names_role=names_role)

    def names_role(self, query: str) -> bool:
        """Whether the question names the role ("TL", "cloud tech lead"), strong evidence that it is on topic."""
        return self._names_role(self.normalizer_.content_words(query))

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

    @classmethod
    def build(cls, entries: Sequence[Entry], normalizer: Normalizer, role_words: frozenset[str]) -> _Corpus:
        """Normalise every phrasing (title, questions) and every entry's whole text (`_entry_text`).

        Where normalising piece by piece is exact, each part of an entry is normalised once and its body is the
        parts' words in `_entry_text` order. Each document keeps its words without the role's own unless that
        is all it has (`TfidfRetriever._specific`).
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
                texts += [entry.title, *entry.questions, _entry_text(entry)]
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
        phrasing_specific = np.bincount(word_phrasing[in_phrasing & specific], minlength=row) > 0
        body_specific = np.bincount(word_entry[in_body & specific], minlength=len(entries)) > 0
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


def _unit_rows(matrix: np.ndarray) -> np.ndarray:
    """Each row scaled to length 1 (a zero row stays zero)."""
    norms = np.sqrt(np.einsum("ij,ij->i", matrix, matrix))
    return matrix / np.where(norms > 0, norms, 1)[:, None]


def _find_sorted(keys: np.ndarray, wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each wanted value's place in the sorted, distinct `keys` (clamped to the last), and whether it is there."""
    found = np.minimum(np.searchsorted(keys, wanted), len(keys) - 1)
    return found, keys[found] == wanted


def _distinct(values: np.ndarray) -> np.ndarray:
    """The distinct values, sorted (np.unique, without its hash table: quicker on millions of values)."""
    ordered = np.sort(values)
    return ordered[np.r_[True, ordered[1:] != ordered[:-1]]] if len(ordered) else ordered


def _counts_t(features: np.ndarray, docs: np.ndarray, height: int, width: int) -> sparse.csr_matrix:
    """The feature x document count matrix of (feature, document) occurrences."""
    counts = sparse.csr_matrix((np.ones(len(features), dtype=DTYPE), (features, docs)), shape=(height, width))
    counts.sum_duplicates()
    return counts


def _char_wb_analyzer(
    ngram_range: tuple[int, int], preprocess: Callable[[object], str] = " ".join
) -> Callable[[object], list[str]]:
    """The n-grams TfidfVectorizer(analyzer='char_wb', preprocessor=preprocess) finds in a document."""

    def analyze(doc: object) -> list[str]:
        return [gram for word in preprocess(doc).split() for gram in char_wb_ngrams(word, ngram_range)]

    return analyze


def _index(features: Sequence[str]) -> dict[str, int]:
    """Each feature's column."""
    return {feature: column for column, feature in enumerate(features)}


def _entry_text(entry: Entry) -> str:
    """Everything the retriever reads of an entry."""
    return " ".join((entry.title, entry.text, *entry.questions, *entry.tags))


def word_features(terms: list[str]) -> list[str]:
    """Stemmed unigrams and bigrams of a term list."""
    words = [stem(word) for word in terms]
    return words + [f"{a} {b}" for a, b in itertools.pairwise(words)]


class Status(StrEnum):
    """What the bot does with a question."""

    ANSWERED = "answered"
    SUGGEST = "suggest"
    UNKNOWN = "unknown"
    SMALLTALK = "smalltalk"


@dataclass(frozen=True)
class Verdict:
    """The gate's decision for one question: the status, the best match either way, and alternatives."""

    status: Status
    best: Hit | None
    alternatives: tuple[Hit, ...] = ()

    @property
    def score(self) -> float:
        """The best match's score (0 when nothing matched)."""
        return self.best.score if self.best else 0.0

    @property
    def answer(self) -> Hit | None:
        """The hit to post, only when the gate is confident."""
        return self.best if self.status is Status.ANSWERED else None


@dataclass(frozen=True)
class ConfidenceGate:
    """Answer only when the best match is strong and clearly ahead; suggest when it is plausible; else abstain.

    The bar depends on the evidence: a question that names the role is on topic, so a lower score will do; a
    question of one content word is thin evidence, so it must match very well; one that names the role and says one
    word more ("how much does a cloud TL make": "does") must clear the mean of those two bars.
    """

    answer_threshold: float = 0.14
    role_named_threshold: float = 0.08
    one_word_threshold: float = 0.4
    suggest_threshold: float = 0.07
    min_margin: float = 0.01
    max_alternatives: int = 3

    def threshold(self, results: SearchResults) -> float:
        """The score this question's best match needs for an answer."""
        if results.names_role and results.term_count <= 1:
            return (self.role_named_threshold + self.one_word_threshold) / 2
        if results.names_role:
            return self.role_named_threshold
        if results.term_count <= 1:
            return self.one_word_threshold
        return self.answer_threshold

    def judge(self, results: SearchResults) -> Verdict:
        """Turn ranked hits into answered / suggest / unknown."""
        best = results.best
        if best is None:
            return Verdict(Status.UNKNOWN, None)
        plausible = tuple(hit for hit in results.hits if hit.score >= self.suggest_threshold)
        if best.score >= self.threshold(results) and results.margin >= self.min_margin:
            return Verdict(Status.ANSWERED, best, plausible[1 : 1 + self.max_alternatives])
        if plausible:
            return Verdict(Status.SUGGEST, best, plausible[: self.max_alternatives])
        return Verdict(Status.UNKNOWN, best)
