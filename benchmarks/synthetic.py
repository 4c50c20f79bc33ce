"""Reproducible synthetic knowledge bases of any size, and perturbed questions to time retrieval with."""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.common import simple_tokens, write_knowledge_yaml
from bot.core.knowledge import Entry, KnowledgeBase

SEED = 20240611
ROLE = "Synthetic Handbook"
SECTIONS = 24
TOPIC_WORDS = 12
QUESTION_STARTS = ("how", "what", "why", "when", "where", "which", "who", "can", "do", "is", "should")
CONSONANTS = "bcdfghjklmnprstvwz"
VOWELS = "aeiou"
# Heaps' law for English text (vocabulary ~ K * tokens ** beta), so the vocabulary grows with the corpus.
HEAPS_K, HEAPS_BETA = 44.0, 0.49
TOKENS_PER_ENTRY = 7 + 80 + 4.5 * 8.5


@dataclass(frozen=True)
class Vocabulary:
    """Words by frequency rank and the cumulative Zipf-Mandelbrot distribution to draw them with."""

    words: tuple[str, ...]
    cdf: np.ndarray


@dataclass(frozen=True)
class Query:
    """A timed question and the id of the entry it was made from (None for off-topic ones)."""

    text: str
    expected: str | None


def base_words(knowledge: KnowledgeBase) -> list[str]:
    """The role knowledge's own words, most frequent first (ties alphabetical), so the synthetic text reads alike."""
    counts: Counter[str] = Counter()
    for entry in knowledge.entries:
        counts.update(
            w for w in simple_tokens(f"{entry.title} {entry.text} {' '.join(entry.questions)}") if w.isalpha()
        )
    return [word for word, _ in sorted(counts.items(), key=lambda item: (-item[1], item[0]))]


def pseudo_words(count: int, exclude: set[str], rng: random.Random) -> list[str]:
    """`count` distinct pronounceable made-up words of 2-4 syllables, none of them in `exclude`."""
    words: list[str] = []
    seen = set(exclude)
    while len(words) < count:
        word = "".join(rng.choice(CONSONANTS) + rng.choice(VOWELS) for _ in range(rng.randint(2, 4)))
        if rng.random() < 0.4:
            word += rng.choice(CONSONANTS)
        if word not in seen:
            seen.add(word)
            words.append(word)
    return words


def vocabulary(size: int, base: Sequence[str], seed: int = SEED) -> Vocabulary:
    """The role's words plus enough pseudo-words for a corpus of `size` entries, with Zipf-like frequencies."""
    target = int(HEAPS_K * (size * TOKENS_PER_ENTRY) ** HEAPS_BETA)
    words = list(base) + pseudo_words(max(target - len(base), 0), set(base), random.Random(seed))
    ranks = np.arange(1, len(words) + 1, dtype=np.float64)
    weights = 1.0 / (ranks + 2.7) ** 1.07
    cdf = np.cumsum(weights)
    return Vocabulary(tuple(words), cdf / cdf[-1])


class _Writer:
    """Draws all entries' words at once from one seeded generator (vectorised: 100k entries in seconds)."""

    def __init__(self, vocab: Vocabulary, size: int, seed: int) -> None:
        self.words = np.asarray(vocab.words, dtype=object)
        self.cdf = vocab.cdf
        self.size = size
        self.rng = np.random.default_rng(seed)
        low = min(100, len(vocab.words) - 1)
        # Each entry is about a dozen mid- and low-frequency words of its own.
        self.topic = self.rng.integers(low, len(vocab.words), (size, TOPIC_WORDS))

    def lengths(self, low: int, high: int, count: int | None = None) -> np.ndarray:
        """Uniform segment lengths in [low, high]."""
        return self.rng.integers(low, high + 1, self.size if count is None else count)

    def words_for(
        self, owners: np.ndarray, topic_share: float, pool: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
    ) -> np.ndarray:
        """One word index per slot: from the owner's topic words, from its text (`pool`), or Zipf-drawn."""
        count = len(owners)
        indices = np.minimum(np.searchsorted(self.cdf, self.rng.random(count)), len(self.words) - 1)
        roll, pick = self.rng.random(count), self.rng.random(count)
        from_topic = roll < topic_share
        indices[from_topic] = self.topic[owners[from_topic], (pick[from_topic] * TOPIC_WORDS).astype(np.int64)]
        if pool is not None:
            starts, lengths, text = pool
            chosen = (roll >= topic_share) & (roll < topic_share + 0.25)
            owner = owners[chosen]
            indices[chosen] = text[starts[owner] + (pick[chosen] * lengths[owner]).astype(np.int64)]
        return indices

    def strings(self, indices: np.ndarray, lengths: np.ndarray) -> list[str]:
        """Join consecutive runs of `lengths` words into strings."""
        words = self.words[indices].tolist()
        ends = np.cumsum(lengths).tolist()
        starts = [0, *ends[:-1]]
        return [" ".join(words[a:b]) for a, b in zip(starts, ends, strict=True)]

    def entries(self) -> list[dict[str, Any]]:
        """Entries with a title of 5-10 words, a text of 40-120 words and 3-6 questions of 5-12 words."""
        everyone = np.arange(self.size)
        text_lengths = self.lengths(40, 120)
        text = self.words_for(np.repeat(everyone, text_lengths), 0.3)
        text_starts = np.r_[0, np.cumsum(text_lengths)[:-1]]
        title_lengths = self.lengths(5, 10)
        titles = self.strings(self.words_for(np.repeat(everyone, title_lengths), 0.6), title_lengths)
        counts = self.lengths(3, 6)
        question_owner = np.repeat(everyone, counts)
        question_lengths = self.lengths(4, 11, len(question_owner))
        question_words = self.words_for(
            np.repeat(question_owner, question_lengths), 0.5, (text_starts, text_lengths, text)
        )
        starts = self.rng.integers(0, len(QUESTION_STARTS), len(question_owner)).tolist()
        questions = [
            f"{QUESTION_STARTS[start]} {body}?"
            for start, body in zip(starts, self.strings(question_words, question_lengths), strict=True)
        ]
        bounds = np.r_[0, np.cumsum(counts)].tolist()
        texts = self.strings(text, text_lengths)
        return [
            {
                "id": f"s{index:06d}",
                "title": titles[index].capitalize(),
                "section": f"Section {index % SECTIONS + 1}",
                "text": texts[index].capitalize() + ".",
                "questions": questions[bounds[index] : bounds[index + 1]],
            }
            for index in range(self.size)
        ]


def generate_entries(size: int, base: Sequence[str], seed: int = SEED) -> list[dict[str, Any]]:
    """`size` synthetic entries, identical for the same size, base words and seed."""
    return _Writer(vocabulary(size, base, seed), size, seed + size).entries()


def to_knowledge(entries: Sequence[dict[str, Any]], role: str = ROLE) -> KnowledgeBase:
    """Build the knowledge base directly from entry dicts (no YAML), for sizes where parsing YAML takes minutes."""
    built = tuple(
        Entry(
            id=e["id"],
            title=e["title"],
            section=e["section"],
            text=e["text"],
            role=role,
            source="synthetic",
            questions=tuple(e.get("questions", ())),
        )
        for e in entries
    )
    return KnowledgeBase(entries=built, synonyms={}, files=())


def write_entries(entries: Sequence[dict[str, Any]], path: Path, *, as_yaml: bool) -> Path:
    """Save entries as a knowledge YAML file (for load_knowledge) or as JSON (for direct construction)."""
    if as_yaml:
        return write_knowledge_yaml(path.with_suffix(".yaml"), ROLE, entries)
    target = path.with_suffix(".json")
    target.write_text(json.dumps(list(entries)), encoding="utf-8")
    return target


def _typo(word: str, rng: random.Random) -> str:
    """Swap two neighbouring letters or drop one, the commonest slips."""
    i = rng.randrange(1, len(word) - 1)
    if rng.random() < 0.5:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    return word[:i] + word[i + 1 :]


def perturb(question: str, filler: Sequence[str], rng: random.Random) -> str:
    """A member's rewording of a known question: a word dropped, a word replaced, maybe a typo."""
    words = question.rstrip("?").split()
    if len(words) > 3 and rng.random() < 0.6:
        del words[rng.randrange(len(words))]
    if len(words) > 2 and rng.random() < 0.4:
        words[rng.randrange(len(words))] = rng.choice(filler)
    long_words = [i for i, word in enumerate(words) if len(word) >= 6 and word.isalpha()]
    if long_words and rng.random() < 0.25:
        i = rng.choice(long_words)
        words[i] = _typo(words[i], rng)
    return " ".join(words) + ("?" if rng.random() < 0.7 else "")


def make_queries(
    knowledge: KnowledgeBase, count: int, offtopic: Sequence[str], *, seed: int = SEED, offtopic_share: float = 0.1
) -> list[Query]:
    """`count` questions: perturbed entry titles and questions, plus a share of off-topic ones."""
    rng = random.Random(seed + len(knowledge.entries))
    entries = knowledge.entries
    filler = [word for entry in rng.sample(entries, min(len(entries), 200)) for word in entry.text.split()[:20]]
    queries = []
    for _ in range(count):
        if offtopic and rng.random() < offtopic_share:
            queries.append(Query(rng.choice(offtopic), None))
            continue
        entry = rng.choice(entries)
        source = rng.choice((entry.title, *entry.questions))
        queries.append(Query(perturb(source, filler, rng), entry.id))
    return queries
