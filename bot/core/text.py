"""Text as the retriever reads it: folding, words, stop words (a data file), synonyms and stemming."""

from __future__ import annotations

import functools
import re
from array import array
from collections.abc import Mapping, Sequence
from importlib import resources

import numpy as np
import snowballstemmer

from bot.core.tfidf import Numbering, ragged_positions
from bot.folding import fold

TOKEN = re.compile(r"[a-z0-9]+(?::[a-z0-9]+)?")
# A word written in capitals ("IT", "US") in text that is not all capitals is a name, even when its lowercase form
# is a function word.
_NAME = re.compile(r"\b[A-Z]{2,}\b")
# A chat mention ("@everyone", "@here", "@name") addresses people; it is no part of the question.
_MENTION = re.compile(r"(?<![\w@])@\w+")
# Appended to a kept function word that a text writes as a name: "IT" is then not the pronoun "it".
NAME_MARK = "_"
# A synonym variant that starts with a word character can only match where a run of word characters starts that
# follows neither one nor ":" (the variant pattern's look-behind), and that whole run is the variant's own first
# run (the look-ahead, or the non-word character after it, ends the run there too).
_RUN = re.compile(r"\w+")
_RUN_START = re.compile(r"(?<![\w:])\w+")
_JOINS = re.compile(r"[\w:]")  # what may not follow a variant (the pattern's look-ahead)
# Markdown's formatting marks (bold, italics, strike-through, code, spoilers; underscores only at a word's edge, so
# snake_case stays one run): "*write* code" is "write code" to a synonym, as it reads.
_FORMATTING = re.compile(r"[*~`|]+|(?<![^\W_])_+|_+(?![^\W_])")

# Discord's markup for mentions (users, roles, channels, @everyone and @here), custom emoji, timestamps and command
# links: what Discord draws as a name or a picture, never words of the question (an emoji's id is not a word).
_CHAT_MARKUP = re.compile(
    r"<(?:@[!&]?|#)\d+>"  # a user, role or channel mention
    r"|<a?:\w+:\d+>"  # a custom emoji
    r"|<t:-?\d+(?::[a-zA-Z])?>"  # a timestamp
    r"|</[\w -]+:\d+>"  # a slash command link
    r"|@(?:everyone|here)\b"
)


def read_lines(name: str) -> tuple[str, ...]:
    """The non-empty lines of a text file shipped in bot/core/data, without # comments."""
    text = resources.files("bot.core.data").joinpath(name).read_text(encoding="utf-8")
    return tuple(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))


def question_text(text: str) -> str:
    """A message's question without chat markup (mentions, custom emoji, timestamps), trimmed: Discord and the CLI."""
    return " ".join(_CHAT_MARKUP.sub(" ", text).split())


def read_word_list(name: str) -> frozenset[str]:
    """A word list shipped in bot/core/data: words separated by whitespace, lines starting with # are comments."""
    text = resources.files("bot.core.data").joinpath(name).read_text(encoding="utf-8")
    return frozenset(word for line in text.splitlines() if not line.startswith("#") for word in line.split())


@functools.cache
def function_words() -> frozenset[str]:
    """English closed-class words (data/function_words.txt): articles, pronouns, auxiliaries, prepositions, ..."""
    return read_word_list("function_words.txt")


@functools.cache
def default_stop_words() -> frozenset[str]:
    """Words no question is about: the function words plus chat filler; read once, on first use."""
    return function_words() | read_word_list("filler_words.txt")


def names_in(text: str, stop_words: frozenset[str]) -> frozenset[str]:
    """The stop words that the text writes in capitals as a name ("IT", "US"), which must not be dropped.

    Text in capitals throughout ("WHAT IS IT") is shouting, not naming.
    """
    if not any(map(str.isupper, text)) or (text.isupper() and " " in text.strip()):
        return frozenset()
    return frozenset(word.lower() for word in _NAME.findall(text)) & stop_words


class Stemmer:
    """Reduces words to stems (Snowball English by default), with a cache: questions repeat the same words."""

    def __init__(self, language: str = "english") -> None:
        self.language = language
        self._snowball = snowballstemmer.stemmer(language)
        self.stem = functools.lru_cache(maxsize=1 << 18)(self._snowball.stemWord)

    def stem_words(self, words: Sequence[str]) -> list[str]:
        """Stem many words in one call (the corpus at index time)."""
        return self._snowball.stemWords(words)


class Normalizer:
    """Folds text to lowercase ASCII-ish words and rewrites members' variants into the page's terms."""

    def __init__(
        self,
        synonyms: Mapping[str, Sequence[str]],
        stop_words: frozenset[str] | None = None,
        light_words: frozenset[str] = frozenset(),
    ) -> None:
        """Compile the synonym pattern; `light_words` are function words kept as words.

        A light word the text writes as a name ("IT") becomes a word of its own, `NAME_MARK` appended, so the name
        never shares its weight with the pronoun.
        """
        self.stop_words = default_stop_words() if stop_words is None else stop_words
        self.light_words = light_words
        self._nameable = self.stop_words | light_words
        self.synonyms = {term: tuple(variants) for term, variants in synonyms.items()}
        pairs = sorted(
            ((variant, term) for term, variants in self.synonyms.items() for variant in variants),
            key=lambda pair: -len(pair[0]),
        )
        self._replacement = {variant: term for variant, term in pairs}
        self._spans_whitespace = any(char.isspace() for variant, _ in pairs for char in variant)
        alternatives = "|".join(re.escape(variant) for variant, _ in pairs)
        self._pattern = re.compile(rf"(?<![\w:])(?:{alternatives})(?![\w:])") if pairs else None
        # The variants by their first run, each list in the pattern's order (longest first): see `_replace`.
        self._by_first_run: dict[str, list[str]] = {}
        self._runs_only = True
        for variant, _ in pairs:
            run = _RUN.match(variant)
            if run is None:
                self._runs_only = False  # a variant starting otherwise: only the pattern finds it
            else:
                self._by_first_run.setdefault(run.group(0), []).append(variant)
        self._remembered: dict[str, tuple[str, ...]] | None = None

    def same_rules(
        self, synonyms: Mapping[str, Sequence[str]], stop_words: frozenset[str], light: frozenset[str]
    ) -> bool:
        """Whether a Normalizer built from these would normalise every text as this one does."""
        same_synonyms = {term: tuple(variants) for term, variants in synonyms.items()} == self.synonyms
        return same_synonyms and stop_words == self.stop_words and light == self.light_words

    def remember(self) -> None:
        """Keep each whole text's content words until `forget`: a knowledge's refits normalise the same texts again."""
        if self._remembered is None:
            self._remembered = {}

    def forget(self) -> None:
        """Stop remembering and free what was remembered."""
        self._remembered = None

    def __call__(self, text: str) -> str:
        """Return the folded text, without formatting marks, with every synonym variant replaced by its term."""
        text = fold(text)
        if _FORMATTING.search(text):
            text = " ".join(_FORMATTING.sub(" ", text).split())
        if self._pattern is not None:
            text = self._replace(text) if self._runs_only else self._pattern.sub(self._replaced, text)
        return text

    def _replaced(self, match: re.Match[str]) -> str:
        return self._replacement[match.group(0)]

    def _replace(self, text: str) -> str:
        """`self._pattern.sub(self._replaced, text)`, looking only at the starts of runs that begin a variant.

        At each such start the pattern takes the first of its alternatives (the longest) that is there and is not
        followed by a word character or ":"; then it goes on after it. Here the same, without trying hundreds of
        alternatives at every character.
        """
        pieces: list[str] = []
        done = 0  # the text before this is replaced already
        for run in _RUN_START.finditer(text):
            start = run.start()
            variants = self._by_first_run.get(run.group(0))
            if variants is None or start < done:
                continue
            for variant in variants:
                end = start + len(variant)
                if text.startswith(variant, start) and not _JOINS.match(text, end):
                    pieces += (text[done:start], self._replacement[variant])
                    done = end
                    break
        return "".join(pieces) + text[done:] if pieces else text

    def content_words(self, text: str, names: frozenset[str] | None = None) -> list[str]:
        """The words that carry meaning: normalised, without stop words (unless the text writes one as a name: "IT").

        `names` overrides which stop words count as names (for a piece of a longer text).
        """
        remembered = self._remembered if names is None else None
        if remembered is not None and (known := remembered.get(text)) is not None:
            return list(known)
        stop = self.stop_words
        names = names_in(text, self._nameable) if names is None else names
        if names:
            stop = stop - names
        words = [word for word in TOKEN.findall(self(_MENTION.sub(" ", text))) if word not in stop]
        if names and self.light_words:
            marked = names & self.light_words
            words = [word + NAME_MARK if word in marked else word for word in words]
        if remembered is not None:
            remembered[text] = tuple(words)
        return words

    @property
    def splits_at_whitespace(self) -> bool:
        """Whether normalising text piece by piece, split at whitespace, gives the words of the whole text.

        Words never span whitespace, so it does unless a synonym variant has a space in it ("tech lead").
        """
        return not self._spans_whitespace

    def number_words(self, texts: Sequence[str]) -> tuple[list[str], np.ndarray, np.ndarray]:
        """Every text's content words as numbers: the distinct words, all texts' ids in one array, and offsets.

        Equal to `content_words` text by text. Where `splits_at_whitespace`, each distinct whitespace-separated chunk
        ("Kubernetes," "node?") is normalised once for the whole corpus.
        """
        words = Numbering()
        if not self.splits_at_whitespace:
            ids = array("i")
            offsets = []
            for text in texts:
                ids.extend(map(words.__getitem__, self.content_words(text)))
                offsets.append(len(ids))
            return list(words), np.frombuffer(ids, dtype=np.int32), np.array([0, *offsets], dtype=np.int64)
        chunks = Numbering()  # keyed by (chunk, the text's names): "it" is a word only where the text says "IT"
        chunk_ids = array("i")
        chunk_ends = []
        for text in texts:
            names = names_in(text, self._nameable)
            chunk_ids.extend(chunks[chunk, names] for chunk in text.split())
            chunk_ends.append(len(chunk_ids))
        flat_words = array("i")  # flat arrays, not a list per chunk: fewer objects for the garbage collector
        chunk_lengths = []
        for chunk, names in chunks:
            found = self.content_words(chunk, names)
            flat_words.extend(map(words.__getitem__, found))
            chunk_lengths.append(len(found))
        lengths = np.array(chunk_lengths, dtype=np.int32)
        flat = np.frombuffer(flat_words, dtype=np.int32)
        used = np.frombuffer(chunk_ids, dtype=np.int32)
        used_lengths = lengths[used]
        if lengths.max(initial=0) <= 1:  # the usual case: a chunk is one word or none ("the", "-")
            ids = flat[(np.cumsum(lengths) - 1)[used[used_lengths == 1]]]
        else:
            ids = flat[ragged_positions((np.cumsum(lengths) - lengths)[used], used_lengths)]
        offsets = np.r_[0, np.cumsum(used_lengths, dtype=np.int64)][np.array([0, *chunk_ends], dtype=np.int64)]
        return list(words), ids, offsets
