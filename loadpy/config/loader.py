"""Loading a scenario file: YAML (JSON is YAML) with the line of every key, and `${NAME}` substitution.

Every later validation error can point at a file, a 1-based line and a dotted key because the
document keeps a map from key paths to the lines where they were written.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from loadpy.base.schema import Invalid, KeyPath, format_keypath, kind_of, scalar_text
from loadpy.config.bounds import MAX_DEPTH, MAX_FILE_BYTES, too_deep
from loadpy.errors import ConfigError, did_you_mean

log = logging.getLogger("loadpy")


TOP_LEVEL_KEYS = ("options", "env", "data", "metrics", "flows", "http", "handle_summary")


@dataclass
class SourceDoc:
    """A loaded scenario file: its data and where each key was written."""

    path: str
    data: dict[str, Any]
    lines: dict[KeyPath, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def line_of(self, keypath: KeyPath) -> int | None:
        """The line of `keypath`, or of its nearest ancestor that was written in the file."""
        path = tuple(keypath)
        while True:
            line = self.lines.get(_normal(path))
            if line is not None:
                return line
            if not path:
                return None
            path = path[:-1]

    def error(self, keypath: KeyPath, message: str, hint: str | None = None) -> ConfigError:
        """A ConfigError located at `keypath` in this file (raise it)."""
        return ConfigError(message, file=self.path, line=self.line_of(keypath), key=format_keypath(keypath), hint=hint)

    def locate(self, exc: Invalid, prefix: KeyPath = ()) -> ConfigError:
        """The error `exc` found in the value at `prefix` of this file, with the file, line and key."""
        return self.error((*prefix, *exc.path), exc.message, exc.hint)

    @property
    def env_defaults(self) -> dict[str, str]:
        """The file's `env:` block (lowest precedence for `${NAME}`)."""
        block = self.data.get("env") or {}
        return {str(k): scalar_text(v) for k, v in block.items()}


def _normal(path: KeyPath) -> KeyPath:
    # Mapping keys are stored as text, so `flows.1` and `flows[1]` both find a YAML key `1:`.
    return tuple(p if isinstance(p, int) else str(p) for p in path)


def load_document(path: str) -> SourceDoc:
    """Read and structurally validate a scenario file; raises ConfigError with file/line on any problem."""
    return parse_document(read_text(path, "scenario file"), path)


def read_text(path: str, what: str, limit: int = MAX_FILE_BYTES) -> str:
    """The UTF-8 text of a file the user named; ConfigError naming `what`, the file and the line otherwise."""
    try:
        with open(path, "rb") as handle:
            raw = handle.read(limit + 1)
    except FileNotFoundError:
        raise ConfigError(f"the {what} {path} does not exist", file=path) from None
    except IsADirectoryError:
        raise ConfigError(f"{path} is a directory, not a {what}", file=path) from None
    except OSError as exc:
        raise ConfigError(f"cannot read the {what} {path}: {exc.strerror}", file=path) from None
    if len(raw) > limit:
        raise ConfigError(f"the {what} is larger than {limit // (1024 * 1024)} MB", file=path)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise ConfigError(
            f"the {what} is not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start}: {exc.reason})",
            file=path,
            line=line,
        ) from None


def load_config_file(path: str, key: str = "--config") -> dict[str, Any]:
    """k6's `-c` JSON config file (`key` names where its path came from: the flag or K6_CONFIG)."""
    try:
        data = json_data(read_text(path, "config file"), path)
    except ConfigError as exc:
        exc.key = key
        raise
    if not isinstance(data, dict):
        raise ConfigError("a config file must hold a JSON object", file=path, key=key)
    return data


def json_data(text: str, path: str) -> Any:
    """Parsed JSON within the YAML reader's depth bound (the json module recurses per level)."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"invalid JSON: {exc.msg}", file=path, line=exc.lineno) from None
    except RecursionError:
        raise ConfigError(f"the JSON nests deeper than {MAX_DEPTH} levels", file=path) from None
    if too_deep(data):
        raise ConfigError(f"the JSON nests deeper than {MAX_DEPTH} levels", file=path)
    return data


def parse_document(text: str, path: str = "<string>") -> SourceDoc:
    """`load_document` for text already in memory."""
    from loadpy.config.yaml_source import read_yaml  # (PyYAML: loaded by the first YAML document, not for a k6 script)

    data, lines = read_yaml(text, path)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(
            f"a scenario file must be a mapping with keys such as options and flows, not a {kind_of(data)}",
            file=path,
            line=lines.get((), 1),
        )
    doc = SourceDoc(path=path, data=data, lines=lines)
    _check_structure(doc)
    return doc


def _check_structure(doc: SourceDoc) -> None:
    """The shape of the top level; the VU layer validates what is inside flows/data/metrics."""
    for key in doc.data:
        if not isinstance(key, str):
            raise doc.error((str(key),), "top-level keys must be strings")
        if key not in TOP_LEVEL_KEYS:
            hint = did_you_mean(key, TOP_LEVEL_KEYS)
            message = f"{doc.path}, line {doc.line_of((key,))}: unknown top-level key '{key}' is ignored"
            message += f" ({hint})" if hint else f" (known keys: {', '.join(TOP_LEVEL_KEYS)})"
            doc.warnings.append(message)
            log.warning("%s", message)
    for key in ("options", "env", "data", "metrics", "flows"):
        value = doc.data.get(key)
        if value is not None and not isinstance(value, dict):
            raise doc.error((key,), f"'{key}' must be a mapping, not a {kind_of(value)}")
    for name, value in (doc.data.get("env") or {}).items():
        problem = env_default_problem(name, value)
        if problem:
            raise doc.error(("env", str(name)), problem)
    handler = doc.data.get("handle_summary")
    if handler is not None and (not isinstance(handler, str) or not re.fullmatch(r"[\w.]+:\w+", handler)):
        raise doc.error(("handle_summary",), f'handle_summary must be "module:function", got {handler!r}')


_REF = re.compile(r"\$\$|\$\{([^}]*)\}")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def substitute_env(value: str, env: Mapping[str, str], *, key: str | None = None) -> str:
    """Replace each `${NAME}` with env[NAME] (`$$` writes a literal `$`); unknown name -> ConfigError."""
    if "$" not in value:
        return value

    def replace(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name = match.group(1)
        if not _NAME.fullmatch(name):
            raise ConfigError(f"invalid environment reference '${{{name}}}': expected ${{NAME}}", key=key)
        if name not in env:
            hint = did_you_mean(name, list(env))
            raise ConfigError(
                f"unknown environment variable '{name}' in {value!r}: set it with -e {name}=VALUE, in the "
                "process environment or in the file's env: block",
                key=key,
                hint=hint,
            )
        return env[name]

    return _REF.sub(replace, value)


def env_default_problem(name: object, value: object) -> str | None:
    """Why one entry of an `env` defaults block (YAML `env:`, a Python script's `env = {...}`) is invalid."""
    if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        return f"invalid environment variable name {name!r}"
    if not isinstance(value, str | int | float | date):  # (bool is an int; YAML reads 2024-01-01 as a date)
        return f"env values must be strings or numbers, not a {kind_of(value)}"
    return None


def resolve_env(
    file_env: Mapping[str, object] | None, process_env: Mapping[str, str], cli_env: Mapping[str, str]
) -> dict[str, str]:
    """k6's __ENV: the file's `env:` defaults < the process environment < `-e NAME=VALUE`."""
    merged = {str(k): scalar_text(v) for k, v in (file_env or {}).items()}
    merged.update(process_env)
    merged.update(cli_env)
    return merged
