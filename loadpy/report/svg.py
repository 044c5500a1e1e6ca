"""Line charts as inline SVG, drawn in Python so the report shows them with no script and no
network. The page's small inline script (loadpy.report.script) adds, on top of this markup,
a hover read-out, drag-to-zoom on the time axis and legend toggles: the plot lines sit in one
clipped <g class="plot"> it can stretch, and the time ticks in one <g class="xticks"> it redraws."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from html import escape

from loadpy.report.units import clock

WIDTH = 600
HEIGHT = 240
_LEFT, _RIGHT, _TOP, _BOTTOM = 64, 12, 12, 28
# Time-axis steps in seconds: 1-2-5 below a minute, then minutes and hours as a clock reads them.
TIME_STEPS: tuple[float, ...] = (
    0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400,
)  # fmt: skip
MAX_TIME_TICKS = 8
MAX_Y_TICKS = 5


@dataclass(frozen=True, slots=True)
class Line:
    label: str
    values: list[float | None]
    color: str
    dash: str = ""  # SVG stroke-dasharray: lines that overlap stay told apart


def nice_step(raw: float) -> float:
    """The smallest 1, 2 or 5 x 10^k at or above `raw` (an axis step); 1 for nothing."""
    if not math.isfinite(raw) or raw <= 0:
        return 1.0
    exp = math.floor(math.log10(raw))
    for mult in (1.0, 2.0, 5.0, 10.0):
        step = mult * 10.0**exp
        if step >= raw * (1 - 1e-12):
            return step
    return 10.0 ** (exp + 1)


def y_axis(max_value: float, min_step: float = 0.0) -> tuple[float, float]:
    """(step, top) of a value axis from 0 holding `max_value` with at most MAX_Y_TICKS steps
    (`min_step` 1 for whole things such as VUs: no 0.5 VU tick)."""
    value = max_value * 1.05 if math.isfinite(max_value) and max_value > 0 else 0.0  # headroom
    step = max(nice_step(value / MAX_Y_TICKS), min_step) if value > 0 else max(1.0, min_step)
    return step, step * max(1, math.ceil(value / step - 1e-9))


def time_step(span: float) -> float:
    """The first TIME_STEPS entry giving at most MAX_TIME_TICKS ticks over `span` seconds."""
    for step in TIME_STEPS:
        if span / step <= MAX_TIME_TICKS:
            return step
    return TIME_STEPS[-1] * math.ceil(span / (MAX_TIME_TICKS * TIME_STEPS[-1]))


def _path(xs: list[float], ys: list[float | None], sx: float, sy: float, x0: float, y0: float) -> str:
    """SVG path data; a None value breaks the line, and an isolated point becomes a dot
    (a zero-length segment, drawn by the round line cap)."""
    parts: list[str] = []
    run = 0  # points in the current segment
    for x, y in zip(xs, ys, strict=True):
        if y is None or not math.isfinite(y):
            if run == 1:
                parts.append("h0")
            run = 0
            continue
        parts.append(f"{'L' if run else 'M'}{x0 + x * sx:.1f},{y0 - y * sy:.1f}")
        run += 1
    if run == 1:
        parts.append("h0")
    return "".join(parts)


def line_chart(
    chart_id: str,
    title: str,
    unit: str,
    xs: list[float],
    lines: list[Line],
    y_format: Callable[[float], str],
    min_step: float = 0.0,
) -> str:
    """One chart: a titled <figure> holding an <svg> with axes, one <path> per line and a legend
    whose entries toggle their line. `y_format` writes a value-axis label with its unit."""
    plot_w = WIDTH - _LEFT - _RIGHT
    plot_h = HEIGHT - _TOP - _BOTTOM
    y_values = [v for line in lines for v in line.values if v is not None and math.isfinite(v)]
    step, y_max = y_axis(max(y_values, default=0.0), min_step)
    t_max = max(xs, default=0.0) or 1.0
    sx, sy = plot_w / t_max, plot_h / y_max
    x0, y0 = float(_LEFT), float(_TOP + plot_h)
    cid = escape(chart_id)
    out: list[str] = [
        f'<figure class="chart" id="{cid}">',
        f"<figcaption>{escape(title)} <span class=unit>({escape(unit)})</span></figcaption>",
        f'<svg class="chart-svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(title)}" data-chart="{cid}" data-x0="{x0}" data-x1="{x0 + plot_w}" '
        f'data-y0="{y0}" data-tmax="{t_max}">',
        f'<clipPath id="clip-{cid}"><rect x="{x0}" y="{_TOP}" width="{plot_w}" height="{plot_h}"/></clipPath>',
    ]
    for i in range(round(y_max / step) + 1):  # horizontal grid with value labels
        value = i * step  # multiplied, not summed: 0.1 steps must not drift
        y = y0 - value * sy
        out.append(f'<line class="grid" x1="{x0}" x2="{x0 + plot_w}" y1="{y:.1f}" y2="{y:.1f}"/>')
        out.append(f'<text class="ylabel" x="{x0 - 6}" y="{y + 4:.1f}">{escape(y_format(value))}</text>')
    out.append('<g class="xticks">')
    tstep = time_step(t_max)
    for n in range(int(t_max / tstep + 1e-9) + 1):
        tick = n * tstep
        x = x0 + tick * sx
        out.append(f'<line class="tick" x1="{x:.1f}" x2="{x:.1f}" y1="{y0}" y2="{y0 + 4}"/>')
        out.append(f'<text class="xlabel" x="{x:.1f}" y="{y0 + 18}">{escape(clock(tick))}</text>')
    out.append("</g>")
    out.append(f'<line class="axis" x1="{x0}" x2="{x0 + plot_w}" y1="{y0}" y2="{y0}"/>')
    # The clip sits on an outer group: on the zoomed (transformed) group it would stretch with it.
    out.append(f'<g clip-path="url(#clip-{cid})"><g class="plot">')
    drawn = 0
    for line in lines:
        d = _path(xs, line.values, sx, sy, x0, y0)
        if d:
            drawn += 1
            dash = f' stroke-dasharray="{escape(line.dash)}"' if line.dash else ""
            out.append(
                f'<path class="series" data-series="{escape(line.label)}" stroke="{escape(line.color)}"{dash} '
                f'vector-effect="non-scaling-stroke" d="{d}"/>'
            )
    out.append("</g></g>")
    if not drawn:
        out.append(f'<text class="nodata" x="{x0 + plot_w / 2}" y="{_TOP + plot_h / 2}">no data</text>')
    out.append(f'<rect class="selection" x="{x0}" y="{_TOP}" width="0" height="{plot_h}" visibility="hidden"/>')
    out.append(f'<line class="cursor" x1="{x0}" x2="{x0}" y1="{_TOP}" y2="{y0}" visibility="hidden"/>')
    out.append("</svg>")
    out.append('<div class="legend">')
    for line in lines:
        dash = f' stroke-dasharray="{escape(line.dash)}"' if line.dash else ""
        swatch = (
            '<svg width="22" height="10" aria-hidden="true">'
            f'<line x1="1" y1="5" x2="21" y2="5" stroke="{escape(line.color)}" stroke-width="2.5"{dash}/></svg>'
        )
        out.append(
            f'<button type="button" class="toggle" data-series="{escape(line.label)}" aria-pressed="true">'
            f"{swatch}{escape(line.label)}</button>"
        )
    out.append('<span class="zoomhint">drag to zoom, double-click to reset</span>')
    out.append('</div><div class="tip" hidden></div></figure>')
    return "\n".join(out)
