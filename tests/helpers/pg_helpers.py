"""PostgreSQL for the store tests: one fresh schema per test on the server FAQBOT_TEST_POSTGRES_URL names.

Without that variable the PostgreSQL half of the store tests skips with one line, unless FAQBOT_REQUIRE_POSTGRES=1
(set by .ci/run), where it fails: a CI run must never pass by skipping the second backend.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import threading
import uuid
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

import asyncpg
import pytest

URL_ENV = "FAQBOT_TEST_POSTGRES_URL"
REQUIRE_ENV = "FAQBOT_REQUIRE_POSTGRES"


def server_url() -> str:
    """The test server's URL, or skip (fail under CI) with one line saying what to set."""
    url = os.environ.get(URL_ENV, "").strip()
    if not url:
        reason = f"{URL_ENV} is not set (export FAQBOT_TEST_POSTGRES_URL=$(bash .ci/postgres.sh) to run these)"
        if os.environ.get(REQUIRE_ENV) == "1":
            pytest.fail(f"PostgreSQL is required here but {reason}")
        pytest.skip(reason)
    return url


def with_search_path(url: str, schema: str) -> str:
    """The same server and database, with every table created in and read from `schema`."""
    parts = urlsplit(url)
    query = "&".join(part for part in (parts.query, urlencode({"search_path": schema})) if part)
    return urlunsplit(parts._replace(query=query))


def run_sync(coroutine_factory):
    """Run a coroutine to completion on a loop of its own (the test's loop may be running in this thread)."""
    result: dict[str, object] = {}

    def target() -> None:
        try:
            result["value"] = asyncio.run(coroutine_factory())
        except BaseException as error:  # re-raised in the caller's thread
            result["error"] = error

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if "error" in result:
        raise result["error"]  # type: ignore[misc]
    return result["value"]


def new_schema(url: str) -> tuple[str, str]:
    """Create an empty schema on the server; return (its name, a URL that uses it)."""
    schema = f"faqbot_test_{uuid.uuid4().hex[:12]}"

    async def create() -> None:
        connection = await asyncpg.connect(url, timeout=10)
        try:
            await connection.execute(f'CREATE SCHEMA "{schema}"')
        finally:
            await connection.close()

    run_sync(create)
    return schema, with_search_path(url, schema)


def drop_schema(url: str, schema: str) -> None:
    """Remove a test's schema and everything in it."""

    async def drop() -> None:
        connection = await asyncpg.connect(url, timeout=10)
        try:
            await connection.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        finally:
            await connection.close()

    run_sync(drop)


def read(db: Path | str, sql: str) -> list[tuple]:
    """Rows of one query as tuples, from the SQLite file or the PostgreSQL URL a store test uses."""
    if isinstance(db, Path):
        connection = sqlite3.connect(db)
        try:
            return connection.execute(sql).fetchall()
        finally:
            connection.close()
    if sql.strip().upper() == "PRAGMA USER_VERSION":
        sql = "SELECT coalesce(max(version), 0) FROM faqbot_schema"

    async def fetch() -> list[tuple]:
        connection = await asyncpg.connect(db, timeout=10)
        try:
            return [tuple(row) for row in await connection.fetch(sql)]
        finally:
            await connection.close()

    return run_sync(fetch)
