"""jslib.k6.io libraries built in: the Python halves (loadpy/js/jslib.js holds the JavaScript ones).

A script importing `https://jslib.k6.io/<name>/<version>/index.js` gets the built-in module
`jslib/<name>` (modules.py maps the URL): k6-utils (prelude.js), k6-summary (textSummary and the
JUnit reports, on loadpy's legacy summary renderer), http-instrumentation-tempo and
-pyroscope (jslib.js), and the part of papaparse that parses a string. Any other jslib, or a
papaparse option not listed here, is refused; `--jslib-dir` serves real copies instead.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from html import escape
from typing import Any

from loadpy.metrics.metric import Contains, MetricType
from loadpy.summary.humanize import humanize_value
from loadpy.summary.legacy import JSLIB, render_legacy_data

# -- k6-summary ------------------------------------------------------------------------------------
_SUMMARY_DEFAULTS: dict[str, Any] = {"indent": " ", "enableColors": True, "summaryTimeUnit": None}


def text_summary(data: Mapping[str, Any], options: Mapping[str, Any] | None = None) -> str:
    """textSummary(data, {indent, enableColors, summaryTimeUnit, summaryTrendStats}): the options
    merged over data.options over the jslib's defaults, as its Object.assign does."""
    merged = {**_SUMMARY_DEFAULTS, **(data.get("options") or {}), **(options or {})}
    return render_legacy_data(
        data,
        indent=str(merged["indent"]),
        colors=bool(merged["enableColors"]),
        trend_stats=list(merged.get("summaryTrendStats") or []),
        time_unit=merged["summaryTimeUnit"] or "",
        style=JSLIB,
    )


def _attr(text: str) -> str:
    return escape(str(text), quote=True).replace("&#x27;", "&#39;")


def junit(data: Mapping[str, Any], options: Mapping[str, Any] | None = None) -> str:
    """jUnit(data, {name}): one test case per threshold."""
    cases = []
    failures = 0
    for metric_name, metric in (data.get("metrics") or {}).items():
        for source, threshold in (metric.get("thresholds") or {}).items():
            name = f"{_attr(metric_name)} - {_attr(source)}"
            if threshold.get("ok"):
                cases.append(f'<testcase name="{name}" />')
            else:
                failures += 1
                cases.append(f'<testcase name="{name}"><failure message="failed" /></testcase>')
    suite = _attr(options["name"]) if options and options.get("name") else "k6 thresholds"
    return (
        f'<?xml version="1.0"?>\n<testsuites tests="{len(cases)}" failures="{failures}">\n'
        f'<testsuite name="{suite}" tests="{len(cases)}" failures="{failures}">'
        + "\n".join(cases)
        + "\n</testsuite >\n</testsuites >"
    )


def junit_for_checks(data: Mapping[str, Any], suite_name: str | None = None) -> str:
    """jUnitForChecks(data, suiteName): one test case per check of the root group."""
    duration = ((data.get("metrics") or {}).get("iteration_duration") or {}).get("values", {}).get("max") or 0
    suite = _attr(suite_name) if suite_name else "k6 checks"
    cases = []
    failures = 0
    for check in (data.get("root_group") or {}).get("checks") or []:
        if check.get("passes") == 1:
            cases.append(f'<testcase name="{_attr(check["name"])}"/>')
        else:
            failures += 1
            cases.append(f'<testcase name="{_attr(check["name"])}"><failure message="failed"/></testcase>')
    stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{datetime.now(UTC).microsecond // 1000:03d}Z"
    return (
        f'<?xml version="1.0" encoding="UTF-8" ?>\n<testsuites tests="{len(cases)}" '
        f'failures="{failures}" time="{duration}">\n'
        f'<testsuite name="{suite}" tests="{len(cases)}" failures="{failures}" '
        f'time="{duration}" timestamp="{stamp}">\n' + "\n".join(cases) + "\n</testsuite>\n</testsuites>"
    )


def humanize(value: float, metric: Mapping[str, Any], time_unit: str | None = None) -> str:
    """humanizeValue(value, metric, timeUnit)."""
    return humanize_value(float(value), MetricType(metric["type"]), Contains(metric["contains"]), time_unit or "")


# -- papaparse -------------------------------------------------------------------------------------
PAPAPARSE_OPTIONS = frozenset({"header", "delimiter", "skipEmptyLines", "dynamicTyping", "newline", "quoteChar"})
_GUESS_DELIMITERS = (",", "\t", "|", ";", "\x1e", "\x1f")
_FLOAT = re.compile(r"^\s*-?(\d+\.?|\.\d+|\d+\.\d+)([eE][-+]?\d+)?\s*$")


class PapaparseOptionError(ValueError):
    pass


def _typed(value: str) -> Any:
    """papaparse's dynamicTyping of one field."""
    if value in ("true", "TRUE"):
        return True
    if value in ("false", "FALSE"):
        return False
    if _FLOAT.match(value):
        number = float(value)
        return int(number) if number.is_integer() and abs(number) < 2**53 else number
    return None if value == "" else value


def _rows(body: str, delimiter: str, quote: str) -> list[list[str]]:
    """papaparse's rows of a text with \\n line breaks: an empty line (and the end after a final
    line break) is a row of one empty field."""
    rows = [row or [""] for row in csv.reader(io.StringIO(body), delimiter=delimiter, quotechar=quote)]
    if body.endswith("\n"):
        rows.append([""])
    return rows


def _is_empty(row: list[str], skip: Any) -> bool:
    return row == [""] or (skip == "greedy" and all(not field.strip() for field in row))


def _guess_delimiter(body: str, quote: str, skip: Any) -> str | None:
    """papaparse's guessDelimiter: over the first 10 rows, the candidate that splits them into the
    most fields (at least two on average) with the steadiest count; None when none qualifies."""
    best: str | None = None
    best_delta: float | None = None
    max_fields: float | None = None
    for delimiter in _GUESS_DELIMITERS:
        rows = _rows(body, delimiter, quote)[:10]
        delta, total, empty, previous = 0, 0, 0, None
        for row in rows:
            if skip and _is_empty(row, skip):
                empty += 1
                continue
            total += len(row)
            if previous is None:
                previous = len(row)
                continue
            delta += abs(len(row) - previous)
            previous = len(row)
        if not rows or len(rows) == empty:
            continue
        average = total / (len(rows) - empty)
        if (
            (best_delta is None or delta <= best_delta)
            and (max_fields is None or average > max_fields)
            and average > 1.99
        ):
            best, best_delta, max_fields = delimiter, delta, average
    return best


def papaparse_parse(text: str, config: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Papa.parse(string, {header, delimiter, skipEmptyLines, dynamicTyping, newline, quoteChar}):
    {data, errors, meta} as papaparse gives them for a string input."""
    config = dict(config or {})
    unknown = sorted(k for k in config if k not in PAPAPARSE_OPTIONS and config[k] is not None)
    if unknown:
        raise PapaparseOptionError(
            f"papaparse.parse: option {unknown[0]!r} is not supported by loadpy's built-in papaparse "
            "(give loadpy a copy of the library with --jslib-dir)"
        )
    text = str(text)
    newline = config.get("newline") or ("\r\n" if "\r\n" in text else "\r" if "\r" in text else "\n")
    body = text.replace(newline, "\n") if newline != "\n" else text
    quote = config.get("quoteChar") or '"'
    skip = config.get("skipEmptyLines")
    errors: list[dict[str, Any]] = []
    delimiter = config.get("delimiter") or _guess_delimiter(body, quote, skip)
    if delimiter is None:
        delimiter = ","
        errors.append(
            {
                "type": "Delimiter",
                "code": "UndetectableDelimiter",
                "message": "Unable to auto-detect delimiting character; defaulted to ','",
            }
        )
    rows = _rows(body, delimiter, quote)
    if skip:
        rows = [row for row in rows if not _is_empty(row, skip)]
    convert: Callable[[str], Any] = _typed if config.get("dynamicTyping") else str
    meta: dict[str, Any] = {
        "delimiter": delimiter,
        "linebreak": newline,
        "aborted": False,
        "truncated": False,
        "cursor": len(text),
    }
    if not config.get("header"):
        return {"data": [[convert(f) for f in row] for row in rows], "errors": errors, "meta": meta}
    fields = rows[0] if rows else []
    meta["fields"] = fields
    data = []
    for index, row in enumerate(rows[1:]):
        item: dict[str, Any] = {}
        for i, value in enumerate(row):
            if i < len(fields):
                item[fields[i]] = convert(value)
            else:
                item.setdefault("__parsed_extra", []).append(convert(value))
        if len(row) != len(fields):
            code = "TooFewFields" if len(row) < len(fields) else "TooManyFields"
            errors.append(
                {
                    "type": "FieldMismatch",
                    "code": code,
                    "message": f"Too {'few' if code == 'TooFewFields' else 'many'} fields: expected "
                    f"{len(fields)} fields but parsed {len(row)}",
                    "row": index,
                }
            )
        data.append(item)
    return {"data": data, "errors": errors, "meta": meta}


def papaparse_unparse(data: Any, config: Mapping[str, Any] | None = None) -> str:
    """Papa.unparse(rows or objects): CSV text with \\r\\n line breaks, as papaparse writes it."""
    if config:
        raise PapaparseOptionError("papaparse.unparse: options are not supported by loadpy's built-in papaparse")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    rows = list(data or [])
    if rows and isinstance(rows[0], Mapping):
        fields = list(rows[0])
        writer.writerow(fields)
        rows = [[row.get(f, "") for f in fields] for row in rows]
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    return out.getvalue().removesuffix("\r\n")


# the bound functions by built-in module name (modules.py registers them; jslib.js adds the rest)
JSLIB_EXPORTS: dict[str, dict[str, Callable[..., Any]]] = {
    "jslib/k6-summary": {
        "textSummary": text_summary,
        "jUnit": junit,
        "jUnitForChecks": junit_for_checks,
        "humanizeValue": humanize,
    },
    "jslib/papaparse": {"parse": papaparse_parse, "unparse": papaparse_unparse},
    "jslib/http-instrumentation-tempo": {},
    "jslib/http-instrumentation-pyroscope": {},
}
