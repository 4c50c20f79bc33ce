"""Where a question's time goes on the role knowledge: faqbot's answer path step by step, next to bm25s's whole path."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from benchmarks.baselines import Bm25s
from bot.core.answering import Answerer

WARMUP = 20


@dataclass(frozen=True)
class StepTime:
    """The mean time one step of answering takes per question, in microseconds."""

    step: str
    mean_us: float


def mean_us(step: Callable[[str], object], questions: Sequence[str], repeats: int) -> float:
    """The mean wall time of `step` per question over `repeats` passes, after a warm-up (means add up, medians not)."""
    for question in questions[:WARMUP]:
        step(question)
    started = time.perf_counter_ns()
    for _ in range(repeats):
        for question in questions:
            step(question)
    return (time.perf_counter_ns() - started) / (len(questions) * repeats) / 1000


def run_breakdown(answerer: Answerer, questions: Sequence[str], repeats: int = 3) -> list[StepTime]:
    """Time the answer path, its retrieval and its first steps alone, then bm25s on the same entries and questions.

    Each step after the first two is a prefix of the search: folding and synonyms, then the question's terms (which
    fold again), then the feature weights of already-found terms. What the search spends beyond them is scoring.
    """
    retriever = answerer.retriever
    terms = {question: retriever.query_terms(question) for question in questions}

    def encode(question: str) -> object:
        found = terms[question]
        return retriever.word_encoder_.weights(found), retriever.char_encoder_.weights(found)

    bm25s = Bm25s([entry.searchable_text for entry in answerer.knowledge.entries])
    steps: list[tuple[str, Callable[[str], object]]] = [
        ("faqbot: whole answer path (`Answerer.judge`: small talk, retrieval, gate)", answerer.judge),
        ("faqbot: retrieval (`retriever.search`)", retriever.search),
        ("faqbot: folding and synonym rewrite alone", retriever.normalizer_),
        ("faqbot: the question's terms alone (folding, stop words, speller)", retriever.query_terms),
        ("faqbot: feature weights of the terms alone (words, character n-grams)", encode),
        ("bm25s: whole path (tokenize + `retrieve(k=5)`)", lambda question: bm25s.top(question, 5)),
    ]
    return [StepTime(name, mean_us(step, questions, repeats)) for name, step in steps]
