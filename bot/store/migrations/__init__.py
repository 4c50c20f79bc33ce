"""The numbered SQL migrations shipped beside this file (0001_name.sql, ...), each one transaction."""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources

from bot.errors import StoreError


@dataclass(frozen=True)
class Migration:
    """One numbered schema change."""

    version: int
    name: str
    sql: str


def bundled_migrations() -> list[Migration]:
    """Read the numbered .sql files shipped beside this file, in order."""
    migrations = []
    for item in resources.files(__name__).iterdir():
        match = re.fullmatch(r"(\d{4})_(\w+)\.sql", item.name)
        if match:
            migrations.append(Migration(int(match.group(1)), match.group(2), item.read_text(encoding="utf-8")))
    migrations.sort(key=lambda migration: migration.version)
    expected = list(range(1, len(migrations) + 1))
    if [migration.version for migration in migrations] != expected:
        raise StoreError("bot/store/migrations must be numbered 0001, 0002, ... without gaps")
    return migrations
