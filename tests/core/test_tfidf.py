"""The exact TF-IDF building blocks against scikit-learn, and the corpus-wide tokeniser against the one-text one."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from tfidf_helpers import dense_row

from bot.core.text import Normalizer
from bot.core.tfidf import (
    Postings,
    QueryEncoder,
    char_wb_ngrams,
    keyed_counts,
    ngram_counts,
    ngram_counts_t,
    reverse_in_place,
    row_document_frequency,
    smooth_idf,
    weigh_columns,
)

WORDS = ["a", "go", "git", "kubernetes", "node", "nodes", "k8s:pod", "terraform", "x"]
DOCUMENTS = ["kubernetes node", "node node nodes", "a", "terraform git go go go", "x k8s:pod", "lamp"]


@pytest.mark.parametrize("ngram_range", [(2, 3), (3, 5), (1, 1), (4, 4)])
def test_char_wb_ngrams_are_scikit_learns(ngram_range: tuple[int, int]) -> None:
    analyze = TfidfVectorizer(analyzer="char_wb", ngram_range=ngram_range).build_analyzer()
    for word in WORDS:
        assert sorted(char_wb_ngrams(word, ngram_range)) == sorted(analyze(word))


@pytest.mark.parametrize("ngram_range", [(2, 3), (3, 5)])
def test_weighted_ngram_counts_are_tfidf_vectorizers_bit_for_bit(ngram_range: tuple[int, int]) -> None:
    vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=ngram_range, sublinear_tf=True, dtype=np.float32)
    expected = vectorizer.fit_transform(DOCUMENTS)
    counts, grams = ngram_counts(DOCUMENTS, ngram_range)
    assert grams == vectorizer.get_feature_names_out().tolist()
    counts_t = counts.T.tocsr()
    idf = smooth_idf(row_document_frequency(counts_t), len(DOCUMENTS))
    assert idf.dtype == np.float32 and np.array_equal(idf, vectorizer.idf_)
    weighted = weigh_columns(counts_t, idf)
    assert weighted.dtype == np.float32
    assert np.array_equal(weighted.toarray(), expected.T.toarray())


def test_query_encoder_matches_transform() -> None:
    vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True, dtype=np.float32)
    vectorizer.fit(DOCUMENTS)
    encoder = QueryEncoder.for_vocabulary(vectorizer.build_analyzer(), vectorizer.vocabulary_, vectorizer.idf_)
    for query in ("nodes of kubernetes", "go go", "nothing", ""):
        indices, _ = encoder.weights(query)
        assert list(indices) == sorted(indices)
        expected = vectorizer.transform([query]).toarray()
        assert dense_row(encoder, query) == pytest.approx(expected, abs=1e-6)


TEXTS = [
    "What does a Cloud TL do all day?",
    "K8s, tf and the tech lead: who owns the pipeline?",
    "Tech lead",
    "team lead pay",
    "Déjà vu — naïve café, ‘quotes’ and  double  spaces",
    "",
    "the of and",
    "tech\nlead on\tcall",
    "ci/cd for node/pod",  # chunks of two words each
]


@pytest.mark.parametrize(
    "synonyms",
    [
        {},
        {"kubernetes": ["k8s", "kube"], "compensation": ["pay"]},  # no variant spans whitespace: chunk by chunk
        {"technical lead": ["tl", "tech lead", "team lead"], "on-call": ["on call"]},  # text by text
    ],
)
@pytest.mark.parametrize("texts", [TEXTS, TEXTS[:-1]])  # with and without chunks of several words
def test_number_words_equals_content_words_text_by_text(synonyms: dict[str, list[str]], texts: list[str]) -> None:
    normalizer = Normalizer(synonyms)
    words, ids, offsets = normalizer.number_words(texts)
    assert len(set(words)) == len(words)
    for index, text in enumerate(texts):
        assert [words[i] for i in ids[offsets[index] : offsets[index + 1]]] == normalizer.content_words(text)


def test_keyed_counts_count_each_key_and_document() -> None:
    keys = np.array([7, 3, 7, 7, 10**15, 3], dtype=np.int64)
    docs = np.array([1, 0, 1, 2, 0, 0])
    distinct, counts = keyed_counts(keys * 3 + docs, 3)
    assert distinct.tolist() == [3, 7, 10**15]
    assert counts.dtype == np.float32 and counts.has_sorted_indices
    assert counts.toarray().tolist() == [[2, 0, 0], [0, 2, 1], [1, 0, 0]]


@pytest.mark.parametrize("columns", [50, 6000])
@pytest.mark.parametrize("index_dtype", [np.int32, np.int64])  # scipy picks int64 indices for a large index
def test_postings_product_on_a_dense_index_is_scipys_product_bit_for_bit(columns: int, index_dtype: type) -> None:
    rng = np.random.default_rng(7)
    matrix_t = sparse.random(40, columns, density=0.5, format="csr", dtype=np.float32, random_state=rng)
    matrix_t.indptr, matrix_t.indices = matrix_t.indptr.astype(index_dtype), matrix_t.indices.astype(index_dtype)
    features = np.array([1, 4, 5, 9, 17, 30, 31, 39], dtype=np.int32)
    weights = rng.random(len(features)).astype(np.float32)
    row = sparse.csr_matrix((weights, features, [0, len(features)]), shape=(1, 40))
    postings = Postings(matrix_t.copy())
    ours = postings.product(features, weights)
    assert ours.dtype == np.float32
    assert np.array_equal(ours, (row @ matrix_t).toarray().ravel())
    assert not postings.product(features[:0], weights[:0]).any()


@pytest.mark.parametrize("index_dtype", [np.int32, np.int64])
def test_postings_product_is_scipys_sparse_product_bit_for_bit(index_dtype: type) -> None:
    rng = np.random.default_rng(11)
    dense = sparse.random(60, 3000, density=0.3, dtype=np.float32, random_state=rng).toarray()
    dense[[3, 4, 40]] = 0.0  # features no document has, among the query's
    matrix_t = sparse.csr_matrix(dense)
    matrix_t.indptr, matrix_t.indices = matrix_t.indptr.astype(index_dtype), matrix_t.indices.astype(index_dtype)
    postings = Postings(matrix_t.copy())
    assert np.array_equal(postings.toarray(), dense)
    for features in ([0], [59], [0, 1, 2, 3, 4, 5], [2, 3, 4, 17, 40, 41, 58, 59], list(range(60))):
        chosen = np.array(features, dtype=np.int32)
        weights = rng.random(len(chosen)).astype(np.float32)
        row = sparse.csr_matrix((weights, chosen, [0, len(chosen)]), shape=(1, 60))
        ours = postings.product(chosen, weights)
        assert ours.dtype == np.float32
        assert np.array_equal(ours, (row @ matrix_t).toarray().ravel())
    assert not postings.product(np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float32)).any()


@pytest.mark.parametrize("size", [0, 1, 2, 7, 10])
def test_reverse_in_place_reverses_every_length(size: int) -> None:
    values = np.arange(size)
    assert reverse_in_place(values, chunk=3).tolist() == list(range(size))[::-1]


@pytest.mark.parametrize("ngram_range", [(2, 3), (3, 5), (1, 1), (4, 5)])
def test_vectorised_word_ngram_counts_equal_the_plain_ones(ngram_range: tuple[int, int]) -> None:
    words = [*WORDS, "kubernetes", "ab", "zz:top", "a1b2c3d4e5f6g7"]
    counts, grams = ngram_counts(words, ngram_range)
    counts_t, vocabulary = ngram_counts_t(words, ngram_range)
    assert vocabulary == grams
    assert counts_t.dtype == np.float32 and np.array_equal(counts_t.toarray(), counts.T.toarray())
    _, plain = ngram_counts_t(["café", "x"], ngram_range)  # not ASCII: the plain path
    assert plain == ngram_counts(["café", "x"], ngram_range)[1]
