"""The malformed-input corpus: every file under cases/ must fail with one located ConfigError (exit 104).

Each case file starts with comment headers:
  # expect: <text the message must contain>
  # key: <dotted key the error must name, or - for YAML syntax errors, which have no key>
  # env: NAME=VALUE   (optional, the process environment for ${NAME})
and marks the line the error must point at with a trailing `# <-- error` comment (when no line
carries the marker, the line is the one after the headers' first unmarked YAML line: see _expected_line).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from loadpy.config.consolidate import resolve_options
from loadpy.config.loader import load_document, resolve_env
from loadpy.errors import ConfigError, ExitCode

CASES = sorted((Path(__file__).parent / "cases").glob("*.yaml"))
MARKER = "# <-- error"


def _headers(text: str) -> dict[str, str]:
    return dict(re.findall(r"^# (expect|key|env|line): (.*)$", text, flags=re.MULTILINE))


def _expected_line(text: str, headers: dict[str, str]) -> int:
    if "line" in headers:  # for errors a marker cannot sit on (e.g. an unterminated string)
        return int(headers["line"])
    for number, line in enumerate(text.splitlines(), start=1):
        if line.rstrip().endswith(MARKER):
            return number
    raise AssertionError("case has neither a '# <-- error' marker nor a '# line:' header")


def load_and_resolve(path: Path, process_env: dict[str, str]) -> None:
    """What `loadpy run` does with a scenario file before any VU exists."""
    doc = load_document(str(path))
    script_env = resolve_env(doc.env_defaults, process_env, {})
    resolve_options(
        doc.data.get("options") or {}, config_file=None, env=process_env, cli={}, doc=doc, script_env=script_env
    )


def test_corpus_is_large_enough() -> None:
    assert len(CASES) >= 50


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_case_is_one_located_config_error(path: Path) -> None:
    text = path.read_text()
    headers = _headers(text)
    env = dict([headers["env"].split("=", 1)]) if "env" in headers else {}
    line = _expected_line(text, headers)

    with pytest.raises(ConfigError) as info:
        load_and_resolve(path, env)

    err = info.value
    rendered = str(err)
    assert err.exit_code == ExitCode.INVALID_CONFIG
    assert headers["expect"] in err.message, rendered
    assert err.file == str(path), rendered
    assert err.line == line, rendered
    assert rendered.startswith(f"{path}, line {line}"), rendered
    if headers["key"] == "-":
        assert err.key is None, rendered
    else:
        assert err.key == headers["key"], rendered
        assert f"key '{headers['key']}'" in rendered
    assert "Traceback" not in rendered and "\n" not in rendered  # one paragraph
