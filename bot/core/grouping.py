"""Group similar unanswered questions, so editors see coverage gaps rather than a list of near-duplicates."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

from scipy import sparse
from scipy.sparse.csgraph import connected_components
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics.pairwise import cosine_similarity

from bot.core.retriever import TfidfRetriever, word_features
from bot.store import QueuedQuestion

DEFAULT_THRESHOLD = 0.45


@dataclass(frozen=True)
class QuestionGroup:
    """Questions that ask the same thing: the most asked one stands for the group."""

    representative: QueuedQuestion
    members: tuple[QueuedQuestion, ...]

    @property
    def total_count(self) -> int:
        """How often any question of the group was asked."""
        return sum(question.ask_count for question in self.members)

    @property
    def others(self) -> tuple[QueuedQuestion, ...]:
        """The group's other phrasings."""
        return tuple(question for question in self.members if question.id != self.representative.id)


def group_questions(
    questions: Sequence[QueuedQuestion], retriever: TfidfRetriever, *, threshold: float = DEFAULT_THRESHOLD
) -> list[QuestionGroup]:
    """Group questions that ask the same thing, largest total count first.

    Two questions are linked when their TF-IDF similarity (words and characters, read as the retriever reads
    them) reaches the threshold; each connected set of questions is a group.
    """
    if not questions:
        return []
    terms = [retriever.query_terms(question.text) or question.text.split() for question in questions]
    analyzer = functools.partial(word_features, stem=retriever.stemmer_.stem)
    words = TfidfVectorizer(analyzer=analyzer, sublinear_tf=True).fit_transform(terms)
    chars = TfidfVectorizer(analyzer="char_wb", preprocessor=" ".join, ngram_range=(3, 5), sublinear_tf=True)
    similarity = 0.5 * cosine_similarity(words) + 0.5 * cosine_similarity(chars.fit_transform(terms))
    _, labels = connected_components(sparse.csr_matrix(similarity >= threshold), directed=False)
    clusters: dict[int, list[QueuedQuestion]] = {}
    for label, question in zip(labels.tolist(), questions, strict=True):
        clusters.setdefault(label, []).append(question)
    groups = [
        QuestionGroup(max(members, key=lambda q: (q.ask_count, q.last_asked_at)), tuple(members))
        for members in clusters.values()
    ]
    groups.sort(key=lambda group: (-group.total_count, group.representative.id))
    return groups
