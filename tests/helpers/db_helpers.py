"""Test helpers for the SQLite file itself."""

from __future__ import annotations

import sqlite3
from pathlib import Path


def damage_table(db: Path, table: str) -> bytes:
    """Overwrite the first page of a table with garbage, as a failing disk would; return the damaged bytes."""
    connection = sqlite3.connect(db)
    try:
        (root,) = connection.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (table,)).fetchone()
        (page_size,) = connection.execute("PRAGMA page_size").fetchone()
    finally:
        connection.close()
    data = bytearray(db.read_bytes())
    data[(root - 1) * page_size : root * page_size] = b"\xff" * page_size
    db.write_bytes(bytes(data))
    return bytes(data)
