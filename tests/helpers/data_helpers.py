"""The public data sets (StackFAQ, CLINC150) beside the clone: tests that need them skip without them, or fail in CI."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.evaluation.corpora import DEFAULT_DATA

DATA_FILES = ("stackfaq.json", "clinc150-train-val.json", "clinc150-val-offdomain.json")


def public_data() -> Path:
    """The public data sets' folder; without it the tests that need it skip (and fail under CI=true)."""
    if not all((DEFAULT_DATA / name).exists() for name in DATA_FILES):
        reason = f"public benchmark data not found in {DEFAULT_DATA} (see the README, 'Data sets')"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    return DEFAULT_DATA
