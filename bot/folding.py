"""Text folding, the one rule every part of faqbot uses to compare what people type (stdlib only, imported anywhere)."""

from __future__ import annotations

import re
import unicodedata


def fold(text: str) -> str:
    """Lowercase, strip accents and unify quotes and dashes."""
    if text.isascii():
        return text.lower()
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return text.replace("\u2019", "'").replace("\u2013", "-").replace("\u2014", " - ")


def question_key(text: str) -> str:
    """A question folded to its words alone (no punctuation, single spaces): the same question, stored once."""
    return " ".join(re.sub(r"[^\w\s]|_", " ", fold(text)).split())


def name_key(text: str) -> str:
    """An id or title folded for lookup by name: case, accents and spacing ignored, punctuation kept."""
    return " ".join(fold(text).split())
