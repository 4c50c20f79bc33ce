"""Operations from the command line: db backup and check, the storage and metrics config, a light `faqbot health`."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from db_helpers import damage_table

from bot.config import load_config, parse_config
from bot.errors import ConfigError
from bot.store import Origin, Store
from bot.store.migrations import bundled_migrations

ROOT = Path(__file__).resolve().parents[2]
URL = "postgresql://faqbot:s3cret@db.example:5432/faqbot"


def faqbot(*args: str, env: dict[str, str] | None = None, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, **(env or {})}
    for name in ("DISCORD_TOKEN", "FAQBOT_DATABASE_URL"):
        environment.pop(name, None)
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], capture_output=True, text=True, cwd=cwd, env=environment, timeout=120
    )


def make_db(path: Path, questions: int) -> None:
    async def fill() -> None:
        async with await Store.open(path) as store:
            for number in range(questions):
                await store.log_unanswered(
                    f"what colour is unicorn {number}", Origin(), best_score=None, best_entry_id=None
                )

    asyncio.run(fill())


def test_a_backup_is_a_checked_copy_that_answers_like_the_original(tmp_path: Path) -> None:
    db = tmp_path / "data" / "faqbot.db"
    make_db(db, 3)
    backup = tmp_path / "backup.db"

    result = faqbot("db", "backup", "--db", str(db), str(backup))

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"backed up {db} to {backup} (")
    with sqlite3.connect(backup) as copy:
        assert copy.execute("SELECT count(*) FROM questions").fetchone() == (3,)
        assert copy.execute("PRAGMA user_version").fetchone()[0] >= 2
    assert faqbot("db", "check", "--db", str(backup)).stdout.startswith(f"ok: {backup} passed the integrity check")


def test_a_backup_taken_while_another_process_writes_is_consistent(tmp_path: Path) -> None:
    db = tmp_path / "faqbot.db"
    make_db(db, 1)
    stop = threading.Event()

    def write() -> None:  # another connection commits one question per transaction, as the running bot does
        with sqlite3.connect(db, isolation_level=None) as writer:
            writer.execute("PRAGMA busy_timeout = 5000")
            number = 0
            while not stop.is_set():
                number += 1
                writer.execute(
                    "INSERT INTO asks (asked_at, origin, status) VALUES ('2026-01-01T00:00:00Z', 'other', 'unknown')"
                )

    writer = threading.Thread(target=write)
    writer.start()
    try:
        result = faqbot("db", "backup", "--db", str(db), str(tmp_path / "copy.db"))
    finally:
        stop.set()
        writer.join()
    assert result.returncode == 0, result.stderr
    assert faqbot("db", "check", "--db", str(tmp_path / "copy.db")).returncode == 0


def test_a_backup_never_overwrites_and_a_missing_database_is_one_line(tmp_path: Path) -> None:
    db = tmp_path / "faqbot.db"
    make_db(db, 1)
    existing = tmp_path / "old-backup.db"
    existing.write_bytes(b"keep me")

    refused = faqbot("db", "backup", "--db", str(db), str(existing))
    missing = faqbot("db", "backup", "--db", str(tmp_path / "nothing.db"), str(tmp_path / "x.db"))

    assert (refused.returncode, refused.stderr) == (
        2,
        f"faqbot: error: {existing} already exists; a backup never overwrites a file\n",
    )
    assert existing.read_bytes() == b"keep me"
    assert missing.returncode == 2 and missing.stderr.count("\n") == 1 and "no database at" in missing.stderr
    assert not (tmp_path / "x.db").exists()


def test_db_check_reports_a_damaged_table_in_one_line(tmp_path: Path) -> None:
    db = tmp_path / "faqbot.db"
    make_db(db, 2)
    damage_table(db, "questions")

    result = faqbot("db", "check", "--db", str(db))

    assert result.returncode == 1
    assert result.stdout.startswith(f"damaged: {db} failed the integrity check: ")
    assert result.stdout.count("\n") == 1 and not result.stderr


def test_a_postgresql_backup_points_to_pg_dump_without_showing_the_password() -> None:
    result = faqbot("db", "backup", "--db", URL, "backup.dump")
    assert result.returncode == 2
    assert result.stderr == (
        "faqbot: error: postgresql://faqbot:***@db.example:5432/faqbot is PostgreSQL: back it up with "
        "pg_dump --format=custom --file BACKUP URL\n"
    )


def test_storage_url_comes_from_the_config_or_the_environment_and_stays_out_of_the_repr() -> None:
    from_file = parse_config({"storage": {"url": URL}})
    from_env = load_config(None, {"FAQBOT_DATABASE_URL": URL})
    assert from_file.database == from_env.database == URL
    assert parse_config({}).database == Path("data/faqbot.db")
    assert "s3cret" not in repr(from_file)
    with pytest.raises(ConfigError, match=r"storage\.url must be a postgresql://"):
        parse_config({"storage": {"url": "mysql://x"}})


@pytest.mark.parametrize("target", ["mysql://faqbot:s3cret@db.example/faqbot", "postgresq://faqbot:s3cret@db/faqbot"])
def test_a_db_url_that_is_not_postgresql_is_refused_not_made_into_folders(tmp_path: Path, target: str) -> None:
    """Taken for a SQLite file, `--db mysql://...` answered and left folders named after the password behind."""
    knowledge = str(ROOT / "knowledge")
    result = faqbot("--knowledge", knowledge, "--db", target, "ask", "hi", env={"PYTHONPATH": str(ROOT)}, cwd=tmp_path)
    assert result.returncode == 2
    assert "argument --db: expected a SQLite file or a postgresql://" in result.stderr
    assert "s3cret" not in result.stderr + result.stdout and "faqbot:***@" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_url_as_the_sqlite_path_of_the_config_is_refused_without_showing_it() -> None:
    with pytest.raises(
        ConfigError, match=r"storage\.database is a SQLite file's path; a postgresql:// URL goes in"
    ) as refused:
        parse_config({"storage": {"database": URL}})
    assert "s3cret" not in str(refused.value)


def test_a_key_written_twice_in_the_config_is_refused_with_its_line(tmp_path: Path) -> None:
    """YAML keeps the last of two `token:` lines silently; the config loader names the second one instead."""
    config = tmp_path / "config.yaml"
    config.write_text("discord:\n  token: first\n  answer_channels: []\n  token: second\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"config\.yaml:4: key 'token' appears twice") as refused:
        load_config(config)
    assert "first" not in str(refused.value) and "second" not in str(refused.value)  # never echo a secret


def test_shard_ids_need_a_shard_count_and_must_be_below_it() -> None:
    config = parse_config({"discord": {"shard_count": 4, "shard_ids": [2, 3]}})
    assert config.discord.shard_ids == (2, 3)
    with pytest.raises(ConfigError, match=r"shard_ids needs discord\.shard_count as a number"):
        parse_config({"discord": {"shard_ids": [0]}})
    with pytest.raises(ConfigError, match=r"must be below discord.shard_count \(2\), got \[1, 2\]"):
        parse_config({"discord": {"shard_count": 2, "shard_ids": [1, 2]}})


def test_metrics_are_off_by_default_and_take_a_port() -> None:
    assert parse_config({}).metrics.port is None
    assert parse_config({"metrics": {"port": 9108}}).metrics.port == 9108
    with pytest.raises(ConfigError, match=r"metrics\.port must be a TCP port"):
        parse_config({"metrics": {"port": 70000}})


def test_faqbot_health_imports_neither_scikit_learn_nor_discord_nor_a_database_driver(tmp_path: Path) -> None:
    probe = (
        "import sys; from bot.cli import main; code = main(['health', '--file', sys.argv[1]]); "
        "print(code, sorted(m for m in ('sklearn', 'discord', 'asyncpg') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe, str(tmp_path / "none")], capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert result.stdout.splitlines()[-1] == "1 []", result.stdout + result.stderr


def old_schema_db(path: Path, migrations: int) -> None:
    """A database as an older faqbot left it: only its first migrations applied."""
    from bot.store.migrations import bundled_migrations

    async def build() -> None:
        async with await Store.open(path, migrations=bundled_migrations()[:migrations]):
            pass

    asyncio.run(build())


def test_a_report_never_upgrades_an_older_database_and_says_how_to(tmp_path: Path) -> None:
    db = tmp_path / "faqbot.db"
    old_schema_db(db, 5)

    result = faqbot("stats", "--db", str(db))

    assert result.returncode == 2  # a user error, in one line
    assert "is at schema version 5, behind this faqbot's" in result.stderr and "faqbot db backup" in result.stderr
    with sqlite3.connect(db) as connection:
        assert connection.execute("PRAGMA user_version").fetchone() == (5,)  # untouched: a rollback still works


def test_db_check_says_what_the_schema_version_means_for_this_faqbot(tmp_path: Path) -> None:
    behind, newer, foreign = tmp_path / "behind.db", tmp_path / "newer.db", tmp_path / "other.db"
    old_schema_db(behind, 5)
    with sqlite3.connect(newer) as connection:
        connection.execute("PRAGMA user_version = 99")
    with sqlite3.connect(foreign) as connection:
        connection.execute("CREATE TABLE recipes (name TEXT)")

    checked = {path: faqbot("db", "check", "--db", str(path)) for path in (behind, newer, foreign)}

    assert checked[behind].returncode == 0 and "behind this faqbot's" in checked[behind].stdout
    assert checked[newer].returncode == 1
    assert checked[newer].stdout.startswith(f"unusable: {newer} passed the integrity check, but it has schema version")
    assert checked[foreign].returncode == 1 and "another application's SQLite database" in checked[foreign].stdout


def test_upgrading_an_existing_database_is_one_warning_line(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    db = tmp_path / "faqbot.db"
    old_schema_db(db, 5)
    with contextlib.closing(sqlite3.connect(db)) as connection, connection:  # a database in use: it holds questions
        connection.execute(
            "INSERT INTO questions (guild_id, normalized, kind, text, ask_count, first_asked_at, last_asked_at) "
            "VALUES (0, 'why', 'unanswered', 'why?', 1, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')"
        )
    caplog.set_level("WARNING")

    async def upgrade() -> None:
        async with await Store.open(db):
            pass

    asyncio.run(upgrade())

    [line] = [record.getMessage() for record in caplog.records if record.name == "bot.store.sqlite"]
    assert line.startswith(f"upgrading the database {db} from schema version 5 to ")


def test_a_new_database_another_process_is_migrating_gives_no_upgrade_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    db = tmp_path / "faqbot.db"
    old_schema_db(db, 5)  # where a second process finds a new database that the first is half way through migrating
    caplog.set_level("WARNING")

    async def migrate() -> int:
        async with await Store.open(db) as store:
            return await store.schema_version()

    assert asyncio.run(migrate()) == bundled_migrations()[-1].version
    assert [record.getMessage() for record in caplog.records if record.name == "bot.store.sqlite"] == []


@pytest.mark.parametrize(
    ("message", "disk"),
    [("disk I/O error", True), ("database or disk is full", True), ("file is not a database", False)],
)
def test_a_full_or_failing_disk_is_never_called_a_damaged_file(message: str, disk: bool) -> None:
    from bot.store.maintenance import disk_trouble

    assert disk_trouble(sqlite3.OperationalError(message)) is disk
