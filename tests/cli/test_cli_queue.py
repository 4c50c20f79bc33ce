"""The editors' queue from the command line, as an editor runs it: a 👎 shown with the entry it rejected and
corrected by resolving, members' picks to confirm or reject, dismissing a group, recheck, --sort recent, and
promote writing valid YAML (printed, or appended to a knowledge file with --write).

Each command runs through the real entry point, `bot.cli.main(argv)`, in this process.
"""

from __future__ import annotations

import asyncio
import json
import re
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from knowledge_helpers import add_baking_entry

from bot.cli import main
from bot.core.importer import MAX_ID, slug
from bot.core.knowledge import ID_PATTERN, load_knowledge
from bot.store import Origin, Store

ROOT = Path(__file__).resolve().parents[2]
GUILD, CHANNEL = 111, 222
MANAGER_ENTRY = "faq-manager-or-engineer"
DOWNVOTED = "is a TL a manager?"
BREAD = "how do I bake sourdough bread?"
BREAD_TO = "how to bake sourdough bread"
PARKING = "is there parking at the office"
STOCK = "do TLs get stock options?"
LONG = "What's the salary for a cloud TL in Zürich, roughly, for someone with ten years of experience and three certs?"


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str


@pytest.fixture
def faqbot(capsys: pytest.CaptureFixture[str], db: Path):
    """Run one faqbot command against the test database; its exit code and what it printed."""

    def run(*args: str, knowledge: Path | None = None) -> Run:
        extra = ["--db", str(db)] + (["--knowledge", str(knowledge)] if knowledge else [])
        capsys.readouterr()
        code = main([*args, *extra])
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err)

    return run


def ok(run: Run) -> str:
    assert run.code == 0, run.err
    return run.out


def one_line_error(run: Run) -> str:
    assert run.code == 2, run
    assert run.err.startswith("faqbot: error: ") and run.err.count("\n") == 1, run.err
    return run.err


def write_entry(faqbot, question_id: int, target: Path, answer: str, knowledge: Path) -> Run:
    """`unanswered promote ID --write FILE --text ANSWER`, as an editor adds a queued question to a knowledge file."""
    return faqbot(
        "unanswered", "promote", str(question_id), "--write", str(target), "--text", answer, knowledge=knowledge
    )


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "faqbot.db"


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def origin(message_id: int) -> Origin:
    return Origin("discord", GUILD, CHANNEL, message_id)


async def seed(db: Path) -> dict[str, int]:
    """#bread ×3 five days ago and #bread_to once yesterday (one group); #parking ×5 three days ago; a 👎 on the
    manager entry; and a member's pick of `intro` for a "did you mean" on stock options."""
    today = datetime.now(UTC).replace(microsecond=0)
    clock = Clock(today - timedelta(days=5))
    ids: dict[str, int] = {}
    async with await Store.open(db, clock=clock) as store:
        for n in range(3):
            ids["bread"] = await store.log_unanswered(BREAD, origin(n), best_score=0.05, best_entry_id=None)
        clock.now = today - timedelta(days=3)
        for n in range(5):
            ids["parking"] = await store.log_unanswered(PARKING, origin(10 + n), best_score=0.1, best_entry_id=None)
        clock.now = today - timedelta(days=1)
        ids["bread_to"] = await store.log_unanswered(BREAD_TO, origin(20), best_score=0.05, best_entry_id=None)
        clock.now = today
        await store.record_vote(
            message_id=30, entry_id=MANAGER_ENTRY, question=DOWNVOTED, user_id=1, vote=-1, origin=origin(30)
        )
        [downvoted] = [q for q in await store.questions(scope=None) if q.kind == "downvoted"]
        ids["downvoted"] = downvoted.id
        proposal = await store.propose(STOCK, "intro", origin(40), 2)
        assert proposal is not None
        ids["stock"], ids["proposal"] = proposal.question_id, proposal.id
    return ids


@pytest.fixture
def ids(db: Path) -> dict[str, int]:
    return asyncio.run(seed(db))


def records(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines()]


# ---------------------------------------------------------------- 👎: shown with the rejected entry, corrected


def test_a_downvoted_item_shows_the_entry_it_rejected(faqbot, ids: dict[str, int]) -> None:
    text = ok(faqbot("unanswered", "list"))
    as_json = {r["id"]: r for r in records(ok(faqbot("unanswered", "list", "--json")))}

    lines = text.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith(f"#{ids['downvoted']} "))
    assert DOWNVOTED in lines[at]
    assert lines[at + 1].strip() == f"👎 rejected answer: {MANAGER_ENTRY}"
    assert as_json[ids["downvoted"]]["rejected_entry_id"] == MANAGER_ENTRY
    assert as_json[ids["downvoted"]]["kind"] == "downvoted"


def test_promoting_a_downvoted_item_never_offers_the_entry_the_member_turned_down(faqbot, ids: dict[str, int]) -> None:
    promoted = ok(faqbot("unanswered", "promote", str(ids["downvoted"])))

    assert MANAGER_ENTRY not in promoted  # the bot's own answer, rejected with 👎, is no alternative
    assert yaml.safe_load(promoted)[0]["title"] == DOWNVOTED[:1].upper() + DOWNVOTED[1:]


def test_resolving_a_downvoted_item_teaches_the_right_entry(faqbot, ids: dict[str, int]) -> None:
    before = records(ok(faqbot("ask", DOWNVOTED, "--json")))[0]

    resolved = ok(faqbot("unanswered", "resolve", str(ids["downvoted"]), "intro"))

    assert resolved.startswith(f"#{ids['downvoted']} is marked answered by intro; learned 1 phrasing(s).")
    after = records(ok(faqbot("ask", DOWNVOTED, "--json")))[0]
    assert (before["answer"] or {}).get("id") != "intro"
    assert after["status"] == "answered" and after["answer"]["id"] == "intro"  # not the rejected entry


# ---------------------------------------------------------------- members' picks: confirm or reject


def test_a_member_s_pick_is_listed_as_a_proposal_and_confirm_teaches_it(
    faqbot,
    ids: dict[str, int],
) -> None:
    listed = ok(faqbot("unanswered", "list"))
    proposal = f"proposal P{ids['proposal']}: member(s) picked intro ×1 for #{ids['stock']}"
    assert proposal in listed
    assert f"faqbot unanswered confirm {ids['proposal']} | reject {ids['proposal']}" in listed
    stock = next(r for r in records(ok(faqbot("unanswered", "list", "--json"))) if r["id"] == ids["stock"])
    assert stock["proposals"] == [{"id": ids["proposal"], "entry": "intro", "picks": 1}]
    assert records(ok(faqbot("knowledge", "learned", "list", "--json"))) == []  # a pick does not teach alone

    confirmed = ok(faqbot("unanswered", "confirm", str(ids["proposal"])))

    assert confirmed.startswith(f"#{ids['stock']} is marked answered by intro; learned 1 phrasing(s).")
    assert [r["text"] for r in records(ok(faqbot("knowledge", "learned", "list", "--json")))] == [STOCK]
    assert records(ok(faqbot("ask", STOCK, "--json")))[0]["answer"]["id"] == "intro"
    assert one_line_error(faqbot("unanswered", "confirm", str(ids["proposal"]))) == (
        f"faqbot: error: no open proposal P{ids['proposal']}\n"
    )


def test_reject_leaves_the_question_open_and_teaches_nothing(faqbot, ids: dict[str, int]) -> None:
    rejected = ok(faqbot("unanswered", "reject", f"P{ids['proposal']}"))  # as the list shows it

    assert rejected == f"P{ids['proposal']} rejected: #{ids['stock']} is not taught intro and stays open.\n"
    listed = ok(faqbot("unanswered", "list"))
    assert f"#{ids['stock']} " in listed and "proposal P" not in listed
    assert records(ok(faqbot("knowledge", "learned", "list", "--json"))) == []


# ---------------------------------------------------------------- dismiss acts on the group, keeps an answer


def test_dismiss_acts_on_the_whole_group_and_says_so(faqbot, ids: dict[str, int]) -> None:
    result = ok(faqbot("unanswered", "dismiss", str(ids["bread"]), "--reason", "off-topic"))

    assert result == f"#{ids['bread']} is dismissed with the 1 question(s) grouped with it (#{ids['bread_to']}).\n"
    dismissed = records(ok(faqbot("unanswered", "list", "--status", "dismissed", "--json")))
    assert {(r["id"], r["dismiss_reason"]) for r in dismissed} == {
        (ids["bread"], "off-topic"),
        (ids["bread_to"], "off-topic"),
    }


def test_a_reason_with_no_visible_word_is_refused(faqbot, ids: dict[str, int]) -> None:
    result = faqbot("unanswered", "dismiss", str(ids["bread"]), "--reason", "\u200b\u200d")

    assert result.code == 2 and result.err == "faqbot: error: --reason must say why\n"
    assert {r["id"] for r in records(ok(faqbot("unanswered", "list", "--json")))} >= {ids["bread"]}  # still open


def test_dismissing_an_answered_question_warns_and_keeps_its_answer(faqbot, ids: dict[str, int]) -> None:
    ok(faqbot("unanswered", "resolve", str(ids["parking"]), "intro"))

    result = faqbot("unanswered", "dismiss", str(ids["parking"]), "--reason", "spam")

    assert result.code == 1 and result.out == ""
    assert result.err == (
        f"faqbot: warning: #{ids['parking']} is already answered by intro: it keeps its answer and was not dismissed.\n"
    )
    [parking] = [r for r in records(ok(faqbot("unanswered", "list", "--status", "all", "--json")))
                 if r["id"] == ids["parking"]]  # fmt: skip
    assert (parking["status"], parking["answer_entry_id"], parking["dismiss_reason"]) == ("answered", "intro", None)


# ---------------------------------------------------------------- --sort recent


def test_sort_recent_lists_the_newest_group_first(faqbot, ids: dict[str, int]) -> None:
    by_count = [line.split()[0] for line in ok(faqbot("unanswered", "list")).splitlines() if line.startswith("#")]
    recent = ok(faqbot("unanswered", "list", "--sort", "recent"))
    by_recent = [line.split()[0] for line in recent.splitlines() if line.startswith("#")]

    assert by_count[:2] == [f"#{ids['parking']}", f"#{ids['bread']}"]  # 5 asks, then 3 + 1
    # Newest first: the 👎 and the pick (today), the bread group (its newest phrasing yesterday), parking (3 days).
    assert by_recent[2:] == [f"#{ids['bread']}", f"#{ids['parking']}"]
    assert set(by_recent[:2]) == {f"#{ids['downvoted']}", f"#{ids['stock']}"}
    times = [line.split()[2] for line in recent.splitlines() if line.startswith("#")]
    assert times == sorted(times, reverse=True)  # the time each group was last asked, as shown
    as_json = [r["group"] for r in records(ok(faqbot("unanswered", "list", "--sort", "recent", "--json")))]
    assert list(dict.fromkeys(as_json))[2:] == [ids["bread"], ids["parking"]]


# ---------------------------------------------------------------- recheck


@pytest.fixture
def knowledge_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "knowledge"
    shutil.copytree(ROOT / "knowledge", folder)
    return folder


def test_recheck_marks_what_the_knowledge_now_answers(faqbot, ids: dict[str, int], knowledge_copy: Path) -> None:
    nothing = ok(faqbot("unanswered", "recheck", knowledge=knowledge_copy))
    assert nothing == "0 open question(s) can now be answered and were marked answered.\n"
    add_baking_entry(knowledge_copy)

    elsewhere = ok(faqbot("unanswered", "recheck", "--guild", "999", "--json", knowledge=knowledge_copy))
    marked = records(ok(faqbot("unanswered", "recheck", "--json", knowledge=knowledge_copy)))

    assert elsewhere == ""  # another server's queue: nothing there
    assert {"id": ids["bread"], "entry": "faq-sourdough"} in marked
    assert all(record["entry"] == "faq-sourdough" for record in marked)
    answered = {r["id"] for r in records(ok(faqbot("unanswered", "list", "--status", "answered", "--json")))}
    assert ids["bread"] in answered and ids["parking"] not in answered


# ---------------------------------------------------------------- promote: valid YAML, --write


def test_the_whole_promotion_parses_as_yaml(faqbot, ids: dict[str, int]) -> None:
    printed = ok(faqbot("unanswered", "promote", str(ids["bread"])))

    [entry] = yaml.safe_load(printed)
    assert entry["title"] == "How do I bake sourdough bread?"
    assert entry["questions"] == [BREAD_TO]
    assert entry["text"] == ""
    assert "# Or," not in printed  # nothing in the knowledge is close enough to offer


def test_the_closest_entry_is_offered_in_comments_only_when_it_is_plausible(
    faqbot,
    ids: dict[str, int],
) -> None:
    printed = ok(faqbot("unanswered", "promote", str(ids["stock"])))

    assert yaml.safe_load(printed)[0]["title"] == "Do TLs get stock options?"  # one entry: the rest are comments
    offered = re.search(r"^# Or, if entry (\S+) already answers it \(score ([0-9.]+)\)", printed, re.MULTILINE)
    asked = records(ok(faqbot("ask", STOCK, "--json")))[0]
    assert asked["status"] == "suggest"  # the bot itself offers it as a "did you mean": plausible
    assert offered is not None and offered.group(1) == asked["alternatives"][0]["id"]
    assert f"#       - {STOCK}" in printed
    assert "Or, if entry" not in ok(faqbot("unanswered", "promote", str(ids["bread"])))  # nothing plausible


def test_the_id_is_a_clean_slug_not_cut_mid_word(tmp_path: Path) -> None:
    from bot.core.promotion import entry_id_for

    knowledge = load_knowledge(ROOT / "knowledge")

    entry_id = entry_id_for(LONG, knowledge)

    assert ID_PATTERN.match(entry_id) and len(entry_id) <= MAX_ID
    words = ("faq-" + slug(LONG)).split("-")
    assert entry_id.split("-") == words[: len(entry_id.split("-"))]  # whole words only, from the start
    assert "zurich" in entry_id and "whats" in entry_id


def test_write_to_a_linked_knowledge_file_changes_the_file_and_keeps_the_link(
    faqbot, ids: dict[str, int], knowledge_copy: Path, tmp_path: Path
) -> None:
    real = tmp_path / "shared" / "cloud-technical-lead.yaml"  # e.g. a checkout of the team's knowledge repo
    real.parent.mkdir()
    (knowledge_copy / "cloud-technical-lead.yaml").replace(real)
    link = knowledge_copy / "cloud-technical-lead.yaml"
    link.symlink_to(real)

    ok(write_entry(faqbot, ids["bread"], link, "Mix flour, water, salt and starter; bake it hot.", knowledge_copy))

    assert link.is_symlink() and link.resolve() == real
    assert "  - id: faq-how-do-i-bake-sourdough-bread\n" in real.read_text(encoding="utf-8")


def test_write_appends_the_entry_and_the_knowledge_loads_with_it(
    faqbot,
    ids: dict[str, int],
    knowledge_copy: Path,
) -> None:
    target = knowledge_copy / "cloud-technical-lead.yaml"
    before = target.read_text(encoding="utf-8")
    answer = "Mix flour, water, salt and starter; let it rise overnight and bake the sourdough bread very hot."

    result = ok(write_entry(faqbot, ids["bread"], target, answer, knowledge_copy))

    assert result.startswith("appended entry faq-how-do-i-bake-sourdough-bread to ")
    after = target.read_text(encoding="utf-8")
    # Added at the end of `entries:`, before the comments and synonyms that follow it; nothing else touched.
    entries_part, rest = before.split("\n\n# How members write", 1)
    assert after.startswith(entries_part + "\n") and after.endswith("\n\n# How members write" + rest)
    added = after[len(entries_part) + 1 : len(after) - len(rest) - len("\n\n# How members write")]
    assert added.startswith("  - id: faq-how-do-i-bake-sourdough-bread\n")
    knowledge = load_knowledge(knowledge_copy)
    entry = knowledge.get("faq-how-do-i-bake-sourdough-bread")
    assert entry is not None and entry.text == answer and entry.questions == (BREAD_TO,)
    assert len(knowledge.entries) == len(load_knowledge(ROOT / "knowledge").entries) + 1
    asked = records(ok(faqbot("ask", BREAD, "--json", knowledge=knowledge_copy)))[0]
    assert asked["answer"]["id"] == "faq-how-do-i-bake-sourdough-bread"

    again = write_entry(faqbot, ids["bread"], target, answer, knowledge_copy)
    assert one_line_error(again).startswith(
        "faqbot: error: entry faq-how-do-i-bake-sourdough-bread already has this question as its title or a phrasing"
    )
    assert target.read_text(encoding="utf-8") == after  # promoted twice: written once


def test_write_to_a_file_the_bot_does_not_load_says_so(
    faqbot, ids: dict[str, int], knowledge_copy: Path, tmp_path: Path
) -> None:
    """A file outside the knowledge folder gets the entry, and the editor is told the bot will not answer with it."""
    elsewhere = tmp_path / "drafts.yaml"
    elsewhere.write_text((knowledge_copy / "cloud-technical-lead.yaml").read_text(encoding="utf-8"), encoding="utf-8")

    result = ok(write_entry(faqbot, ids["bread"], elsewhere, "Bake it hot.", knowledge_copy))

    assert "the bot does not read it" in result and "reload" not in result
    assert load_knowledge(elsewhere).get("faq-how-do-i-bake-sourdough-bread") is not None
    assert load_knowledge(knowledge_copy).get("faq-how-do-i-bake-sourdough-bread") is None


def test_an_invalid_result_leaves_the_file_byte_identical_with_one_line(
    faqbot, ids: dict[str, int], knowledge_copy: Path, tmp_path: Path
) -> None:
    # A drafts file whose own entry is already broken (an empty text): the file with the new entry does not load.
    target = tmp_path / "drafts.yaml"
    target.write_bytes(b"role: Baker\nentries:\n  - id: rye\n    title: Rye\n    section: Breads\n    text: ''\n")
    before = target.read_bytes()

    failed = write_entry(faqbot, ids["bread"], target, "Bake it.", knowledge_copy)
    no_text = faqbot("unanswered", "promote", str(ids["bread"]), "--write", str(target), knowledge=knowledge_copy)
    missing = faqbot(
        "unanswered", "promote", str(ids["bread"]), "--write", str(knowledge_copy / "nope.yaml"), "--text", "x"
    )

    error = one_line_error(failed)
    assert f"{target}:6: entry rye: 'text' is empty" in error
    assert error.rstrip().endswith(f"{target} was left unchanged")
    assert "--text" in one_line_error(no_text)
    assert "no such knowledge file" in one_line_error(missing)
    assert target.read_bytes() == before
    assert sorted(p.name for p in knowledge_copy.iterdir()) == ["cloud-technical-lead.yaml"]


def _baker_file(items: str, newline: str = "\n") -> bytes:
    """A small role file: `items` under `entries:`, then shared-looking synonyms, as an editor might lay it out."""
    text = f"role: Baker\nentries:\n{items}\n# spelling\nsynonyms:\n  oven: [stove]\n"
    return text.replace("\n", newline).encode("utf-8")


RYE_AT_COLUMN_0 = "- id: rye\n  title: Rye\n  section: Breads\n  text: Rye bakes dense.\n"
RYE_INDENTED = "  - id: rye\n    title: Rye\n    section: Breads\n    text: Rye bakes dense.\n"
RYE_TITLE_FIRST = "- title: Rye\n  id: rye\n  section: Breads\n  text: Rye bakes dense.\n"


@pytest.mark.parametrize("items", [RYE_AT_COLUMN_0, RYE_TITLE_FIRST], ids=["column-0", "title-first"])
def test_write_follows_the_files_own_item_layout(
    faqbot, ids: dict[str, int], knowledge_copy: Path, tmp_path: Path, items: str
) -> None:
    """Items at column 0 (and written title first): the entry goes after the last one, indented as they are."""
    target = tmp_path / "baker.yaml"
    target.write_bytes(_baker_file(items))

    ok(write_entry(faqbot, ids["bread"], target, "Bake it hot.", knowledge_copy))

    text = target.read_text(encoding="utf-8")
    assert text.startswith("role: Baker\nentries:\n" + items + "- id: faq-how-do-i-bake-sourdough-bread\n")
    assert text.endswith("\n# spelling\nsynonyms:\n  oven: [stove]\n")
    loaded = load_knowledge(target)
    assert [entry.id for entry in loaded.entries] == ["rye", "faq-how-do-i-bake-sourdough-bread"]
    assert "oven" in loaded.synonyms


def test_write_keeps_a_files_windows_line_endings(
    faqbot, ids: dict[str, int], knowledge_copy: Path, tmp_path: Path
) -> None:
    target = tmp_path / "baker.yaml"
    target.write_bytes(_baker_file(RYE_INDENTED, "\r\n"))
    before = target.read_bytes()

    ok(write_entry(faqbot, ids["bread"], target, "Bake it hot.", knowledge_copy))

    after = target.read_bytes()
    assert after.count(b"\n") == after.count(b"\r\n") > before.count(b"\r\n")  # every line, old and new, CRLF
    assert after.startswith(before.split(b"\r\n\r\n# spelling")[0] + b"\r\n  - id: faq-how-do-i-bake")
    assert load_knowledge(target).get("faq-how-do-i-bake-sourdough-bread") is not None


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"synonyms:\n  oven: [stove]\n", "holds only synonyms, which every role shares"),
        (
            b"role: Baker\nentries: [{id: rye, title: Rye, section: Breads, text: Rye bakes dense.}]\n",
            ":2: its entries are one flow-style list",
        ),
        (b"role: Baker\nentries: []\nsynonyms:\n  oven: [stove]\n", ":2: its entries are one flow-style list"),
    ],
    ids=["synonyms-only", "flow-style", "empty-flow-style"],
)
def test_write_refuses_a_file_it_cannot_extend_and_says_why(
    faqbot, ids: dict[str, int], knowledge_copy: Path, tmp_path: Path, content: bytes, problem: str
) -> None:
    target = tmp_path / "extra.yaml"
    target.write_bytes(content)

    error = one_line_error(write_entry(faqbot, ids["bread"], target, "Bake it hot.", knowledge_copy))

    assert f"faqbot: error: {target}" in error and problem in error
    assert target.read_bytes() == content
    assert "YAML" not in error


def test_write_adds_the_entries_key_to_a_role_file_without_one(
    faqbot, ids: dict[str, int], knowledge_copy: Path, tmp_path: Path
) -> None:
    target = tmp_path / "baker.yaml"
    target.write_bytes(b"role: Baker\nsynonyms:\n  oven: [stove]")  # no final line end either

    ok(write_entry(faqbot, ids["bread"], target, "Bake it hot.", knowledge_copy))

    assert [entry.id for entry in load_knowledge(target).entries] == ["faq-how-do-i-bake-sourdough-bread"]


def test_write_fills_an_entries_key_with_nothing_under_it_yet(
    faqbot, ids: dict[str, int], knowledge_copy: Path, tmp_path: Path
) -> None:
    target = tmp_path / "baker.yaml"
    target.write_bytes(b"role: Baker\nentries:\n# spelling\nsynonyms:\n  oven: [stove]\n")

    ok(write_entry(faqbot, ids["bread"], target, "Bake it hot.", knowledge_copy))

    loaded = load_knowledge(target)
    assert [entry.id for entry in loaded.entries] == ["faq-how-do-i-bake-sourdough-bread"]
    assert loaded.synonyms["oven"] == ("stove",)


RYE_ITEM = "  - id: rye\n    title: Rye\n    section: Breads\n"
QUOTED_ACROSS_LINES = f'role: Baker\nentries:\n{RYE_ITEM}    text: "Rye bakes,\ndense."\nsynonyms:\n  oven: [stove]\n'
BOM_ENTRIES_FIRST = f"\ufeffentries:\n{RYE_ITEM}    text: Rye bakes dense.\nrole: Baker\n"
ANCHORED = f"role: Baker\nentries: &breads\n{RYE_ITEM}    text: Rye bakes dense.\nsynonyms:\n  oven: [stove]\n"
HASH_IN_BLOCK_TEXT = (
    f"role: Baker\nentries:\n{RYE_ITEM}    text: |\n      Rye bakes dense.\n      # Tip: score it first\n"
)
HASH_IN_QUOTED_TEXT = (
    f'role: Baker\nentries:\n{RYE_ITEM}    text: "Rye bakes\n      # dense."\nsynonyms:\n  oven: [stove]\n'
)
DASH_ON_ITS_OWN_LINE = (
    "role: Baker\nentries:\n  -\n    id: rye\n    title: Rye\n    section: Breads\n    text: Rye.\nsynonyms: {}\n"
)
OLD_MAC_LINE_ENDS = (
    f"role: Baker\nentries:\n{RYE_ITEM}    text: Rye bakes dense.\nsynonyms:\n  oven: [stove]\n".replace("\n", "\r")
)


@pytest.mark.parametrize(
    "content",
    [
        QUOTED_ACROSS_LINES,
        BOM_ENTRIES_FIRST,
        ANCHORED,
        HASH_IN_BLOCK_TEXT,
        HASH_IN_QUOTED_TEXT,
        DASH_ON_ITS_OWN_LINE,
        OLD_MAC_LINE_ENDS,
    ],
    ids=[
        "quoted-text-across-lines",
        "byte-order-mark",
        "anchored-entries",
        "hash-line-in-block-text",
        "hash-line-in-quoted-text",
        "dash-on-its-own-line",
        "old-mac-line-ends",
    ],
)
def test_write_goes_after_the_last_item_as_yaml_reads_it(
    faqbot, ids: dict[str, int], knowledge_copy: Path, tmp_path: Path, content: str
) -> None:
    """A valid file the line layout alone misreads: the entry still lands after the last item, nothing else moves."""
    target = tmp_path / "baker.yaml"
    target.write_bytes(content.encode("utf-8"))
    rye = load_knowledge(target).get("rye")

    ok(write_entry(faqbot, ids["bread"], target, "Bake it hot.", knowledge_copy))

    loaded = load_knowledge(target)
    assert [entry.id for entry in loaded.entries] == ["rye", "faq-how-do-i-bake-sourdough-bread"]
    assert loaded.get("rye") == rye  # its text is not split around the new entry
    assert target.read_bytes().startswith(content.encode("utf-8").split(b"    text: ")[0])  # BOM and head kept
    assert line_ends(target.read_bytes()) == line_ends(content.encode("utf-8"))  # the new lines end as the old do


def line_ends(data: bytes) -> set[bytes]:
    """The kinds of line end in a file: CRLF, a lone CR, a lone LF."""
    crlf = data.count(b"\r\n")
    counts = {b"\r\n": crlf, b"\r": data.count(b"\r") - crlf, b"\n": data.count(b"\n") - crlf}
    return {kind for kind, count in counts.items() if count}
