"""`loadpy compare BASE NEW`: what changed between two runs, and whether it is a regression.

Both files may be a `--summary-export` JSON (k6's or loadpy's), a handleSummary `data` JSON, a results file
saved with `--report FILE.json`, or an HTML report loadpy wrote. Each is reduced to the same shape,
`{metric: {stat: value}}`, so a k6 run can be compared with a loadpy run too.

A *gate* says which change of which statistic is a regression: `METRIC:STAT:TOLERANCE`, where the sign of the
tolerance is the bad direction and a `%` makes it relative to the base (`http_req_duration:p(95):+10%` fails when
p(95) grew by more than 10 %; `http_reqs:rate:-10%` when throughput fell by more than 10 %;
`http_req_failed:rate:+0.01` when the failure rate rose by more than one percentage point). A gate whose metric
or statistic is missing from either file fails: a gate that watched nothing must not pass.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from loadpy.errors import ConfigError
from loadpy.metrics.builtin import BUILTIN_METRICS
from loadpy.metrics.metric import Contains, MetricType
from loadpy.metrics.selectors import split_metric_name
from loadpy.summary.humanize import fixed_no_trailing_zeros, humanize_bytes, humanize_value

Measurements = dict[str, dict[str, float]]

DEFAULT_GATES = ("http_req_duration:p(95):+10%", "http_req_failed:rate:+0.01", "http_reqs:rate:-10%")

# The statistic shown for a metric when only headlines are asked for, by the keys its values have.
_HEADLINE_STATS = ("p(95)", "rate", "value", "count")


@dataclass(frozen=True)
class Gate:
    metric: str
    stat: str
    worse_if_higher: bool
    tolerance: float
    relative: bool
    spec: str

    def limit(self, base: float) -> float:
        """The worst `new` value that still passes."""
        allowed = abs(base) * self.tolerance if self.relative else self.tolerance
        return base + allowed if self.worse_if_higher else base - allowed

    def regressed(self, base: float, new: float) -> bool:
        limit = self.limit(base)
        return new > limit if self.worse_if_higher else new < limit


@dataclass(frozen=True)
class Row:
    metric: str
    stat: str
    base: float | None
    new: float | None
    gate: Gate | None = None

    @property
    def change(self) -> float | None:
        """Relative change (0.1 = +10 %); None where it has no meaning (missing value, base 0)."""
        if self.base is None or self.new is None or self.base == 0:
            return None
        return (self.new - self.base) / abs(self.base)

    @property
    def verdict(self) -> str:
        if self.gate is None:
            return ""
        if self.base is None or self.new is None or math.isnan(self.base) or math.isnan(self.new):
            return "MISSING"
        return "REGRESSED" if self.gate.regressed(self.base, self.new) else "ok"


@dataclass(frozen=True)
class Comparison:
    base_name: str
    new_name: str
    rows: tuple[Row, ...]

    @property
    def failed_gates(self) -> list[Row]:
        return [row for row in self.rows if row.verdict in ("REGRESSED", "MISSING")]

    @property
    def ok(self) -> bool:
        return not self.failed_gates


def parse_gate(spec: str) -> Gate:
    """`METRIC[{tag:value}]:STAT:[+|-]NUMBER[%]`; split from the right, as submetric tags may hold colons."""
    parts = spec.rsplit(":", 2)
    if len(parts) != 3 or not all(part.strip() for part in parts):
        raise ConfigError(
            f"invalid gate {spec!r}: expected METRIC:STAT:TOLERANCE",
            key="--gate",
            hint="e.g. http_req_duration:p(95):+10% or http_reqs:rate:-5%",
        )
    metric, stat, tolerance = (part.strip() for part in parts)
    if tolerance[0] not in "+-":
        raise ConfigError(
            f"invalid gate {spec!r}: the tolerance must start with + (higher is worse) or - (lower is worse)",
            key="--gate",
        )
    relative = tolerance.endswith("%")
    number = tolerance[1:-1] if relative else tolerance[1:]
    try:
        amount = float(number)
    except ValueError:
        amount = math.nan
    if not math.isfinite(amount) or amount < 0:
        raise ConfigError(f"invalid gate {spec!r}: {tolerance!r} is not a tolerance", key="--gate")
    return Gate(metric, stat, tolerance[0] == "+", amount / 100 if relative else amount, relative, spec)


def load_measurements(path: str | Path) -> Measurements:
    """`{metric: {stat: value}}` from any of the file kinds in the module docstring."""
    from loadpy.report.data import FORMAT, load_results

    name = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read the file to compare: {exc}", file=name) from None
    if text.lstrip().startswith("<"):
        return _flatten(load_results(path).get("metrics"), name)
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        line = getattr(exc, "lineno", None)
        raise ConfigError(f"not valid JSON: {exc}", file=name, line=line) from None
    if isinstance(data, dict) and data.get("format") == FORMAT:
        data = load_results(path)
    if not isinstance(data, dict) or not isinstance(data.get("metrics"), dict):
        raise ConfigError(
            'expected a JSON object with a "metrics" object',
            file=name,
            hint="give a --summary-export file, handleSummary data, or results saved with --report FILE.json",
        )
    return _flatten(data["metrics"], name)


def _flatten(metrics: Any, name: str) -> Measurements:
    if not isinstance(metrics, dict):
        raise ConfigError('the file holds no "metrics" object', file=name)
    out: Measurements = {}
    for metric, entry in metrics.items():
        values = entry.get("values", entry) if isinstance(entry, dict) else None
        if not isinstance(values, dict):
            continue
        stats = {
            stat: float(value)
            for stat, value in values.items()
            if isinstance(value, int | float) and not isinstance(value, bool)
        }
        # --summary-export writes a Rate's ratio as `value`; handleSummary data as `rate`.
        if "passes" in stats and "value" in stats and "rate" not in stats:
            stats["rate"] = stats.pop("value")
        out[metric] = stats
    return out


def compare(
    base: Measurements,
    new: Measurements,
    gates: Sequence[Gate],
    *,
    every_stat: bool = False,
    base_name: str = "base",
    new_name: str = "new",
) -> Comparison:
    """Gated rows first (in the order given), then each metric's headline statistic (or every statistic)."""
    rows = [
        Row(g.metric, g.stat, base.get(g.metric, {}).get(g.stat), new.get(g.metric, {}).get(g.stat), g) for g in gates
    ]
    gated = {(g.metric, g.stat) for g in gates}
    for metric in sorted(base.keys() | new.keys()):
        for stat in _stats_to_show(base.get(metric, {}), new.get(metric, {}), every_stat):
            if (metric, stat) not in gated:
                rows.append(Row(metric, stat, base.get(metric, {}).get(stat), new.get(metric, {}).get(stat)))
    return Comparison(base_name, new_name, tuple(rows))


def _stats_to_show(base: Mapping[str, float], new: Mapping[str, float], every_stat: bool) -> Iterable[str]:
    stats = list(dict.fromkeys([*base, *new]))
    if every_stat:
        return stats
    return next(([stat] for stat in _HEADLINE_STATS if stat in stats), stats[:1])


def format_value(metric: str, stat: str, value: float | None) -> str:
    if value is None:
        return "-"
    mtype, contains = BUILTIN_METRICS.get(split_metric_name(metric)[0], (None, Contains.DEFAULT))
    if stat == "rate" and mtype is MetricType.COUNTER:
        per_second = humanize_bytes(value) if contains is Contains.DATA else fixed_no_trailing_zeros(value, 2)
        return per_second + "/s"
    if stat in ("count", "passes", "fails") or mtype is None:
        if stat == "count" and contains is Contains.DATA:
            return humanize_bytes(value)
        return fixed_no_trailing_zeros(value, 3)
    return humanize_value(value, mtype, contains, None)


def format_change(row: Row) -> str:
    if row.base is None or row.new is None:
        return "-"
    if row.change is None:
        return "±0" if row.new == row.base else "new"
    return f"{row.change * 100:+.1f}%"


def table(comparison: Comparison) -> list[list[str]]:
    header = ["metric", "stat", comparison.base_name, comparison.new_name, "change", "verdict"]
    body = [
        [
            row.metric,
            row.stat,
            format_value(row.metric, row.stat, row.base),
            format_value(row.metric, row.stat, row.new),
            format_change(row),
            row.verdict + (f" ({row.gate.spec})" if row.gate and row.verdict != "ok" else ""),
        ]
        for row in comparison.rows
    ]
    return [header, *body]


def verdict_line(comparison: Comparison) -> str:
    failed = comparison.failed_gates
    if not failed:
        return "no regression"
    return f"{len(failed)} regression{'s' if len(failed) > 1 else ''}: " + ", ".join(
        f"{row.metric} {row.stat} ({row.verdict.lower()}, gate {row.gate.spec if row.gate else ''})" for row in failed
    )


def render_text(comparison: Comparison) -> str:
    rows = table(comparison)
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows]
    return "\n".join([*lines, "", verdict_line(comparison)]) + "\n"


def render_markdown(comparison: Comparison) -> str:
    rows = table(comparison)

    def line(cells: list[str]) -> str:
        return "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |"

    lines = [line(rows[0]), "|" + "---|" * len(rows[0]), *(line(row) for row in rows[1:])]
    mark = "✅" if comparison.ok else "❌"
    return "\n".join([*lines, "", f"{mark} {verdict_line(comparison)}"]) + "\n"


def render_json(comparison: Comparison) -> str:
    doc = {
        "ok": comparison.ok,
        "rows": [
            {
                "metric": row.metric,
                "stat": row.stat,
                "base": row.base,
                "new": row.new,
                "change": row.change,
                "gate": row.gate.spec if row.gate else None,
                "verdict": row.verdict or None,
            }
            for row in comparison.rows
        ],
    }
    return json.dumps(doc, indent=2) + "\n"


RENDERERS = {"text": render_text, "markdown": render_markdown, "json": render_json}
