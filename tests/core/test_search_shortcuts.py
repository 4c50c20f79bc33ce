"""The search's shortcuts give what the plain computations they replace give (the speed-ups change no result)."""

from __future__ import annotations

import numpy as np
import pytest

from bot.core.retriever import TfidfRetriever
from bot.core.speller import nearest_positive
from bot.core.text import Normalizer

SYNONYMS = {
    "tech lead": ["tl", "team lead", "team lead engineer", "lead of the team"],
    "kubernetes": ["k8s", "kube"],
    "site reliability engineer": ["sre"],
}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Ask the TL about k8s", "ask the tech lead about kubernetes"),
        ("a team lead engineer, a team lead, a lead of the team", "a tech lead, a tech lead, a tech lead"),
        ("team leads and tls stay", "team leads and tls stay"),
        ("tl: and k8s:pods are codes, tl:x too", "tl: and k8s:pods are codes, tl:x too"),
        ("x:tl is a code but (tl) is not", "x:tl is a code but (tech lead) is not"),
        ("sre/tl/kube_ctl-kube", "site reliability engineer/tech lead/kube_ctl-kubernetes"),
        ("team lead engineering", "tech lead engineering"),
        ("", ""),
    ],
)
def test_synonym_variants_are_replaced_where_whole(text: str, expected: str) -> None:
    assert Normalizer(SYNONYMS)(text) == expected


def test_synonym_replacement_equals_the_variant_pattern() -> None:
    normalizer = Normalizer(SYNONYMS)
    assert normalizer._pattern is not None
    rng = np.random.default_rng(3)
    pieces = [*(v for variants in SYNONYMS.values() for v in variants), "team", "lead", "the", "x", "_", "é", "s"]
    for _ in range(2000):
        words = rng.choice(pieces, size=rng.integers(1, 7))
        joints = rng.choice([" ", "", ":", "-", ",", "/", "  "], size=len(words))
        text = "".join(word + joint for word, joint in zip(words, joints, strict=True))
        assert normalizer._replace(text) == normalizer._pattern.sub(normalizer._replaced, text), text


def test_nearest_positive_is_the_set_a_full_sort_keeps() -> None:
    rng = np.random.default_rng(5)
    for trial in range(3000):
        size = int(rng.integers(1, 60))
        if trial % 2:  # few distinct values: ties across the cut
            similarity = (rng.integers(0, 5, size) / 4).astype(np.float32)
        else:
            similarity = (rng.random(size) * (rng.random(size) < 0.6)).astype(np.float32)
        expected = sorted(int(i) for i in np.argsort(-similarity)[:20] if similarity[i] > 0)
        assert sorted(nearest_positive(similarity, 20)) == expected


def test_best_phrasings_from_window_maxima_equal_each_entrys_maximum() -> None:
    rng = np.random.default_rng(7)
    for _ in range(200):
        counts = rng.integers(1, 20, int(rng.integers(1, 200)))
        retriever = TfidfRetriever()
        retriever.phrasing_counts_ = counts
        retriever.group_starts_ = np.r_[0, np.cumsum(counts)[:-1]]
        retriever.best_windows_ = retriever._phrasing_windows()
        phrasing = rng.random(int(counts.sum())).astype(np.float32)
        expected = [float(part.max()) for part in np.split(phrasing, np.cumsum(counts)[:-1])]
        assert retriever._best_phrasings(phrasing).tolist() == expected
