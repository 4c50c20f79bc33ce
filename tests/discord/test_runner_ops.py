"""`faqbot run` as a service, in-process: first-login retries, discord.py's log lines, the metrics endpoint."""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import sqlite3
import sys
from types import SimpleNamespace

import aiohttp
import discord
import pytest
from discord_helpers import World

from bot.core.answering import Answerer
from bot.core.gate import ConfidenceGate
from bot.core.knowledge import KnowledgeBase
from bot.core.queue import resolve_question
from bot.discord_app.runner import DiscordLogLines, RedactSecret, first_login, follow_teaching, refresh_queue_size
from bot.errors import FaqbotError
from bot.metrics import Metrics
from bot.store import Ask, Origin, Store
from bot.store.migrations import bundled_migrations


class FlakyLogin:
    """Fails with the given errors in turn, then succeeds."""

    def __init__(self, *errors: BaseException) -> None:
        self.errors = list(errors)
        self.calls = 0

    async def __call__(self) -> None:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)


async def test_network_failures_are_retried_with_one_warning_line_each(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="bot.discord_app.runner")
    login = FlakyLogin(aiohttp.ClientConnectionError("refused"), TimeoutError())
    assert await first_login(login, asyncio.Event(), delays=(0.01, 0.02, 0.04)) is True
    assert login.calls == 3
    assert [record.getMessage() for record in caplog.records] == [
        "cannot reach Discord (attempt 1: ClientConnectionError: refused); retrying in 0 s",
        "cannot reach Discord (attempt 2: TimeoutError); retrying in 0 s",
    ]
    assert all(record.exc_info is None for record in caplog.records)


async def test_retries_end_with_one_error_line_after_the_last_attempt() -> None:
    login = FlakyLogin(*[OSError("network is unreachable")] * 3)
    with pytest.raises(FaqbotError, match=r"^cannot reach Discord after 3 attempts: OSError: network is unreachable$"):
        await first_login(login, asyncio.Event(), delays=(0.01, 0.01))


async def test_a_discord_outage_is_told_apart_from_a_network_down_here(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="bot.discord_app.runner")
    outage = discord.DiscordServerError(SimpleNamespace(status=503, reason="Service Unavailable"), "upstream reset")
    login = FlakyLogin(outage, outage)
    with pytest.raises(FaqbotError, match=r"^Discord is unavailable after 2 attempts: DiscordServerError: 503 "):
        await first_login(login, asyncio.Event(), delays=(0.01,))
    [line] = [record.getMessage() for record in caplog.records]
    assert line.startswith("Discord is unavailable (attempt 1: DiscordServerError: 503 Service Unavailable")


def test_a_logged_traceback_is_redacted_too() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactSecret("s3cret-token"))
    logger = logging.getLogger("faqbot.test.redaction")
    logger.addHandler(handler)
    try:
        raise RuntimeError("request to /interactions/123/aW50ZXJhY3Rpb24/callback with s3cret-token failed")
    except RuntimeError:
        logger.exception("a library logged its failure")
    finally:
        logger.removeHandler(handler)

    logged = stream.getvalue()
    assert "RuntimeError: request to /interactions/123/[redacted]/callback with [redacted] failed" in logged
    assert "s3cret-token" not in logged and "aW50ZXJhY3Rpb24" not in logged


async def test_a_rejected_token_is_not_retried() -> None:
    login = FlakyLogin(discord.LoginFailure("Improper token has been passed."))
    with pytest.raises(discord.LoginFailure):
        await first_login(login, asyncio.Event(), delays=(0.01,))
    assert login.calls == 1


async def test_a_stop_ends_the_wait_between_attempts_at_once() -> None:
    stopping = asyncio.Event()
    login = FlakyLogin(OSError("refused"))
    asyncio.get_running_loop().call_later(0.05, stopping.set)
    started = asyncio.get_running_loop().time()
    assert await first_login(login, stopping, delays=(60.0,)) is False
    assert asyncio.get_running_loop().time() - started < 5
    assert login.calls == 1


def record(message: str, exc_info: object = None) -> logging.LogRecord:
    return logging.LogRecord("discord.client", logging.ERROR, __file__, 1, message, None, exc_info)  # type: ignore[arg-type]


def test_voice_warnings_are_dropped_and_a_reconnect_is_one_line() -> None:
    lines = DiscordLogLines()
    assert not lines.filter(record("PyNaCl is not installed, voice will NOT be supported"))
    assert not lines.filter(record("davey is not installed, voice will NOT be supported"))
    try:
        raise aiohttp.ClientConnectionError("Connection reset")
    except aiohttp.ClientConnectionError:
        reconnect = record("Attempting a reconnect in %.2fs" % 1.5, sys.exc_info())  # noqa: UP031
    assert lines.filter(reconnect)
    assert reconnect.getMessage() == (
        "Discord connection lost (ClientConnectionError: Connection reset); attempting a reconnect in 1.50s"
    )
    assert (reconnect.exc_info, reconnect.levelname) == (None, "WARNING")
    assert lines.filter(record("logging in using static token"))


async def test_the_metrics_endpoint_serves_every_metric() -> None:
    metrics = Metrics()
    metrics.question("answered", 0.03)
    metrics.question("unknown", 0.2)
    metrics.question("unknown", None)
    metrics.reload(ok=True)
    metrics.reload(ok=False)
    metrics.set_queue_size(7)
    metrics.watch_gateway(lambda: 0.042)
    runner = await metrics.serve("127.0.0.1", 0)
    try:
        port = runner.addresses[0][1]
        async with aiohttp.ClientSession() as session, session.get(f"http://127.0.0.1:{port}/metrics") as response:
            assert response.status == 200
            assert response.headers["Content-Type"].startswith("text/plain")
            text = await response.text()
    finally:
        await runner.cleanup()
    lines = set(text.splitlines())
    assert 'faqbot_questions_total{outcome="answered"} 1.0' in lines
    assert 'faqbot_questions_total{outcome="unknown"} 2.0' in lines
    assert "faqbot_answer_latency_seconds_count 2.0" in lines  # the question with no reply has no latency
    assert 'faqbot_answer_latency_seconds_bucket{le="0.05"} 1.0' in lines
    assert "faqbot_unanswered_queue_size 7.0" in lines
    assert 'faqbot_knowledge_reloads_total{result="ok"} 1.0' in lines
    assert 'faqbot_knowledge_reloads_total{result="failed"} 1.0' in lines
    assert "faqbot_gateway_latency_seconds 0.042" in lines


def test_gateway_latency_is_nan_until_connected() -> None:
    metrics = Metrics()
    metrics.watch_gateway(lambda: float("inf"))
    assert "faqbot_gateway_latency_seconds NaN" in metrics.render().decode().splitlines()


async def test_questions_on_discord_are_counted_by_outcome_with_their_latency(world: World) -> None:
    await world.alice.slash(world.general, "ask", question="is a cloud technical lead a manager or an engineer?")
    await world.alice.slash(world.general, "ask", question="how do I bake sourdough bread?")

    lines = set(world.bot.metrics.render().decode().splitlines())
    assert 'faqbot_questions_total{outcome="answered"} 1.0' in lines
    assert 'faqbot_questions_total{outcome="unknown"} 1.0' in lines
    assert "faqbot_answer_latency_seconds_count 2.0" in lines


async def test_the_queue_gauge_does_not_read_a_database_whose_migrations_are_under_way(
    tmp_path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "faqbot.db"
    with contextlib.closing(sqlite3.connect(path)) as raw:  # what the gauge sees mid-migration: a version, no queue yet
        raw.execute("PRAGMA user_version = 1")
    metrics = Metrics()
    async with await Store.open(path, migrate=False) as store:
        refreshing = asyncio.create_task(refresh_queue_size(store, metrics, 0.01))
        await asyncio.sleep(0.1)
        refreshing.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await refreshing
    assert b"faqbot_unanswered_queue_size 0.0" in metrics.render()
    assert [record.getMessage() for record in caplog.records if record.levelno >= logging.WARNING] == []


async def test_a_gauge_refreshing_without_pause_never_touches_a_migration_under_way(
    tmp_path, caplog: pytest.LogCaptureFixture
) -> None:
    """Its reads would share the migration's connection: they could read inside its transaction, or lock it out."""
    caplog.set_level(logging.DEBUG, logger="bot.store")
    metrics = Metrics()
    async with await Store.open(tmp_path / "faqbot.db", migrate=False) as store:
        reads = []
        counted = store.open_count

        async def open_count() -> int:
            reads.append(store.migrated.is_set())
            return await counted()

        store.open_count = open_count  # type: ignore[method-assign]
        refreshing = asyncio.create_task(refresh_queue_size(store, metrics, 0))
        await asyncio.sleep(0)
        version = await store.migrate()
        await asyncio.sleep(0.05)
        refreshing.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await refreshing
    assert version == bundled_migrations("sqlite")[-1].version
    assert reads and all(reads)  # read only once every migration was applied, and then read
    assert [
        r.getMessage() for r in caplog.records if "retrying" in r.getMessage() or r.levelno >= logging.WARNING
    ] == []


async def test_the_queue_gauge_waits_quietly_for_a_new_database_to_be_migrated(
    tmp_path, caplog: pytest.LogCaptureFixture
) -> None:
    metrics = Metrics()
    async with await Store.open(tmp_path / "faqbot.db", migrate=False) as store:  # as at start-up, before login
        refreshing = asyncio.create_task(refresh_queue_size(store, metrics, 0.01))
        await asyncio.sleep(0.05)
        assert b"faqbot_unanswered_queue_size 0.0" in metrics.render()
        await store.migrate()
        await store.record_ask(Ask("how do I bake sourdough bread", "unknown", None, Origin(), queue=True))
        deadline = asyncio.get_running_loop().time() + 10  # a few refreshes, however busy the machine is
        while b"faqbot_unanswered_queue_size 1.0" not in metrics.render():
            assert asyncio.get_running_loop().time() < deadline, metrics.render().decode()
            await asyncio.sleep(0.01)
        refreshing.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await refreshing
    assert [record for record in caplog.records if record.levelno >= logging.WARNING] == []


async def test_a_running_bot_takes_up_what_another_process_teaches_and_a_failed_read_is_one_line(
    tmp_path, knowledge: KnowledgeBase, caplog: pytest.LogCaptureFixture
) -> None:
    question = "can I expense my certification exam fees"  # not answered with the entry before teaching
    entry = "glance-certifications"
    store = await Store.open(tmp_path / "faqbot.db")
    answerer = Answerer.build(knowledge, ConfidenceGate(), store)
    assert answerer.judge(question, guild_id=1001).verdict.answer is None
    following = asyncio.create_task(follow_teaching(answerer, store, 0.01))
    try:
        async with await Store.open(store.path) as other_process:
            origin = Origin("discord", 1001, 7, 8)
            question_id = await other_process.log_unanswered(question, origin, best_score=0.1, best_entry_id=None)
            await resolve_question(other_process, knowledge, question_id, entry, scope=None, guild_id=1001)
        for _ in range(300):  # the re-fit runs in a worker thread
            verdict = answerer.judge(question, guild_id=1001).verdict
            if verdict is not None and verdict.answer is not None:
                break
            await asyncio.sleep(0.01)
        assert verdict is not None and verdict.answer is not None and verdict.answer.entry.id == entry

        await store.close()  # the database goes away: the bot answers on with what it learned
        await asyncio.sleep(0.1)
    finally:
        following.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await following
    failures = [r for r in caplog.records if r.getMessage().startswith("cannot read the learned phrasings")]
    assert len(failures) == 1 and failures[0].exc_info is None
    assert answerer.judge(question, guild_id=1001).verdict.answer.entry.id == entry
