"""k6's `throw` option: a request that got no response throws Go's error (`Get "url": dial tcp ...:
connect: connection refused`) instead of returning a Response with `error` set.

The text is the one k6 would have logged as "Request Failed" (loadpy's HTTP client words it as Go
does); with `throw` the warning is not logged, as in k6, but captured for the exception: only
the requests awaited through `capture` are affected.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable
from contextvars import ContextVar
from typing import TypeVar

T = TypeVar("T")

_HTTP_LOG = "loadpy.http"  # loadpy/protocols/http/client.py logs "Request Failed" there
_FAILED = "Request Failed"
# the failure texts of the requests awaited under `capture` (a batch's requests run in child tasks,
# which inherit the variable)
_captured: ContextVar[list[str] | None] = ContextVar("loadpy_js_throw", default=None)


class _Capture(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.msg != _FAILED:
            return True
        texts = _captured.get()
        if texts is None:
            return True
        texts.append(str(getattr(record, "error", "")))
        return False


_FILTER = _Capture()


async def capture(awaitable: Awaitable[T], texts: list[str]) -> T:
    """Await `awaitable` with its "Request Failed" texts appended to `texts` instead of logged."""
    logger = logging.getLogger(_HTTP_LOG)
    if _FILTER not in logger.filters:
        logger.addFilter(_FILTER)
    token = _captured.set(texts)
    try:
        return await awaitable
    finally:
        _captured.reset(token)


def thrown_message(method: str, url: str, error: str, captured: list[str]) -> str:
    """The GoError's message: the captured text, or Go's url.Error form of the response's error."""
    return captured[0] if captured else f'{method[:1]}{method[1:].lower()} "{url}": {error}'
