"""Log lines as k6 v1.1.0 (logrus) prints them; the expected strings were printed by the k6 binary for
`console.log('hello "q"\\tx=1\\nline2 é')`, `console.log('e')`, `console.info('')` and friends."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from loadpy.errors import ConfigError
from loadpy.logs import JsonFormatter, RawFormatter, TextFormatter, go_quote, rfc3339, setup_logging


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    """setup_logging rewires the root logger: give later tests the logging they had."""
    root, ours = logging.getLogger(), logging.getLogger("loadpy")
    handlers, level, our_level = list(root.handlers), root.level, ours.level
    yield
    for handler in list(root.handlers):
        root.removeHandler(handler)
        if handler not in handlers:
            handler.close()
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)
    ours.setLevel(our_level)


def record(message: str, level: int = logging.INFO, **extra: str) -> logging.LogRecord:
    rec = logging.LogRecord("loadpy.vu", level, __file__, 1, "%s", (message,), None)
    for key, value in extra.items():
        setattr(rec, key, value)
    return rec


def without_time(line: str) -> str:
    return re.sub(r'^time="[^"]+" ', "", line)


@pytest.mark.parametrize(
    ("message", "level", "expected"),
    [
        ('hello "q"\tx=1\nline2 é', logging.INFO, 'level=info msg="hello \\"q\\"\\tx=1\\nline2 é" source=console'),
        ('w 1 {"a":1}', logging.WARNING, 'level=warning msg="w 1 {\\"a\\":1}" source=console'),
        ("e", logging.ERROR, "level=error msg=e source=console"),
        ("dbg", logging.DEBUG, "level=debug msg=dbg source=console"),
        ("", logging.INFO, "level=info source=console"),  # k6 leaves msg out when empty
        ("Loading...", logging.DEBUG, "level=debug msg=Loading... source=console"),
    ],
)
def test_text_lines_match_k6(message: str, level: int, expected: str) -> None:
    line = TextFormatter().format(record(message, level, source="console"))
    assert line.startswith('time="')
    assert without_time(line) == expected


def test_fields_are_sorted_and_exceptions_become_an_error_field() -> None:
    rec = record("Error from API server", logging.ERROR, zeta="1", alpha="a b")
    try:
        raise OSError("listen tcp: address 99999: invalid port")
    except OSError:
        import sys

        rec.exc_info = sys.exc_info()
    line = without_time(TextFormatter().format(rec))
    assert line == (
        'level=error msg="Error from API server" alpha="a b" error="listen tcp: address 99999: invalid port" zeta=1'
    )


def test_time_is_rfc3339_with_z_for_utc(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "UTC")
    import time

    time.tzset()
    try:
        assert rfc3339(0.0) == "1970-01-01T00:00:00Z"
        monkeypatch.setenv("TZ", "EST+5")
        time.tzset()
        assert rfc3339(0.0) == "1969-12-31T19:00:00-05:00"
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()


def test_go_quote_escapes_like_strconv_quote() -> None:
    assert go_quote('a"b\\c') == '"a\\"b\\\\c"'
    assert go_quote("\x00\x1b\x7f") == '"\\x00\\x1b\\x7f"'
    assert go_quote("\u00a0é\u2028") == '"\\u00a0é\\u2028"'


def test_json_lines_match_k6() -> None:
    fmt = JsonFormatter()
    line = fmt.format(record('hello "q"\tx=1\nline2 é', source="console"))
    assert re.sub(r'"time":"[^"]+"', '"time":"T"', line) == (
        '{"level":"info","msg":"hello \\"q\\"\\tx=1\\nline2 é","source":"console","time":"T"}'
    )
    empty = fmt.format(record("", source="console"))
    assert re.sub(r'"time":"[^"]+"', '"time":"T"', empty) == '{"level":"info","msg":"","source":"console","time":"T"}'
    # Go's encoder escapes HTML characters
    assert '"msg":"\\u003cb\\u003e \\u0026"' in fmt.format(record("<b> &"))


def test_raw_is_the_message_alone() -> None:
    assert RawFormatter().format(record('hello "q"', source="console")) == 'hello "q"'


def test_colored_terminal_layout_matches_k6() -> None:
    line = TextFormatter(colored=True).format(record("e", logging.ERROR, source="console"))
    assert re.fullmatch(r".*\[\d{4}\] .*", line)
    assert re.sub(r"\[\d{4}\]", "[0000]", line) == (
        "\x1b[31mERRO\x1b[0m[0000] e" + " " * 44 + " \x1b[31msource\x1b[0m=console"
    )
    info = TextFormatter(colored=True).format(record("", source="console"))
    assert (
        re.sub(r"\[\d{4}\]", "[0000]", info)
        == "\x1b[36mINFO\x1b[0m[0000] " + " " * 45 + " \x1b[36msource\x1b[0m=console"
    )


@pytest.mark.parametrize(
    ("kwargs", "key", "message"),
    [
        ({"log_output": "bogus"}, "--log-output", "unsupported log output 'bogus'"),
        ({"log_output": "loki=localhost:3100"}, "--log-output", "loadpy does not support the loki log output"),
        ({"log_output": "file="}, "--log-output", "filepath must not be empty"),
        ({"log_output": "file=x.log,level=loud"}, "--log-output", "unknown log level loud"),
        ({"log_output": "file=x.log,size=3"}, "--log-output", "unknown logfile config key size"),
        ({"log_format": "jsno"}, "--log-format", "unknown log format 'jsno'"),
    ],
)
def test_bad_log_flags_are_refused(kwargs: dict[str, str], key: str, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        setup_logging(**kwargs)  # type: ignore[arg-type]
    assert info.value.key == key
    assert info.value.exit_code == 104
    assert message in str(info.value)


def test_file_output_appends_and_filters_by_level(tmp_path: Path) -> None:
    path = tmp_path / "k6.log"
    path.write_text("earlier\n")
    setup_logging(log_output=f"file={path},level=warning")
    logging.getLogger("loadpy.vu").info("not kept", extra={"source": "console"})
    logging.getLogger("loadpy.vu").warning("kept", extra={"source": "console"})
    for handler in logging.getLogger().handlers:
        handler.flush()
    lines = path.read_text().splitlines()
    assert lines[0] == "earlier"
    assert [without_time(line) for line in lines[1:]] == ["level=warning msg=kept source=console"]
