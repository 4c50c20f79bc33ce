"""The store: the editors' queue, where questions were asked, asks and votes.

SQLite (through aiosqlite) is the embedded default; a postgresql:// URL opens the same Store over PostgreSQL through
the adapter in bot.store.postgres, so every method's SQL is written once, in the portable subset both understand.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import os
import sqlite3
import urllib.parse
from collections.abc import Awaitable, Callable, Collection, Mapping
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self, TypeAlias, TypeVar

import aiosqlite

from bot.errors import StoreError
from bot.folding import question_key
from bot.store.maintenance import PRIVATE_FOLDER, create_private, disk_trouble, schema_problem
from bot.store.migrations import Migration, bundled_migrations, latest_version
from bot.store.models import (
    DM_SCOPE,
    STATUSES,
    AnswerPost,
    Ask,
    AskerPlace,
    Clock,
    Dismissal,
    EntryVotes,
    Learned,
    Origin,
    Place,
    Proposal,
    PurgeCounts,
    QueuedQuestion,
    Scope,
    Stats,
    Teaching,
    VoteOutcome,
    scope_key,
    timestamp,
    utc_now,
)
from bot.store.urls import is_postgres_url

if TYPE_CHECKING:
    from bot.store.postgres import PgConnection  # imported when a postgresql:// URL is opened: asyncpg costs 0.1 s

log = logging.getLogger(__name__)

T = TypeVar("T")
Connection: TypeAlias = "aiosqlite.Connection | PgConnection"

BUSY_TIMEOUT_MS = 5000
LOCK_RETRIES = 8
MAX_STORED_QUESTION_CHARS = 4000
IDS_PER_STATEMENT = 10_000  # question ids bound in one IN (...) list
TOLD_OUTCOMES = ("sending", "told", "failed")
PROPOSAL_COLUMNS = "SELECT id, question_id, entry_id, picks, proposed_at, status"  # what _proposal reads


def _writable(path: Path) -> bool:
    """Whether faqbot may write to a path: permitted, and not marked read-only (root ignores the mode bits)."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    return os.access(path, os.W_OK) and bool(mode & 0o222)


def _prepare(path: Path, allow_read_only: bool) -> bool:
    """Check the path before SQLite sees it (a folder, read-only, empty), create its folder; return read-only."""
    if path.is_dir():
        raise StoreError(f"{path} is a folder, not a database file: give a file path such as {path / 'faqbot.db'}")
    if not path.exists():
        try:
            path.parent.mkdir(mode=PRIVATE_FOLDER, parents=True, exist_ok=True)
        except OSError as error:
            raise StoreError(f"cannot create the database folder {path.parent}: {error.strerror}") from None
        if not _writable(path.parent):
            raise StoreError(f"cannot create the database {path}: its folder is not writable")
        create_private(path, exist_ok=True)  # several processes may start on one new file at once
        return False
    read_only = not (_writable(path) and _writable(path.parent))
    if read_only and not allow_read_only:
        raise StoreError(f"{path} is read-only (or its folder is): faqbot needs to write to it; check the permissions")
    if path.stat().st_size == 0 and not read_only:
        log.warning("%s is an empty file: starting a new faqbot database in it", path)
    return read_only


def _uri(path: Path, read_only: bool) -> str:
    """The SQLite URI: read-write-create, or read-only and immutable (no lock, no -wal/-shm files)."""
    quoted = urllib.parse.quote(str(path.absolute()))
    if not read_only:
        return f"file:{quoted}?mode=rwc"
    wal = path.with_name(path.name + "-wal")
    return f"file:{quoted}?mode=ro" if wal.exists() else f"file:{quoted}?mode=ro&immutable=1"


def _probe(uri: str) -> None:
    """Open and close the database once with the plain driver, so that a path SQLite cannot open fails cleanly."""
    sqlite3.connect(uri, uri=True).close()


def _is_locked(error: sqlite3.OperationalError) -> bool:
    message = str(error).lower()
    return "locked" in message or "busy" in message


# How SQLite and the PostgreSQL adapter word a database that cannot be used at the moment: the server away or
# shutting down, the file locked or unopenable, the disk full or failing. A bad query says something else.
_UNAVAILABLE = (
    "the postgresql connection failed",
    "cannot connect to",
    "database is locked",
    "database is busy",
    "disk i/o error",
    "database or disk is full",
    "unable to open database file",
    "attempt to write a readonly database",
)


def database_unavailable(error: BaseException) -> bool:
    """Whether a store error says the database cannot be used right now, rather than that a statement is wrong."""
    if not isinstance(error, sqlite3.OperationalError | StoreError):
        return False
    message = str(error).casefold()
    return any(marker in message for marker in _UNAVAILABLE)


class Store:
    """One database (SQLite with WAL, foreign keys and a busy timeout; or PostgreSQL), migrated to the latest schema."""

    def __init__(self, connection: Connection, path: Path | str, clock: Clock = utc_now) -> None:
        self._db = connection
        self.path = path
        self.clock = clock
        self.read_only = False
        self._write_lock = asyncio.Lock()
        self.migrated = asyncio.Event()  # set once migrate() has brought the schema to the latest version

    @classmethod
    async def open(
        cls,
        path: Path | str,
        *,
        clock: Clock = utc_now,
        migrations: list[Migration] | None = None,
        migrate: bool = True,
        allow_read_only: bool = False,
    ) -> Self:
        """Open (creating it and its folder on first use) and, unless told not to, migrate the database.

        Only a new path, an empty file or a faqbot database is ever written to. A read-only file is refused unless
        `allow_read_only`, which opens it untouched (no -wal/-shm files) for reading; `read_only` then says so.
        `path` is a SQLite file, or a postgresql:// URL for a PostgreSQL database that several processes share.
        """
        if is_postgres_url(path):
            return await cls._open_postgres(str(path), clock, migrations, migrate)
        path = Path(path)
        migrations = bundled_migrations() if migrations is None else migrations
        read_only = _prepare(path, allow_read_only)
        uri = _uri(path, read_only)
        try:
            # A plain probe first: when aiosqlite's own connect fails, its worker thread outlives the event loop and
            # prints an "Event loop is closed" traceback after our one-line error.
            await asyncio.to_thread(_probe, uri)
            connection = await aiosqlite.connect(uri, uri=True, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
        except sqlite3.Error as error:
            raise StoreError(f"cannot open the database {path}: {error}") from None
        store = cls(connection, path, clock)
        store.read_only = read_only
        return await store._ready(migrations, migrate)

    @classmethod
    async def _open_postgres(cls, url: str, clock: Clock, migrations: list[Migration] | None, migrate: bool) -> Self:
        """Open the PostgreSQL adapter's pool, refuse a schema newer than the code, and migrate unless told not to."""
        from bot.store.postgres import PgConnection

        migrations = bundled_migrations("postgres") if migrations is None else migrations
        try:
            connection = await PgConnection.connect(url)
        except sqlite3.Error as error:
            raise StoreError(str(error)) from None
        store = cls(connection, connection.display, clock)
        return await store._ready(migrations, migrate)

    async def _ready(self, migrations: list[Migration], migrate: bool) -> Self:
        """Refuse a schema newer than the code and migrate unless told not to; the connection is closed on failure."""
        try:
            await self._check(migrations)
            if migrate:
                await self.migrate(migrations)
        except BaseException:
            await self._db.close()
            raise
        return self

    @property
    def dialect(self) -> str:
        """The SQL dialect of the database behind the store: "sqlite" or "postgres"."""
        return getattr(self._db, "dialect", "sqlite")

    @property
    def _setting(self) -> str:
        """The config key that names this database, for messages that tell the operator where to point it."""
        return "storage.url" if self.dialect == "postgres" else "storage.database"

    async def _check(self, migrations: list[Migration]) -> None:
        """Refuse a file that is not a faqbot database or is newer than the code; then set WAL and the pragmas.

        Every refusal comes before the first write, so a refused file is left byte for byte as it was.
        """
        self._db.row_factory = sqlite3.Row
        try:
            if self.dialect == "sqlite":
                # One statement, one snapshot: read apart, a process migrating the new file in between would make a
                # faqbot database look like another application's (tables, yet version 0).
                async with self._db.execute(
                    "SELECT user_version, (SELECT count(*) FROM sqlite_master) FROM pragma_user_version()"
                ) as cursor:
                    version, tables = await cursor.fetchone() or (0, 0)
            else:  # a PostgreSQL schema is faqbot's own by its schema table
                version, tables = await self._scalar("PRAGMA user_version"), 0
            async with self._db.execute("PRAGMA quick_check") as cursor:
                problems = [row[0] for row in await cursor.fetchall()]
            if problems != ["ok"]:
                raise sqlite3.DatabaseError(f"integrity check failed: {problems[0]}")
        except sqlite3.DatabaseError as error:
            if disk_trouble(error):
                raise StoreError(
                    f"cannot use {self.path}: {error}; the disk holding it is full or failing (or its folder is not "
                    "writable), which says nothing about the file itself: free space and try again"
                ) from None
            raise StoreError(
                f"{self.path} is not a usable SQLite database ({error}); it was left untouched. "
                "Move it aside or point storage.database elsewhere."
            ) from None
        latest = latest_version(migrations)
        problem = schema_problem(version, latest, tables)
        if problem is not None:
            raise StoreError(
                f"{self.path} cannot be used: {problem}. It was left untouched; point {self._setting} or --db "
                "elsewhere if it is the wrong database."
            )
        if self.read_only:
            if version < latest:
                raise StoreError(
                    f"{self.path} needs a schema upgrade but cannot be written (SQLite also writes beside it: the file "
                    "and its folder must both be writable); make them writable once"
                )
            return
        try:
            await self._db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            await self._db.execute("PRAGMA foreign_keys = ON")
            await self._retry(lambda: self._db.execute("PRAGMA journal_mode = WAL"))
        except sqlite3.OperationalError as error:
            raise StoreError(f"cannot use the database {self.path}: {error}") from None

    async def migrate(self, migrations: list[Migration] | None = None) -> int:
        """Apply every pending numbered migration, each in its own transaction; return the schema version."""
        migrations = bundled_migrations(self.dialect) if migrations is None else migrations
        version = await self._scalar("PRAGMA user_version")
        latest = latest_version(migrations)
        # An existing database changes shape: the operator sees it at any log level. One without a question yet is
        # most likely new, migrated by another process starting at the same moment (it is at no version for long).
        if 0 < version < latest and await self._scalar("SELECT count(*) FROM (SELECT 1 FROM questions LIMIT 1) AS q"):
            log.warning("upgrading the database %s from schema version %d to %d", self.path, version, latest)
        for migration in migrations:
            if migration.version > version:
                await self._retry(lambda m=migration: self._apply(m))
        version = await self._scalar("PRAGMA user_version")
        if version >= latest:
            self.migrated.set()
        return version

    async def schema_version(self) -> int:
        """The schema version the database is at (the number of the last migration applied)."""
        return await self._scalar("PRAGMA user_version")

    async def _apply(self, migration: Migration) -> None:
        """Run one migration as one transaction that holds the write lock from its first statement.

        The version is read again under the lock, so two processes starting on one file never both apply a script
        (a script run twice could undo the next one), and a failure half-way rolls everything back. PostgreSQL's
        scripts run whole under the adapter's advisory lock.
        """
        if self.dialect == "postgres":
            await self._apply_script(migration)
            return
        await self._db.execute("BEGIN IMMEDIATE")
        try:
            if await self._scalar("PRAGMA user_version") >= migration.version:
                await self._db.execute("ROLLBACK")
                return  # another process applied it meanwhile
            log.info("applying database migration %04d_%s", migration.version, migration.name)
            for statement in migration.statements():
                await self._db.execute(statement)
            if await self._scalar("PRAGMA user_version") != migration.version:
                raise StoreError(f"migration {migration.version:04d}_{migration.name} did not set user_version")
            await self._db.execute("COMMIT")
        except BaseException:
            if self._db.in_transaction:
                await self._db.execute("ROLLBACK")
            raise

    async def _apply_script(self, migration: Migration) -> None:
        """Run one migration script as its own transaction (the PostgreSQL adapter holds its migration lock)."""
        if await self._scalar("PRAGMA user_version") >= migration.version:
            return  # another process applied it meanwhile
        log.info("applying database migration %04d_%s", migration.version, migration.name)
        try:
            await self._db.executescript(migration.sql)
        except sqlite3.Error:
            if await self._scalar("PRAGMA user_version") >= migration.version:
                return  # another process applied it first
            raise
        # Read after the script's lock is released: another process may already have applied the next migration,
        # so the schema is at this version or beyond (seen as "did not record itself" with three processes at once).
        if await self._scalar("PRAGMA user_version") < migration.version:
            raise StoreError(f"migration {migration.version:04d}_{migration.name} did not record itself")

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
                if getattr(error, "sqlite_errorcode", None) == sqlite3.SQLITE_LOCKED:
                    # a table this connection is still reading (the queue gauge during a migration, say): no other
                    # process is involved, and it clears by itself
                    log.debug("a table is in use by another statement of this process, retrying in %.2fs", delay)
                else:
                    log.warning("database is busy, retrying in %.2fs", delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 2.0)
        raise AssertionError("unreachable")

    async def _write(self, work: Callable[[Connection], Awaitable[T]]) -> T:
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

        if self.read_only:
            raise StoreError(f"{self.path} is read-only: nothing can be recorded in it")
        async with self._write_lock:
            return await self._retry(attempt)

    async def close(self) -> None:
        """Close the connection (idempotent)."""
        await self._db.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def record_ask(self, ask: Ask) -> int | None:
        """Count one judged question and, in the same transaction, its reply message and its place in the queue.

        Returns the queued question's id when it was queued. Nothing is half-recorded: a failure leaves no count
        without its queued question, and no queued question without its count. A message already recorded (a
        mentor's "Answer with FAQ" on a message the bot saw, or used twice) is one question: it is not counted
        again, and where it is queued already, that queued question's id is returned.
        """
        text = ask.question.strip()[:MAX_STORED_QUESTION_CHARS]
        queue = ask.queue and bool(question_key(text))
        now = timestamp(self.clock())
        origin = ask.origin

        async def work(db: Connection) -> int | None:
            async with db.execute(
                """
                INSERT INTO asks (asked_at, origin, status, entry_id, guild_id, message_id) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT DO NOTHING RETURNING id
                """,
                (now, origin.kind, ask.status, ask.entry_id, scope_key(origin.guild_id), origin.message_id),
            ) as cursor:
                counted = await cursor.fetchone() is not None
            if ask.reply_message_id is not None:
                await _insert_post(db, ask.reply_message_id, text, ask.entry_id, origin, now)
            if not queue:
                return None
            if not counted and (queued := await _queued_from(db, origin)) is not None:
                return queued
            return await _queue_question(
                db, text, origin, now, ask.best_score, ask.best_entry_id, "unanswered", None, ask.unsure
            )

        return await self._write(work)

    async def untold(self, question_ids: Collection[int]) -> list[AskerPlace]:
        """The places members asked these questions, for those answered whose askers were not told yet; newest first.

        Only places with a known asker count (Discord, from migration 0006 on); a member already told, or whose
        telling failed or is under way, is left out.
        """
        return await self._untold(self._db, question_ids, None)

    async def claim_askers(
        self, question_ids: Collection[int], *, asker_id: int | None = None, outcome: str = "sending"
    ) -> list[AskerPlace]:
        """Claim the untold askers of these answered questions (or just `asker_id`) and return their places.

        The claim is the told marker itself, written in the same transaction as the read: two resolves at once never
        tell a member twice. `outcome` "sending" is settled later with `settle_told`; "told" marks them told now (a
        mentor's reply that was the telling).
        """
        if outcome not in TOLD_OUTCOMES:
            raise ValueError(f"outcome must be one of {', '.join(TOLD_OUTCOMES)}")
        now = timestamp(self.clock())

        async def work(db: Connection) -> list[AskerPlace]:
            places = await self._untold(db, question_ids, asker_id)
            claimed: set[tuple[int, int]] = set()
            for pair in dict.fromkeys((place.question_id, place.asker_id) for place in places):
                cursor = await db.execute(
                    "INSERT INTO told (question_id, asker_id, outcome, told_at) VALUES (?, ?, ?, ?) "
                    "ON CONFLICT (question_id, asker_id) DO NOTHING",
                    (*pair, outcome, now),
                )
                if cursor.rowcount == 1:
                    claimed.add(pair)
            return [place for place in places if (place.question_id, place.asker_id) in claimed]

        return await self._write(work)

    async def settle_told(self, pairs: Collection[tuple[int, int]], outcome: str) -> None:
        """Record how telling these (question, asker) pairs went: "told" or "failed"."""
        if outcome not in ("told", "failed"):
            raise ValueError("outcome must be told or failed")
        now = timestamp(self.clock())

        async def work(db: Connection) -> None:
            for question_id, asker_id in pairs:
                await db.execute(
                    "UPDATE told SET outcome = ?, told_at = ? WHERE question_id = ? AND asker_id = ?",
                    (outcome, now, question_id, asker_id),
                )

        await self._write(work)

    async def told(self, question_id: int) -> dict[int, str]:
        """The members marked for one question: asker id -> outcome ("sending", "told" or "failed")."""
        async with self._db.execute(
            "SELECT asker_id, outcome FROM told WHERE question_id = ? ORDER BY asker_id", (question_id,)
        ) as cursor:
            return {int(row[0]): row[1] for row in await cursor.fetchall()}

    async def latest_open_question(self, guild_id: int | None, asker_id: int, within: timedelta) -> int | None:
        """The open "I don't know" / unsure question a member asked most recently in a server within `within`."""
        since = timestamp(self.clock() - within)
        async with self._db.execute(
            """
            SELECT q.id FROM questions q JOIN question_asks a ON a.question_id = q.id
            WHERE a.asker_id = ? AND a.guild_id = ? AND a.asked_at >= ? AND q.status = 'open'
                  AND q.kind = 'unanswered'
            ORDER BY a.asked_at DESC, a.id DESC LIMIT 1
            """,
            (asker_id, scope_key(guild_id), since),
        ) as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row is not None else None

    async def _untold(self, db: Connection, question_ids: Collection[int], asker_id: int | None) -> list[AskerPlace]:
        ids = sorted(set(question_ids))
        if not ids:
            return []
        marks = ",".join("?" * len(ids))  # placeholders only; the ids are parameters
        one = "AND a.asker_id = ?" if asker_id is not None else ""
        sql = (
            "SELECT a.question_id, a.asker_id, q.text, q.answer_entry_id, a.asked_at, a.guild_id, "  # noqa: S608
            "a.channel_id, a.message_id FROM question_asks a JOIN questions q ON q.id = a.question_id "
            f"WHERE a.question_id IN ({marks}) AND a.asker_id IS NOT NULL {one} "
            "AND q.status = 'answered' AND q.answer_entry_id IS NOT NULL AND NOT EXISTS "
            "(SELECT 1 FROM told t WHERE t.question_id = a.question_id AND t.asker_id = a.asker_id) "
            "ORDER BY a.asked_at DESC, a.id DESC"
        )
        values = (*ids, asker_id) if asker_id is not None else tuple(ids)
        async with db.execute(sql, values) as cursor:
            rows = await cursor.fetchall()
        return [
            AskerPlace(int(row[0]), int(row[1]), row[2], row[3], row[4], _guild(row[5]), row[6], row[7]) for row in rows
        ]

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
        """Queue a question (once per server and normalised text, counted) and where it was asked, without an ask."""
        text = question.strip()[:MAX_STORED_QUESTION_CHARS]
        if not question_key(text):
            raise ValueError("an empty question is not logged")
        now = timestamp(self.clock())
        return await self._write(
            lambda db: _queue_question(db, text, origin, now, best_score, best_entry_id, kind, rejected_entry_id)
        )

    async def record_answer_post(self, message_id: int, question: str, entry_id: str | None, origin: Origin) -> None:
        """Remember which question a posted answer (or suggestion) was for, so votes and buttons can find it."""
        now = timestamp(self.clock())

        await self._write(
            lambda db: _insert_post(db, message_id, question[:MAX_STORED_QUESTION_CHARS], entry_id, origin, now)
        )

    async def answer_posted_under(self, origin: Origin, entry_id: str) -> bool:
        """Whether the bot posted this entry as an answer under a member's message (a reply it could not post: no)."""
        if origin.message_id is None:
            return False
        async with self._db.execute(
            "SELECT 1 FROM answer_posts WHERE guild_id = ? AND reply_to = ? AND entry_id = ? LIMIT 1",
            (scope_key(origin.guild_id), origin.message_id, entry_id),
        ) as cursor:
            return await cursor.fetchone() is not None

    async def answer_post(self, message_id: int) -> AnswerPost | None:
        """The question and entry behind a posted answer, if the bot recorded it."""
        async with self._db.execute(
            "SELECT message_id, question, entry_id, guild_id FROM answer_posts WHERE message_id = ?", (message_id,)
        ) as cursor:
            row = await cursor.fetchone()
        if row is None:
            return None
        return AnswerPost(row["message_id"], row["question"], row["entry_id"], _guild(row["guild_id"]))

    async def _user_hash(self, user_id: int) -> str:
        async with self._db.execute("SELECT value FROM meta WHERE key = 'user_hash_key'") as cursor:
            row = await cursor.fetchone()
        if row is None:
            raise StoreError(f"{self.path}: the user hash key is missing; the database was altered by hand")
        return hmac.new(bytes.fromhex(row[0]), str(user_id).encode(), hashlib.sha256).hexdigest()

    async def record_vote(
        self, *, message_id: int, entry_id: str, question: str, user_id: int, vote: int, origin: Origin
    ) -> VoteOutcome:
        """Store one member's 👍 (+1) or 👎 (-1) on an answer; a 👎 also puts the question in the editors' queue."""
        if vote not in (1, -1):
            raise ValueError("vote must be 1 or -1")
        user_hash = await self._user_hash(user_id)
        text = question.strip()[:MAX_STORED_QUESTION_CHARS]
        now = timestamp(self.clock())

        async def work(db: Connection) -> VoteOutcome:
            async with db.execute(
                "SELECT vote FROM feedback WHERE message_id = ? AND user_hash = ?", (message_id, user_hash)
            ) as cursor:
                existing = await cursor.fetchone()
            if existing is not None:
                return VoteOutcome(recorded=False, vote=int(existing[0]))
            await db.execute(
                """
                INSERT INTO feedback (message_id, entry_id, question, user_hash, vote, voted_at, guild_id)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """,
                (message_id, entry_id, text, user_hash, vote, now, scope_key(origin.guild_id)),
            )
            if (
                vote == -1
                and question_key(text)
                and not await _reject_in_queue(db, text, origin, entry_id, user_hash, now)
            ):
                await _queue_question(db, text, origin, now, None, entry_id, "downvoted", entry_id)
            return VoteOutcome(recorded=True, vote=vote)

        return await self._write(work)

    async def questions(
        self,
        *,
        scope: Scope | None,
        status: str | None = "open",
        sort: str = "count",
        since: timedelta | None = None,
        limit: int | None = None,
    ) -> list[QueuedQuestion]:
        """Queued questions of a scope (None: every server) with their places, most asked or most recent first."""
        if status not in (None, *STATUSES):
            raise ValueError(f"status must be one of {', '.join(STATUSES)}")
        order = {"count": "ask_count DESC, last_asked_at DESC", "recent": "last_asked_at DESC, ask_count DESC"}[sort]
        condition, parameters = _in_scope(scope, "guild_id")
        conditions = [condition]
        if status:
            conditions.append("status = ?")
            parameters.append(status)
        if since is not None:
            conditions.append("last_asked_at >= ?")
            parameters.append(timestamp(self.clock() - since))
        where = "WHERE " + " AND ".join(conditions)
        # Only fixed SQL fragments are formatted in; every value is a ? parameter.
        sql = f"SELECT * FROM questions {where} ORDER BY {order}, id"  # noqa: S608
        if limit:
            sql += f" LIMIT {int(limit)}"
        async with self._db.execute(sql, parameters) as cursor:
            rows = await cursor.fetchall()
        places = await self._places([row["id"] for row in rows])
        return [_queued(row, places.get(row["id"], ())) for row in rows]

    async def open_count(self) -> int:
        """How many questions wait in the editors' queue (for the queue-size metric)."""
        return await self._scalar("SELECT count(*) FROM questions WHERE status = 'open'")

    async def question(self, question_id: int, *, scope: Scope | None) -> QueuedQuestion | None:
        """One queued question by id, if it is in the scope (None: any server)."""
        condition, parameters = _in_scope(scope, "guild_id")
        sql = f"SELECT * FROM questions WHERE id = ? AND {condition}"  # noqa: S608 - a fixed fragment, ? values
        async with self._db.execute(sql, (question_id, *parameters)) as cursor:
            row = await cursor.fetchone()
        if row is None:
            return None
        places = await self._places([question_id])
        return _queued(row, places.get(question_id, ()))

    async def _places(self, question_ids: list[int]) -> dict[int, tuple[Place, ...]]:
        sql = (
            "SELECT question_id, asked_at, origin, guild_id, channel_id, jump_url FROM question_asks "
            "WHERE question_id IN ({marks}) ORDER BY asked_at DESC, id DESC"
        )
        return await self._by_question(
            sql,
            question_ids,
            lambda row: Place(
                row["asked_at"], row["origin"], _guild(row["guild_id"]), row["channel_id"], row["jump_url"]
            ),
        )

    async def _by_question(
        self, sql: str, question_ids: list[int], make: Callable[[Any], T]
    ) -> dict[int, tuple[T, ...]]:
        """The rows of `sql` for these questions (`{marks}`: their placeholders), made into values, by question id."""
        found: dict[int, list[T]] = {}
        # In batches: a statement takes at most 32,767 parameters on PostgreSQL (32,766 on most SQLite builds).
        for start in range(0, len(question_ids), IDS_PER_STATEMENT):
            batch = question_ids[start : start + IDS_PER_STATEMENT]
            marks = ",".join("?" * len(batch))  # placeholders only; the ids are parameters
            async with self._db.execute(sql.format(marks=marks), batch) as cursor:
                rows = await cursor.fetchall()
            for row in rows:
                found.setdefault(row["question_id"], []).append(make(row))
        return {key: tuple(value) for key, value in found.items()}

    async def resolve(self, question_id: int, entry_id: str, *, scope: Scope | None) -> bool:
        """Mark a question answered by an entry; False when there is no such question in the scope."""
        return await self._close(question_id, "answered", entry_id, None, scope)

    async def dismiss(self, question_id: int, reason: str, *, scope: Scope | None) -> bool:
        """Mark a question dismissed with a reason; False when there is no such question in the scope."""
        if not reason.strip():
            raise ValueError("a dismissal needs a reason")
        return await self._close(question_id, "dismissed", None, reason.strip(), scope)

    async def dismiss_group(
        self, question_id: int, grouped: tuple[int, ...], reason: str, *, scope: Scope | None
    ) -> Dismissal | None:
        """Dismiss a question and the open questions grouped with it, in one transaction; None when it is not found.

        A question already answered keeps its answer: nothing is dismissed and `answered_by` names its entry.
        """
        if not reason.strip():
            raise ValueError("a dismissal needs a reason")
        now = timestamp(self.clock())
        condition, parameters = _in_scope(scope, "guild_id")
        select = f"SELECT status, answer_entry_id FROM questions WHERE id = ? AND {condition}"  # noqa: S608
        update = (
            "UPDATE questions SET status = 'dismissed', answer_entry_id = NULL, dismiss_reason = ?, "  # noqa: S608
            f"closed_at = ? WHERE id = ? AND status <> 'answered' AND {condition}"
        )
        update_grouped = update + " AND status = 'open'"

        async def work(db: Connection) -> Dismissal | None:
            async with db.execute(select, (question_id, *parameters)) as cursor:
                row = await cursor.fetchone()
            if row is None:
                return None
            if row["status"] == "answered":
                return Dismissal((), row["answer_entry_id"])
            await db.execute(update, (reason.strip(), now, question_id, *parameters))
            dismissed = [question_id]
            for other in grouped:
                if other == question_id:
                    continue
                cursor = await db.execute(update_grouped, (reason.strip(), now, other, *parameters))
                if cursor.rowcount == 1:
                    dismissed.append(other)
            return Dismissal(tuple(dismissed))

        return await self._write(work)

    async def propose(self, question: str, entry_id: str, origin: Origin, user_id: int | None) -> Proposal | None:
        """Record that a member picked an entry for their question (a "did you mean" choice), for the editors.

        It attaches to the open queued question with that text in that server (queued here when there is none);
        picks count members: the same member picking the same entry again is not counted again (a pick without a
        member id counts each time). Nothing is recorded when the question was already answered or dismissed, or
        the editors rejected that pick. It never teaches on its own.
        """
        text = question.strip()[:MAX_STORED_QUESTION_CHARS]
        normalized = question_key(text)
        if not normalized:
            return None
        user_hash = await self._user_hash(user_id) if user_id is not None else None
        now = timestamp(self.clock())
        guild_id = scope_key(origin.guild_id)

        async def work(db: Connection) -> Proposal | None:
            async with db.execute(
                "SELECT id, status FROM questions WHERE guild_id = ? AND normalized = ? "
                "ORDER BY CASE WHEN status = 'open' THEN 0 ELSE 1 END, ask_count DESC, id",
                (guild_id, normalized),
            ) as cursor:
                row = await cursor.fetchone()
            if row is not None and row["status"] != "open":
                return None
            if row is None:
                question_id = await _queue_question(db, text, origin, now, None, entry_id, "unanswered", None)
            else:
                question_id = int(row["id"])
            await db.execute(
                """
                INSERT INTO proposals (question_id, entry_id, picks, proposed_by, proposed_at, last_picked_at)
                VALUES (?, ?, 0, ?, ?, ?)
                ON CONFLICT (question_id, entry_id) DO NOTHING
                """,
                (question_id, entry_id, user_hash, now, now),
            )
            select = f"{PROPOSAL_COLUMNS} FROM proposals WHERE question_id = ? AND entry_id = ?"
            async with db.execute(select, (question_id, entry_id)) as cursor:
                proposal = await cursor.fetchone()
            if proposal is None or proposal["status"] != "open":
                return None
            if user_hash is not None:
                cursor = await db.execute(
                    "INSERT INTO proposal_pickers (proposal_id, user_hash, picked_at) VALUES (?, ?, ?) "
                    "ON CONFLICT (proposal_id, user_hash) DO NOTHING",
                    (proposal["id"], user_hash, now),
                )
                if cursor.rowcount != 1:
                    return _proposal(proposal)  # this member's pick is already counted
            await db.execute(
                "UPDATE proposals SET picks = picks + 1, last_picked_at = ? WHERE id = ?", (now, proposal["id"])
            )
            async with db.execute(select, (question_id, entry_id)) as cursor:
                counted = await cursor.fetchone()
            return _proposal(counted)

        return await self._write(work)

    async def proposals(self, question_ids: list[int]) -> dict[int, tuple[Proposal, ...]]:
        """The open proposals of these questions, most picked first, by question id."""
        sql = (
            f"{PROPOSAL_COLUMNS} FROM proposals "
            "WHERE status = 'open' AND question_id IN ({marks}) ORDER BY picks DESC, id"
        )
        return await self._by_question(sql, question_ids, _proposal)

    async def proposal(self, proposal_id: int, *, scope: Scope | None) -> Proposal | None:
        """One proposal by id, if its question is in the scope (None: any server)."""
        condition, parameters = _in_scope(scope, "q.guild_id")
        sql = (
            "SELECT p.id, p.question_id, p.entry_id, p.picks, p.proposed_at, p.status "  # noqa: S608
            f"FROM proposals p JOIN questions q ON q.id = p.question_id WHERE p.id = ? AND {condition}"
        )
        async with self._db.execute(sql, (proposal_id, *parameters)) as cursor:
            row = await cursor.fetchone()
        return None if row is None else _proposal(row)

    async def reject_proposal(self, proposal_id: int, *, scope: Scope | None) -> Proposal | None:
        """Mark an open proposal rejected (its question stays open); None when there is no open one in the scope."""
        found = await self.proposal(proposal_id, scope=scope)
        if found is None or found.status != "open":
            return None
        now = timestamp(self.clock())

        async def work(db: Connection) -> bool:
            cursor = await db.execute(
                "UPDATE proposals SET status = 'rejected', closed_at = ? WHERE id = ? AND status = 'open'",
                (now, proposal_id),
            )
            return cursor.rowcount == 1

        return replace(found, status="rejected") if await self._write(work) else None

    async def settle_proposals(self, question_ids: tuple[int, ...], entry_id: str) -> None:
        """Close the open proposals of questions just resolved: the pick of that entry confirmed, others rejected."""
        if not question_ids:
            return
        now = timestamp(self.clock())
        marks = ",".join("?" * len(question_ids))  # placeholders only; the ids are parameters
        sql = (
            "UPDATE proposals SET closed_at = ?, "  # noqa: S608
            "status = CASE WHEN entry_id = ? THEN 'confirmed' ELSE 'rejected' END "
            f"WHERE status = 'open' AND question_id IN ({marks})"
        )
        await self._write(lambda db: db.execute(sql, (now, entry_id, *question_ids)))

    async def _close(
        self, question_id: int, status: str, entry_id: str | None, reason: str | None, scope: Scope | None
    ) -> bool:
        """Set a question's status with its answering entry or dismissal reason (the other cleared), in the scope."""
        now = timestamp(self.clock())
        condition, parameters = _in_scope(scope, "guild_id")
        # Only a fixed fragment is formatted in; every value is a ? parameter.
        sql = (
            "UPDATE questions SET status = ?, answer_entry_id = ?, dismiss_reason = ?, closed_at = ? "  # noqa: S608
            f"WHERE id = ? AND {condition}"
        )

        async def work(db: Connection) -> bool:
            cursor = await db.execute(sql, (status, entry_id, reason, now, question_id, *parameters))
            return cursor.rowcount == 1

        return await self._write(work)

    async def teach(
        self,
        question_id: int,
        entry_id: str,
        grouped: tuple[tuple[int, str], ...] = (),
        *,
        scope: Scope | None,
        guild_id: int | None,
        user_id: int | None,
        taken: Mapping[str, str] | None = None,
        known: Collection[str] = (),
    ) -> Teaching | None:
        """Resolve a question (and the open ones grouped with it) to an entry and learn their texts as its phrasings.

        `guild_id` is the server whose editors teach (None: the command line, everywhere); `taken` maps the folded
        questions of other entries in the knowledge files to their entry. A text that belongs to another entry (in
        `taken`, or learned for one where this server's members are answered) is refused: the question itself
        refused changes nothing; a refused grouped question stays open. A question's own phrasing, learned when it was
        resolved here before, is not refused but moved to this entry: resolving again corrects a mistaken resolve.
        `known` holds the folded phrasings the entry already has in the files: their questions are resolved, not
        learned again. None when the question is not in the scope.
        """
        now = timestamp(self.clock())
        taught_in = scope_key(guild_id)
        user_hash = await self._user_hash(user_id) if user_id is not None else None
        condition, parameters = _in_scope(scope, "guild_id")
        select = f"SELECT id, text FROM questions WHERE id = ? AND {condition}"  # noqa: S608 - fixed fragment
        resolve = (
            "UPDATE questions SET status = 'answered', answer_entry_id = ?, dismiss_reason = NULL, closed_at = ? "  # noqa: S608
            f"WHERE id = ? AND {condition}"
        )
        # Where a phrasing taught here would answer: this server and everywhere; from the command line, every server.
        visible = "" if taught_in == DM_SCOPE else "AND guild_id IN (0, ?)"

        async def owners(db: Connection, normalized: str) -> list[Any]:
            """The phrasings learned for other entries with this text, where a phrasing taught here would answer."""
            values: tuple[object, ...] = (normalized, entry_id) if not visible else (normalized, entry_id, taught_in)
            sql = (
                "SELECT id, entry_id, guild_id, question_id FROM learned "  # noqa: S608 - a fixed fragment
                f"WHERE normalized = ? AND entry_id <> ? {visible} ORDER BY id"
            )
            async with db.execute(sql, values) as cursor:
                return list(await cursor.fetchall())

        async def work(db: Connection) -> Teaching | None:
            async with db.execute(select, (question_id, *parameters)) as cursor:
                row = await cursor.fetchone()
            if row is None:
                return None
            candidates = [(question_id, row["text"]), *((qid, text) for qid, text in grouped if qid != question_id)]
            resolved, learned, refused, moved, removable = [], [], [], [], []
            for qid, text in candidates:
                normalized = question_key(text)
                rows = [] if normalized in (taken or {}) else await owners(db, normalized)
                # This question's own phrasing from an earlier resolve here moves: the editor is correcting it.
                own = [r for r in rows if r["question_id"] == qid and r["guild_id"] == taught_in]
                foreign = [r for r in rows if not (r["question_id"] == qid and r["guild_id"] == taught_in)]
                other = (taken or {}).get(normalized) or (foreign[0]["entry_id"] if foreign else None)
                if other:
                    refused.append((text, other))
                    removable += [(text, int(foreign[0]["id"]))] if foreign else []
                    if qid == question_id:
                        return Teaching((), (), tuple(refused), removable=tuple(removable))
                    continue
                cursor = await db.execute(resolve, (entry_id, now, qid, *parameters))
                if cursor.rowcount != 1:
                    continue
                resolved.append(qid)
                for earlier in own:
                    await db.execute(
                        "UPDATE learned SET entry_id = ?, taught_by = ?, taught_at = ? WHERE id = ?",
                        (entry_id, user_hash, now, earlier["id"]),
                    )
                    moved.append((text, earlier["entry_id"]))
                if own or not normalized or normalized in known:
                    continue
                cursor = await db.execute(
                    """
                    INSERT INTO learned (guild_id, entry_id, text, normalized, taught_by, taught_at, question_id)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (guild_id, normalized) DO NOTHING
                    """,
                    (taught_in, entry_id, text[:MAX_STORED_QUESTION_CHARS], normalized, user_hash, now, qid),
                )
                if cursor.rowcount == 1:
                    learned.append(text)
            return Teaching(tuple(resolved), tuple(learned), tuple(refused), tuple(moved), tuple(removable))

        return await self._write(work)

    async def learned(self, *, guild_id: int | None = None, everywhere_only: bool = False) -> list[Learned]:
        """Learned phrasings, oldest first: all of them, or those that apply in one server (its own and everywhere)."""
        if everywhere_only:
            where, values = "WHERE guild_id = 0", ()
        elif guild_id is not None:
            where, values = "WHERE guild_id IN (0, ?)", (guild_id,)
        else:
            where, values = "", ()
        sql = f"SELECT id, entry_id, text, guild_id, taught_at, question_id FROM learned {where} ORDER BY id"  # noqa: S608
        async with self._db.execute(sql, values) as cursor:
            rows = await cursor.fetchall()
        return [_learned(row) for row in rows]

    async def forget(self, learned_id: int) -> Learned | None:
        """Remove one learned phrasing by id; return what was removed (None when there is no such phrasing)."""

        async def work(db: Connection) -> Learned | None:
            async with db.execute(
                "SELECT id, entry_id, text, guild_id, taught_at, question_id FROM learned WHERE id = ?", (learned_id,)
            ) as cursor:
                row = await cursor.fetchone()
            if row is None:
                return None
            await db.execute("DELETE FROM learned WHERE id = ?", (learned_id,))
            return _learned(row)

        return await self._write(work)

    async def purge(self, older_than: timedelta, *, scope: Scope | None) -> PurgeCounts:
        """Delete a scope's questions (with their places), answer records and votes not touched within `older_than`.

        With scope None (the command line) every server's old records go, including those whose server is unknown.
        """
        cutoff = timestamp(self.clock() - older_than)
        condition, parameters = _in_scope(scope, "guild_id")
        values = (cutoff, *parameters)

        async def delete(db: Connection, table: str, column: str) -> int:
            sql = f"DELETE FROM {table} WHERE {column} < ? AND {condition}"  # noqa: S608 - fixed names, ? values
            cursor = await db.execute(sql, values)
            return cursor.rowcount

        async def work(db: Connection) -> PurgeCounts:
            places = await delete(db, "question_asks", "asked_at")
            questions = await delete(db, "questions", "last_asked_at")
            posts = await delete(db, "answer_posts", "posted_at")
            votes = await delete(db, "feedback", "voted_at")
            asks = await delete(db, "asks", "asked_at")
            # Told markers go with their question (ON DELETE CASCADE) and, for questions kept, by age.
            sql = (
                "DELETE FROM told WHERE told_at < ? AND question_id IN "  # noqa: S608 - a fixed fragment, ? values
                f"(SELECT id FROM questions WHERE {condition})"
            )
            told = (await db.execute(sql, values)).rowcount
            return PurgeCounts(questions, places, posts + votes + asks + told)

        return await self._write(work)

    async def stats(self, days: int, *, scope: Scope | None) -> Stats:
        """Questions asked, answer and abstain rates, and votes per entry over the last `days` days, in a scope."""
        since = timestamp(self.clock() - timedelta(days=days))
        condition, parameters = _in_scope(scope, "guild_id")
        # Only fixed SQL fragments are formatted in; every value is a ? parameter.
        asks_sql = f"SELECT status, count(*) FROM asks WHERE asked_at >= ? AND {condition} GROUP BY status"  # noqa: S608
        async with self._db.execute(asks_sql, (since, *parameters)) as cursor:
            by_status = {row[0]: int(row[1]) for row in await cursor.fetchall()}
        votes_sql = (
            "SELECT entry_id, sum(CASE WHEN vote > 0 THEN 1 ELSE 0 END) AS up, "  # noqa: S608
            "sum(CASE WHEN vote < 0 THEN 1 ELSE 0 END) AS down FROM feedback "
            f"WHERE voted_at >= ? AND {condition} "
            "GROUP BY entry_id ORDER BY down DESC, up DESC, entry_id"
        )
        async with self._db.execute(votes_sql, (since, *parameters)) as cursor:
            votes = tuple(EntryVotes(row[0], int(row[1]), int(row[2])) for row in await cursor.fetchall())
        return Stats(
            days=days,
            asked=sum(by_status.values()),
            answered=by_status.get("answered", 0),
            suggested=by_status.get("suggest", 0),
            unknown=by_status.get("unknown", 0),
            votes=votes,
            partial=by_status.get("partial", 0),
        )


# How a queued question asked again is counted (parameters: when, best score, best entry, rejected entry, unsure).
_ASKED_AGAIN = """
    ask_count = questions.ask_count + 1,
    status = CASE WHEN questions.status = 'answered' THEN 'open' ELSE questions.status END,
    answer_entry_id = CASE WHEN questions.status = 'answered' THEN NULL ELSE questions.answer_entry_id END,
    closed_at = CASE WHEN questions.status = 'answered' THEN NULL ELSE questions.closed_at END,
    last_asked_at = ?,
    best_score = ?,
    best_entry_id = ?,
    rejected_entry_id = coalesce(?, questions.rejected_entry_id),
    unsure = ?
"""


async def _queue_question(
    db: Connection,
    text: str,
    origin: Origin,
    now: str,
    best_score: float | None,
    best_entry_id: str | None,
    kind: str,
    rejected_entry_id: str | None,
    unsure: bool = False,
) -> int:
    """Insert or count a queued question and the place it was asked (and by whom), inside the caller's transaction.

    `unsure` follows the latest ask: whether the bot gave a "did you mean" or a partial answer, not "I don't know".
    A question answered already but asked again (by a process that has not learned the answer yet: before its
    /knowledge reload, or during a refit) is open again, so that the editors see it and the re-check after a reload
    answers its new askers; one the editors dismissed stays dismissed and is counted there.
    """
    guild_id = scope_key(origin.guild_id)
    key = (guild_id, question_key(text), kind)
    again = (now, best_score, best_entry_id, rejected_entry_id, int(unsure))
    # Asked again: the row is counted in place. Only a new question inserts, so PostgreSQL draws an id from its
    # sequence only for a new row (an upsert draws one on every ask: ids went #1, #4, #25); the upsert still counts
    # in place a row another process inserted in between.
    async with db.execute(
        f"UPDATE questions SET {_ASKED_AGAIN} WHERE guild_id = ? AND normalized = ? AND kind = ? RETURNING id",  # noqa: S608
        (*again, *key),
    ) as cursor:
        row = await cursor.fetchone()
    if row is None:
        async with db.execute(
            f"""
            INSERT INTO questions (guild_id, normalized, kind, text, ask_count, first_asked_at, last_asked_at,
                                   best_score, best_entry_id, rejected_entry_id, unsure)
            VALUES (?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (guild_id, normalized, kind) DO UPDATE SET {_ASKED_AGAIN}
            RETURNING id
            """,  # noqa: S608 - a fixed fragment, ? values
            (*key, text, now, *again, *again),
        ) as cursor:
            row = await cursor.fetchone()
    assert row is not None
    question_id = int(row[0])
    await db.execute(
        """
        INSERT INTO question_asks (question_id, asked_at, origin, guild_id, channel_id, message_id, jump_url, asker_id)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?)
        """,
        (
            question_id,
            now,
            origin.kind,
            guild_id,
            origin.channel_id,
            origin.message_id,
            origin.jump_url,
            origin.user_id,
        ),
    )
    return question_id


async def _reject_in_queue(
    db: Connection, text: str, origin: Origin, entry_id: str, user_hash: str | None, now: str
) -> bool:
    """Mark a 👎'd entry on the question's open queue item, if the bot queued it already; False when it did not.

    The bot queues a partial answer and a "did you mean" itself: a 👎 on one keeps the ask one item, and the
    editors' menu leaves the rejected entry out. A member who picked that entry from the "did you mean" and then
    👎'd it takes the pick back (a proposal nobody else picked is rejected), so no Confirm offers what they turned down.
    """
    async with db.execute(
        """
        UPDATE questions SET rejected_entry_id = ?
        WHERE guild_id = ? AND normalized = ? AND kind = 'unanswered' AND status = 'open'
        RETURNING id
        """,
        (entry_id, scope_key(origin.guild_id), question_key(text)),
    ) as cursor:
        row = await cursor.fetchone()
    if row is None:
        return False
    proposal = "SELECT id FROM proposals WHERE question_id = ? AND entry_id = ? AND status = 'open'"
    withdrawn = await db.execute(
        f"DELETE FROM proposal_pickers WHERE user_hash = ? AND proposal_id IN ({proposal})",  # noqa: S608
        (user_hash, row[0], entry_id),
    )
    if withdrawn.rowcount:
        await db.execute(
            f"UPDATE proposals SET picks = picks - 1, closed_at = CASE WHEN picks <= 1 THEN ? END, "  # noqa: S608
            f"status = CASE WHEN picks <= 1 THEN 'rejected' ELSE status END WHERE id IN ({proposal})",
            (now, row[0], entry_id),
        )
    return True


async def _queued_from(db: Connection, origin: Origin) -> int | None:
    """The question a message is already queued as, whatever its status (the latest, if several), in the transaction.

    Answered or dismissed, it is that message's question still: judging the message again does not queue it anew.
    """
    async with db.execute(
        "SELECT question_id FROM question_asks WHERE guild_id = ? AND message_id = ? ORDER BY id DESC LIMIT 1",
        (scope_key(origin.guild_id), origin.message_id),
    ) as cursor:
        row = await cursor.fetchone()
    return None if row is None else int(row[0])


async def _insert_post(
    db: Connection, message_id: int, question: str, entry_id: str | None, origin: Origin, now: str
) -> None:
    """Remember the message that carries an answer or suggestions, and the message it replies to, in the transaction."""
    await db.execute(
        """
        INSERT INTO answer_posts (message_id, question, entry_id, guild_id, channel_id, posted_at, reply_to)
        VALUES (?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (message_id) DO UPDATE SET
            question = excluded.question, entry_id = excluded.entry_id, guild_id = excluded.guild_id,
            channel_id = excluded.channel_id, posted_at = excluded.posted_at, reply_to = excluded.reply_to
        """,
        (message_id, question, entry_id, scope_key(origin.guild_id), origin.channel_id, now, origin.message_id),
    )


def _in_scope(scope: Scope | None, column: str) -> tuple[str, list[int]]:
    """A WHERE fragment (fixed text, ? placeholders) keeping the rows of a scope; None keeps every row."""
    if scope is None:
        return "1 = 1", []
    if not scope.guild_ids:
        return "0 = 1", []
    ids = sorted(scope.guild_ids)
    return f"{column} IN ({','.join('?' * len(ids))})", ids


def _guild(stored: int | None) -> int | None:
    """A stored scope as a guild id: None for the DM scope (and for records from before servers were kept)."""
    return None if stored in (None, DM_SCOPE) else stored


def _learned(row: sqlite3.Row) -> Learned:
    """A learned phrasing from its row."""
    return Learned(
        row["id"], row["entry_id"], row["text"], _guild(row["guild_id"]), row["taught_at"], row["question_id"]
    )


def _proposal(row: sqlite3.Row) -> Proposal:
    """A proposal from its row."""
    return Proposal(row["id"], row["question_id"], row["entry_id"], row["picks"], row["proposed_at"], row["status"])


def _queued(row: sqlite3.Row, places: tuple[Place, ...]) -> QueuedQuestion:
    return QueuedQuestion(
        id=row["id"],
        text=row["text"],
        kind=row["kind"],
        ask_count=row["ask_count"],
        first_asked_at=row["first_asked_at"],
        last_asked_at=row["last_asked_at"],
        best_score=row["best_score"],
        best_entry_id=row["best_entry_id"],
        rejected_entry_id=row["rejected_entry_id"],
        status=row["status"],
        answer_entry_id=row["answer_entry_id"],
        dismiss_reason=row["dismiss_reason"],
        guild_id=_guild(row["guild_id"]),
        places=places,
        unsure=bool(row["unsure"]),
    )
