"""What a member feels: cold start of `faqbot ask`, and how long answering a burst blocks the bot's event loop."""

from __future__ import annotations

import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from benchmarks.common import ROOT
from bot.core.answering import Answerer, settle_long_lived_objects

COLD_QUESTION = "how many years of experience?"
MONITOR_INTERVAL_S = 0.001


@dataclass(frozen=True)
class ColdStart:
    """Wall time of `python -m bot ask --json` from process start to its first answer, over a few runs."""

    runs_s: tuple[float, ...]
    status: str

    @property
    def median_s(self) -> float:
        """The median run."""
        return statistics.median(self.runs_s)


@dataclass(frozen=True)
class LoopLag:
    """How late a 1 ms sleeper on the event loop woke while the bot answered a burst of questions."""

    scenario: str
    questions: int
    samples: int
    max_ms: float
    p99_ms: float
    p50_ms: float
    burst_s: float


def cold_start(runs: int = 3) -> ColdStart:
    """Time `python -m bot ask --json --db <tmp> "how many years of experience?"` as a fresh process."""
    times, status = [], "?"
    with tempfile.TemporaryDirectory(prefix="faqbot-cold-") as directory:
        for run in range(runs):
            command = [
                sys.executable,
                "-m",
                "bot",
                "ask",
                "--json",
                "--db",
                f"{directory}/cold-{run}.db",
                COLD_QUESTION,
            ]
            started = time.perf_counter()
            done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
            times.append(time.perf_counter() - started)
            if done.returncode != 0:
                raise RuntimeError(f"faqbot ask failed ({done.returncode}): {done.stderr[-2000:]}")
            status = json.loads(done.stdout.splitlines()[0])["status"]
    return ColdStart(tuple(times), status)


async def _monitor(stop: asyncio.Event, lags: list[float]) -> None:
    """Sleep 1 ms at a time and record how much later than asked each wake-up came."""
    while not stop.is_set():
        started = time.perf_counter()
        await asyncio.sleep(MONITOR_INTERVAL_S)
        lags.append(max(time.perf_counter() - started - MONITOR_INTERVAL_S, 0.0))


async def _handle(answerer: Answerer, question: str) -> None:
    """A message handler as bot/discord_app/cogs/members.py has it: judge in turn, then await the reply being sent."""
    await answerer.judge_in_turn(question)
    await asyncio.sleep(0)


async def _burst(answerer: Answerer, questions: Sequence[str], *, one_per_turn: bool) -> None:
    """Dispatch one handler task per question, as discord.py does per message, and wait for them all."""
    tasks = []
    for question in questions:
        tasks.append(asyncio.create_task(_handle(answerer, question)))
        if one_per_turn:
            await asyncio.sleep(0)
    await asyncio.gather(*tasks)


async def _measure(answerer: Answerer, questions: Sequence[str], *, one_per_turn: bool) -> tuple[list[float], float]:
    """Run the monitor across a burst; return its lags (seconds) and the burst's duration."""
    stop, lags = asyncio.Event(), []
    monitor = asyncio.create_task(_monitor(stop, lags))
    await asyncio.sleep(0.01)
    lags.clear()
    started = time.perf_counter()
    await _burst(answerer, questions, one_per_turn=one_per_turn)
    elapsed = time.perf_counter() - started
    await asyncio.sleep(0.005)
    stop.set()
    await monitor
    return lags, elapsed


def loop_lag(answerer: Answerer, questions: Sequence[str], *, one_per_turn: bool) -> LoopLag:
    """Measure the event-loop lag while the answerer handles a burst of questions on a fresh loop."""
    lags, elapsed = asyncio.run(_measure(answerer, questions, one_per_turn=one_per_turn))
    values = np.asarray(lags or [0.0]) * 1000
    scenario = "one message per loop turn" if one_per_turn else "all messages in one gateway read (worst case)"
    return LoopLag(
        scenario=scenario,
        questions=len(questions),
        samples=len(lags),
        max_ms=float(values.max()),
        p99_ms=float(np.percentile(values, 99)),
        p50_ms=float(np.percentile(values, 50)),
        burst_s=elapsed,
    )


def run_loop_lag(
    answerer: Answerer, bursts: tuple[Sequence[str], Sequence[str]], warmup: Sequence[str]
) -> list[LoopLag]:
    """Both burst shapes (each on its own fresh questions), after warming the answer path up on others."""
    for question in warmup:
        answerer.judge(question)
    settle_long_lived_objects()  # as `faqbot run` does once the answerer is built
    return [loop_lag(answerer, bursts[0], one_per_turn=True), loop_lag(answerer, bursts[1], one_per_turn=False)]
