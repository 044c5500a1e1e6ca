"""How an iteration's error is logged: one line, with where it happened."""

from __future__ import annotations

import traceback
from pathlib import Path

from loadpy.errors import LoadpyError


class StepError(Exception):
    """An error inside a front end's step, its location already prefixed (logged as it is, iteration counted)."""


def describe_error(exc: BaseException) -> str:
    """One log line for an iteration error: step errors carry their location already;
    Python errors get the innermost frames (k6 logs the stack)."""
    if isinstance(exc, StepError | LoadpyError):
        return str(exc)
    frames = traceback.extract_tb(exc.__traceback__)[-3:]
    where = " <- ".join(f"{Path(f.filename).name}:{f.lineno} in {f.name}" for f in reversed(frames))
    return f"{type(exc).__name__}: {exc}" + (f" at {where}" if where else "")
