"""Adversarial knowledge and questions for the retriever built from word ids.

The index must stay what scikit-learn's TfidfVectorizer makes of the same documents, bit for bit, for
knowledge full of non-ASCII text, very long and very short words, digits and 'a:b' tokens, and synonyms with
spaces and punctuation; and search must cope with any question a member can type.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from scipy import sparse
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from tfidf_helpers import dense_row

from bot.core.knowledge import KnowledgeBase, load_knowledge
from bot.core.retriever import TfidfRetriever, word_features
from bot.core.text import Normalizer, Stemmer
from bot.core.tfidf import ngram_counts_t, row_document_frequency, smooth_idf, weigh_columns

stem = Stemmer().stem


LONG_WORD = "supercalifragilistic" * 6  # 120 characters

# Entries every part of which is an edge case: accents, ligatures, emoji, CJK, curly quotes and dashes, words of
# one or two characters, digits, '1:1' tokens, a 120-character word, an entry of stop words only, one of the
# role's words only, an entry without questions and two entries phrased alike.
EDGE_ENTRIES = f"""
role: Cloud Technical Lead
entries:
  - id: accents
    title: "Café résumé naïve façade — Ångström “quotes” and ‘single’ ones"
    section: Unicode
    text: "Über-engineering of the déjà-vu cœur; straße ﬁnancial Ｋ８Ｓ ½ x² 1:1 meetings 24/7 on-call. Emoji 🚀🙂
      and CJK 日本語 text – en dash — em dash. São Paulo Zürich Kraków Ελληνικά"
    questions: ["Qu'est-ce que le déjà vu?", "How does a TL handle résumés?", "naïveté über alles"]
    tags: [unicode, "ü"]
  - id: long
    title: "{LONG_WORD}"
    section: Long
    text: "pneumonoultramicroscopicsilicovolcanoconiosis {LONG_WORD}x a b c x y z 1 2 3 42 007 1:1 a:b 10:30 k8s"
    questions: ["what is 1:1", "k8s x y", "a b c"]
  - id: stop-words
    title: The and of
    section: Stop
    text: the and of to is it with
  - id: role-words
    title: Cloud Technical Lead
    section: Role
    text: Cloud technical lead cloud lead.
    questions: ["technical lead", "the cloud"]
  - id: budget
    title: Budget planning
    section: Money
    text: Planning the budget for cloud spend and cost optimisation.
  - id: budget-again
    title: Budget planning
    section: Money
    text: Planning the budget for cloud spend and cost optimisation.
    questions: [budget planning, budget planning, Budget Planning!]
  - id: budget-copy
    title: Budget planning
    section: Money
    text: Planning the budget for cloud spend and cost optimisation.
  - id: salary
    title: Salary and compensation
    section: Money
    text: Compensation bands, equity, on-call pay and bonus.
    questions: [what does a tl earn, how much does a cloud tech lead make]
"""

# Synonyms without spaces: every distinct chunk of text is normalised once for the whole corpus.
CHUNK_SYNONYMS = """
synonyms:
  compensation: [salary, pay, "pay-band", wage, comp]
  technical lead: [tl, "t.l."]
  kubernetes: [k8s, kube, "k8s.io"]
  "1:1": [one-on-one]
"""

# Synonyms with spaces (and a variant that is a prefix of another): texts are normalised whole.
SPACED_SYNONYMS = """
synonyms:
  compensation: [salary, pay, "pay band", "pay-band", wage, comp]
  technical lead: [tl, tech lead, "t.l."]
  kubernetes: [k8s, "k8s cluster", kube]
  "1:1": [one-on-one, "1 on 1"]
"""

ADVERSARIAL_QUESTIONS = (
    "café",
    "cafe",
    "résumé",
    "straße",
    "strasse",
    "ﬁnancial",
    "financial",
    "k8s",
    "k8s cluster",
    "kube",
    "1:1",
    "1 on 1",
    "a:b",
    "10:30",
    "pay band",
    "pay-band",
    "what does a t.l. earn",
    "tech lead salary",
    LONG_WORD,
    LONG_WORD[:-1],
    "pneumonoultramicroscopicsilicovolcanoconiosiss",
    "a b c",
    "x y z",
    "007 42",
    "budget planning",
    "budgett plannning",
    "Budget Planning!",
    "unicode ü",
    "Zürich Kraków São Paulo",
    "deja vu",
    "“quotes” – and — dashes",
    "½ x²",
    "technical lead",
    "cloud",
    "budget " * 300,
    " ".join(f"word{i}" for i in range(2000)),
)


def _knowledge(write: Callable[..., Path], synonyms: str) -> KnowledgeBase:
    return load_knowledge(write(edge=EDGE_ENTRIES + synonyms))


@pytest.fixture(params=["chunks", "spaced"])
def edge_knowledge(request: pytest.FixtureRequest, write_knowledge: Callable[..., Path]) -> KnowledgeBase:
    """The edge-case entries with synonyms of either kind (the two ways the corpus is normalised)."""
    return _knowledge(write_knowledge, CHUNK_SYNONYMS if request.param == "chunks" else SPACED_SYNONYMS)


@pytest.fixture
def edge_retriever(edge_knowledge: KnowledgeBase) -> TfidfRetriever:
    return TfidfRetriever().fit(edge_knowledge)


def snapshot(retriever: TfidfRetriever, questions: tuple[str, ...]) -> list[list[tuple[str, float]]]:
    return [[(hit.entry.id, hit.score) for hit in retriever.search(q, k=10).hits] for q in questions]


# ---------------------------------------------------------------- the index equals scikit-learn's


def test_both_kinds_of_synonyms_are_exercised(write_knowledge: Callable[..., Path]) -> None:
    assert Normalizer(_knowledge(write_knowledge, CHUNK_SYNONYMS).synonyms).splits_at_whitespace
    assert not Normalizer(_knowledge(write_knowledge, SPACED_SYNONYMS).synonyms).splits_at_whitespace


def test_edge_index_equals_scikit_learn_tfidf_bit_for_bit(
    edge_knowledge: KnowledgeBase, edge_retriever: TfidfRetriever
) -> None:
    retriever = edge_retriever
    titles = [(entry.title, *entry.questions) for entry in edge_knowledge.entries]
    phrasings = [retriever.index_terms(text) for texts in titles for text in texts]
    bodies = [retriever.index_terms(entry.searchable_text) for entry in edge_knowledge.entries]
    documents, split = phrasings + bodies, len(phrasings)
    assert [] in [retriever.terms(text) for texts in titles for text in texts]  # a title of stop words only
    words = TfidfVectorizer(analyzer=lambda terms: word_features(terms, stem), sublinear_tf=True, dtype=np.float32)
    chars = TfidfVectorizer(
        analyzer="char_wb", preprocessor=" ".join, ngram_range=(3, 5), sublinear_tf=True, dtype=np.float32
    )
    assert np.array_equal(retriever.word_t_.toarray(), words.fit_transform(documents).T.toarray())
    chars_t = chars.fit_transform(documents).T.toarray()
    assert np.array_equal(retriever.phrasing_char_t_.toarray(), chars_t[:, :split])
    assert np.array_equal(retriever.body_char_t_.toarray(), chars_t[:, split:])
    assert retriever.idf_ == {term: float(words.idf_[i]) for term, i in words.vocabulary_.items() if " " not in term}
    for question in ADVERSARIAL_QUESTIONS:
        terms = retriever.query_terms(question)
        for encoder, vectorizer in ((retriever.word_encoder_, words), (retriever.char_encoder_, chars)):
            expected = vectorizer.transform([terms]).toarray()
            assert dense_row(encoder, terms) == pytest.approx(expected, abs=1e-6), question


def test_corpus_words_equal_content_words_text_by_text(edge_knowledge: KnowledgeBase) -> None:
    normalizer = Normalizer(edge_knowledge.synonyms)
    texts = [
        *(text for entry in edge_knowledge.entries for text in (entry.title, entry.text, *entry.questions)),
        "nbsp\u00a0between ideographic\u3000space, acute´accent, ﬀ ligature, Ｋ８Ｓ fullwidth",
        "İstanbul ǅ ß Σίσυφος",
        "",
        "🙂 — –",
        "1:1:1 a:b: :c",
    ]
    words, ids, offsets = normalizer.number_words(texts)
    for index, text in enumerate(texts):
        found = [words[i] for i in ids[offsets[index] : offsets[index + 1]].tolist()]
        assert found == normalizer.content_words(text), text


WORD_SETS = [
    ["a"],
    ["a", "b", "c", "1", "x"],
    ["ab", "a:b", "1:1", "10:30", "007"],
    [LONG_WORD, "pneumonoultramicroscopicsilicovolcanoconiosis", "k8s", "q"],
    ["kubernetes", "kubernete", "kubern", "k", "ku", "kub", "kube"],
]


@pytest.mark.parametrize("ngram_range", [(3, 5), (2, 3)])
@pytest.mark.parametrize("words", WORD_SETS, ids=lambda words: ",".join(w[:6] for w in words))
def test_vectorised_ngram_counts_are_scikit_learns_for_short_long_and_colon_words(
    words: list[str], ngram_range: tuple[int, int]
) -> None:
    counts = CountVectorizer(analyzer="char_wb", ngram_range=ngram_range, dtype=np.float32, lowercase=False)
    expected = counts.fit_transform(words).T.tocsr()
    counts_t, vocabulary = ngram_counts_t(words, ngram_range)
    assert vocabulary == counts.get_feature_names_out().tolist()
    assert (counts_t != expected).nnz == 0
    tfidf = TfidfVectorizer(analyzer="char_wb", ngram_range=ngram_range, sublinear_tf=True, dtype=np.float32)
    reference = tfidf.fit_transform(words).T.toarray()
    idf = smooth_idf(row_document_frequency(counts_t), len(words))
    assert np.array_equal(idf, tfidf.idf_)
    for chunk in (1, 3, 1 << 21):  # block boundaries anywhere, even inside one n-gram's postings
        weighted = weigh_columns(sparse.csr_matrix(counts_t, copy=True), idf, chunk=chunk)
        assert np.array_equal(weighted.toarray(), reference)


# ---------------------------------------------------------------- any question a member can type


@pytest.mark.parametrize(
    "question",
    ["", " ", "\t\n ", "the and of it", "🙂", "🚀🚀🚀", "日本語", "@everyone", "<@123456> ||?|| ** __ ``"],
)
def test_questions_without_content_words_find_nothing(edge_retriever: TfidfRetriever, question: str) -> None:
    results = edge_retriever.search(question)
    assert results.hits == ()
    assert results.best is None and results.margin == 0.0


def test_a_question_of_only_the_roles_words_still_searches(edge_retriever: TfidfRetriever) -> None:
    results = edge_retriever.search("cloud technical lead")
    assert results.names_role
    assert results.hits and results.best is not None and results.best.entry.id == "role-words"


def test_adversarial_questions_give_bounded_ranked_hits(edge_retriever: TfidfRetriever) -> None:
    for question in (*ADVERSARIAL_QUESTIONS, "x" * 10_000, "tl " * 3000, "@everyone **budget** `planning`"):
        results = edge_retriever.search(question, k=10)
        scores = [hit.score for hit in results.hits]
        assert all(0 < score <= 1 for score in scores), question
        assert scores == sorted(scores, reverse=True), question
        assert len({hit.entry.id for hit in results.hits}) == len(results.hits), question


def test_markdown_and_mentions_around_words_do_not_change_the_answer(edge_retriever: TfidfRetriever) -> None:
    plain = snapshot(edge_retriever, ("budget planning",))
    assert plain[0]
    assert snapshot(edge_retriever, ("@everyone **Budget** `planning`?!",)) == plain
    assert snapshot(edge_retriever, ("BUDGET   planning\n",)) == plain


def test_non_ascii_spellings_meet_their_ascii_forms(edge_retriever: TfidfRetriever) -> None:
    for accented, plain in (("résumé", "resume"), ("straße", "strasse"), ("ﬁnancial", "financial"), ("Ｋ８Ｓ", "k8s")):
        assert edge_retriever.query_terms(accented) == edge_retriever.query_terms(plain)
        assert snapshot(edge_retriever, (accented,)) == snapshot(edge_retriever, (plain,))


def test_the_longest_synonym_variant_wins(write_knowledge: Callable[..., Path]) -> None:
    retriever = TfidfRetriever().fit(_knowledge(write_knowledge, SPACED_SYNONYMS))
    assert retriever.query_terms("pay band") == ["compensation"]  # not "compensation band"
    assert retriever.query_terms("k8s cluster") == ["kubernetes"]  # not "kubernetes cluster"
    assert retriever.query_terms("k8s clusters") == ["kubernetes", "clusters"]


def test_a_typo_of_a_knowledge_word_is_corrected_and_found(edge_retriever: TfidfRetriever) -> None:
    assert edge_retriever.query_terms("budgett plannning") == ["budget", "planning"]
    typo = snapshot(edge_retriever, ("budgett plannning",))
    assert typo == snapshot(edge_retriever, ("budget planning",))
    assert typo[0][0][0] in {"budget", "budget-again"}


def test_identical_entries_tie_and_the_earlier_one_ranks_first(edge_retriever: TfidfRetriever) -> None:
    hits = edge_retriever.search("cost optimisation spend", k=10).hits
    assert [hit.entry.id for hit in hits[:2]] == ["budget", "budget-copy"]
    assert hits[0].score == hits[1].score > 0
    # the same text with more phrasings of the title is a different entry: it ranks, but on its own score
    assert "budget-again" in [hit.entry.id for hit in hits]


def test_a_single_entry_knowledge_base_answers(write_knowledge: Callable[..., Path]) -> None:
    knowledge = load_knowledge(
        write_knowledge(one="role: Keeper\nentries:\n  - {id: only, title: Lamp, section: S, text: Trim the wick.}\n")
    )
    retriever = TfidfRetriever().fit(knowledge)
    assert [hit.entry.id for hit in retriever.search("trim the wick", k=10).hits] == ["only"]
    assert retriever.search("lighthouse pilot").hits == ()


# ---------------------------------------------------------------- fitting again, and fitting alongside search


def test_fitting_the_same_knowledge_twice_gives_identical_results(
    edge_knowledge: KnowledgeBase, tiny_knowledge: KnowledgeBase
) -> None:
    first, second = TfidfRetriever().fit(edge_knowledge), TfidfRetriever().fit(edge_knowledge)
    expected = snapshot(first, ADVERSARIAL_QUESTIONS)
    assert snapshot(second, ADVERSARIAL_QUESTIONS) == expected
    assert snapshot(TfidfRetriever().fit(edge_knowledge).fit(edge_knowledge), ADVERSARIAL_QUESTIONS) == expected
    # a retriever refitted on other knowledge keeps nothing of what it knew (caches included)
    refitted = TfidfRetriever().fit(tiny_knowledge)
    snapshot(refitted, ADVERSARIAL_QUESTIONS)
    assert snapshot(refitted.fit(edge_knowledge), ADVERSARIAL_QUESTIONS) == expected


def test_searching_while_other_threads_fit_gives_the_same_results(
    knowledge: KnowledgeBase, edge_knowledge: KnowledgeBase
) -> None:
    # The bot reloads in a worker thread (asyncio.to_thread) while the old retriever keeps answering.
    questions = (*ADVERSARIAL_QUESTIONS[:20], "do tls still write code?", "kubernetes certification")
    live = TfidfRetriever().fit(edge_knowledge)
    expected = snapshot(live, questions)
    serial = {id(k): snapshot(TfidfRetriever().fit(k), questions) for k in (knowledge, edge_knowledge)}
    fitted: list[tuple[KnowledgeBase, TfidfRetriever]] = []
    failures: list[BaseException] = []

    def fit(k: KnowledgeBase) -> None:
        try:
            fitted.append((k, TfidfRetriever().fit(k)))
        except BaseException as error:  # reported below
            failures.append(error)

    threads = [threading.Thread(target=fit, args=(k,)) for k in (knowledge, edge_knowledge) * 2]
    for thread in threads:
        thread.start()
    during = []
    while any(thread.is_alive() for thread in threads):
        during.append(snapshot(live, questions))
    for thread in threads:
        thread.join()
    assert not failures
    assert all(result == expected for result in during)
    assert len(fitted) == len(threads)
    for k, retriever in fitted:
        assert snapshot(retriever, questions) == serial[id(k)]


SPANNING_SYNONYM = """
role: Lighthouse Keeper
entries:
  - id: promo
    title: Getting a promotion
    section: Career
    text: Path to senior roles starts with a written case and a sponsor.
  - id: other
    title: Sponsorship
    section: Career
    text: A sponsor argues your case in calibration meetings.
synonyms:
  career ladder: [promotion path]
"""


def test_the_speller_knows_only_the_words_of_whole_entries(write_knowledge: Callable[..., Path]) -> None:
    # The title alone says "promotion", but the whole text "Getting a promotion Path to ..." rewrites "promotion path"
    # to "career ladder": "promotion" is not a word of the entry, so a typo of it is not corrected into it.
    retriever = TfidfRetriever().fit(load_knowledge(write_knowledge(k=SPANNING_SYNONYM)))
    whole_texts = {w for e in retriever.entries_ for w in retriever.normalizer_.content_words(e.searchable_text)}
    assert set(retriever.speller_.lexicon) == whole_texts
    assert retriever.query_terms("sponsor promotiom") == ["sponsor", "promotiom"]


def test_ngram_counts_of_words_shorter_than_every_n_are_the_padded_words() -> None:
    expected = CountVectorizer(analyzer="char_wb", ngram_range=(4, 4)).fit(["a", "b"]).get_feature_names_out()
    counts_t, vocabulary = ngram_counts_t(["a", "b"], (4, 4))
    assert vocabulary == list(expected) == [" a ", " b "]
    assert counts_t.toarray().tolist() == [[1, 0], [0, 1]]
