"""Group similar unanswered questions, so editors see coverage gaps rather than a list of near-duplicates."""

from __future__ import annotations

import itertools
from collections.abc import Callable, MutableMapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfTransformer

from bot.core.retriever import TfidfRetriever
from bot.store import QueuedQuestion

# Two questions are linked from this similarity on: the lowest, in 0.05 steps, at which the tuning half of CLINC150's
# training utterances (split seed 11) keeps 90% of its questions in a group whose most common intent is their own
# (0.45 kept 84%). A resolve teaches a group's every question to one entry, so a mixed group teaches wrong answers.
DEFAULT_THRESHOLD = 0.55
CHAR_NGRAMS = (3, 5)
ROWS_PER_CHUNK = 1000
# A block of rows times the rest: at most about this many pairs at once (most pairs share a letter n-gram, so the
# product is nearly dense before the threshold), so memory stays flat as the queue grows past 10,000.
PAIRS_PER_CHUNK = 10_000_000
MIN_ROWS_PER_CHUNK = 64
MAX_REMEMBERED_TEXTS = 50_000


@dataclass(frozen=True)
class QuestionGroup:
    """Questions that ask the same thing: the most asked one stands for the group."""

    representative: QueuedQuestion
    members: tuple[QueuedQuestion, ...]

    @property
    def total_count(self) -> int:
        """How often any question of the group was asked."""
        return sum(question.ask_count for question in self.members)

    @property
    def others(self) -> tuple[QueuedQuestion, ...]:
        """The group's other phrasings."""
        return tuple(question for question in self.members if question.id != self.representative.id)


def group_questions(
    questions: Sequence[QueuedQuestion],
    retriever: TfidfRetriever,
    *,
    threshold: float = DEFAULT_THRESHOLD,
    terms: MutableMapping[str, list[str]] | None = None,
) -> list[QuestionGroup]:
    """Group questions that ask the same thing, largest total count first.

    Two questions are linked when their TF-IDF similarity (half stemmed words and word pairs, half character
    n-grams, read as the retriever reads them) reaches the threshold. A group is a question and the questions linked
    to it (`star_labels`), so every member is like the question that stands for it; linked sets would chain
    "see ya" to "how old are you" through a dozen steps, and put three quarters of a 10,000-question queue in one
    group. The links come from a sparse neighbour graph, never an n×n matrix, so a queue of 10,000 questions takes
    well under a second. `terms` (question text -> terms, for this retriever) saves reading the same questions
    again the next time the queue is grouped.
    """
    if not questions:
        return []
    read = _question_terms([question.text for question in questions], retriever, {} if terms is None else terms)
    graph = similarity_graph(read, retriever.stemmer_.stem, threshold)
    labels = star_labels(graph, questions)
    clusters: dict[int, list[QueuedQuestion]] = {}
    for label, question in zip(labels.tolist(), questions, strict=True):
        clusters.setdefault(label, []).append(question)
    # The centre stands for its group: every member is linked to it, and none was asked more often.
    groups = [QuestionGroup(questions[centre], tuple(members)) for centre, members in clusters.items()]
    groups.sort(key=lambda group: (-group.total_count, group.representative.id))
    return groups


def star_labels(graph: sparse.csr_matrix, questions: Sequence[QueuedQuestion]) -> np.ndarray:
    """Each question's group: the first centre it is linked to, centres taken most asked and most linked first.

    The order depends on the questions alone (ask count, links, id), not on the order they are passed in, so the
    group an editor is shown is the group that resolving one of its questions acts on.
    """
    links = (graph + graph.T).tocsr()  # the graph holds each pair once
    degree = np.diff(links.indptr)
    counts = np.array([question.ask_count for question in questions])
    ids = np.array([question.id for question in questions])
    labels = np.full(len(questions), -1, dtype=np.int64)
    for centre in np.lexsort((ids, -degree, -counts)).tolist():
        if labels[centre] >= 0:
            continue
        linked = links.indices[links.indptr[centre] : links.indptr[centre + 1]]
        labels[linked[labels[linked] < 0]] = centre
        labels[centre] = centre
    return labels


def _question_terms(
    texts: Sequence[str], retriever: TfidfRetriever, known: MutableMapping[str, list[str]]
) -> list[list[str]]:
    """Each question's terms as the retriever reads them, misspellings corrected once per distinct word."""
    if len(known) > MAX_REMEMBERED_TEXTS:
        known.clear()
    corrected: dict[str, str] = {}
    speller = retriever.speller_
    out = []
    for text in texts:
        words = known.get(text)
        if words is None:
            words = []
            for word in retriever.terms(text):
                fixed = corrected.get(word)
                if fixed is None:
                    fixed = corrected[word] = speller.correct(word) or word
                words.append(fixed)
            words = known[text] = words or text.split()
        out.append(words)
    return out


def similarity_graph(terms: Sequence[Sequence[str]], stem: Callable[[str], str], threshold: float) -> sparse.csr_matrix:
    """The pairs of questions whose similarity reaches the threshold, as a sparse boolean adjacency matrix.

    Sparse products of a block of rows with the rows after it (the similarity is symmetric), each block kept only
    where it reaches the threshold: memory grows with the links found, not with the square of the queue.
    """
    words, chars = _features(terms, stem)
    count = len(terms)
    scale = np.float32(np.sqrt(0.5))
    features = sparse.hstack([words * scale, chars * scale], format="csr", dtype=np.float32)
    rows, columns = [], []
    chunk = max(MIN_ROWS_PER_CHUNK, min(ROWS_PER_CHUNK, PAIRS_PER_CHUNK // count))
    for start in range(0, count, chunk):
        block = (features[start : start + chunk] @ features[start:].T).tocoo()
        linked = block.data >= threshold - 1e-6
        rows.append(block.row[linked] + start)
        columns.append(block.col[linked] + start)
    row, column = np.concatenate(rows), np.concatenate(columns)
    return sparse.csr_matrix((np.ones(len(row), dtype=bool), (row, column)), shape=(count, count))


def _features(
    terms: Sequence[Sequence[str]], stem: Callable[[str], str]
) -> tuple[sparse.csr_matrix, sparse.csr_matrix]:
    """L2-normalised sublinear TF-IDF rows of word features and of character n-grams (char_wb, 3 to 5).

    The same matrices scikit-learn's TfidfVectorizer builds (words: stemmed unigrams and bigrams; characters:
    n-grams inside each space-padded word), computed once per distinct word instead of once per question.
    """
    vocabulary: dict[str, int] = {}
    features: dict[str, int] = {}
    word_rows: list[int] = []
    word_columns: list[int] = []
    doc_rows: list[int] = []
    doc_words: list[int] = []
    stems: dict[str, str] = {}
    for index, question in enumerate(terms):
        stemmed = []
        for word in question:
            doc_rows.append(index)
            doc_words.append(vocabulary.setdefault(word, len(vocabulary)))
            root = stems.get(word)
            if root is None:
                root = stems[word] = stem(word)
            stemmed.append(root)
        for feature in itertools.chain(stemmed, (f"{a} {b}" for a, b in itertools.pairwise(stemmed))):
            word_rows.append(index)
            word_columns.append(features.setdefault(feature, len(features)))
    count = len(terms)
    word_counts = _counts(word_rows, word_columns, (count, len(features)))
    grams: dict[str, int] = {}
    gram_rows: list[int] = []
    gram_columns: list[int] = []
    for word, index in vocabulary.items():
        for gram in _char_wb_ngrams(word):
            gram_rows.append(index)
            gram_columns.append(grams.setdefault(gram, len(grams)))
    per_word = _counts(gram_rows, gram_columns, (len(vocabulary), len(grams)))
    char_counts = (_counts(doc_rows, doc_words, (count, len(vocabulary))) @ per_word).tocsr()
    tfidf = TfidfTransformer(sublinear_tf=True)
    return (
        tfidf.fit_transform(word_counts).astype(np.float32).tocsr(),
        tfidf.fit_transform(char_counts).astype(np.float32).tocsr(),
    )


def _counts(rows: list[int], columns: list[int], shape: tuple[int, int]) -> sparse.csr_matrix:
    """A count matrix from (row, column) occurrences (repeats add up)."""
    data = np.ones(len(rows), dtype=np.float64)
    matrix = sparse.csr_matrix((data, (np.asarray(rows, dtype=np.int64), np.asarray(columns, dtype=np.int64))), shape)
    matrix.sum_duplicates()
    return matrix


def _char_wb_ngrams(word: str) -> list[str]:
    """scikit-learn's char_wb n-grams of one word: padded with a space each side, whole when shorter than n."""
    padded = f" {word} "
    grams = []
    low, high = CHAR_NGRAMS
    for size in range(low, high + 1):
        if len(padded) <= size:
            grams.append(padded)
            break
        grams.extend(padded[offset : offset + size] for offset in range(len(padded) - size + 1))
    return grams
