"""Printing what others wrote, safely: control characters escaped for terminals, and escaped in JSON too.

Standard library only, so that even an error raised before a command's heavy imports is printed safely.
"""

from __future__ import annotations

import json
import re
from typing import Any

# What a terminal would act on instead of showing: C0 and C1 control characters (escape sequences start with ESC or
# CSI), DEL, the bidirectional embeddings, overrides, isolates and marks (which reorder what follows them), and the
# Unicode line and paragraph separators. Beyond C0, written once: DEL, C1, the bidi controls and the separators.
_BEYOND_C0 = "\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029"
_UNSAFE = re.compile(f"[\x00-\x1f{_BEYOND_C0}]")
_UNSAFE_IN_BLOCK = re.compile(f"[\x00-\x08\x0b-\x1f{_BEYOND_C0}]")  # newlines and tabs stay in a block
# What json.dumps leaves raw of those (it escapes C0 itself): U+009B is a one-character CSI, and str.splitlines()
# and JavaScript before ES2019 end a line at the separators. Escaped as \uXXXX they decode to the same text.
_UNSAFE_IN_JSON = re.compile(f"[{_BEYOND_C0}]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def shown(text: str) -> str:
    """Text from a member or a file made safe for a terminal, on one line: every control character escaped."""
    return _UNSAFE.sub(_escape, text)


def shown_block(text: str) -> str:
    """Like `shown`, for text of several lines: newlines and tabs stay, every other control character is escaped."""
    return _UNSAFE_IN_BLOCK.sub(_escape, text)


def clipped(text: str, limit: int) -> str:
    """A one-line display of text, cut to `limit` characters with a mark (the text itself is kept whole)."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def json_text(value: Any, indent: int | None = None) -> str:
    """Strict JSON, UTF-8 kept readable, with every character a terminal or a line reader would act on escaped."""
    text = json.dumps(value, ensure_ascii=False, indent=indent)
    return _UNSAFE_IN_JSON.sub(lambda match: f"\\u{ord(match.group()):04x}", text)
