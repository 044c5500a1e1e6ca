"""Shared data files and custom-metric value rules (k6-semantics §7.4)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from loadpy.config.options import Options
from loadpy.errors import ConfigError
from loadpy.metrics.registry import Registry
from loadpy.vu.api import VU
from loadpy.vu.core import RuntimeCore
from loadpy.vu.custom import coerce, define_all
from loadpy.vu.data import load_data, row_picker
from loadpy.vu.state import VUState


def test_csv_rows_are_records(tmp_path: Path) -> None:
    (tmp_path / "u.csv").write_text("id,name\n1,ann\n\n2,bob\n")
    rows = load_data({"file": "u.csv"}, tmp_path)
    assert rows == ({"id": "1", "name": "ann"}, {"id": "2", "name": "bob"})
    assert rows[1].name == "bob"


def test_ragged_csv_names_the_line(tmp_path: Path) -> None:
    (tmp_path / "u.csv").write_text("id,name\n1,ann\n2\n")
    with pytest.raises(ConfigError, match=r"line 3: 1 fields, the header has 2 \(id, name\)"):
        load_data({"file": "u.csv"}, tmp_path)


def test_json_must_be_an_array(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text('[{"id": 1, "tags": ["x"]}]')
    rows = load_data({"file": "a.json"}, tmp_path)
    assert rows[0].id == 1 and rows[0].tags == ("x",)
    (tmp_path / "b.json").write_text('{"id": 1}')
    with pytest.raises(ConfigError, match="must hold a JSON array, not a dict"):
        load_data({"file": "b.json"}, tmp_path)
    (tmp_path / "c.json").write_text("[1,")
    with pytest.raises(ConfigError, match="line 1: invalid JSON: Expecting value"):
        load_data({"file": "c.json"}, tmp_path)


def test_k6_value_rules() -> None:
    accepted = [coerce(v) for v in (-5, "3", True, False, "", 2.5, " 4 ")]
    assert accepted == [-5.0, 3.0, 1.0, 0.0, 0.0, 2.5, 4.0]
    assert [coerce(v) for v in (float("nan"), {}, None, "x", "abc", [1])] == [None] * 6


def test_bound_metric_add_like_k6_c52(caplog: pytest.LogCaptureFixture) -> None:
    """The c52 case: counter -5 + '3' + true = -1; rate passes 3 fails 3; trend '7' only."""
    registry = Registry()
    define_all(registry, {"cc": "counter", "rr": "rate", "tt": {"type": "trend", "time": True}, "gg": "gauge"})
    vu = VU(VUState(RuntimeCore(registry, Options(), {}), 1, 1))
    cc, rr, tt, gg = (vu.metrics[n] for n in ("cc", "rr", "tt", "gg"))
    assert [cc.add(v) for v in (-5, "3", True, float("nan"), {})] == [True, True, True, False, False]
    for v in (True, False, 0, 2, -1, "x", "", None):
        rr.add(v)
    assert tt.add("7") and not tt.add("abc")
    for v in (5, -3, 1):
        gg.add(v)
    with caplog.at_level(logging.WARNING):
        rr.add("x")
    assert "'x' is an invalid value for metric 'rr', a number or a boolean value is expected" in caplog.text
    agg = {n: registry.aggregate(registry.metrics[n]) for n in ("cc", "rr", "tt", "gg")}
    assert agg["cc"].total == -1.0
    assert (agg["rr"].trues, agg["rr"].total) == (3, 6)
    assert agg["tt"].values(stats=("count", "max")) == {"count": 1.0, "max": 7.0}
    assert agg["gg"].values() == {"value": 1.0, "min": -3.0, "max": 5.0}
    assert registry.metrics["tt"].contains == "time"
    # the samples carry the VU's tags: run tags and group "" (no scenario outside a scenario)
    assert list(registry.series(registry.metrics["cc"])) == [(("group", ""),)]


def test_bad_declarations() -> None:
    with pytest.raises(ConfigError, match="unknown type 'countr'") as err:
        define_all(Registry(), {"orders": "countr"})
    assert err.value.key == "orders" and err.value.hint == "did you mean counter?"
    with pytest.raises(ConfigError, match="time: true is only valid for a trend"):
        define_all(Registry(), {"orders": {"type": "counter", "time": True}})
    with pytest.raises(ConfigError, match="invalid metric name 'c'"):
        define_all(Registry(), {"c": "counter"})


def test_next_row_is_the_iterations_row_and_refuses_what_is_not_an_array() -> None:
    rows = ("a", "b", "c")
    assert [row_picker(i)(rows) for i in range(7)] == ["a", "b", "c", "a", "b", "c", "a"]
    with pytest.raises(TypeError, match=r"next_row takes a data array, e.g. next_row\(users\), not a str"):
        row_picker(0)("users")
    with pytest.raises(ValueError, match="next_row: the data array is empty"):
        row_picker(3)(())
