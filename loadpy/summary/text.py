"""The end-of-test text summary, laid out exactly like k6 v1.1.0 (summary.js, compact and
full modes). `render_text` returns what k6 writes to stdout: a leading newline, the
summary, and two trailing newlines. The legacy layout lives in `legacy.py`."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from loadpy.metrics.builtin import HTTP_METRICS
from loadpy.metrics.metric import Contains, MetricType
from loadpy.metrics.selectors import split_metric_name
from loadpy.summary.collate import locale_key, metric_sort_key
from loadpy.summary.failures import failure_lines
from loadpy.summary.humanize import humanize_value, js_str, non_trend_parts, str_width
from loadpy.summary.model import CheckResult, MetricSummary, Section, Summary

MODES = ("compact", "full", "legacy")
TITLE_PREFIX, SUBTITLE_PREFIX, OK_MARK, FAIL_MARK = "█", "↳", "✓", "✗"

# k6 classifies and hides metrics by name *prefix* (so submetrics follow their parent).
_HTTP = HTTP_METRICS
_EXECUTION = ("vus", "vus_max", "iterations", "iteration_duration", "dropped_iterations")
_NETWORK = ("data_sent", "data_received")
_HIDDEN_FULL = ("checks", "group_duration")
_HIDDEN_COMPACT = (
    *_HIDDEN_FULL,
    "http_req_blocked",
    "http_req_connecting",
    "http_req_receiving",
    "http_req_sending",
    "http_req_tls_handshaking",
    "http_req_waiting",
)
# Display order of the metric blocks; CUSTOM is moved to the front.
_SECTION_ORDER = ("http", "execution", "network", "browser", "web_vitals", "grpc", "websocket", "custom")
_THRESHOLD_AGG = re.compile(r"[=><]")

_COLORS = {"red": "31", "green": "32", "cyan": "36", "white": "37"}
_STYLES = {"bold": "1", "faint": "2"}


def _category(name: str) -> str:
    if name.startswith(_HTTP):
        return "http"
    if name.startswith(_EXECUTION):
        return "execution"
    if name.startswith(_NETWORK):
        return "network"
    if name.startswith("browser_web_vital_"):
        return "web_vitals"
    if name.startswith("browser_"):
        return "browser"
    if name.startswith("grpc_"):
        return "grpc"
    if name.startswith("ws_"):
        return "websocket"
    return "custom"


class Formatter:
    def __init__(self, colors: bool) -> None:
        self.colors = colors

    def decorate(self, text: str, color: str, *styles: str) -> str:
        if not self.colors:
            return text
        codes = ";".join([*(_STYLES[s] for s in styles), _COLORS[color]])
        return f"\x1b[{codes}m{text}\x1b[0m"

    def bold(self, text: str) -> str:
        return f"\x1b[1m{text}\x1b[0m" if self.colors else text


@dataclass(frozen=True, slots=True)
class Ctx:
    """Indentation context: `indent()` prefixes (base + level) * 2 spaces."""

    base: int = 0

    def pad(self, level: int = 1) -> str:
        return " " * ((self.base + level) * 2)

    def indent(self, text: str, level: int = 1) -> str:
        return self.pad(level) + text

    def deeper(self, by: int = 1) -> Ctx:
        return Ctx(self.base + by)


@dataclass(slots=True)
class _Info:
    """Precomputed column widths and formatted values for one block of metrics."""

    max_name: int = 0
    values: dict[str, str] = field(default_factory=dict)
    extras: dict[str, list[str]] = field(default_factory=dict)
    trend_cols: dict[str, list[str]] = field(default_factory=dict)
    trend_keys: dict[str, dict[str, str]] = field(default_factory=dict)
    col_lens: list[int] = field(default_factory=list)
    max_value: int = 0
    extra_lens: list[int] = field(default_factory=list)


def _display_name(name: str) -> str:
    pos = name.find("{")
    return f"  {{ {name[pos + 1 : -1]} }}" if pos >= 0 else name


def _trend_value(value: float, stat: str, m: MetricSummary, time_unit: str | None) -> str:
    return js_str(value) if stat == "count" else humanize_value(value, m.type, m.contains, time_unit)


def _compute_info(metrics: dict[str, MetricSummary], ctx: Ctx, stats: list[str], unit: str | None) -> _Info:
    info = _Info(col_lens=[0] * len(stats))
    for name in sorted(metrics, key=metric_sort_key):
        m = metrics[name]
        # k6 measures indent + name + display name (the name twice for plain metrics).
        info.max_name = max(info.max_name, str_width(ctx.indent(name + _display_name(name))))
        if m.type is MetricType.TREND:
            values = {**m.threshold_values, **m.values}
            info.trend_keys[name] = {k: _trend_value(x, k, m, unit) for k, x in values.items() if k not in stats}
            cols = [_trend_value(values.get(s, 0.0), s, m, unit) for s in stats]
            info.trend_cols[name] = cols
            for i, col in enumerate(cols):
                info.col_lens[i] = max(info.col_lens[i], str_width(col))
        else:
            parts = non_trend_parts(m, unit)
            info.values[name] = parts[0]
            info.max_value = max(info.max_value, str_width(parts[0]))
            info.extras[name] = parts[1:]
            for i, extra in enumerate(parts[1:]):
                if i >= len(info.extra_lens):
                    info.extra_lens.append(0)
                info.extra_lens[i] = max(info.extra_lens[i], str_width(extra))
    return info


def _data_part(name: str, m: MetricSummary, info: _Info, stats: list[str], fmt: Formatter) -> str:
    if m.type is MetricType.TREND:
        cols = info.trend_cols[name]
        return " ".join(
            f"{stat}={fmt.decorate(col, 'cyan')}{' ' * (info.col_lens[i] - str_width(col))}"
            for i, (stat, col) in enumerate(zip(stats, cols, strict=True))
        )
    value = info.values[name]
    out = fmt.decorate(value, "cyan") + " " * (info.max_value - str_width(value))
    extras = info.extras.get(name, [])
    if len(extras) == 1:
        out += " " + fmt.decorate(extras[0], "cyan", "faint")
    elif extras:
        out += " " + " ".join(
            fmt.decorate(x, "cyan", "faint") + " " * (info.extra_lens[i] - str_width(x)) for i, x in enumerate(extras)
        )
    return out


def _metric_lines(
    metrics: dict[str, MetricSummary], info: _Info, ctx: Ctx, stats: list[str], fmt: Formatter, sort: bool = True
) -> list[str]:
    names = sorted(metrics, key=metric_sort_key) if sort else list(metrics)
    lines = []
    for name in names:
        shown = _display_name(name)
        dots = info.max_name - str_width(shown) - str_width(ctx.pad()) + 3
        dotted = shown + fmt.decorate("." * dots + ":", "white", "faint")
        lines.append(ctx.indent(f"{dotted} {_data_part(name, metrics[name], info, stats, fmt)}"))
    return lines


class _Renderer:
    def __init__(self, summary: Summary, mode: str) -> None:
        self.s = summary
        self.mode = mode
        self.fmt = Formatter(summary.enable_colors)
        self.stats = summary.summary_trend_stats
        self.unit = summary.summary_time_unit
        self.hidden = _HIDDEN_COMPACT if mode == "compact" else _HIDDEN_FULL

    def title(self, text: str, ctx: Ctx, prefix: str = TITLE_PREFIX) -> str:
        return ctx.indent(f"{prefix} {self.fmt.bold(text)} \n")

    # -- THRESHOLDS -----------------------------------------------------------------
    def thresholds(self, ctx: Ctx) -> list[str]:
        ctx = ctx.deeper()
        metrics = self.s.thresholds
        info = _compute_info(metrics, ctx, self.stats, self.unit)
        out: list[str] = []
        for name in sorted(metrics, key=metric_sort_key):
            parent, selector = split_metric_name(name)
            nested = bool(selector) and parent in metrics
            inner = ctx.deeper() if nested else ctx
            out.append(inner.indent(selector if nested else name))
            m = metrics[name]
            for t in m.thresholds or []:
                mark = self.fmt.decorate(OK_MARK, "green") if t.ok else self.fmt.decorate(FAIL_MARK, "red")
                source = self.fmt.decorate(f"'{t.source.strip()}'", "white")
                out.append(inner.indent(f"{mark} {source} {self._threshold_value(m, t.source, info)}"))
            out.append("\n")
        return out

    def _threshold_value(self, m: MetricSummary, source: str, info: _Info) -> str:
        agg = _THRESHOLD_AGG.split(source, maxsplit=1)[0].strip()
        value: str | None
        if m.type is MetricType.TREND:
            if agg in self.stats:
                value = info.trend_cols[m.name][self.stats.index(agg)]
            else:
                value = info.trend_keys[m.name].get(agg)
        elif m.type is MetricType.COUNTER:
            value = info.values[m.name] if agg == "count" else info.extras[m.name][0]
        else:
            value = info.values[m.name]
        shown = "undefined" if value is None else value  # what k6's JS prints for an unknown aggregation
        return f"{self.fmt.decorate(agg, 'white')}={self.fmt.decorate(shown, 'cyan')}"

    # -- checks and metrics -----------------------------------------------------------
    def checks(self, section: Section, ctx: Ctx) -> list[str]:
        if section.checks is None:
            return []
        ctx = ctx.deeper()
        # the totals count every check sample, also those without a `check` tag (systemTags)
        values = section.metrics["checks"].values
        trues_f = float(values["passes"])
        total_f = trues_f + float(values["fails"])
        duration = self.s.test_run_duration_s
        failed = total_f - trues_f
        metrics = {
            "checks_total": MetricSummary(
                "checks_total",
                MetricType.COUNTER,
                Contains.DEFAULT,
                {"count": total_f, "rate": total_f / duration if duration > 0 else 0.0},
            ),
            "checks_succeeded": MetricSummary(
                "checks_succeeded",
                MetricType.RATE,
                Contains.DEFAULT,
                {"rate": trues_f / total_f if total_f else 0.0, "passes": trues_f, "fails": failed},
            ),
            "checks_failed": MetricSummary(
                "checks_failed",
                MetricType.RATE,
                Contains.DEFAULT,
                {"rate": failed / total_f if total_f else float("nan"), "passes": failed, "fails": trues_f},
            ),
        }
        info = _compute_info(metrics, ctx, self.stats, self.unit)
        lines = _metric_lines(metrics, info, ctx, self.stats, self.fmt, sort=False)
        return [*lines, "\n", *(self._check_line(c, ctx) for c in section.checks), "\n"]

    def _check_line(self, check: CheckResult, ctx: Ctx) -> str:
        if check.fails == 0:
            return ctx.indent(self.fmt.decorate(f"{OK_MARK} {check.name}", "green"))
        pct = (100 * check.passes) // (check.passes + check.fails)
        name = self.fmt.decorate(f"{FAIL_MARK} {check.name}", "red")
        detail = self.fmt.decorate(
            f"{SUBTITLE_PREFIX}  {pct}% — {OK_MARK} {check.passes} / {FAIL_MARK} {check.fails}", "red"
        )
        return ctx.indent(name) + "\n" + ctx.indent(detail, ctx.base + 1)

    def metrics(self, section: Section, ctx: Ctx) -> list[str]:
        ctx = ctx.deeper()
        shown = {n: m for n, m in section.metrics.items() if not n.startswith(self.hidden)}
        blocks: dict[str, dict[str, MetricSummary]] = {}
        for name, m in shown.items():
            blocks.setdefault(_category(name), {})[name] = m
        info = _compute_info(shown, ctx, self.stats, self.unit)
        order = ["custom", *(c for c in _SECTION_ORDER if c != "custom")]
        out: list[str] = []
        for category in order:
            block = blocks.get(category)
            if not block:
                continue
            out.append(ctx.indent(self.fmt.bold(category.upper())))
            out.extend(_metric_lines(block, info, ctx, self.stats, self.fmt))
            out.append("\n")
        return out

    def group_content(self, section: Section, ctx: Ctx) -> list[str]:
        out = [*self.checks(section, ctx), *self.metrics(section, ctx)]
        inner = ctx.deeper()
        for name, group in section.groups.items():
            out.append(self.title(f"GROUP: {name}", inner, SUBTITLE_PREFIX))
            out.extend(self.group_content(group, inner))
        return out

    # -- the whole report -----------------------------------------------------------
    def render(self) -> str:
        ctx = Ctx(0)
        sections: list[tuple[str, list[str]]] = []
        if self.s.thresholds:
            sections.append(("THRESHOLDS", self.thresholds(ctx)))
        sections.append(("TOTAL RESULTS", [*self.checks(self.s.total, ctx), *self.metrics(self.s.total, ctx)]))
        if self.mode == "full":
            for name, group in self.s.groups.items():
                sections.append((f"GROUP: {name}", self.group_content(group, ctx)))
            for name in sorted(self.s.scenarios, key=locale_key):
                sections.append((f"SCENARIO: {name}", self.group_content(self.s.scenarios[name], ctx)))
        failures = self.s.failures
        if failures is not None and failures.failed:
            # loadpy's addition (k6 has no such section): why requests failed, by reason
            title = f"FAILED REQUESTS ({failures.failed} of {failures.requests})"
            sections.append((title, failure_lines(failures, ctx.pad(2))))
        return _join(item for title, content in sections for item in (self.title(title, ctx), *content, "\n"))


def _join(items: Iterable[str]) -> str:
    """k6's build(): a "\\n" item ends the line; any other item starts a new one."""
    out: list[str] = []
    for item in items:
        out.append(item if item == "\n" else "\n" + item)
    return "".join(out)


def render_text(summary: Summary, mode: str = "compact") -> str:
    """The summary exactly as k6 prints it to stdout for --summary-mode `mode`."""
    if mode not in MODES:
        from loadpy.errors import ConfigError

        raise ConfigError(f"invalid summary mode {mode!r}: expected compact, full or legacy", key="summaryMode")
    if mode == "legacy":
        from loadpy.summary.legacy import render_legacy  # (k6's pre-v1 layout: imported by who asks for it)

        body = render_legacy(summary)
    else:
        body = _Renderer(summary, mode).render()
    return "\n" + body + "\n\n"
