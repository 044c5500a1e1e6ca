"""k6's pre-v1 text summary, rendered from handleSummary's `data` object: the check tree with
`█ group` headers, then one flat list of every metric, ✓/✗ in front of metrics that have
thresholds.

Two callers share it: `--summary-mode=legacy` (k6's summary-legacy.js) and the k6-summary
jslib's `textSummary(data, {indent, enableColors})` that scripts call in handleSummary. The two
JavaScript originals differ only in a rate's extra columns and the metric order (`LegacyStyle`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from loadpy.metrics.metric import Contains, MetricType
from loadpy.metrics.selectors import split_metric_name
from loadpy.summary.collate import metric_sort_key
from loadpy.summary.export import handle_summary_data
from loadpy.summary.humanize import humanize_value, js_str, str_width
from loadpy.summary.model import Summary

_PALETTE = {"bold": 1, "faint": 2, "red": 31, "green": 32, "cyan": 36}


@dataclass(frozen=True)
class LegacyStyle:
    """Where k6's summary-legacy.js and the k6-summary jslib part ways."""

    sort_key: Callable[[str], Any]
    rate_extras: Callable[[float, float], list[str]]  # (passes, fails) -> the columns after the rate


# k6 v1's --summary-mode=legacy: submetrics under their parent, locale order; "N out of M"
K6_LEGACY = LegacyStyle(metric_sort_key, lambda passes, fails: [f"{js_str(passes)} out of {js_str(passes + fails)}"])
# jslib.k6.io/k6-summary: `names.sort()` (code unit order); "✓ passes", "✗ fails"
JSLIB = LegacyStyle(lambda name: name, lambda passes, fails: [f"✓ {js_str(passes)}", f"✗ {js_str(fails)}"])


class _Decorate:
    def __init__(self, colors: bool) -> None:
        self.colors = colors

    def __call__(self, text: str, *codes: str) -> str:
        if not self.colors:
            return text
        return "\x1b[" + ";".join(str(_PALETTE[c]) for c in codes) + "m" + text + "\x1b[0m"


def _group_lines(indent: str, group: Mapping[str, Any], decorate: _Decorate) -> list[str]:
    out: list[str] = []
    if group.get("name", "") != "":
        out.append(f"{indent}█ {group['name']}\n")
        indent += "  "
    checks = group.get("checks") or []
    for check in checks:
        passes, fails = check["passes"], check["fails"]
        if fails == 0:
            out.append(decorate(f"{indent}✓ {check['name']}", "green"))
        else:
            pct = (100 * passes) // (passes + fails)
            text = f"{indent}✗ {check['name']}\n{indent} ↳  {pct}% — ✓ {passes} / ✗ {fails}"
            out.append(decorate(text, "red"))
    if checks:
        out.append("")
    for child in group.get("groups") or []:
        out.extend(_group_lines(indent, child, decorate))
    return out


def _display_name(name: str) -> str:
    pos = name.find("{")
    return f"{{ {name[pos + 1 : -1]} }}" if pos >= 0 else name


def _number(value: Any) -> float:
    """A value of the data object (None where JSON had no NaN) as a float."""
    return math.nan if value is None else float(value)


def _non_trend_parts(metric: Mapping[str, Any], time_unit: str | None, style: LegacyStyle) -> list[str]:
    mtype, contains = MetricType(metric["type"]), Contains(metric["contains"])
    values = metric["values"]

    def h(key: str) -> str:
        return humanize_value(_number(values.get(key)), mtype, contains, time_unit)

    if mtype is MetricType.COUNTER:
        return [h("count"), h("rate") + "/s"]
    if mtype is MetricType.GAUGE:
        return [h("value"), "min=" + h("min"), "max=" + h("max")]
    if mtype is MetricType.RATE:
        return [h("rate"), *style.rate_extras(_number(values.get("passes")), _number(values.get("fails")))]
    return ["[no data]"]


def render_legacy_data(
    data: Mapping[str, Any],
    *,
    indent: str = " ",
    colors: bool = False,
    trend_stats: list[str] | None = None,
    time_unit: str | None = None,
    style: LegacyStyle = K6_LEGACY,
) -> str:
    """The legacy text summary of a handleSummary `data` object (`indent` is the caller's option)."""
    decorate = _Decorate(colors)
    options = data.get("options") or {}
    stats = list(trend_stats if trend_stats is not None else options.get("summaryTrendStats") or [])
    unit = time_unit if time_unit is not None else options.get("summaryTimeUnit") or None
    lines = _group_lines(indent + "    ", data.get("root_group") or {}, decorate)
    metrics: Mapping[str, Mapping[str, Any]] = data.get("metrics") or {}

    name_max = 0
    values: dict[str, str] = {}
    value_max = 0
    extras: dict[str, list[str]] = {}
    extra_max = [0, 0]
    trend_cols: dict[str, list[str]] = {}
    col_max = [0] * len(stats)
    for name, m in metrics.items():
        name_max = max(name_max, str_width(("  " if split_metric_name(name)[1] else "") + _display_name(name)))
        if m["type"] == "trend":
            contains = Contains(m["contains"])
            raw = m["values"]
            cols = [
                js_str(_number(raw.get(s)))
                if s == "count"
                else humanize_value(_number(raw.get(s)), MetricType.TREND, contains, unit)
                for s in stats
            ]
            for i, col in enumerate(cols):
                col_max[i] = max(col_max[i], str_width(col))
            trend_cols[name] = cols
            continue
        parts = _non_trend_parts(m, unit, style)
        values[name] = parts[0]
        value_max = max(value_max, str_width(parts[0]))
        extras[name] = parts[1:]
        for i, extra in enumerate(parts[1:]):
            while i >= len(extra_max):
                extra_max.append(0)
            extra_max[i] = max(extra_max[i], str_width(extra))

    def data_part(name: str) -> str:
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

    for name in sorted(metrics, key=style.sort_key):
        thresholds = metrics[name].get("thresholds")
        mark, color = " ", ""
        if thresholds:
            failed = any(not t.get("ok") for t in thresholds.values())
            mark, color = ("✗", "red") if failed else ("✓", "green")
        marked = decorate(mark, color) if color else mark
        sub_indent = "  " if split_metric_name(name)[1] else ""
        shown = _display_name(name)
        dots = decorate("." * (name_max - str_width(shown) - str_width(sub_indent) + 3) + ":", "faint")
        lines.append(f"{indent}  {sub_indent}{marked} {shown}{dots} {data_part(name)}")
    return "\n".join(lines)


def render_legacy(summary: Summary) -> str:
    """`--summary-mode=legacy`: k6's summary-legacy.js with a one-space indent."""
    return render_legacy_data(
        handle_summary_data(summary),
        colors=summary.enable_colors,
        trend_stats=summary.summary_trend_stats,
        time_unit=summary.summary_time_unit,
    )
