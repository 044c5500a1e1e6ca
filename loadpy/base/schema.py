"""The schema's one error, `Invalid(path, message)`, and the checks every options front end shares.

A validator knows *what* is wrong and *where inside the value it was given* (a path of keys and
indices); it never knows the file. Only the source document (a YAML file with its line map, the
JSON config file, a script's options object, the environment, the command line) turns a path into
file, line and key — so there is one place that raises and one place per source that locates.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from loadpy.base.go_values import parse_go_float
from loadpy.errors import ConfigError

KeyPath = tuple[str | int, ...]

SCENARIO_NAME = re.compile(r"^[0-9a-zA-Z_-]+$")
SCENARIO_NAME_MESSAGE = "the scenario name should contain only numbers, latin letters, underscores, and dashes"
_STATIC_TREND_STATS = frozenset({"avg", "min", "med", "max", "count"})


class Invalid(ConfigError):
    """A value that breaks the schema at `path`, relative to what the validator was handed.

    Until a source document locates it, it renders as a ConfigError keyed by that path (or by the
    `key` given), so a caller without a document still reports it as k6's exit 104.
    """

    def __init__(self, path: KeyPath, message: str, *, hint: str | None = None, key: str | None = None) -> None:
        super().__init__(message, key=key if key is not None else format_keypath(path) or None, hint=hint)
        self.path = tuple(path)

    def under(self, *prefix: str | int) -> Invalid:
        """The same problem seen from `prefix` levels up (the validator of the enclosing value)."""
        return Invalid((*prefix, *self.path), self.message, hint=self.hint)


def format_keypath(keypath: KeyPath) -> str:
    """`("flows", "default", 0, "request", "url")` -> `flows.default[0].request.url`."""
    out = ""
    for part in keypath:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def kind_of(value: object) -> str:
    """The YAML/JSON type of `value` in messages: mapping, list, string, boolean, number or null."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, Mapping):
        return "mapping"
    if isinstance(value, list | tuple):
        return "list"
    return type(value).__name__


def described(value: object) -> str:
    """`value` in a sentence: "the number 5", "the string 'x'", "a mapping", "a boolean", "null"."""
    kind = kind_of(value)
    if kind in ("number", "string"):
        return f"the {kind} {value!r}"
    if kind in ("boolean", "mapping", "list"):
        return f"a {kind}"
    return kind  # null, or a Python type no YAML/JSON value has


def scalar_text(value: object) -> str:
    """A YAML/JSON scalar as the string Go or k6 would see (true, not True)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def check_scenario_name(name: str) -> None:
    """k6's rule for scenario names (they become tag values and file names)."""
    if not SCENARIO_NAME.fullmatch(name):
        raise Invalid((), SCENARIO_NAME_MESSAGE)


def trend_stat_problem(stat: str) -> str | None:
    """k6's message when `stat` is not a trend stat (avg, min, med, max, count, p(N) with 0 ≤ N ≤ 100)."""
    if stat in _STATIC_TREND_STATS:
        return None
    if not (stat.startswith("p(") and stat.endswith(")")):
        return f"invalid trend stat '{stat}', unknown format"
    try:
        percentile = parse_go_float(stat[2:-1])
    except ValueError:
        percentile = float("nan")
    if not 0 <= percentile <= 100:
        return f"invalid percentile trend stat value '{stat}', provide a number between 0 and 100"
    return None
