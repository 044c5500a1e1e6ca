"""The cost-curve figures' arithmetic and guards (benchmarks/bench/costcurve.py), with fake tools:
no process is started, nothing here measures time."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "benchmarks"))

from bench import costcurve
from bench.figure import figure
from bench.tools import ToolSkipped, Workload, k6_script, loadpy_scenario

URL = "http://127.0.0.1:9/"


def linear_tool(fixed_cpu_s: float, us_per_req: float, rps: float) -> tuple[Any, list[Workload]]:
    """A fake tool whose CPU is a fixed start cost plus a constant cost per request."""
    seen: list[Workload] = []

    def run(w: Workload, work: Path) -> dict[str, Any]:
        seen.append(w)
        requests = w.iterations or rps * w.duration_s
        cpu_s = fixed_cpu_s + requests * us_per_req / 1e6
        return {"requests": requests, "rps": rps, "cpu_s": cpu_s, "cpu_us_per_req": cpu_s * 1e6 / requests}

    return run, seen


def test_marginal_separates_the_cost_per_request_from_the_fixed_cost(tmp_path: Path) -> None:
    run, seen = linear_tool(fixed_cpu_s=0.8, us_per_req=20.0, rps=10_000)
    out = costcurve.marginal(run)(Workload("requests", URL, vus=1000, iterations=41_000), tmp_path)
    assert [w.iterations for w in seen] == [1000, 41_000]  # one request per VU, then the whole count
    assert [w.vus for w in seen] == [1000, 1000]
    assert out["marginal_us_per_req"] == 20.0
    assert out["fixed_cpu_s"] == 0.8
    assert out["requests"] == 41_000
    assert out["cpu_us_per_req"] == pytest.approx(1.62e6 / 41_000)  # the whole process, start included
    assert out["short_run"]["requests"] == 1000


def test_a_run_that_would_not_fit_in_memory_is_skipped_unstarted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run, seen = linear_tool(0.1, 10.0, 1000)
    monkeypatch.setattr(costcurve, "mem_available_kb", lambda: 8 * 2**20)
    guarded = costcurve.guarded("k6", run, quick=False)
    with pytest.raises(ToolSkipped, match=r"100,000 VUs need ~16\.9 GiB \(\+2 GiB left to others\); 8\.0 GiB"):
        guarded(Workload("sleepers", URL, vus=100_000, sleep_s=1.0), tmp_path)
    assert seen == []
    guarded(Workload("sleepers", URL, vus=10_000, sleep_s=1.0), tmp_path)  # ~1.9 GiB fits
    assert [w.vus for w in seen] == [10_000]


def test_quick_skips_only_the_runs_too_long_for_quick(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    run, seen = linear_tool(0.1, 10.0, 1000)
    monkeypatch.setattr(costcurve, "mem_available_kb", lambda: 64 * 2**20)
    with pytest.raises(ToolSkipped, match="quick: 10k JavaScript VUs"):
        costcurve.guarded("loadpy-js", run, quick=True)(Workload("closed", URL, vus=10_000), tmp_path)
    costcurve.guarded("loadpy-js", run, quick=False)(Workload("closed", URL, vus=10_000), tmp_path)
    costcurve.guarded("loadpy-js", run, quick=True)(Workload("closed", URL, vus=1000), tmp_path)
    assert [w.vus for w in seen] == [10_000, 1000]


def test_figure_keeps_skipped_runs_apart_from_measured_ones(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run, _ = linear_tool(0.1, 10.0, 1000)

    def skipped(w: Workload, work: Path) -> dict[str, Any]:
        raise ToolSkipped("too big")

    case = {"c": Workload("closed", URL, duration_s=2)}
    result = figure("t", {"a": run, "b": skipped}, ["a", "b"], case, 2, ("rps",))
    assert result["skipped"] == {"c/b": "too big"}
    assert result["errors"] == {}
    assert len(result["runs"]["c"]["a"]) == 2 and result["runs"]["c"]["b"] == []
    assert result["medians"]["c"] == {"a": {"cpu_s": 0.12, "cpu_us_per_req": 60.0, "requests": 2000.0, "rps": 1000.0}}
    assert capsys.readouterr().out.count("skipped: too big") == 1


def test_memory_curve_reports_the_kb_of_each_added_vu(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(costcurve, "mem_available_kb", lambda: 30 * 2**20)  # 100k JavaScript VUs do not fit

    def sleeper(base_kb: int, kb_per_vu: float) -> Any:
        def run(w: Workload, work: Path) -> dict[str, Any]:
            return {"peak_rss_kb": base_kb + kb_per_vu * w.vus, "wall_s": 1.0}

        return run

    runners = {"loadpy": sleeper(40_000, 5), "loadpy-js": sleeper(40_000, 180), "k6": sleeper(30_000, 120)}
    result = costcurve.memory_curve(runners, URL, quick=True, rounds=1)
    assert result["kb_per_added_vu"] == {  # loadpy-js: one point only (1k)
        "loadpy": {"1000-10000": 5.0, "10000-100000": 5.0},
        "k6": {"1000-10000": 120.0},
    }
    assert result["medians"]["100000 VUs"]["loadpy"]["peak_rss_mb"] == round(540_000 / 1024, 1)
    assert result["skipped"]["10000 VUs/loadpy-js"].startswith("quick: ")
    assert result["skipped"]["100000 VUs/k6"].startswith("quick: ")
    assert result["skipped"]["100000 VUs/loadpy-js"].startswith("100,000 VUs need ~35.9 GiB")


def test_outputs_figure_passes_each_output_and_compares_like_with_like(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[str, tuple[str, ...]]] = []

    def fake(tool: str, rps: float, cost_us: float) -> Any:
        def run(w: Workload, work: Path, extra: tuple[str, ...]) -> dict[str, Any]:
            calls.append((tool, extra))
            requests = rps * w.duration_s
            if extra:
                Path(extra[1].split("=", 1)[1]).write_bytes(b"x" * int(requests * 100))
                return {"requests": requests, "rps": rps / 2, "cpu_us_per_req": cost_us + 30}
            return {"requests": requests, "rps": rps, "cpu_us_per_req": cost_us}

        return run

    loadpy, k6 = fake("loadpy", 40_000, 20.0), fake("k6", 16_000, 60.0)
    monkeypatch.setattr(costcurve, "run_loadpy", lambda w, d, cpu, timeout, repo, extra: loadpy(w, d, extra))
    monkeypatch.setattr(costcurve, "run_k6", lambda binary, w, d, cpu, timeout, extra: k6(w, d, extra))
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    result = costcurve.outputs_cost("/usr/bin/k6", URL, 1, 2.0, 0, tmp_path)
    outs = sorted({extra[1].split("=")[0] for _, extra in calls if extra})
    assert outs == ["csv", "json"] and all(extra[0] == "--out" for _, extra in calls if extra)
    assert len(calls) == 6
    medians = result["medians"]["50 VUs"]
    assert medians["loadpy+json"]["out_bytes_per_req"] == 100 and "out_bytes_per_req" not in medians["loadpy"]
    assert list(tmp_path.rglob("out.*")) == []  # the output files are not kept
    assert result["with_output"]["loadpy+json"] == {
        "rps_vs_no_output": 0.5,
        "added_cpu_us_per_req": 30.0,
        "rps_vs_k6_same_output": 2.5,
    }
    assert result["with_output"]["k6+csv"] == {"rps_vs_no_output": 0.5, "added_cpu_us_per_req": 30.0}


def test_a_fixed_request_count_is_k6s_vus_and_iterations_in_both_front_ends() -> None:
    w = Workload("requests", URL, vus=1000, iterations=31_000)
    assert 'export const options = {"vus": 1000, "iterations": 31000};' in k6_script(w)
    assert 'export default function () { http.get("http://127.0.0.1:9/"); }' in k6_script(w)
    assert yaml.safe_load(loadpy_scenario(w)) == {
        "options": {"vus": 1000, "iterations": 31_000},
        "flows": {"default": [{"request": {"url": URL}}]},
    }
