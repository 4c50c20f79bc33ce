"""Teaching from the command line: `faqbot unanswered resolve` makes the question answer with the entry, everywhere."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
QUESTION = "what is the dress code on fridays?"
ENTRY = "faq-manager-or-engineer"


def faqbot(*args: str) -> subprocess.CompletedProcess[str]:
    environment = {key: value for key, value in os.environ.items() if key != "DISCORD_TOKEN"}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], capture_output=True, text=True, cwd=ROOT, env=environment, timeout=120
    )


def asked(db: Path, question: str) -> dict:
    result = faqbot("ask", "--json", "--db", str(db), question)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_resolving_from_the_cli_teaches_the_next_process(tmp_path: Path) -> None:
    db = tmp_path / "faqbot.db"
    assert asked(db, QUESTION)["status"] == "unknown"
    with sqlite3.connect(db) as connection:
        (question_id,) = connection.execute("SELECT id FROM questions").fetchone()

    resolved = faqbot("unanswered", "resolve", str(question_id), ENTRY, "--db", str(db))

    assert resolved.returncode == 0, resolved.stderr
    assert resolved.stdout == (
        f"#{question_id} is marked answered by {ENTRY}; learned 1 phrasing(s). "
        "A running bot uses them after /knowledge reload or a restart.\n"
    )
    answer = asked(db, "What is the dress code on Fridays")
    assert (answer["status"], answer["answer"]["id"]) == ("answered", ENTRY)


def test_a_conflicting_phrasing_is_refused_with_one_line(tmp_path: Path) -> None:
    db = tmp_path / "faqbot.db"
    asked(db, QUESTION)
    with sqlite3.connect(db) as connection:
        (question_id,) = connection.execute("SELECT id FROM questions").fetchone()
    faqbot("unanswered", "resolve", str(question_id), ENTRY, "--db", str(db))
    with sqlite3.connect(db) as connection:
        connection.execute("UPDATE questions SET status = 'open'")

    refused = faqbot("unanswered", "resolve", str(question_id), "intro", "--db", str(db))

    assert refused.returncode != 0
    assert refused.stderr.strip().splitlines() == [
        f'faqbot: error: #{question_id} was not resolved: "{QUESTION}" already belongs to {ENTRY}. '
        "Remove that phrasing first or pick that entry."
    ]
