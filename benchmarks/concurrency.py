"""The concurrency bar (issue 15), too slow for make test: 8 `faqbot ask` processes x the same 100 unanswerable
questions, started together on one database, must give 800 counted asks and no error, and each question the command
queues (an "I don't know" or a partial answer; a "did you mean" is not queued on the command line) must be one row
with one place per process: nothing lost, nothing counted twice.

usage: python -m benchmarks.concurrency [DB]   (DB: a SQLite file, default a fresh temporary one, or a postgresql://
URL of an empty database or schema, e.g. $FAQBOT_TEST_POSTGRES_URL)
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROCESSES = 8
QUESTIONS = [f"how do I look after pet unicorn number {number} in winter?" for number in range(100)]


QUEUED_STATUSES = {"unknown", "partial"}  # what `faqbot ask` queues for the editors


def ask_all(db: str) -> list[tuple[int, str, str]]:
    """Start every process on the same questions together; their exit codes, standard outputs and errors."""
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "bot", "ask", "--json", "--db", db],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        for _ in range(PROCESSES)
    ]
    outcomes = []
    for process in processes:
        out, err = process.communicate("\n".join(QUESTIONS) + "\n", timeout=600)
        outcomes.append((process.returncode, out, err))
    return outcomes


def queued_by_each(outcomes: list[tuple[int, str, str]]) -> int:
    """How many of the questions one process queued (every process judges them alike: the first one's count)."""
    _, out, _ = outcomes[0]
    return sum(json.loads(line)["status"] in QUEUED_STATUSES for line in out.splitlines() if line.strip())


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
    errors = [err.strip().splitlines()[-1] for code, _, err in outcomes if code or err.strip()]
    queued = queued_by_each(outcomes)
    asks, rows, places = counts(db)
    ok = not errors and queued > 0 and (asks, rows, places) == (PROCESSES * len(QUESTIONS), queued, PROCESSES * queued)
    print(
        f"{'PASS' if ok else 'FAIL'}: {PROCESSES} processes x {len(QUESTIONS)} questions in {took:.1f} s: "
        f"{asks} asks, {rows} rows ({queued} questions queued by each), {places} places, {len(errors)} errors "
        f"{errors[:2]}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
