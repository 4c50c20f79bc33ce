"""A per-user cooldown: how long a member must wait before the bot answers them again."""

from __future__ import annotations

import time
from collections.abc import Callable


class Cooldown:
    """Remembers when each user was last served; `retry_after` is 0 when they may ask now (and starts a new wait)."""

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self.clock = clock
        self._last: dict[int, float] = {}

    def retry_after(self, user_id: int) -> float:
        """Seconds the user still has to wait; when 0, the user is served and the wait restarts."""
        if self.seconds <= 0:
            return 0.0
        now = self.clock()
        last = self._last.get(user_id)
        if last is not None and now - last < self.seconds:
            return self.seconds - (now - last)
        if len(self._last) > 10_000:
            self._last = {user: at for user, at in self._last.items() if now - at < self.seconds}
        self._last[user_id] = now
        return 0.0
