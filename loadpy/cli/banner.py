"""The header printed before a run, in k6's shape (execution, script, output, scenarios)."""

from __future__ import annotations

from typing import Any

from loadpy.base.durations import format_duration

LOGO = r"""
  _                 _
 | | ___   __ _  __| |_ __  _   _
 | |/ _ \ / _` |/ _` | '_ \| | | |
 | | (_) | (_| | (_| | |_) | |_| |
 |_|\___/ \__,_|\__,_| .__/ \__, |
                     |_|    |___/
"""


def banner(path: str, options: Any, outputs: Any) -> str:
    scenarios = options.scenarios
    segment = options.execution_segment
    max_vus = sum(sc.max_vus(segment) for sc in scenarios.values())
    # startTime + duration + gracefulStop (max_duration() itself leaves startTime out)
    max_duration = max((sc.start_time + sc.max_duration() for sc in scenarios.values()), default=0.0)
    # k6 prints maxDuration.Round(100*time.Millisecond): 1.85s shows as 1.9s (halves away from zero)
    max_duration = (round(max_duration * 1000) + 50) // 100 / 10
    out_names = ", ".join(options.out) if options.out else "-"
    count = len(scenarios)
    lines = [
        LOGO,
        "     execution: local",
        f"        script: {path}",
        f"        output: {out_names}",
        "",
        f"     scenarios: (100.00%) {count} scenario{'s' if count != 1 else ''}, {max_vus} max VUs, "
        f"{format_duration(max_duration)} max duration (incl. graceful stop):",
    ]
    # k6 lists the scenarios in execution-plan order: by startTime, then by name.
    for name, sc in sorted(scenarios.items(), key=lambda item: (item[1].start_time, item[0])):
        lines.append(f"              * {name}: {sc.describe(segment)}")
    lines.append("")
    return "\n".join(lines)
