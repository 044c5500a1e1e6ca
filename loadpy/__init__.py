"""loadpy: a load generator with k6's semantics, in Python on asyncio/uvloop.

The public API for Python scripts (`loadpy run script.py`): the `VU` each function receives
(`async def default(vu: loadpy.VU)`), the `Response` its requests return, and `abort()` below.
See docs/python-api.md.
"""

from typing import TYPE_CHECKING, Any

from loadpy.base.lazy import lazy_exports
from loadpy.errors import TestAbort
from loadpy.version import USER_AGENT, __version__

if TYPE_CHECKING:
    from loadpy.protocols.http.model import Response
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
# The VU API (asyncio, the HTTP client) is imported on first use: `loadpy version`, `loadpy --help` and a
# run's own modules do not pay for it when they only need USER_AGENT or a submodule.
__getattr__ = lazy_exports(__name__, {"VU": "loadpy.vu.api", "Response": "loadpy.protocols.http.model"})
