"""The error tree and k6's exit codes.

Every error a user can cause maps to one k6 exit code; the CLI turns a
`LoadpyError` into one clear paragraph on stderr and that code, never a traceback.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """k6 v1.x exit codes (lib/errext/exitcodes)."""

    OK = 0
    THRESHOLDS_FAILED = 99
    SETUP_TIMEOUT = 100
    TEARDOWN_TIMEOUT = 101
    GENERIC_TIMEOUT = 102
    STOPPED_BY_API = 103
    INVALID_CONFIG = 104
    INTERRUPTED = 105
    CANNOT_START_API = 106
    SCRIPT_EXCEPTION = 107
    SCRIPT_ABORTED = 108
    TEST_FAILED = 110
    GENERIC = 255


class LoadpyError(Exception):
    """Base of every error loadpy reports to the user."""

    exit_code: ExitCode = ExitCode.GENERIC


class ConfigError(LoadpyError):
    """Invalid scenario file, option, threshold, expression or CLI flag (k6 exit 104).

    `file`, `line` and `key` locate the problem; `str()` renders one paragraph.
    """

    exit_code = ExitCode.INVALID_CONFIG

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        key: str | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line
        self.key = key
        self.hint = hint

    def located(self, *, file: str | None = None, line: int | None = None, key: str | None = None) -> ConfigError:
        """Fill in location fields that are still unknown (inner code knows the key, outer code the line)."""
        if self.file is None:
            self.file = file
        if self.line is None:
            self.line = line
        if self.key is None:
            self.key = key
        return self

    def __str__(self) -> str:
        where = []
        if self.file:
            where.append(self.file if self.line is None else f"{self.file}, line {self.line}")
        elif self.line is not None:
            where.append(f"line {self.line}")
        if self.key:
            where.append(f"key '{self.key}'")
        text = f"{': '.join([', '.join(where)]) + ': ' if where else ''}{self.message}"
        if self.hint:
            text += f" ({self.hint})"
        return text


class ScriptError(LoadpyError):
    """An exception in init code, setup or a Python module (k6 exit 107)."""

    exit_code = ExitCode.SCRIPT_EXCEPTION


class SetupTimeoutError(LoadpyError):
    exit_code = ExitCode.SETUP_TIMEOUT


class TeardownTimeoutError(LoadpyError):
    exit_code = ExitCode.TEARDOWN_TIMEOUT


class TestAbort(LoadpyError):
    """Raised by an `abort` step or `loadpy.abort()`: stop the whole test (k6 exit 108)."""

    __test__ = False  # not a pytest test class
    exit_code = ExitCode.SCRIPT_ABORTED


class SetupDataError(LoadpyError):
    """setup() returned something that is not JSON-serialisable (k6 exit 255)."""

    exit_code = ExitCode.GENERIC


def did_you_mean(word: str, candidates: list[str] | tuple[str, ...] | set[str]) -> str | None:
    """A 'did you mean X?' hint for a misspelt key, or None when nothing is close."""
    import difflib

    lowered = {c.lower(): c for c in candidates}
    match = difflib.get_close_matches(word.lower(), list(lowered), n=1, cutoff=0.6)
    return f"did you mean {lowered[match[0]]}?" if match else None
