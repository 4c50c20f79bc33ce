"""Text without words is not a question, on every way of asking: a short reply, never counted or queued."""

from __future__ import annotations

import pytest

from bot.core import replies
from bot.core.answering import Answerer
from bot.core.gate import ConfidenceGate, Status
from bot.core.knowledge import KnowledgeBase
from bot.store import Origin, Store


@pytest.mark.parametrize(
    "text", ["???", "🤔🔥", "\u200b\u200d", "\x1b\x07", "\x00", "   ", "…!?", "\x1b[2J\x1b[H", "\x1b]0;pwned\x07"]
)
async def test_wordless_text_gets_a_short_reply_and_is_neither_counted_nor_queued(
    text: str, tiny_knowledge: KnowledgeBase, store: Store
) -> None:
    answerer = Answerer.build(tiny_knowledge, ConfidenceGate(), store)
    answer = await answerer.answer(text, Origin(kind="discord", guild_id=1, channel_id=2))
    assert answer.status is Status.SMALLTALK and answer.reply == replies.NO_WORDS
    assert (await store.stats(7, scope=None)).asked == 0
    assert await store.questions(scope=None, status=None) == []


async def test_terminal_colour_codes_around_a_question_change_nothing(
    tiny_knowledge: KnowledgeBase, store: Store
) -> None:
    """Pasted from a coloured terminal, the question is the same question, and a greeting the same greeting."""
    answerer = Answerer.build(tiny_knowledge, ConfidenceGate(), store)
    plain = answerer.judge("who trims the wick?")
    coloured = answerer.judge("\x1b[31mwho trims\x1b[0m the \x1b[1mwick\x1b[0m?")
    assert plain.status is Status.ANSWERED and coloured.status is Status.ANSWERED
    assert coloured.verdict is not None and plain.verdict is not None
    assert coloured.verdict.best == plain.verdict.best
    greeting = answerer.judge("\x1b[32mhi\x1b[0m")
    assert greeting.status is Status.SMALLTALK and greeting.reply == answerer.judge("hi").reply


@pytest.mark.parametrize("mark", ["\u00ad", "\u200b", "\u200d", "\u2060", "\ufeff"])
async def test_an_invisible_mark_inside_a_word_changes_nothing(mark: str, tiny_knowledge: KnowledgeBase) -> None:
    """Text pasted from a web page carries soft hyphens and zero-width marks inside words: the same question."""
    answerer = Answerer.build(tiny_knowledge, ConfidenceGate(), None)
    plain = answerer.judge("who trims the wick?")
    marked = answerer.judge(f"who tr{mark}ims the wi{mark}ck?")
    assert plain.status is Status.ANSWERED and marked.status is Status.ANSWERED
    assert marked.verdict is not None and plain.verdict is not None
    assert marked.verdict.best == plain.verdict.best and marked.verdict.score == plain.verdict.score


async def test_quit_and_exit_are_small_talk_not_questions(tiny_knowledge: KnowledgeBase, store: Store) -> None:
    answerer = Answerer.build(tiny_knowledge, ConfidenceGate(), store)
    for text in ("quit", "Exit", "exit!"):
        answer = await answerer.answer(text, Origin(kind="cli"))
        assert answer.status is Status.SMALLTALK and answer.reply == replies.FAREWELL
    assert await store.questions(scope=None, status=None) == []


def test_one_stats_wording_with_counts_and_shares() -> None:
    assert (
        replies.stats_summary(15, 4, 7, 4)
        == "15 questions: 4 answered (27%), 0 partial (0%), 7 unsure (47%), 4 not known (27%)"
    )
    assert replies.stats_summary(20, 4, 7, 4, partial=5) == (
        "20 questions: 4 answered (20%), 5 partial (25%), 7 unsure (35%), 4 not known (20%)"
    )
    assert (
        replies.stats_summary(1, 1, 0, 0)
        == "1 question: 1 answered (100%), 0 partial (0%), 0 unsure (0%), 0 not known (0%)"
    )
    assert (
        replies.stats_summary(0, 0, 0, 0)
        == "0 questions: 0 answered (0%), 0 partial (0%), 0 unsure (0%), 0 not known (0%)"
    )
