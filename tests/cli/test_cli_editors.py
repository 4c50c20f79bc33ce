"""The editors' commands end to end, in subprocesses, as an editor runs them: faqbot unanswered … and faqbot stats.

The queue is seeded through the store with a fixed clock (so times and jump links are known); every command then
runs as `python -m bot …` against that database file. Commands that don't depend on each other run side by side.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cli_driver import Faqbot, environment
from db_helpers import damage_table

from bot.core.answering import Answerer
from bot.core.gate import ConfidenceGate
from bot.core.knowledge import load_knowledge
from bot.store import Ask, Origin, Store, utc_now

ROOT = Path(__file__).resolve().parents[2]
BREAD = "how do I bake sourdough bread?"
BREAD_AT_HOME = "how do i bake sourdough bread at home"
PARKING = "is there parking at the office"
DOG = "can I bring my dog to work"
MANAGER_ENTRY = "faq-manager-or-engineer"
GUILD, CHANNEL = 111, 222


def link(message_id: int) -> str:
    return f"https://discord.com/channels/{GUILD}/{CHANNEL}/{message_id}"


def python_m_bot(*commands: Sequence[str]) -> list[subprocess.CompletedProcess[str]]:
    """Run whole `python -m bot …` processes side by side, exactly as a user starts them; results in order."""
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "bot", *command],
            cwd=ROOT,
            env=environment(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for command in commands
    ]
    results = []
    try:
        for command, process in zip(commands, processes, strict=True):
            out, err = process.communicate(timeout=120)
            results.append(subprocess.CompletedProcess([*command], process.returncode, out, err))
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
    return results


def ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, f"{result.args}: exit {result.returncode}\n{result.stderr}"
    assert "Traceback" not in result.stderr
    return result.stdout


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    """A user mistake: exit 2 and exactly one line on standard error, no traceback."""
    assert result.returncode == 2, f"{result.args}: exit {result.returncode}\n{result.stderr}"
    assert result.stderr.startswith("faqbot: error: "), result.stderr
    assert result.stderr.count("\n") == 1 and result.stderr.endswith("\n"), result.stderr
    return result.stderr


def read(db: Path, sql: str) -> list[tuple]:
    connection = sqlite3.connect(db)
    try:
        return connection.execute(sql).fetchall()
    finally:
        connection.close()


class Clock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


def start_of_today() -> datetime:
    now = utc_now()
    return datetime(now.year, now.month, now.day, tzinfo=UTC)


async def seed(db: Path) -> dict[str, int]:
    """The queue an editor finds (ids in insertion order):

    #1 bread, asked twice on Discord (jump links to messages 1 and 2); #2 bread at home, once; #3 parking, asked four
    times on the command line; #4 the dog, once, 40 days ago; #5 a 👎 on faq-manager-or-engineer.
    Plus statistics: this week 4 asks (2 answered, 1 suggestion, 1 unknown), 20 days ago 1 unknown.
    """
    today = start_of_today()
    clock = Clock(today - timedelta(days=40))
    async with await Store.open(db, clock=clock) as store:
        ids: dict[str, int] = {}
        dog_origin = Origin("discord", GUILD, CHANNEL, 40, link(40))
        ids["dog"] = await store.log_unanswered(DOG, dog_origin, best_score=0.02, best_entry_id="intro")
        clock.now = today - timedelta(days=20)
        await store.record_ask(Ask("a question", "unknown", None, Origin("discord")))
        clock.now = today - timedelta(days=2)
        for message_id in (1, 2):
            origin = Origin("discord", GUILD, CHANNEL, message_id, link(message_id))
            ids["bread"] = await store.log_unanswered(BREAD, origin, best_score=0.05, best_entry_id="intro")
        origin = Origin("discord", GUILD, CHANNEL, 3, link(3))
        ids["home"] = await store.log_unanswered(BREAD_AT_HOME, origin, best_score=0.05, best_entry_id="intro")
        for _ in range(4):
            ids["parking"] = await store.log_unanswered(PARKING, Origin("cli"), best_score=0.1, best_entry_id="intro")
        for status, entry in (("answered", MANAGER_ENTRY), ("answered", "intro"), ("suggest", None), ("unknown", None)):
            await store.record_ask(Ask("a question", status, entry, Origin("discord")))
        await store.record_vote(
            message_id=9,
            entry_id=MANAGER_ENTRY,
            question="is a TL a manager?",
            user_id=1,
            vote=-1,
            origin=Origin("discord", GUILD, CHANNEL, 9, link(9)),
        )
        await store.record_vote(
            message_id=9,
            entry_id=MANAGER_ENTRY,
            question="is a TL a manager?",
            user_id=2,
            vote=1,
            origin=Origin("discord", GUILD, CHANNEL, 9, link(9)),
        )
        [downvoted] = [q for q in await store.questions(scope=None, status="open") if q.kind == "downvoted"]
        ids["downvoted"] = downvoted.id
    return ids


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "state" / "faqbot.db"


@pytest.fixture
def ids(db: Path) -> dict[str, int]:
    return asyncio.run(seed(db))


# ---------------------------------------------------------------- faqbot unanswered list


def test_list_shows_groups_first_with_id_count_last_asked_and_jump_link(db: Path, ids: dict[str, int]) -> None:
    [listing] = python_m_bot(["unanswered", "list", "--db", str(db)])

    lines = ok(listing).splitlines()
    day = (start_of_today() - timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    # Largest first: parking (4 asks), then the bread group (2 + 1 asks in two phrasings), then the rest.
    assert lines[0].split() == [f"#{ids['parking']}", "x4", day, "open", *PARKING.split()]
    assert lines[1].split() == [f"#{ids['bread']}", "x2", day, "open", *BREAD.split(), "[3", "asks,", "2", "phrasings]"]
    assert lines[2].strip() == link(2)  # where it was asked last
    assert lines[3].split() == ["↳", f"#{ids['home']}", "x1", *BREAD_AT_HOME.split()]
    rest = "\n".join(lines[4:])
    assert f"#{ids['downvoted']}" in rest and "is a TL a manager?" in rest
    assert f"#{ids['dog']}" in rest and DOG in rest and link(40) in rest
    assert f"👎 rejected answer: {MANAGER_ENTRY}" in rest  # the entry the 👎 rejected, beside it
    assert len(lines) == 4 + 3 + 2  # the 👎 item (with its jump link and rejected entry) and the dog (with its link)


def test_list_of_a_status_with_nothing_in_it_says_so(faqbot: Faqbot, db: Path, ids: dict[str, int]) -> None:
    assert ok(faqbot("unanswered", "list", "--db", str(db), "--status", "dismissed")) == "No dismissed questions.\n"


def test_list_json_gives_one_record_per_question_with_its_group(faqbot: Faqbot, db: Path, ids: dict[str, int]) -> None:
    records = [json.loads(line) for line in ok(faqbot("unanswered", "list", "--db", str(db), "--json")).splitlines()]

    by_id = {record["id"]: record for record in records}
    assert set(by_id) == set(ids.values())
    assert [record["id"] for record in records][:3] == [ids["parking"], ids["bread"], ids["home"]]  # groups first
    bread = by_id[ids["bread"]]
    assert (bread["text"], bread["ask_count"], bread["status"], bread["kind"]) == (BREAD, 2, "open", "unanswered")
    assert bread["best_entry_id"] == "intro"
    assert [place["jump_url"] for place in bread["places"]] == [link(2), link(1)]
    assert {place["guild_id"] for place in bread["places"]} == {GUILD}
    assert by_id[ids["home"]]["group"] == bread["group"] == ids["bread"]  # grouped under its representative
    assert by_id[ids["parking"]]["group"] == ids["parking"]
    downvoted = by_id[ids["downvoted"]]
    assert (downvoted["kind"], downvoted["rejected_entry_id"]) == ("downvoted", MANAGER_ENTRY)


# ---------------------------------------------------------------- resolve, dismiss, and their mistakes


def test_resolve_and_dismiss_change_the_status(faqbot: Faqbot, db: Path, ids: dict[str, int]) -> None:
    resolved = faqbot("unanswered", "resolve", str(ids["parking"]), MANAGER_ENTRY, "--db", str(db))
    dismissed = faqbot("unanswered", "dismiss", str(ids["dog"]), "--reason", "not about the role", "--db", str(db))

    assert ok(resolved).startswith(f"#{ids['parking']} is marked answered by {MANAGER_ENTRY}; learned 1 phrasing(s).")
    assert ok(dismissed) == f"#{ids['dog']} is dismissed (only this question: no open question is grouped with it).\n"
    answered = faqbot("unanswered", "list", "--db", str(db), "--status", "answered", "--json")
    assert [(r["id"], r["answer_entry_id"]) for r in map(json.loads, ok(answered).splitlines())] == [
        (ids["parking"], MANAGER_ENTRY)
    ]
    everything = faqbot("unanswered", "list", "--db", str(db), "--status", "all", "--json")
    by_id = {r["id"]: r for r in map(json.loads, ok(everything).splitlines())}
    assert (by_id[ids["dog"]]["status"], by_id[ids["dog"]]["dismiss_reason"]) == ("dismissed", "not about the role")
    assert by_id[ids["bread"]]["status"] == "open"
    still_open = ok(faqbot("unanswered", "list", "--db", str(db)))
    assert f"#{ids['parking']} " not in still_open and f"#{ids['dog']} " not in still_open


def test_resolve_by_entry_title(faqbot: Faqbot, db: Path, ids: dict[str, int]) -> None:
    title = load_knowledge(ROOT / "knowledge").get(MANAGER_ENTRY).title

    result = faqbot("unanswered", "resolve", str(ids["bread"]), title, "--db", str(db))

    assert ok(result).startswith(  # "bread at home" is grouped with it: resolved and learned with it
        f"#{ids['bread']} is marked answered by {MANAGER_ENTRY} with 1 grouped question(s); learned 2 phrasing(s)."
    )
    assert read(db, f"SELECT status, answer_entry_id FROM questions WHERE id = {ids['bread']}") == [
        ("answered", MANAGER_ENTRY)
    ]


def test_mistakes_are_one_clear_line_and_change_nothing(faqbot: Faqbot, db: Path, ids: dict[str, int]) -> None:
    before = read(db, "SELECT * FROM questions ORDER BY id")

    no_entry = faqbot("unanswered", "resolve", str(ids["bread"]), "manger-or-enginer", "--db", str(db))
    no_question = faqbot("unanswered", "resolve", "999", MANAGER_ENTRY, "--db", str(db))
    no_dismissal = faqbot("unanswered", "dismiss", "999", "--reason", "spam", "--db", str(db))
    no_reason = faqbot("unanswered", "dismiss", str(ids["bread"]), "--reason", "  ", "--db", str(db))
    no_promotion = faqbot("unanswered", "promote", "999", "--db", str(db))
    bad_days = faqbot("unanswered", "purge", "--older-than", "0", "--db", str(db))

    assert "No entry named “manger-or-enginer”. Closest: faq-manager-or-engineer" in one_line_error(no_entry)
    assert MANAGER_ENTRY in no_entry.stderr  # the closest entries help fix the typo
    assert one_line_error(no_question) == "faqbot: error: no question #999\n"
    assert one_line_error(no_dismissal) == "faqbot: error: no question #999\n"
    assert one_line_error(no_promotion) == "faqbot: error: no question #999\n"
    assert "--reason" in one_line_error(no_reason)
    assert "--older-than" in one_line_error(bad_days)
    assert read(db, "SELECT * FROM questions ORDER BY id") == before


# ---------------------------------------------------------------- export


def test_export_gives_every_question_as_csv_or_json(faqbot: Faqbot, db: Path, ids: dict[str, int]) -> None:
    asyncio.run(dismiss(db, ids["dog"], "spam"))

    table = list(csv.DictReader(io.StringIO(ok(faqbot("unanswered", "export", "--format", "csv", "--db", str(db))))))
    records = json.loads(ok(faqbot("unanswered", "export", "--format", "json", "--db", str(db))))

    assert {int(row["id"]) for row in table} == {record["id"] for record in records} == set(ids.values())
    csv_bread = next(row for row in table if int(row["id"]) == ids["bread"])
    assert (csv_bread["text"], csv_bread["ask_count"], csv_bread["status"]) == (BREAD, "2", "open")
    assert csv_bread["places"].split() == [link(2), link(1)]
    csv_parking = next(row for row in table if int(row["id"]) == ids["parking"])
    assert csv_parking["places"].split() == ["cli"] * 4
    csv_dog = next(row for row in table if int(row["id"]) == ids["dog"])
    assert (csv_dog["status"], csv_dog["dismiss_reason"]) == ("dismissed", "spam")  # every status is exported
    json_bread = next(record for record in records if record["id"] == ids["bread"])
    assert json_bread["first_asked_at"] <= json_bread["last_asked_at"]
    assert [place["jump_url"] for place in json_bread["places"]] == [link(2), link(1)]


def test_export_of_an_empty_queue_is_a_header_or_an_empty_list(faqbot: Faqbot, db: Path) -> None:
    ok(faqbot("ask", "thanks!", "--db", str(db)))  # the database exists once the bot has answered
    header = ok(faqbot("unanswered", "export", "--format", "csv", "--db", str(db))).splitlines()
    records = json.loads(ok(faqbot("unanswered", "export", "--format", "json", "--db", str(db))))

    assert len(header) == 1 and header[0].startswith("id,text,kind,ask_count,") and header[0].endswith(",places")
    assert records == []


@pytest.mark.parametrize(
    "report",
    [
        ("stats",),
        ("unanswered", "list"),
        ("unanswered", "export", "--format", "json"),
        ("unanswered", "promote", "1"),
        ("knowledge", "learned", "list"),
        ("knowledge", "learned", "export"),
    ],
)
def test_a_report_on_a_database_that_is_not_there_says_so_and_creates_nothing(
    faqbot: Faqbot, tmp_path: Path, report: tuple[str, ...]
) -> None:
    """A mistyped --db must not look like an empty queue: one line, exit 2, and no new file."""
    typo = tmp_path / "faqbto.db"
    result = faqbot(*report, "--db", str(typo))
    assert result.returncode == 2
    assert result.stderr.startswith(f"faqbot: error: no database at {typo}") and result.stderr.count("\n") == 1
    assert not typo.exists() and list(tmp_path.iterdir()) == []


async def dismiss(db: Path, question_id: int, reason: str) -> None:
    async with await Store.open(db) as store:
        assert await store.dismiss(question_id, reason, scope=None)


# ---------------------------------------------------------------- promote


def test_promote_prints_an_entry_ready_to_paste_with_the_group_s_phrasings(
    faqbot: Faqbot, db: Path, ids: dict[str, int], tmp_path: Path
) -> None:
    snippet = ok(faqbot("unanswered", "promote", str(ids["bread"]), "--db", str(db)))

    assert snippet.startswith(f"# From unanswered question #{ids['bread']} (asked 3 time(s)).")
    # Paste it under `entries:` of a knowledge file, write the answer, and it is a valid entry.
    entry_part = snippet.split("\n\n# Or,")[0]
    assert entry_part.count("text: ''") == 1
    filled = entry_part.replace("text: ''", "text: Mix flour, water and starter, then bake sourdough bread hot.")
    folder = tmp_path / "kb"
    folder.mkdir()
    shutil.copy(ROOT / "knowledge" / "cloud-technical-lead.yaml", folder)
    (folder / "new.yaml").write_text(f"role: Cloud Technical Lead\nentries:\n{filled}\n", encoding="utf-8")
    knowledge = load_knowledge(folder)
    entry = knowledge.entries[-1]
    assert entry.source == "new.yaml"
    assert entry.title == "How do I bake sourdough bread?"
    assert entry.questions == (BREAD_AT_HOME,)  # the group's other phrasing, under questions:
    # Next to the real knowledge, the new entry now answers the queued question.
    verdict = Answerer.build(knowledge, ConfidenceGate(), None).judge(BREAD).verdict
    assert verdict is not None and verdict.answer is not None and verdict.answer.entry.id == entry.id


# ---------------------------------------------------------------- stats


def test_stats_as_text_and_json(faqbot: Faqbot, db: Path, ids: dict[str, int]) -> None:
    text = ok(faqbot("stats", "--db", str(db)))
    as_json = ok(faqbot("stats", "--db", str(db), "--json"))

    lines = text.splitlines()
    assert lines[0] == "last  7 days: 4 questions: 2 answered (50%), 0 partial (0%), 1 unsure (25%), 1 not known (25%)"
    assert lines[1] == "last 30 days: 5 questions: 2 answered (40%), 0 partial (0%), 1 unsure (20%), 2 not known (40%)"
    assert [line.split() for line in lines[2:]] == [[MANAGER_ENTRY, "👍", "1", "👎", "1"]]
    week, month = (json.loads(line) for line in as_json.splitlines())
    assert week == {
        "days": 7,
        "asked": 4,
        "answered": 2,
        "suggested": 1,
        "unknown": 1,
        "partial": 0,
        "votes": [{"entry_id": MANAGER_ENTRY, "up": 1, "down": 1}],
        "answer_rate": 0.5,
        "abstain_rate": 0.25,
    }
    assert (month["days"], month["asked"], month["unknown"], month["answer_rate"]) == (30, 5, 2, 0.4)


# ---------------------------------------------------------------- purge


def test_purge_deletes_old_questions_and_their_places(faqbot: Faqbot, db: Path, ids: dict[str, int]) -> None:
    result = faqbot("unanswered", "purge", "--older-than", "30", "--db", str(db))

    assert ok(result).startswith("deleted 1 question(s), 1 place(s) and ")
    assert "older than 30 days" in result.stdout
    remaining = {row[0] for row in read(db, "SELECT id FROM questions")}
    assert remaining == set(ids.values()) - {ids["dog"]}
    assert read(db, f"SELECT count(*) FROM question_asks WHERE question_id = {ids['dog']}") == [(0,)]
    assert read(db, "SELECT count(*) FROM question_asks") == [(8,)]  # 2 + 1 + 4 + 1 recent places kept
    listing = ok(faqbot("unanswered", "list", "--db", str(db)))
    assert DOG not in listing and PARKING in listing


# ---------------------------------------------------------------- a database faqbot must not touch


def test_a_file_that_is_not_a_database_stops_every_command_with_one_line_and_is_left_untouched(
    faqbot: Faqbot, tmp_path: Path
) -> None:
    db = tmp_path / "faqbot.db"
    db.write_bytes(b"this is not a database, just some text that happens to sit here\n" * 100)
    before = db.read_bytes()

    [listing] = python_m_bot(["unanswered", "list", "--db", str(db)])  # the whole program, as a user runs it
    others = [
        faqbot("unanswered", "dismiss", "1", "--reason", "spam", "--db", str(db)),
        faqbot("unanswered", "purge", "--older-than", "1", "--db", str(db)),
        faqbot("unanswered", "export", "--format", "csv", "--db", str(db)),
        faqbot("stats", "--db", str(db)),
    ]

    for result in (listing, *others):
        message = one_line_error(result)
        assert str(db) in message and "not a usable SQLite database" in message and "left untouched" in message
        assert result.stdout == ""
    assert db.read_bytes() == before
    assert sorted(path.name for path in tmp_path.iterdir()) == ["faqbot.db"]


def test_a_database_from_a_newer_faqbot_is_refused_and_left_untouched(faqbot: Faqbot, tmp_path: Path) -> None:
    db = tmp_path / "faqbot.db"
    asyncio.run(seed(db))
    connection = sqlite3.connect(db)
    connection.execute("PRAGMA user_version = 99")
    connection.close()
    before = db.read_bytes()

    purge = faqbot("unanswered", "purge", "--older-than", "1", "--db", str(db))
    resolve = faqbot("unanswered", "resolve", "1", MANAGER_ENTRY, "--db", str(db))

    for result in (purge, resolve):
        assert "schema version 99, newer than this faqbot understands" in one_line_error(result)
    assert db.read_bytes() == before


def test_a_database_with_a_damaged_table_stops_with_one_line_and_is_left_untouched(tmp_path: Path) -> None:
    db = tmp_path / "faqbot.db"
    asyncio.run(seed(db))
    damage_table(db, "questions")
    before = db.read_bytes()

    [listing] = python_m_bot(["unanswered", "list", "--db", str(db)])

    assert str(db) in one_line_error(listing)
    assert db.read_bytes() == before


# ---------------------------------------------------------------- --guild: one server's queue and statistics


async def seed_other_server(db: Path) -> int:
    async with await Store.open(db) as store:
        origin = Origin("discord", OTHER_GUILD, 77, 1, f"https://discord.com/channels/{OTHER_GUILD}/77/1")
        await store.record_ask(Ask(OTHER_QUESTION, "unknown", None, origin, queue=True))
        [question] = await store.questions(
            scope=None, status="open", since=timedelta(minutes=5), limit=1, sort="recent"
        )
    return question.id


OTHER_GUILD = 987654321
OTHER_QUESTION = "where do the bakers meet on fridays?"


def test_without_guild_the_cli_shows_every_server_and_with_guild_only_that_one(
    faqbot: Faqbot, db: Path, ids: dict[str, int]
) -> None:
    other_id = asyncio.run(seed_other_server(db))

    everything = ok(faqbot("unanswered", "list", "--db", str(db)))
    ours = ok(faqbot("unanswered", "list", "--db", str(db), "--guild", str(GUILD)))
    theirs = ok(faqbot("unanswered", "list", "--db", str(db), "--guild", str(OTHER_GUILD)))
    direct = ok(faqbot("unanswered", "list", "--db", str(db), "--guild", "dm"))

    assert OTHER_QUESTION in everything and BREAD in everything and PARKING in everything
    assert BREAD in ours and OTHER_QUESTION not in ours and PARKING not in ours
    assert theirs.startswith(f"#{other_id} ") and BREAD not in theirs
    assert PARKING in direct and BREAD not in direct  # asked on the command line: the DMs' scope
    assert one_line_error(
        faqbot("unanswered", "dismiss", str(other_id), "--reason", "x", "--db", str(db), "--guild", str(GUILD))
    ) == (f"faqbot: error: no question #{other_id}\n")
    week = json.loads(ok(faqbot("stats", "--json", "--db", str(db), "--guild", str(OTHER_GUILD))).splitlines()[0])
    assert (week["asked"], week["unknown"]) == (1, 1)


def test_a_bad_guild_is_refused_with_a_clear_error(faqbot: Faqbot, db: Path) -> None:
    result = faqbot("unanswered", "list", "--db", str(db), "--guild", "bakers")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.splitlines()[-1].endswith(
        "argument --guild: expected a guild id (a positive whole number) or 'dm', got 'bakers'"
    )
