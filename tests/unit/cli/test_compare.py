"""`loadpy compare`: gate parsing, the regression rule in each direction, the file shapes it reads."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from loadpy.compare import compare, load_measurements, parse_gate, render_markdown, render_text
from loadpy.errors import ConfigError

EXPORT = {  # --summary-export shape (flat values, a Rate's ratio under "value")
    "metrics": {
        "http_req_duration": {"avg": 10.0, "min": 1, "med": 9, "max": 40, "p(90)": 20, "p(95)": 25},
        "http_req_failed": {"passes": 1, "fails": 99, "value": 0.01},
        "http_reqs": {"count": 1000, "rate": 100.0},
        "data_received": {"count": 2048, "rate": 204.8},
        "vus": {"value": 5, "min": 1, "max": 5},
    }
}


def test_gate_grammar() -> None:
    g = parse_gate("http_req_duration{name:http://x/y}:p(95):+10%")
    assert (g.metric, g.stat, g.worse_if_higher, g.tolerance, g.relative) == (
        "http_req_duration{name:http://x/y}",
        "p(95)",
        True,
        pytest.approx(0.1),
        True,
    )
    g = parse_gate("http_reqs:rate:-5")
    assert (g.worse_if_higher, g.tolerance, g.relative) == (False, 5.0, False)


@pytest.mark.parametrize("spec", ["http_reqs", "http_reqs:rate", "http_reqs:rate:10%", "a:b:+x", "a:b:+-1", "a:b:+inf"])
def test_bad_gates_are_config_errors(spec: str) -> None:
    with pytest.raises(ConfigError) as err:
        parse_gate(spec)
    assert "--gate" in str(err.value)


def test_regression_in_each_direction_at_the_boundary() -> None:
    slower = parse_gate("http_req_duration:p(95):+10%")
    assert not slower.regressed(100.0, 110.0)  # exactly at the tolerance passes
    assert slower.regressed(100.0, 110.01)
    fewer = parse_gate("http_reqs:rate:-10%")
    assert not fewer.regressed(100.0, 90.0)
    assert fewer.regressed(100.0, 89.9)
    failing = parse_gate("http_req_failed:rate:+0.01")
    assert not failing.regressed(0.0, 0.01)
    assert failing.regressed(0.0, 0.0101)


def test_export_and_handle_summary_data_read_the_same(tmp_path: Path) -> None:
    export = tmp_path / "export.json"
    export.write_text(json.dumps(EXPORT))
    data = {
        "metrics": {
            name: {"type": "x", "contains": "default", "values": values} for name, values in EXPORT["metrics"].items()
        }
    }
    data["metrics"]["http_req_failed"]["values"] = {"passes": 1, "fails": 99, "rate": 0.01}
    summary_data = tmp_path / "data.json"
    summary_data.write_text(json.dumps(data))
    assert load_measurements(export) == load_measurements(summary_data)
    assert load_measurements(export)["http_req_failed"]["rate"] == 0.01


def test_table_verdict_and_missing_gate(tmp_path: Path) -> None:
    base = load_measurements(_write(tmp_path / "a.json", EXPORT))
    worse = json.loads(json.dumps(EXPORT))
    worse["metrics"]["http_req_duration"]["p(95)"] = 30  # +20 %
    new = load_measurements(_write(tmp_path / "b.json", worse))
    gates = [parse_gate("http_req_duration:p(95):+10%"), parse_gate("ws_ping:avg:+10%")]
    result = compare(base, new, gates, base_name="a.json", new_name="b.json")
    assert not result.ok
    assert [(r.metric, r.verdict) for r in result.failed_gates] == [
        ("http_req_duration", "REGRESSED"),
        ("ws_ping", "MISSING"),  # a gate that watched nothing fails
    ]
    text = render_text(result)
    lines = text.splitlines()
    assert lines[0].split() == ["metric", "stat", "a.json", "b.json", "change", "verdict"]
    assert lines[1].split()[:5] == ["http_req_duration", "p(95)", "25ms", "30ms", "+20.0%"]
    assert "REGRESSED (http_req_duration:p(95):+10%)" in lines[1]
    assert lines[-1].startswith("2 regressions: http_req_duration p(95) (regressed")
    # headline rows: one per metric, with units
    assert any(line.split()[:4] == ["data_received", "rate", "205", "B/s"] for line in lines), text
    assert any(line.split()[:4] == ["http_req_failed", "rate", "1.00%", "1.00%"] for line in lines), text
    md = render_markdown(result)
    assert md.splitlines()[1] == "|---|---|---|---|---|---|"
    assert md.rstrip().endswith(
        "(regressed, gate http_req_duration:p(95):+10%), ws_ping avg (missing, gate ws_ping:avg:+10%)"
    )


def test_unreadable_inputs_name_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"metrics": ')
    with pytest.raises(ConfigError) as err:
        load_measurements(bad)
    assert "bad.json" in str(err.value) and "not valid JSON" in str(err.value)
    other = _write(tmp_path / "other.json", {"rows": []})
    with pytest.raises(ConfigError, match='"metrics" object'):
        load_measurements(other)


def _write(path: Path, doc: object) -> Path:
    path.write_text(json.dumps(doc))
    return path
