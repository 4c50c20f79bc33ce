"""Importing a role page: every part becomes an entry, bad pages are named by line, and re-imports merge."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from test_knowledge import page_units  # the very coverage check that guards knowledge/

from bot.core import importer
from bot.core.importer import PageLayoutError, command_import
from bot.core.knowledge import ID_PATTERN, load_knowledge
from bot.errors import KnowledgeError

DATA = Path(__file__).resolve().parents[1] / "data"
BUNDLED_PAGE = DATA / "cloud-technical-lead.txt"
SECOND_PAGE = DATA / "importer-data-engineer.txt"
BUNDLED_KNOWLEDGE = Path(__file__).resolve().parents[2] / "knowledge" / "cloud-technical-lead.yaml"
ID_PREFIX_WORDS = {"intro", "glance", "duty", "overview", "outlook", "cover", "letter", "faq"}


def squash(text: str) -> str:
    return " ".join(text.split())


def corpus_of(folder_or_file: Path, role: str) -> str:
    knowledge = load_knowledge(folder_or_file)
    return squash(" ".join(f"{e.title} {e.text}" for e in knowledge.entries if e.role == role))


def units_of(page: Path) -> list[str]:
    """Every content line of a page in the layout (page_units for any role): not the header, headings or footer."""
    lines = [line.strip() for line in page.read_text(encoding="utf-8").splitlines()]
    filled = [line for line in lines if line]
    headings = {"Role at a glance", "Duties and responsibilities", "Overview", "Qualifications", "Career outlook"}
    headings |= {"Sample cover letter", "Frequently asked questions"}
    units = []
    for line in filled[4:]:
        if line in headings or line.startswith("See all ") or (line.endswith(":") and not line.startswith("•")):
            continue
        units.append(squash(line.lstrip("•")))
    return units


def line_of(text: str, wanted: str) -> int:
    """The 1-based number of the first line that is `wanted` once stripped."""
    return next(number for number, line in enumerate(text.splitlines(), 1) if line.strip() == wanted)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    path = tmp_path / "knowledge"
    path.mkdir()
    return path


def test_bundled_page_becomes_a_knowledge_file_that_reaches_every_part(folder: Path) -> None:
    report = command_import(BUNDLED_PAGE, None, folder)

    target = folder / "cloud-technical-lead.yaml"
    assert report.path == target and report.created and report.written
    knowledge = load_knowledge(target)
    assert knowledge.roles == ("Cloud Technical Lead",)
    corpus = corpus_of(target, "Cloud Technical Lead")
    units = page_units()
    assert len(units) > 60
    assert [unit for unit in units if unit not in corpus] == []
    assert len(knowledge.entries) == report.entries == len(report.added) == 52
    assert knowledge.sections == (
        "Introduction",
        "Role at a glance",
        "Duties and responsibilities",
        "Overview",
        "Qualifications: Education",
        "Qualifications: Certifications",
        "Qualifications: Technical skills",
        "Qualifications: Leadership skills",
        "Qualifications: Experience benchmarks",
        "Career outlook",
        "Sample cover letter",
        "Frequently asked questions",
    )
    faq = [entry for entry in knowledge.entries if entry.section == "Frequently asked questions"]
    assert [entry.title for entry in faq][:2] == [
        "Is a Cloud Technical Lead a manager or an engineer?",
        "How much of the Cloud Technical Lead's time is spent on hands-on engineering?",
    ]
    assert faq[0].text.startswith("Both, in practice.")
    assert knowledge.get("intro").title == "What a Cloud Technical Lead is"
    assert knowledge.get("duty-own-team-on-call-rotation-health").title == "Own team on-call rotation health"
    assert knowledge.get("technical-skills-kubernetes").text.startswith("Kubernetes: cluster administration")


def test_imported_ids_are_unique_readable_whole_words_and_at_most_60_characters(folder: Path) -> None:
    command_import(BUNDLED_PAGE, None, folder)
    command_import(SECOND_PAGE, None, folder)

    knowledge = load_knowledge(folder)
    ids = [entry.id for entry in knowledge.entries]
    assert len(ids) == len(set(ids)) == 52 + 25
    for entry in knowledge.entries:
        assert ID_PATTERN.match(entry.id) and len(entry.id) <= 60, entry.id
        words = set(re.findall(r"[a-z0-9]+", f"{entry.title} {entry.section} {entry.role}".casefold().replace("'", "")))
        cut = [word for word in entry.id.split("-") if word not in words | ID_PREFIX_WORDS]
        assert cut == [], f"{entry.id}: not whole words of its title ({entry.title!r})"
    long_question = knowledge.get("faq-much-cloud-technical-leads-time-spent-hands-on")
    assert long_question is not None and long_question.section == "Frequently asked questions"


def test_imported_file_passes_faqbot_knowledge_check(folder: Path) -> None:
    command_import(BUNDLED_PAGE, None, folder)
    result = subprocess.run(
        [sys.executable, "-m", "bot", "knowledge", "check", "--knowledge", str(folder)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("OK: 52 entries in 1 file(s)")


def test_second_role_lands_beside_the_first_without_clashing_ids(folder: Path) -> None:
    command_import(BUNDLED_PAGE, None, folder)

    report = command_import(SECOND_PAGE, None, folder)

    assert report.path == folder / "data-engineer.yaml" and report.role == "Data Engineer"
    knowledge = load_knowledge(folder)  # both files together: ids unique across roles
    assert knowledge.roles == ("Cloud Technical Lead", "Data Engineer")
    assert [unit for unit in units_of(SECOND_PAGE) if unit not in corpus_of(folder, "Data Engineer")] == []
    engineer = {entry.id: entry for entry in knowledge.entries if entry.role == "Data Engineer"}
    assert len(engineer) == 25
    # "intro" and "cover-letter" belong to the Cloud Technical Lead file, so this role's take its name.
    assert {"data-engineer-intro", "data-engineer-cover-letter"} <= set(engineer)
    assert engineer["faq-data-engineers-need-know-streaming-tools-like-kafka"].title == (
        "Do Data Engineers need to know streaming tools like Kafka?"
    )
    assert engineer["technical-skills-sql"].section == "Qualifications: Technical skills"
    assert engineer["data-engineer-cover-letter"].text.count("\n\n") == 3  # its four paragraphs kept


def test_out_names_the_file_and_a_second_file_for_the_same_role_is_refused(folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "preview.yaml"
    report = command_import(SECOND_PAGE, out, folder)
    assert report.path == out and out.is_file() and list(folder.iterdir()) == []

    command_import(SECOND_PAGE, None, folder)
    with pytest.raises(KnowledgeError, match=r"data-engineer\.yaml: already holds the role 'Data Engineer'"):
        command_import(SECOND_PAGE, folder / "engineers.yaml", folder)
    assert sorted(path.name for path in folder.iterdir()) == ["data-engineer.yaml"]


def test_reimporting_the_bundled_page_into_the_hand_written_knowledge_changes_nothing(folder: Path) -> None:
    shutil.copy(BUNDLED_KNOWLEDGE, folder)
    before = (folder / BUNDLED_KNOWLEDGE.name).read_bytes()

    report = command_import(BUNDLED_PAGE, None, folder)

    assert not report.created and not report.written
    assert len(report.unchanged) == 52 and not (report.updated or report.added or report.missing)
    assert report.lines() == (
        f"{folder / BUNDLED_KNOWLEDGE.name} is up to date with cloud-technical-lead.txt: 52 entries, "
        "file not rewritten",
    )
    assert (folder / BUNDLED_KNOWLEDGE.name).read_bytes() == before


def edit(text: str, old: str, new: str) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


def malformed(change: str) -> tuple[str, str, str]:
    """A broken copy of the second page, the line the error must name, and what it must say was expected."""
    page = SECOND_PAGE.read_text(encoding="utf-8")
    if change == "missing-section":
        start, end = page.index("Overview\n"), page.index("Qualifications\n")
        text = page[:start] + page[end:]
        return text, str(line_of(text, "Qualifications")), "expected section 'Overview' before 'Qualifications'"
    if change == "out-of-order":
        duties = page[page.index("Duties and responsibilities\n") : page.index("Overview\n")]
        overview = page[page.index("Overview\n") : page.index("Qualifications\n")]
        text = page.replace(duties + overview, overview + duties)
        return (
            text,
            str(line_of(text, "Overview")),
            "expected section 'Duties and responsibilities' here, found 'Overview'",
        )
    if change == "empty-faq-answer":
        question = "Do Data Engineers need to know streaming tools like Kafka?"
        answer = page.splitlines()[line_of(page, question)]
        text = edit(page, answer + "\n", "")
        return text, str(line_of(text, question)), "expected the answer on the line after the question"
    if change == "faq-answer-after-blank-line":
        question = "How do Data Engineers move into senior roles?"
        text = edit(page, question + "\n", question + "\n\n")
        return text, str(line_of(text, question)), "expected the answer on the line after the question"
    if change == "glance-value-missing":
        text = edit(page, "Typical experience\n3-6 years\n", "Typical experience\n")
        return text, str(line_of(text, "Typical experience") + 1), "expected the value of 'Typical experience'"
    if change == "duty-without-bullet":
        line = "Write data quality tests and alerts for freshness, volume and schema drift"
        text = edit(page, "  • " + line, line)
        return text, str(line_of(text, line)), "expected a '•' item under 'Duties and responsibilities'"
    if change == "empty-sub-list":
        text = edit(
            page, "  • 3–6 years in data or backend engineering, including at least one warehouse migration\n", ""
        )
        return text, str(line_of(text, "Experience benchmarks:")), "expected '•' items under 'Experience benchmarks:'"
    if change == "no-last-updated":
        text = edit(page, "Last updated\n", "")
        first_paragraph = next(line for line in text.splitlines() if line.startswith("A Data Engineer builds"))
        return text, str(line_of(text, first_paragraph)), "expected 'Last updated' after the site name"
    if change == "section-twice":
        text = edit(page, "Career outlook\n", "Overview\n\nMore.\n\nCareer outlook\n")
        second = [n for n, line in enumerate(text.splitlines(), 1) if line == "Overview"][1]
        return text, str(second), "expected each section once, found 'Overview' again"
    if change == "page-ends-early":
        text = page[: page.index("Frequently asked questions\n")]
        return text, str(len(text.splitlines())), "expected section 'Frequently asked questions' after 'Sample cover"
    raise AssertionError(change)


@pytest.mark.parametrize(
    "change",
    [
        "missing-section",
        "out-of-order",
        "empty-faq-answer",
        "faq-answer-after-blank-line",
        "glance-value-missing",
        "duty-without-bullet",
        "empty-sub-list",
        "no-last-updated",
        "section-twice",
        "page-ends-early",
    ],
)
def test_a_page_off_the_layout_is_refused_naming_the_line_and_nothing_is_written(
    folder: Path, tmp_path: Path, change: str
) -> None:
    text, line, expected = malformed(change)
    page = tmp_path / "bad-page.txt"
    page.write_text(text, encoding="utf-8")

    with pytest.raises(PageLayoutError) as caught:
        command_import(page, None, folder)

    assert str(caught.value).startswith(f"{page}:{line}: {expected}"), str(caught.value)
    assert caught.value.line == int(line)
    assert "\n" not in str(caught.value)
    assert list(folder.iterdir()) == []


@pytest.mark.parametrize("character", ["\x1b", "\x00", "\x7f", "\x9b"])
def test_a_control_character_in_the_page_is_refused_at_its_line(
    folder: Path, tmp_path: Path, character: str, caplog: pytest.LogCaptureFixture
) -> None:
    text = BUNDLED_PAGE.read_text(encoding="utf-8")
    answer = text.splitlines()[116]  # the first FAQ answer, page line 117
    page = tmp_path / "pasted-from-a-terminal.txt"
    page.write_text(text.replace(answer, answer.replace("Both,", f"Both,{character}[31m")), encoding="utf-8")

    with pytest.raises(PageLayoutError) as caught:
        command_import(page, None, folder)

    code = f"U+{ord(character):04X}"
    assert str(caught.value) == f"{page}:117: a control character ({code}) that a knowledge file cannot hold; remove it"
    assert list(folder.iterdir()) == []
    assert not caplog.records  # refused at the page, not found in a generated file and retried


def test_unicode_line_separators_inside_a_line_are_spaces_not_line_ends(folder: Path, tmp_path: Path) -> None:
    text = BUNDLED_PAGE.read_text(encoding="utf-8")
    spaced = text.replace("team of 4–8 cloud engineers;", "team of 4–8\u2028cloud engineers;\x0c")
    spaced = spaced.replace("Both, in practice. The", "Both, in practice.\u2029The\x85")
    assert spaced != text
    page = tmp_path / "copied-from-the-web.txt"
    page.write_text(spaced, encoding="utf-8")
    command_import(BUNDLED_PAGE, None, folder)
    expected = (folder / "cloud-technical-lead.yaml").read_text(encoding="utf-8")
    (folder / "cloud-technical-lead.yaml").unlink()

    command_import(page, None, folder)

    written = (folder / "cloud-technical-lead.yaml").read_text(encoding="utf-8")
    assert written.replace(page.name, BUNDLED_PAGE.name) == expected


def test_a_bad_page_or_another_role_leaves_an_existing_file_untouched(folder: Path, tmp_path: Path) -> None:
    command_import(BUNDLED_PAGE, None, folder)
    target = folder / "cloud-technical-lead.yaml"
    before = target.read_bytes()
    page = tmp_path / "cloud-technical-lead.txt"
    page.write_text(BUNDLED_PAGE.read_text(encoding="utf-8").replace("Career outlook\n", "Career prospects\n"))

    with pytest.raises(PageLayoutError, match=r":98: expected section 'Career outlook' before 'Sample cover letter'"):
        command_import(page, None, folder)
    with pytest.raises(KnowledgeError, match=r"holds the role 'Cloud Technical Lead', but .* 'Data Engineer' page"):
        command_import(SECOND_PAGE, target, folder)

    assert target.read_bytes() == before
    assert [path.name for path in folder.iterdir()] == [target.name]


KAFKA_FAQ = "faq-data-engineers-need-know-streaming-tools-like-kafka"
COSTS_DUTY = "duty-keep-storage-compute-costs-check-pruning-unused-tables"
QUALITY_DUTY = "duty-write-data-quality-tests-alerts-freshness"
MODEL_DUTY = "duty-model-warehouse-tables-analytics"


def add_to_entry(text: str, entry_id: str, lines: str) -> str:
    """Append YAML lines at the end of one entry of a knowledge file's text."""
    start = text.index(f"  - id: {entry_id}\n")
    end = text.find("\n  - id:", start) + 1 or len(text)
    return text[:end] + lines + text[end:]


def add_editor_work(path: Path) -> None:
    """What editors do by hand after an import: phrasings, a comment, tags, a url and synonyms."""
    text = path.read_text(encoding="utf-8")
    text = add_to_entry(
        text,
        KAFKA_FAQ,
        "    questions:\n"
        "      - do i have to learn kafka\n"
        "      # asked twice in #careers\n"
        '      - "is streaming a must: kafka, kinesis?"\n'
        "    tags: [streaming, kafka]\n",
    )
    text = add_to_entry(text, COSTS_DUTY, "    questions: [who keeps the warehouse bill down]\n")
    text = add_to_entry(
        text,
        QUALITY_DUTY,
        "    questions:\n      - who writes the data tests\n    url: https://example.org/data-quality\n",
    )
    text += "synonyms:\n  # members' words for the page's\n  orchestrator: [airflow, dagster, prefect]\n"
    path.write_text(text, encoding="utf-8")


def newer_page(tmp_path: Path) -> Path:
    """The second page, a version later: one answer and one duty reworded, one duty gone, one duty and one FAQ new."""
    text = SECOND_PAGE.read_text(encoding="utf-8")
    text = edit(text, "widens the range of jobs open to you", "widens the range of jobs you can apply for")
    text = edit(
        text, "alerts for freshness, volume and schema drift", "alerts for freshness, volume, nulls and schema drift"
    )
    text = edit(
        text,
        "  • Model warehouse tables for analytics: star schemas, slowly changing dimensions, partitioning and "
        "clustering choices\n",
        "",
    )
    text = edit(
        text,
        "  • Keep storage",
        "  • Document every table's owner and meaning in the data catalog\n  • Keep storage",
    )
    text = edit(
        text,
        "See all Information Technology jobs →",
        "Is Data Engineer a remote-friendly job?\nOften: most of the work happens in code and cloud consoles, "
        "so many teams hire remotely.\nSee all Information Technology jobs →",
    )
    page = tmp_path / "importer-data-engineer.txt"
    page.write_text(text, encoding="utf-8")
    return page


@pytest.mark.parametrize("layout", ["as-imported", "re-dumped"])
def test_reimporting_a_newer_page_merges_and_keeps_the_editors_work(folder: Path, tmp_path: Path, layout: str) -> None:
    command_import(SECOND_PAGE, None, folder)
    target = folder / "data-engineer.yaml"
    add_editor_work(target)
    if layout == "re-dumped":  # an editor's tool rewrote the file in PyYAML's own layout
        target.write_text(yaml.safe_dump(yaml.safe_load(target.read_text()), sort_keys=False, allow_unicode=True))
    before = load_knowledge(target)
    page = newer_page(tmp_path)

    report = command_import(page, None, folder)

    assert report.written and not report.created
    assert [change.id for change in report.updated] == [QUALITY_DUTY, KAFKA_FAQ]
    assert [change.what for change in report.updated] == ["text", "text"]
    assert [change.title for change in report.added] == [
        "Document every table's owner and meaning in the data catalog",
        "Is Data Engineer a remote-friendly job?",
    ]
    assert [change.id for change in report.missing] == [MODEL_DUTY]
    assert len(report.unchanged) == 25 - 3

    after = load_knowledge(target)
    assert [unit for unit in units_of(page) if unit not in corpus_of(target, "Data Engineer")] == []
    kafka = after.get(KAFKA_FAQ)
    assert "the range of jobs you can apply for" in kafka.text
    assert kafka.questions == ("do i have to learn kafka", "is streaming a must: kafka, kinesis?")
    assert kafka.tags == ("streaming", "kafka")
    quality = after.get(QUALITY_DUTY)
    assert quality.text.endswith("freshness, volume, nulls and schema drift")
    assert quality.title == "Write data quality tests and alerts for freshness"
    assert quality.questions == ("who writes the data tests",) and quality.url == "https://example.org/data-quality"
    assert after.get(COSTS_DUTY).questions == ("who keeps the warehouse bill down",)
    kept = after.get(MODEL_DUTY)  # gone from the page, kept in the file and reported, not deleted silently
    assert kept == before.get(MODEL_DUTY)
    assert after.synonyms == {"orchestrator": ("airflow", "dagster", "prefect")}
    unchanged = [entry for entry in before.entries if entry.id not in {KAFKA_FAQ, QUALITY_DUTY, MODEL_DUTY}]
    assert all(after.get(entry.id) == entry for entry in unchanged)
    order = [entry.id for entry in after.entries]
    assert order.index(MODEL_DUTY) == order.index("duty-build-batch-streaming-pipelines-ingest-data-databases") + 1
    assert report.lines()[0] == (
        f"Merged Data Engineer from importer-data-engineer.txt into {target}: 22 unchanged, 2 updated, 2 added, "
        "1 no longer on the page (kept)"
    )
    assert (
        f"  missing  {MODEL_DUTY}  Model warehouse tables for analytics: not on the page any more, kept; "
        "delete it by hand if it should go" in report.lines()
    )
    if layout == "as-imported":  # the editors' own text survives byte for byte where the page did not change
        written = target.read_text(encoding="utf-8")
        assert "      # asked twice in #careers\n" in written
        assert "  # members' words for the page's\n" in written
        assert "    questions: [who keeps the warehouse bill down]\n" in written

    again = command_import(page, None, folder)
    assert not again.written and len(again.unchanged) == 26 and [c.id for c in again.missing] == [MODEL_DUTY]


def test_a_reworded_duty_in_the_hand_written_knowledge_changes_only_its_text_lines(
    folder: Path, tmp_path: Path
) -> None:
    shutil.copy(BUNDLED_KNOWLEDGE, folder)
    target = folder / BUNDLED_KNOWLEDGE.name
    before = target.read_text(encoding="utf-8")
    old_questions = load_knowledge(target).get("duty-lead-team").questions
    page = tmp_path / "cloud-technical-lead.txt"
    page.write_text(edit(BUNDLED_PAGE.read_text(encoding="utf-8"), "team of 4–8 cloud", "team of 5–9 cloud"))

    report = command_import(page, None, folder)

    assert [(change.id, change.title, change.what) for change in report.updated] == [
        ("duty-lead-team", "Leading the engineering team", "text")  # the editors' title stays
    ]
    assert not report.added and not report.missing and len(report.unchanged) == 51
    entry = load_knowledge(target).get("duty-lead-team")
    assert entry.text.startswith("Lead a team of 5–9 cloud engineers;") and entry.questions == old_questions
    after = target.read_text(encoding="utf-8")
    removed = [line for line in before.splitlines() if line not in after.splitlines()]
    assert removed and all(line.startswith("      ") and not line.lstrip().startswith("- ") for line in removed)
    assert len(after.splitlines()) - len(before.splitlines()) in (-1, 0, 1)


def test_a_file_that_would_not_read_back_is_never_put_in_place(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    command_import(SECOND_PAGE, None, folder)
    target = folder / "data-engineer.yaml"
    before = target.read_bytes()
    monkeypatch.setattr(importer, "_read_back_problem", lambda *args: "entry intro: text reads back differently")

    with pytest.raises(KnowledgeError, match=r"data-engineer\.yaml: the imported file did not read back as written"):
        command_import(newer_page(folder.parent), None, folder)

    assert target.read_bytes() == before
    assert [path.name for path in folder.iterdir()] == ["data-engineer.yaml"]  # no temporary file left behind
