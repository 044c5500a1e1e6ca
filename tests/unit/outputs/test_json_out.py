"""The json output fed through a real Registry and OutputManager, checked against k6's samples."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest

from loadpy.errors import ConfigError
from loadpy.metrics import Registry, tagset
from loadpy.outputs import JsonOutput, OutputManager
from loadpy.outputs.json_out import metric_line
from tests.unit.outputs.helpers import SAMPLES, read_ndjson

HTTP_TAGS = tagset(
    {
        "expected_response": "true",
        "group": "::api",
        "method": "GET",
        "name": "http://127.0.0.1:18080/json",
        "proto": "HTTP/1.1",
        "sc": "main",
        "scenario": "main",
        "status": "200",
        "url": "http://127.0.0.1:18080/json",
    }
)
THRESHOLDS = {"http_req_duration": ["p(95)<500", "avg<400"]}
SUBMETRICS = {"http_req_duration": ["http_req_duration{name:delayed}"]}


def k6_sample() -> list[dict]:
    return read_ndjson(SAMPLES / "out.ndjson")


def run_manager(path: Path, samples: int = 3) -> Registry:
    reg = Registry()
    mgr = OutputManager(reg, [JsonOutput(str(path))], thresholds_by_metric=THRESHOLDS, submetrics=SUBMETRICS)
    mgr.start()
    for i in range(samples):
        reg.add(reg.metrics["http_reqs"], HTTP_TAGS, 1.0)
        reg.add(reg.metrics["http_req_duration"], HTTP_TAGS, 1.5 + i)
        mgr.flush()  # a batch boundary between samples of the same metric
    reg.add(reg.metrics["vus"], (), 2.0)
    reg.add(
        reg.metrics["iterations"], tagset({"group": "", "scenario": "main"}), 1.0, metadata={"vu": "1", "iter": "0"}
    )
    mgr.stop()
    return reg


def test_metric_line_equals_k6s(tmp_path: Path) -> None:
    path = tmp_path / "out.json"
    run_manager(path)
    ours = {line["metric"]: line for line in read_ndjson(path) if line["type"] == "Metric"}
    theirs = {line["metric"]: line for line in k6_sample() if line["type"] == "Metric"}
    # The http_req_duration Metric line carries thresholds, declared submetrics and k6's automatic one.
    assert ours["http_req_duration"] == theirs["http_req_duration"]
    assert ours["http_reqs"] == theirs["http_reqs"]


def test_points_have_k6s_shape_and_ordering(tmp_path: Path) -> None:
    path = tmp_path / "out.json"
    run_manager(path)
    lines = read_ndjson(path)
    k6_point = next(x for x in k6_sample() if x["type"] == "Point" and x["metric"] == "http_req_duration")
    points = [x for x in lines if x["type"] == "Point"]
    assert [p["metric"] for p in points] == ["http_reqs", "http_req_duration"] * 3 + ["vus", "iterations"]
    first = next(p for p in points if p["metric"] == "http_req_duration")
    assert first.keys() == k6_point.keys()
    assert first["data"].keys() == k6_point["data"].keys() == {"time", "value", "tags"}
    assert first["data"]["tags"] == k6_point["data"]["tags"]
    assert [p["data"]["value"] for p in points if p["metric"] == "http_req_duration"] == [1.5, 2.5, 3.5]
    assert points[-2]["data"]["tags"] == {}
    assert points[-1]["data"]["metadata"] == {"vu": "1", "iter": "0"}
    # Exactly one Metric line per metric, and right before that metric's first Point.
    metric_lines = [i for i, x in enumerate(lines) if x["type"] == "Metric"]
    assert len(metric_lines) == 4
    for i in metric_lines:
        assert lines[i + 1]["type"] == "Point" and lines[i + 1]["metric"] == lines[i]["metric"]
        assert all(x["metric"] != lines[i]["metric"] for x in lines[:i])


def test_point_text_is_compact_like_k6(tmp_path: Path) -> None:
    path = tmp_path / "out.json"
    run_manager(path, samples=1)
    text = path.read_text().splitlines()
    point = text[1]
    assert point.startswith('{"metric":"http_reqs","type":"Point","data":{"time":"')
    assert point.endswith(
        'Z","value":1,"tags":{"expected_response":"true","group":"::api","method":"GET",'
        '"name":"http://127.0.0.1:18080/json","proto":"HTTP/1.1","sc":"main",'
        '"scenario":"main","status":"200","url":"http://127.0.0.1:18080/json"}}}'
    )


def test_gzip_when_name_ends_in_gz(tmp_path: Path) -> None:
    path = tmp_path / "out.json.gz"
    run_manager(path)
    data = path.read_bytes()
    assert data[:2] == b"\x1f\x8b"
    # k6's gzip.NewWriter compresses at the default level, which the header's XFL byte shows as 0
    # (Python's default, 9, would be 2: twice the CPU for a few % of size)
    assert data[8] == 0
    lines = read_ndjson(path)
    assert sum(x["type"] == "Point" for x in lines) == 8


def test_metric_line_without_thresholds_or_submetrics() -> None:
    reg = Registry()
    line = metric_line(reg.metrics["vus"], [], None)
    theirs = next(x for x in read_ndjson(SAMPLES / "out-tail.ndjson") if x["metric"] == "vus")
    assert line == (
        '{"type":"Metric","data":{"name":"vus","type":"gauge","contains":"default","thresholds":[],'
        '"submetrics":null},"metric":"vus"}\n'
    )
    import json

    assert json.loads(line) == theirs


def test_no_samples_are_lost_when_flush_races_the_hot_path(tmp_path: Path) -> None:
    path = tmp_path / "race.json"
    reg = Registry()
    mgr = OutputManager(reg, [JsonOutput(str(path))])
    mgr.start()
    done = threading.Event()

    def flusher() -> None:
        while not done.is_set():
            mgr.flush()

    thread = threading.Thread(target=flusher)
    thread.start()
    metric = reg.metrics["iterations"]
    tags = tagset({"scenario": "default"})
    try:
        for i in range(50_000):
            reg.emit(metric, tags, float(i), 1.0, None)
    finally:
        done.set()
        thread.join(timeout=30)
    mgr.stop()
    values = [x["data"]["value"] for x in read_ndjson(path) if x["type"] == "Point"]
    assert values == list(range(50_000))


@pytest.mark.slow
def test_timer_flushes_and_interrupted_stop_leaves_whole_lines(tmp_path: Path) -> None:
    path = tmp_path / "live.json"
    reg = Registry()
    mgr = OutputManager(reg, [JsonOutput(str(path))])
    metric = reg.metrics["http_reqs"]
    emitted = 0
    seen_on_disk_before_stop = 0

    async def hot_loop() -> None:
        nonlocal emitted, seen_on_disk_before_stop
        mgr.start(asyncio.get_running_loop())
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 0.8
        while loop.time() < deadline and emitted < 200_000:
            for _ in range(200):
                reg.emit(metric, HTTP_TAGS, 1.0, 0.0, None)
            emitted += 200
            await asyncio.sleep(0.002)
        seen_on_disk_before_stop = path.read_bytes().count(b"\n")
        mgr.stop()  # as the SIGINT path does: mid-run, with a flush possibly in flight

    asyncio.run(hot_loop())
    assert seen_on_disk_before_stop > 0  # the 200 ms timer wrote while the loop was busy
    lines = read_ndjson(path)
    assert sum(x["type"] == "Point" for x in lines) == emitted
    assert reg.listeners == []
    mgr.stop()  # idempotent


@pytest.mark.parametrize("where", ["missing-dir/out.json"])
def test_unwritable_path_is_a_config_error_at_start(tmp_path: Path, where: str) -> None:
    reg = Registry()
    path = str(tmp_path / where)
    mgr = OutputManager(reg, [JsonOutput(path)])
    with pytest.raises(ConfigError) as info:
        mgr.start()
    assert str(info.value) == f"command line, key '--out json': can't write {path}: No such file or directory"
    assert info.value.exit_code == 104
    assert reg.listeners == []
