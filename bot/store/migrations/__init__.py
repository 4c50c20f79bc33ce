"""The numbered SQL migrations shipped beside this file (0001_name.sql, ...), each one transaction.

SQLite's scripts sit here and set PRAGMA user_version; PostgreSQL's dialect of each, with the same number and name,
sits in postgres/ and records itself in the faqbot_schema table.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources

from bot.errors import StoreError


@dataclass(frozen=True)
class Migration:
    """One numbered schema change."""

    version: int
    name: str
    sql: str

    def statements(self) -> list[str]:
        """The script's statements one by one, without its own BEGIN and COMMIT (the store runs them in one)."""
        statements, start = [], 0
        for end, character in enumerate(self.sql):
            if character == ";" and sqlite3.complete_statement(self.sql[start : end + 1]):
                code = _without_comments(self.sql[start : end + 1])
                if not _TRANSACTION.fullmatch(code):
                    statements.append(code)
                start = end + 1
        if _without_comments(self.sql[start:]):
            raise StoreError(f"migration {self.version:04d}_{self.name} ends with an incomplete statement")
        return statements


def _without_comments(sql: str) -> str:
    """A statement without its whole-line `--` comments, trimmed."""
    return "\n".join(line for line in sql.splitlines() if not line.lstrip().startswith("--")).strip()


_TRANSACTION = re.compile(r"(?:BEGIN(?:\s+(?:DEFERRED|IMMEDIATE|EXCLUSIVE))?(?:\s+TRANSACTION)?|COMMIT|END)\s*;", re.I)


DIALECTS = ("sqlite", "postgres")


def bundled_migrations(dialect: str = "sqlite") -> list[Migration]:
    """Read the numbered .sql files of one dialect ("sqlite" beside this file, "postgres" in postgres/), in order."""
    if dialect not in DIALECTS:
        raise ValueError(f"dialect must be one of {', '.join(DIALECTS)}")
    folder = resources.files(__name__)
    if dialect == "postgres":
        folder = folder / "postgres"
    migrations = []
    for item in folder.iterdir():
        match = re.fullmatch(r"(\d{4})_(\w+)\.sql", item.name)
        if match:
            migrations.append(Migration(int(match.group(1)), match.group(2), item.read_text(encoding="utf-8")))
    migrations.sort(key=lambda migration: migration.version)
    expected = list(range(1, len(migrations) + 1))
    if [migration.version for migration in migrations] != expected:
        where = "bot/store/migrations" + ("/postgres" if dialect == "postgres" else "")
        raise StoreError(f"{where} must be numbered 0001, 0002, ... without gaps")
    return migrations


def latest_version(migrations: Sequence[Migration]) -> int:
    """The schema version these migrations bring a database to (0: none)."""
    return migrations[-1].version if migrations else 0
