"""The event loop every asyncio.run of loadpy uses (a single run's, the coordinator's, a worker's)."""

from __future__ import annotations

import asyncio


def install_event_loop() -> None:
    """uvloop for every asyncio.run of this process."""
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop is a dependency on every supported platform
        return
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
