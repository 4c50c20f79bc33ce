"""Backups and integrity checks of the SQLite file, safe while the bot runs (plain sqlite3, no event loop)."""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from bot.errors import StoreError

log = logging.getLogger(__name__)

BUSY_TIMEOUT_SECONDS = 30.0
# The database holds members' questions (DMs too) and the ids of those who asked: readable by its owner alone.
# SQLite gives its -wal and -shm files the database file's permissions.
PRIVATE_FILE = 0o600
PRIVATE_FOLDER = 0o700


def create_private(path: Path, *, exist_ok: bool = False) -> None:
    """Create an empty file only its owner can read, for SQLite to fill (a new database, a backup's copy).

    `exist_ok`: another process may create the same new database at the same moment; its file is then the one used.
    """
    try:
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, PRIVATE_FILE))
    except FileExistsError:
        if not exist_ok:
            raise StoreError(f"cannot create {path}: it already exists") from None
    except OSError as error:
        raise StoreError(f"cannot create {path}: {error.strerror}") from None


@dataclass(frozen=True)
class CheckResult:
    """The outcome of an integrity check: ok or not, the schema version, and the first problem found."""

    ok: bool
    schema_version: int
    tables: int
    problem: str | None = None


# SQLite's words for a disk that is full or failing: the file may be fine, so it is never called damaged for them.
DISK_TROUBLE = ("disk i/o error", "database or disk is full", "unable to open database file")


def disk_trouble(error: BaseException) -> bool:
    """Whether a SQLite error says the disk (full, failing, unwritable folder), not the file, is the problem."""
    return any(words in str(error).lower() for words in DISK_TROUBLE)


def schema_problem(version: int, latest: int, tables: int) -> str | None:
    """Why a database at this schema version cannot serve this faqbot (None: it can, at once or after migrating)."""
    if version == 0 and tables:
        return "it is another application's SQLite database (it has tables but no faqbot schema)"
    if version > latest:
        return f"it has schema version {version}, newer than this faqbot understands ({latest}): upgrade faqbot first"
    return None


def schema_note(version: int, latest: int) -> str:
    """What the schema version means for this faqbot, for the ok line of `db check`."""
    if version < latest:
        return f"schema version {version}, behind this faqbot's {latest}: `faqbot run` upgrades it (back it up first)"
    return f"schema version {version}, this faqbot's"


def _connect_read_only(path: Path) -> sqlite3.Connection:
    if not path.is_file():
        raise StoreError(f"no database at {path}")
    try:
        return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_SECONDS)
    except sqlite3.Error as error:
        raise StoreError(f"cannot open the database {path}: {error}") from None


def check_sqlite(path: Path) -> CheckResult:
    """PRAGMA integrity_check on the file, read-only; a file that is not a database is a failed check, not a crash."""
    connection = _connect_read_only(path)
    try:
        problems = [row[0] for row in connection.execute("PRAGMA integrity_check")]
        version = int(connection.execute("PRAGMA user_version").fetchone()[0])
        tables = int(connection.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0])
    except sqlite3.DatabaseError as error:
        if disk_trouble(error):
            raise StoreError(
                f"cannot check {path}: {error}; the disk holding it is full or failing, which says nothing about the "
                "file itself: free space (or fix the disk) and check again"
            ) from None
        return CheckResult(False, 0, 0, str(error))
    finally:
        connection.close()
    if problems != ["ok"]:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        return CheckResult(False, version, tables, f"{problems[0]}{more}")
    return CheckResult(True, version, tables)


def backup_sqlite(source: Path, target: Path) -> CheckResult:
    """A consistent copy of `source` (VACUUM INTO: one read transaction, so writers keep going); checked afterwards.

    The copy is written beside `target` first and renamed into place only once its integrity check passes, so a
    failed backup never leaves a half-written file under the name asked for.
    """
    if target.exists():
        raise StoreError(f"{target} already exists; a backup never overwrites a file")
    if not target.parent.is_dir():
        raise StoreError(f"the folder {target.parent} does not exist")
    partial = target.with_name(f".{target.name}.partial")
    with contextlib.suppress(FileNotFoundError):
        partial.unlink()
    connection = _connect_read_only(source)
    create_private(partial)  # VACUUM INTO fills an empty file and keeps its permissions
    try:
        connection.execute("VACUUM INTO ?", (str(partial),))
    except sqlite3.DatabaseError as error:
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()
        raise StoreError(f"cannot back up {source}: {error}") from None
    finally:
        connection.close()
    result = check_sqlite(partial)
    if not result.ok:
        partial.unlink()
        raise StoreError(f"the backup of {source} failed its integrity check ({result.problem}); nothing was written")
    partial.rename(target)
    return result
