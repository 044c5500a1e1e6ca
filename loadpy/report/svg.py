"""Line charts as inline SVG, drawn in Python so the report shows them with no script and no
network; the report's small inline script only adds a hover cursor on top."""

from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape

WIDTH = 600
HEIGHT = 240
_LEFT, _RIGHT, _TOP, _BOTTOM = 52, 12, 12, 28
_TIME_STEPS = (0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400)


@dataclass(frozen=True, slots=True)
class Line:
    label: str
    values: list[float | None]
    color: str


def nice_ceiling(value: float) -> float:
    """The smallest 1/2/2.5/5 x 10^k at or above `value` (an axis maximum); 1 for nothing."""
    if not math.isfinite(value) or value <= 0:
        return 1.0
    exp = math.floor(math.log10(value))
    for mult in (1.0, 2.0, 2.5, 5.0, 10.0):
        top = mult * 10.0**exp
        if top >= value * (1 - 1e-12):
            return top
    return 10.0 ** (exp + 1)


def format_duration(seconds: float) -> str:
    """0.5s, 30s, 1m30s, 2h5m: a time-axis label."""
    if seconds < 10 and seconds != round(seconds):
        return f"{seconds:.1f}s"
    total = round(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes}m" if minutes else f"{hours}h"
    if minutes:
        return f"{minutes}m{secs}s" if secs else f"{minutes}m"
    return f"{secs}s"


def format_number(value: float) -> str:
    if value == 0:
        return "0"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.0f}" if value == int(value) else f"{value:.1f}"
    return f"{value:.3g}"


def _time_step(t_max: float) -> float:
    for step in _TIME_STEPS:
        if t_max / step <= 8:
            return step
    return _TIME_STEPS[-1] * math.ceil(t_max / (8 * _TIME_STEPS[-1]))


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


def line_chart(chart_id: str, title: str, unit: str, xs: list[float], lines: list[Line]) -> str:
    """One chart: a titled <figure> holding an <svg> with axes, one <path> per line and a legend."""
    plot_w = WIDTH - _LEFT - _RIGHT
    plot_h = HEIGHT - _TOP - _BOTTOM
    y_values = [v for line in lines for v in line.values if v is not None and math.isfinite(v)]
    y_max = nice_ceiling(max(y_values, default=0.0) * 1.05)  # headroom: a flat line stays visible
    t_max = max(xs, default=0.0) or 1.0
    sx, sy = plot_w / t_max, plot_h / y_max
    x0, y0 = float(_LEFT), float(_TOP + plot_h)
    out: list[str] = [
        f'<figure class="chart" id="{escape(chart_id)}">',
        f"<figcaption>{escape(title)} <span class=unit>({escape(unit)})</span></figcaption>",
        f'<svg class="chart-svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(title)}" data-chart="{escape(chart_id)}" data-x0="{x0}" data-x1="{x0 + plot_w}" '
        f'data-tmax="{t_max}">',
    ]
    for i in range(5):  # horizontal grid with y labels
        value = y_max * i / 4
        y = y0 - value * sy
        out.append(f'<line class="grid" x1="{x0}" x2="{x0 + plot_w}" y1="{y:.1f}" y2="{y:.1f}"/>')
        out.append(f'<text class="ylabel" x="{x0 - 6}" y="{y + 4:.1f}">{escape(format_number(value))}</text>')
    step = _time_step(t_max)
    for n in range(int(t_max / step + 1e-9) + 1):
        tick = n * step  # multiplied, not summed: 0.1 steps must not drift
        x = x0 + tick * sx
        out.append(f'<line class="tick" x1="{x:.1f}" x2="{x:.1f}" y1="{y0}" y2="{y0 + 4}"/>')
        out.append(f'<text class="xlabel" x="{x:.1f}" y="{y0 + 18}">{escape(format_duration(tick))}</text>')
    out.append(f'<line class="axis" x1="{x0}" x2="{x0 + plot_w}" y1="{y0}" y2="{y0}"/>')
    drawn = 0
    for line in lines:
        d = _path(xs, line.values, sx, sy, x0, y0)
        if d:
            drawn += 1
            out.append(
                f'<path class="series" data-series="{escape(line.label)}" stroke="{escape(line.color)}" d="{d}"/>'
            )
    if not drawn:
        out.append(f'<text class="nodata" x="{x0 + plot_w / 2}" y="{_TOP + plot_h / 2}">no data</text>')
    out.append(f'<line class="cursor" x1="{x0}" x2="{x0}" y1="{_TOP}" y2="{y0}" visibility="hidden"/>')
    out.append("</svg>")
    out.append('<div class="legend">')
    for line in lines:
        out.append(f'<span><i style="background:{escape(line.color)}"></i>{escape(line.label)}</span>')
    out.append('</div><div class="tip" hidden></div></figure>')
    return "\n".join(out)
