"""The command line with several roles: import a page, `ask --role`, the citation names the role, `eval --role`."""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.core.knowledge import load_knowledge
from bot.store import Origin, Store

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "tests" / "data" / "site-reliability-engineer.txt"
QUESTION = "do cloud TLs do capacity planning and load testing"


def faqbot(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], capture_output=True, text=True, cwd=cwd, check=False, timeout=300
    )


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled role and the test page, imported with the command an editor runs."""
    path = tmp_path_factory.mktemp("roles") / "knowledge"
    path.mkdir()
    shutil.copy(ROOT / "knowledge" / "cloud-technical-lead.yaml", path)
    result = faqbot("knowledge", "import", str(PAGE), "--knowledge", str(path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Imported Site Reliability Engineer: 52 entries from site-reliability-engineer.txt")
    return path


def test_role_picks_the_role_over_the_one_named_and_the_citation_names_it(folder: Path, tmp_path: Path) -> None:
    common = ("--knowledge", str(folder), "--db", str(tmp_path / "faqbot.db"))
    result = faqbot("ask", *common, "--role", "site reliability engineer", QUESTION)

    assert result.returncode == 0, result.stderr
    assert "[Site Reliability Engineer · Duties and responsibilities · duty-run-capacity-planning · " in result.stdout


def test_an_unknown_role_is_one_line_and_nothing_is_answered(folder: Path, tmp_path: Path) -> None:
    result = faqbot("ask", "--knowledge", str(folder), "--db", str(tmp_path / "faqbot.db"), "--role", "Pilot", "hi")

    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr == (
        "faqbot: error: No role named “Pilot”. Roles: Cloud Technical Lead, Site Reliability Engineer.\n"
    )


def test_a_bad_page_is_refused_with_its_line_and_nothing_is_written(folder: Path, tmp_path: Path) -> None:
    page = tmp_path / "broken.txt"
    page.write_text("\n".join(PAGE.read_text(encoding="utf-8").splitlines()[:12]) + "\n", encoding="utf-8")
    before = sorted(path.name for path in folder.iterdir())

    result = faqbot("knowledge", "import", str(page), "--knowledge", str(folder))

    assert result.returncode == 2 and result.stderr.startswith(f"faqbot: error: {page}:")
    assert sorted(path.name for path in folder.iterdir()) == before


def test_an_output_that_cannot_be_written_is_one_line_not_a_traceback(folder: Path) -> None:
    """/proc takes no new files (whoever runs the tests, root too): the write fails as a read-only or full disk does."""
    result = faqbot("knowledge", "import", str(PAGE), "--knowledge", str(folder), "--out", "/proc/sre.yaml")
    assert result.returncode == 2
    assert result.stderr.startswith("faqbot: error: /proc/sre.yaml: cannot write: ")
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


def test_a_role_added_beside_a_knowledge_file_given_as_knowledge_gets_ids_of_its_own(tmp_path: Path) -> None:
    """--knowledge FILE --out FOLDER/new.yaml: the ids clashed with FILE's, and the folder no longer loaded."""
    shutil.copy(ROOT / "knowledge" / "cloud-technical-lead.yaml", tmp_path)
    known = str(tmp_path / "cloud-technical-lead.yaml")
    result = faqbot("knowledge", "import", str(PAGE), "--knowledge", known, "--out", str(tmp_path / "sre.yaml"))
    assert result.returncode == 0, result.stderr
    check = faqbot("knowledge", "check", "--knowledge", str(tmp_path))
    assert check.returncode == 0, check.stderr
    assert check.stdout.startswith("OK: 104 entries in 2 file(s)")
    assert "id: site-reliability-engineer-intro" in (tmp_path / "sre.yaml").read_text(encoding="utf-8")


def test_knowledge_check_and_list_say_which_role_each_entry_belongs_to(folder: Path) -> None:
    check = faqbot("knowledge", "check", "--knowledge", str(folder))
    assert check.returncode == 0, check.stderr
    assert "  role Cloud Technical Lead: 52 entries\n  role Site Reliability Engineer: 52 entries\n" in check.stdout

    listed = faqbot("knowledge", "list", "--knowledge", str(folder))
    assert "duty-run-capacity-planning" in listed.stdout
    line = next(line for line in listed.stdout.splitlines() if line.startswith("duty-run-capacity-planning "))
    assert line.endswith("[Site Reliability Engineer · Duties and responsibilities]")
    as_json = faqbot("knowledge", "list", "--json", "--knowledge", str(folder))
    roles = {json.loads(line)["role"] for line in as_json.stdout.splitlines()}
    assert roles == {"Cloud Technical Lead", "Site Reliability Engineer"}


def test_knowledge_check_refuses_knowledge_without_a_role_a_server_covers(folder: Path, tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("discord:\n  guilds:\n    123456789012345678: {roles: [Database Administrator]}\n")

    result = faqbot("knowledge", "check", "--knowledge", str(folder), "--config", str(config))

    assert result.returncode == 2  # as `faqbot run` and /knowledge reload refuse it
    assert result.stderr.strip() == (
        "faqbot: error: discord.guilds.123456789012345678.roles: no knowledge file holds the role "
        "'Database Administrator' (roles: Cloud Technical Lead, Site Reliability Engineer)"
    )


def test_a_role_that_cannot_be_indexed_fails_check_and_ask_in_one_line_and_ask_exits(tmp_path: Path) -> None:
    folder = tmp_path / "knowledge"
    folder.mkdir()
    shutil.copy(ROOT / "knowledge" / "cloud-technical-lead.yaml", folder)
    entry = '  - id: x\n    title: "???"\n    section: "???"\n    text: "???"\n'  # an editor's placeholder
    (folder / "dba.yaml").write_text("role: Database Administrator\nentries:\n" + entry)
    error = f"faqbot: error: {folder / 'dba.yaml'}: cannot be indexed: empty vocabulary"

    checked = faqbot("knowledge", "check", "--knowledge", str(folder))
    asked = faqbot("ask", "--knowledge", str(folder), "--db", str(tmp_path / "faqbot.db"), "what is this")

    assert checked.returncode == 2 and checked.stderr.startswith(error)  # not "OK": ask would fail on it
    assert asked.returncode == 2 and asked.stderr.startswith(error)  # and exits (it waited on the open database)


def test_promote_offers_only_an_entry_of_the_roles_the_questions_server_is_answered_from(
    folder: Path, tmp_path: Path
) -> None:
    """A server covering only the cloud TL role is never told to add its member's question to an SRE entry."""
    cloud_server, sre_server = 111, 222
    config = tmp_path / "config.yaml"
    config.write_text(
        f"discord:\n  guilds:\n    {cloud_server}: {{roles: [Cloud Technical Lead]}}\n"
        f"    {sre_server}: {{roles: [Site Reliability Engineer]}}\n"
    )
    db = tmp_path / "faqbot.db"
    question = "how do we run capacity planning and load testing for our services"

    async def queue() -> tuple[int, int]:
        async with await Store.open(db) as store:
            ids = []
            for message, guild in enumerate((cloud_server, sre_server), start=1):
                origin = Origin("discord", guild, 5, message)
                ids.append(await store.log_unanswered(question, origin, best_score=0.2, best_entry_id=None))
            return ids[0], ids[1]

    cloud_id, sre_id = asyncio.run(queue())
    common = ("--knowledge", str(folder), "--db", str(db), "--config", str(config))

    offered = {}
    for question_id in (cloud_id, sre_id):
        result = faqbot("unanswered", "promote", str(question_id), *common)
        assert result.returncode == 0, result.stderr
        found = re.search(r"^# Or, if entry (\S+) already answers it", result.stdout, re.MULTILINE)
        offered[question_id] = found.group(1) if found else None

    assert offered[sre_id] == "duty-run-capacity-planning"  # the SRE server's members would be offered it
    roles = load_knowledge(folder).by_id
    assert offered[cloud_id] is None or roles[offered[cloud_id]].role == "Cloud Technical Lead"
