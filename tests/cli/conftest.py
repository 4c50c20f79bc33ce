"""The CLI tests' shared fixture: one long-lived faqbot process per test module (tests/helpers/cli_driver.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from cli_driver import Faqbot


@pytest.fixture(scope="module")
def faqbot() -> Iterator[Faqbot]:
    """The module's faqbot process, closed after its last test."""
    runner = Faqbot()
    try:
        yield runner
    finally:
        runner.close()
