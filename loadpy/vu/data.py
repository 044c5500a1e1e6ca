"""Shared read-only data arrays (k6's SharedArray): loaded once per process, shared by every VU.

CSV files (with a header row) become tuples of `Record`s; JSON files must hold an array.
Records allow both `row["id"]` and `row.id` in expressions.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from loadpy.config.loader import json_data, read_text
from loadpy.errors import ConfigError


class Record(dict[str, Any]):
    """A dict whose keys are also attributes (`users[0].id`). Treat as read-only: it is shared."""

    __slots__ = ()

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(f"record has no field '{name}' (fields: {', '.join(self)})") from None


def _freeze(value: Any) -> Any:
    if isinstance(value, dict):
        return Record((k, _freeze(v)) for k, v in value.items())
    if isinstance(value, list):
        return tuple(_freeze(v) for v in value)
    return value


def _text(path: Path) -> str:
    """The file's UTF-8 text; a problem is one message naming the data file (and the line)."""
    try:
        return read_text(str(path), "data file")
    except ConfigError as exc:
        raise ConfigError(_in_file(path, exc.line, exc.message)) from None


def _in_file(path: Path, line: int | None, message: str) -> str:
    return f"data file {path}" + (f", line {line}" if line else "") + f": {message}"


def load_csv(path: Path) -> tuple[Record, ...]:
    """Rows of a CSV file with a header; a row with a different number of fields is an error."""
    reader = csv.reader(io.StringIO(_text(path), newline=""))
    try:
        header = next(reader, None)
        if header is None:
            raise ConfigError(f"data file {path} is empty (a CSV file needs a header row)")
        header = [h.strip() for h in header]
        rows = []
        for row in reader:
            if not row:
                continue  # blank line
            if len(row) != len(header):
                raise ConfigError(
                    f"data file {path}, line {reader.line_num}: {len(row)} fields, "
                    f"the header has {len(header)} ({', '.join(header)})"
                )
            rows.append(Record(zip(header, row, strict=True)))
    except csv.Error as exc:  # e.g. a field over csv.field_size_limit() (128 KiB)
        raise ConfigError(_in_file(path, reader.line_num, f"not valid CSV: {exc}")) from None
    return tuple(rows)


def load_json(path: Path) -> tuple[Any, ...]:
    try:
        value = json_data(_text(path), str(path))
    except ConfigError as exc:
        raise ConfigError(_in_file(path, exc.line, exc.message)) from None
    if not isinstance(value, list):
        raise ConfigError(f"data file {path} must hold a JSON array, not a {type(value).__name__}")
    return _freeze(value)


def load_data(spec: Any, base_dir: Path) -> tuple[Any, ...]:
    """Load one `data:` entry: `{file: path}` (relative to the scenario file), a path string, or a list."""
    if isinstance(spec, list):
        return _freeze(spec)
    if isinstance(spec, str):
        spec = {"file": spec}
    if not isinstance(spec, Mapping) or not isinstance(spec.get("file"), str):
        raise ConfigError("expected {file: path/to/file.csv|json} or an inline list")
    unknown = set(spec) - {"file"}
    if unknown:
        raise ConfigError(f"unknown key '{sorted(unknown)[0]}' (a data entry takes only file)")
    path = Path(spec["file"])
    if not path.is_absolute():
        path = base_dir / path
    if not path.is_file():
        raise ConfigError(f"data file {path} not found")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return load_csv(path)
    if suffix == ".json":
        return load_json(path)
    raise ConfigError(f"data file {path}: unsupported extension '{suffix}' (use .csv or .json)")


def row_picker(iteration_in_test: int) -> Callable[[Sequence[Any]], Any]:
    """`next_row(users)` in an expression: the row of this iteration, `users[i % len(users)]` with `i`
    the iteration's number in its scenario across all VUs (k6's exec.scenario.iterationInTest).
    Each pass over the array uses every row once, whatever the number of VUs; every call in the
    same iteration gives the same row, so its fields go together."""

    def next_row(rows: Sequence[Any]) -> Any:
        if isinstance(rows, str | bytes) or not isinstance(rows, Sequence):
            raise TypeError(f"next_row takes a data array, e.g. next_row(users), not a {type(rows).__name__}")
        if not rows:
            raise ValueError("next_row: the data array is empty")
        return rows[iteration_in_test % len(rows)]

    return next_row
