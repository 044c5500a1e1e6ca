"""Which files the writer child (loadpy/outputs/writer_child.py) writes, that its bytes are the
in-process output's (the same varied stream through both gives the same file), and the buffered
entries it is sent: ints, strings and floats only."""

from __future__ import annotations

import errno
import gc
import gzip
import os
import signal
import subprocess
from pathlib import Path
from typing import Any

import pytest

from loadpy.metrics.registry import Registry
from loadpy.metrics.tags import tagset
from loadpy.outputs import CsvOutput, JsonOutput, OutputManager
from loadpy.outputs.columns import ColumnarOutput


def _record(registry: Registry, manager: OutputManager) -> None:
    """Groups and single samples, metadata, a custom metric first seen mid-run, odd values and tags
    (non-ASCII, a lone surrogate, quotes), over several flushes."""
    http = tuple(registry.metrics[n] for n in ("http_reqs", "http_req_duration", "http_req_failed"))
    loop = tuple(registry.metrics[n] for n in ("iterations", "iteration_duration"))
    odd = tagset({"status": "200", "name": 'é "q", x\udcff', "url": "http://127.0.0.1/"})
    plain = tagset({"status": "404", "scenario": "default"})
    values = (0.0, 1e-7, 123456789.125, float("nan"), float("inf"), -2.5, 1e21)
    for flush in range(4):
        for i in range(300):
            tags = odd if i % 3 else plain
            registry.emit_many(http, tags, (1.0, values[i % len(values)], float(i % 2)), 1000.0 + flush + i / 1e3)
            registry.emit_many(
                loop, tags, (1.0, 9.5 + i), 1000.0 + flush + i / 1e3, {"trace": f"t{i}"} if i % 50 == 0 else None
            )
            if flush >= 2 and i % 40 == 0:
                custom = registry.define("custom_wait", "trend", "time")
                registry.emit(custom, plain, 0.125 * i, 1000.5 + flush, None)
        manager.flush()


def _write(path: Path, offload: bool, monkeypatch: pytest.MonkeyPatch) -> tuple[bytes, Any]:
    monkeypatch.setattr(ColumnarOutput, "offload", offload)
    registry = Registry()
    name = path.name
    out = JsonOutput(str(path)) if ".json" in name else CsvOutput(str(path))
    manager = OutputManager(registry, [out], thresholds_by_metric={"http_req_duration": ["p(95)<200"]})
    manager.start()
    pid = out.writer_pid
    _record(registry, manager)
    manager.stop()
    data = path.read_bytes()
    return (gzip.decompress(data) if name.endswith(".gz") else data), pid


@pytest.mark.parametrize("name", ["out.json", "out.json.gz", "out.csv"])
def test_the_writer_childs_file_is_the_in_process_file_byte_for_byte(
    tmp_path: Path, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    here, none = _write(tmp_path / f"here-{name}", False, monkeypatch)
    there, pid = _write(tmp_path / f"there-{name}", True, monkeypatch)
    assert none is None and isinstance(pid, int)
    assert here.count(b"\n") >= 4 * 600
    assert there == here


def test_stdout_and_csv_gz_are_written_in_this_process(
    tmp_path: Path, capfdbinary: pytest.CaptureFixture[bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ColumnarOutput, "offload", True)
    outputs = [JsonOutput("-"), CsvOutput(str(tmp_path / "out.csv.gz")), JsonOutput(str(tmp_path / "out.json"))]
    manager = OutputManager(Registry(), outputs)
    manager.start()
    try:
        assert [out.writer_pid is None for out in outputs] == [True, True, False]
    finally:
        manager.stop()


def test_a_writer_child_that_cannot_start_leaves_the_file_to_this_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def no_process(*args: object, **kwargs: object) -> None:
        raise BlockingIOError(errno.EAGAIN, "Resource temporarily unavailable")

    monkeypatch.setattr(subprocess, "Popen", no_process)
    monkeypatch.setattr(ColumnarOutput, "offload", True)
    registry = Registry()
    out = JsonOutput(str(tmp_path / "out.json"))
    manager = OutputManager(registry, [out])
    manager.start()
    assert out.writer_pid is None
    registry.emit(registry.metrics["http_reqs"], tagset({"status": "200"}), 1.0, 1000.0, None)
    manager.stop()
    lines = (tmp_path / "out.json").read_text().splitlines()
    assert [line[:40] for line in lines] == [
        '{"type":"Metric","data":{"name":"http_re',
        '{"metric":"http_reqs","type":"Point","da',
    ]
    assert [r.getMessage() for r in caplog.records] == [
        f"writing {tmp_path / 'out.json'} in this process: its writer process did not start "
        "([Errno 11] Resource temporarily unavailable)"
    ]


def test_a_writer_child_that_dies_is_logged_once_and_the_run_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(ColumnarOutput, "offload", True)
    registry = Registry()
    path = tmp_path / "out.json"
    out = JsonOutput(str(path))
    manager = OutputManager(registry, [out])
    manager.start()
    reqs = registry.metrics["http_reqs"]
    registry.emit(reqs, tagset({"status": "200"}), 1.0, 1000.0, None)
    manager.flush()
    assert out.writer_pid is not None
    os.kill(out.writer_pid, signal.SIGKILL)
    for second in range(3):
        registry.emit(reqs, tagset({"status": "200"}), 1.0, 1001.0 + second, None)
        manager.flush()
    manager.stop()
    assert [r.getMessage() for r in caplog.records] == [
        f"writing --out json={path} failed: the output's writer process ended; "
        "its samples are dropped from now on, the test goes on"
    ]
    text = path.read_text()
    assert text == "" or text.endswith("\n")  # killed before or after its one batch: never half a line


def test_by_default_a_writer_child_only_when_this_process_may_run_on_more_than_one_cpu(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for cpus, child in (({0}, False), ({0, 1}, True)):
        monkeypatch.setattr(os, "sched_getaffinity", lambda pid, cpus=cpus: cpus)
        out = JsonOutput(str(tmp_path / f"{len(cpus)}.json"))
        manager = OutputManager(Registry(), [out])
        manager.start()
        try:
            assert (out.writer_pid is not None) is child
        finally:
            manager.stop()


def test_buffered_entries_hold_only_atomic_values_so_the_collector_untracks_them() -> None:
    registry = Registry()
    out = JsonOutput("-")
    manager = OutputManager(registry, [out])
    manager.start()
    try:
        http = tuple(registry.metrics[n] for n in ("http_reqs", "http_req_duration"))
        tags = tagset({"status": "200", "scenario": "default"})
        for _ in range(2):  # a run's tag sets are long-lived: untracked by its first collections (pairs, then set)
            gc.collect()
        assert not gc.is_tracked(tags)
        registry.emit_many(http, tags, (1.0, 2.5), 1000.0, None)
        registry.emit_many(http, tags, (1.0, 3.5), 1000.0, {"trace": "t1"})
        registry.emit(registry.metrics["vus"], tags, 4.0, 1000.0, None)
        entries = list(out._pending)
        assert [entry[0] for entry in entries] == [id(http), id(http), id(registry.metrics["vus"])]
        gc.collect(0)  # their first collection: the youngest generation's
        # the one with metadata stays tracked: CPython untracks a tuple holding no container but
        # untracked tuples, and a dict (even an untracked one) is a container
        assert [gc.is_tracked(entry) for entry in entries] == [False, True, False]
    finally:
        manager.stop()
