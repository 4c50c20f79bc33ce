"""The SQLite store: migrations (fresh, re-run, newer refused, failed rolled back) and the unanswered log."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import pytest
from pg_helpers import run_sync

from bot.cli import main
from bot.errors import StoreError
from bot.folding import question_key as normalize_question
from bot.store import Ask, Origin, Store
from bot.store.migrations import Migration, bundled_migrations
from bot.store.postgres import as_dbapi_error


def read(path: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(path) as connection:
        return connection.execute(sql).fetchall()


async def test_fresh_database_is_created_with_its_folder_and_migrated(tmp_path: Path) -> None:
    path = tmp_path / "new" / "folder" / "faqbot.db"
    async with await Store.open(path) as store:
        assert await store._scalar("PRAGMA user_version") == len(bundled_migrations())
    assert path.exists()
    tables = {row[0] for row in read(path, "SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"questions", "question_asks", "asks"} <= tables
    assert read(path, "PRAGMA journal_mode") == [("wal",)]


@pytest.mark.sqlite_only
async def test_store_turns_on_foreign_keys_and_a_busy_timeout(store: Store) -> None:
    assert await store._scalar("PRAGMA foreign_keys") == 1
    assert await store._scalar("PRAGMA busy_timeout") >= 1000


async def test_reopening_is_safe_and_keeps_data(tmp_path: Path) -> None:
    path = tmp_path / "faqbot.db"
    async with await Store.open(path) as store:
        await store.log_unanswered("what is a yak?", Origin(), best_score=0.1, best_entry_id="intro")
    async with await Store.open(path) as store:
        assert await store._scalar("PRAGMA user_version") == len(bundled_migrations())
    assert read(path, "SELECT text, ask_count FROM questions") == [("what is a yak?", 1)]


async def test_database_newer_than_the_code_is_refused_and_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "faqbot.db"
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA user_version = 99")
    before = path.read_bytes()
    with pytest.raises(StoreError, match=r"schema version 99, newer than this faqbot understands"):
        await Store.open(path)
    assert path.read_bytes() == before


async def test_corrupt_database_is_refused_and_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "faqbot.db"
    path.write_bytes(b"this is not a database, just some text that happens to sit here" * 100)
    before = path.read_bytes()
    with pytest.raises(StoreError, match=r"not a usable SQLite database.*left untouched"):
        await Store.open(path)
    assert path.read_bytes() == before
    assert not Path(f"{path}-wal").exists()


async def test_a_failing_migration_is_rolled_back_whole(tmp_path: Path) -> None:
    path = tmp_path / "faqbot.db"
    good = Migration(1, "good", "BEGIN; CREATE TABLE a (x); PRAGMA user_version = 1; COMMIT;")
    bad = Migration(
        2, "bad", "BEGIN; CREATE TABLE b (x); INSERT INTO missing VALUES (1); PRAGMA user_version = 2; COMMIT;"
    )
    with pytest.raises(sqlite3.OperationalError, match="no such table: missing"):
        await Store.open(path, migrations=[good, bad])
    assert read(path, "PRAGMA user_version") == [(1,)]
    assert {row[0] for row in read(path, "SELECT name FROM sqlite_master")} == {"a"}


async def test_unwritable_location_gives_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StoreError, match="cannot create the database folder"):
        await Store.open(blocker / "sub" / "faqbot.db")


def test_questions_are_normalised_for_deduplication() -> None:
    assert normalize_question("  What IS a  TL?? ") == normalize_question("what is a tl")
    assert normalize_question("Café_au-lait!") == "cafe au lait"  # folded as the retriever folds it


async def test_the_same_question_is_stored_once_counted_with_every_place(tmp_path: Path) -> None:
    times = iter([datetime(2026, 1, 1, 9, tzinfo=UTC), datetime(2026, 1, 2, 10, tzinfo=UTC)] * 2)
    path = tmp_path / "faqbot.db"
    here = Origin("discord", guild_id=1, channel_id=2, message_id=3, jump_url="https://discord.com/channels/1/2/3")
    there = Origin("discord", guild_id=1, channel_id=4, message_id=5, jump_url="https://discord.com/channels/1/4/5")
    async with await Store.open(path, clock=lambda: next(times)) as store:
        first = await store.log_unanswered("How do I bake bread?", here, best_score=0.05, best_entry_id="intro")
        second = await store.log_unanswered("how do i bake BREAD", there, best_score=0.07, best_entry_id="duty-on-call")
        elsewhere = await store.log_unanswered("how do I bake bread", Origin(), best_score=0.05, best_entry_id="intro")
    assert first == second != elsewhere  # the same words asked outside the server are another scope's question
    assert read(
        path,
        "SELECT guild_id, text, ask_count, first_asked_at, last_asked_at, best_score, best_entry_id FROM questions "
        "ORDER BY id",
    ) == [
        (1, "How do I bake bread?", 2, "2026-01-01T09:00:00Z", "2026-01-02T10:00:00Z", 0.07, "duty-on-call"),
        (0, "how do I bake bread", 1, "2026-01-01T09:00:00Z", "2026-01-01T09:00:00Z", 0.05, "intro"),
    ]
    assert read(path, "SELECT origin, guild_id, channel_id, message_id, jump_url FROM question_asks ORDER BY id") == [
        ("discord", 1, 2, 3, "https://discord.com/channels/1/2/3"),
        ("discord", 1, 4, 5, "https://discord.com/channels/1/4/5"),
        ("cli", 0, None, None, None),
    ]


async def test_empty_questions_are_not_logged(store: Store) -> None:
    with pytest.raises(ValueError, match="empty"):
        await store.log_unanswered(" ?! ", Origin(), best_score=None, best_entry_id=None)


async def test_every_ask_is_counted_for_statistics(tmp_path: Path) -> None:
    path = tmp_path / "faqbot.db"
    async with await Store.open(path) as store:
        await store.record_ask(Ask("a question", "answered", "intro", Origin()))
        await store.record_ask(Ask("a question", "unknown", None, Origin("discord")))
    assert read(path, "SELECT origin, status, entry_id FROM asks ORDER BY id") == [
        ("cli", "answered", "intro"),
        ("discord", "unknown", None),
    ]


def test_every_migration_has_its_postgresql_dialect_with_the_same_number_and_name() -> None:
    sqlite = [(migration.version, migration.name) for migration in bundled_migrations("sqlite")]
    postgres = [(migration.version, migration.name) for migration in bundled_migrations("postgres")]
    assert postgres == sqlite
    for migration in bundled_migrations("postgres"):
        assert f"INSERT INTO faqbot_schema (version, name) VALUES ({migration.version}, '{migration.name}')" in (
            migration.sql
        )


async def test_a_partial_answer_is_counted_on_both_backends(store: Store) -> None:
    await store.record_ask(Ask("a question", "partial", "intro", Origin()))
    assert (await store.stats(7, scope=None)).partial == 1


async def test_a_new_database_its_wal_and_its_backups_are_readable_by_their_owner_alone(tmp_path: Path) -> None:
    """Questions (DMs too) and askers' ids are personal data: no other local user may read them."""
    from bot.store import Origin
    from bot.store.maintenance import backup_sqlite

    db = tmp_path / "data" / "faqbot.db"
    async with await Store.open(db) as store:
        await store.log_unanswered("is there parking at the office", Origin(), best_score=None, best_entry_id=None)
        files = sorted(db.parent.iterdir())
        assert [path.name for path in files] == ["faqbot.db", "faqbot.db-shm", "faqbot.db-wal"]
        assert {path.stat().st_mode & 0o777 for path in files} == {0o600}
    assert db.parent.stat().st_mode & 0o777 == 0o700
    backup_sqlite(db, tmp_path / "backup.db")
    assert (tmp_path / "backup.db").stat().st_mode & 0o777 == 0o600


async def future_database(db: Path | str) -> None:
    """A database a newer faqbot wrote: this faqbot's schema, then version 99."""
    async with await Store.open(db) as store:
        if store.dialect == "postgres":
            await store._write(lambda c: c.execute("INSERT INTO faqbot_schema (version, name) VALUES (99, 'future')"))
    if isinstance(db, Path):
        with sqlite3.connect(db) as connection:
            connection.execute("PRAGMA user_version = 99")


async def test_a_newer_database_is_refused_naming_the_setting_of_its_kind(db: Path | str) -> None:
    await future_database(db)
    setting = "storage.database" if isinstance(db, Path) else "storage.url"

    with pytest.raises(StoreError, match=rf"newer than this faqbot understands \(\d+\): upgrade faqbot first\. It "
                       rf"was left untouched; point {setting} or --db elsewhere"):  # fmt: skip
        await Store.open(db)


def test_db_check_calls_a_newer_database_unusable_on_either_kind(
    db: Path | str, capsys: pytest.CaptureFixture[str]
) -> None:
    run_sync(lambda: future_database(db))

    code = main(["db", "check", "--db", str(db)])

    assert code == 1  # a finding, as for a damaged file; not a usage error (2)
    [line] = capsys.readouterr().out.splitlines()
    assert line.startswith("unusable: ") and "schema version 99, newer than this faqbot understands" in line


def test_a_report_on_an_older_database_says_how_to_back_up_that_kind(
    db: Path | str, capsys: pytest.CaptureFixture[str]
) -> None:
    dialect = "sqlite" if isinstance(db, Path) else "postgres"

    async def older() -> None:
        async with await Store.open(db, migrations=bundled_migrations(dialect)[:-1]):
            pass

    run_sync(older)

    code = main(["stats", "--db", str(db)])

    assert code == 2
    error = capsys.readouterr().err
    assert "reports never upgrade a database" in error
    assert ("(faqbot db backup)" if dialect == "sqlite" else "(pg_dump --format=custom)") in error


@pytest.mark.parametrize(
    ("error", "said"),
    [
        (ConnectionResetError("reset by peer"), "the PostgreSQL connection failed: reset by peer"),
        (
            asyncpg.InterfaceError("the number of query arguments cannot exceed 32767"),
            "the PostgreSQL client (asyncpg) cannot do it: the number of query arguments cannot exceed 32767",
        ),
        (
            asyncpg.exceptions.ConnectionDoesNotExistError("connection was closed in the middle of operation"),
            "the PostgreSQL connection failed: connection was closed in the middle of operation",
        ),
        (
            asyncpg.InterfaceError("cannot perform operation: connection is closed"),
            "the PostgreSQL connection failed: cannot perform operation: connection is closed",
        ),
        (
            asyncpg.exceptions.AdminShutdownError("terminating connection due to administrator command"),
            "the PostgreSQL connection failed: terminating connection due to administrator command",
        ),
    ],
    ids=["network", "client-refusal", "dropped-mid-query", "used-after-a-drop", "server-shut-down"],
)
def test_a_postgresql_failure_is_named_for_what_it_is(error: Exception, said: str) -> None:
    """Only a network failure is called a failed connection; asyncpg refusing a statement is said to be that."""
    assert str(as_dbapi_error(error)) == said
