"""Hostile input never stops faqbot, and nothing a member or a file wrote reaches a terminal raw (issue 16)."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import pty
import re
import select
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from hostile_questions import COUNT, hostile_questions

from bot.cli import main
from bot.cli.progress import progress
from bot.folding import question_key

ROOT = Path(__file__).resolve().parents[2]
KNOWLEDGE = ROOT / "knowledge"
# What must never reach a terminal raw: C0/C1 controls (but the newline), DEL, bidi controls, line separators.
RAW_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]")
ESCAPE_QUESTION = "\x1b]0;PWNED\x07\x1b[2J how do I bake \u202esourdough\u202c bread\x00 in my oven"


def run(*args: str | bytes, stdin: bytes = b"", env: dict[str, str] | None = None, cwd: Path = ROOT):
    """The faqbot command in a subprocess, bytes in and out, under a strict UTF-8 setting unless told otherwise."""
    environment = {**os.environ, "PYTHONIOENCODING": "utf-8:strict", **(env or {})}
    environment.pop("DISCORD_TOKEN", None)
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], input=stdin, capture_output=True, cwd=cwd, env=environment, timeout=120
    )


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "state" / "faqbot.db"


def test_hostile_batch_gets_one_reply_per_line_is_counted_as_queued_and_prints_safely(db: Path) -> None:
    lines = hostile_questions()
    lines.insert(7, ESCAPE_QUESTION.encode())
    answered = run("ask", "--json", "--db", str(db), stdin=b"\n".join(lines) + b"\n", env={"LC_ALL": "C"})
    assert answered.returncode == 0, answered.stderr.decode(errors="replace")[-2000:]
    assert answered.stderr == b""
    text = answered.stdout.decode("utf-8")  # strict: the JSON is valid UTF-8
    assert not RAW_CONTROL.search(text)  # C1 controls (a one-character CSI), bidi overrides, separators: escaped
    replies = [json.loads(line) for line in text.splitlines()]  # splitlines() splits at U+2028 too: none are raw
    assert len(replies) == len(lines) == COUNT + 1
    for line, reply in zip(lines, replies, strict=True):
        assert reply["question"] == line.decode("utf-8", errors="replace").strip()
    statuses = [reply["status"] for reply in replies]
    assert {"answered", "unknown", "smalltalk", "too_long"} <= set(statuses)
    for reply in replies:
        if not question_key(reply["question"]) or reply["question"].strip().casefold() in {"quit", "exit"}:
            assert reply["status"] == "smalltalk" and reply["reply"]
    # Counted exactly what was judged; queued exactly what was not known; nothing cut short.
    counted = sum(status in {"answered", "partial", "suggest", "unknown"} for status in statuses)
    unknown = [reply["question"] for reply in replies if reply["status"] in {"unknown", "partial"}]
    stats = json.loads(run("stats", "--json", "--db", str(db)).stdout.decode().splitlines()[0])
    assert stats["asked"] == counted
    with sqlite3.connect(db) as connection:
        rows = connection.execute("SELECT text, ask_count FROM questions").fetchall()
    assert sum(count for _, count in rows) == len(unknown)
    assert {question_key(text) for text, _ in rows} == {question_key(text) for text in unknown}
    assert max(len(text) for text, _ in rows) <= 1000
    assert ESCAPE_QUESTION.strip() in {text for text, _ in rows}

    listing = run("unanswered", "list", "--status", "all", "--db", str(db))
    assert listing.returncode == 0
    shown = listing.stdout.decode("utf-8")
    assert not RAW_CONTROL.search(shown)
    assert "\\x1b]0;PWNED\\x07\\x1b[2J how do I bake \\u202esourdough" in shown
    assert max(len(line) for line in shown.splitlines()) < 200  # long questions are clipped for display

    exported = run("unanswered", "export", "--format", "json", "--db", str(db)).stdout.decode("utf-8")
    assert not RAW_CONTROL.search(exported)
    assert ESCAPE_QUESTION in {record["text"] for record in json.loads(exported)}  # intact
    as_csv = run("unanswered", "export", "--format", "csv", "--db", str(db)).stdout.decode("utf-8")
    assert ESCAPE_QUESTION in {row["text"] for row in csv.DictReader(io.StringIO(as_csv, newline=""))}

    [escape_id] = [record["id"] for record in json.loads(exported) if record["text"] == ESCAPE_QUESTION]
    promoted = run("unanswered", "promote", str(escape_id), "--db", str(db))
    assert promoted.returncode == 0, promoted.stderr
    assert not RAW_CONTROL.search(promoted.stdout.decode("utf-8"))
    assert "sourdough" in promoted.stdout.decode("utf-8")
    [entry] = yaml.safe_load(promoted.stdout.decode("utf-8"))  # pasted as it is printed
    assert entry["title"] == "How do I bake sourdough bread in my oven"  # its visible words, no escapes as text


def test_nothing_but_mentions_is_told_how_to_ask_and_never_queued_as_in_discord(db: Path) -> None:
    """'@everyone' alone has letters but no words of a question: the console queued it for the editors."""
    answered = run("ask", "--json", "--db", str(db), stdin=b"@everyone\n@here <@123> <@&45>\n")
    assert answered.returncode == 0, answered.stderr
    replies = [json.loads(line) for line in answered.stdout.decode().splitlines()]
    assert [(reply["question"], reply["status"]) for reply in replies] == [
        ("@everyone", "smalltalk"),
        ("@here <@123> <@&45>", "smalltalk"),
    ]
    assert all(reply["reply"].startswith("I need a question in words") for reply in replies)
    assert run("unanswered", "list", "--db", str(db)).stdout.decode() == "No open questions.\n"
    assert json.loads(run("stats", "--json", "--db", str(db)).stdout.decode().splitlines()[0])["asked"] == 0


def test_a_learned_phrasing_is_exported_as_its_visible_words(db: Path) -> None:
    assert run("ask", "--db", str(db), ESCAPE_QUESTION.replace("\x00", "")).returncode == 0
    export = run("unanswered", "export", "--format", "json", "--db", str(db))
    [question_id] = [record["id"] for record in json.loads(export.stdout)]
    resolved = run("unanswered", "resolve", str(question_id), "faq-hands-on-time", "--db", str(db))
    assert resolved.returncode == 0, resolved.stderr

    exported = run("knowledge", "learned", "export", "--db", str(db)).stdout.decode("utf-8")

    assert not RAW_CONTROL.search(exported)  # the bidi override is neither raw on the terminal nor in the YAML
    assert yaml.safe_load(exported) == {
        "faq-hands-on-time": {"questions": ["how do I bake sourdough bread in my oven"]}  # pasted as printed
    }


def test_text_answers_escape_what_the_member_typed_and_bad_argument_bytes(db: Path) -> None:
    question = ESCAPE_QUESTION.replace("\x00", "")  # the one character an argument cannot hold
    result = run("ask", "--db", str(db), question, b"what certifications \xff\xfe help a TL?")
    assert result.returncode == 0, result.stderr
    out = result.stdout.decode("utf-8")
    assert not RAW_CONTROL.search(out)
    assert "Q: \\x1b]0;PWNED\\x07" in out
    assert "Q: what certifications \ufffd\ufffd help a TL?" in out


def test_piped_quit_ends_the_chat_and_is_never_queued(db: Path) -> None:
    result = run("chat", "--db", str(db), stdin=b"is a TL a manager or an engineer?\nquit\nhow do I bake bread\n")
    assert result.returncode == 0, result.stderr
    out = result.stdout.decode()
    assert "Both, in practice." in out and "bake" not in out
    with sqlite3.connect(db) as connection:
        assert connection.execute("SELECT count(*) FROM questions").fetchone() == (0,)


def test_ctrl_c_leaves_the_interactive_chat_at_once_with_status_130(db: Path) -> None:
    leader, follower = pty.openpty()
    environment = {**os.environ}
    environment.pop("DISCORD_TOKEN", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "chat", "--db", str(db)],
        stdin=follower,
        stdout=follower,
        stderr=follower,
        cwd=ROOT,
        env=environment,
    )
    os.close(follower)
    seen = b""
    try:
        deadline = time.monotonic() + 60
        while b"you> " not in seen and time.monotonic() < deadline:
            if select.select([leader], [], [], 0.5)[0]:
                seen += os.read(leader, 4096)
        assert b"you> " in seen, seen
        process.send_signal(signal.SIGINT)  # what Ctrl-C does, while the chat waits for a line
        assert process.wait(timeout=10) == 130
        while select.select([leader], [], [], 0.2)[0]:
            try:
                seen += os.read(leader, 4096)
            except OSError:
                break
    finally:
        process.kill()
        os.close(leader)
    assert b"Interrupted" in seen and b"Traceback" not in seen


def test_global_options_work_before_and_after_the_command_and_show_in_help(tmp_path: Path, capsys) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    help_text = capsys.readouterr().out
    for option in ("--config", "--knowledge", "--db", "--log-level"):
        assert option in help_text
    config = tmp_path / "config.yaml"
    config.write_text(f"storage:\n  database: {tmp_path / 'from-config.db'}\n")
    assert main(["ask", "thanks", "--config", str(config)]) == 0  # creates the configured database
    for argv in (
        ["--config", str(config), "--log-level", "info", "stats", "--json"],
        ["stats", "--json", "--config", str(config), "--log-level", "INFO"],
        ["unanswered", "--config", str(config), "list"],
    ):
        assert main(argv) == 0, capsys.readouterr().err
    assert (tmp_path / "from-config.db").exists()
    assert main(["--db", str(tmp_path / "global.db"), "ask", "thanks"]) == 0
    assert (tmp_path / "global.db").exists()
    assert main(["--db", str(tmp_path / "global.db"), "stats"]) == 0
    for argv in (  # between a command group and its action too, and on the commands that need no database
        ["db", "--db", str(tmp_path / "global.db"), "check"],
        ["knowledge", "learned", "--db", str(tmp_path / "global.db"), "list"],
        ["knowledge", "learned", "list", "--db", str(tmp_path / "global.db"), "--log-level", "DEBUG"],
    ):
        assert main(argv) == 0, capsys.readouterr().err
    assert (
        main(["health", "--log-level", "DEBUG", "--file", str(tmp_path / "no-heartbeat")]) == 1
    )  # parsed, not refused


def test_relative_paths_in_a_config_file_are_read_relative_to_that_file(tmp_path: Path) -> None:
    site = tmp_path / "srv" / "faqbot"
    (site / "kb").mkdir(parents=True)
    (site / "kb" / "role.yaml").write_bytes((KNOWLEDGE / "cloud-technical-lead.yaml").read_bytes())
    (site / "config.yaml").write_text("knowledge:\n  path: kb\nstorage:\n  database: state/faqbot.db\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = run("ask", "how do I bake bread?", "--config", str(site / "config.yaml"), cwd=elsewhere)
    assert result.returncode == 0, result.stderr
    assert (site / "state" / "faqbot.db").exists() and list(elsewhere.iterdir()) == []


def test_one_length_limit_from_the_config_nothing_stored_cut_short(tmp_path: Path, db: Path, capsys) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(f"limits:\n  max_question_chars: 60\nstorage:\n  database: {db}\n")
    long = "how do I bake a really good sourdough loaf at home with rye?" + " please" * 3
    assert main(["ask", "--json", "--config", str(config), long, "how do I bake bread?"]) == 0
    first, second = (json.loads(line) for line in capsys.readouterr().out.splitlines())
    assert first["status"] == "too_long" and "over 60 characters" in first["reply"]
    assert first["question"] == long and second["status"] == "unknown"
    with sqlite3.connect(db) as connection:
        assert connection.execute("SELECT text FROM questions").fetchall() == [("how do I bake bread?",)]
        assert connection.execute("SELECT count(*) FROM asks").fetchone() == (1,)
    config.write_text("limits:\n  max_question_chars: 5\n")
    assert main(["stats", "--config", str(config)]) == 2
    assert "limits.max_question_chars must be a whole number from 10 to 4000" in capsys.readouterr().err


def broken_knowledge(tmp_path: Path, case: str) -> tuple[Path, Path, str]:
    """A knowledge folder with one broken file beside a good one: (folder, broken file, expected message)."""
    folder = tmp_path / "kb"
    folder.mkdir()
    good = folder / "a-good.yaml"
    good.write_bytes((KNOWLEDGE / "cloud-technical-lead.yaml").read_bytes())
    broken = folder / "b-broken.yaml"
    if case == "deep":
        broken.write_text("role: R\nentries: " + "[" * 5000 + "]" * 5000 + "\n")
        return folder, broken, f"{broken}: not valid YAML for knowledge: nested too deeply"
    if case == "nul":
        broken.write_bytes(b"role: R\nentries:\n  - id: x\x00\n")
        return folder, broken, f"{broken}:3: not valid YAML: a NUL byte is not allowed"
    if case == "dangling":
        broken.symlink_to(folder / "nowhere.yaml")
        return folder, broken, f"{broken}: broken symbolic link: No such file or directory"
    if case == "loop":
        broken.symlink_to(broken)
        return folder, broken, f"{broken}: broken symbolic link: Too many levels of symbolic links"
    if case == "duplicate":
        broken.write_text("role: R\nentries:\n  - id: intro\n    title: T\n    section: S\n    text: x\n")
        return folder, broken, f"{broken}:3: entry intro: duplicate id (also in {good}:"
    if case == "latin-1":
        broken.write_bytes("role: Rôle\n".encode("latin-1"))
        return folder, broken, f"{broken}: not UTF-8 text"
    raise AssertionError(case)


@pytest.mark.parametrize("case", ["deep", "nul", "dangling", "loop", "duplicate", "latin-1"])
def test_a_broken_knowledge_file_is_one_line_naming_it_and_is_left_as_it_was(tmp_path: Path, case: str, capsys) -> None:
    folder, broken, message = broken_knowledge(tmp_path, case)
    before = os.readlink(broken) if broken.is_symlink() else digest(broken)
    assert main(["knowledge", "check", "--knowledge", str(folder)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("faqbot: error: ")
    assert message in err
    assert before == (os.readlink(broken) if broken.is_symlink() else digest(broken))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("knowledge:\n  path: caf\xe9\n".encode("latin-1"), "config.yaml:2: not UTF-8 text (byte 0xe9)"),
        (bytes(range(256)) * 4, "config.yaml:2: not UTF-8 text (byte 0x80)"),
        (b"storage:\n  database: x\x00\n", "config.yaml:2: not valid YAML: character #x0000 is not allowed"),
        (b"a: " + b"[" * 5000 + b"\n", "config.yaml: not valid YAML: nested too deeply"),
    ],
)
def test_a_broken_config_file_is_one_line_naming_it(tmp_path: Path, content: bytes, message: str, capsys) -> None:
    config = tmp_path / "config.yaml"
    config.write_bytes(content)
    assert main(["stats", "--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err
    assert config.read_bytes() == content


def test_another_applications_database_is_refused_before_any_write(tmp_path: Path, capsys) -> None:
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as connection:
        connection.execute("CREATE TABLE questions (id INTEGER PRIMARY KEY, text TEXT)")
        connection.execute("INSERT INTO questions (text) VALUES ('theirs')")
    connection.close()
    before = digest(other)
    assert main(["ask", "--db", str(other), "how do I bake bread?"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"{other} cannot be used: it is another application's SQLite database" in err
    assert digest(other) == before and sorted(p.name for p in tmp_path.iterdir()) == ["other.db"]


def test_a_read_only_database_still_answers_with_one_warning_and_stays_untouched(db: Path, capsys) -> None:
    assert main(["ask", "--db", str(db), "what certifications help?"]) == 0
    for leftover in (db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")):
        leftover.unlink(missing_ok=True)
    db.chmod(0o444)
    before = digest(db)
    capsys.readouterr()
    assert main(["ask", "--db", str(db), "how do I bake bread?", "what is a TL?"]) == 0
    out, err = capsys.readouterr()
    assert err == f"faqbot: warning: {db} is read-only: answering without logging questions\n"
    assert "I don't know that yet." in out and "passed it to the editors" not in out
    assert main(["stats", "--db", str(db)]) == 0  # reading works
    assert main(["unanswered", "purge", "--older-than", "1", "--db", str(db)]) == 2  # writing is refused, named
    assert f"{db} is read-only" in capsys.readouterr().err
    assert digest(db) == before and sorted(p.name for p in db.parent.iterdir()) == ["faqbot.db"]


@pytest.mark.parametrize("where", ["folder", "proc"])
def test_an_impossible_database_path_prints_only_the_error_line(tmp_path: Path, where: str) -> None:
    path = tmp_path if where == "folder" else Path("/proc/faqbot/faqbot.db")
    result = run("stats", "--db", str(path))
    assert result.returncode == 2
    assert result.stderr.decode().count("\n") == 1, result.stderr  # no "Event loop is closed" traceback after it
    assert str(path if where == "folder" else path.parent) in result.stderr.decode()


def test_an_empty_file_becomes_a_new_database_and_says_so(tmp_path: Path) -> None:
    empty = tmp_path / "empty.db"
    empty.touch()
    result = run("ask", "--db", str(empty), "how do I bake bread?")
    assert result.returncode == 0
    assert f"{empty} is an empty file: starting a new faqbot database in it" in result.stderr.decode()
    with sqlite3.connect(empty) as connection:
        assert connection.execute("SELECT count(*) FROM questions").fetchone() == (1,)


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_on_a_terminal_only() -> None:
    terminal, pipe = Terminal(), io.StringIO()
    for stream in (terminal, pipe):
        with progress(3, "eval", stream) as advance:
            for _ in range(3):
                advance(1)
    assert "eval:" in terminal.getvalue() and "/3" in terminal.getvalue()
    assert pipe.getvalue() == ""
