"""The confidence learnt at index time: a new community's handful of entries still gets clear matches answered."""

from __future__ import annotations

import pytest

from bot.core.gate import ConfidenceGate, Status
from bot.core.knowledge import KnowledgeBase
from bot.core.retriever import TfidfRetriever

DEFAULT = ConfidenceGate()


@pytest.fixture
def tiny_retriever(tiny_knowledge: KnowledgeBase) -> TfidfRetriever:
    return TfidfRetriever().fit(tiny_knowledge)


@pytest.mark.parametrize(
    ("question", "entry"),
    [
        ("who trims the wick?", "duty-lamp"),
        ("what is in the logbook", "duty-log"),
        ("how much does a keeper earn", "faq-salary"),
    ],
)
def test_a_three_entry_knowledge_answers_its_clear_matches(
    tiny_retriever: TfidfRetriever, question: str, entry: str
) -> None:
    verdict = DEFAULT.judge(tiny_retriever.search(question, k=8))
    assert verdict.status is Status.ANSWERED
    assert verdict.best is not None and verdict.best.entry.id == entry


@pytest.mark.parametrize("question", ["how do I trim my beard", "who polishes my car", "what is the capital of France"])
def test_a_three_entry_knowledge_does_not_answer_what_only_shares_a_word(
    tiny_retriever: TfidfRetriever, question: str
) -> None:
    assert DEFAULT.judge(tiny_retriever.search(question, k=8)).status is not Status.ANSWERED


def test_the_confidence_is_the_same_each_time_the_knowledge_is_indexed(tiny_knowledge: KnowledgeBase) -> None:
    first = TfidfRetriever().fit(tiny_knowledge).search("who trims the wick?", k=8).confidence
    again = TfidfRetriever().fit(tiny_knowledge).search("who trims the wick?", k=8).confidence
    assert first is not None and first == again


@pytest.fixture(scope="module")
def role_retriever(knowledge: KnowledgeBase) -> TfidfRetriever:
    return TfidfRetriever().fit(knowledge)


@pytest.mark.parametrize("question", ["which certifications should I get?", "what certs"])
def test_the_common_short_certification_questions_are_answered(role_retriever: TfidfRetriever, question: str) -> None:
    """The glance item and the FAQ about certifications agree: the best is answered, not "did you mean"."""
    verdict = DEFAULT.judge(role_retriever.search(question, k=8))
    assert verdict.status is Status.ANSWERED
    assert verdict.best is not None and verdict.best.entry.id in {"faq-certifications", "glance-certifications"}
