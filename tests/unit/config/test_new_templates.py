"""`loadpy new --type T`: every template loads and resolves with the config code and has its load shape."""

from __future__ import annotations

from pathlib import Path

import pytest

from loadpy.config.consolidate import resolve_options
from loadpy.config.loader import load_document, resolve_env
from loadpy.config.new import KINDS, render_template
from loadpy.errors import ConfigError

EXPECTED_EXECUTOR = {
    "smoke": "constant-vus",
    "load": "ramping-vus",
    "stress": "ramping-vus",
    "spike": "ramping-arrival-rate",
    "soak": "constant-arrival-rate",
    "breakpoint": "ramping-arrival-rate",
}


@pytest.mark.parametrize("kind", KINDS)
def test_template_loads_and_resolves(kind: str, tmp_path: Path) -> None:
    path = tmp_path / f"{kind}.yaml"
    path.write_text(render_template(kind))
    doc = load_document(str(path))
    assert doc.warnings == []
    assert doc.env_defaults == {"BASE_URL": "http://127.0.0.1:8080"}
    assert doc.data["flows"]["default"][0]["request"]["url"] == "${BASE_URL}/"
    env = resolve_env(doc.env_defaults, {}, {})
    options = resolve_options(doc.data["options"], config_file=None, env={}, cli={}, doc=doc, script_env=env)
    assert options.warnings == []
    assert [sc.executor for sc in options.scenarios.values()] == [EXPECTED_EXECUTOR[kind]]
    assert "http_req_failed" in options.thresholds


def test_breakpoint_aborts_on_failing_thresholds() -> None:
    doc_text = render_template("breakpoint")
    assert doc_text.count("abortOnFail: true") == 2


def test_smoke_is_small_and_short() -> None:
    from loadpy.config.loader import parse_document

    options = parse_document(render_template("smoke"), "smoke.yaml").data["options"]
    assert options["vus"] <= 3 and options["duration"] == "30s"


def test_unknown_type_is_a_config_error() -> None:
    with pytest.raises(ConfigError) as info:
        render_template("lod")
    assert info.value.key == "--type"
    assert info.value.hint == "did you mean load?"
