"""Knowledge for tests that teach the bot a new entry: a baking FAQ no role page has."""

from __future__ import annotations

import textwrap
from pathlib import Path

BAKING_ENTRY = """
role: Cloud Technical Lead
entries:
  - id: faq-sourdough
    title: Baking sourdough bread
    section: Frequently asked questions
    text: >-
      Mix flour, water, salt and a lively starter, let the dough rise slowly overnight,
      then bake the sourdough bread in a very hot oven.
    questions:
      - how do I bake sourdough bread
      - sourdough bread recipe
"""


def add_baking_entry(folder: Path) -> None:
    """Add the baking entry to a knowledge folder, as an editor adds a file."""
    (folder / "baking.yaml").write_text(textwrap.dedent(BAKING_ENTRY), encoding="utf-8")
