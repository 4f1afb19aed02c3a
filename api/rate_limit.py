"""Per-token limits on writes, answered with 429 and Retry-After."""

from __future__ import annotations

import hashlib
import math
import time

from limits import RateLimitItem
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from api.errors import Problem


class WriteLimiter:
    """Counts each token's writes in moving windows, in this process's memory.

    Several API processes each count on their own, so the limit a token meets
    is per process.
    """

    def __init__(self, limits: list[RateLimitItem]) -> None:
        self.limits = limits
        self.limiter = MovingWindowRateLimiter(MemoryStorage())

    def hit(self, token: str) -> None:
        """Count a write by `token`, or raise 429 if one of the limits is spent."""
        # Keyed by a digest, so the limiter's memory never holds a token.
        key = hashlib.sha256(token.encode()).hexdigest()
        spent = [limit for limit in self.limits if not self.limiter.test(limit, key)]
        if spent:
            resets = [self.limiter.get_window_stats(limit, key).reset_time for limit in spent]
            wait = max(1, math.ceil(max(resets) - time.time()))
            raise Problem(
                429,
                f"too many writes with this token (at most {spent[0]}); try again in {wait} s",
                {"Retry-After": str(wait)},
            )
        for limit in self.limits:
            self.limiter.hit(limit, key)
