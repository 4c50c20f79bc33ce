"""Text folding, the one rule every part of faqbot uses to compare what people type (stdlib only, imported anywhere)."""

from __future__ import annotations

import re
import unicodedata

# Terminal escape sequences (ECMA-48: CSI "ESC [ ... m", OSC "ESC ] ... BEL", string commands, two-character escapes,
# the one-byte C1 CSI) and the other control characters: what a terminal acts on, never words of a question.
_TERMINAL_CODES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"
    r"|\x1b[PX^_][^\x1b]*(?:\x1b\\)?"
    r"|\x1b[ -/]*[0-~]"
    r"|\x9b[0-?]*[ -/]*[@-~]"
    r"|[\x00-\x08\x0e-\x1f\x7f-\x9f]"
)


def without_terminal_codes(text: str) -> str:
    """The text with terminal escape sequences and control characters removed (tabs and newlines kept)."""
    return _TERMINAL_CODES.sub("", text)


def invisible(char: str) -> bool:
    """Whether a character is a format character: a soft hyphen, a zero-width mark, a bidirectional override."""
    return unicodedata.category(char) == "Cf"


def visible_words(text: str) -> str:
    """The text's visible words on one line (for titles written into files): no terminal codes or invisible marks.

    Invisible marks are format characters (bidirectional overrides, zero-width joiners); line and paragraph
    separators become spaces, and whitespace is collapsed.
    """
    text = without_terminal_codes(text)
    if not text.isascii():
        text = "".join(
            " " if unicodedata.category(char) in {"Zl", "Zp"} else char for char in text if not invisible(char)
        )
    return " ".join(text.split())


def fold(text: str) -> str:
    """Lowercase, strip accents, terminal codes, control and format characters, and unify quotes and dashes.

    Format characters (soft hyphens, zero-width spaces and joiners, bidirectional marks) are invisible: text pasted
    from a web page carries them inside words, and "cer\u00adtifications" is the word "certifications".
    """
    text = without_terminal_codes(text)
    if text.isascii():
        return text.lower()
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(ch for ch in text if not unicodedata.combining(ch) and not invisible(ch))
    return text.replace("\u2019", "'").replace("\u2013", "-").replace("\u2014", " - ")


def question_key(text: str) -> str:
    """A question folded to its words alone (no punctuation, single spaces): the same question, stored once."""
    return " ".join(re.sub(r"[^\w\s]|_", " ", fold(text)).split())


def name_key(text: str) -> str:
    """An id or title folded for lookup by name: case, accents and spacing ignored, punctuation kept."""
    return " ".join(fold(text).split())
