"""Teaching from the command line: `faqbot unanswered resolve` makes the question answer with the entry, everywhere;
`faqbot knowledge learned list|remove|export` and `knowledge check` show what was taught."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
import yaml
from cli_driver import Faqbot

QUESTION = "what is the dress code on fridays?"
ENTRY = "faq-manager-or-engineer"


def asked(faqbot: Faqbot, db: Path, question: str) -> dict:
    result = faqbot("ask", "--json", "--db", str(db), question)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture
def taught(faqbot: Faqbot, tmp_path: Path) -> tuple[Path, int]:
    """A database in which QUESTION was queued and then resolved to ENTRY from the command line."""
    db = tmp_path / "faqbot.db"
    assert asked(faqbot, db, QUESTION)["status"] == "unknown"
    with sqlite3.connect(db) as connection:
        (question_id,) = connection.execute("SELECT id FROM questions").fetchone()
    resolved = faqbot("unanswered", "resolve", str(question_id), ENTRY, "--db", str(db))
    assert resolved.returncode == 0, resolved.stderr
    assert resolved.stdout == (
        f"#{question_id} is marked answered by {ENTRY}; learned 1 phrasing(s). "
        "A running bot on this database uses them within 15 s.\n"
    )
    return db, question_id


def test_resolving_from_the_cli_teaches_the_next_command(faqbot: Faqbot, taught: tuple[Path, int]) -> None:
    db, _ = taught
    answer = asked(faqbot, db, "What is the dress code on Fridays")
    assert (answer["status"], answer["answer"]["id"]) == ("answered", ENTRY)


def test_a_conflicting_phrasing_is_refused_with_one_line(faqbot: Faqbot, taught: tuple[Path, int]) -> None:
    db, _ = taught
    with sqlite3.connect(db) as connection:  # the same question, asked in a server
        connection.execute(
            "INSERT INTO questions (id, guild_id, normalized, text, ask_count, first_asked_at, last_asked_at) "
            "SELECT 50, 99, normalized, text, 1, first_asked_at, last_asked_at FROM questions"
        )

    refused = faqbot("unanswered", "resolve", "50", "intro", "--db", str(db))

    assert refused.returncode != 0
    assert refused.stderr.strip().splitlines() == [
        f'faqbot: error: #50 was not resolved: "{QUESTION}" already belongs to {ENTRY} (learned phrasing 1). '
        "Pick that entry, or remove that phrasing first (in Discord: `/knowledge forget`; from the command line: "
        "`faqbot knowledge learned remove ID`)."
    ]


def test_resolving_the_same_question_again_moves_its_phrasing(faqbot: Faqbot, taught: tuple[Path, int]) -> None:
    db, question_id = taught

    moved = faqbot("unanswered", "resolve", str(question_id), "intro", "--db", str(db))

    assert moved.returncode == 0, moved.stderr
    assert moved.stdout == (
        f"#{question_id} is marked answered by intro; learned 0 phrasing(s); moved 1 phrasing(s) here from {ENTRY}. "
        "A running bot on this database uses them within 15 s.\n"
    )
    answer = asked(faqbot, db, QUESTION)
    assert (answer["status"], answer["answer"]["id"]) == ("answered", "intro")


def test_learned_list_export_and_check(faqbot: Faqbot, taught: tuple[Path, int]) -> None:
    db, _ = taught

    listed = faqbot("knowledge", "learned", "list", "--json", "--db", str(db))
    exported = faqbot("knowledge", "learned", "export", "--db", str(db))
    checked = faqbot("knowledge", "check", "--db", str(db))

    [record] = [json.loads(line) for line in listed.stdout.splitlines()]
    assert (record["entry"], record["text"], record["guild_id"]) == (ENTRY, QUESTION, None)
    assert yaml.safe_load(exported.stdout) == {ENTRY: {"questions": [QUESTION]}}
    assert checked.returncode == 0, checked.stderr
    assert f"  1 learned phrasing(s) in {db}\n" in checked.stdout


def test_removing_a_phrasing_brings_the_old_answer_back(faqbot: Faqbot, taught: tuple[Path, int]) -> None:
    db, _ = taught
    [record] = [
        json.loads(line)
        for line in faqbot("knowledge", "learned", "list", "--json", "--db", str(db)).stdout.splitlines()
    ]

    removed = faqbot("knowledge", "learned", "remove", str(record["id"]), "--db", str(db))
    again = faqbot("knowledge", "learned", "remove", str(record["id"]), "--db", str(db))

    assert removed.stdout.startswith(f'removed #{record["id"]} "{QUESTION}" ({ENTRY}).')
    assert asked(faqbot, db, QUESTION)["status"] == "unknown"
    assert again.returncode != 0 and again.stderr.strip() == f"faqbot: error: no learned phrasing #{record['id']}"
    assert faqbot("knowledge", "learned", "list", "--db", str(db)).stdout == "No learned phrasings.\n"


def test_check_without_a_database_creates_none(faqbot: Faqbot, tmp_path: Path) -> None:
    db = tmp_path / "none.db"

    checked = faqbot("knowledge", "check", "--db", str(db))

    assert checked.returncode == 0 and "learned" not in checked.stdout
    assert not db.exists()
