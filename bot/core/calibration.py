"""A confidence that means the same on any knowledge base: P(the best hit is a right answer), learnt at index time.

The knowledge itself supplies the examples. One refit of the retriever leaves out a sample of phrasings (questions,
or the title where an entry has none) and a sample of whole entries; each left-out phrasing is then asked of that
index. A phrasing whose own entry comes first is a right answer; any other first hit is wrong, and so is any answer
to a phrasing of a left-out entry (a question on the knowledge's own ground that it cannot answer). Generic
off-topic questions written for the package (`data/offtopic_questions.txt`) add what a question about something
else looks like; those that look like the knowledge's own phrasings are left out, since for this knowledge they may
well be in scope. A logistic regression on features of the search results turns them into a probability.

The features are relative where they can be: the best score is measured against the scores the knowledge's own
held-out phrasings get (a per-knowledge normalisation), so that a bar means the same on every knowledge base.
"""

from __future__ import annotations

import functools
import logging
import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Protocol

import numpy as np

from bot.core.gate import KIN, SearchResults
from bot.core.knowledge import Entry, KnowledgeBase
from bot.core.text import read_lines


class ProbeIndex(Protocol):
    """What calibration needs of a retriever: fit a knowledge base, then search it (TfidfRetriever is one)."""

    def fit(self, knowledge: KnowledgeBase) -> ProbeIndex:
        """Index the knowledge."""
        ...

    def search(self, query: str, k: int = 5) -> SearchResults:
        """The k best entries for a question."""
        ...


log = logging.getLogger(__name__)

SEED = 0
# Two held-out refits (seeds SEED and SEED + 1), their probes pooled: one refit's random choice of left-out entries
# and phrasings moved the bar every tuning half could bear from 0.62 to 0.86 between seeds; two, 0.76 to 0.81.
ROUNDS = 2
# A small knowledge gives few probes per refit, and its refits cost little: it gets as many rounds as it takes to
# probe about this many entries (at most MAX_ROUNDS), so that a new community's first handful of entries still
# teaches the model what a clear match looks like.
PROBED_ENTRIES = 60
MAX_ROUNDS = 12
# From this many entries on, one refit: its 15% of left-out entries are then hundreds, so which ones are left out
# matters little, and a refit of a large knowledge costs seconds.
ONE_ROUND_ENTRIES = 1_000
HELD_OUT_ENTRY_SHARE = 0.15
MAX_PHRASING_PROBES = 120
MAX_ENTRY_PROBES = 45
MAX_OFFTOPIC_PROBES = 80
PROBE_DEPTH = 8
# How much each kind of probe counts in the fit. A left-out phrasing is what a member's question looks like; a
# phrasing of a left-out entry is a hard negative but a rarer real case, and the generic off-topic questions are
# many and easy: left at full weight, the two kinds of negatives pulled every on-ground question's confidence down.
# Chosen on the tuning halves (README, "What each default was chosen on"), with the regularisation C.
PROBE_WEIGHTS = {"phrasing": 1.0, "entry": 0.25, "offtopic": 0.5}
REGULARISATION_C = 0.3


@dataclass(frozen=True)
class Probe:
    """A calibration question: its text and the entry that answers it (None: nothing in the index does)."""

    text: str
    owner: str | None
    kind: str = "phrasing"  # "phrasing" (a left-out phrasing), "entry" (of a left-out entry) or "offtopic"


@dataclass(frozen=True)
class ProbeResult:
    """A probe and what the held-out index found for it."""

    probe: Probe
    results: SearchResults

    @property
    def right(self) -> bool:
        """Whether the best hit is the probe's own entry."""
        return (
            self.probe.owner is not None
            and bool(self.results.hits)
            and self.results.hits[0].entry.id == self.probe.owner
        )


@functools.cache
def offtopic_questions() -> tuple[str, ...]:
    """The package's generic off-topic questions (everyday topics, other jobs, tech support, chit-chat)."""
    return read_lines("offtopic_questions.txt")


def held_out_knowledge(knowledge: KnowledgeBase, seed: int = SEED) -> tuple[KnowledgeBase, list[Probe]]:
    """The knowledge with a sample of phrasings and of whole entries left out, and those left-out phrasings."""
    rng = random.Random(seed)  # noqa: S311 - reproducible sampling, not a secret
    entries = list(knowledge.entries)
    dropped: set[str] = set()
    if len(entries) >= 4:
        count = max(1, round(len(entries) * HELD_OUT_ENTRY_SHARE))
        dropped = {entry.id for entry in rng.sample(entries, count)}
    kept: list[Entry] = []
    positives: list[Probe] = []
    negatives: list[Probe] = []
    kept_entries = [entry for entry in entries if entry.id not in dropped]
    per_entry = max(1, math.ceil(MAX_PHRASING_PROBES / max(len(kept_entries), 1)))
    for entry in entries:
        if entry.id in dropped:
            phrasings = [entry.title, *rng.sample(entry.questions, min(2, len(entry.questions)))]
            negatives += [Probe(text, None, "entry") for text in phrasings]
            continue
        if len(entry.questions) >= 2:
            # leave at least one question in, so the entry keeps a phrasing besides its title
            taken = set(rng.sample(range(len(entry.questions)), min(per_entry, len(entry.questions) - 1)))
            positives += [Probe(entry.questions[i], entry.id) for i in sorted(taken)]
            kept.append(replace(entry, questions=tuple(q for i, q in enumerate(entry.questions) if i not in taken)))
        else:
            # no phrasing to spare (none, or only one): the title, asked of the entry without it, is a rephrasing
            # that shares no words with any phrasing; half the title's words, asked of the entry as it is, one that
            # shares many. A member's rephrasing lies between the two.
            words = entry.title.split()
            taken_words = sorted(rng.sample(range(len(words)), max(1, len(words) // 2)))
            if rng.random() < 0.5:
                positives.append(Probe(entry.title, entry.id))
                kept.append(replace(entry, title=""))
            else:
                positives.append(Probe(" ".join(words[i] for i in taken_words), entry.id))
                kept.append(entry)
    positives = rng.sample(positives, min(MAX_PHRASING_PROBES, len(positives)))
    negatives = rng.sample(negatives, min(MAX_ENTRY_PROBES, len(negatives)))
    return KnowledgeBase(tuple(kept), knowledge.synonyms, knowledge.files), positives + negatives


def run_probes(
    knowledge: KnowledgeBase,
    make_retriever: Callable[[], ProbeIndex],
    offtopic: Sequence[str] | None = None,
    seed: int = SEED,
) -> list[ProbeResult]:
    """Ask the held-out index its probes and a sample of the generic off-topic questions."""
    reduced, probes = held_out_knowledge(knowledge, seed)
    retriever = make_retriever().fit(reduced)
    generic = offtopic_questions() if offtopic is None else tuple(offtopic)
    rng = random.Random(seed)  # noqa: S311 - reproducible sampling, not a secret
    own = [ProbeResult(probe, retriever.search(probe.text, k=PROBE_DEPTH)) for probe in probes]
    sample = rng.sample(generic, min(MAX_OFFTOPIC_PROBES, len(generic)))
    others = [ProbeResult(Probe(text, None, "offtopic"), retriever.search(text, k=PROBE_DEPTH)) for text in sample]
    return own + unlike_own(others, own)


def unlike_own(offtopic: Sequence[ProbeResult], own: Sequence[ProbeResult]) -> list[ProbeResult]:
    """The generic off-topic probes that do not look like the knowledge's own phrasings.

    One that scores as well as the typical held-out phrasing answered right is, for this knowledge, probably not
    off-topic at all (a banking question for a bank's FAQ): it would teach the model that its own ground is foreign.
    """
    median, _ = reference_scores(own)
    bar = math.exp(median) if any(item.right for item in own) else math.inf
    return [item for item in offtopic if not item.results.hits or item.results.hits[0].score < bar]


FEATURES = (
    "log best score against the held-out phrasings' (z)",
    "log best score",
    "runner-up ratio",
    "margin",
    "coverage",
    "concept",
    "one term",
    "terms",
    "names role",
    "rival ratio (runner-ups that are not kin of the best)",
    "kin ratio (runner-ups that are)",
    "neighbour votes",
    "channel agreement",
)


def features(results: SearchResults, reference: tuple[float, float]) -> list[float]:
    """The evidence a search gives about its best hit, as numbers (see FEATURES); `reference` is (median, spread)."""
    hits = results.hits
    best = hits[0].score
    second = hits[1].score if len(hits) > 1 else 0.0
    log_best = math.log(best)
    rival = max((hit.score / best for hit in hits[1:4] if hit.kinship < KIN), default=0.0)
    kin = max((hit.score / best for hit in hits[1:4] if hit.kinship >= KIN), default=0.0)
    return [
        (log_best - reference[0]) / reference[1],
        log_best,
        second / best,
        best - second,
        hits[0].coverage,
        hits[0].concept,
        float(results.term_count <= 1),
        min(results.term_count, 8) / 8,
        float(results.names_role),
        rival,
        kin,
        results.votes,
        results.channels,
    ]


@dataclass(frozen=True)
class ConfidenceModel:
    """Standardised features -> logistic regression, evaluated in plain Python: a question costs microseconds."""

    reference: tuple[float, float]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    weights: tuple[float, ...]
    intercept: float
    examples: int
    right_share: float

    def probability(self, results: SearchResults) -> float:
        """P(the best hit of these results is a right answer); 0 when nothing matched."""
        if not results.hits or results.hits[0].score <= 0:
            return 0.0
        z = self.intercept
        values = features(results, self.reference)
        for value, mean, scale, weight in zip(values, self.mean, self.scale, self.weights, strict=True):
            z += weight * (value - mean) / scale
        return 1.0 / (1.0 + math.exp(-max(min(z, 30.0), -30.0)))


def reference_scores(probes: Sequence[ProbeResult]) -> tuple[float, float]:
    """The median and spread of the log best score of the probes answered right: this knowledge's own scale."""
    right = [math.log(item.results.hits[0].score) for item in probes if item.right]
    if len(right) < 2:
        return (0.0, 1.0)
    spread = float(np.std(right))
    return (float(np.median(right)), spread if spread > 1e-6 else 1.0)


def fit_model(probes: Sequence[ProbeResult]) -> ConfidenceModel:
    """A logistic regression on standardised features (a constant model when only one outcome was seen)."""
    from sklearn.linear_model import LogisticRegression  # only at index time

    answered = [item for item in probes if item.results.hits and item.results.hits[0].score > 0]
    reference = reference_scores(answered)
    rows = np.array([features(item.results, reference) for item in answered], dtype=np.float64).reshape(
        -1, len(FEATURES)
    )
    labels = np.array([int(item.right) for item in answered], dtype=np.int64)
    mean = rows.mean(axis=0) if len(rows) else np.zeros(len(FEATURES))
    scale = rows.std(axis=0) if len(rows) else np.ones(len(FEATURES))
    scale = np.where(scale > 1e-9, scale, 1.0)
    right = float(labels.mean()) if len(labels) else 0.0
    if len(set(labels.tolist())) < 2:
        intercept = 30.0 if right == 1.0 else -30.0
        return ConfidenceModel(
            reference, tuple(mean), tuple(scale), (0.0,) * len(FEATURES), intercept, len(labels), right
        )
    weights = np.array([PROBE_WEIGHTS[item.probe.kind] for item in answered], dtype=np.float64)
    model = LogisticRegression(C=REGULARISATION_C, max_iter=1000).fit(
        (rows - mean) / scale, labels, sample_weight=weights
    )
    log.debug("confidence model from %d probes, %.0f%% right", len(labels), 100 * right)
    return ConfidenceModel(
        reference,
        tuple(mean.tolist()),
        tuple(scale.tolist()),
        tuple(model.coef_[0].tolist()),
        float(model.intercept_[0]),
        len(labels),
        right,
    )


def calibration_rounds(entries: int) -> int:
    """How many held-out refits a knowledge of this many entries gets (more for a small one, one for a large one)."""
    if entries >= ONE_ROUND_ENTRIES:
        return 1
    return min(MAX_ROUNDS, max(ROUNDS, math.ceil(PROBED_ENTRIES / entries)))


def learn_confidence(
    knowledge: KnowledgeBase, make_retriever: Callable[[], ProbeIndex], seed: int = SEED
) -> ConfidenceModel:
    """Fit this knowledge's confidence model from its own left-out phrasings and generic off-topic questions."""
    rounds = calibration_rounds(len(knowledge.entries))
    probes = [item for round_ in range(rounds) for item in run_probes(knowledge, make_retriever, seed=seed + round_)]
    return fit_model(probes)
