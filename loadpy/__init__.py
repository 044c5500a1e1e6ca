"""loadpy: a load generator with k6's semantics, in Python on asyncio/uvloop.

The public API for Python scripts (`loadpy run script.py`) is the `vu` object each function
receives (see loadpy.vu.context.VuContext) plus `abort()` below.
"""

from typing import Any

from loadpy.errors import TestAbort

__version__ = "0.1.0"
USER_AGENT = f"loadpy/{__version__}"


def abort(reason: str = "") -> None:
    """Stop the whole test from anywhere in script code (k6's exec.test.abort(); exit 108).

    The iteration that calls it still counts; teardown and the summary still run.
    """
    raise TestAbort(reason or "aborted by the script")


def run(path_or_document: Any, **flags: Any) -> Any:
    """Run one load test in this process (see loadpy.api.run); returns a loadpy.api.RunResult."""
    from loadpy.api import run as run_test

    return run_test(path_or_document, **flags)


__all__ = ["USER_AGENT", "TestAbort", "__version__", "abort", "run"]
