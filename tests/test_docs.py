"""The README stays true: every command is documented, and the documented defaults are the real ones."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import yaml

from bot.cli.parser import build_parser
from bot.config import Config

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def cli_commands() -> list[str]:
    """Every `faqbot ...` command path, e.g. 'unanswered purge'."""
    paths = []

    def walk(parser: argparse.ArgumentParser, prefix: str) -> None:
        subparsers = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        if not subparsers:
            paths.append(prefix.strip())
        for action in subparsers:
            for name, child in action.choices.items():
                walk(child, f"{prefix} {name}")

    walk(build_parser(), "")
    return paths


def test_every_cli_command_is_in_the_readme() -> None:
    commands = cli_commands()
    assert "unanswered promote" in commands and "knowledge check" in commands
    missing = [command for command in commands if f"faqbot {command}" not in README]
    assert missing == []


def test_every_slash_command_is_in_the_readme() -> None:
    for command in (
        "/ask",
        "/help",
        "/faq",
        "/unanswered list",
        "/unanswered resolve",
        "/unanswered dismiss",
        "/knowledge reload",
        "/stats",
        "Answer with FAQ",
    ):
        assert command in README


def test_documented_retrieval_defaults_are_the_real_ones() -> None:
    gate = Config().retrieval
    for key in ("min_confidence",):
        row = re.search(rf"\| `retrieval\.{key}` \| ([0-9.]+) \|", README)
        assert row is not None, key
        assert float(row.group(1)) == getattr(gate, key)


def test_example_config_holds_every_key_with_the_default_values() -> None:
    example = yaml.safe_load((ROOT / "config.example.yaml").read_text())
    config = Config()
    for key, value in example["retrieval"].items():
        assert getattr(config.retrieval, key) == value, key
    assert set(example["discord"]) == {
        "token",
        "guild_ids",
        "sync_commands",
        "answer_channels",
        "editor_role_ids",
        "mentor_role_ids",
        "cooldown_seconds",
        "shard_count",
        "shard_ids",
        "guilds",
    }
    assert example["metrics"] == {"port": config.metrics.port, "host": config.metrics.host}


def test_readme_has_no_unfilled_figures() -> None:
    assert not re.search(r"\b(EVAL_TABLE|BENCH_TABLE|EVAL_COUNTS|RETRIEVAL_[A-Z]+)\b", README)
