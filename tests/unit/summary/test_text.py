"""The text summary against real k6 v1.1.0 output (samples/summary*.txt)."""

from __future__ import annotations

import pytest

from loadpy.errors import ConfigError
from loadpy.summary import build_summary, render_text

from .sample_run import SAMPLES, sample_registry

DURATION_S = 1.5734357283  # gives k6's 24 checks -> 15.253245/s, 18 reqs -> 11.439933/s


def trend(avg: float, mn: float, med: float, mx: float, p90: float, p95: float) -> dict[str, float]:
    # A hair above the printed figures: k6 truncates, so these must print exactly as shown.
    bump = 1.000004
    return {
        k: v * bump
        for k, v in zip(("avg", "min", "med", "max", "p(90)", "p(95)"), (avg, mn, med, mx, p90, p95), strict=True)
    }


# Figures of samples/summary.txt (that run's timings differ from the JSON samples' run).
COMPACT_TRENDS = {
    "http_req_duration": trend(7.54, 0.3167, 0.97351, 21.62, 21.18, 21.4),
    "http_req_duration{expected_response:true}": trend(11.05, 0.60813, 11.24, 21.62, 21.33, 21.47),
    "http_req_duration{name:delayed}": trend(21.04, 20.57, 21.0, 21.62, 21.49, 21.55),
    "iteration_duration": trend(524.0, 523.15, 523.47, 525.76, 525.29, 525.52),
}


def sample_lines(name: str, start: str, end: str) -> list[str]:
    with open(f"{SAMPLES}/{name}", encoding="utf-8") as handle:
        lines = handle.read().split("\n")
    first = lines.index(start)
    last = next(i for i in range(first, len(lines)) if lines[i].startswith(end))
    return lines[first : last + 1]


def compact_summary():
    reg, th = sample_registry()
    th.evaluate(DURATION_S, final=True)
    summary = build_summary(
        reg,
        th,
        test_run_duration_s=DURATION_S,
        summary_trend_stats=["avg", "min", "med", "max", "p(90)", "p(95)"],
        summary_time_unit=None,
    )
    for name, values in COMPACT_TRENDS.items():
        summary.metrics[name].values = values
    summary.metrics["http_req_duration"].values["p(95)"] = 21.4 * 1.000004
    return summary


def test_compact_matches_k6_sample_line_for_line() -> None:
    text = render_text(compact_summary(), "compact")
    want = sample_lines("summary.txt", "  █ THRESHOLDS ", "    data_sent.")
    assert text.startswith("\n\n  █ THRESHOLDS \n\n")
    got = text.split("\n")[2 : 2 + len(want)]
    assert got == want
    # k6's text, then loadpy's one addition: the failed requests by reason (6 of the sample's 404s)
    k6_text, title, ours = text.partition("  █ FAILED REQUESTS (6 of 18) \n\n")
    assert (k6_text + "\n").endswith("896 B/s\n\n\n\n")
    assert title and ours == (
        "    count  status  error_code  request\n    6      404     -           GET http://127.0.0.1:18080/status/404\n\n\n"
    )


def test_thresholds_section_shows_failed_and_passed_marks() -> None:
    text = render_text(compact_summary(), "compact")
    assert "    ✗ 'rate>0.9' rate=75.00%\n" in text
    assert "      {name:delayed}\n      ✗ 'max<1' max=21.62ms\n" in text
    assert "    ✓ 'p(99.9)<1000' p(99.9)=3\n" in text


def test_full_mode_sections_like_k6() -> None:
    reg, th = sample_registry()
    th.evaluate(DURATION_S, final=True)
    summary = build_summary(
        reg,
        th,
        test_run_duration_s=DURATION_S,
        summary_trend_stats=["avg", "min", "med", "max", "p(90)", "p(95)"],
        summary_time_unit=None,
    )
    lines = render_text(summary, "full").split("\n")
    titles = [line for line in lines if "█" in line or "↳ GROUP" in line]
    assert titles == [
        "  █ THRESHOLDS ",
        "  █ TOTAL RESULTS ",
        "  █ SCENARIO: main ",
        "    ↳ GROUP: api ",
        "      ↳ GROUP: nested ",
        "  █ FAILED REQUESTS (6 of 18) ",  # loadpy's addition, last
    ]
    want_titles = [line for line in sample_lines("summary-full.txt", "  █ THRESHOLDS ", "  █ THRESHOLDS ")]
    assert want_titles == titles[:1]
    scenario = lines[lines.index("  █ SCENARIO: main ") :]
    # Scenario checks are all of the scenario's checks; the api group only has its own.
    assert scenario[2] == "    checks_total.......................: 24     15.253245/s"
    api = scenario[scenario.index("    ↳ GROUP: api ") :]
    assert api[2] == "      checks_total.......................: 12      7.626622/s"
    assert api[3] == "      checks_succeeded...................: 100.00% 12 out of 12"
    assert "      ✓ status is 200" in api and "      ✓ has name" in api and "    ✓ is 404" not in api
    nested = api[api.index("      ↳ GROUP: nested ") :]
    assert nested[2] == "        HTTP"
    assert nested[3].startswith("        http_req_blocked...................................: avg=0s ")
    assert any(line.startswith("        http_reqs..........................................: 6 ") for line in nested)
    # Full mode shows every HTTP timing, and vus only in TOTAL RESULTS (no scenario tag).
    assert any(line.startswith("    http_req_waiting....") for line in lines[: lines.index("  █ SCENARIO: main ")])
    assert not any(line.lstrip().startswith("vus") for line in scenario)


def test_legacy_matches_k6_layout() -> None:
    reg, th = sample_registry()
    th.evaluate(DURATION_S, final=True)
    summary = build_summary(
        reg,
        th,
        test_run_duration_s=DURATION_S,
        summary_trend_stats=["avg", "min", "med", "max", "p(90)", "p(95)"],
        summary_time_unit=None,
    )
    lines = render_text(summary, "legacy").split("\n")
    want = sample_lines("summary-legacy.txt", "     ✓ is 404", "       █ nested")
    assert lines[1 : 1 + len(want)] == want
    by_name = {line.split(".")[0].strip(): line for line in lines if "..:" in line}
    assert by_name["✗ checks"] == "   ✗ checks.........................: 75.00% 18 out of 24"
    assert by_name["✓ my_gauge"] == "   ✓ my_gauge.......................: 12     min=10       max=22"
    assert by_name["✗ { name:delayed }"].startswith("     ✗ { name:delayed }.............: avg=21ms ")
    assert by_name["{ expected_response:true }"].startswith("       { expected_response:true }...: ")
    assert by_name["vus"] == "     vus............................: 2      min=2        max=2 "


def test_time_unit_and_count_stat_c63() -> None:
    reg, _ = sample_registry()
    summary = build_summary(
        reg, None, test_run_duration_s=1.0, summary_trend_stats=["avg", "p(99)", "count"], summary_time_unit="ms"
    )
    line = next(x for x in render_text(summary).split("\n") if x.startswith("    iteration_duration"))
    assert line.endswith(": avg=523.50ms p(99)=523.50ms count=6 ")  # count padded to the widest (18)


def test_colors_only_on_a_tty_without_no_color() -> None:
    reg, _ = sample_registry()
    plain = build_summary(
        reg,
        None,
        test_run_duration_s=1.0,
        summary_trend_stats=["avg"],
        summary_time_unit=None,
        no_color=False,
        is_stdout_tty=False,
    )
    colored = build_summary(
        reg,
        None,
        test_run_duration_s=1.0,
        summary_trend_stats=["avg"],
        summary_time_unit=None,
        no_color=False,
        is_stdout_tty=True,
    )
    assert "\x1b[" not in render_text(plain)
    text = render_text(colored)
    assert "\x1b[1mTOTAL RESULTS\x1b[0m" in text and "\x1b[36m6\x1b[0m" in text


@pytest.mark.parametrize(
    ("stats", "message"),
    [
        (["avg", "foo"], "invalid trend stat 'foo', unknown format"),
        (["p(101)"], "invalid percentile trend stat value 'p(101)', provide a number between 0 and 100"),
        (["p(x)"], "invalid percentile trend stat value 'p(x)', provide a number between 0 and 100"),
    ],
)
def test_invalid_trend_stats(stats: list[str], message: str) -> None:
    reg, _ = sample_registry()
    with pytest.raises(ConfigError) as info:
        build_summary(reg, None, test_run_duration_s=1.0, summary_trend_stats=stats, summary_time_unit=None)
    assert info.value.message == message


def test_unknown_mode_is_a_config_error() -> None:
    reg, _ = sample_registry()
    summary = build_summary(reg, None, test_run_duration_s=1.0, summary_trend_stats=None, summary_time_unit=None)
    with pytest.raises(ConfigError, match="invalid summary mode 'fancy'"):
        render_text(summary, "fancy")
