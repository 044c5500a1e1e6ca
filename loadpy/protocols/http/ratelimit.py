"""k6's `rps`: one request-rate limiter for the whole instance, waited on before each request.

k6 builds `rate.NewLimiter(rps, 1)` once per instance (every VU shares it; v1.1 does not scale it
by execution segment) and waits on it in MakeRequest, after the request is prepared and before
any timing starts; redirects followed inside that request do not wait again."""

from __future__ import annotations

import asyncio

from loadpy.clock import now

__all__ = ["RequestRateLimiter"]


class RequestRateLimiter:
    """A token bucket of size 1 (golang.org/x/time/rate with burst 1): the first request goes at once,
    then one every 1/rate seconds; time left idle does not bank more than one request."""

    __slots__ = ("_interval", "_next")

    def __init__(self, rate: float) -> None:
        self._interval = 1.0 / rate
        self._next = 0.0  # when the next token is available (clock seconds)

    def reserve(self) -> float:
        """Take the next slot; how many seconds to wait for it."""
        t = now()
        start = self._next if self._next > t else t
        self._next = start + self._interval
        return start - t

    async def wait(self) -> None:
        delay = self.reserve()
        if delay > 0:
            await asyncio.sleep(delay)
