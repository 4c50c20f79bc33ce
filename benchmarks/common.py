"""Paths, data files and small measuring helpers shared by the benchmark modules."""

from __future__ import annotations

import functools
import json
import logging
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import yaml

log = logging.getLogger("benchmarks")

ROOT = Path(__file__).resolve().parent.parent
# The public data sets are never copied into the repository: they live beside it (see bot.evaluation.corpora).
DATA = ROOT.parent / "shared" / "benchmarks"
STACKFAQ = DATA / "stackfaq.json"
CLINC = DATA / "clinc150-val-offdomain.json"
KNOWLEDGE = ROOT / "knowledge"
RESULTS = Path(__file__).resolve().parent / "results.md"

WORD = re.compile(r"\w+")


def progress(message: str, *args: object) -> None:
    """Report progress on standard error (through logging)."""
    log.info(message, *args)


def load_clinc(path: Path = CLINC) -> list[str]:
    """The CLINC150 validation queries: 3,100 questions that have nothing to do with a job role."""
    return [str(query) for query in json.loads(path.read_text(encoding="utf-8"))["queries"]]


def simple_tokens(text: str) -> list[str]:
    """Lowercase word tokens (regex `\\w+`), the tokenizer rank_bm25 is given."""
    return WORD.findall(text.lower())


def percentile_ms(durations_ns: Sequence[int], q: float) -> float:
    """The q-th percentile of durations in nanoseconds, in milliseconds."""
    return float(np.percentile(np.asarray(durations_ns, dtype=np.float64), q)) / 1e6


def proc_status_mb(field: str) -> float:
    """A memory figure (VmHWM = peak RSS, VmRSS = current RSS) of this process from /proc/self/status, in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _represent_text(dumper: yaml.SafeDumper, text: str) -> yaml.ScalarNode:
    """A literal block for long or multi-line text, the default style otherwise."""
    style = "|" if "\n" in text or len(text) > 80 else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style=style)


@functools.cache
def knowledge_dumper() -> type[yaml.SafeDumper]:
    """A YAML dumper writing long or multi-line strings as literal blocks (readable, and quicker to read back)."""
    base = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    dumper = type("KnowledgeDumper", (base,), {})
    dumper.add_representer(str, _represent_text)
    return dumper


def write_knowledge_yaml(path: Path, role: str, entries: Sequence[dict[str, Any]]) -> Path:
    """Write entries as one knowledge file in the schema `load_knowledge` reads."""
    document = {"role": role, "entries": list(entries)}
    with path.open("w", encoding="utf-8") as handle:
        yaml.dump(document, handle, Dumper=knowledge_dumper(), allow_unicode=True, sort_keys=False)
    return path
