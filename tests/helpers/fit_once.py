"""Fit each distinct knowledge once per test process: `fit_retriever` is a pure function of the knowledge's content.

Every Answerer, CLI command and evaluation in the tests that indexes the bundled knowledge (or any knowledge it
has indexed before) gets the retriever fitted the first time, instead of re-fitting and re-calibrating it
(seconds each). The retriever is never changed after `fit` (searches only read it), and a knowledge that cannot be
indexed still raises every time. The core's own tests call `TfidfRetriever().fit` directly and are not affected.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest

from bot.core import answering
from bot.core.knowledge import KnowledgeBase
from bot.core.retriever import TfidfRetriever

# Every module that imported fit_retriever by name, so the one memo serves them all.
USERS = ("bot.core.answering", "bot.cli.commands", "bot.evaluation.crosseval", "bot.evaluation.learning")


def content_key(knowledge: KnowledgeBase) -> str:
    """What a fit depends on: the entries and the synonyms (not where the files are)."""
    synonyms = (knowledge.synonyms, knowledge.role_synonyms, knowledge.shared_synonyms)
    return repr((knowledge.entries, tuple(tuple(sorted(table.items())) for table in synonyms)))


def memoized(fit: Callable[[KnowledgeBase], TfidfRetriever]) -> Callable[[KnowledgeBase], TfidfRetriever]:
    """`fit`, remembering each knowledge's retriever by content (thread-safe: reloads fit in worker threads)."""
    fitted: dict[str, TfidfRetriever] = {}
    lock = threading.Lock()

    def fit_retriever(knowledge: KnowledgeBase) -> TfidfRetriever:
        key = content_key(knowledge)
        with lock:
            known = fitted.get(key)
        if known is None:
            known = fit(knowledge)
            with lock:
                known = fitted.setdefault(key, known)
        return known

    return fit_retriever


@contextmanager
def fitting_each_knowledge_once() -> Iterator[None]:
    """Patch the memo into every module that fits, for as long as the context lasts."""
    import importlib

    patched = memoized(answering.fit_retriever)
    with pytest.MonkeyPatch.context() as patch:
        for name in USERS:
            patch.setattr(importlib.import_module(name), "fit_retriever", patched)
        yield
