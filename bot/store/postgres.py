"""PostgreSQL under the one Store: an asyncpg pool behind the small part of aiosqlite's interface the Store uses."""

from __future__ import annotations

import contextvars
import logging
import re
import sqlite3
from collections.abc import Generator, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self

import asyncpg

from bot.store.urls import postgres_url_problem, redact_url

log = logging.getLogger(__name__)

SCHEMA_TABLE = "faqbot_schema"
MIGRATION_LOCK = 0x46415142  # pg_advisory_xact_lock key: one process migrates at a time ("FAQB")
POOL_SIZE = 4
CONNECT_TIMEOUT_SECONDS = 10.0

_CREATE_SCHEMA_TABLE = f"""
CREATE TABLE IF NOT EXISTS {SCHEMA_TABLE} (
    version    INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
)
"""
_PRAGMA = re.compile(r"\s*PRAGMA\s+(\w+)\s*(?:=\s*(\S+))?\s*;?\s*$", re.IGNORECASE)
_RETRYABLE = (asyncpg.exceptions.SerializationError, asyncpg.exceptions.DeadlockDetectedError)
# The server went away, or will not take a connection: the connection failed, whichever side reported it.
_CONNECTION_LOST = (
    asyncpg.exceptions.PostgresConnectionError,
    asyncpg.exceptions.AdminShutdownError,
    asyncpg.exceptions.CrashShutdownError,
    asyncpg.exceptions.CannotConnectNowError,
)


def placeholders(sql: str) -> str:
    """SQLite's `?` parameters as PostgreSQL's `$1, $2, ...`; question marks inside quotes are left alone."""
    out, number, quote = [], 0, ""
    for char in sql:
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "?":
            number += 1
            out.append(f"${number}")
            continue
        out.append(char)
    return "".join(out)


def as_dbapi_error(error: Exception) -> sqlite3.Error:
    """The DB-API error class (as sqlite3 defines them) for a PostgreSQL error, so the Store handles one vocabulary.

    Serialization failures and deadlocks become "database is locked" OperationalErrors, which the Store retries.
    """
    if isinstance(error, _RETRYABLE):
        return sqlite3.OperationalError(f"database is locked ({error})")
    if isinstance(error, asyncpg.exceptions.IntegrityConstraintViolationError):
        return sqlite3.IntegrityError(str(error))
    if isinstance(error, asyncpg.exceptions.PostgresSyntaxError | asyncpg.exceptions.UndefinedTableError):
        return sqlite3.OperationalError(str(error))
    if isinstance(error, asyncpg.exceptions.DataError):
        return sqlite3.DataError(str(error))
    if isinstance(error, _CONNECTION_LOST) or (
        isinstance(error, asyncpg.InterfaceError) and "connection is closed" in str(error)  # asyncpg's only wording
    ):
        return sqlite3.OperationalError(f"the PostgreSQL connection failed: {error}")
    if isinstance(error, asyncpg.PostgresError):
        return sqlite3.OperationalError(str(error))
    if isinstance(error, asyncpg.InterfaceError):  # the client's own: too many arguments, a closed pool
        return sqlite3.OperationalError(f"the PostgreSQL client (asyncpg) cannot do it: {error}")
    return sqlite3.OperationalError(f"the PostgreSQL connection failed: {error}")


class PgCursor:
    """The rows (and affected-row count) of one statement, shaped like an aiosqlite cursor."""

    def __init__(self, rows: Sequence[asyncpg.Record], rowcount: int) -> None:
        self._rows = list(rows)
        self.rowcount = rowcount

    async def fetchone(self) -> asyncpg.Record | None:
        """The next row, or None."""
        return self._rows.pop(0) if self._rows else None

    async def fetchall(self) -> list[asyncpg.Record]:
        """Every remaining row (asyncpg Records read by name and by index, like sqlite3.Row)."""
        rows, self._rows = self._rows, []
        return rows

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        return None


class _Pending:
    """One statement that can be awaited for its cursor or used as `async with` (as aiosqlite's execute allows)."""

    def __init__(self, connection: PgConnection, sql: str, parameters: Sequence[object]) -> None:
        self._connection = connection
        self._sql = sql
        self._parameters = parameters
        self._cursor: PgCursor | None = None

    def __await__(self) -> Generator[Any, None, PgCursor]:
        return self._connection._run(self._sql, self._parameters).__await__()

    async def __aenter__(self) -> PgCursor:
        self._cursor = await self._connection._run(self._sql, self._parameters)
        return self._cursor

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        return None


@dataclass
class _Transaction:
    connection: asyncpg.Connection
    transaction: Any  # asyncpg.transaction.Transaction


class PgConnection:
    """An asyncpg pool that speaks the Store's SQLite dialect: `?` parameters, BEGIN IMMEDIATE, a few PRAGMAs.

    A transaction pins one pooled connection to the task that began it; other statements take any free connection.
    """

    dialect = "postgres"

    def __init__(self, pool: asyncpg.Pool, display: str) -> None:
        self._pool = pool
        self.display = display
        self.row_factory: object = None  # the Store sets sqlite3.Row; asyncpg Records already read both ways
        self._transaction: contextvars.ContextVar[_Transaction | None] = contextvars.ContextVar(
            f"faqbot-pg-transaction-{id(self)}", default=None
        )

    @classmethod
    async def connect(cls, url: str) -> Self:
        """Open a small pool and make sure the schema table exists; connection failures raise sqlite3 errors."""
        display = redact_url(url)
        problem = postgres_url_problem(url)
        if problem is not None:
            raise sqlite3.OperationalError(problem)
        # No connection floor (min_size 0): asyncpg keeps a floor by reconnecting in the background, and logs every
        # failed attempt with a traceback while the server is down; connections are made as queries need them, so
        # the first one (the schema table's) is where the URL is read and the server first reached.
        pool = await asyncpg.create_pool(url, min_size=0, max_size=POOL_SIZE, timeout=CONNECT_TIMEOUT_SECONDS)
        try:
            raw = await pool.acquire()
        except ValueError:  # a DSN asyncpg cannot read (ClientConfigurationError too): it may quote the password
            await pool.close()
            raise sqlite3.OperationalError(f"cannot connect to {display}: the URL does not parse") from None
        except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
            await pool.close()
            raise sqlite3.OperationalError(f"cannot connect to {display}: {error}") from None
        try:
            async with raw.transaction():
                # Under the migration lock: concurrent CREATE TABLE IF NOT EXISTS can still collide on the table's
                # row type ('type "faqbot_schema" already exists') when several processes start on a fresh database.
                await raw.execute(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")
                await raw.execute(_CREATE_SCHEMA_TABLE)
        except (asyncpg.exceptions.UniqueViolationError, asyncpg.exceptions.DuplicateObjectError):
            pass  # another, older faqbot created it at the same moment without the lock
        except (OSError, asyncpg.PostgresError) as error:
            await pool.release(raw)
            await pool.close()
            raise as_dbapi_error(error) from None
        await pool.release(raw)
        return cls(pool, display)

    @property
    def in_transaction(self) -> bool:
        """Whether this task has a transaction open."""
        return self._transaction.get() is not None

    def execute(self, sql: str, parameters: Sequence[object] = ()) -> _Pending:
        """One statement, awaited for a cursor or used as `async with ... as cursor`."""
        return _Pending(self, sql, parameters)

    async def executescript(self, script: str) -> None:
        """Run a migration script (its own BEGIN ... COMMIT) on one connection, holding the migration lock."""
        async with self._pool.acquire() as raw:
            try:
                async with raw.transaction():
                    await raw.execute(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")
                    await raw.execute(_strip_transaction(script))
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
                raise as_dbapi_error(error) from None

    async def close(self) -> None:
        """Close the pool (idempotent)."""
        await self._pool.close()

    async def _run(self, sql: str, parameters: Sequence[object]) -> PgCursor:
        statement = sql.strip().rstrip(";").strip()
        word = statement.split(None, 1)[0].upper() if statement else ""
        try:
            if word == "PRAGMA":
                return await self._pragma(statement)
            if word == "BEGIN":
                await self._begin()
                return PgCursor([], 0)
            if word in {"COMMIT", "ROLLBACK"}:
                await self._end(commit=word == "COMMIT")
                return PgCursor([], 0)
            return await self._statement(placeholders(statement), parameters)
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
            raise as_dbapi_error(error) from None

    async def _statement(self, sql: str, parameters: Sequence[object]) -> PgCursor:
        returns_rows = sql.lstrip().upper().startswith(("SELECT", "WITH", "VALUES")) or " RETURNING " in (
            " " + " ".join(sql.upper().split()) + " "
        )
        pinned = self._transaction.get()
        if pinned is not None:
            return await _on(pinned.connection, sql, parameters, returns_rows)
        async with self._pool.acquire() as raw:
            return await _on(raw, sql, parameters, returns_rows)

    async def _begin(self) -> None:
        if self._transaction.get() is not None:
            raise sqlite3.OperationalError("cannot start a transaction within a transaction")
        raw = await self._pool.acquire()
        transaction = raw.transaction()
        try:
            await transaction.start()
        except BaseException:
            await self._pool.release(raw)
            raise
        self._transaction.set(_Transaction(raw, transaction))

    async def _end(self, *, commit: bool) -> None:
        pinned = self._transaction.get()
        if pinned is None:
            return
        self._transaction.set(None)
        try:
            await (pinned.transaction.commit() if commit else pinned.transaction.rollback())
        finally:
            await self._pool.release(pinned.connection)

    async def _pragma(self, statement: str) -> PgCursor:
        """SQLite's PRAGMAs: user_version reads the schema table, checks report ok, the settings are no-ops."""
        match = _PRAGMA.fullmatch(statement)
        name = match.group(1).lower() if match else ""
        if name == "user_version" and match is not None and match.group(2) is None:
            async with self._pool.acquire() as raw:
                version = await raw.fetchval(f"SELECT coalesce(max(version), 0) FROM {SCHEMA_TABLE}")  # noqa: S608
            return PgCursor([_Row((int(version),))], 1)
        if name in {"quick_check", "integrity_check"}:
            return PgCursor([_Row(("ok",))], 1)
        if name in {"busy_timeout", "foreign_keys", "journal_mode", "synchronous"}:
            return PgCursor([_Row((1,))], 0)  # PostgreSQL waits for locks, enforces keys and logs writes itself
        raise sqlite3.OperationalError(f"PRAGMA {name or statement!r} has no PostgreSQL equivalent")


class _Row(tuple):
    """A one-off row for PRAGMA answers (read by index)."""

    __slots__ = ()


async def _on(raw: asyncpg.Connection, sql: str, parameters: Sequence[object], returns_rows: bool) -> PgCursor:
    if returns_rows:
        rows = await raw.fetch(sql, *parameters)
        return PgCursor(rows, len(rows))
    status = await raw.execute(sql, *parameters)
    count = status.rsplit(" ", 1)[-1]
    return PgCursor([], int(count) if count.isdigit() else 0)


def _strip_transaction(script: str) -> str:
    """A migration script without its own BEGIN; / COMMIT; lines (the caller wraps it in one transaction)."""
    kept = [line for line in script.splitlines() if line.strip().upper() not in {"BEGIN;", "COMMIT;"}]
    return "\n".join(kept)
