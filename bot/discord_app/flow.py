"""The one answer path every cog takes: check the question, judge it, render it, send it, record it."""

from __future__ import annotations

import logging
import math
import sqlite3
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import discord

from bot.core import replies
from bot.core.answering import QUEUED, Answer
from bot.core.gate import Status
from bot.core.text import question_text
from bot.discord_app.render import answer_embed
from bot.discord_app.views import suggestion_view, vote_view
from bot.errors import FaqbotError
from bot.store import Origin

if TYPE_CHECKING:
    from bot.discord_app.bot import FaqBot

log = logging.getLogger(__name__)

QUEUE_UNCERTAIN = QUEUED  # "I don't know", "did you mean" and partial answers, the unsure ones marked


@dataclass(frozen=True)
class Precheck:
    """A question as the member typed it, trimmed, and why it cannot be answered now (None: it can)."""

    question: str
    problem: str | None = None
    cooling_down: bool = False
    received: float = field(default_factory=time.monotonic)  # when the question reached the bot (for metrics)

    @property
    def ok(self) -> bool:
        """Whether the question may be judged."""
        return self.problem is None


def precheck(bot: FaqBot, user_id: int, text: str, *, how_to_ask: str = "/ask question:") -> Precheck:
    """The checks every way of asking shares: not empty, not too long, and the member is not in a cooldown.

    The question is the text without Discord's markup: a message that is nothing but mentions is empty.
    """
    question = question_text(text)
    if not question:
        return Precheck(question, replies.empty_question(bot.answerer.knowledge.roles, how_to_ask))
    if len(question) > bot.config.max_question_chars:
        return Precheck(question, replies.too_long(bot.config.max_question_chars))
    wait = bot.cooldown.retry_after(user_id)
    if wait:
        return Precheck(question, f"Slow down a little: you can ask again in {math.ceil(wait)}s.", cooling_down=True)
    return Precheck(question)


def asked_by(origin: Origin, user: discord.abc.User) -> Origin:
    """The place a question was asked, with the member who asked it (so they can be told once it is answered)."""
    return replace(origin, user_id=user.id)


@dataclass(frozen=True)
class Reply:
    """What to send for an answer: an embed and its buttons (if any)."""

    embed: discord.Embed
    view: discord.ui.View | None

    @property
    def message_kwargs(self) -> dict[str, Any]:
        """The send() arguments: an interaction response refuses `view=None`, so the view is left out when absent."""
        return {"embed": self.embed} if self.view is None else {"embed": self.embed, "view": self.view}


def reply_for(answer: Answer) -> Reply:
    """The message for an answer: the entry with vote buttons, or the choices of a "did you mean", or text alone."""
    verdict = answer.verdict
    if verdict is not None and verdict.answer is not None:
        return Reply(answer_embed(answer), vote_view(verdict.answer.entry.id))
    if verdict is not None and answer.status is Status.PARTIAL and verdict.best is not None:
        return Reply(answer_embed(answer), vote_view(verdict.best.entry.id))
    if verdict is not None and answer.status is Status.SUGGEST:
        return Reply(answer_embed(answer), suggestion_view(verdict.alternatives))
    return Reply(answer_embed(answer), None)


@dataclass(frozen=True)
class Delivery:
    """A delivered answer, as recorded, and whether its reply reached Discord."""

    answer: Answer
    sent: bool


async def deliver(
    bot: FaqBot,
    answer: Answer,
    send: Callable[[Reply], Awaitable[int | None]],
    origin: Callable[[int | None], Origin],
    *,
    queue: frozenset[Status] = QUEUE_UNCERTAIN,
    received: float | None = None,
    correct: Callable[[str], Awaitable[object]] | None = None,
) -> Delivery:
    """Render and send a judged answer, then record it (and the message that carries it) through the answering layer.

    `send` posts the reply and returns the sent message's id; `origin` says where the question was asked (and, for
    Discord, who asked: `Origin.user_id`, see `asked_by`), given it.
    `received` (time.monotonic) is when the question arrived, for the latency metric; default: now.
    A reply Discord refuses (no permission in the channel, say) is logged in one line and the question recorded all
    the same: it is not lost, and the caller learns from `Delivery.sent` that nobody saw a reply. A question the store
    cannot record (disk full, database unreachable) is logged in one line and counted in the metrics, and when its
    reply said it was passed to the editors, `correct` sends the member the correction.
    """
    started = time.monotonic() if received is None else received
    try:
        message_id = await send(reply_for(answer))
    except discord.HTTPException as error:
        # No permission to post there (or the channel is gone): the question still counts and, when it was not
        # known, still reaches the editors; the log says why the member got no reply.
        log.warning("could not post the reply (%s %s): the question is recorded without one", error.status, error.text)
        recorded = await _record(bot, answer, origin(None), queue, None, None)
        bot.metrics.question(answer.status.value, None)
        return Delivery(recorded, sent=False)
    recorded = await _record(bot, answer, origin(message_id), queue, message_id, correct)
    bot.metrics.question(answer.status.value, time.monotonic() - started)
    return Delivery(recorded, sent=True)


async def _record(
    bot: FaqBot,
    answer: Answer,
    origin: Origin,
    queue: frozenset[Status],
    message_id: int | None,
    correct: Callable[[str], Awaitable[object]] | None,
) -> Answer:
    """Record an answer; when the store cannot (disk full, database unreachable), say so instead of losing it quietly.

    One line for the operator, a metric to alert on, and the truth for the member whose reply said the question was
    passed to the editors.
    """
    try:
        return await bot.answerer.record(answer, origin, queue=queue, message_id=message_id)
    except (FaqbotError, sqlite3.Error, OSError) as error:
        log.error("could not record a question (%s): %s", answer.status.value, error)
        bot.metrics.record_failed()
        if answer.status in queue and correct is not None:
            await correct(replies.NOT_PASSED_ON)
        return answer


async def record_quietly(bot: FaqBot, answer: Answer, origin: Origin) -> None:
    """Record a question the bot does not reply to (an unsure one in an answer channel): queued for the editors."""
    await _record(bot, answer, origin, QUEUE_UNCERTAIN, None, None)
