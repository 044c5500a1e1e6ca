"""Bad flows, expressions, steps and data files → ConfigError naming the file, line and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from loadpy.config.options import Options
from loadpy.errors import ConfigError, ExitCode
from tests.integration.vu.helpers import build


def error_of(tmp_path: Path, text: str, options: Options | None = None) -> ConfigError:
    with pytest.raises(ConfigError) as err:
        build(tmp_path, text, options=options)
    assert err.value.exit_code == ExitCode.INVALID_CONFIG
    return err.value


def test_unknown_step_kind_did_you_mean(tmp_path: Path) -> None:
    err = error_of(
        tmp_path,
        """
        flows:
          default:
            - sleep: 1
            - reqest: {url: "http://x/"}
    """,
    )
    assert (err.line, err.key, err.hint) == (4, "flows.default[1].reqest", "did you mean request?")
    assert err.message.startswith("unknown step kind 'reqest'")
    assert str(err).startswith(f"{tmp_path / 'scenario.yaml'}, line 4, key 'flows.default[1].reqest': ")


def test_bad_check_expression(tmp_path: Path) -> None:
    err = error_of(
        tmp_path,
        """
        flows:
          default:
            - request: {url: "http://x/"}
              checks:
                ok: status ==
    """,
    )
    assert (err.line, err.key) == (5, "flows.default[0].checks.ok")
    assert err.message == "invalid expression 'status ==': invalid syntax"


def test_unknown_name_in_template(tmp_path: Path) -> None:
    err = error_of(
        tmp_path,
        """
        flows:
          default:
            - request:
                url: "http://x/{{ usr }}"
    """,
    )
    assert (err.line, err.key) == (4, "flows.default[0].request.url")
    assert err.message == "unknown name 'usr' in expression 'http://x/{{ usr }}'"


def test_unknown_request_key(tmp_path: Path) -> None:
    err = error_of(
        tmp_path,
        """
        flows:
          default:
            - request: {url: "http://x/", hedaers: {a: b}}
    """,
    )
    assert (err.key, err.hint) == ("flows.default[0].request.hedaers", "did you mean headers?")


def test_missing_and_malformed_data_files(tmp_path: Path) -> None:
    err = error_of(
        tmp_path,
        """
        data:
          users: {file: nope.csv}
        flows: {default: []}
    """,
    )
    assert (err.line, err.key) == (2, "data.users.file")
    assert err.message == f"data file {tmp_path / 'nope.csv'} not found"
    (tmp_path / "u.csv").write_text("id,name\n1\n")
    err = error_of(
        tmp_path,
        """
        data:
          users: {file: u.csv}
        flows: {default: []}
    """,
    )
    assert err.key == "data.users.file" and "line 2: 1 fields, the header has 2" in err.message
    (tmp_path / "u.json").write_text("[1, 2")
    err = error_of(
        tmp_path,
        """
        data:
          users: {file: u.json}
        flows: {default: []}
    """,
    )
    assert err.key == "data.users.file" and "is not valid JSON" in err.message


def test_unknown_exec_flow(tmp_path: Path) -> None:
    from loadpy.config.consolidate import resolve_options
    from loadpy.config.loader import parse_document

    text = """
        options:
          scenarios:
            s: {executor: shared-iterations, exec: nope}
        flows: {default: []}
    """
    doc = parse_document(text.replace("\n        ", "\n").strip(), "x.yaml")
    options = resolve_options(doc.data["options"], config_file=None, env={}, cli={}, doc=doc)
    err = error_of(tmp_path, text, options=options)
    assert err.message == "executor s: function 'nope' not found in exports"
    assert err.key == "options.scenarios.s.exec"


def test_unknown_metric_and_unset_env(tmp_path: Path) -> None:
    err = error_of(
        tmp_path,
        """
        metrics: {orders: counter}
        flows:
          default:
            - metric: {name: order, value: 1}
    """,
    )
    assert (err.key, err.hint) == ("flows.default[0].metric.name", "did you mean orders?")
    err = error_of(
        tmp_path,
        """
        flows:
          default:
            - request: {url: "${NOPE}/x"}
    """,
    )
    assert err.key == "flows.default[0].request.url" and "unknown environment variable 'NOPE'" in err.message
