"""Load and validate the YAML knowledge base (one role page per file) into typed, immutable entries."""

from __future__ import annotations

import datetime
import logging
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml
from rapidfuzz import fuzz, process

from bot.errors import KnowledgeError
from bot.folding import fold, name_key

log = logging.getLogger(__name__)

ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# Discord buttons and menus carry the entry id in a custom_id of at most 100 characters ("faqbot:vote:down:<id>").
MAX_ID_CHARS = 64
FILE_KEYS = {"role", "entries", "synonyms"}
ENTRY_KEYS = {"id", "title", "section", "text", "questions", "tags", "url"}
REQUIRED_ENTRY_KEYS = ("id", "title", "section", "text")


@dataclass(frozen=True)
class Entry:
    """One answerable passage: a FAQ, a duty, a paragraph, a qualification item."""

    id: str
    title: str
    section: str
    text: str
    role: str
    source: str
    questions: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    url: str | None = None

    @property
    def searchable_text(self) -> str:
        """Everything the retriever reads of an entry: title, text, phrasings and tags."""
        return " ".join((self.title, self.text, *self.questions, *self.tags))


@dataclass(frozen=True)
class Phrasing:
    """A way members asked for an entry, learnt from the editors' queue: used everywhere, or in one server only."""

    entry_id: str
    text: str
    guild_id: int | None = None


@dataclass(frozen=True)
class EntryLookup:
    """The entry a person named by id or title, or None with the closest ids to suggest instead."""

    entry: Entry | None
    closest: tuple[str, ...] = ()


@dataclass(frozen=True)
class KnowledgeBase:
    """All entries of all role files, plus the synonym list that helps members' wording match the page.

    `synonyms` is every synonym of every file; `role_synonyms` says which role file each came from and
    `shared_synonyms` holds those of a synonyms-only file, which apply to every role (see `for_role`).
    """

    entries: tuple[Entry, ...]
    synonyms: Mapping[str, tuple[str, ...]]
    files: tuple[Path, ...]
    role_synonyms: Mapping[str, Mapping[str, tuple[str, ...]]] = field(default_factory=dict)
    shared_synonyms: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    by_id: Mapping[str, Entry] = field(init=False, repr=False, compare=False)
    _by_name: Mapping[str, Entry] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_id", {entry.id: entry for entry in self.entries})
        names: dict[str, Entry] = {}
        for entry in reversed(self.entries):  # the first entry wins a shared title
            names[name_key(entry.title)] = entry
        names.update({entry.id: entry for entry in self.entries})
        object.__setattr__(self, "_by_name", names)

    def get(self, entry_id: str) -> Entry | None:
        """Return the entry with this id, or None."""
        return self.by_id.get(entry_id)

    def lookup(self, text: str, limit: int = 25, roles: Collection[str] | None = None) -> list[Entry]:
        """Entries whose id or title best match what someone typed (prefixes first, then typo-tolerant).

        `roles`: only entries of those roles (None: every role).
        """
        query = name_key(text)
        entries = self.entries if roles is None else tuple(entry for entry in self.entries if entry.role in roles)
        if not query:
            return list(entries[:limit])
        scored = []
        for position, entry in enumerate(entries):
            score = _lookup_score(query, entry)
            if score > 0:
                scored.append((-score, position, entry))
        scored.sort(key=lambda item: item[:2])
        return [entry for _, _, entry in scored[:limit]]

    def resolve(self, text: str) -> Entry | None:
        """The entry named exactly, by id or by title (case, accents and spacing ignored)."""
        wanted = name_key(text)
        return self._by_name.get(wanted)

    def find(self, text: str, suggestions: int = 5) -> EntryLookup:
        """The entry named by id or title, or the closest ids when there is none: one rule for the CLI and Discord."""
        entry = self.resolve(text)
        if entry is not None:
            return EntryLookup(entry)
        return EntryLookup(None, tuple(candidate.id for candidate in self.lookup(text, suggestions)))

    def with_phrasings(self, phrasings: Sequence[Phrasing]) -> KnowledgeBase:
        """The same knowledge with learned phrasings added to their entries' questions (unknown entries skipped)."""
        extra: dict[str, list[str]] = {}
        for phrasing in phrasings:
            if phrasing.entry_id in self.by_id:
                extra.setdefault(phrasing.entry_id, []).append(phrasing.text)
        if not extra:
            return self
        entries = tuple(
            replace(entry, questions=(*entry.questions, *extra[entry.id])) if entry.id in extra else entry
            for entry in self.entries
        )
        return replace(self, entries=entries)

    def for_role(self, role: str) -> KnowledgeBase:
        """One role's entries with the synonyms that apply to it: the shared ones and its own file's."""
        if not self.role_synonyms and not self.shared_synonyms:
            synonyms: Mapping[str, tuple[str, ...]] = self.synonyms  # built in code, not from files: all apply
        else:
            synonyms = _merged_synonyms((self.shared_synonyms, self.role_synonyms.get(role, {})))
        entries = tuple(entry for entry in self.entries if entry.role == role)
        files = tuple(dict.fromkeys(path for path in self.files if any(path.name == e.source for e in entries)))
        return KnowledgeBase(entries, synonyms, files, {role: self.role_synonyms.get(role, {})}, self.shared_synonyms)

    def files_with_synonym(self, term: str) -> tuple[Path, ...]:
        """The files whose synonyms can hold `term`: its role's files, or the synonyms-only files that share it."""
        roles = [role for role, synonyms in self.role_synonyms.items() if term in synonyms]
        files = [path for role in roles for path in self.for_role(role).files]
        if term in self.shared_synonyms:
            sources = {entry.source for entry in self.entries}
            files += [path for path in self.files if path.name not in sources]
        return tuple(dict.fromkeys(files))

    @cached_property
    def roles(self) -> tuple[str, ...]:
        """The role names covered, in file order (read once: every question asks, and 100k entries take 6 ms)."""
        return tuple(dict.fromkeys(entry.role for entry in self.entries))

    @property
    def sections(self) -> tuple[str, ...]:
        """The section names, in page order."""
        return tuple(dict.fromkeys(entry.section for entry in self.entries))


def _lookup_score(query: str, entry: Entry) -> float:
    """How well a typed fragment names an entry: exact > prefix > every word a prefix > substring > fuzzy."""
    title = fold(entry.title)
    if query in (entry.id, title):
        return 100.0
    if entry.id.startswith(query) or title.startswith(query):
        return 90.0
    words = re.findall(r"[a-z0-9]+", f"{entry.id} {title}")
    fragments = re.findall(r"[a-z0-9]+", query)
    if fragments and all(any(word.startswith(fragment) for word in words) for fragment in fragments):
        return 80.0
    if query in entry.id or query in title:
        return 70.0
    candidates = (entry.id, title, *(word for word in words if len(word) > 3))
    best = process.extractOne(query, candidates, scorer=fuzz.ratio, score_cutoff=60)
    return 0.6 * best[1] if best else 0.0


def _line_of(node: yaml.Node | None) -> int | None:
    return None if node is None else node.start_mark.line + 1


def _mapping_lines(node: yaml.Node | None) -> dict[str, int]:
    """Map each key of a YAML mapping node to its line, to point errors at the right place."""
    if not isinstance(node, yaml.MappingNode):
        return {}
    return {str(key.value): key.start_mark.line + 1 for key, _ in node.value}


def duplicate_key(node: yaml.Node | None) -> tuple[str, int] | None:
    """Return the first key that a YAML mapping node repeats (PyYAML would silently keep the last)."""
    if not isinstance(node, yaml.MappingNode):
        return None
    seen: set[str] = set()
    for key, _ in node.value:
        if key.value in seen:
            return str(key.value), key.start_mark.line + 1
        seen.add(key.value)
    return None


class _FileReader:
    """Validates one knowledge file, naming the file, the entry and the line in every error."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, problem: str, *, entry: str | None = None, line: int | None = None) -> KnowledgeError:
        where = str(self.path)
        if line is not None:
            where += f":{line}"
        if entry is not None:
            where += f": entry {entry}"
        return KnowledgeError(f"{where}: {problem}")

    def read(self) -> tuple[str | None, list[Entry], dict[str, tuple[str, ...]], list[int | None]]:
        """The file's role (None: a synonyms-only file, shared by every role), entries, synonyms and id lines.

        The id lines (one per entry) let a duplicate id across files name both places.
        """
        try:
            text = self.path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise self.fail("not UTF-8 text") from None
        except OSError as error:
            raise self.fail(f"cannot read: {error.strerror}") from None
        try:
            root, data = parse_yaml(text)
        except RecursionError:
            raise self.fail("not valid YAML for knowledge: nested too deeply") from None
        except yaml.reader.ReaderError as error:
            line = text[: error.position].count("\n") + 1
            character = "a NUL byte" if error.character == 0 else f"character #x{error.character:04x}"
            raise self.fail(f"not valid YAML: {character} is not allowed", line=line) from None
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            problem = " ".join(str(getattr(error, "problem", None) or error).split())
            raise self.fail(f"not valid YAML: {problem}", line=_line_of_mark(mark)) from None
        if not isinstance(data, dict):
            raise self.fail("the file must be a mapping with 'role' and 'entries'")
        if duplicate := duplicate_key(root):
            raise self.fail(f"key {duplicate[0]!r} appears twice", line=duplicate[1])
        lines = _mapping_lines(root)
        unknown = sorted(set(data) - FILE_KEYS)
        if unknown:
            raise self.fail(
                f"unknown top-level key {unknown[0]!r} (allowed: {', '.join(sorted(FILE_KEYS))})",
                line=lines.get(unknown[0]),
            )
        if set(data) == {"synonyms"}:  # a synonyms-only file: shared by every role
            return None, [], self.synonyms(data.get("synonyms"), lines.get("synonyms"), _child(root, "synonyms")), []
        role = data.get("role")
        if not isinstance(role, str) or not role.strip():
            raise self.fail("'role' must be a non-empty string naming the job role", line=lines.get("role"))
        raw_entries = data.get("entries")
        if not isinstance(raw_entries, list) or not raw_entries:
            raise self.fail("'entries' must be a non-empty list", line=lines.get("entries"))
        entry_nodes = _child(root, "entries")
        nodes = entry_nodes.value if isinstance(entry_nodes, yaml.SequenceNode) else []
        entries = [
            self.entry(raw, role.strip(), index, nodes[index] if index < len(nodes) else None)
            for index, raw in enumerate(raw_entries)
        ]
        synonyms = self.synonyms(data.get("synonyms"), lines.get("synonyms"), _child(root, "synonyms"))
        id_lines = [
            _mapping_lines(nodes[index]).get("id") or _line_of(nodes[index]) if index < len(nodes) else None
            for index in range(len(entries))
        ]
        return role.strip(), entries, synonyms, id_lines

    def entry(self, raw: Any, role: str, index: int, node: yaml.Node | None) -> Entry:
        line = _line_of(node)
        label = f"#{index + 1}"
        if not isinstance(raw, dict):
            raise self.fail("must be a mapping with id, title, section and text", entry=label, line=line)
        if isinstance(raw.get("id"), str) and raw["id"].strip():
            label = raw["id"].strip()
        if duplicate := duplicate_key(node):
            raise self.fail(f"key {duplicate[0]!r} appears twice", entry=label, line=duplicate[1])
        lines = _mapping_lines(node)
        for key in raw:
            if key not in ENTRY_KEYS:
                allowed = ", ".join(sorted(ENTRY_KEYS))
                raise self.fail(f"unknown key {key!r} (allowed: {allowed})", entry=label, line=lines.get(key))
        for key in REQUIRED_ENTRY_KEYS:
            if key not in raw:
                raise self.fail(f"missing required key {key!r}", entry=label, line=line)
            value = raw[key]
            if value is None:  # `text:` with nothing after it
                raise self.fail(f"{key!r} is empty", entry=label, line=lines.get(key))
            if not isinstance(value, str):
                kind = type(value).__name__
                raise self.fail(f"{key!r} must be a string, got {kind}", entry=label, line=lines.get(key))
            if not value.strip():
                raise self.fail(f"{key!r} is empty", entry=label, line=lines.get(key))
        entry_id = raw["id"].strip()
        if not ID_PATTERN.match(entry_id):
            raise self.fail(
                "'id' must be lowercase letters, digits and single hyphens (e.g. faq-career-path)",
                entry=label,
                line=lines.get("id"),
            )
        if len(entry_id) > MAX_ID_CHARS:
            raise self.fail(
                f"'id' is {len(entry_id)} characters long; at most {MAX_ID_CHARS} fit in Discord's buttons",
                entry=label,
                line=lines.get("id"),
            )
        url = raw.get("url")
        if url is not None and (not isinstance(url, str) or not re.match(r"^https?://\S+$", url)):
            raise self.fail("'url' must be an http(s) address", entry=label, line=lines.get("url"))
        return Entry(
            id=entry_id,
            title=" ".join(raw["title"].split()),
            section=" ".join(raw["section"].split()),
            text=raw["text"].strip(),
            role=role,
            source=self.path.name,
            questions=self.strings(raw, "questions", label, lines),
            tags=self.strings(raw, "tags", label, lines),
            url=url,
        )

    def strings(self, raw: dict[str, Any], key: str, label: str, lines: dict[str, int]) -> tuple[str, ...]:
        value = raw.get(key)
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(item, str) and item.strip() for item in value):
            raise self.fail(f"{key!r} must be a list of non-empty strings", entry=label, line=lines.get(key))
        return tuple(" ".join(item.split()) for item in value)

    def synonyms(self, raw: Any, line: int | None, node: yaml.Node | None) -> dict[str, tuple[str, ...]]:
        """The file's synonyms; a term written twice, or a variant listed under two terms, is refused (one wins)."""
        if raw is None:
            return {}
        problem = "'synonyms' must map a term of the page to a list of the ways members write it"
        if not isinstance(raw, dict):
            raise self.fail(problem, line=line)
        if duplicate := duplicate_key(node):
            raise self.fail(f"synonyms: the term {duplicate[0]!r} appears twice (merge its lists)", line=duplicate[1])
        result: dict[str, tuple[str, ...]] = {}
        term_of: dict[str, str] = {}
        written = _written_keys(node)
        for term, variants in raw.items():
            here, as_written = written.get((type(term), term), (line, None))
            if not isinstance(term, str) and as_written is not None:
                raise self.fail(
                    f"synonyms: the term {as_written} is read as {_yaml_kind(term)}, not as text; quote it "
                    f'("{as_written}")',
                    line=here,
                )
            if isinstance(term, str) and not term.strip():
                raise self.fail("synonyms: a term is empty; write the page's word before the colon", line=here)
            if not isinstance(term, str):
                raise self.fail(problem, line=here)
            if not isinstance(variants, list) or not all(isinstance(v, str) and v.strip() for v in variants):
                raise self.fail(f"synonyms for {term!r} must be a list of non-empty strings", line=here)
            key = term.strip().lower()
            if key in result:  # the same term in other capitals ("PostgreSQL", "postgresql")
                raise self.fail(f"synonyms: the term {key!r} appears twice (merge its lists)", line=here)
            result[key] = tuple(v.strip().lower() for v in variants)
            for variant in result[key]:
                if term_of.setdefault(variant, key) != key:
                    raise self.fail(
                        f"synonyms: {variant!r} is listed under {term_of[variant]!r} and {key!r}; a way of writing "
                        "can stand for one term only",
                        line=here,
                    )
        return result


def _written_keys(node: yaml.Node | None) -> dict[tuple[type, Any], tuple[int, str]]:
    """Each key of a mapping as YAML reads it (with its type: `true` and `1` are equal in Python) -> its line, text.

    A key merged in (`<<: *other`) has the line of its `<<`.
    """
    if not isinstance(node, yaml.MappingNode):
        return {}
    reader = yaml.SafeLoader("")
    keys: dict[tuple[type, Any], tuple[int, str]] = {}
    for key_node, value_node in node.value:
        line = key_node.start_mark.line + 1
        if key_node.tag == "tag:yaml.org,2002:merge":
            merged = value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
            for source in merged:
                for key, (_, text) in _written_keys(source).items():
                    keys.setdefault(key, (line, text))
            continue
        if isinstance(key_node, yaml.ScalarNode):
            key = reader.construct_object(key_node, deep=True)
            keys[type(key), key] = (line, key_node.value)
    return keys


def _yaml_kind(value: object) -> str:
    """What YAML took an unquoted word for, in an editor's terms."""
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return "a yes/no value"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, datetime.date):
        return "a date"
    return type(value).__name__


def _line_of_mark(mark: Any) -> int | None:
    return None if mark is None else mark.line + 1


def _child(node: yaml.Node | None, key: str) -> yaml.Node | None:
    if not isinstance(node, yaml.MappingNode):
        return None
    for key_node, value_node in node.value:
        if key_node.value == key:
            return value_node
    return None


def parse_yaml(text: str) -> tuple[yaml.Node | None, Any]:
    """The YAML's node tree (for line numbers) and its data: libyaml when present, about 20x faster.

    Text libyaml refuses is parsed again by PyYAML's own loader, which names the problem the way the knowledge
    errors quote it (and may accept what libyaml is stricter about).
    """
    fast = getattr(yaml, "CSafeLoader", None)
    if fast is not None:
        try:
            return yaml.compose(text, Loader=fast), yaml.load(text, Loader=fast)  # noqa: S506 (a safe loader)
        except (yaml.YAMLError, RecursionError):
            pass
    return yaml.compose(text, Loader=yaml.SafeLoader), yaml.safe_load(text)


def knowledge_files(path: Path) -> list[Path]:
    """List the role files to load: the file itself, or every *.yaml and *.yml in the folder.

    A broken or looping symbolic link, or a folder, with such a name is an error, not silently skipped: it is
    almost always a role file that was meant to load.
    """
    if path.is_file():
        return [path]
    if path.is_symlink():
        raise KnowledgeError(f"{path}: {_unreadable(path)}")
    if not path.exists():
        raise KnowledgeError(f"{path}: knowledge folder not found (set knowledge.path or --knowledge)")
    try:
        candidates = sorted(p for p in path.iterdir() if p.suffix in {".yaml", ".yml"})
    except OSError as error:
        raise KnowledgeError(f"{path}: cannot read the knowledge folder: {error.strerror}") from None
    for candidate in candidates:
        if not candidate.is_file():
            raise KnowledgeError(f"{candidate}: {_unreadable(candidate)}")
    if not candidates:
        raise KnowledgeError(f"{path}: no .yaml or .yml knowledge files in this folder")
    return candidates


def _unreadable(path: Path) -> str:
    """Why a knowledge file path is not a readable file: a broken or looping link, a folder, or something else."""
    try:
        path.stat()
    except OSError as error:
        kind = "symbolic link" if path.is_symlink() else "path"
        return f"broken {kind}: {error.strerror}"
    return "a folder, not a knowledge file" if path.is_dir() else "not a regular file"


def file_entries(path: Path) -> tuple[Entry, ...]:
    """The entries of one knowledge file on its own (none for a synonyms-only file), validated as the loader does."""
    return tuple(_FileReader(path).read()[1])


def _merged_synonyms(groups: Sequence[Mapping[str, tuple[str, ...]]]) -> dict[str, tuple[str, ...]]:
    """Several synonym lists as one: a term's variants from every list, in order, each once."""
    merged: dict[str, tuple[str, ...]] = {}
    for group in groups:
        for term, variants in group.items():
            merged[term] = tuple(dict.fromkeys(merged.get(term, ()) + variants))
    return merged


def load_knowledge(path: Path) -> KnowledgeBase:
    """Load every knowledge file under `path` together, rejecting the whole set on the first problem.

    Each file holds one role's entries (a role may take several files: its synonyms apply to all of them) or, with
    only `synonyms:`, synonyms that every role shares; entry ids are unique across all files.
    """
    entries: list[Entry] = []
    seen: dict[str, tuple[Path, int | None]] = {}
    role_names: dict[str, str] = {}
    role_synonyms: dict[str, dict[str, tuple[str, ...]]] = {}
    shared: list[dict[str, tuple[str, ...]]] = []
    groups: list[dict[str, tuple[str, ...]]] = []
    files = knowledge_files(path)
    for file in files:
        role, file_entries, file_synonyms, id_lines = _FileReader(file).read()
        groups.append(file_synonyms)
        if role is None:
            shared.append(file_synonyms)
            continue
        role = role_names.setdefault(name_key(role), role)  # one role, however its files write its name
        role_synonyms[role] = _merged_synonyms((role_synonyms.get(role, {}), file_synonyms))
        for entry, line in zip(file_entries, id_lines, strict=True):
            if entry.id in seen:
                first, first_line = seen[entry.id]
                at = f"{first}:{first_line}" if first_line else str(first)
                where = f"first at line {first_line} of this file" if first == file and first_line else f"also in {at}"
                here = f"{file}:{line}" if line else str(file)
                raise KnowledgeError(f"{here}: entry {entry.id}: duplicate id ({where})")
            seen[entry.id] = (file, line)
            entries.append(entry if entry.role == role else replace(entry, role=role))
    if not entries:
        raise KnowledgeError(f"{path}: no role file (only shared synonyms); add a file with 'role' and 'entries'")
    log.info("loaded %d knowledge entries from %d file(s)", len(entries), len(files))
    return KnowledgeBase(
        entries=tuple(entries),
        synonyms=_merged_synonyms(groups),
        files=tuple(files),
        role_synonyms=role_synonyms,
        shared_synonyms=_merged_synonyms(shared),
    )
