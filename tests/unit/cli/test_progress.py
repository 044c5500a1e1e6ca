"""The progress renderers against k6 v1.1.0's own non-TTY output (measured with the scenarios
below, `k6 run` piped to a file) and the TTY bar; driven with a fake progress list."""

from __future__ import annotations

import asyncio
import io
from dataclasses import replace
from typing import Any

from loadpy.cli.progress import Progress, RunLine, bar, fixed_duration, render_lines, total_max_duration
from loadpy.engine.scheduler import ScenarioProgress
from loadpy.executors.base import ExecutorConfig, Stage
from loadpy.executors.constant_arrival_rate import ConstantArrivalRateConfig
from loadpy.executors.constant_vus import ConstantVUsConfig
from loadpy.executors.externally_controlled import ExternallyControlledConfig
from loadpy.executors.per_vu_iterations import PerVUIterationsConfig
from loadpy.executors.ramping_arrival_rate import RampingArrivalRateConfig
from loadpy.executors.ramping_vus import RampingVUsConfig
from loadpy.executors.shared_iterations import SharedIterationsConfig

CONFIGS: dict[str, ExecutorConfig] = {
    "cv": ConstantVUsConfig(name="cv", vus=2, duration=3.0),
    "rv": RampingVUsConfig(name="rv", stages=[Stage(2.0, 3)]),
    "car": ConstantArrivalRateConfig(name="car", rate=5, duration=3.0, pre_allocated_vus=2, max_vus_cfg=4),
    "rar": RampingArrivalRateConfig(
        name="rar", start_rate=1, stages=[Stage(2.0, 5)], pre_allocated_vus=1, max_vus_cfg=3
    ),
    "si": SharedIterationsConfig(name="si", vus=2, iterations=20, max_duration_s=5.0),
    "pvi": PerVUIterationsConfig(name="pvi", vus=2, iterations=3, max_duration_s=4.0, start_time=10.0),
    "ext": ExternallyControlledConfig(name="ext", vus=1, max_vus_cfg=2, duration=3.0),
}


def sp(name: str, executor: str, active: int, max_vus: int, done: int, elapsed: float, **kw: Any) -> ScenarioProgress:
    config = CONFIGS[name]
    total = config.max_duration()
    return ScenarioProgress(
        name=name,
        executor=executor,
        active_vus=active,
        max_vus=max_vus,
        iterations_done=done,
        interrupted=kw.get("interrupted", 0),
        dropped=kw.get("dropped", 0),
        elapsed=elapsed,
        total=total,
        done=kw.get("finished", False),
        fraction=kw.get("fraction", 1.0 if kw.get("finished") else 0.0),  # the engine's: 1 at the end of the work
    )


# Definition order on purpose: the view sorts by startTime, then name, as k6 does.
AT_1S = [
    sp("cv", "constant-vus", 2, 2, 5, 1.0, fraction=1 / 3),
    sp("rv", "ramping-vus", 1, 3, 1, 1.0, fraction=0.5),
    sp("car", "constant-arrival-rate", 1, 2, 4, 1.0, fraction=1 / 3),
    sp("rar", "ramping-arrival-rate", 0, 1, 2, 1.0, fraction=0.5),
    sp("si", "shared-iterations", 2, 2, 6, 1.0, fraction=0.3),
    sp("pvi", "per-vu-iterations", 0, 2, 0, 0.0),
    sp("ext", "externally-controlled", 1, 2, 3, 1.0, fraction=1 / 3),
]

# k6 v1.1.0, same scenarios, at 1 s, trailing blanks trimmed (its ramping-arrival-rate shows
# the last tick's rate, 2.62;
# ours the configured rate at that time, 3.00).
K6_AT_1S = """\
running (01.0s), 07/12 VUs, 21 complete and 0 interrupted iterations
car    [  33% ] 1/2 VUs  1.0s/3s  5.00 iters/s
cv     [  33% ] 2 VUs    1.0s/3s
ext    [  33% ] 1/2 VUs  1.0s/3s
rar    [  50% ] 0/1 VUs  1.0s/2s  3.00 iters/s
rv     [  50% ] 1/3 VUs  1.0s/2.0s
si     [  30% ] 2 VUs    1.0s/5s  06/20 shared iters
pvi  • [   0% ] waiting  09.0s"""

AT_END = [
    sp("cv", "constant-vus", 0, 2, 20, 3.0, finished=True),
    sp("rv", "ramping-vus", 0, 3, 8, 2.0, finished=True),
    sp("car", "constant-arrival-rate", 0, 2, 15, 3.0, finished=True),
    sp("rar", "ramping-arrival-rate", 0, 2, 6, 2.0, finished=True, dropped=2),
    sp("si", "shared-iterations", 0, 2, 20, 3.0, finished=True),
    sp("pvi", "per-vu-iterations", 0, 2, 6, 0.9, finished=True),
    sp("ext", "externally-controlled", 1, 2, 9, 3.0, finished=True, interrupted=1),
]

# k6's last block for the same run; the dropped count is loadpy's addition.
K6_AT_END = """\
running (10.9s), 01/15 VUs, 84 complete and 1 interrupted iterations
car  ✓ [ 100% ] 0/2 VUs  3s       5.00 iters/s
cv   ✓ [ 100% ] 2 VUs    3s
ext  ✓ [ 100% ] 1/2 VUs  3s
rar  ✓ [ 100% ] 0/2 VUs  2s       5.00 iters/s, 2 dropped
rv   ✓ [ 100% ] 0/3 VUs  2s
si   ✓ [ 100% ] 2 VUs    3.0s/5s  20/20 shared iters
pvi  ✓ [ 100% ] 2 VUs    0.9s/4s  6/6 iters, 3 per VU"""


def run_line(elapsed: float, active: int, max_vus: int, scenarios: list[ScenarioProgress]) -> RunLine:
    return RunLine(
        elapsed=elapsed,
        max_duration=total_max_duration(CONFIGS),
        active_vus=active,
        max_vus=max_vus,
        complete=sum(s.iterations_done for s in scenarios),
        interrupted=sum(s.interrupted for s in scenarios),
    )


def test_plain_block_matches_k6_mid_run() -> None:
    assert total_max_duration(CONFIGS) == 44.0  # pvi: startTime 10s + maxDuration 4s + gracefulStop 30s
    lines = render_lines(run_line(1.0, 7, 12, AT_1S), AT_1S, CONFIGS)
    assert "\n".join(lines) == K6_AT_1S


def test_plain_block_matches_k6_at_the_end() -> None:
    lines = render_lines(run_line(10.9, 1, 15, AT_END), AT_END, CONFIGS)
    assert "\n".join(lines) == K6_AT_END


def test_k6_sample_summary_line() -> None:
    """samples/summary.txt: `main   [  33% ] 2 VUs  00m01.0s/10m0s  2/6 iters, 3 per VU`."""
    configs = {"main": PerVUIterationsConfig(name="main", vus=2, iterations=3)}
    prog = [
        ScenarioProgress("main", "per-vu-iterations", 2, 2, 2, 0, 0, 1.0, 630.0, False, 1 / 3),
    ]
    run = RunLine(1.0, total_max_duration(configs), 2, 2, 2, 0)
    assert render_lines(run, prog, configs) == [
        "running (00m01.0s), 2/2 VUs, 2 complete and 0 interrupted iterations",
        "main   [  33% ] 2 VUs  00m01.0s/10m0s  2/6 iters, 3 per VU",
    ]


def test_fixed_length_durations() -> None:
    assert fixed_duration(1.0, 3.0) == "1.0s"
    assert fixed_duration(1.04, 35.0) == "01.0s"
    assert fixed_duration(61.25, 630.0) == "01m01.2s"
    assert fixed_duration(5.0, 3725.0) == "0h00m05.0s"
    assert fixed_duration(12.0, 3.0) == "12.0s"  # past the maximum: as wide as needed


def test_k6_bar_shapes() -> None:
    """k6 pb.Render: width includes the brackets; no caret at 0 or when full; 8 columns or less: percent."""
    assert bar(0.0, 40) == "[" + "-" * 38 + "]"
    assert bar(0.5, 40) == "[" + "=" * 18 + ">" + "-" * 19 + "]"
    assert bar(1.0, 40) == "[" + "=" * 38 + "]"
    assert bar(0.5875, 17) == "[=======>-------]"
    assert bar(0.6, 8) == "[  60% ]" and bar(0.6) == "[  60% ]"


def test_a_long_name_is_cut_as_k6_cuts_it() -> None:
    name = "a_really_long_scenario_name_that_goes_on"
    configs = {name: ConstantVUsConfig(name=name, vus=1, duration=10.0)}
    prog = [ScenarioProgress(name, "constant-vus", 1, 1, 0, 0, 0, 5.0, 40.0, False, 0.5)]
    lines = render_lines(RunLine(5.0, 40.0, 1, 1, 0, 0), prog, configs)
    assert lines[1] == "a_really_long_scenario_name...   [  50% ] 1 VUs  05.0s/10s"


# k6 v1.1.0 in a tmux pane 60, 80 and 120 columns wide (`k6 run` of these three scenarios, 4.7 s in;
# the 60-column pane was read at 4.8 s: `[  60% ]`, `4.8s/8s`, the same layout):
# the bar gives way first (40 columns down to 8), then turns compact; nothing else is ever cut.
NARROW_CONFIGS: dict[str, ExecutorConfig] = {
    "a_long_scenario_name": ConstantVUsConfig(name="a_long_scenario_name", vus=2, duration=8.0),
    "rate": ConstantArrivalRateConfig(name="rate", rate=5, duration=8.0, pre_allocated_vus=2, max_vus_cfg=4),
    "shared": SharedIterationsConfig(name="shared", vus=2, iterations=200, max_duration_s=8.0),
}
NARROW = [
    ScenarioProgress("a_long_scenario_name", "constant-vus", 2, 2, 46, 0, 0, 4.7, 38.0, False, 4.7 / 8),
    ScenarioProgress("rate", "constant-arrival-rate", 1, 2, 23, 0, 0, 4.7, 38.0, False, 4.7 / 8),
    ScenarioProgress("shared", "shared-iterations", 2, 2, 46, 0, 0, 4.7, 38.0, False, 46 / 200),
]
NARROW_RUN = RunLine(4.7, 38.0, 5, 6, 115, 0)
K6_AT_WIDTH = {
    120: [
        "a_long_scenario_name   [=====================>----------------] 2 VUs    4.7s/8s",
        "rate                   [=====================>----------------] 1/2 VUs  4.7s/8s  5.00 iters/s",
        "shared                 [=======>------------------------------] 2 VUs    4.7s/8s  046/200 shared iters",
    ],
    80: [
        "a_long_scenario_name   [=======>-------] 2 VUs    4.7s/8s",
        "rate                   [=======>-------] 1/2 VUs  4.7s/8s  5.00 iters/s",
        "shared                 [==>------------] 2 VUs    4.7s/8s  046/200 shared iters",
    ],
    60: [  # too narrow even for the compact bar: k6 lets the terminal wrap the lines, cutting nothing
        "a_long_scenario_name   [  59% ] 2 VUs    4.7s/8s",
        "rate                   [  59% ] 1/2 VUs  4.7s/8s  5.00 iters/s",
        "shared                 [  23% ] 2 VUs    4.7s/8s  046/200 shared iters",
    ],
}


def test_terminal_block_fits_60_80_and_120_columns_as_k6s() -> None:
    for width, expected in K6_AT_WIDTH.items():
        lines = render_lines(NARROW_RUN, NARROW, NARROW_CONFIGS, tty=True, width=width)
        assert lines == ["running (04.7s), 5/6 VUs, 115 complete and 0 interrupted iterations", *expected], width
        if width >= 80:
            assert max(len(line) for line in lines[1:]) == min(width - 1, len(expected[2]))


def test_terminal_bar_width_follows_the_widest_line() -> None:
    """Between the extremes the bar takes exactly what the longest line leaves (one column spare)."""
    for width in range(72, 104):  # 9 to 40 columns of bar
        lines = render_lines(NARROW_RUN, NARROW, NARROW_CONFIGS, tty=True, width=width)
        assert len(lines[3]) == width - 1
        assert len({line.index("]") for line in lines[1:]}) == 1  # every bar as wide


class FakeEngine:
    """The two things Progress reads from the engine: `runners` (configs) and `progress()`."""

    def __init__(self) -> None:
        self.runners = {name: type("Runner", (), {"config": c})() for name, c in CONFIGS.items()}
        self.calls = 0

    def progress(self) -> list[ScenarioProgress]:
        self.calls += 1
        return AT_END


def test_progress_stop_prints_the_final_block_once() -> None:
    out = io.StringIO()
    engine = FakeEngine()

    async def run() -> None:
        progress = Progress(engine, out, tty=False)
        progress.start()
        await asyncio.sleep(0)
        await progress.stop()

    asyncio.run(run())
    text = out.getvalue()
    assert text.count("running (") == 1
    assert "pvi  ✓ [ 100% ] 2 VUs    0.9s/4s  6/6 iters, 3 per VU" in text
    assert engine.calls == 1


def test_broken_progress_never_breaks_the_run() -> None:
    out = io.StringIO()

    class Broken(FakeEngine):
        def progress(self) -> list[ScenarioProgress]:
            raise RuntimeError("boom")

    async def run() -> None:
        progress = Progress(Broken(), out, tty=False)
        progress.start()
        await progress.stop()

    asyncio.run(run())
    assert out.getvalue() == ""


def test_terminal_view_colours_only_the_status_marks() -> None:
    from rich.console import Console

    from loadpy.cli.progress import render_text

    lines = render_lines(run_line(10.9, 1, 15, AT_END), AT_END, CONFIGS, tty=True, width=100)
    text = render_text(lines, 100)
    assert text.plain == "\n".join(lines)
    marks = {text.plain[span.start : span.end] for span in text.spans}
    assert marks == {"✓"} and {str(span.style) for span in text.spans} == {"green"}
    out = io.StringIO()
    Console(file=out, width=100, color_system=None).print(text)
    assert out.getvalue().splitlines() == lines


def test_terminal_view_folds_at_the_edge_as_k6s_terminal_does() -> None:
    """k6 at 60 columns: `rate  [  60% ] 1/2 VUs  4.8s/8s  5.00 iters` then `/s` (the terminal's fold)."""
    from loadpy.cli.progress import render_text

    lines = render_lines(NARROW_RUN, NARROW, NARROW_CONFIGS, tty=True, width=60)
    shown = render_text(lines, 60).plain.split("\n")
    assert shown == [
        "running (04.7s), 5/6 VUs, 115 complete and 0 interrupted ite",
        "rations",
        "a_long_scenario_name   [  59% ] 2 VUs    4.7s/8s",
        "rate                   [  59% ] 1/2 VUs  4.7s/8s  5.00 iters",
        "/s",
        "shared                 [  23% ] 2 VUs    4.7s/8s  046/200 sh",
        "ared iters",
    ]
    finished = [*NARROW[:2], replace(NARROW[2], done=True, fraction=1.0)]
    lines = render_lines(RunLine(9.0, 38.0, 0, 6, 200, 0), finished, NARROW_CONFIGS, tty=True, width=60)
    text = render_text(lines, 60)  # the colour lands on the mark, past the folds before it
    assert [text.plain[span.start : span.end] for span in text.spans] == ["✓"]


def test_a_scenario_stopped_early_shows_k6s_cross_where_it_stopped() -> None:
    """k6 v1.1.0 after SIGINT at ~2.3 s of `vus: 2, duration: 10s` (stdout, after the summary):
    `running (02.3s), 0/2 VUs, 4 complete and 2 interrupted iterations` / `default ✗ [  23% ] 2 VUs  02.3s/10s`."""
    config = ConstantVUsConfig(name="default", vus=2, duration=10.0, graceful_stop=30.0)
    stopped = ScenarioProgress(
        name="default",
        executor="constant-vus",
        active_vus=0,
        max_vus=2,
        iterations_done=4,
        interrupted=2,
        dropped=0,
        elapsed=2.3,
        total=config.max_duration(),
        done=True,
        fraction=0.23,
        stopped_early=True,
    )
    run = RunLine(elapsed=2.3, max_duration=40.0, active_vus=0, max_vus=2, complete=4, interrupted=2)
    assert render_lines(run, [stopped], {"default": config}) == [
        "running (02.3s), 0/2 VUs, 4 complete and 2 interrupted iterations",
        "default ✗ [  23% ] 2 VUs  02.3s/10s",
    ]


def test_the_final_block_can_wait_for_the_summary() -> None:
    out = io.StringIO()

    async def run() -> Progress:
        progress = Progress(FakeEngine(), out, tty=False)
        progress.start()
        await progress.stop(show_final=False)
        return progress

    progress = asyncio.run(run())
    assert out.getvalue() == ""
    out.write("SUMMARY\n\n\n\n")
    progress.show_final()
    progress.show_final()  # once only
    text = out.getvalue()
    assert text.startswith("SUMMARY\n\n\n\n\nrunning (") and text.count("running (") == 1 and text.endswith("\n")
    assert not text.endswith("\n\n")
