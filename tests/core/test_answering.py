"""The shared answer path keeps the event loop free: a burst of questions is answered one per loop turn."""

from __future__ import annotations

import asyncio
import gc
import itertools
from typing import Any

from bot.config import Config
from bot.core.answering import Answer, Answerer, settle_long_lived_objects
from bot.core.gate import Status
from bot.core.knowledge import KnowledgeBase


class CountingAnswerer(Answerer):
    """An Answerer that counts how many questions it has judged so far."""

    judged = 0

    def judge(self, question: str, **where: Any) -> Answer:
        self.judged += 1
        return super().judge(question, **where)


async def test_a_burst_of_questions_gives_the_loop_back_between_every_two(tiny_knowledge: KnowledgeBase) -> None:
    answerer = CountingAnswerer.build(tiny_knowledge, Config().retrieval, store=None)
    seen: list[int] = []
    stop = asyncio.Event()

    async def heartbeat() -> None:
        while not stop.is_set():
            seen.append(answerer.judged)
            await asyncio.sleep(0)

    beat = asyncio.create_task(heartbeat())
    await asyncio.sleep(0)
    # All handlers become ready in the same loop turn, as when many messages arrive in one gateway read.
    answers = await asyncio.gather(*(answerer.judge_in_turn(f"who trims the wick? #{i}") for i in range(30)))
    stop.set()
    await beat
    assert answerer.judged == 30
    direct = [answerer.judge(f"who trims the wick? #{i}").status for i in range(30)]
    assert [answer.status for answer in answers] == direct
    steps = [after - before for before, after in itertools.pairwise(seen)]
    assert max(steps) == 1  # never two questions between two heartbeats
    assert sum(steps) >= 29


async def test_answers_in_turn_are_the_same_as_judged_directly(knowledge: KnowledgeBase) -> None:
    answerer = Answerer.build(knowledge, Config().retrieval, store=None)
    for question in ("how many years of experience?", "hi", "banana bread recipe"):
        assert await answerer.judge_in_turn(question) == answerer.judge(question)


def test_each_event_loop_gets_its_own_turns(tiny_knowledge: KnowledgeBase) -> None:
    answerer = Answerer.build(tiny_knowledge, Config().retrieval, store=None)

    async def burst() -> list[Status]:
        answers = await asyncio.gather(*(answerer.judge_in_turn("who trims the wick?") for _ in range(3)))
        return [answer.status for answer in answers]

    expected = [answerer.judge("who trims the wick?").status] * 3
    assert asyncio.run(burst()) == expected
    assert asyncio.run(burst()) == expected  # a lock bound to the first loop would fail here


def test_settling_keeps_the_index_out_of_the_collectors_rounds(knowledge: KnowledgeBase) -> None:
    answerer = Answerer.build(knowledge, Config().retrieval, store=None)
    try:
        settle_long_lived_objects()
        frozen = gc.get_freeze_count()
        assert frozen > 10_000  # the entries, the index, the vocabularies
        assert answerer.judge("how many years of experience?").status is Status.ANSWERED  # still answers
        settle_long_lived_objects()  # a reload settles again: unfreeze, collect, freeze, without piling up
        assert gc.get_freeze_count() <= frozen * 1.1
    finally:
        gc.unfreeze()
