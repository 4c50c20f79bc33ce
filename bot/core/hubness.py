"""Hubness: entries that come near far more questions than they should, found and damped at index time.

In a similarity space some documents (long bodies, bodies full of the knowledge's own domain words) are close to
almost every question: they rank first for questions about other entries. Each entry's hubness is its mean
similarity to the `NEIGHBOURS` reference questions it is closest to (the k-occurrence idea behind CSLS and mutual
proximity), estimated from the knowledge's own phrasings (never an entry's own) and the package's generic
off-topic questions. No editor names a hub: an entry that is closer to its nearest questions than the median entry
is to its own has its scores scaled down by (median / its hubness) ** `HUB_POWER`; no entry is ever raised.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

import numpy as np

from bot.core.knowledge import Entry

# How many of an entry's nearest reference questions measure its hubness.
NEIGHBOURS = 10
# How strongly a hub is damped; 0 (off) is the default. Measured on the tuning halves with function words kept:
# at 0.25, P@1 moved by one or two questions per corpus (role without questions 0.766 -> 0.777, CLINC150 0.745 ->
# 0.747), the summed right share at the common bar 2.189 -> 2.206 and the summed best right share within each
# corpus's wrong limit 2.512 -> 2.507: no gain beyond noise, for 1.4 s more CPU on the role's index build (three
# fits with calibration) against a 2 s budget. Turn it on per retriever (`TfidfRetriever(hub_power=...)`).
HUB_POWER = 0.0
# At most this many of the knowledge's phrasings, and of the generic off-topic questions, are asked: enough for a
# stable top-10 mean per entry, few enough to cost little at index time.
REFERENCE_PHRASINGS = 300
REFERENCE_OFFTOPIC = 80
# A large knowledge asks fewer: at most about this many question x entry similarities in all (at 100k entries, 40
# questions: 1 s of index time instead of 11 s), and never fewer than MIN_REFERENCES questions.
REFERENCE_BUDGET = 4_000_000
MIN_REFERENCES = 40
SEED = 0


def reference_questions(entries: Sequence[Entry], offtopic: Sequence[str], seed: int = SEED) -> list[tuple[str, int]]:
    """A fixed sample of the knowledge's phrasings (with the entry each belongs to) and of off-topic questions (-1)."""
    rng = random.Random(seed)  # noqa: S311 - reproducible sampling, not a secret
    share = min(
        1.0, max(MIN_REFERENCES, REFERENCE_BUDGET // max(len(entries), 1)) / (REFERENCE_PHRASINGS + REFERENCE_OFFTOPIC)
    )
    own = [(text, index) for index, entry in enumerate(entries) for text in (entry.title, *entry.questions) if text]
    chosen = rng.sample(own, min(round(REFERENCE_PHRASINGS * share), len(own)))
    generic = rng.sample(list(offtopic), min(round(REFERENCE_OFFTOPIC * share), len(offtopic)))
    return chosen + [(text, -1) for text in generic]


def hub_factors(similarities: np.ndarray, power: float = HUB_POWER, neighbours: int = NEIGHBOURS) -> np.ndarray:
    """Each entry's score factor (at most 1) from a reference question x entry similarity matrix.

    A question's similarity to its own entry must already be left out (set to 0) by the caller.
    """
    entries = similarities.shape[1] if similarities.ndim == 2 else 0
    if not len(similarities) or not entries or power <= 0:
        return np.ones(entries, dtype=np.float32)
    depth = min(neighbours, len(similarities))
    nearest = -np.partition(-similarities, depth - 1, axis=0)[:depth]
    hubness = nearest.mean(axis=0)
    median = float(np.median(hubness))
    if median <= 0:
        return np.ones(entries, dtype=np.float32)
    return np.minimum(1.0, (median / np.maximum(hubness, 1e-9)) ** power).astype(np.float32)
