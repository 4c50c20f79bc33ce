"""Commands that must start fast and import nothing heavy (no scikit-learn, discord.py or database drivers)."""

from __future__ import annotations

import argparse
import os
import sys
import time

from bot.errors import FaqbotError
from bot.health import check_heartbeat, heartbeat_path


def command_health(args: argparse.Namespace) -> int:
    """Faqbot health: exit 0 when the running bot's heartbeat is fresh, 1 when not (for Docker's HEALTHCHECK)."""
    if args.max_age <= 0:
        raise FaqbotError("--max-age takes a number of seconds above 0")
    status = check_heartbeat(args.file or heartbeat_path(os.environ), args.max_age, time.time())
    sys.stdout.write(status.message + "\n")
    return 0 if status.healthy else 1
