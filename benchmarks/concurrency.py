"""The concurrency bar (issue 15), too slow for make test: 8 `faqbot ask` processes x the same 100 unanswerable
questions, started together on one database, must give 800 counted asks, 100 queued rows and no error.

usage: python -m benchmarks.concurrency [DB]   (DB: a SQLite file, default a fresh temporary one, or a postgresql://
URL of an empty database or schema, e.g. $FAQBOT_TEST_POSTGRES_URL)
"""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROCESSES = 8
QUESTIONS = [f"how do I look after pet unicorn number {number} in winter?" for number in range(100)]


def ask_all(db: str) -> list[tuple[int, str]]:
    """Start every process on the same questions together; their exit codes and standard errors."""
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "bot", "ask", "--json", "--db", db],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        for _ in range(PROCESSES)
    ]
    outcomes = []
    for process in processes:
        _, err = process.communicate("\n".join(QUESTIONS) + "\n", timeout=600)
        outcomes.append((process.returncode, err))
    return outcomes


def counts(db: str) -> tuple[int, int, int]:
    """(asks, queued rows, places) in the database."""
    queries = ("SELECT count(*) FROM asks", "SELECT count(*) FROM questions", "SELECT count(*) FROM question_asks")
    if not db.startswith("postgres"):
        with sqlite3.connect(db) as connection:
            return tuple(connection.execute(sql).fetchone()[0] for sql in queries)  # type: ignore[return-value]
    import asyncpg

    async def fetch() -> tuple[int, int, int]:
        connection = await asyncpg.connect(db)
        try:
            return tuple([await connection.fetchval(sql) for sql in queries])  # type: ignore[return-value]
        finally:
            await connection.close()

    return asyncio.run(fetch())


def main(argv: list[str]) -> int:
    """Run the bar once and print one line; exit 1 when it is not met."""
    db = argv[0] if argv else str(Path(tempfile.mkdtemp(prefix="faqbot-bar-")) / "faqbot.db")
    started = time.monotonic()
    outcomes = ask_all(db)
    took = time.monotonic() - started
    errors = [err.strip().splitlines()[-1] for code, err in outcomes if code or err.strip()]
    asks, rows, places = counts(db)
    ok = not errors and (asks, rows, places) == (800, 100, 800)
    print(
        f"{'PASS' if ok else 'FAIL'}: {PROCESSES} processes x {len(QUESTIONS)} questions in {took:.1f} s: "
        f"{asks} asks, {rows} rows, {places} places, {len(errors)} errors {errors[:2]}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
