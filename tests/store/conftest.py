"""Every store test that takes `db` (or `store`) runs on SQLite and on PostgreSQL, unless marked sqlite_only."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from pg_helpers import REQUIRE_ENV, URL_ENV, drop_schema, new_schema, server_url

from bot.store import Store

BACKENDS = ("sqlite", "postgres")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "sqlite_only: the test is about the SQLite file itself (locks, pages, pragmas)")


def postgres_wanted() -> bool:
    """Whether the PostgreSQL half runs: a server URL is set, or CI requires it (and fails without one)."""
    return bool(os.environ.get(URL_ENV, "").strip()) or os.environ.get(REQUIRE_ENV) == "1"


def pytest_report_header(config: pytest.Config) -> str:
    if postgres_wanted():
        return f"store tests: SQLite and PostgreSQL ({URL_ENV})"
    return f"store tests: SQLite only; PostgreSQL off ({URL_ENV} is not set: see .ci/postgres.sh)"


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend" in metafunc.fixturenames:
        only_sqlite = metafunc.definition.get_closest_marker("sqlite_only") is not None
        metafunc.parametrize("backend", ["sqlite"] if only_sqlite or not postgres_wanted() else list(BACKENDS))


@pytest.fixture
def db(backend: str, tmp_path: Path) -> Iterator[Path | str]:
    """Where the test's store lives: a SQLite file in a fresh folder, or a fresh schema on the PostgreSQL server."""
    if backend == "sqlite":
        yield tmp_path / "data" / "faqbot.db"
        return
    url = server_url()
    schema, schema_url = new_schema(url)
    try:
        yield schema_url
    finally:
        drop_schema(url, schema)


@pytest.fixture
async def store(db: Path | str) -> AsyncIterator[Store]:
    """A migrated store on the test's backend."""
    async with await Store.open(db) as opened:
        yield opened
