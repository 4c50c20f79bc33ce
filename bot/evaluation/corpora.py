"""Knowledge bases and labelled questions for measuring faqbot across domains, split into tuning and test halves.

Public data sets are read from `../shared/benchmarks/` beside the repository (or a folder given explicitly); nothing
here copies them into the repository.
"""

from __future__ import annotations

import json
import logging
import random
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypeVar

from bot.core.knowledge import Entry, KnowledgeBase, load_knowledge
from bot.errors import FaqbotError
from bot.evaluation.scoring import load_eval_set

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DATA = ROOT.parent / "shared" / "benchmarks"
SPLIT_SEED = 11
CLINC_QUESTIONS_PER_INTENT = 10
PARTS = ("tuning", "test")

T = TypeVar("T")


class MissingData(FaqbotError):
    """A public data set is not where it was looked for (it is never bundled with the package)."""


@dataclass(frozen=True)
class Question:
    """A question and the ids of the entries that answer it (empty: the knowledge cannot answer it)."""

    text: str
    ids: frozenset[str] = frozenset()
    primary: str = ""  # the entry listed first for it, where its labels are ordered

    @property
    def in_scope(self) -> bool:
        """Whether some entry answers it."""
        return bool(self.ids)

    @property
    def editor_entry(self) -> str | None:
        """The entry an editor resolves it to: the one listed first, else the first id in order (None: off-topic)."""
        return self.primary or min(self.ids, default=None)


@dataclass(frozen=True)
class Corpus:
    """One knowledge base and its questions, by part ("tuning" or "test")."""

    name: str
    knowledge: KnowledgeBase
    parts: dict[str, tuple[Question, ...]]


def split_halves(items: Sequence[T], seed: int = SPLIT_SEED) -> dict[str, tuple[T, ...]]:
    """A fixed-seed shuffle cut in two: the tuning half (defaults are chosen on it) and the test half (reported)."""
    order = list(range(len(items)))
    random.Random(seed).shuffle(order)  # noqa: S311 - a reproducible split, not a secret
    half = len(order) // 2
    return {
        "tuning": tuple(items[i] for i in sorted(order[:half])),
        "test": tuple(items[i] for i in sorted(order[half:])),
    }


def _join(*splits: dict[str, tuple[Question, ...]]) -> dict[str, tuple[Question, ...]]:
    return {part: tuple(q for split in splits for q in split[part]) for part in PARTS}


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise MissingData(
            f"benchmark data not found: {path} (give the folder with --data; see the README, 'Data sets')"
        ) from None


def without_questions(knowledge: KnowledgeBase) -> KnowledgeBase:
    """The knowledge as an editor gets it from a new page: every entry's `questions:` removed."""
    return KnowledgeBase(
        tuple(replace(e, questions=()) for e in knowledge.entries), knowledge.synonyms, knowledge.files
    )


def role_corpora(knowledge_path: Path, questions_path: Path) -> list[Corpus]:
    """The role eval (answerable and off-topic, each split in halves) on the role knowledge, bare too."""
    knowledge = load_knowledge(knowledge_path)
    eval_set = load_eval_set(questions_path, knowledge)
    answerable = [Question(q.text, q.ids, q.primary) for q in eval_set.answerable]
    offtopic = [Question(text) for text in eval_set.offtopic]
    parts = _join(split_halves(answerable), split_halves(offtopic))
    return [
        Corpus("role eval", knowledge, parts),
        Corpus("role, no questions", without_questions(knowledge), parts),
    ]


def stackfaq_corpus(data: Path = DEFAULT_DATA) -> Corpus:
    """StackFAQ as the benchmarks load it: one entry per thread (title = question, text = answer)."""
    raw = _read_json(data / "stackfaq.json")
    entries = tuple(
        Entry(e["id"], e["question"], "StackFAQ", e["answer"], "StackFAQ", "stackfaq.json") for e in raw["entries"]
    )
    queries = [Question(q["text"], frozenset(q["relevant"])) for q in raw["queries"]]
    return Corpus("StackFAQ", KnowledgeBase(entries, {}, ()), split_halves(queries))


def clinc_faq_corpus(data: Path = DEFAULT_DATA, per_intent: int = CLINC_QUESTIONS_PER_INTENT) -> Corpus:
    """CLINC150 as an FAQ: one entry per intent, asked its validation split in scope and `oos_val` out of scope.

    An entry's title is the intent name and its `questions:` are the intent's first `per_intent` train utterances.
    """
    raw = _read_json(data / "clinc150-train-val.json")
    utterances: dict[str, list[str]] = {}
    for item in raw["train"]:
        utterances.setdefault(item["intent"], []).append(item["text"])
    entries = []
    for intent, texts in utterances.items():
        title = intent.replace("_", " ")
        entries.append(Entry(intent, title, "CLINC150", title, "CLINC150", "clinc150", tuple(texts[:per_intent])))
    in_scope = [Question(item["text"], frozenset({item["intent"]})) for item in raw["val"]]
    out_of_scope = [Question(text if isinstance(text, str) else text["text"]) for text in raw["oos_val"]]
    return Corpus(
        "CLINC150 as FAQ",
        KnowledgeBase(tuple(entries), {}, ()),
        _join(split_halves(in_scope), split_halves(out_of_scope)),
    )


def clinc_offdomain_corpus(knowledge: KnowledgeBase, data: Path = DEFAULT_DATA) -> Corpus:
    """CLINC150's validation queries asked of the role knowledge: none of them is about a job role."""
    raw = _read_json(data / "clinc150-val-offdomain.json")
    return Corpus("CLINC150 off-domain vs role", knowledge, split_halves([Question(str(q)) for q in raw["queries"]]))


def all_corpora(knowledge_path: Path, questions_path: Path, data: Path = DEFAULT_DATA) -> list[Corpus]:
    """Every corpus of the cross-knowledge evaluation, in report order."""
    role, bare = role_corpora(knowledge_path, questions_path)
    return [role, bare, stackfaq_corpus(data), clinc_faq_corpus(data), clinc_offdomain_corpus(role.knowledge, data)]
