"""The faqbot command end to end, in a subprocess, as a user runs it."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def faqbot(*args: str, stdin: str = "", cwd: Path = ROOT, env: dict[str, str] | None = None):
    environment = {**os.environ, **(env or {})}
    environment.pop("DISCORD_TOKEN", None)
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=cwd,
        env=environment,
        timeout=120,
    )


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "state" / "faqbot.db"


def test_ask_json_answers_each_question_argument(db: Path) -> None:
    result = faqbot("ask", "--json", "--db", str(db), "how many years of experience do TLs need?", "thanks!")
    assert result.returncode == 0, result.stderr
    first, second = (json.loads(line) for line in result.stdout.splitlines())
    assert first["question"] == "how many years of experience do TLs need?"
    assert first["status"] == "answered"
    assert first["answer"]["id"] in {"experience-years", "glance-experience"}
    assert set(first["answer"]) == {"id", "title", "section", "role", "text"}
    assert 0 < first["score"] <= 1
    assert all(set(alt) == {"id", "title", "role", "score"} for alt in first["alternatives"])
    assert second["status"] == "smalltalk" and second["answer"] is None


def test_ask_reads_one_question_per_line_from_stdin_and_logs_what_it_cannot_answer(db: Path) -> None:
    result = faqbot(
        "ask", "--json", "--db", str(db), stdin="what is a cloud technical lead?\n\nhow do I bake sourdough bread\n"
    )
    assert result.returncode == 0, result.stderr
    answers = [json.loads(line) for line in result.stdout.splitlines()]
    assert [a["status"] for a in answers] == ["answered", "smalltalk", "unknown"]  # one reply per line, blank too
    assert answers[1]["question"] == "" and answers[1]["reply"]
    assert answers[2]["answer"] is None
    with sqlite3.connect(db) as connection:
        logged = connection.execute("SELECT text, ask_count FROM questions").fetchall()
        origins = connection.execute("SELECT origin FROM question_asks").fetchall()
    assert logged == [("how do I bake sourdough bread", 1)]
    assert origins == [("cli",)]


def test_ask_prints_a_readable_answer_with_its_source(db: Path) -> None:
    result = faqbot("ask", "--db", str(db), "do cloud tech leads get paged at night? who owns oncall")
    assert result.returncode == 0, result.stderr
    assert "On-call" in result.stdout or "on-call" in result.stdout
    assert "duty-on-call" in result.stdout


def test_a_half_answer_prints_the_closest_passage_itself_not_only_its_name(db: Path) -> None:
    """The page names the Terraform certification but never its pass mark: "I don't have that detail", then the text."""
    result = faqbot("ask", "--db", str(db), "what is the pass mark for the terraform exam")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "Q: what is the pass mark for the terraform exam"
    assert lines[1].startswith("I don't have that detail (“mark”)")
    assert any("cert-terraform" in line for line in lines)
    assert "HashiCorp Certified: Terraform Professional" in result.stdout


def test_hostile_questions_are_handled(db: Path) -> None:
    huge = "what certifications? " * 500
    result = faqbot("ask", "--json", "--db", str(db), huge, "@everyone **URGENT** <@123> ||salary||?")
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.splitlines()) == 2


def test_empty_question_is_a_clear_user_error(db: Path) -> None:
    result = faqbot("ask", "--db", str(db), "   ")
    assert result.returncode == 2
    assert result.stderr.startswith("faqbot: error: a question is empty")
    assert "Traceback" not in result.stderr


def test_chat_answers_each_line_and_exits_at_end_of_input(db: Path) -> None:
    result = faqbot("chat", "--db", str(db), stdin="hi\nis a TL a manager or an engineer?\n")
    assert result.returncode == 0, result.stderr
    assert "faqbot> Hi!" in result.stdout
    assert "Both, in practice." in result.stdout


def test_knowledge_check_and_list(tmp_path: Path) -> None:
    check = faqbot("knowledge", "check")
    assert check.returncode == 0
    assert check.stdout.startswith("OK: 52 entries in 1 file(s)")
    listing = faqbot("knowledge", "list", "--json")
    records = [json.loads(line) for line in listing.stdout.splitlines()]
    assert len(records) == 52
    assert set(records[0]) == {"id", "title", "role", "section", "text", "questions"}
    assert "faq-career-path" in {record["id"] for record in records}


def test_bad_knowledge_file_prints_one_line_and_fails(tmp_path: Path, db: Path) -> None:
    folder = tmp_path / "kb"
    folder.mkdir()
    (folder / "broken.yaml").write_text("role: R\nentries:\n  - id: x\n    title: T\n    section: S\n    text: ''\n")
    for args in (["knowledge", "check"], ["ask", "--db", str(db), "hello?"]):
        result = faqbot(*args, "--knowledge", str(folder))
        assert result.returncode == 2
        assert result.stderr.strip().count("\n") == 0
        assert "broken.yaml:6: entry x: 'text' is empty" in result.stderr


def test_missing_and_invalid_config_are_clear(tmp_path: Path) -> None:
    missing = faqbot("ask", "--config", str(tmp_path / "nope.yaml"), "hi")
    assert missing.returncode == 2 and "config file not found" in missing.stderr
    config = tmp_path / "config.yaml"
    config.write_text("retrieval:\n  answer_treshold: 0.3\n")
    typo = faqbot("ask", "--config", str(config), "hi")
    assert typo.returncode == 2
    assert "unknown key retrieval.answer_treshold" in typo.stderr
    assert "Traceback" not in typo.stderr


def test_unwritable_database_path_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = faqbot("ask", "--db", str(blocker / "faqbot.db"), "what is a TL?")
    assert result.returncode == 2
    assert "cannot create the database folder" in result.stderr
    assert "Traceback" not in result.stderr


STOP_WORDS_ONLY = """
role: The
entries:
  - {id: only-filler, title: The and of, section: S, text: to is it with the}
"""


def test_knowledge_that_cannot_be_indexed_is_one_clear_error_not_a_hang(tmp_path: Path, db: Path) -> None:
    folder = tmp_path / "knowledge"
    folder.mkdir()
    (folder / "filler.yaml").write_text(STOP_WORDS_ONLY)
    for args in (("knowledge", "check"), ("ask", "--db", str(db), "hello there")):
        result = faqbot(*args, "--knowledge", str(folder))  # a hang would end in TimeoutExpired
        assert result.returncode == 2
        assert result.stderr.startswith("faqbot: error: ") and "filler.yaml: cannot be indexed" in result.stderr
        assert "Traceback" not in result.stderr and len(result.stderr.splitlines()) == 1
    assert not db.exists()  # the store is only opened once the knowledge is indexed
