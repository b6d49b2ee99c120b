"""Per-user limit on draft requests: a sliding window of ``settings.draft_rate_limit`` a minute.

Each draft costs a model call, so one person (or a stuck script) must not be able to spend
the team's budget. Two stores, one interface:

- in-process (default): a deque of request times per key, guarded by a lock. Correct for one
  worker; with N workers each counts alone, so the effective limit is N times higher.
- Redis (``CADENCE_REDIS_URL``): a sorted set per key, trimmed and counted in one Lua script,
  so every worker shares the count.

A request past the limit raises ``RateLimited`` (429 with ``Retry-After``) and is not counted.
"""

from __future__ import annotations

import logging
import math
import threading
import time
import uuid
from collections import deque
from typing import Protocol

from assistant.errors import RateLimited
from assistant.settings import get_settings

WINDOW = 60.0
log = logging.getLogger(__name__)


class Limiter(Protocol):
    def hit(self, key: str, limit: int, window: float = WINDOW) -> float:
        """Count one request for ``key``; returns 0 when allowed, else seconds until a slot frees."""


class MemoryLimiter:
    """A sliding window log per key, for one process."""

    def __init__(self, clock=time.monotonic) -> None:  # noqa: ANN001 - a callable returning seconds
        self._clock = clock
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str, limit: int, window: float = WINDOW) -> float:
        now = self._clock()
        with self._lock:
            hits = self._hits.setdefault(key, deque())
            while hits and hits[0] <= now - window:
                hits.popleft()
            if len(hits) >= limit:
                return max(hits[0] + window - now, 0.001)
            hits.append(now)
            return 0.0


# Trim the window, count, and add this hit only if under the limit: atomic inside Redis.
_LUA = """
local key, now, window, limit, member = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4]
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
if redis.call('ZCARD', key) >= limit then
  local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
  return tostring(tonumber(oldest[2]) + window - now)
end
redis.call('ZADD', key, now, member)
redis.call('PEXPIRE', key, math.ceil(window * 1000))
return '0'
"""


class RedisLimiter:
    """The same window in Redis, shared by every worker that points at it."""

    def __init__(self, url: str, prefix: str = "cadence:ratelimit:") -> None:
        import redis

        self._redis = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self._script = self._redis.register_script(_LUA)
        self._prefix = prefix

    def hit(self, key: str, limit: int, window: float = WINDOW) -> float:
        # Redis's clock, not ours: workers on different machines then agree on the window.
        import redis

        try:
            seconds, micros = self._redis.time()
            now = seconds + micros / 1e6
            wait = self._script(keys=[self._prefix + key], args=[now, window, limit, uuid.uuid4().hex])
        except redis.RedisError as exc:
            # Fail open: an unreachable limiter must not take drafting down with it.
            log.warning("rate limit store unreachable, request allowed: %s", exc)
            return 0.0
        return max(float(wait), 0.0)


_current: tuple[object, Limiter] | None = None
_current_lock = threading.Lock()


def get_limiter() -> Limiter:
    """The limiter for the current settings object: one per process in production (settings
    are cached); each test, which gets fresh settings, starts with fresh counts."""
    global _current
    settings = get_settings()
    with _current_lock:
        if _current is None or _current[0] is not settings:
            limiter = RedisLimiter(settings.redis_url) if settings.redis_url else MemoryLimiter()
            _current = (settings, limiter)
        return _current[1]


def check_draft_rate(person_id: int) -> None:
    """Count a draft request by ``person_id``; ``RateLimited`` past the per-minute limit."""
    limit = get_settings().draft_rate_limit
    wait = get_limiter().hit(f"draft:{person_id}", limit)
    if wait > 0:
        raise RateLimited(f"at most {limit} draft requests a minute; try again in {math.ceil(wait)} s",
                          retry_after=max(1, math.ceil(wait)))
