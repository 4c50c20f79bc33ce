"""The optional Prometheus endpoint: every metric faqbot exposes lives here, in its own registry (no globals)."""

from __future__ import annotations

import logging
import math
from collections.abc import Callable

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest

log = logging.getLogger(__name__)

# Seconds from a question reaching the bot to its answer being sent and recorded.
LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Metrics:
    """faqbot's metrics; the bot calls one method per event, and `serve` exposes them on /metrics."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.questions = Counter(
            "faqbot_questions", "Questions answered on Discord, by outcome", ["outcome"], registry=self.registry
        )
        self.latency = Histogram(
            "faqbot_answer_latency_seconds",
            "Seconds from a question reaching the bot to its answer sent and recorded",
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.queue_size = Gauge(
            "faqbot_unanswered_queue_size", "Open questions in the editors' queue", registry=self.registry
        )
        self.reloads = Counter(
            "faqbot_knowledge_reloads",
            "Knowledge reloads, by result (ok or failed)",
            ["result"],
            registry=self.registry,
        )
        self.record_failures = Counter(
            "faqbot_record_failures",
            "Judged questions the store could not record (disk full, database unreachable): lost to the editors",
            registry=self.registry,
        )
        self.gateway_latency = Gauge(
            "faqbot_gateway_latency_seconds",
            "Discord gateway heartbeat latency (NaN until connected)",
            registry=self.registry,
        )

    def question(self, outcome: str, seconds: float | None) -> None:
        """Count one judged question and, when a reply was sent, how long it took (None: no reply)."""
        self.questions.labels(outcome=outcome).inc()
        if seconds is not None:
            self.latency.observe(seconds)

    def record_failed(self) -> None:
        """Count one question the store could not record."""
        self.record_failures.inc()

    def reload(self, ok: bool) -> None:
        """Count one knowledge reload."""
        self.reloads.labels(result="ok" if ok else "failed").inc()

    def set_queue_size(self, size: int) -> None:
        """The editors' queue's current number of open questions."""
        self.queue_size.set(size)

    def watch_gateway(self, latency: Callable[[], float]) -> None:
        """Read the gateway latency from `latency` at every scrape (discord.py's `Client.latency`)."""
        self.gateway_latency.set_function(lambda: _finite_or_nan(latency()))

    def render(self) -> bytes:
        """Every metric in Prometheus' text format."""
        return generate_latest(self.registry)

    async def serve(self, host: str, port: int) -> web.AppRunner:
        """Serve GET /metrics on host:port until the returned runner is cleaned up."""

        async def metrics(request: web.Request) -> web.Response:
            response = web.Response(body=self.render())
            response.headers["Content-Type"] = CONTENT_TYPE_LATEST
            return response

        app = web.Application()
        app.router.add_get("/metrics", metrics)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        try:
            await web.TCPSite(runner, host, port).start()
        except OSError:
            await runner.cleanup()
            raise
        log.info("metrics on http://%s:%d/metrics", host, port)
        return runner


def _finite_or_nan(value: float) -> float:
    return value if math.isfinite(value) else math.nan
