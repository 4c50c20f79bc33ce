"""The knowledge loader: the bundled page loads completely, and every kind of bad file is named precisely."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.core.answering import fit_retriever
from bot.core.knowledge import KnowledgeBase, Phrasing, load_knowledge
from bot.errors import KnowledgeError

SOURCE = Path(__file__).resolve().parents[1] / "data" / "cloud-technical-lead.txt"
PAGE_CHROME = {"JobDescription.org", "Information Technology", "Cloud Technical Lead", "Last updated"}
HEADINGS = {
    "Role at a glance",
    "Duties and responsibilities",
    "Overview",
    "Qualifications",
    "Education:",
    "Certifications:",
    "Technical skills:",
    "Leadership skills:",
    "Experience benchmarks:",
    "Career outlook",
    "Sample cover letter",
    "Frequently asked questions",
}


def squash(text: str) -> str:
    return " ".join(text.split())


def page_units() -> list[str]:
    """Every paragraph, bullet, glance label and value, cover-letter line, FAQ question and answer of the page."""
    units = []
    for line in SOURCE.read_text(encoding="utf-8").splitlines():
        line = line.strip().lstrip("•").strip()
        if not line or line in PAGE_CHROME or line in HEADINGS or line.startswith("See all "):
            continue
        units.append(squash(line))
    return units


def test_every_part_of_the_page_is_in_the_knowledge(knowledge: KnowledgeBase) -> None:
    corpus = squash(" ".join(f"{entry.title} {entry.text}" for entry in knowledge.entries))
    units = page_units()
    assert len(units) > 60
    missing = [unit for unit in units if unit not in corpus]
    assert missing == []


def test_bundled_knowledge_has_stable_readable_ids_and_sections(knowledge: KnowledgeBase) -> None:
    ids = [entry.id for entry in knowledge.entries]
    assert len(ids) == len(set(ids)) == 52
    assert {"faq-manager-or-engineer", "duty-on-call", "cover-letter", "intro"} <= set(ids)
    assert knowledge.sections[0] == "Introduction"
    assert knowledge.sections[-1] == "Frequently asked questions"
    faq = knowledge.get("faq-manager-or-engineer")
    assert faq is not None and faq.title == "Is a Cloud Technical Lead a manager or an engineer?"
    assert all(entry.questions for entry in knowledge.entries)
    assert knowledge.synonyms["kubernetes"] and "k8s" in knowledge.synonyms["kubernetes"]


def test_all_files_in_the_folder_load_together(write_knowledge: Callable[..., Path]) -> None:
    folder = write_knowledge(
        a="role: A\nentries:\n  - {id: one, title: One, section: S, text: first}\n",
        b="role: B\nentries:\n  - {id: two, title: Two, section: S, text: second}\n",
    )
    knowledge = load_knowledge(folder)
    assert [entry.id for entry in knowledge.entries] == ["one", "two"]
    assert knowledge.roles == ("A", "B")
    assert knowledge.get("two").source == "b.yaml"


GOOD_ENTRY = "  - id: ok\n    title: Fine\n    section: S\n    text: fine text\n"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            "role: R\nentries:\n"
            + GOOD_ENTRY
            + "  - id: bad\n    title: T\n    section: S\n    text: x\n    colour: red\n",
            r"bad\.yaml:11: entry bad: unknown key 'colour'",
        ),
        (
            "role: R\nentries:\n" + GOOD_ENTRY + GOOD_ENTRY,
            r"bad\.yaml:7: entry ok: duplicate id \(first at line 3 of this file\)",
        ),
        (
            "role: R\nentries:\n  - id: empty\n    title: T\n    section: S\n    text: '   '\n",
            r"bad\.yaml:6: entry empty: 'text' is empty",
        ),
        (
            "role: R\nentries:\n  - id: typed\n    title: [not, a, string]\n    section: S\n    text: x\n",
            r"bad\.yaml:4: entry typed: 'title' must be a string, got list",
        ),
        (
            "role: R\nentries:\n  - id: qs\n    title: T\n    section: S\n    text: x\n    questions: just one\n",
            r"bad\.yaml:7: entry qs: 'questions' must be a list of non-empty strings",
        ),
        (
            "role: R\nentries:\n  - title: T\n    section: S\n    text: x\n",
            r"bad\.yaml:3: entry #1: missing required key 'id'",
        ),
        (
            "role: R\nentries:\n  - id: Bad_Id\n    title: T\n    section: S\n    text: x\n",
            r"bad\.yaml:3: entry Bad_Id: 'id' must be lowercase",
        ),
        (
            "role: R\nentries:\n  - id: twice\n    title: T\n    title: U\n    section: S\n    text: x\n",
            r"bad\.yaml:5: entry twice: key 'title' appears twice",
        ),
        ("role: R\nentries: [\n", r"bad\.yaml:\d+: not valid YAML"),
        ("role: R\nentries: []\n", r"bad\.yaml:2: 'entries' must be a non-empty list"),
        ("entries:\n" + GOOD_ENTRY, r"bad\.yaml: 'role' must be a non-empty string"),
        ("role: R\nextra: 1\nentries:\n" + GOOD_ENTRY, r"bad\.yaml:2: unknown top-level key 'extra'"),
        (
            "role: R\nentries:\n" + GOOD_ENTRY + "synonyms:\n  kubernetes: k8s\n",
            r"bad\.yaml:8: synonyms for 'kubernetes' must be a list",
        ),
        (
            "role: R\nentries:\n  - id: link\n    title: T\n    section: S\n    text: x\n    url: ftp://nope\n",
            r"bad\.yaml:7: entry link: 'url' must be an http\(s\) address",
        ),
        (
            "role: R\nentries:\n" + GOOD_ENTRY + "synonyms:\n  postgresql: [postgres]\n  postgresql: [pg]\n",
            r"bad\.yaml:9: synonyms: the term 'postgresql' appears twice \(merge its lists\)",
        ),
        (
            "role: R\nentries:\n" + GOOD_ENTRY + "synonyms:\n  postgresql: [pg]\n  page: [pg]\n",
            r"bad\.yaml:9: synonyms: 'pg' is listed under 'postgresql' and 'page'; a way of writing can stand for one",
        ),
        (
            "role: R\nentries:\n" + GOOD_ENTRY + "synonyms:\n  PostgreSQL: [postgres]\n  postgresql: [pg]\n",
            r"bad\.yaml:9: synonyms: the term 'postgresql' appears twice \(merge its lists\)",
        ),
        (
            "role: R\nentries:\n  - id: blank\n    title: T\n    section: S\n    text:\n",
            r"bad\.yaml:6: entry blank: 'text' is empty",
        ),
        (
            "role: R\nentries:\n" + GOOD_ENTRY + "synonyms:\n  oven: [stove]\n  true: [yes]\n",
            r"bad\.yaml:9: synonyms: the term true is read as a yes/no value, not as text; quote it \(\"true\"\)",
        ),
        (
            "role: R\nentries:\n" + GOOD_ENTRY + "synonyms:\n  oven: [stove]\n  12: [twelve]\n",
            r"bad\.yaml:9: synonyms: the term 12 is read as a number, not as text; quote it \(\"12\"\)",
        ),
        (
            "role: R\nentries:\n"
            + GOOD_ENTRY
            + "synonyms:\n  <<: {oven: [stove], pan: [tin]}\n  good: [fine]\n  bad: 12\n  more: [extra]\n",
            r"bad\.yaml:10: synonyms for 'bad' must be a list",
        ),
    ],
    ids=[
        "unknown-key",
        "duplicate-id",
        "empty-text",
        "wrong-type",
        "questions-not-list",
        "missing-id",
        "bad-id",
        "duplicate-key",
        "bad-yaml",
        "no-entries",
        "no-role",
        "unknown-top-level",
        "bad-synonyms",
        "bad-url",
        "synonym-term-twice",
        "synonym-variant-under-two-terms",
        "synonym-term-twice-in-capitals",
        "blank-text",
        "synonym-term-yaml-types",
        "synonym-term-a-number",
        "synonym-line-after-a-merge-key",
    ],
)
def test_bad_files_name_file_line_entry_and_problem(
    write_knowledge: Callable[..., Path], body: str, expected: str
) -> None:
    folder = write_knowledge(bad=body)
    with pytest.raises(KnowledgeError, match=expected) as error:
        load_knowledge(folder)
    assert str(folder / "bad.yaml") in str(error.value)


OVENS = "role: A\nentries:\n  - {id: one, title: Ovens, section: S, text: ovens bake bread}\n"
KNIVES = "role: B\nentries:\n  - {id: two, title: Knives, section: S, text: knives cut meat}\n"
STOP_WORD_TERM = "synonyms:\n  of the: [ofthe]\n"


@pytest.mark.parametrize(
    ("files", "named"),
    [
        ({"a": OVENS, "b": KNIVES, "shared": STOP_WORD_TERM}, "shared"),
        ({"a": OVENS, "b": KNIVES + STOP_WORD_TERM}, "b"),
    ],
    ids=["shared-synonyms-file", "a-role-file"],
)
def test_a_synonym_the_retriever_cannot_use_names_the_file_that_holds_it(
    write_knowledge: Callable[..., Path], files: dict[str, str], named: str
) -> None:
    folder = write_knowledge(**files)

    with pytest.raises(KnowledgeError, match=r"synonym 'of the' is only words the retriever ignores") as error:
        fit_retriever(load_knowledge(folder))

    assert str(error.value).startswith(f"{folder / (named + '.yaml')}: cannot be indexed: ")  # that file alone


def test_duplicate_id_across_files_names_both(write_knowledge: Callable[..., Path]) -> None:
    folder = write_knowledge(a="role: A\nentries:\n" + GOOD_ENTRY, b="role: B\nentries:\n" + GOOD_ENTRY)
    with pytest.raises(KnowledgeError, match=r"b\.yaml:3: entry ok: duplicate id \(also in .*a\.yaml:3\)"):
        load_knowledge(folder)


def test_missing_folder_and_empty_folder_are_clear(tmp_path: Path) -> None:
    with pytest.raises(KnowledgeError, match="knowledge folder not found"):
        load_knowledge(tmp_path / "nowhere")
    with pytest.raises(KnowledgeError, match=re.escape(f"{tmp_path}: no .yaml or .yml knowledge files")):
        load_knowledge(tmp_path)


def test_learned_phrasings_join_their_entries_questions_and_unknown_entries_are_skipped(
    knowledge: KnowledgeBase,
) -> None:
    taught = knowledge.with_phrasings([Phrasing("intro", "so what is this job even"), Phrasing("gone", "x")])

    assert taught.get("intro").questions[-1] == "so what is this job even"
    assert len(taught.entries) == len(knowledge.entries)
    assert knowledge.get("intro").questions == taught.get("intro").questions[:-1]  # the original is unchanged
