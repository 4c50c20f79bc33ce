"""Exact TF-IDF building blocks: scikit-learn's TfidfVectorizer numbers, computed from integer ids at scale.

scikit-learn analyses every document string by string; here each distinct word is analysed once and documents are
sparse products of integer counts. The arithmetic of TfidfTransformer (sublinear tf, smooth idf, l2 norm) is
repeated operation for operation, so the values are the same bit for bit, not merely close.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence

import numpy as np
from scipy import sparse
from scipy.sparse import _sparsetools  # scipy's compiled sparse kernels (see `Postings.product`)

DTYPE = np.float32


def char_wb_ngrams(word: str, ngram_range: tuple[int, int]) -> list[str]:
    """The character n-grams of one word, padded with spaces, as TfidfVectorizer(analyzer='char_wb') makes them."""
    padded = f" {word} "
    length = len(padded)
    grams: list[str] = []
    for n in range(ngram_range[0], ngram_range[1] + 1):
        if length <= n:  # scikit-learn counts a short word once, whatever the larger n
            grams.append(padded)
            break
        grams.extend(padded[i : i + n] for i in range(length - n + 1))
    return grams


class Numbering(dict[str, int]):
    """Gives each new key the next number (0, 1, 2, ...) the first time it is looked up."""

    def __missing__(self, key: str) -> int:
        number = self[key] = len(self)
        return number


def ngram_counts(documents: Sequence[str], ngram_range: tuple[int, int]) -> tuple[sparse.csr_matrix, list[str]]:
    """The document x n-gram (char_wb) count matrix, and its n-grams in the order scikit-learn gives features.

    Meant for many short documents such as the distinct words of a corpus: a document of several words is the
    sum of its words' n-grams.
    """
    numbering = Numbering()
    indices: list[int] = []
    lengths = np.empty(len(documents), dtype=np.int64)
    for row, document in enumerate(documents):
        grams = [gram for word in document.split() for gram in char_wb_ngrams(word, ngram_range)]
        indices.extend(map(numbering.__getitem__, grams))
        lengths[row] = len(grams)
    grams_in_order = list(numbering)
    order = sorted(range(len(grams_in_order)), key=grams_in_order.__getitem__)
    rank = np.empty(len(order), dtype=np.int32)
    rank[order] = np.arange(len(order), dtype=np.int32)
    rows = np.repeat(np.arange(len(documents), dtype=np.int32), lengths)
    columns = rank[np.asarray(indices, dtype=np.int32)] if indices else np.zeros(0, dtype=np.int32)
    counts = sparse.csr_matrix(
        (np.ones(len(columns), dtype=DTYPE), (rows, columns)), shape=(len(documents), len(order)), dtype=DTYPE
    )
    counts.sum_duplicates()
    return counts, [grams_in_order[i] for i in order]


def ngram_counts_t(words: Sequence[str], ngram_range: tuple[int, int]) -> tuple[sparse.csr_matrix, list[str]]:
    """The n-gram x word count matrix of single words (`ngram_counts` transposed), vectorised where it can be.

    For ASCII words of up to five-character n-grams, each n-gram is a 40-bit integer: its bytes left-aligned and
    zero-padded, so the integers sort as the strings do (a prefix first) and NumPy counts them all at once.
    """
    min_n, max_n = ngram_range
    simple = min_n >= 1 and max_n <= 5 and 0 < len(words) < 1 << (63 - 8 * max_n)
    if not simple or not all(word.isascii() and word.split() == [word] for word in words):
        counts, vocabulary = ngram_counts(words, ngram_range)
        return counts.T.tocsr(), vocabulary
    lengths = np.array([len(word) + 2 for word in words], dtype=np.int64)  # padded: " word "
    letters = np.zeros((len(words), int(lengths.max()) + max_n), dtype=np.uint64)
    rows = np.repeat(np.arange(len(words)), lengths)
    columns = np.arange(int(lengths.sum())) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    letters[rows, columns] = np.frombuffer("".join(f" {word} " for word in words).encode("ascii"), dtype=np.uint8)
    occurrences = []
    for n in range(min_n, max_n + 1):
        for offset in range(max(int(lengths.max()) - n + 1, 1)):  # offset 0 at least: the short-word rule
            # A word shorter than every n counts once, as its whole padded self (scikit-learn's rule).
            present = np.flatnonzero((lengths >= offset + n) | ((n == min_n) & (offset == 0)))
            code = np.zeros(len(present), dtype=np.uint64)
            for i in range(n):
                code |= letters[present, offset + i] << np.uint64(8 * (max_n - 1 - i))
            occurrences.append(code.astype(np.int64) * len(words) + present)
    codes, counts_t = keyed_counts(np.concatenate(occurrences), len(words))
    raw = codes.astype(">u8").view(np.uint8).reshape(-1, 8)[:, 8 - max_n :]
    vocabulary = [gram.decode("ascii") for gram in np.ascontiguousarray(raw).view(f"S{max_n}").ravel().tolist()]
    return counts_t, vocabulary


def keyed_counts(occurrences: np.ndarray, width: int) -> tuple[np.ndarray, sparse.csr_matrix]:
    """The distinct keys (sorted) and the key x document count matrix of occurrences `key * width + document`.

    Sorts `occurrences` in place: then a key's documents come out sorted, and the keys in order.
    """
    occurrences.sort()
    pair_starts = _run_starts(occurrences)
    counts = np.diff(pair_starts, append=len(occurrences)).astype(DTYPE)
    pairs = occurrences[pair_starts]
    del pair_starts
    docs = (pairs % width).astype(np.int32)
    pairs //= width
    key_starts = _run_starts(pairs)
    matrix = sparse.csr_matrix((counts, docs, np.append(key_starts, len(pairs))), shape=(len(key_starts), width))
    return pairs[key_starts], matrix


def _run_starts(ordered: np.ndarray) -> np.ndarray:
    """Where each run of equal values starts in a sorted array."""
    new = np.empty(len(ordered), dtype=bool)
    new[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=new[1:])
    return np.flatnonzero(new)


def smooth_idf(document_frequency: np.ndarray, documents: int) -> np.ndarray:
    """log((1 + n) / (1 + df)) + 1 in float32, as TfidfTransformer(smooth_idf=True).fit computes it."""
    df = document_frequency.astype(DTYPE) + 1.0
    idf = np.full_like(df, fill_value=documents + 1, dtype=DTYPE)
    idf /= df
    np.log(idf, out=idf)
    idf += 1.0
    return idf


def row_document_frequency(counts_t: sparse.csr_matrix) -> np.ndarray:
    """In how many documents (columns) each feature (row) of a feature x document count matrix occurs."""
    return np.diff(counts_t.indptr)


def weigh_columns(counts_t: sparse.csr_matrix, idf: np.ndarray, chunk: int = 1 << 21) -> sparse.csr_matrix:
    """Sublinear tf x idf with every document (column) l2-normalised, in place: TfidfTransformer's numbers.

    TfidfTransformer works on document rows; this works on the transposed matrix, which is the layout search
    needs. Each column's sum of squares adds the float32 squares into float64 in feature order, as
    scikit-learn's row normaliser does (np.add.at adds one by one, in order), so the result is identical.
    Works through the data `chunk` values at a time, to keep the temporary arrays small.
    """
    data, indices, indptr = counts_t.data, counts_t.indices, counts_t.indptr
    # Row blocks of about `chunk` values each.
    bounds = np.unique(np.r_[np.searchsorted(indptr, np.arange(0, len(data), chunk), side="right") - 1, len(idf)])
    blocks = [(int(a), int(b)) for a, b in itertools.pairwise(bounds.tolist())]
    squares = np.zeros(counts_t.shape[1], dtype=np.float64)
    for first, last in blocks:
        part = data[indptr[first] : indptr[last]]
        np.log(part, out=part)
        part += 1.0
        part *= np.repeat(idf[first:last], np.diff(indptr[first : last + 1]))
        np.add.at(squares, indices[indptr[first] : indptr[last]], (part * part).astype(np.float64))
    norms = np.sqrt(squares)
    norms[norms == 0.0] = 1.0
    for first, last in blocks:
        part = data[indptr[first] : indptr[last]]
        part[:] = part / norms[indices[indptr[first] : indptr[last]]]
    return counts_t


def ragged_positions(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The positions start, start + 1, ..., start + length - 1 of every (start, length), concatenated."""
    return np.repeat(starts - (np.cumsum(lengths) - lengths), lengths) + np.arange(int(lengths.sum()))


def reverse_in_place(values: np.ndarray, chunk: int = 1 << 20) -> np.ndarray:
    """Reverse a 1-d array in place, `chunk` values at a time (no temporary copy of the whole array)."""
    size = len(values)
    half = size // 2
    for start in range(0, half, chunk):
        stop = min(start + chunk, half)
        front = values[start:stop].copy()
        values[start:stop] = values[size - stop : size - start][::-1]
        values[size - stop : size - start] = front[::-1]
    return values


class Postings:
    """A feature x document matrix laid out for search: `product` reads the query's postings where they lie.

    The postings (indices and data of the CSR matrix) are stored in reverse, so feature f's run is
    [nnz - indptr[f + 1], nnz - indptr[f]) and a later feature's run lies before an earlier one's. scipy's
    csc_matvec adds column j's postings Ap[j]..Ap[j + 1] for each j in turn and does nothing for a column that
    ends before it starts: given the columns f1, gap, f2, gap, ..., each gap running backward from the end of one
    feature's run to the start of the next, it walks the query's features in ascending order straight from the
    index. The same float32 sums as scipy's sparse product (each document's sum built in float32, feature by feature
    in ascending order), without its symbolic pass and sparse result, and without gathering the postings first.
    """

    def __init__(self, matrix_t: sparse.csr_matrix) -> None:
        """Take the matrix over: its index and data arrays are reversed in place, not copied."""
        self.shape: tuple[int, int] = matrix_t.shape
        self.indptr = matrix_t.indptr
        self.indices = reverse_in_place(np.asarray(matrix_t.indices, dtype=self.indptr.dtype))
        self.data = reverse_in_place(np.asarray(matrix_t.data, dtype=DTYPE))
        self._reversed = (len(self.data) - self.indptr).astype(self.indptr.dtype)  # where each run ends, reversed

    @property
    def nnz(self) -> int:
        """How many postings there are."""
        return len(self.data)

    def product(self, features: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """The sparse row (ascending `features`, `weights`) times the matrix, as a dense float32 row (see the class)."""
        scores = np.zeros(self.shape[1], dtype=DTYPE)
        if not len(features):
            return scores
        rows = np.asarray(features, dtype=np.intp)  # numpy gathers with intp positions several times faster
        spans = np.empty(2 * len(rows), dtype=self.indptr.dtype)
        spans[0::2] = self._reversed[1:][rows]
        spans[1::2] = self._reversed[rows]
        columns = np.zeros(len(spans) - 1, dtype=DTYPE)  # each feature's weight, 0 for the (empty) gaps
        columns[0::2] = weights
        _sparsetools.csc_matvec(len(scores), len(columns), spans, self.indices, self.data, columns, scores)
        return scores

    def tocsr(self) -> sparse.csr_matrix:
        """The matrix as scipy CSR again (a copy)."""
        return sparse.csr_matrix((self.data[::-1].copy(), self.indices[::-1].copy(), self.indptr.copy()), self.shape)

    def toarray(self) -> np.ndarray:
        """The matrix as a dense array."""
        return self.tocsr().toarray()


class QueryEncoder:
    """Turns one query into its l2-normalised TF-IDF row, equal to the fitted vectorizer's `transform([doc])`.

    `features` maps a document to its feature indices (unknown features left out), one per occurrence; at one
    short query per call, scikit-learn's validation around `transform` would cost several times the arithmetic.
    """

    def __init__(self, features: Callable[[object], Iterable[int]], idf: np.ndarray) -> None:
        self.features = features
        self.idf = idf.astype(np.float64)
        self.width = len(idf)

    @classmethod
    def for_vocabulary(
        cls, analyze: Callable[[object], Iterable[str]], vocabulary: dict[str, int], idf: np.ndarray
    ) -> QueryEncoder:
        """An encoder that looks the analyser's string features up in a vocabulary."""

        def features(doc: object) -> list[int]:
            found = (vocabulary.get(feature) for feature in analyze(doc))
            return [index for index in found if index is not None]

        return cls(features, idf)

    def weights(self, doc: object) -> tuple[np.ndarray, np.ndarray]:
        """The row's feature indices (ascending) and float32 values."""
        return self.weigh(self.features(doc))

    def weigh(self, features: Iterable[int]) -> tuple[np.ndarray, np.ndarray]:
        """The row of a document whose features (one per occurrence) are already known: see `weights`."""
        return self.weigh_counts(Counter(features))

    def weigh_counts(self, counts: Mapping[int, int]) -> tuple[np.ndarray, np.ndarray]:
        """The row of a document from how often each of its features occurs: see `weights`."""
        ordered = sorted(counts)
        indices = np.array(ordered, dtype=np.intp)  # intp: every later gather with them is quicker
        values = np.array([counts[i] for i in ordered], dtype=np.float64)  # in place: (1 + log(count)) * idf
        np.log(values, out=values)
        values += 1.0
        values *= self.idf[indices]
        norm = math.sqrt(float(np.dot(values, values)))
        if norm:
            values /= norm
        return indices, values.astype(DTYPE)


def char_wb_analyzer(
    ngram_range: tuple[int, int], preprocess: Callable[[object], str] = " ".join
) -> Callable[[object], list[str]]:
    """The n-grams TfidfVectorizer(analyzer='char_wb', preprocessor=preprocess) finds in a document."""

    def analyze(doc: object) -> list[str]:
        return [gram for word in preprocess(doc).split() for gram in char_wb_ngrams(word, ngram_range)]

    return analyze


def feature_index(features: Sequence[str]) -> dict[str, int]:
    """Each feature's column."""
    return {feature: column for column, feature in enumerate(features)}


def counts_t(features: np.ndarray, docs: np.ndarray, height: int, width: int) -> sparse.csr_matrix:
    """The feature x document count matrix of (feature, document) occurrences."""
    counts = sparse.csr_matrix((np.ones(len(features), dtype=DTYPE), (features, docs)), shape=(height, width))
    counts.sum_duplicates()
    return counts


def find_sorted(keys: np.ndarray, wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each wanted value's place in the sorted, distinct `keys` (clamped to the last), and whether it is there."""
    found = keys.searchsorted(wanted)
    np.minimum(found, len(keys) - 1, out=found)
    return found, keys[found] == wanted


def distinct(values: np.ndarray) -> np.ndarray:
    """The distinct values, sorted (np.unique, without its hash table: quicker on millions of values)."""
    ordered = np.sort(values)
    return ordered[np.r_[True, ordered[1:] != ordered[:-1]]] if len(ordered) else ordered
