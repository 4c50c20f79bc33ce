"""Turn a gap into knowledge: a ready-to-paste YAML entry built from a queued question and its group."""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.core.gate import SUGGEST_SHARE, ConfidenceGate, Hit
from bot.core.grouping import QuestionGroup
from bot.core.importer import MAX_ID, _write_checked, fit_id, slug
from bot.core.knowledge import Entry, KnowledgeBase, knowledge_files, load_knowledge
from bot.core.roles import RoleSearch
from bot.errors import KnowledgeError
from bot.folding import question_key, visible_words
from bot.store import Learned

PROMOTED_SECTION = "Frequently asked questions"


def entry_id_for(question: str, knowledge: KnowledgeBase) -> str:
    """A readable id from the question's words, unique in the knowledge base (faq-how-do-i-negotiate-salary).

    The importer's slug rule (ASCII words, hyphens, at most MAX_ID characters, never cut inside a word) keeps the
    ids of both paths alike; a number is added when the id is taken.
    """
    base = fit_id("faq", slug(question) or "question")
    candidate, number = base, 2
    while knowledge.get(candidate) is not None:
        suffix = f"-{number}"
        candidate, number = fit_id(base, limit=MAX_ID - len(suffix)) + suffix, number + 1
    return candidate


def plausible_entry(search: RoleSearch, gate: ConfidenceGate) -> Hit | None:
    """The closest existing entry of the roles searched, only when the bot itself would offer it as a "did you mean"."""
    surest = max(search.results, key=lambda results: results.confidence or 0.0, default=None)
    if surest is None or surest.best is None or (surest.confidence or 0.0) < SUGGEST_SHARE * gate.min_confidence:
        return None
    return surest.best


def promoted_entry(group: QuestionGroup, knowledge: KnowledgeBase, text: str = "") -> dict[str, object]:
    """The new entry for a group: its title is the question, its `questions:` the group's other phrasings.

    Only their visible words go into the file: a bidirectional override or a line separator pasted into a question
    would otherwise be written into the knowledge (and shown escaped, as literal text, in the printed YAML).
    """
    title = visible_words(group.representative.text)
    return {
        "id": entry_id_for(title, knowledge),
        "title": title[:1].upper() + title[1:],
        "section": PROMOTED_SECTION,
        "text": text,
        "questions": [visible_words(q.text) for q in group.others] or [title.casefold()],
    }


def already_there(entry: dict[str, object], knowledge: KnowledgeBase) -> Entry | None:
    """The existing entry whose title or a `questions:` phrasing is the new entry's question (promoted twice, say)."""
    wanted = question_key(str(entry["title"]))
    return next(
        (
            existing
            for existing in knowledge.entries
            if wanted in {question_key(existing.title), *(question_key(q) for q in existing.questions)}
        ),
        None,
    )


def entry_lines(entry: dict[str, object], indent: str = "  ") -> list[str]:
    """One entry as the lines of a YAML list item, indented as a knowledge file's `entries:` items are."""
    body = yaml.safe_dump([entry], sort_keys=False, allow_unicode=True, width=100)
    return [indent + line for line in body.splitlines()]


def promotion_yaml(group: QuestionGroup, knowledge: KnowledgeBase, closest: Hit | None = None) -> str:
    """YAML for a new entry built from a queued question and its group; every other line is a comment.

    The whole text parses as YAML (a list of one entry), so it can be pasted under `entries:` as it is. Its text
    is left empty on purpose: the loader rejects an empty text, so the entry cannot go live until an editor writes
    the answer. `closest`, an existing entry plausible enough to offer, is given as the alternative, in comments.
    """
    question = group.representative
    lines = [
        f"# From unanswered question #{question.id} (asked {group.total_count} time(s)).",
        "# Write the answer in `text:`, paste under `entries:` in a knowledge file, then /knowledge reload",
        "# (or: faqbot unanswered promote ID --write FILE --text ANSWER).",
        *entry_lines(promoted_entry(group, knowledge)),
    ]
    if closest is not None:
        lines += [
            "",
            f"# Or, if entry {closest.entry.id} already answers it (score {closest.score:.2f}), add these under its",
            "# questions (or resolve the question to it: faqbot unanswered resolve ID ENTRY):",
            *(
                f"#       - {yaml.safe_dump(q.text, allow_unicode=True, width=10**6).splitlines()[0]}"
                for q in group.members
            ),
        ]
    return "\n".join(lines) + "\n"


def loaded_by_bot(target: Path, knowledge_path: Path) -> bool:
    """Whether the bot loads `target` with its knowledge: the knowledge file itself, or a YAML file in its folder."""
    if not knowledge_path.is_dir():
        return target.resolve() == knowledge_path.resolve()
    return target.suffix in {".yaml", ".yml"} and target.resolve().parent == knowledge_path.resolve()


def append_entry(target: Path, entry: dict[str, object], knowledge_path: Path) -> bool:
    """Append an entry to a knowledge file's `entries:`, atomically, only if the knowledge still loads with it.

    The entry is written as the file's own items are (their indent, its line endings), after its last item as YAML
    reads it. The result is checked as the bot would load it: the whole knowledge folder when the file is in it, else
    the file alone; the new entry must be in it as an entry of its own, and the rest of the file must read as
    before. On any problem the file is left byte for byte as it was and KnowledgeError says why in one line.
    Returns whether the bot loads that file (`loaded_by_bot`): a file elsewhere only holds the entry for later.
    """
    try:
        old = target.read_bytes().decode("utf-8")  # bytes, not read_text: its line endings stay as they are
    except FileNotFoundError:
        raise KnowledgeError(f"{target}: no such knowledge file (--write appends to an existing one)") from None
    except UnicodeDecodeError:
        raise KnowledgeError(f"{target}: cannot read it: not UTF-8 text") from None
    except OSError as error:
        raise KnowledgeError(f"{target}: cannot read it: {error.strerror or error}") from None
    newline = "\r\n" if "\r\n" in old else "\r" if "\r" in old and "\n" not in old else "\n"
    layout = _entries_layout(old, target)
    block = newline.join(entry_lines(entry, layout.indent)) + newline
    entry_id = str(entry["id"])
    problem: str | None = None
    for insert_at in layout.places:
        if insert_at is None:
            text = _ended(old, newline) + (f"entries:{newline}" if layout.add_key else "") + block
        else:
            lines = old.splitlines(keepends=True)
            text = _ended("".join(lines[:insert_at]), newline) + block + "".join(lines[insert_at:])
        problem = _write_checked(
            target, text, lambda written: _written_problem(written, old, target, knowledge_path, entry_id)
        )
        if problem is None:
            return loaded_by_bot(target, knowledge_path)
    as_it_is = _as_loaded(target, target, knowledge_path)
    if isinstance(as_it_is, str):  # broken before the entry was added: that is what to fix
        raise KnowledgeError(f"{as_it_is}; fix that first: {target} was left unchanged")
    raise KnowledgeError(f"{problem}; {target} was left unchanged")


@dataclass(frozen=True)
class _Layout:
    """Where --write may put an entry, best first: before line `places[i]`, indented as the file's items are.

    A place None: at the end of the file, after a new `entries:` key when `add_key`.
    """

    indent: str
    places: tuple[int | None, ...] = (None,)
    add_key: bool = False


def _entries_layout(old: str, target: Path) -> _Layout:
    """Where the file's `entries:` list ends, as YAML reads it; refuses a file --write cannot extend.

    A file that does not parse is left to the load check, which names its line.
    """
    text = old.removeprefix("\ufeff")  # a byte order mark starts no key
    try:
        root = yaml.compose(text)
    except yaml.YAMLError:
        return _Layout("  ")
    if not isinstance(root, yaml.MappingNode):
        return _Layout("  ")
    keys = {key.value: (key, value) for key, value in root.value if isinstance(key, yaml.ScalarNode)}
    if "entries" not in keys and "role" in keys:
        return _Layout("  ", add_key=True)
    if "entries" not in keys and "synonyms" in keys:
        raise KnowledgeError(
            f"{target}: holds only synonyms, which every role shares; --write adds an entry to a role's file "
            "(one with `role:` and `entries:`)"
        )
    if "entries" not in keys:
        return _Layout("  ")
    key, entries = keys["entries"]
    if isinstance(entries, yaml.SequenceNode) and entries.flow_style:
        raise KnowledgeError(
            f"{target}:{entries.start_mark.line + 1}: its entries are one flow-style list ([...]); --write appends "
            "to a block list (one `- id:` item per entry), so add this entry by hand"
        )
    if isinstance(entries, yaml.ScalarNode) and entries.tag == "tag:yaml.org,2002:null" and not entries.value:
        return _Layout("  ", places=(key.end_mark.line + 1,))  # `entries:` with nothing yet: the line after it
    if not isinstance(entries, yaml.SequenceNode) or not entries.value:
        return _Layout("  ")  # the load check says what is wrong with it
    last = entries.value[-1]
    lines = old.splitlines(keepends=True)
    mark = last.end_mark
    # The first line after the last item: its end's own line when only indentation comes before the end there.
    end = mark.line + (1 if lines[mark.line : mark.line + 1] and lines[mark.line][: mark.column].strip() else 0)
    neat = end
    while neat > last.start_mark.line + 1 and (not lines[neat - 1].strip() or lines[neat - 1].lstrip()[:1] == "#"):
        neat -= 1  # blank lines and comments before the next key belong to it, unless the last item reads them
    places = (neat, end) if neat != end else (end,)
    return _Layout(" " * _dash_column(text, entries.value[0].start_mark.index), places=places)


def _dash_column(text: str, item: int) -> int:
    """The column of the dash that starts the list item at index `item` of `text` (on its line or one before it)."""
    dash = len(text[:item].rstrip())  # past the spaces and line ends between the dash and the item
    if dash == 0 or text[dash - 1] != "-":
        return 2
    line_start = max(text.rfind("\n", 0, dash - 1), text.rfind("\r", 0, dash - 1)) + 1
    return dash - 1 - line_start


def _ended(text: str, newline: str) -> str:
    """The text with a line end at its end (an empty text stays empty)."""
    return text if not text or text.endswith(("\n", "\r")) else text + newline


def _as_loaded(file: Path, target: Path, knowledge_path: Path) -> KnowledgeBase | str:
    """The knowledge as the bot would load it with `file` in place of `target`, or why it would not load.

    The whole knowledge folder when `target` is in it, else `target` alone; a problem names `target`'s own path.
    """
    folder = knowledge_path if knowledge_path.is_dir() else knowledge_path.parent
    inside = knowledge_path.is_dir() and loaded_by_bot(target, knowledge_path)
    with tempfile.TemporaryDirectory(prefix="faqbot-check-") as scratch:
        copy = Path(scratch) / target.name
        shutil.copyfile(file, copy)
        if inside:
            for other in knowledge_files(knowledge_path):
                if other.resolve() != target.resolve():
                    shutil.copyfile(other, Path(scratch) / other.name)
        try:
            return load_knowledge(Path(scratch) if inside else copy)
        except KnowledgeError as error:
            message = str(error).replace(str(copy), str(target))
            return message.replace(scratch, str(folder)).splitlines()[0]


def _written_problem(written: Path, old: str, target: Path, knowledge_path: Path, entry_id: str) -> str | None:
    """Why `written` must not replace `target`, whose text is `old` (None: it may).

    Loading is not enough: the file must read as YAML as it did with one more item at the end of `entries:`, the
    new entry `entry_id` (a comment-like line of a text, say, must stay in that text), and the bot must read that
    item as an entry of its own.
    """
    after = _as_loaded(written, target, knowledge_path)
    if isinstance(after, str):
        at_line = re.match(rf"{re.escape(str(target))}:(\d+): ", after)  # a line of the text it would have
        if at_line:
            return f"{target} with the entry added, at its line {at_line[1]}: {after[at_line.end() :]}"
        return after.replace(f"{target}: ", f"{target} with the entry added: ", 1)
    if after.get(entry_id) is None:
        return f"{target}: the new entry {entry_id} would not be read as an entry of its own there"
    if not _one_entry_more(old, written.read_text(encoding="utf-8"), entry_id):
        return f"{target}: the new entry {entry_id} would change how the rest of the file reads there"
    return None


def _one_entry_more(old: str, new: str, entry_id: str) -> bool:
    """Whether YAML reads `new` as `old` with one more item, with id `entry_id`, at the end of its `entries:`."""
    try:
        before, after = yaml.safe_load(old.removeprefix("\ufeff")), yaml.safe_load(new.removeprefix("\ufeff"))
    except yaml.YAMLError:
        return False
    if not isinstance(after, dict) or not isinstance(after.get("entries"), list) or not after["entries"]:
        return False
    added = after["entries"][-1]
    earlier = (before or {}).get("entries") if isinstance(before or {}, dict) else None
    return (
        isinstance(added, dict)
        and added.get("id") == entry_id
        and after == {**(before or {}), "entries": [*(earlier or []), added]}
    )


def learned_yaml(learned: Sequence[Learned]) -> str:
    """Learned phrasings as YAML, `questions:` per entry id (in the order taught), for the knowledge files.

    Phrasings exported into the files apply everywhere, also those one server taught; the header says so.
    """
    entries: dict[str, list[str]] = {}
    for item in learned:
        questions = entries.setdefault(item.entry_id, [])
        text = visible_words(item.text)  # a member's terminal codes and bidi overrides never reach a knowledge file
        if text and text not in questions:
            questions.append(text)
    header = [
        f"# {len(learned)} learned phrasing(s) of {len(entries)} entry(ies). Add each entry's questions to its",
        "# `questions:` in the knowledge files (they then apply in every server), then remove them with",
        "# `faqbot knowledge learned remove ID`.",
    ]
    if not entries:
        return "\n".join([*header, "{}"]) + "\n"
    body = yaml.safe_dump(
        {entry_id: {"questions": questions} for entry_id, questions in entries.items()},
        sort_keys=False,
        allow_unicode=True,
        width=100,
    )
    return "\n".join(header) + "\n" + body
