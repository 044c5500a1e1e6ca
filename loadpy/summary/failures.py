"""Why requests failed: `http_req_failed` samples that were true, counted by reason.

k6's summary says only "N% failed"; the reason is in the tags of each failed sample (status, k6's
`error_code`, the transport `error` text, method and name). Rows are read from the per-series sinks at the
end, so counting costs nothing per request. With `systemTags` that drop a tag, its column is empty.
"""

from __future__ import annotations

from dataclasses import dataclass

from loadpy.metrics.registry import Registry
from loadpy.metrics.sinks import RateSink

_REASON_TAGS = ("method", "name", "status", "error_code", "error")  # FailureRow's fields after count
MAX_ROWS = 20  # the most common reasons; the rest are counted in one line


@dataclass(frozen=True, slots=True)
class FailureRow:
    count: int
    method: str
    name: str
    status: str
    error_code: str
    error: str


@dataclass(frozen=True, slots=True)
class Failures:
    rows: tuple[FailureRow, ...]  # most frequent first, at most MAX_ROWS
    failed: int  # every failed request, listed or not
    requests: int

    @property
    def unlisted(self) -> int:
        return self.failed - sum(row.count for row in self.rows)


def collect_failures(registry: Registry, max_rows: int = MAX_ROWS) -> Failures:
    metric = registry.metrics.get("http_req_failed")
    counts: dict[tuple[str, ...], int] = {}
    requests = failed = 0
    for tags, sink in registry.series(metric).items() if metric is not None else ():
        if not isinstance(sink, RateSink):
            continue
        requests += sink.total
        if not sink.trues:
            continue
        failed += sink.trues
        tag = dict(tags)
        key = tuple(tag.get(name, "") for name in _REASON_TAGS)
        counts[key] = counts.get(key, 0) + sink.trues
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:max_rows]
    return Failures(tuple(FailureRow(count, *key) for key, count in ranked), failed, requests)


def failure_lines(failures: Failures, indent: str = "    ") -> list[str]:
    """The text summary's table: count, status, error_code, request (method and name), k6's error text."""
    if not failures.rows:
        return []
    header = ["count", "status", "error_code", "request", "error"]
    rows = [
        [str(r.count), r.status or "-", r.error_code or "-", " ".join(p for p in (r.method, r.name) if p), r.error]
        for r in failures.rows
    ]
    if failures.unlisted:
        rows.append([str(failures.unlisted), "", "", "(other reasons)", ""])
    if not any(row[4] for row in rows):
        header, rows = header[:4], [row[:4] for row in rows]
    widths = [max(len(row[i]) for row in (header, *rows)) for i in range(len(header))]
    table = (header, *rows)
    return [indent + "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in table]
