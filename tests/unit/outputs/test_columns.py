"""The json and csv outputs format a whole batch column by column (`loadpy/outputs/columns.py`): the
file must be, byte for byte, the lines written one sample at a time in emission order — a metric's
Metric line right before its first Point, even when it first appears in the middle of a batch, as a
single sample or inside a group, with metadata, and across flushes."""

from __future__ import annotations

import math
import random
from pathlib import Path
from typing import Any

import pytest

from loadpy import clock
from loadpy.metrics import Registry, tagset
from loadpy.metrics.metric import Metric
from loadpy.metrics.tags import TagSet
from loadpy.outputs import JsonOutput, OutputManager
from loadpy.outputs.csv_out import CsvOutput, csv_field, csv_header
from loadpy.outputs.formats import Rfc3339Nano, go_float, json_str_map, json_string
from loadpy.outputs.json_out import metric_line

TAGS = [
    tagset({"group": "", "method": "GET", "name": 'a<b>&"q"', "scenario": "default", "status": "200"}),
    tagset({"scenario": "s,2", "url": "http://h/ü", "vu": " 1"}),
    tagset({}),
]
VALUES = [0.0, -0.0, 2.0, 1e6, 1_234_567.5, 1e-5, 1e-7, 0.0001, 0.1 + 0.2, -3.5, math.nan, math.inf, 7, 1e22]
# (kind, metrics, tags, values, when, metadata) in emission order
Stream = list[tuple[str, tuple[Metric, ...], TagSet, tuple[float, ...], float, "dict[str, str] | None"]]


def stream(reg: Registry, rng: random.Random) -> Stream:
    """Groups and single samples; two custom metrics defined only halfway through, first seen mid-batch."""
    http = tuple(reg.metrics[n] for n in ("http_reqs", "http_req_duration", "http_req_blocked"))
    iteration = tuple(reg.metrics[n] for n in ("iterations", "iteration_duration"))
    out: Stream = []
    when = 1000.0
    for i in range(400):
        when += rng.choice([0.0, 1e-9, 0.0004, 0.25, 1.0])
        meta = {"vu": "3", "iter": str(i)} if i % 7 == 0 else None
        if i == 200:
            custom: tuple[Metric, ...] = (reg.define("late_trend", "trend"), reg.define("late_counter", "counter"))
        if i >= 200 and i % 5 == 0:
            out.append(("group", custom, rng.choice(TAGS), (rng.choice(VALUES), 1.0), when, meta))
        elif i >= 200 and i % 5 == 1:
            out.append(("single", (custom[1],), rng.choice(TAGS), (rng.random(),), when, None))
        group = rng.choice([http, iteration])
        out.append(("group", group, rng.choice(TAGS), tuple(rng.choice(VALUES) for _ in group), when, meta))
        out.append(("single", (reg.metrics["checks"],), rng.choice(TAGS), (1.0,), when, meta))
    return out


def expected_json(samples: Stream) -> str:
    """The lines as k6 writes them, one sample at a time."""
    seen: set[str] = set()
    lines = []
    fmt = Rfc3339Nano()
    for _, metrics, tags, values, when, meta in samples:
        for metric, value in zip(metrics, values, strict=True):
            if metric.name not in seen:
                seen.add(metric.name)
                lines.append(metric_line(metric, (), None))
            tail = json_str_map(list(tags)) + (',"metadata":' + json_str_map(list(meta.items())) if meta else "")
            lines.append(
                f'{{"metric":{json_string(metric.name)},"type":"Point","data":{{"time":"'
                f'{fmt(clock.wall_ns(when))}","value":{go_float(value)},"tags":{tail}}}}}\n'
            )
    return "".join(lines)


def expected_csv(out: CsvOutput, samples: Stream) -> str:
    lines = [csv_header(out.columns) + "\n"]
    for _, metrics, tags, values, when, meta in samples:
        have = dict(tags)
        cells = [csv_field(have.get(c, "")) for c in out.columns]
        cells.append(csv_field("&".join(f"{k}={v}" for k, v in tags if k not in out.columns)))
        cells.append(csv_field("&".join(f"{k}={v}" for k, v in meta.items())) if meta else "")
        seconds = clock.wall_ns(when) // 1_000_000_000
        for metric, value in zip(metrics, values, strict=True):
            lines.append(f"{csv_field(metric.name)},{seconds},{value:f}," + ",".join(cells) + "\n")
    return "".join(lines)


@pytest.mark.parametrize("kind", ["json", "csv"])
def test_a_batch_formatted_in_columns_is_the_lines_written_one_by_one(tmp_path: Path, kind: str) -> None:
    rng = random.Random(17)
    reg = Registry()
    path = tmp_path / f"out.{kind}"
    out: Any = JsonOutput(str(path)) if kind == "json" else CsvOutput(str(path))
    mgr = OutputManager(reg, [out], system_tags=("method", "name", "scenario", "status", "url", "vu"))
    mgr.start()
    samples = stream(reg, rng)
    for index, (shape, metrics, tags, values, when, meta) in enumerate(samples):
        if shape == "single":
            reg.emit(metrics[0], tags, values[0], when, meta)
        else:
            reg.emit_many(metrics, tags, values, when, meta)
        if rng.random() < 0.01 or index == 401:  # batch boundaries, one right after the custom metrics appear
            mgr.flush()
    mgr.stop()
    text = path.read_text(encoding="utf-8")
    assert text == (expected_json(samples) if kind == "json" else expected_csv(out, samples))
    if kind == "json":  # the late metrics' Metric lines sit right before their first Points, mid-file
        lines = text.splitlines()
        first = lines.index(next(line for line in lines if line.startswith('{"metric":"late_trend"')))
        assert lines[first - 1].startswith('{"type":"Metric","data":{"name":"late_trend"')
        assert 0.3 < first / len(lines) < 0.7


@pytest.mark.parametrize("kind", ["json", "csv"])
def test_a_batch_of_one_metric_groups_is_not_taken_for_single_samples(tmp_path: Path, kind: str) -> None:
    """Every entry of the batch has one line either way; a group's value is still a tuple."""
    texts = []
    for grouped in (True, False):
        reg = Registry()
        path = tmp_path / f"{grouped}.{kind}"
        mgr = OutputManager(reg, [JsonOutput(str(path)) if kind == "json" else CsvOutput(str(path))])
        mgr.start()
        one = (reg.metrics["vus"],)
        for i, value in enumerate((1.0, 2.5, 1e6)):
            if grouped:
                reg.emit_many(one, TAGS[0], (value,), 1000.0 + i, None)
            else:
                reg.emit(one[0], TAGS[0], value, 1000.0 + i, None)
        mgr.stop()
        texts.append(path.read_text(encoding="utf-8"))
    assert texts[0] == texts[1]
    assert ("1e+06" if kind == "json" else "1000000.000000") in texts[0]
