"""Commands that must start fast and import nothing heavy (no scikit-learn or discord.py): health and db."""

from __future__ import annotations

import argparse
import asyncio
import os
import sqlite3
import sys
import time
from dataclasses import replace
from pathlib import Path

from bot.config import Config, load_config
from bot.errors import FaqbotError
from bot.health import check_heartbeat, heartbeat_path


def command_health(args: argparse.Namespace) -> int:
    """Faqbot health: exit 0 when the running bot's heartbeat is fresh, 1 when not (for Docker's HEALTHCHECK)."""
    if args.max_age <= 0:
        raise FaqbotError("--max-age takes a number of seconds above 0")
    status = check_heartbeat(args.file or heartbeat_path(os.environ), args.max_age, time.time())
    sys.stdout.write(status.message + "\n")
    return 0 if status.healthy else 1


def database_config(args: argparse.Namespace) -> Config:
    """The config file (if any) with --db applied: the database is all the db commands need."""
    config = load_config(args.config)
    if isinstance(args.db, str):
        return replace(config, database_url=args.db)
    if args.db is not None:
        return replace(config, database_path=args.db, database_url=None)
    return config


def command_db(args: argparse.Namespace) -> int:
    """Faqbot db backup PATH | check: a consistent copy while the bot runs, or the integrity check in one line."""
    from bot.store.maintenance import backup_sqlite, check_sqlite, schema_note, schema_problem
    from bot.store.migrations import bundled_migrations, latest_version
    from bot.store.urls import redact_url

    config = database_config(args)
    if config.database_url is not None:
        where = redact_url(config.database_url)
        if args.action == "backup":
            raise FaqbotError(f"{where} is PostgreSQL: back it up with pg_dump --format=custom --file BACKUP URL")
        return asyncio.run(check_postgres(config.database_url, where))
    path: Path = config.database_path
    if args.action == "backup":
        result = backup_sqlite(path, args.path)
        size = args.path.stat().st_size
        sys.stdout.write(f"backed up {path} to {args.path} ({size} bytes, schema version {result.schema_version})\n")
        return 0
    result = check_sqlite(path)
    if not result.ok:
        sys.stdout.write(f"damaged: {path} failed the integrity check: {result.problem}\n")
        return 1
    latest = latest_version(bundled_migrations())
    problem = schema_problem(result.schema_version, latest, result.tables)
    if problem is not None:
        sys.stdout.write(f"unusable: {path} passed the integrity check, but {problem}\n")
        return 1
    note = schema_note(result.schema_version, latest)
    sys.stdout.write(f"ok: {path} passed the integrity check ({result.tables} tables, {note})\n")
    return 0


async def check_postgres(url: str, where: str) -> int:
    """PostgreSQL checks its own pages; here: reachable, and what its schema version means for this faqbot.

    Read through the adapter, not a Store: a Store refuses a schema newer than this faqbot, which is a finding here
    (`unusable`, exit 1, as for SQLite), not an error.
    """
    from bot.store.maintenance import schema_note, schema_problem
    from bot.store.migrations import bundled_migrations, latest_version
    from bot.store.postgres import PgConnection

    try:
        connection = await PgConnection.connect(url)
    except sqlite3.Error as error:
        raise FaqbotError(str(error)) from None
    try:
        async with connection.execute("PRAGMA user_version") as cursor:
            row = await cursor.fetchone()
    finally:
        await connection.close()
    version, latest = int(row[0]) if row else 0, latest_version(bundled_migrations("postgres"))
    problem = schema_problem(version, latest, tables=0)  # a PostgreSQL database is faqbot's by its schema table
    if problem is not None:
        sys.stdout.write(f"unusable: {where} is reachable, but {problem}\n")
        return 1
    sys.stdout.write(f"ok: {where} is reachable ({schema_note(version, latest)}; PostgreSQL checks its own pages)\n")
    return 0
