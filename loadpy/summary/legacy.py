"""k6's pre-v1 text summary (`--summary-mode=legacy`, summary-legacy.js): the check tree
with `█ group` headers, then one flat list of every metric, ✓/✗ in front of metrics
that have thresholds."""

from __future__ import annotations

from loadpy.metrics.groups import GroupNode
from loadpy.metrics.metric import MetricType
from loadpy.metrics.selectors import split_metric_name
from loadpy.summary.collate import metric_sort_key
from loadpy.summary.humanize import humanize_value, js_str, non_trend_parts, str_width
from loadpy.summary.model import Summary

_PALETTE = {"bold": 1, "faint": 2, "red": 31, "green": 32, "cyan": 36}


class _Decorate:
    def __init__(self, colors: bool) -> None:
        self.colors = colors

    def __call__(self, text: str, *codes: str) -> str:
        if not self.colors:
            return text
        return "\x1b[" + ";".join(str(_PALETTE[c]) for c in codes) + "m" + text + "\x1b[0m"


def _group_lines(indent: str, group: GroupNode, decorate: _Decorate) -> list[str]:
    out: list[str] = []
    if group.name != "":
        out.append(f"{indent}█ {group.name}\n")
        indent += "  "
    for check in group.checks.values():
        if check.fails == 0:
            out.append(decorate(f"{indent}✓ {check.name}", "green"))
        else:
            pct = (100 * check.passes) // (check.passes + check.fails)
            text = f"{indent}✗ {check.name}\n{indent} ↳  {pct}% — ✓ {check.passes} / ✗ {check.fails}"
            out.append(decorate(text, "red"))
    if group.checks:
        out.append("")
    for child in group.groups.values():
        out.extend(_group_lines(indent, child, decorate))
    return out


def _display_name(name: str) -> str:
    pos = name.find("{")
    return f"{{ {name[pos + 1 : -1]} }}" if pos >= 0 else name


def render_legacy(summary: Summary) -> str:
    decorate = _Decorate(summary.enable_colors)
    stats = summary.summary_trend_stats
    unit = summary.summary_time_unit
    lines = _group_lines("     ", summary.root_group, decorate)

    name_max = 0
    values: dict[str, str] = {}
    value_max = 0
    extras: dict[str, list[str]] = {}
    extra_max = [0, 0]
    trend_cols: dict[str, list[str]] = {}
    col_max = [0] * len(stats)
    for name, m in summary.metrics.items():
        name_max = max(name_max, str_width(("  " if split_metric_name(name)[1] else "") + _display_name(name)))
        if m.type is MetricType.TREND:
            cols = [
                js_str(m.values[s]) if s == "count" else humanize_value(m.values[s], m.type, m.contains, unit)
                for s in stats
            ]
            for i, col in enumerate(cols):
                col_max[i] = max(col_max[i], str_width(col))
            trend_cols[name] = cols
            continue
        parts = non_trend_parts(m, unit)
        values[name] = parts[0]
        value_max = max(value_max, str_width(parts[0]))
        extras[name] = parts[1:]
        for i, extra in enumerate(parts[1:]):
            while i >= len(extra_max):
                extra_max.append(0)
            extra_max[i] = max(extra_max[i], str_width(extra))

    def data(name: str) -> str:
        if name in trend_cols:
            return " ".join(
                f"{stat}={decorate(col, 'cyan')}{' ' * (col_max[i] - str_width(col))}"
                for i, (stat, col) in enumerate(zip(stats, trend_cols[name], strict=True))
            )
        value = values[name]
        out = decorate(value, "cyan") + " " * (value_max - str_width(value))
        more = extras[name]
        if len(more) == 1:
            out += " " + decorate(more[0], "cyan", "faint")
        elif more:
            out += " " + " ".join(
                decorate(x, "cyan", "faint") + " " * (extra_max[i] - str_width(x)) for i, x in enumerate(more)
            )
        return out

    for name in sorted(summary.metrics, key=metric_sort_key):
        m = summary.metrics[name]
        mark, color = " ", ""
        if m.thresholds is not None:
            failed = any(not t.ok for t in m.thresholds)
            mark, color = ("✗", "red") if failed else ("✓", "green")
        marked = decorate(mark, color) if color else mark
        indent = "  " if split_metric_name(name)[1] else ""
        shown = _display_name(name)
        dots = decorate("." * (name_max - str_width(shown) - str_width(indent) + 3) + ":", "faint")
        lines.append(f"   {indent}{marked} {shown}{dots} {data(name)}")
    return "\n".join(lines)
