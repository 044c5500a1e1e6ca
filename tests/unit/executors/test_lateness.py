"""The LOADPY_DEBUG_LATENCY_FILE benchmark hook: start lateness of arrival-rate iterations."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from loadpy.engine.scheduler import Engine
from loadpy.executors.lateness import LATENESS_ENV, LatenessLog
from tests.unit.engine.fakes import FakeRuntime, run, scenario


def test_summary_is_nearest_rank_in_milliseconds() -> None:
    log = LatenessLog()
    for ms in range(1, 201):  # 1..200 ms, shuffled order must not matter
        log.add(((ms * 37) % 200 + 1) / 1000.0)
    assert log.summary() == {"started": 200, "p50_ms": 100.0, "p90_ms": 180.0, "p99_ms": 198.0, "max_ms": 200.0}
    assert LatenessLog().summary() == {"started": 0, "p50_ms": 0.0, "p90_ms": 0.0, "p99_ms": 0.0, "max_ms": 0.0}


@pytest.mark.slow
def test_arrival_rate_scenario_appends_one_line_per_scenario(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "lateness.jsonl"
    monkeypatch.setenv(LATENESS_ENV, str(out))
    rt = FakeRuntime(sleep=0.0)
    scenarios = {
        "car": scenario("car", executor="constant-arrival-rate", rate=20, duration="1s", preAllocatedVUs=2),
        "loop": scenario("loop", executor="per-vu-iterations", vus=1, iterations=3),
    }
    engine = Engine(scenarios=scenarios, runtime=rt, registry=rt.registry)
    run(engine.run())
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(lines) == 1  # closed-model executors have no schedule to be late against
    line = lines[0]
    assert (line["scenario"], line["executor"], line["started"], line["dropped"]) == (
        "car",
        "constant-arrival-rate",
        21,
        0,
    )
    assert 0.0 <= line["p50_ms"] <= line["p90_ms"] <= line["p99_ms"] <= line["max_ms"]
    assert line["max_ms"] == pytest.approx(engine.runners["car"].lateness_max * 1000.0, abs=1e-3)


@pytest.mark.slow
def test_without_the_variable_nothing_is_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(LATENESS_ENV, raising=False)
    rt = FakeRuntime(sleep=0.0)
    engine = Engine(
        scenarios={"car": scenario("car", executor="constant-arrival-rate", rate=10, duration="1s", preAllocatedVUs=1)},
        runtime=rt,
        registry=rt.registry,
    )
    run(engine.run())
    assert engine.runners["car"]._lateness is None  # type: ignore[attr-defined]
    assert len(rt.completed_calls()) == 11


@pytest.mark.slow
def test_the_line_carries_the_processes_dropped_iterations(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "lateness.jsonl"
    monkeypatch.setenv(LATENESS_ENV, str(out))
    rt = FakeRuntime(sleep=0.25)  # one VU busy 0.25 s, arrivals every 0.1 s: two of every three dropped
    config = scenario("car", executor="constant-arrival-rate", rate=10, duration="1s", preAllocatedVUs=1, maxVUs=1)
    engine = Engine(scenarios={"car": config}, runtime=rt, registry=rt.registry)
    run(engine.run())
    (line,) = [json.loads(text) for text in out.read_text().splitlines()]
    runner = engine.runners["car"]
    assert line["dropped"] == runner.dropped > 0
    assert line["started"] + line["dropped"] == 11 == len(rt.calls) + runner.dropped
