"""Rate limiting, shared by the emulated APIs: a per-key call budget per minute."""

from __future__ import annotations

import time
from collections import deque


class RateLimiter:
    """A sliding one-minute window per API key."""

    def __init__(self, per_minute: int) -> None:
        self.per_minute, self.calls = per_minute, deque[float]()

    def retry_after(self) -> float | None:
        now = time.monotonic()
        while self.calls and now - self.calls[0] > 60:
            self.calls.popleft()
        if len(self.calls) >= self.per_minute:
            return 60 - (now - self.calls[0])
        self.calls.append(now)
        return None
