"""The embedded SQLite store (through aiosqlite): unanswered questions, their origins, and ask statistics."""

from __future__ import annotations

import asyncio
import logging
import re
import sqlite3
import unicodedata
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Self, TypeVar

import aiosqlite

from bot.errors import StoreError

log = logging.getLogger(__name__)

T = TypeVar("T")
Clock = Callable[[], datetime]

BUSY_TIMEOUT_MS = 5000
LOCK_RETRIES = 8
MAX_STORED_QUESTION_CHARS = 4000


def utc_now() -> datetime:
    """The current time in UTC."""
    return datetime.now(UTC)


def timestamp(moment: datetime) -> str:
    """Format a time the way the store keeps it: ISO 8601 UTC to the second, sortable as text."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def normalize_question(text: str) -> str:
    """Fold case, punctuation and spacing so that the same question is stored once."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(re.sub(r"[^\w\s]|_", " ", folded).split())


@dataclass(frozen=True)
class Origin:
    """Where a question was asked: the command line, or a Discord guild, channel and message."""

    kind: str = "cli"
    guild_id: int | None = None
    channel_id: int | None = None
    message_id: int | None = None
    jump_url: str | None = None


@dataclass(frozen=True)
class Migration:
    """One numbered schema change."""

    version: int
    name: str
    sql: str


def bundled_migrations() -> list[Migration]:
    """Read the numbered .sql files shipped in bot/migrations, in order."""
    migrations = []
    for item in resources.files("bot.migrations").iterdir():
        match = re.fullmatch(r"(\d{4})_(\w+)\.sql", item.name)
        if match:
            migrations.append(Migration(int(match.group(1)), match.group(2), item.read_text(encoding="utf-8")))
    migrations.sort(key=lambda migration: migration.version)
    expected = list(range(1, len(migrations) + 1))
    if [migration.version for migration in migrations] != expected:
        raise StoreError("bot/migrations must be numbered 0001, 0002, ... without gaps")
    return migrations


def _is_locked(error: sqlite3.OperationalError) -> bool:
    message = str(error).lower()
    return "locked" in message or "busy" in message


class Store:
    """One SQLite database opened with WAL, foreign keys and a busy timeout, migrated to the latest schema."""

    def __init__(self, connection: aiosqlite.Connection, path: Path, clock: Clock = utc_now) -> None:
        self._db = connection
        self.path = path
        self.clock = clock
        self._write_lock = asyncio.Lock()

    @classmethod
    async def open(
        cls, path: Path, *, clock: Clock = utc_now, migrations: list[Migration] | None = None
    ) -> Self:
        """Open (creating it and its folder on first use) and migrate the database; refuse unsafe ones."""
        migrations = bundled_migrations() if migrations is None else migrations
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise StoreError(f"cannot create the database folder {path.parent}: {error.strerror}") from None
        try:
            connection = await aiosqlite.connect(path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
        except sqlite3.Error as error:
            raise StoreError(f"cannot open the database {path}: {error}") from None
        store = cls(connection, path, clock)
        try:
            await store._prepare(migrations)
        except BaseException:
            await connection.close()
            raise
        return store

    async def _prepare(self, migrations: list[Migration]) -> None:
        """Check the file is a database we understand, then set pragmas and apply pending migrations."""
        self._db.row_factory = sqlite3.Row
        try:
            version = await self._scalar("PRAGMA user_version")
        except sqlite3.DatabaseError as error:
            raise StoreError(
                f"{self.path} is not a usable SQLite database ({error}); it was left untouched. "
                "Move it aside or point storage.database elsewhere."
            ) from None
        latest = migrations[-1].version if migrations else 0
        if version > latest:
            raise StoreError(
                f"{self.path} has schema version {version}, newer than this faqbot understands ({latest}); "
                "upgrade faqbot. The database was left untouched."
            )
        try:
            await self._db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            await self._db.execute("PRAGMA foreign_keys = ON")
            await self._retry(lambda: self._db.execute("PRAGMA journal_mode = WAL"))
        except sqlite3.OperationalError as error:
            raise StoreError(f"cannot use the database {self.path}: {error}") from None
        for migration in migrations:
            if migration.version > version:
                await self._retry(lambda m=migration: self._apply(m))

    async def _apply(self, migration: Migration) -> None:
        """Run one migration script as its own transaction; roll back if it fails half-way."""
        current = await self._scalar("PRAGMA user_version")
        if current >= migration.version:
            return  # another process applied it meanwhile
        log.info("applying database migration %04d_%s", migration.version, migration.name)
        try:
            await self._db.executescript(migration.sql)
        except sqlite3.Error:
            if self._db.in_transaction:
                await self._db.execute("ROLLBACK")
            raise
        if await self._scalar("PRAGMA user_version") != migration.version:
            raise StoreError(f"migration {migration.version:04d}_{migration.name} did not set user_version")

    async def _scalar(self, sql: str, parameters: tuple[object, ...] = ()) -> int:
        async with self._db.execute(sql, parameters) as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row is not None and row[0] is not None else 0

    async def _retry(self, work: Callable[[], Awaitable[T]]) -> T:
        """Run work, retrying with back-off while another process holds the database lock."""
        delay = 0.05
        for attempt in range(LOCK_RETRIES):
            try:
                return await work()
            except sqlite3.OperationalError as error:
                if not _is_locked(error) or attempt == LOCK_RETRIES - 1:
                    raise
                log.warning("database is busy, retrying in %.2fs", delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 2.0)
        raise AssertionError("unreachable")

    async def _write(self, work: Callable[[aiosqlite.Connection], Awaitable[T]]) -> T:
        """Run work inside one IMMEDIATE transaction, retried as a whole when the database is locked."""

        async def attempt() -> T:
            await self._db.execute("BEGIN IMMEDIATE")
            try:
                result = await work(self._db)
            except BaseException:
                await self._db.execute("ROLLBACK")
                raise
            await self._db.execute("COMMIT")
            return result

        async with self._write_lock:
            return await self._retry(attempt)

    async def schema_version(self) -> int:
        """The applied migration number."""
        return await self._scalar("PRAGMA user_version")

    async def close(self) -> None:
        """Close the connection (idempotent)."""
        await self._db.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def record_ask(self, status: str, entry_id: str | None, origin: Origin) -> None:
        """Count one question for the statistics (no text is kept here)."""
        now = timestamp(self.clock())

        async def work(db: aiosqlite.Connection) -> None:
            await db.execute(
                "INSERT INTO asks (asked_at, origin, status, entry_id) VALUES (?, ?, ?, ?)",
                (now, origin.kind, status, entry_id),
            )

        await self._write(work)

    async def log_unanswered(
        self,
        question: str,
        origin: Origin,
        *,
        best_score: float | None,
        best_entry_id: str | None,
        kind: str = "unanswered",
        rejected_entry_id: str | None = None,
    ) -> int:
        """Store a question the bot could not answer (once per normalised text, counted) and where it was asked."""
        text = question.strip()[:MAX_STORED_QUESTION_CHARS]
        normalized = normalize_question(text)
        if not normalized:
            raise ValueError("an empty question is not logged")
        now = timestamp(self.clock())

        async def work(db: aiosqlite.Connection) -> int:
            async with db.execute(
                """
                INSERT INTO questions (normalized, kind, text, ask_count, first_asked_at, last_asked_at,
                                       best_score, best_entry_id, rejected_entry_id)
                VALUES (?, ?, ?, 1, ?, ?, ?, ?, ?)
                ON CONFLICT (normalized, kind) DO UPDATE SET
                    ask_count = ask_count + 1,
                    last_asked_at = excluded.last_asked_at,
                    best_score = excluded.best_score,
                    best_entry_id = excluded.best_entry_id,
                    rejected_entry_id = coalesce(excluded.rejected_entry_id, rejected_entry_id)
                RETURNING id
                """,
                (normalized, kind, text, now, now, best_score, best_entry_id, rejected_entry_id),
            ) as cursor:
                row = await cursor.fetchone()
            assert row is not None
            question_id = int(row[0])
            await db.execute(
                """
                INSERT INTO question_asks (question_id, asked_at, origin, guild_id, channel_id, message_id, jump_url)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """,
                (question_id, now, origin.kind, origin.guild_id, origin.channel_id, origin.message_id, origin.jump_url),
            )
            return question_id

        return await self._write(work)
