"""Log lines exactly as k6 (logrus) prints them, and the --log-output / --log-format / -v flags.

Text (default) is logrus' logfmt: `time="2026-01-02T15:04:05Z" level=info msg="hi \"x\"" source=console`,
values quoted with Go's %q only when they hold a character outside [A-Za-z0-9-._/@^+], `msg` left out
when empty, extra fields sorted. On a terminal (and without --no-color) logrus colours it instead:
`INFO[0003] msg<padded to 44>  source=console`. `json` is logrus' JSONFormatter, `raw` the bare message.
Outputs: stderr (default), stdout, none, file=PATH[,level=LEVEL] (appended, as k6 does).
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, TextIO

from loadpy.errors import ConfigError

# the attributes every LogRecord has; anything else came in through `extra=` and is a logrus field
_RECORD_ATTRS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}
_LEVEL_NAMES = {logging.DEBUG: "debug", logging.INFO: "info", logging.WARNING: "warning", logging.ERROR: "error"}
_LEVEL_COLORS = {"debug": 37, "info": 36, "warning": 33}  # everything more severe is red (31)
# logrus.ParseLevel's names, most severe first (its AllLevels order)
_LOGRUS_LEVELS = {
    "panic": 50,
    "fatal": 50,
    "error": 40,
    "warn": 30,
    "warning": 30,
    "info": 20,
    "debug": 10,
    "trace": 10,
}
_BARE = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._/@^+")
_GO_ESCAPES = {'"': '\\"', "\\": "\\\\", "\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r"}
_GO_ESCAPES |= {"\t": "\\t", "\v": "\\v"}
LOG_FORMATS = ("text", "logfmt", "json", "raw")  # k6 treats anything but json/raw as text; we refuse typos
_NOT_UTF8 = re.compile("[\udc80-\udcff]")
_INVALID_MARK = "\U0010fffe"  # a noncharacter: stands for an invalid byte until the JSON text is built
_PROCESS_START = time.time()  # logrus' colored lines count seconds from here


def go_quote(text: str) -> str:
    """Go's strconv.Quote (what %q prints): printable characters as they are, the rest escaped."""
    out = ['"']
    for ch in text:
        escaped = _GO_ESCAPES.get(ch)
        if escaped is not None:
            out.append(escaped)
        elif ch.isprintable():
            out.append(ch)
        elif ord(ch) < 0x80:
            out.append(f"\\x{ord(ch):02x}")
        elif 0xDC80 <= ord(ch) <= 0xDCFF:  # a byte that was not UTF-8 (surrogateescape): Go's \xNN
            out.append(f"\\x{ord(ch) - 0xDC00:02x}")
        elif ord(ch) < 0x10000:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(f"\\U{ord(ch):08x}")
    out.append('"')
    return "".join(out)


def logfmt_value(text: str) -> str:
    """logrus' appendValue: bare when every character is safe (an empty value stays empty)."""
    return text if all(ch in _BARE for ch in text) else go_quote(text)


def rfc3339(stamp: float) -> str:
    """Go's time.RFC3339 in local time: seconds, and `Z` for UTC instead of +00:00."""
    local = datetime.fromtimestamp(stamp, UTC).astimezone()
    text = local.isoformat(timespec="seconds")
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def level_name(record: logging.LogRecord) -> str:
    return _LEVEL_NAMES.get(record.levelno, "fatal" if record.levelno > logging.ERROR else "debug")


def record_fields(record: logging.LogRecord) -> dict[str, str]:
    """The logrus fields of a record: its `extra=` values, plus `error` for an exception."""
    fields = {k: str(v) for k, v in vars(record).items() if k not in _RECORD_ATTRS and not k.startswith("_")}
    if record.exc_info and record.exc_info[1] is not None:
        fields.setdefault("error", str(record.exc_info[1]))
    return fields


class TextFormatter(logging.Formatter):
    """logrus.TextFormatter: logfmt, or its coloured terminal layout."""

    def __init__(self, *, colored: bool = False, static: Mapping[str, str] | None = None) -> None:
        super().__init__()
        self.colored = colored
        self.static = dict(static or {})

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        level = level_name(record)
        fields = {**self.static, **record_fields(record)}
        if self.colored:
            color = _LEVEL_COLORS.get(level, 31)
            since = int(record.created - _PROCESS_START)
            head = f"\x1b[{color}m{level.upper()[:4]}\x1b[0m[{since:04d}] {message.removesuffix(chr(10)):<44} "
            return head + "".join(f" \x1b[{color}m{k}\x1b[0m={logfmt_value(fields[k])}" for k in sorted(fields))
        parts = [f'time="{rfc3339(record.created)}"', f"level={level}"]
        if message:
            parts.append(f"msg={logfmt_value(message)}")
        parts.extend(f"{k}={logfmt_value(fields[k])}" for k in sorted(fields))
        return " ".join(parts)


class JsonFormatter(logging.Formatter):
    """logrus.JSONFormatter: one object, keys sorted, HTML characters escaped as Go's encoder does."""

    def __init__(self, *, static: Mapping[str, str] | None = None) -> None:
        super().__init__()
        self.static = dict(static or {})

    def format(self, record: logging.LogRecord) -> str:
        fields: dict[str, Any] = dict(record_fields(record))
        # integer fields (http-debug's vu, iter) stay numbers, as logrus encodes them
        fields.update({k: v for k, v in vars(record).items() if type(v) is int and k in fields})
        data: dict[str, Any] = {**self.static, **fields}
        # bytes that were not UTF-8 (surrogateescape'd: --http-debug=full bodies) print as Go's "\ufffd"
        message = _NOT_UTF8.sub(_INVALID_MARK, record.getMessage())
        data.update(level=level_name(record), msg=message, time=rfc3339(record.created))
        text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        text = text.replace(_INVALID_MARK, "\\ufffd")
        for raw, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028")):
            text = text.replace(raw, escaped)
        return text.replace("\u2029", "\\u2029")


class RawFormatter(logging.Formatter):
    """k6's RawFormatter: the message alone."""

    def format(self, record: logging.LogRecord) -> str:
        return record.getMessage()


class StdioHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever sys.stdout/sys.stderr is at the moment (secret masking wraps them)."""

    def __init__(self, name: str) -> None:
        super().__init__(getattr(sys, name))
        self.name_of_stream = name

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = getattr(sys, self.name_of_stream)
        super().emit(record)


class FileLogHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to `stream` (the file, perhaps behind secret masking) and closes the file with itself."""

    def __init__(self, file: TextIO, stream: TextIO) -> None:
        super().__init__(stream)
        self.file = file

    def close(self) -> None:
        try:
            self.flush()
            self.file.close()
        finally:
            super().close()


def _file_handler(spec: str, masker: Any) -> logging.Handler:
    """`file=PATH[,level=LEVEL]` (k6's FileHookFromConfigLine), appended to, masked."""
    path = ""
    level = logging.DEBUG
    for token in spec.split(","):
        key, _, value = token.partition("=")
        if key == "file":
            path = value
        elif key == "level":
            if value.lower() not in _LOGRUS_LEVELS:
                raise ConfigError(f"unknown log level {value}", file="command line", key="--log-output")
            level = _LOGRUS_LEVELS[value.lower()]
        else:
            raise ConfigError(f"unknown logfile config key {key}", file="command line", key="--log-output")
    if not path:
        raise ConfigError("filepath must not be empty", file="command line", key="--log-output")
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise ConfigError(f"provided directory '{directory}' does not exist", file="command line", key="--log-output")
    try:
        file: TextIO = open(path, "a", encoding="utf-8")  # noqa: SIM115 - the handler closes it
    except OSError as exc:
        raise ConfigError(
            f"failed to open logfile {path}: {exc.strerror}", file="command line", key="--log-output"
        ) from None
    stream = file
    if masker:
        from loadpy.secrets import MaskingStream

        stream = MaskingStream(file, masker)  # type: ignore[assignment]
    handler = FileLogHandler(file, stream)
    handler.setLevel(level)
    return handler


def _handler(output: str, masker: Any) -> tuple[logging.Handler, TextIO | None]:
    """The handler for a --log-output value, and the terminal it writes to (None: not a terminal)."""
    if output in ("stderr", "stdout"):
        handler = StdioHandler(output)
        stream = getattr(sys, output)
        return handler, stream
    if output == "none":
        return logging.NullHandler(), None
    if output.startswith("loki"):
        raise ConfigError("loadpy does not support the loki log output", file="command line", key="--log-output")
    if output.startswith("file"):
        return _file_handler(output, masker), None
    raise ConfigError(f"unsupported log output '{output}'", file="command line", key="--log-output")


def setup_logging(
    *,
    verbose: bool = False,
    log_output: str | None = None,
    log_format: str | None = None,
    no_color: bool = False,
    level: int | None = None,
    static: Mapping[str, str] | None = None,
    masker: Any = None,
) -> None:
    """Route every log record as k6 would for these flags (K6_LOG_OUTPUT / K6_LOG_FORMAT as fallbacks).

    `level` overrides the default (info; debug with -v); `static` fields go on every line (worker=1/2).
    """
    output = log_output or os.environ.get("K6_LOG_OUTPUT") or "stderr"
    fmt = log_format or os.environ.get("K6_LOG_FORMAT") or "text"
    if fmt not in LOG_FORMATS:
        raise ConfigError(
            f"unknown log format '{fmt}' (expected one of: {', '.join(LOG_FORMATS)})",
            file="command line",
            key="--log-format",
        )
    handler, terminal = _handler(output, masker)
    formatter: logging.Formatter
    if fmt == "json":
        formatter = JsonFormatter(static=static)
    elif fmt == "raw":
        formatter = RawFormatter()
    else:
        no_color = no_color or "NO_COLOR" in os.environ  # as k6 reads it
        colored = terminal is not None and not no_color and terminal.isatty()
        formatter = TextFormatter(colored=colored, static=static)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
        if isinstance(old, FileLogHandler):
            old.close()
    root.addHandler(handler)
    root.setLevel(logging.WARNING)  # third-party libraries: warnings and errors only
    chosen = level if level is not None else (logging.DEBUG if verbose else logging.INFO)
    logging.getLogger("loadpy").setLevel(chosen)


def setup_from_args(args: Any, *, level: int | None = None, static: Mapping[str, str] | None = None) -> None:
    """setup_logging from the parsed `-v`, `--log-output`, `--log-format`, `--no-color` flags."""
    setup_logging(
        verbose=bool(getattr(args, "verbose", False)),
        log_output=getattr(args, "log_output", None),
        log_format=getattr(args, "log_format", None),
        no_color=bool(getattr(args, "no_color", False)),
        level=level,
        static=static,
        masker=getattr(args, "masker", None),
    )
