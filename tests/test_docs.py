"""The README stays true: every command is documented, and the documented defaults are the real ones."""

from __future__ import annotations

import argparse
import json
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
        "home_guild_id",
        "sync_commands",
        "answer_channels",
        "editor_role_ids",
        "mentor_role_ids",
        "cooldown_seconds",
        "shard_count",
        "shard_ids",
        "guilds",
        "notify_askers",
    }
    assert example["metrics"] == {"port": config.metrics.port, "host": config.metrics.host}


def test_readme_has_no_unfilled_figures() -> None:
    assert not re.search(r"\b(EVAL_TABLE|BENCH_TABLE|EVAL_COUNTS|RETRIEVAL_[A-Z]+)\b", README)


def command_table() -> list[tuple[str, str]]:
    """The README's command-line table: (command cell without backticks, description) per row."""
    section = README.split("### On the command line", 1)[1].split("\n\n", 2)[1]
    rows = []
    for line in section.splitlines():
        match = re.match(r"^\| `(faqbot [^`]+)` \| (.+) \|$", line)
        if match:
            rows.append((match.group(1).replace("\\|", "|"), match.group(2)))
    return rows


def subparser(path: str) -> argparse.ArgumentParser:
    parser = build_parser()
    for name in path.split():
        [action] = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        parser = action.choices[name]
    return parser


def test_every_command_in_the_readme_table_is_real_with_the_options_it_shows() -> None:
    rows = command_table()
    assert len(rows) >= 13
    real = set(cli_commands())
    documented = set()
    for cell, _ in rows:
        words = cell.split()[1:]
        path = " ".join(word for word in words[:3] if word.islower() and word.isalpha())
        assert path in real, cell
        documented.add(path)
        help_text = subparser(path).format_help()
        for option in re.findall(r"--[a-z-]+", cell):
            assert option in help_text, (cell, option)
    assert documented == real  # and every command is in the table


def documented_keys(snippet: str) -> set[str]:
    """The keys a README JSON sketch names: quoted words that are not values after a colon."""
    without_values = re.sub(r':\s*"[^"]*"(?:\s*\\?\|\s*"[^"]*")*', ":", snippet)
    return set(re.findall(r'"([a-z_]+)"', without_values))


def json_sketch(command: str) -> str:
    [description] = [text for cell, text in command_table() if cell.startswith(f"faqbot {command}")]
    match = re.search(r"`(\{.+?\})`", description)
    assert match is not None, f"no JSON sketch documented for faqbot {command}"
    return match.group(1)


def test_every_documented_ask_json_key_and_status_is_what_ask_prints(tmp_path: Path, capsys) -> None:
    from bot.cli import main

    config = tmp_path / "config.yaml"
    config.write_text(f"limits:\n  max_question_chars: 40\nstorage:\n  database: {tmp_path / 'f.db'}\n")
    questions = ["what certifications help a TL?", "hi", "how do I bake bread?", "?!", "x" * 41, "salary?"]
    assert main(["ask", "--json", "--config", str(config), *questions]) == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    sketch = json_sketch("ask")
    top_level = documented_keys(re.sub(r"\{[^{}]*\}", "", sketch[1:-1]))
    printed = set().union(*(set(record) for record in records))
    assert printed <= top_level
    assert top_level - printed <= {
        "missing"
    }  # only with a `partial` verdict, which needs a knowledge-specific question
    assert {key for record in records if record["answer"] for key in record["answer"]} <= documented_keys(sketch)
    statuses = set(re.findall(r'"([a-z_]+)"', sketch.split('"status":', 1)[1].split(",", 1)[0]))
    assert {record["status"] for record in records} <= statuses
    assert {"answered", "smalltalk", "unknown", "too_long"} <= {record["status"] for record in records}


def test_every_documented_knowledge_list_json_key_is_what_it_prints(capsys) -> None:
    from bot.cli import main

    assert main(["knowledge", "list", "--json"]) == 0
    record = json.loads(capsys.readouterr().out.splitlines()[0])
    assert set(record) == documented_keys(json_sketch("knowledge list"))


def test_documented_question_limit_is_the_real_default() -> None:
    row = re.search(r"\| `limits\.max_question_chars` \| ([0-9,]+) \|", README)
    assert row is not None and int(row.group(1).replace(",", "")) == Config().max_question_chars


def layout_block() -> list[str]:
    """The paths the README's Development section lists, one per line of its layout block."""
    section = README.split("## Development", 1)[1]
    block = section.split("```text", 1)[1].split("```", 1)[0]
    return [line.split()[0] for line in block.strip().splitlines()]


def test_the_readme_layout_lists_every_module_and_nothing_that_is_gone() -> None:
    listed = layout_block()
    for path in listed:
        assert (ROOT / path).exists(), f"the README lists {path}, which does not exist"
    folders = [path for path in listed if path.endswith("/")]
    for module in sorted((ROOT / "bot").rglob("*.py")):
        relative = module.relative_to(ROOT).as_posix()
        if module.name == "__init__.py" and relative != "bot/cli/__init__.py":
            continue
        assert relative in listed or any(relative.startswith(folder) for folder in folders), (
            f"{relative} is not in the README's layout"
        )
