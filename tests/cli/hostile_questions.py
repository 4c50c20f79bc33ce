"""A fixed-seed generator of hostile questions, as raw input lines (bytes, never holding a newline)."""

from __future__ import annotations

import random

SEED = 16
COUNT = 320

WORDS = (
    "how",
    "many",
    "years",
    "of",
    "experience",
    "do",
    "I",
    "need",
    "for",
    "a",
    "cloud",
    "technical",
    "lead",
    "salary",
    "certifications",
    "on",
    "call",
)
ATTACKS: tuple[bytes, ...] = (
    b"\x1b]0;PWNED\x07",  # retitle the terminal
    b"\x1b[2J\x1b[H",  # clear the screen
    b"\x1b[31;1m",  # colours
    b"\x9b31m",  # a C1 CSI, as raw Latin-1 (not UTF-8)
    "\u009b6n".encode(),  # a C1 CSI as UTF-8: ask the terminal to answer
    b"\x00",
    b"\x07\x08\x7f",
    b"\r",  # a carriage return inside the line
    "\u202e".encode(),  # right-to-left override
    "\u2066\u2069\u200f".encode(),
    "\u2028\u2029\u0085".encode(),  # line separators JSON readers split on
    "\u200b\u200d\ufeff".encode(),  # zero-width characters and a BOM
    "👨‍👩‍👧🔥".encode(),
    "e\u0301\u0301\u0301".encode(),  # stacked combining marks
    "ثلاث سنوات خبرة".encode(),
    "経験は何年必要ですか".encode(),
    b"\xff\xfe",  # not UTF-8
    b"\xc0\xaf",  # an overlong slash
    b"\xed\xa0\x80",  # an encoded surrogate
    b"\xe2\x80",  # a sequence cut short
    b"@everyone <@123> **bold** ||spoiler||",
    b"'; DROP TABLE questions; --",
    b"%s %n {0} ${HOME} $(reboot)",
    b"\t\t",
)
ALONE: tuple[bytes, ...] = (
    b"",
    b"   ",
    b"???",
    b"!!!",
    "🤔".encode(),
    b"\x1b[2J",
    b"\x00\x00",
    "\u200b".encode(),
    b"quit",
    b"exit",
    b" QUIT ",
    b"hi",
    b"thanks!",
)


def hostile_questions(count: int = COUNT, seed: int = SEED) -> list[bytes]:
    """`count` input lines mixing real words with escape sequences, bad bytes, odd Unicode and over-long text."""
    rng = random.Random(seed)
    lines = list(ALONE)
    while len(lines) < count:
        kind = rng.random()
        if kind < 0.05:
            lines.append((" ".join(rng.choices(WORDS, k=3)) + " ").encode() * rng.randint(60, 400))  # maybe too long
            continue
        parts = [rng.choice(WORDS).encode() for _ in range(rng.randint(0, 6))]
        for _ in range(rng.randint(1, 3)):
            parts.insert(rng.randint(0, len(parts)), rng.choice(ATTACKS))
        line = b" ".join(parts)
        if rng.random() < 0.2:
            line += b"?"
        lines.append(line)
    rng.shuffle(lines)
    assert not any(b"\n" in line for line in lines)
    return lines
