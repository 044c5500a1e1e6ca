"""Loading a scenario file: YAML (JSON is YAML) with the line of every key, and `${NAME}` substitution.

Every later validation error can point at a file, a 1-based line and a dotted key because the
document keeps a map from key paths to the lines where they were written.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import yaml

from loadpy.errors import ConfigError, did_you_mean

log = logging.getLogger("loadpy")

KeyPath = tuple[str | int, ...]

TOP_LEVEL_KEYS = ("options", "env", "data", "metrics", "flows", "http", "handle_summary")


def format_keypath(keypath: KeyPath) -> str:
    """`("flows", "default", 0, "request", "url")` -> `flows.default[0].request.url`."""
    out = ""
    for part in keypath:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def parse_keypath(dotted: str) -> KeyPath:
    """The inverse of format_keypath (for keys reported by inner parsers as dotted strings)."""
    parts: list[str | int] = []
    for token in re.findall(r"[^.\[\]]+|\[\d+\]", dotted):
        parts.append(int(token[1:-1]) if token.startswith("[") else token)
    return tuple(parts)


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

    def locate(self, exc: ConfigError, prefix: KeyPath = ()) -> ConfigError:
        """Fill the file/line/key of an error raised by inner code that only knew a key relative to `prefix`."""
        keypath = prefix + (parse_keypath(exc.key) if exc.key else ())
        exc.key = format_keypath(keypath) if keypath else exc.key
        return exc.located(file=self.path, line=self.line_of(keypath))

    @property
    def env_defaults(self) -> dict[str, str]:
        """The file's `env:` block (lowest precedence for `${NAME}`)."""
        block = self.data.get("env") or {}
        return {str(k): _scalar_text(v) for k, v in block.items()}


def _normal(path: KeyPath) -> KeyPath:
    # Mapping keys are stored as text, so `flows.1` and `flows[1]` both find a YAML key `1:`.
    return tuple(p if isinstance(p, int) else str(p) for p in path)


def load_document(path: str) -> SourceDoc:
    """Read and structurally validate a scenario file; raises ConfigError with file/line on any problem."""
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except FileNotFoundError:
        raise ConfigError(f"the file {path} does not exist", file=path) from None
    except IsADirectoryError:
        raise ConfigError(f"{path} is a directory, not a scenario file", file=path) from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"the file is not valid UTF-8 text ({exc.reason})", file=path) from None
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}", file=path) from None
    return parse_document(text, path)


def parse_document(text: str, path: str = "<string>") -> SourceDoc:
    """`load_document` for text already in memory."""
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        lines: dict[KeyPath, int] = {}
        if node is not None:
            _collect_lines(node, (), lines, path)
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        problem = exc.problem or exc.context or "syntax error"
        # An unterminated construct is found at the end of the file: point at where it started.
        at_end = "end of stream" in problem and exc.context_mark is not None
        mark = exc.context_mark if at_end else (exc.problem_mark or exc.context_mark)
        context = f" ({exc.context})" if exc.context and exc.problem else ""
        hint = "indent with spaces: YAML does not allow tabs" if "'\\t'" in problem else None
        line = mark.line + 1 if mark else None
        raise ConfigError(f"invalid YAML: {problem}{context}", file=path, line=line, hint=hint) from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"invalid YAML: {exc}", file=path) from None
    finally:
        loader.dispose()
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(
            f"a scenario file must be a mapping with keys such as options and flows, not a {_kind(data)}",
            file=path,
            line=lines.get((), 1),
        )
    doc = SourceDoc(path=path, data=data, lines=lines)
    _check_structure(doc)
    return doc


def _collect_lines(node: yaml.Node, path: KeyPath, lines: dict[KeyPath, int], file: str) -> None:
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise ConfigError(
                    "mapping keys must be plain strings",
                    file=file,
                    line=key_node.start_mark.line + 1,
                    key=format_keypath(path) or None,
                )
            key = key_node.value
            line = key_node.start_mark.line + 1
            if key == "<<":  # merge key: the merged entries keep their own marks
                _collect_lines(value_node, path, lines, file)
                continue
            if key in seen:
                raise ConfigError(
                    f"duplicate key {key!r} (first written on line {seen[key]})",
                    file=file,
                    line=line,
                    key=format_keypath((*path, key)),
                )
            seen[key] = line
            lines[(*path, key)] = line
            _collect_lines(value_node, (*path, key), lines, file)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _collect_lines(item, (*path, index), lines, file)


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
            raise doc.error((key,), f"'{key}' must be a mapping, not a {_kind(value)}")
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
        return f"env values must be strings or numbers, not a {_kind(value)}"
    return None


def resolve_env(
    file_env: Mapping[str, object] | None, process_env: Mapping[str, str], cli_env: Mapping[str, str]
) -> dict[str, str]:
    """k6's __ENV: the file's `env:` defaults < the process environment < `-e NAME=VALUE`."""
    merged = {str(k): _scalar_text(v) for k, v in (file_env or {}).items()}
    merged.update(process_env)
    merged.update(cli_env)
    return merged


def _scalar_text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _kind(value: object) -> str:
    return {dict: "mapping", list: "list", str: "string", bool: "boolean", int: "number", float: "number"}.get(
        type(value), "null" if value is None else type(value).__name__
    )
