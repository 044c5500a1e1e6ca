"""loadpy: a load generator with k6's semantics, in Python on asyncio/uvloop.

The public API for Python scripts (`loadpy run script.py`): the `VU` each function receives
(`async def default(vu: loadpy.VU)`), the `Response` its requests return, and `abort()` below.
See docs/python-api.md.
"""

from typing import Any

from loadpy.errors import TestAbort
from loadpy.protocols.http.model import Response
from loadpy.version import USER_AGENT, __version__
from loadpy.vu.api import VU


def abort(reason: str = "") -> None:
    """Stop the whole test from anywhere in script code (k6's exec.test.abort(); exit 108).

    The iteration that calls it still counts; teardown and the summary still run.
    """
    raise TestAbort(reason or "aborted by the script")


def run(path_or_document: Any, **flags: Any) -> Any:
    """Run one load test in this process (see loadpy.api.run); returns a loadpy.api.RunResult."""
    from loadpy.api import run as run_test

    return run_test(path_or_document, **flags)


__all__ = ["USER_AGENT", "VU", "Response", "TestAbort", "__version__", "abort", "run"]
