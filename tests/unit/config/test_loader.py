"""Scenario file loading: line numbers for key paths, YAML errors, structure checks, ${NAME} substitution."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from loadpy.base.schema import Invalid
from loadpy.config.loader import (
    format_keypath,
    load_document,
    parse_document,
    resolve_env,
    substitute_env,
)
from loadpy.errors import ConfigError

DOC = """\
env:
  BASE_URL: http://127.0.0.1:8080
options:
  vus: 2
  scenarios:
    main:
      executor: constant-arrival-rate
      rate: 10
flows:
  default:
    - request:
        method: GET
        url: "${BASE_URL}/items"
    - sleep: 0.5
"""


def test_line_of_every_key_path(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(DOC)
    doc = load_document(str(path))
    assert doc.path == str(path)
    assert doc.data["options"]["scenarios"]["main"]["rate"] == 10
    assert doc.line_of(("options", "vus")) == 4
    assert doc.line_of(("options", "scenarios", "main", "rate")) == 8
    assert doc.line_of(("flows", "default", 0, "request", "url")) == 13
    assert doc.line_of(("flows", "default", 1)) == 14
    assert doc.line_of(("flows", "default", 1, "sleep")) == 14
    # an unknown child falls back to its nearest written ancestor
    assert doc.line_of(("options", "scenarios", "main", "preAllocatedVUs")) == 6
    assert doc.line_of(("nope", "deeper")) == 1


def test_error_names_file_line_and_dotted_key() -> None:
    doc = parse_document(DOC, "scenarios/load.yaml")
    err = doc.error(("flows", "default", 0, "request", "url"), "bad url", hint="did you mean x?")
    assert isinstance(err, ConfigError)
    assert (err.file, err.line, err.key) == ("scenarios/load.yaml", 13, "flows.default[0].request.url")
    assert str(err) == "scenarios/load.yaml, line 13, key 'flows.default[0].request.url': bad url (did you mean x?)"


def test_locate_fills_line_for_an_inner_relative_key() -> None:
    doc = parse_document(DOC, "f.yaml")
    err = doc.locate(Invalid(("rate",), "boom"), ("options", "scenarios", "main"))
    assert str(err) == "f.yaml, line 8, key 'options.scenarios.main.rate': boom"


def test_keypath_format() -> None:
    path = ("flows", "default", 0, "request", "url")
    assert format_keypath(path) == "flows.default[0].request.url"


def test_json_is_valid_yaml_and_keeps_lines() -> None:
    text = '{\n  "options": {\n    "vus": 3,\n    "iterations": 6\n  }\n}\n'
    doc = parse_document(text, "s.json")
    assert doc.data == {"options": {"vus": 3, "iterations": 6}}
    assert doc.line_of(("options", "iterations")) == 4


def test_missing_file_is_a_config_error(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    with pytest.raises(ConfigError) as info:
        load_document(str(missing))
    assert info.value.file == str(missing)
    assert "does not exist" in str(info.value)


def test_yaml_syntax_error_has_the_line() -> None:
    with pytest.raises(ConfigError) as info:
        parse_document("options:\n  vus: 2\n  stages: [\n    {duration: 1s\n", "bad.yaml")
    assert info.value.file == "bad.yaml"
    assert info.value.line == 5
    assert str(info.value).startswith("bad.yaml, line 5: invalid YAML: ")


def test_duplicate_key_is_rejected_with_both_lines() -> None:
    with pytest.raises(ConfigError) as info:
        parse_document("options:\n  vus: 2\n  vus: 3\n", "d.yaml")
    assert str(info.value) == "d.yaml, line 3, key 'options.vus': duplicate key 'vus' (first written on line 2)"


def test_empty_file_is_an_empty_document() -> None:
    assert parse_document("", "e.yaml").data == {}
    assert parse_document("# only a comment\n", "e.yaml").data == {}


def test_top_level_must_be_a_mapping() -> None:
    with pytest.raises(ConfigError, match="must be a mapping") as info:
        parse_document("- a\n- b\n", "l.yaml")
    assert info.value.line == 1


def test_unknown_top_level_key_warns_with_suggestion(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="loadpy"):
        doc = parse_document("optoins:\n  vus: 2\nflows: {}\n", "w.yaml")
    assert doc.warnings == ["w.yaml, line 1: unknown top-level key 'optoins' is ignored (did you mean options?)"]
    assert doc.warnings[0] in caplog.text


def test_section_types_are_checked() -> None:
    with pytest.raises(ConfigError) as info:
        parse_document("flows:\n  - a\n", "t.yaml")
    assert str(info.value) == "t.yaml, line 1, key 'flows': 'flows' must be a mapping, not a list"


def test_env_defaults_are_text() -> None:
    doc = parse_document("env:\n  PORT: 8080\n  DEBUG: true\n", "e.yaml")
    assert doc.env_defaults == {"PORT": "8080", "DEBUG": "true"}


def test_substitute_env_replaces_names_and_escapes() -> None:
    env = {"BASE_URL": "http://h:1", "ID": "7"}
    assert substitute_env("${BASE_URL}/items/${ID}", env) == "http://h:1/items/7"
    assert substitute_env("cost: $$5 ${ID}", env) == "cost: $5 7"
    assert substitute_env("no refs", env) == "no refs"


def test_substitute_env_unknown_name_is_named() -> None:
    with pytest.raises(ConfigError) as info:
        substitute_env("${BASE_URLL}/x", {"BASE_URL": "u"}, key="flows.default[0].request.url")
    assert info.value.key == "flows.default[0].request.url"
    assert "unknown environment variable 'BASE_URLL'" in info.value.message
    assert info.value.hint == "did you mean BASE_URL?"


def test_substitute_env_rejects_malformed_reference() -> None:
    with pytest.raises(ConfigError, match=r"invalid environment reference '\$\{1X\}'"):
        substitute_env("${1X}", {})


def test_env_precedence_cli_over_process_over_file() -> None:
    file_env = {"A": "file", "B": "file", "C": "file"}
    process = {"B": "process", "C": "process"}
    cli = {"C": "cli"}
    assert resolve_env(file_env, process, cli) == {"A": "file", "B": "process", "C": "cli"}
    assert resolve_env(None, {}, {}) == {}
