"""One request's samples reach the json/csv outputs as one group (`Registry.emit_many`): the files
are byte for byte what the same samples emitted one by one give, for every value Go formats its own
way (whole numbers, exponents from 1e6 and below 1e-4, -0, NaN, ±Inf), with metadata and masking."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

from loadpy.metrics import Registry, tagset
from loadpy.outputs import JsonOutput, OutputManager
from loadpy.outputs.csv_out import CsvOutput
from loadpy.secrets import Masker

TAGS = tagset({"group": "", "method": "GET", "name": 'a<b>&"q"', "scenario": "default", "status": "200"})
OTHER = tagset({"group": "::g", "scenario": "default", "token": "s3cr3t"})
NAMES = ("http_reqs", "http_req_duration", "http_req_blocked", "data_sent")
EDGE = [0.0, -0.0, 1.0, 2.0, 12, 1e6, 999_999.5, 1_234_567.0, 1e16, 1e22, 1e-5, 5e-05, 1e-7, 0.0001, 0.1 + 0.2,
        -3.5, 10.00001, -1e6, math.nan, math.inf, -math.inf]  # fmt: skip


Groups = list[tuple[tuple[float, ...], Any, float, dict[str, str] | None]]


def groups() -> Groups:
    """(values, tags, time, metadata) of requests covering every edge value in every position."""
    out: Groups = []
    for i in range(60):
        values = tuple(EDGE[(i + j * 7) % len(EDGE)] if i % 3 else 0.25 * (i + j) for j in range(len(NAMES)))
        meta = {"vu": str(i % 3), "iter": str(i)} if i % 2 else None
        out.append((values, TAGS if i % 4 else OTHER, 100.0 + i // 3, meta))
    return out


def write(path: Path, kind: str, grouped: bool, masker: Masker | None = None, requests: Groups | None = None) -> bytes:
    reg = Registry()
    metrics = tuple(reg.metrics[n] for n in NAMES)
    out = JsonOutput(str(path)) if kind == "json" else CsvOutput(str(path))
    mgr = OutputManager(reg, [out], masker=masker)
    mgr.start()
    for i, (values, tags, when, meta) in enumerate(groups() if requests is None else requests):
        if grouped:
            reg.emit_many(metrics, tags, values, when, meta)
        else:
            for metric, value in zip(metrics, values, strict=True):
                reg.emit(metric, tags, value, when, meta)
        reg.emit(reg.metrics["checks"], tags, 1.0, when)  # single samples between groups
        if i % 17 == 0:
            mgr.flush()  # a batch boundary, so later batches reuse a group's cached template
    mgr.stop()
    return path.read_bytes()


@pytest.mark.parametrize("kind", ["json", "csv"])
def test_a_group_writes_what_its_samples_write_one_by_one(tmp_path: Path, kind: str) -> None:
    grouped = write(tmp_path / "grouped", kind, grouped=True)
    single = write(tmp_path / "single", kind, grouped=False)
    assert grouped == single
    text = grouped.decode()
    if kind == "json":  # Go's forms, not Python's, in the file
        for form in ('"value":1e+06,', '"value":1.234567e+06,', '"value":-0,', '"value":NaN,', '"value":+Inf,'):
            assert form in text
        assert '"value":2,' in text and '"value":2.0' not in text
        assert text.count('{"type":"Metric"') == len(NAMES) + 1


@pytest.mark.parametrize("kind", ["json", "csv"])
def test_a_group_is_masked_like_single_samples(tmp_path: Path, kind: str) -> None:
    masker = Masker(["s3cr3t"])
    grouped = write(tmp_path / "grouped", kind, grouped=True, masker=masker)
    assert grouped == write(tmp_path / "single", kind, grouped=False, masker=masker)
    assert b"s3cr3t" not in grouped and b"***" in grouped


ODD = [(2**64, "1.8446744073709552e+19"), (5e-05, "5e-05"), (1e-05, "1e-05"), (1e-07, "1e-07"),
       (1_234_567.0, "1.234567e+06"), (math.nan, "NaN"), (-math.inf, "-Inf"), (-0.0, "-0"), (3.0, "3")]  # fmt: skip


@pytest.mark.parametrize(("odd", "go"), ODD)
def test_a_value_alone_in_its_batch_is_written_as_go_does(tmp_path: Path, odd: float, go: str) -> None:
    """Each value orjson (the batch formatter) writes unlike Go, as the only odd one of its batch."""
    requests: Groups = [((1.0, 0.5, 0.25, odd), TAGS, 100.0, None), ((1.0, 0.5, 0.25, 3.5), TAGS, 100.0, None)] * 3
    grouped = write(tmp_path / "grouped", "json", grouped=True, requests=requests)
    assert grouped == write(tmp_path / "single", "json", grouped=False, requests=requests)
    assert f'"value":{go},'.encode() in grouped


def test_a_listener_without_a_group_form_gets_each_sample_in_order() -> None:
    reg = Registry()
    seen: list[tuple[str, float, float]] = []
    reg.listeners.append(lambda metric, tags, value, when, meta: seen.append((metric.name, value, when)))
    metrics = tuple(reg.metrics[n] for n in NAMES)
    reg.emit_many(metrics, TAGS, (1.0, 2.0, 3.0, 4.0), 7.0)
    assert seen == [(n, float(i + 1), 7.0) for i, n in enumerate(NAMES)]
