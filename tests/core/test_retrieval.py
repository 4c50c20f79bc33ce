"""The retriever on a tiny corpus with exact expectations, and every outcome of the confidence gate."""

from __future__ import annotations

import dataclasses
from dataclasses import replace

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer
from snowballstemmer.english_stemmer import EnglishStemmer
from tfidf_helpers import dense_row

from bot.core.answering import smalltalk_reply
from bot.core.gate import ConfidenceGate, Hit, SearchResults, Status
from bot.core.knowledge import Entry, KnowledgeBase
from bot.core.retriever import TfidfRetriever, word_features
from bot.core.speller import Speller, english_words
from bot.core.text import Normalizer, Stemmer

stem = Stemmer().stem


@pytest.fixture
def retriever(tiny_knowledge: KnowledgeBase) -> TfidfRetriever:
    return TfidfRetriever().fit(tiny_knowledge)


def top_ids(retriever: TfidfRetriever, question: str) -> list[str]:
    return [hit.entry.id for hit in retriever.search(question, k=3).hits]


def test_ranks_the_entry_that_shares_the_words_first(retriever: TfidfRetriever) -> None:
    assert top_ids(retriever, "who trims the wick?")[0] == "duty-lamp"
    assert top_ids(retriever, "where are storms written down")[0] == "duty-log"
    assert top_ids(retriever, "who looks after the light")[0] == "duty-lamp"  # matched through `questions:`


def test_synonyms_connect_members_words_to_the_page(retriever: TfidfRetriever) -> None:
    # "salary" is nowhere in the tiny page: the synonym list maps it, and "wage", to "compensation".
    assert top_ids(retriever, "salary?")[0] == "faq-salary"
    assert top_ids(retriever, "cleaning the glass")[0] == "duty-lamp"


def test_a_synonym_that_maps_onto_a_stop_word_is_refused_not_silently_dropped(
    tiny_knowledge: KnowledgeBase,
) -> None:
    # "with" is a function word: mapping "golang" onto it would erase the word from every question.
    knowledge = dataclasses.replace(tiny_knowledge, synonyms={**tiny_knowledge.synonyms, "with": ("golang",)})
    with pytest.raises(ValueError, match=r"synonym 'with' is only words the retriever ignores.*'golang'"):
        TfidfRetriever().fit(knowledge)
    fitted = TfidfRetriever().fit(dataclasses.replace(tiny_knowledge, synonyms={"golang": ("go lang",)}))
    assert fitted.query_terms("is go lang worth it") == ["golang", "worth"]


def test_a_synonym_variant_that_is_one_stop_word_is_refused(tiny_knowledge: KnowledgeBase) -> None:
    # "it" as a variant of "information technology" would rewrite the pronoun in every question ("is it on call").
    synonyms = {**tiny_knowledge.synonyms, "information technology": ("it",)}
    with pytest.raises(ValueError, match=r"the variant 'it' is a stop word, so every question with 'it' in it"):
        TfidfRetriever().fit(dataclasses.replace(tiny_knowledge, synonyms=synonyms))
    phrase = {**tiny_knowledge.synonyms, "information technology": ("it background", "way up")}  # phrases are fine
    fitted = TfidfRetriever().fit(dataclasses.replace(tiny_knowledge, synonyms=phrase))
    assert "information" in " ".join(fitted.query_terms("any it background needed?"))


def test_typos_are_corrected_to_words_the_knowledge_uses(retriever: TfidfRetriever) -> None:
    assert retriever.query_terms("logbok entries") == ["logbook", "entries"]
    assert top_ids(retriever, "logbok")[0] == "duty-log"


def test_results_are_ranked_bounded_and_typed(retriever: TfidfRetriever) -> None:
    results = retriever.search("lamp lens logbook wage", k=2)
    assert len(results.hits) == 2
    assert all(isinstance(hit, Hit) and 0 < hit.score <= 1 for hit in results.hits)
    assert results.hits[0].score >= results.hits[1].score
    assert results.margin == pytest.approx(results.hits[0].score - results.hits[1].score)


def test_off_topic_and_empty_questions_find_nothing(retriever: TfidfRetriever) -> None:
    assert retriever.search("banana bread recipe").hits == ()
    assert retriever.search("   ").hits == ()
    assert retriever.search("the of and").hits == ()


def test_naming_the_role_is_noticed(retriever: TfidfRetriever) -> None:
    assert retriever.search("what does a lighthouse keeper do with the lamp").names_role
    assert not retriever.search("what do i do with the lamp").names_role
    assert retriever.search("lamp and logbook").term_count == 2


def test_fitting_an_empty_knowledge_base_is_refused() -> None:
    with pytest.raises(ValueError, match="empty knowledge base"):
        TfidfRetriever().fit(KnowledgeBase(entries=(), synonyms={}, files=()))


def test_fitting_knowledge_of_stop_words_only_is_refused_as_scikit_learn_did() -> None:
    only_stop_words = Entry(id="a", title="the of", section="S", text="and the", role="R", source="r.yaml")
    with pytest.raises(ValueError, match="empty vocabulary"):
        TfidfRetriever().fit(KnowledgeBase(entries=(only_stop_words,), synonyms={}, files=()))


def test_normalizer_rewrites_whole_words_only() -> None:
    normalize = Normalizer({"kubernetes": ["k8s", "kube"], "compensation": ["pay"]})
    assert normalize("K8s and KUBE pay") == "kubernetes and kubernetes compensation"
    assert normalize("kubectl paying payday") == "kubectl paying payday"


@pytest.mark.parametrize(
    "question",
    ["do TLs *write* code?", "do TLs __write__ code?", "do TLs **write code**?", "do TLs `write` ~~code~~?"],
)
def test_markdown_formatting_is_not_part_of_the_words(question: str) -> None:
    normalize = Normalizer({"hands-on": ["write code"]})
    assert "hands-on" in normalize(question)
    assert normalize.content_words(question) == normalize.content_words("do TLs write code?")


def test_an_underscore_inside_a_word_is_not_formatting() -> None:
    normalize = Normalizer({"kubernetes": ["case"]})
    assert normalize("snake_case or _case_") == "snake_case or kubernetes"


def test_speller_only_fixes_close_unambiguous_typos() -> None:
    speller = Speller(["certification", "kubernetes", "terraform", "strong"])
    assert speller.correct("certifcation") == "certification"
    assert speller.correct("kubernets") == "kubernetes"
    assert speller.correct("song") is None  # too short to guess
    assert speller.correct("banana") is None
    assert speller.correct("strnog") == "strong"  # an adjacent swap is one edit


def test_speller_leaves_correctly_spelt_english_words_alone() -> None:
    lexicon = ["passing", "transition", "certification"]
    assert Speller(lexicon).correct("transaction") == "transition"  # without a dictionary: a false "typo"
    speller = Speller(lexicon, dictionary=english_words())
    assert speller.correct("transaction") is None
    assert speller.correct("pausing") is None
    assert speller.correct("certifcation") == "certification"  # real typos are still fixed


def test_a_real_english_word_does_not_turn_an_off_topic_question_into_an_answer(retriever: TfidfRetriever) -> None:
    # "pausing" is one letter from the page's "passing", but it is a word of its own, not a typo.
    assert retriever.query_terms("pausing") == ["pausing"]
    assert retriever.search("pausing").hits == ()
    assert retriever.query_terms("logbok") == ["logbook"]


def entry(entry_id: str) -> Entry:
    return Entry(id=entry_id, title=entry_id, section="S", text="t", role="R", source="r.yaml")


def results(
    *scores: float, confidence: float | None = None, kin: tuple[float, ...] = (), topic: SearchResults | None = None
) -> SearchResults:
    kinship = (1.0, *kin) + (0.0,) * len(scores)
    hits = tuple(Hit(entry(f"e{i}"), score, kinship=kinship[i]) for i, score in enumerate(scores))
    return SearchResults("q", hits, term_count=3, confidence=confidence, topic=topic)


GATE = ConfidenceGate(min_confidence=0.8)


def test_gate_answers_when_the_calibrated_confidence_reaches_the_bar_and_lists_kin_as_related() -> None:
    verdict = GATE.judge(results(0.5, 0.45, 0.4, confidence=0.85, kin=(0.6, 0.1)))
    assert verdict.status is Status.ANSWERED
    assert verdict.answer is not None and verdict.answer.entry.id == "e0"
    assert [hit.entry.id for hit in verdict.alternatives] == ["e1"]  # e2 is not kin of e0: not "related"


def test_gate_suggests_below_the_bar_and_abstains_far_below_it() -> None:
    verdict = GATE.judge(results(0.5, 0.47, 0.1, confidence=0.5))
    assert verdict.status is Status.SUGGEST and verdict.answer is None
    assert [hit.entry.id for hit in verdict.alternatives] == ["e0", "e1"]  # e2 is far behind: not a candidate
    unknown = GATE.judge(results(0.5, 0.47, confidence=0.1))
    assert unknown.status is Status.UNKNOWN and unknown.best is not None and unknown.score == 0.5
    assert GATE.judge(results()).status is Status.UNKNOWN


def test_the_one_setting_moves_the_operating_point() -> None:
    assert ConfidenceGate(min_confidence=0.5).judge(results(0.3, confidence=0.6)).status is Status.ANSWERED
    assert ConfidenceGate(min_confidence=0.9).judge(results(0.3, confidence=0.6)).status is Status.SUGGEST


def test_an_uncalibrated_search_is_never_answered() -> None:
    assert GATE.judge(results(0.9)).status is Status.UNKNOWN


def test_a_clear_topic_with_a_detail_the_knowledge_lacks_is_a_partial_answer() -> None:
    topic = SearchResults("q", (Hit(entry("cert"), 0.4),), term_count=2, confidence=0.6)
    verdict = GATE.judge(replace(results(0.1, confidence=0.2, topic=topic), detail_terms=("mark",)))
    assert verdict.status is Status.PARTIAL and verdict.answer is None
    assert verdict.best is not None and verdict.best.entry.id == "cert" and verdict.missing == ("mark",)
    weak_topic = replace(topic, confidence=0.2)
    assert GATE.judge(results(0.1, confidence=0.1, topic=weak_topic)).status is Status.UNKNOWN


def test_a_question_that_only_names_the_role_and_a_function_word_is_not_answered_outright(
    knowledge: KnowledgeBase,
) -> None:
    retriever, gate = TfidfRetriever().fit(knowledge), ConfidenceGate()
    assert gate.judge(retriever.search("how much does a cloud TL make")).status is not Status.ANSWERED
    certifications = gate.judge(retriever.search("what certifications does a cloud TL need"))
    assert certifications.status is not Status.UNKNOWN
    assert certifications.best is not None and certifications.best.entry.id == "faq-certifications"


def test_the_most_basic_question_about_the_role_finds_the_introduction(knowledge: KnowledgeBase) -> None:
    retriever, gate = TfidfRetriever().fit(knowledge), ConfidenceGate()
    for question in ("what does a tech lead do", "what does a TL do"):
        verdict = gate.judge(retriever.search(question))
        assert verdict.status is not Status.UNKNOWN, question
        assert verdict.best is not None and verdict.best.entry.id == "intro", question


def test_a_pass_mark_the_page_never_gives_is_a_partial_answer_on_the_certification(knowledge: KnowledgeBase) -> None:
    retriever, gate = TfidfRetriever().fit(knowledge), ConfidenceGate()
    verdict = gate.judge(retriever.search("what is the pass mark for the terraform exam"))
    assert verdict.status is Status.PARTIAL
    assert verdict.best is not None and verdict.best.entry.id == "cert-terraform" and "mark" in verdict.missing


@pytest.mark.parametrize("text", ["hi", "Hello there!", "thanks!", "thank you so much", "ty", "bye bot", "gm"])
def test_greetings_and_thanks_get_a_friendly_reply(text: str) -> None:
    assert smalltalk_reply(text, ("Cloud Technical Lead",))


@pytest.mark.parametrize("text", ["hi, what certs do i need?", "thanks but what about salary", "history"])
def test_questions_are_not_small_talk(text: str) -> None:
    assert smalltalk_reply(text, ("Cloud Technical Lead",)) is None


def test_stems_are_the_pure_python_snowball_stems() -> None:
    # With PyStemmer installed, snowballstemmer hands out its C stemmer: it must stem exactly as the Python one.
    words = ["certifications", "running", "generously", "kubernetes", "skies", "dying", "news", "leading", "k8s:pod"]
    reference = EnglishStemmer()
    assert [stem(word) for word in words] == [reference.stemWord(word) for word in words]


def reference_vectorizers(
    retriever: TfidfRetriever, knowledge: KnowledgeBase
) -> tuple[TfidfVectorizer, TfidfVectorizer, list[list[str]], int]:
    """The index built the plain way: TfidfVectorizers fitted on every phrasing's and every body's terms."""
    texts = [text for entry in knowledge.entries for text in (entry.title, *entry.questions)]
    phrasings = [retriever.index_terms(text) for text in texts]
    bodies = [retriever.index_terms(entry.searchable_text) for entry in knowledge.entries]
    words = TfidfVectorizer(analyzer=lambda terms: word_features(terms, stem), sublinear_tf=True, dtype=np.float32)
    chars = TfidfVectorizer(
        analyzer="char_wb", preprocessor=" ".join, ngram_range=(3, 5), sublinear_tf=True, dtype=np.float32
    )
    return words, chars, phrasings + bodies, len(phrasings)


@pytest.mark.parametrize("which", ["tiny", "bundled"])
def test_index_equals_scikit_learn_tfidf_bit_for_bit(which: str, request: pytest.FixtureRequest) -> None:
    knowledge = request.getfixturevalue("tiny_knowledge" if which == "tiny" else "knowledge")
    retriever = TfidfRetriever().fit(knowledge)
    words, chars, documents, split = reference_vectorizers(retriever, knowledge)
    words_t = words.fit_transform(documents).T.toarray()
    assert np.array_equal(retriever.word_t_.toarray(), words_t)  # phrasings first, then entry bodies
    chars_t = chars.fit_transform(documents).T.toarray()
    assert np.array_equal(retriever.phrasing_char_t_.toarray(), chars_t[:, :split])
    assert np.array_equal(retriever.body_char_t_.toarray(), chars_t[:, split:])
    assert split == len(retriever.owners_)
    assert retriever.idf_ == {term: float(words.idf_[i]) for term, i in words.vocabulary_.items() if " " not in term}
    assert retriever.unknown_idf_ == float(words.idf_.max())
    stem_of_rank = {rank: text for text, rank in retriever.stem_rank_.items()}
    entry_stems = [set() for _ in knowledge.entries]
    for key in retriever.entry_stem_keys_.tolist():
        entry_stems[key // retriever.stem_base_].add(stem_of_rank[key % retriever.stem_base_])
    assert entry_stems == [
        {stem(word) for word in retriever.normalizer_.content_words(entry.searchable_text)}
        for entry in knowledge.entries
    ]
    questions = ("who trims the wick?", "logbok", "salary and wage", "nothing known here", "lens lens lamp")
    for question in (*questions, "what does a cloud tl do all day", "k8s certs and terraform"):
        terms = retriever.query_terms(question)
        for encoder, vectorizer in ((retriever.word_encoder_, words), (retriever.char_encoder_, chars)):
            assert dense_row(encoder, terms) == pytest.approx(vectorizer.transform([terms]).toarray(), abs=1e-6)


def test_speller_index_equals_scikit_learn_tfidf() -> None:
    lexicon = ["certification", "kubernetes", "terraform", "strong", "go", "a"]
    speller = Speller(lexicon)
    grams = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 3), sublinear_tf=True, dtype=np.float32)
    expected = grams.fit_transform(sorted(lexicon)).T.toarray()
    assert speller._index_t is not None and speller._encoder is not None
    assert np.array_equal(speller._index_t.toarray(), expected)
    for word in ("certifcation", "kubernets", "zzz"):
        assert dense_row(speller._encoder, word) == pytest.approx(grams.transform([word]).toarray(), abs=1e-6)


def test_an_english_word_the_page_never_uses_counts_against_the_match(tiny_knowledge: KnowledgeBase) -> None:
    retriever = TfidfRetriever().fit(tiny_knowledge)
    about_something_else = retriever.search("lamp pilot").hits[0]  # "pilot": a real word, not about this page
    unknown_token = retriever.search("lamp xqzv").hits[0]  # a code or a typo nobody can correct: weaker evidence
    assert about_something_else.entry.id == unknown_token.entry.id == "duty-lamp"
    assert about_something_else.score < unknown_token.score
    even = TfidfRetriever(off_topic_word_weight=1.0).fit(tiny_knowledge)
    assert even.search("lamp pilot").hits[0].score == even.search("lamp xqzv").hits[0].score


def test_the_concept_space_places_a_question_near_the_entry_it_is_about(tiny_knowledge: KnowledgeBase) -> None:
    retriever = TfidfRetriever().fit(tiny_knowledge)
    everyone = np.arange(len(tiny_knowledge.entries))
    ids = [entry.id for entry in tiny_knowledge.entries]
    for question, expected in (("polish the lens", "duty-lamp"), ("storm logbook", "duty-log"), ("wage", "faq-salary")):
        similarity = retriever.concept_similarity(
            retriever.word_encoder_.weights(retriever.query_terms(question)), everyone
        )
        assert ids[int(similarity.argmax())] == expected
        assert sorted(similarity)[-2] < 0.5 * similarity.max() and 0.1 < similarity.max() <= 1.0001


def test_disagreeing_with_the_concept_space_lowers_a_score_at_most_by_the_concept_weight(
    tiny_knowledge: KnowledgeBase,
) -> None:
    with_concepts = TfidfRetriever(concept_weight=0.5).fit(tiny_knowledge)
    words_only = TfidfRetriever(concept_weight=0.0).fit(tiny_knowledge)
    assert words_only.concept_position_ is None
    lowered = 0
    for question in ("who trims the wick?", "storm logbook", "wage", "lamp", "lamp and logbook"):
        plain = {hit.entry.id: hit.score for hit in words_only.search(question).hits}
        for hit in with_concepts.search(question).hits:
            assert plain[hit.entry.id] * 0.5 - 1e-4 <= hit.score <= plain[hit.entry.id] + 1e-4
            lowered += hit.score < plain[hit.entry.id] - 1e-3
    assert lowered  # the space does change scores where it disagrees
    again = TfidfRetriever(concept_weight=0.5).fit(tiny_knowledge)
    assert again.search("lamp and logbook") == with_concepts.search("lamp and logbook")  # a fixed seed: reproducible


def test_a_calibrated_fit_keeps_nothing_of_its_refits_normalised_texts(tiny_knowledge: KnowledgeBase) -> None:
    """The refits share the parent's normalised texts while it calibrates, and the memory is freed afterwards."""
    retriever = TfidfRetriever().fit(tiny_knowledge)
    assert retriever.confidence_model_ is not None
    assert retriever.normalizer_._remembered is None
    refit = retriever._uncalibrated()
    assert refit.fit(tiny_knowledge).normalizer_ is retriever.normalizer_  # same rules: one normaliser
