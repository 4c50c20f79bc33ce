"""Turn a role page in the site's fixed layout into a knowledge file, and merge a newer page into an existing one."""

from __future__ import annotations

import difflib
import logging
import os
import re
import tempfile
import textwrap
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.core.knowledge import Entry, file_entries, knowledge_files, load_knowledge, parse_yaml
from bot.errors import KnowledgeError

log = logging.getLogger(__name__)

# The page's sections after the introduction, in the order the site prints them.
SECTIONS = (
    "Role at a glance",
    "Duties and responsibilities",
    "Overview",
    "Qualifications",
    "Career outlook",
    "Sample cover letter",
    "Frequently asked questions",
)
INTRODUCTION = "Introduction"
FAQ_SECTION = "Frequently asked questions"
LAST_UPDATED = "Last updated"
# The labels the site prints under "Role at a glance"; a page may carry others, but these are never values.
GLANCE_LABELS = frozenset(
    label.casefold()
    for label in (
        "Typical education",
        "Typical experience",
        "Key certifications",
        "Top employer types",
        "Growth outlook",
        "AI impact (through 2030)",
    )
)
BULLETS = ("•", "·", "-", "*")
# A page's lines end at \n, \r\n or \r only: Python's splitlines() also splits at form feeds, U+0085 and the Unicode
# line and paragraph separators, which a page copied from the web carries inside its lines.
PAGE_LINE_END = re.compile(r"\r\n|\r|\n")
# Inside a line those, and a vertical tab, are layout: read as a space.
LAYOUT_SPACE = re.compile("[\v\f\x85\u2028\u2029]")
# What a knowledge file (YAML) cannot hold: control characters other than the tab, and the two non-characters.
NOT_TEXT = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f\ufffe\uffff]")
MAX_ID = 60
MAX_TITLE = 80
SHORT_TITLE = 64
# A changed part is matched to its old entry when their words agree this much (difflib ratio, same section).
SIMILAR_TEXT = 0.6
# Words left out of ids: "Lead a team of 4–8 cloud engineers" is duty-lead-team-4-8-cloud-engineers.
ID_STOP_WORDS = frozenset(
    {"a", "an", "the", "of", "and", "or", "to", "in", "on", "at", "by", "for", "from", "with", "is", "are", "be"}
    | {"its", "their", "this", "that"}
)
QUESTION_WORDS = frozenset(
    {"what", "how", "why", "when", "where", "which", "who", "whom", "whose", "do", "does", "did", "can", "could"}
    | {"should"}
)
# The keys of an entry that belong to the editors (the page owns id, title, section and text).
EDITOR_KEYS = ("questions", "tags", "url")


class PageLayoutError(KnowledgeError):
    """The page departs from the site's layout; the message names the 1-based line and what was expected."""

    def __init__(self, source: str, line: int, problem: str) -> None:
        super().__init__(f"{source}:{line}: {problem}")
        self.line = line


@dataclass(frozen=True)
class PagePart:
    """One part of a role page (a paragraph, glance item, bullet, the letter, a FAQ): one knowledge entry."""

    id: str
    section: str
    title: str
    text: str
    kind: str
    line: int


@dataclass(frozen=True)
class RolePage:
    """A parsed role page: the role named by its title and its parts in page order."""

    role: str
    parts: tuple[PagePart, ...]


@dataclass(frozen=True)
class EntryChange:
    """An entry the import added, updated or found missing from the page, as the report names it."""

    id: str
    title: str
    section: str
    what: str = ""


@dataclass(frozen=True)
class ImportReport:
    """What an import did to the knowledge file, for the CLI to print line by line."""

    role: str
    path: Path
    page: Path
    created: bool
    written: bool
    entries: int
    unchanged: tuple[str, ...] = ()
    updated: tuple[EntryChange, ...] = ()
    added: tuple[EntryChange, ...] = ()
    missing: tuple[EntryChange, ...] = ()

    def lines(self) -> tuple[str, ...]:
        """The lines `faqbot knowledge import` prints: a summary, then one line per added/updated/missing entry."""
        if self.created:
            return (
                f"Imported {self.role}: {self.entries} entries from {self.page.name} written to {self.path}",
                "No entry has questions: yet; phrasings editors add there are kept by a re-import.",
            )
        if not self.written:
            return (f"{self.path} is up to date with {self.page.name}: {self.entries} entries, file not rewritten",)
        lines = [
            f"Merged {self.role} from {self.page.name} into {self.path}: {len(self.unchanged)} unchanged, "
            f"{len(self.updated)} updated, {len(self.added)} added, {len(self.missing)} no longer on the page (kept)"
        ]
        lines += [f"  updated  {c.id}  {c.title} ({c.what})" for c in self.updated]
        lines += [f"  added    {c.id}  {c.title}" for c in self.added]
        lines += [
            f"  missing  {c.id}  {c.title}: not on the page any more, kept; delete it by hand if it should go"
            for c in self.missing
        ]
        return tuple(lines)


# ---------------------------------------------------------------------------------------------------------------
# Page parsing


def squash(text: str) -> str:
    """Collapse runs of whitespace to single spaces, as the page's text is compared and stored."""
    return " ".join(text.split())


def slug(text: str, *, drop: frozenset[str] = frozenset()) -> str:
    """Lowercase ASCII words joined by hyphens (apostrophes vanish, accents fold), minus the words in `drop`."""
    words = []
    for word in re.sub(r"['’]", "", text).casefold().split():
        decomposed = unicodedata.normalize("NFKD", word)
        ascii_word = "".join(
            char if char.isascii() and char.isalnum() else " " for char in decomposed if not unicodedata.combining(char)
        )
        words.append("-".join(ascii_word.split()))
    kept = [word for word in words if word and word not in drop]
    return "-".join(kept or [word for word in words if word])


def fit_id(*parts: str, limit: int = MAX_ID) -> str:
    """Join slug parts into an id of at most `limit` characters, cutting only between words."""
    words = [word for part in parts for word in part.split("-") if word]
    result = ""
    for word in words:
        candidate = f"{result}-{word}" if result else word
        if len(candidate) > limit:
            break
        result = candidate
    return result or words[0][:limit]


def _first_sentence(text: str) -> str:
    match = re.search(r"(?<=[.!?])\s+(?=[A-Z0-9\"'“])", text)
    return text[: match.start()] if match else text


def _clause(text: str, separators: Sequence[str]) -> str | None:
    """The shortest leading clause, ending before one of `separators`, with 3+ words and at most MAX_TITLE chars."""
    cuts = sorted(index for sep in separators for index in _find_all(text, sep))
    for index in cuts:
        head = text[:index].rstrip(" ,;:")
        if len(head.split()) >= 3:
            return head if len(head) <= MAX_TITLE else None
    return None


def _find_all(text: str, sep: str) -> Iterable[int]:
    start = text.find(sep)
    while start > 0:
        yield start
        start = text.find(sep, start + 1)


def make_title(kind: str, text: str, role: str) -> str:
    """A short readable title for a part: the question, the glance label, or a part's leading clause."""
    if kind == "intro":
        article = "an" if role[:1].casefold() in "aeiou" else "a"
        return f"What {article} {role} is"
    if kind == "letter":
        return "Sample cover letter"
    if kind == "glance":
        return text.split(": ", 1)[0]
    head = _first_sentence(text) if kind == "paragraph" else text
    head = head.rstrip(".").strip()
    label, colon, rest = head.partition(": ")
    if colon and len(label.split()) <= 4 and re.search(r"[,;] ", rest):
        return label  # "Kubernetes: cluster administration, RBAC, ...": the label names the item
    if len(head) <= SHORT_TITLE:
        return head
    if colon and len(label.split()) <= 5:
        return label
    if clause := _clause(head, ("; ", ": ", " — ", ", ")):
        return clause
    if len(head) <= MAX_TITLE:
        return head
    if clause := _clause(head, (" and ", " or ", " with ", " for ", " to ")):
        return clause
    return textwrap.shorten(head, MAX_TITLE, placeholder="…")


@dataclass
class _Line:
    number: int
    text: str

    @property
    def bullet(self) -> str | None:
        """The item text if the line is a bullet, else None."""
        for mark in BULLETS:
            if self.text.startswith(mark) and (mark == "•" or self.text[len(mark) : len(mark) + 1] == " "):
                return self.text[len(mark) :].strip()
        return None


class _PageParser:
    """Reads one page, raising PageLayoutError at the first line that departs from the layout."""

    def __init__(self, text: str, source: str) -> None:
        self.source = source
        raw_lines = PAGE_LINE_END.split(text.removesuffix("\n").removesuffix("\r")) if text else []
        self.lines = [_Line(number, LAYOUT_SPACE.sub(" ", raw).strip()) for number, raw in enumerate(raw_lines, 1)]
        for line in self.lines:
            if found := NOT_TEXT.search(line.text):
                raise self.fail(
                    line.number,
                    f"a control character (U+{ord(found.group()):04X}) that a knowledge file cannot hold; remove it",
                )
        self.parts: list[PagePart] = []
        self.ids: set[str] = set()
        self.role = ""

    def fail(self, line: int, problem: str) -> PageLayoutError:
        return PageLayoutError(self.source, max(1, line), problem)

    def parse(self) -> RolePage:
        body_start = self.header()
        headings = self.headings(body_start)
        intro = self.lines[body_start : headings[0][1] - 1]
        self.paragraphs(INTRODUCTION, intro, headings[0][1], first_kind="intro")
        bounds = [line for _, line in headings] + [len(self.lines) + 1]
        for (name, line), end in zip(headings, bounds[1:], strict=True):
            body = self.lines[line : end - 1]
            if name == "Role at a glance":
                self.glance(body, line)
            elif name == "Duties and responsibilities":
                self.bullets(name, "duty", body, line)
            elif name == "Qualifications":
                self.qualifications(body, line)
            elif name == "Sample cover letter":
                self.letter(body, line)
            elif name == FAQ_SECTION:
                self.faq(body, line)
            else:
                self.paragraphs(name, body, line)
        return RolePage(role=self.role, parts=tuple(self.parts))

    def header(self) -> int:
        """Check the site name, category, role title and 'Last updated' lines; return where the introduction starts."""
        filled = [line for line in self.lines if line.text][:4]
        expected = ("the site name", "the category", "the role title", f"'{LAST_UPDATED}'")
        for position, line in enumerate(filled):
            if _heading(line.text):
                raise self.fail(
                    line.number, f"expected {expected[position]} in the page header, found section {line.text!r}"
                )
        if len(filled) < 4:
            last = filled[-1].number + 1 if filled else 1
            raise self.fail(last, f"expected {expected[len(filled)]} in the page header, found the end of the page")
        if not filled[3].text.startswith(LAST_UPDATED):
            raise self.fail(
                filled[3].number,
                f"expected '{LAST_UPDATED}' after the site name, category and role title, found {filled[3].text!r}",
            )
        role = squash(filled[2].text)
        if not re.search(r"[A-Za-z]", role) or len(role) > MAX_TITLE:
            raise self.fail(filled[2].number, f"expected the role title (a short name), found {role!r}")
        self.role = role
        return filled[3].number

    def headings(self, start: int) -> list[tuple[str, int]]:
        """Find the section headings after the header and check that each appears once, in the layout's order."""
        found = [(name, line.number) for line in self.lines[start:] if (name := _heading(line.text))]
        seen: dict[str, int] = {}
        order = "; ".join(SECTIONS)
        for index, (name, number) in enumerate(found):
            if name in seen:
                raise self.fail(
                    number, f"expected each section once, found {name!r} again (first on line {seen[name]})"
                )
            seen[name] = number
            expected = SECTIONS[index]
            if name != expected:
                if any(other == expected for other, _ in found[index:]):
                    raise self.fail(
                        number, f"expected section {expected!r} here, found {name!r} (the order is: {order})"
                    )
                raise self.fail(number, f"expected section {expected!r} before {name!r}; the page has no such heading")
        if len(found) < len(SECTIONS):
            missing = SECTIONS[len(found)]
            after = f"after {found[-1][0]!r}" if found else "after the introduction"
            raise self.fail(len(self.lines), f"expected section {missing!r} {after}, found the end of the page")
        return found

    def add(self, section: str, kind: str, text: str, line: int, prefix: str, title: str | None = None) -> None:
        title = title or make_title(kind, text, self.role)
        if kind == "intro":
            wanted = "intro"
        elif kind == "letter":
            wanted = "cover-letter"
        else:
            drop = ID_STOP_WORDS | QUESTION_WORDS if kind == "faq" else ID_STOP_WORDS
            wanted = fit_id(prefix, slug(title, drop=drop))
        self.parts.append(PagePart(_unique(wanted, self.ids), section, title, text, kind, line))

    def paragraphs(self, section: str, body: list[_Line], heading: int, first_kind: str = "paragraph") -> None:
        """Blank-line separated paragraphs; consecutive lines join into one paragraph."""
        prefix = {INTRODUCTION: "intro", "Overview": "overview", "Career outlook": "outlook"}[section]
        blocks = _blocks(body)
        if not blocks:
            what = "an introduction paragraph" if section == INTRODUCTION else f"paragraphs under {section!r}"
            raise self.fail(heading, f"expected {what}, found none")
        for block in blocks:
            for line in block:
                if line.bullet is not None:
                    raise self.fail(line.number, f"expected a paragraph under {section!r}, found a bullet")
            kind = first_kind if not any(p.section == section for p in self.parts) else "paragraph"
            self.add(section, kind, squash(" ".join(line.text for line in block)), block[0].number, prefix)

    def glance(self, body: list[_Line], heading: int) -> None:
        """Label and value on consecutive lines."""
        section = "Role at a glance"
        filled = [line for line in body if line.text]
        if not filled:
            raise self.fail(heading, f"expected label and value lines under {section!r}, found none")
        index = 0
        while index < len(filled):
            label = filled[index]
            if label.bullet is not None:
                raise self.fail(
                    label.number, f"expected a label (such as 'Typical education') under {section!r}, found a bullet"
                )
            value = filled[index + 1] if index + 1 < len(filled) else None
            if value is None or value.number != label.number + 1:
                raise self.fail(label.number + 1, f"expected the value of {label.text!r} on the line after it")
            if squash(value.text).casefold() in GLANCE_LABELS:
                raise self.fail(value.number, f"expected the value of {label.text!r}, found the label {value.text!r}")
            self.add(section, "glance", f"{squash(label.text)}: {squash(value.text)}", label.number, "glance")
            index += 2

    def bullets(self, section: str, prefix: str, body: list[_Line], heading: int) -> None:
        """A list of bullet items, one entry each."""
        filled = [line for line in body if line.text]
        if not filled:
            raise self.fail(heading, f"expected '•' items under {section!r}, found none")
        for line in filled:
            item = line.bullet
            if item is None:
                raise self.fail(line.number, f"expected a '•' item under {section!r}, found {line.text!r}")
            if not item:
                raise self.fail(line.number, "expected text after the bullet")
            self.add(section, "bullet", squash(item), line.number, prefix)

    def qualifications(self, body: list[_Line], heading: int) -> None:
        """Sub-lists, each a heading ending in ':' followed by '•' items."""
        filled = [line for line in body if line.text]
        if not filled:
            raise self.fail(heading, "expected sub-lists (such as 'Education:') under 'Qualifications', found none")
        groups: list[tuple[_Line, list[_Line]]] = []
        for line in filled:
            if line.bullet is None and line.text.endswith(":"):
                groups.append((line, []))
            elif line.bullet is not None and groups:
                groups[-1][1].append(line)
            elif line.bullet is not None:
                raise self.fail(line.number, "expected a sub-list heading ending in ':' (such as 'Education:') first")
            else:
                raise self.fail(
                    line.number, f"expected a '•' item or a sub-list heading ending in ':', found {line.text!r}"
                )
        for label, items in groups:
            name = squash(label.text[:-1])
            if not items:
                raise self.fail(label.number, f"expected '•' items under {label.text!r}, found none")
            self.bullets(f"Qualifications: {name}", slug(name), items, label.number)

    def letter(self, body: list[_Line], heading: int) -> None:
        """The whole letter as one entry, its paragraphs kept."""
        blocks = _blocks(body)
        if not blocks:
            raise self.fail(heading, "expected the letter under 'Sample cover letter', found nothing")
        text = "\n\n".join("\n".join(squash(line.text) for line in block) for block in blocks)
        self.add("Sample cover letter", "letter", text, blocks[0][0].number, "cover-letter")

    def faq(self, body: list[_Line], heading: int) -> None:
        """Each question on its own line ending in '?', its answer on the next line (more lines join the answer)."""
        filled = [line for line in body if line.text]
        if filled and filled[-1].text.startswith("See all "):
            filled = filled[:-1]  # the site's footer link, not part of the page's content
        if not filled:
            raise self.fail(heading, f"expected questions and answers under {FAQ_SECTION!r}, found none")
        pairs: list[tuple[_Line, list[_Line]]] = []
        for line in filled:
            if line.text.endswith("?"):
                if pairs and not pairs[-1][1]:
                    raise self.fail(pairs[-1][0].number, _no_answer(pairs[-1][0]))
                pairs.append((line, []))
            elif not pairs:
                raise self.fail(line.number, f"expected a question ending in '?', found {line.text!r}")
            elif not pairs[-1][1] and line.number != pairs[-1][0].number + 1:
                raise self.fail(pairs[-1][0].number, _no_answer(pairs[-1][0]))
            else:
                pairs[-1][1].append(line)
        if not pairs[-1][1]:
            raise self.fail(pairs[-1][0].number, _no_answer(pairs[-1][0]))
        for question, answer in pairs:
            text = "\n\n".join(squash(line.text) for line in answer)
            self.add(FAQ_SECTION, "faq", text, question.number, "faq", title=squash(question.text))


def _no_answer(question: _Line) -> str:
    return f"expected the answer on the line after the question {question.text!r}, found none"


def _heading(text: str) -> str | None:
    wanted = squash(text).casefold()
    return next((name for name in SECTIONS if name.casefold() == wanted), None)


def _blocks(body: list[_Line]) -> list[list[_Line]]:
    blocks: list[list[_Line]] = [[]]
    for line in body:
        if line.text:
            blocks[-1].append(line)
        elif blocks[-1]:
            blocks.append([])
    return [block for block in blocks if block]


def _unique(wanted: str, taken: set[str], prefix: str = "") -> str:
    """`wanted`, or with `prefix` before it if taken, or with -2, -3... after it; added to `taken`."""
    candidate = wanted
    if candidate in taken and prefix:
        candidate = fit_id(prefix, wanted)
    number = 2
    base = candidate
    while candidate in taken:
        suffix = f"-{number}"
        candidate = fit_id(base, limit=MAX_ID - len(suffix)) + suffix
        number += 1
    taken.add(candidate)
    return candidate


def parse_page(text: str, source: str = "page") -> RolePage:
    """Parse a role page in the site's layout into its parts; PageLayoutError names the first line that departs."""
    return _PageParser(text.lstrip("\ufeff"), source).parse()


# ---------------------------------------------------------------------------------------------------------------
# The existing file, merging, rendering and writing


@dataclass(frozen=True)
class _Existing:
    """An existing knowledge file: its validated entries, their raw mappings and their verbatim text blocks."""

    role: str
    entries: tuple[Entry, ...]
    raw: tuple[dict[str, Any], ...]
    blocks: tuple[tuple[str, str | None], ...] | None
    synonyms: Mapping[str, tuple[str, ...]]
    synonyms_raw: dict[str, Any] | None
    synonyms_block: str | None
    preamble: str


@dataclass(frozen=True)
class _Out:
    """One entry of the file to write: its page fields, the editors' fields, and its old text when untouched."""

    id: str
    title: str
    section: str
    text: str
    editor: dict[str, Any] = field(default_factory=dict)
    block: str | None = None
    editor_block: str | None = None
    questions: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    url: str | None = None


@dataclass(frozen=True)
class _Merged:
    entries: tuple[_Out, ...]
    unchanged: tuple[str, ...]
    updated: tuple[EntryChange, ...]
    added: tuple[EntryChange, ...]
    missing: tuple[EntryChange, ...]


def _read_existing(path: Path) -> _Existing:
    """Validate an existing knowledge file with the loader, then keep its raw fields and text for a faithful rewrite."""
    knowledge = load_knowledge(path)
    text = path.read_text(encoding="utf-8")
    root, data = parse_yaml(text)
    lines = text.splitlines(keepends=True)
    if not isinstance(root, yaml.MappingNode) or not isinstance(data, dict):  # load_knowledge has checked this
        raise KnowledgeError(f"{path}: the file must be a mapping with 'role' and 'entries'")
    starts = sorted(key.start_mark.line for key, _ in root.value)
    ends = {line: (starts[index + 1] if index + 1 < len(starts) else len(lines)) for index, line in enumerate(starts)}
    regions = {key.value: (key.start_mark.line, ends[key.start_mark.line], value) for key, value in root.value}
    blocks: list[tuple[str, str | None]] | None = []
    entries_start, entries_end, sequence = regions["entries"]
    items = sequence.value if isinstance(sequence, yaml.SequenceNode) else []
    item_lines = [item.start_mark.line for item in items]
    for index, (line, item) in enumerate(zip(item_lines, items, strict=True)):
        end = item_lines[index + 1] if index + 1 < len(item_lines) else entries_end
        block = "".join(lines[line:end]).rstrip() + "\n"
        if line <= entries_start or not block.lstrip().startswith("- ") or blocks is None:
            blocks = None  # a layout this writer cannot splice (flow style, dash on its own line): rewrite it all
            continue
        blocks.append((block, _editor_text(item, lines, line, end)))
    synonyms_block = None
    if "synonyms" in regions:
        start, end, _ = regions["synonyms"]
        synonyms_block = "".join(lines[start:end]).rstrip() + "\n"
    preamble = "".join(line for line in lines[: starts[0]] if line.startswith("#"))
    return _Existing(
        role=data["role"].strip(),
        entries=knowledge.entries,
        raw=tuple(data["entries"]),
        blocks=tuple(blocks) if blocks is not None and len(blocks) == len(knowledge.entries) else None,
        synonyms=knowledge.synonyms,
        synonyms_raw=data.get("synonyms"),
        synonyms_block=synonyms_block,
        preamble=preamble,
    )


def _editor_text(item: yaml.Node, lines: Sequence[str], start: int, end: int) -> str | None:
    """The verbatim lines of an entry's editor keys (questions, tags, url), or None when they cannot be cut out."""
    if not isinstance(item, yaml.MappingNode):
        return None
    keys = [(str(key.value), key.start_mark.line) for key, _ in item.value]
    key_lines = [line for _, line in keys]
    if len(set(key_lines)) != len(key_lines):
        return None  # several keys on one line (flow style)
    pieces = []
    for name, line in keys:
        if name not in EDITOR_KEYS:
            continue
        if line == start or not lines[line].lstrip().startswith(name):
            return None
        stop = min((other for other in key_lines if other > line), default=end)
        pieces.append("".join(lines[line:stop]).rstrip() + "\n")
    return "".join(pieces)


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text.casefold())


def _match(parts: Sequence[PagePart], old: Sequence[Entry]) -> dict[int, int]:
    """Pair page parts with old entries: same text anywhere, then same section and title (or id), then similar text."""
    matched: dict[int, int] = {}
    used: set[int] = set()

    def pair(part: int, entry: int) -> None:
        matched[part] = entry
        used.add(entry)

    by_text: dict[str, list[int]] = {}
    for index, entry in enumerate(old):
        by_text.setdefault(squash(entry.text), []).append(index)
    for index, part in enumerate(parts):
        free = [candidate for candidate in by_text.get(squash(part.text), []) if candidate not in used]
        if free:
            pair(index, free[0])
    for index, part in enumerate(parts):
        if index in matched:
            continue
        title = squash(part.title).casefold()
        for candidate, entry in enumerate(old):
            same = entry.title.casefold() == title or entry.id == part.id
            if candidate not in used and entry.section == part.section and same:
                pair(index, candidate)
                break
    scored = []
    for index, part in enumerate(parts):
        if index in matched:
            continue
        for candidate, entry in enumerate(old):
            if candidate in used or entry.section != part.section:
                continue
            ratio = difflib.SequenceMatcher(None, _words(part.text), _words(entry.text), autojunk=False).ratio()
            if ratio >= SIMILAR_TEXT:
                scored.append((-ratio, index, candidate))
    for _, index, candidate in sorted(scored):
        if index not in matched and candidate not in used:
            pair(index, candidate)
    return matched


def _editor_fields(raw: dict[str, Any]) -> dict[str, Any]:
    return {key: raw[key] for key in EDITOR_KEYS if raw.get(key) is not None}


def _kept(entry: Entry, raw: dict[str, Any], old_text: tuple[str, str | None] | None, **changes: str) -> _Out:
    """An old entry carried over: with `changes` to its page fields, or verbatim when there are none."""
    values = {"id": entry.id, "title": entry.title, "section": entry.section, "text": entry.text, **changes}
    return _Out(
        **values,
        editor=_editor_fields(raw),
        block=old_text[0] if old_text and not changes else None,
        editor_block=old_text[1] if old_text else None,
        questions=entry.questions,
        tags=entry.tags,
        url=entry.url,
    )


def merge(page: RolePage, existing: _Existing | None, taken_elsewhere: set[str]) -> _Merged:
    """Merge the page into the existing file's entries; entries the page lost are kept and reported."""
    old = existing.entries if existing else ()
    raw = existing.raw if existing else ()
    blocks = existing.blocks if existing else None
    matched = _match(page.parts, old)
    taken = {entry.id for entry in old} | taken_elsewhere
    role_slug = slug(page.role)
    out_of_page: list[_Out] = []
    unchanged: list[str] = []
    updated: list[EntryChange] = []
    added: list[EntryChange] = []
    for index, part in enumerate(page.parts):
        if index not in matched:
            wanted = fit_id(role_slug, part.id) if part.id in taken_elsewhere else part.id
            new_id = _unique(wanted, taken)
            out_of_page.append(_Out(new_id, part.title, part.section, part.text))
            added.append(EntryChange(new_id, part.title, part.section))
            continue
        position = matched[index]
        entry = old[position]
        own_title = part.kind != "faq" and entry.title != make_title(part.kind, entry.text, page.role)
        title = entry.title if own_title else part.title
        changes = {
            key: value
            for key, value in (("text", part.text), ("title", title), ("section", part.section))
            if getattr(entry, key) != value
        }
        out_of_page.append(_kept(entry, raw[position], blocks[position] if blocks else None, **changes))
        if changes:
            updated.append(EntryChange(entry.id, title, part.section, ", ".join(changes)))
        else:
            unchanged.append(entry.id)
    missing: list[EntryChange] = []
    new_position = {old_index: page_index for page_index, old_index in matched.items()}
    # Lost entries stay just after the page entry of the last old entry before them that is still on the page
    # (-1: before the page's first entry), in their old order; collected by that place, so a long page merges in
    # linear time.
    lost_after: dict[int, list[_Out]] = {}
    after = -1
    for old_index, entry in enumerate(old):
        if old_index in new_position:
            after = new_position[old_index]
            continue
        lost_after.setdefault(after, []).append(_kept(entry, raw[old_index], blocks[old_index] if blocks else None))
        missing.append(EntryChange(entry.id, entry.title, entry.section))
    result = list(lost_after.get(-1, ()))
    for page_index, entry in enumerate(out_of_page):
        result.append(entry)
        result.extend(lost_after.get(page_index, ()))
    return _Merged(tuple(result), tuple(unchanged), tuple(updated), tuple(added), tuple(missing))


def _scalar(value: str) -> str:
    """A one-line YAML scalar, quoted only where YAML needs it."""
    dumped = yaml.safe_dump(value, allow_unicode=True, width=2**31)
    return dumped.removesuffix("\n...\n").rstrip("\n")


def _flow(values: Sequence[str]) -> str:
    return yaml.safe_dump(list(values), allow_unicode=True, default_flow_style=True, width=2**31).strip()


def _render_entry(entry: _Out, verbatim: bool) -> str:
    """One entry in the layout of the bundled knowledge: page fields, then the editors' fields (kept verbatim)."""
    lines = [f"  - id: {entry.id}", f"    title: {_scalar(entry.title)}", f"    section: {_scalar(entry.section)}"]
    if "\n" in entry.text:
        lines.append("    text: |-")
        lines += [f"      {line}" if line else "" for line in entry.text.split("\n")]
    else:
        lines.append("    text: >-")
        wrapped = textwrap.wrap(entry.text, width=100, break_long_words=False, break_on_hyphens=False)
        lines += [f"      {line}" for line in wrapped]
    if verbatim and entry.editor_block is not None:
        return "\n".join(lines) + "\n" + entry.editor_block
    if "questions" in entry.editor:
        lines.append("    questions:")
        lines += [f"      - {_scalar(question)}" for question in entry.editor["questions"]]
    if "tags" in entry.editor:
        lines.append(f"    tags: {_flow(entry.editor['tags'])}")
    if "url" in entry.editor:
        lines.append(f"    url: {_scalar(entry.editor['url'])}")
    return "\n".join(lines) + "\n"


def render_knowledge(
    role: str,
    entries: Sequence[_Out],
    *,
    preamble: str,
    synonyms_raw: dict[str, Any] | None = None,
    synonyms_block: str | None = None,
    verbatim: bool = True,
) -> str:
    """The knowledge file's text; with `verbatim`, untouched entries and synonyms keep their old text exactly."""
    parts = [preamble, f"role: {_scalar(role)}\n", "entries:\n"]
    parts += [entry.block if verbatim and entry.block else _render_entry(entry, verbatim) for entry in entries]
    if verbatim and synonyms_block:
        parts.append(synonyms_block)
    elif synonyms_raw:
        parts.append(
            yaml.safe_dump(
                {"synonyms": synonyms_raw}, allow_unicode=True, sort_keys=False, default_flow_style=None, width=118
            )
        )
    return "".join(parts)


def _read_back_problem(path: Path, role: str, entries: Sequence[_Out], synonyms: object) -> str | None:
    """Load the written file and say how it differs from what was meant, or None when it reads back exactly."""
    try:
        knowledge = load_knowledge(path)
    except KnowledgeError as error:
        return str(error)
    if knowledge.roles != (role,):
        return f"role reads back as {knowledge.roles}"
    if len(knowledge.entries) != len(entries):
        return f"{len(knowledge.entries)} entries read back, {len(entries)} written"
    for loaded, meant in zip(knowledge.entries, entries, strict=True):
        for key in ("id", "title", "section", "text", "questions", "tags", "url"):
            if getattr(loaded, key) != getattr(meant, key):
                return f"entry {meant.id}: {key} reads back differently"
    if knowledge.synonyms != synonyms:
        return "synonyms read back differently"
    return None


def _write_checked(target: Path, text: str, check: Callable[[Path], str | None]) -> str | None:
    """Write `text` to a temporary file beside `target`, check it, and only then move it into place atomically.

    A symbolic link stays one: the file it points to is the one replaced. A folder that cannot be written (read-only,
    full, not a real folder) is one line naming the file, and the file is left as it was.
    """
    shown = target
    target = target.resolve()
    temporary = ""
    try:
        mode = target.stat().st_mode & 0o7777 if target.exists() else 0o644
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        problem = check(Path(temporary))
        if problem is None:
            os.chmod(temporary, mode)
            os.replace(temporary, target)
        return problem
    except OSError as error:
        raise KnowledgeError(f"{shown}: cannot write: {error.strerror or error}; nothing written") from None
    finally:
        if temporary and os.path.exists(temporary):
            os.unlink(temporary)


def _read_page(page: Path) -> str:
    try:
        return page.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise KnowledgeError(f"{page}: not UTF-8 text") from None
    except OSError as error:
        raise KnowledgeError(f"{page}: cannot read: {error.strerror}") from None


def _siblings(folder: Path, target: Path) -> tuple[set[str], dict[str, Path]]:
    """Ids and roles of the other files in the knowledge folder, when the output goes into that folder.

    `folder` may be a knowledge file given as --knowledge: its folder is the one whose files load together.
    """
    folder = folder if folder.is_dir() else folder.parent
    if not folder.is_dir() or target.resolve().parent != folder.resolve():
        return set(), {}
    ids: set[str] = set()
    roles: dict[str, Path] = {}
    try:
        files = knowledge_files(folder)
    except KnowledgeError:  # no .yaml files yet: nothing to clash with
        files = []
    for file in files:
        if file.resolve() == target.resolve():
            continue
        for entry in file_entries(file):  # a synonyms-only file has none
            ids.add(entry.id)
            roles.setdefault(entry.role.casefold(), file)
    return ids, roles


def _target(page: RolePage, out: Path | None, knowledge_dir: Path) -> Path:
    """The file to write: --out, or the role's slug in the knowledge folder."""
    if out is None:
        if not knowledge_dir.is_dir():
            kind = "a file, not a folder" if knowledge_dir.exists() else "not found"
            raise KnowledgeError(f"{knowledge_dir}: knowledge folder {kind}; name the output file with --out")
        if not slug(page.role):
            raise KnowledgeError(f"the role {page.role!r} has no letters a file name can use; name the file with --out")
        out = knowledge_dir / f"{slug(page.role)}.yaml"
    if out.suffix not in (".yaml", ".yml"):
        raise KnowledgeError(f"{out}: the output must end in .yaml or .yml (the loader reads only those)")
    if not out.parent.is_dir():
        raise KnowledgeError(f"{out.parent}: folder not found")
    if out.exists() and not out.is_file():
        raise KnowledgeError(f"{out}: not a file")
    return out


def command_import(page: Path, out: Path | None, knowledge_dir: Path) -> ImportReport:
    """Import a role page into its knowledge file (new, or merged into the existing one); nothing written on error."""
    parsed = parse_page(_read_page(page), str(page))
    target = _target(parsed, out, knowledge_dir)
    taken, roles = _siblings(knowledge_dir, target)
    if parsed.role.casefold() in roles:
        other = roles[parsed.role.casefold()]
        raise KnowledgeError(f"{other}: already holds the role {parsed.role!r}; import into it with --out {other}")
    existing = _read_existing(target) if target.exists() else None
    if existing is not None and existing.role.casefold() != parsed.role.casefold():
        raise KnowledgeError(
            f"{target}: holds the role {existing.role!r}, but {page} is the {parsed.role!r} page; choose another --out"
        )
    merged = merge(parsed, existing, taken)
    report = ImportReport(
        role=parsed.role,
        path=target,
        page=page,
        created=existing is None,
        written=existing is None or bool(merged.added or merged.updated),
        entries=len(merged.entries),
        unchanged=merged.unchanged,
        updated=merged.updated,
        added=merged.added,
        missing=merged.missing,
    )
    if not report.written:
        log.info("%s is up to date with %s", target, page)
        return report
    role = existing.role if existing else parsed.role
    preamble = (
        existing.preamble
        if existing
        else (
            f"# faqbot knowledge base: {parsed.role}, imported from {page.name} by `faqbot knowledge import`.\n"
            "# Editors may add questions:, tags, url and synonyms; a re-import of the page keeps them.\n"
        )
    )
    synonyms_raw = existing.synonyms_raw if existing else None
    synonyms = existing.synonyms if existing else {}
    problem = None
    for verbatim in (True, False):
        text = render_knowledge(
            role,
            merged.entries,
            preamble=preamble,
            synonyms_raw=synonyms_raw,
            synonyms_block=existing.synonyms_block if existing else None,
            verbatim=verbatim,
        )
        problem = _write_checked(target, text, lambda path: _read_back_problem(path, role, merged.entries, synonyms))
        if problem is None:
            break
        log.warning("%s: spliced rewrite did not read back (%s); rewriting every entry", target, problem)
    if problem is not None:
        raise KnowledgeError(f"{target}: the imported file did not read back as written ({problem}); nothing written")
    log.info(
        "imported %s into %s: %d added, %d updated, %d missing",
        page,
        target,
        len(merged.added),
        len(merged.updated),
        len(merged.missing),
    )
    return report
