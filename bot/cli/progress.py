"""Progress bars for the long commands (eval, import, reload): on a terminal only, quiet when piped."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TextIO


def _ignore(steps: int = 1) -> None:
    """Advance nothing: what a bar's update is when no bar is shown."""


@contextmanager
def progress(
    total: int, description: str, stream: TextIO | None = None, *, unit: str = "step"
) -> Iterator[Callable[[int], None]]:
    """Yield an `advance(steps=1)` that draws a bar on `stream` (standard error) when it is a terminal.

    The bar is tqdm's, from the test extras that the tools (`faqbot eval`, benchmarks) need anyway; without tqdm, or
    when the stream is piped or redirected to a file, nothing is drawn and the output stays clean.
    """
    stream = sys.stderr if stream is None else stream
    if not stream.isatty():
        yield _ignore
        return
    try:
        from tqdm import tqdm
    except ImportError:
        yield _ignore
        return
    with tqdm(total=total, desc=description, file=stream, leave=False, unit=f" {unit}", dynamic_ncols=True) as bar:
        yield bar.update
