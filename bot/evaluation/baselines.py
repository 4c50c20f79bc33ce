"""A plain BM25 baseline (bm25s) over the same entries, to measure faqbot against."""

from __future__ import annotations

import logging
from collections.abc import Callable

from bot.core.knowledge import KnowledgeBase
from bot.errors import FaqbotError
from bot.evaluation.scoring import MRR_DEPTH, Prediction


def bm25_predictor(knowledge: KnowledgeBase) -> Callable[[str], Prediction]:
    """Plain BM25 (bm25s, English stop words) over the same entries; it answers whenever any term matches."""
    try:
        import bm25s
    except ImportError:
        raise FaqbotError("the BM25 baseline needs the bm25s package: pip install -e '.[test]'") from None
    logging.getLogger("bm25s").setLevel(logging.WARNING)
    entries = knowledge.entries
    index = bm25s.BM25()
    index.index(
        bm25s.tokenize([e.searchable_text for e in entries], stopwords="en", show_progress=False), show_progress=False
    )
    k = min(MRR_DEPTH, len(entries))

    def predict(question: str) -> Prediction:
        tokens = bm25s.tokenize([question], stopwords="en", show_progress=False)
        if not tokens.vocab:
            return Prediction(False, ())
        documents, scores = index.retrieve(tokens, k=k, show_progress=False)
        ranking = tuple(entries[int(i)].id for i, s in zip(documents[0], scores[0], strict=True) if s > 0)
        return Prediction(bool(ranking), ranking)

    return predict
