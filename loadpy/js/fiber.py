"""Synchronous JavaScript on asyncio: each VU's JavaScript runs on a greenlet of its own.

The greenlet runs a job (an exported function's call) until a host call hands over an awaitable
(loadpy/js/host.py `Host._await`); `drive`, on the VU's asyncio task, awaits it and switches back in
with its value (a host.Failure on error), until the job is done.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import greenlet

from loadpy.js.engine import JsContext
from loadpy.js.host import INTERRUPTED, Failure


class _Done:
    """What a VU's greenlet hands back when the job it was given has finished."""

    __slots__ = ("result",)

    def __init__(self, result: Any) -> None:
        self.result = result


def _serve(job: Callable[[], Any]) -> None:
    """A VU greenlet's life: run each job given, hand back _Done, wait for the next one.
    One greenlet per VU (not one per iteration): creating and first entering one costs more."""
    while True:
        job = greenlet.getcurrent().parent.switch(_Done(job()))


async def drive(context: JsContext, run: Callable[[], Any]) -> Any:
    """Run `run` (JavaScript calls) on the context's greenlet, awaiting what its host calls hand over."""
    glet = context.greenlet
    if glet is None or glet.dead:
        glet = context.greenlet = greenlet.greenlet(_serve)
    request = glet.switch(run)
    while not isinstance(request, _Done):
        try:
            value = await request
        except asyncio.CancelledError:
            context.host.interrupted = True  # every later host call answers at once: the JavaScript unwinds
            while not isinstance(request, _Done):
                request = glet.switch(INTERRUPTED)
            raise
        except Exception as exc:
            request = glet.switch(Failure(exc))
            continue
        request = glet.switch(value)
    return request.result
