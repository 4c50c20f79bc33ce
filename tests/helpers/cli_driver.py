"""The CLI tests' long-lived faqbot process: commands run through the real entry point, one after the other."""

from __future__ import annotations

import concurrent.futures
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
COMMAND_TIMEOUT = 120


# One long-lived faqbot process per module runs the commands through the real entry point, `bot.cli.main(argv)`
# (what both `faqbot` and `python -m bot` call), so that the interpreter and scikit-learn start once, not per command,
# and each knowledge is indexed once (tests/helpers/fit_once.py).
DRIVER = r"""
import contextlib, io, json, logging, sys, traceback
sys.path.insert(0, "tests/helpers")
from fit_once import fitting_each_knowledge_once
from bot.cli import main

fitting_each_knowledge_once().__enter__()

for line in sys.stdin:
    argv = json.loads(line)
    out, err = io.StringIO(), io.StringIO()
    logging.getLogger().handlers.clear()  # main() sets logging up on the standard error of this command
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exit:  # argparse
            code = exit.code if isinstance(exit.code, int) else 1
        except BaseException:  # what the interpreter would do with an uncaught exception
            traceback.print_exc()
            code = 1
    sys.__stdout__.write(json.dumps({"code": code, "out": out.getvalue(), "err": err.getvalue()}) + "\n")
    sys.__stdout__.flush()
"""


def environment() -> dict[str, str]:
    variables = {**os.environ}
    variables.pop("DISCORD_TOKEN", None)
    return variables


class Faqbot:
    """Runs faqbot commands in the module's faqbot process, one after the other."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", DRIVER],
            cwd=ROOT,
            env=environment(),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.reader = concurrent.futures.ThreadPoolExecutor(max_workers=1)

    def __call__(self, *args: str) -> subprocess.CompletedProcess[str]:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(json.dumps(list(args)) + "\n")
        self.process.stdin.flush()
        reply = self.reader.submit(self.process.stdout.readline)
        try:
            line = reply.result(timeout=COMMAND_TIMEOUT)
        except concurrent.futures.TimeoutError:
            self.process.kill()  # unblocks the reader
            raise AssertionError(f"faqbot {' '.join(args)} did not finish in {COMMAND_TIMEOUT} s") from None
        assert line, f"the faqbot process died running {args}"
        result = json.loads(line)
        return subprocess.CompletedProcess(list(args), result["code"], result["out"], result["err"])

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.reader.shutdown()
