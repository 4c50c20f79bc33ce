"""Answer quality on public data: StackFAQ ranking (faqbot next to three baselines) and the CLINC150 false answers."""

from __future__ import annotations

import json
import random
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from benchmarks.baselines import BASELINES, build_baseline
from benchmarks.common import ROOT, STACKFAQ, progress, write_knowledge_yaml
from bot.config import Config
from bot.core.answering import Answerer
from bot.core.gate import Status
from bot.core.knowledge import KnowledgeBase, load_knowledge

DEPTH = 5
STACKFAQ_ROLE = "StackFAQ"
LEAK_SOURCES = ("knowledge", "bot", "config.example.yaml", "config.yaml")


@dataclass(frozen=True)
class LabelledQuery:
    """A test question and the id of the one entry that answers it."""

    text: str
    relevant: str


@dataclass(frozen=True)
class StackFaq:
    """The StackFAQ threads (id, question, answer) and the crowd-written rephrasings."""

    entries: tuple[dict[str, str], ...]
    queries: tuple[LabelledQuery, ...]


@dataclass(frozen=True)
class QualityRow:
    """One system's figures on StackFAQ; the gate columns only exist for faqbot."""

    system: str
    queries: int
    p_at_1: float
    mrr_at_5: float
    answered_share: float | None = None
    answered_accuracy: float | None = None


@dataclass(frozen=True)
class ClincResult:
    """How many off-domain CLINC150 queries faqbot answered on the role knowledge."""

    queries: int
    answered: int

    @property
    def rate(self) -> float:
        """The false-answer rate."""
        return self.answered / self.queries if self.queries else 0.0


def load_stackfaq(path: Path = STACKFAQ) -> StackFaq:
    """Read stackfaq.json (entries and labelled queries)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    entries = tuple({"id": e["id"], "question": e["question"], "answer": e["answer"]} for e in data["entries"])
    queries = tuple(LabelledQuery(q["text"], q["relevant"][0]) for q in data["queries"])
    return StackFaq(entries, queries)


def sample_queries(queries: Sequence[LabelledQuery], limit: int | None, seed: int = 7) -> list[LabelledQuery]:
    """All queries, or a reproducible sample of `limit` of them (for --quick)."""
    if limit is None or limit >= len(queries):
        return list(queries)
    return random.Random(seed).sample(list(queries), limit)


def stackfaq_knowledge(data: StackFaq, directory: Path) -> KnowledgeBase:
    """Write the threads as a knowledge file (title = question, text = answer) and load it the normal way."""
    entries = [
        {"id": e["id"], "title": e["question"], "section": STACKFAQ_ROLE, "text": e["answer"]} for e in data.entries
    ]
    path = write_knowledge_yaml(directory / "stackfaq.yaml", STACKFAQ_ROLE, entries)
    return load_knowledge(path)


def rank_scores(rankings: Sequence[Sequence[str]], queries: Sequence[LabelledQuery]) -> tuple[float, float]:
    """P@1 and MRR@5 of ranked entry ids against each query's relevant id."""
    hits = reciprocal = 0.0
    for ranking, query in zip(rankings, queries, strict=True):
        top = list(ranking[:DEPTH])
        if top and top[0] == query.relevant:
            hits += 1
        if query.relevant in top:
            reciprocal += 1 / (top.index(query.relevant) + 1)
    n = max(len(queries), 1)
    return hits / n, reciprocal / n


def evaluate_faqbot(knowledge: KnowledgeBase, queries: Sequence[LabelledQuery]) -> QualityRow:
    """Faqbot with default settings: ranking from retriever.search, and what the gate answers."""
    answerer = Answerer.build(knowledge, Config().retrieval, store=None)
    rankings, answered, correct = [], 0, 0
    for query in queries:
        rankings.append([hit.entry.id for hit in answerer.retriever.search(query.text, k=DEPTH).hits])
        answer = answerer.judge(query.text)
        if answer.status is Status.ANSWERED and answer.verdict is not None and answer.verdict.answer is not None:
            answered += 1
            correct += answer.verdict.answer.entry.id == query.relevant
    p1, mrr = rank_scores(rankings, queries)
    return QualityRow("faqbot", len(queries), p1, mrr, answered / max(len(queries), 1), correct / max(answered, 1))


def evaluate_baseline(name: str, knowledge: KnowledgeBase, queries: Sequence[LabelledQuery]) -> QualityRow:
    """A baseline over the same entries, each document being title + text."""
    ids = [entry.id for entry in knowledge.entries]
    ranker = build_baseline(name, [f"{entry.title} {entry.text}" for entry in knowledge.entries])
    rankings = [[ids[i] for i in ranker.top(query.text, DEPTH)] for query in queries]
    p1, mrr = rank_scores(rankings, queries)
    return QualityRow(name, len(queries), p1, mrr)


def run_stackfaq(limit: int | None = None) -> list[QualityRow]:
    """Faqbot and the baselines on StackFAQ, in one run, on the same loaded entries."""
    data = load_stackfaq()
    queries = sample_queries(data.queries, limit)
    with tempfile.TemporaryDirectory(prefix="faqbot-stackfaq-") as directory:
        knowledge = stackfaq_knowledge(data, Path(directory))
    progress("StackFAQ: %d entries loaded, %d queries", len(knowledge.entries), len(queries))
    rows = [evaluate_faqbot(knowledge, queries)]
    for name in BASELINES:
        rows.append(evaluate_baseline(name, knowledge, queries))
    return rows


def run_clinc(answerer: Answerer, queries: Sequence[str]) -> ClincResult:
    """Share of off-domain queries that faqbot (built on the role knowledge) answers, status ANSWERED."""
    answered = sum(answerer.judge(query).status is Status.ANSWERED for query in queries)
    return ClincResult(len(queries), answered)


def _normalise(text: str) -> str:
    """Casefold and collapse whitespace, for the leak check."""
    return " ".join(text.casefold().split())


def leaked_queries(queries: Sequence[LabelledQuery], root: Path = ROOT) -> list[str]:
    """StackFAQ queries found verbatim in the bot's knowledge, code or example settings (there must be none)."""
    files: list[Path] = []
    for name in LEAK_SOURCES:
        path = root / name
        files += sorted(p for p in path.rglob("*") if p.is_file() and p.suffix in {".yaml", ".yml", ".py", ".txt"})
        if path.is_file():
            files.append(path)
    corpus = "\n".join(_normalise(p.read_text(encoding="utf-8", errors="replace")) for p in files)
    return [query.text for query in queries if _normalise(query.text) in corpus]
