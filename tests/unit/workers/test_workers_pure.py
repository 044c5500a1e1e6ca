"""The pure pieces of --workers: segment assignment, frames, delta merge."""

from __future__ import annotations

import contextlib
import os
import pickle
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from loadpy.engine.scheduler import ScenarioProgress
from loadpy.errors import ConfigError
from loadpy.metrics import Registry
from loadpy.metrics.deltas import DeltaReceiver, DeltaSender
from loadpy.pipeline.request import RunRequest
from loadpy.segments import resolve
from loadpy.workers.assign import worker_segments
from loadpy.workers.coordinator import WORKERS_PER_CORE, max_workers, resolve_worker_count
from loadpy.workers.frames import FrameDecoder, FrameError, encode
from loadpy.workers.job import Job, read_job
from loadpy.workers.merge import VU_GAUGES, merge_progress


def test_segments_of_three_workers() -> None:
    got = [(a.index, a.segment, a.sequence) for a in worker_segments(3)]
    assert got == [
        (0, "0:1/3", "0,1/3,2/3,1"),
        (1, "1/3:2/3", "0,1/3,2/3,1"),
        (2, "2/3:1", "0,1/3,2/3,1"),
    ]
    assert [a.segment for a in worker_segments(1)] == ["0:1"]
    with pytest.raises(ValueError, match="at least 1"):
        worker_segments(0)


@given(st.integers(min_value=1, max_value=8), st.integers(min_value=0, max_value=500))
def test_worker_segments_split_any_vu_count_exactly(count: int, vus: int) -> None:
    stripes = [resolve(a.segment, a.sequence) for a in worker_segments(count)]
    assert sum(s.scale(vus) for s in stripes) == vus
    assert sum((s.scale_fraction(Fraction(7, 3)) for s in stripes), Fraction(0)) == Fraction(7, 3)
    # every global unit (VU / iteration number) is owned by exactly one worker
    for unit in range(min(vus, 60)):
        assert sum(s.owns(unit) for s in stripes) == 1


def test_frames_round_trip_across_any_split() -> None:
    payload = {"delta": {"series": [("http_reqs", (("a", "b"),), 3.0)]}, "vus": 2}
    data = encode("ready", {"vus_max": 4}) + encode("delta", payload) + encode("done")
    for cut in range(len(data) + 1):
        decoder = FrameDecoder()
        got = decoder.feed(data[:cut]) + decoder.feed(data[cut:])
        assert got == [("ready", {"vus_max": 4}), ("delta", payload), ("done", None)]
        assert decoder.pending == 0
    partial = FrameDecoder()
    assert partial.feed(data[:7]) == []
    assert partial.pending == 7


def test_frames_reject_garbage() -> None:
    with pytest.raises(FrameError, match="exceeds the limit"):
        FrameDecoder().feed(b"\xff\xff\xff\xff" + b"x" * 10)
    with pytest.raises(FrameError, match="undecodable frame"):
        FrameDecoder().feed(b"\x00\x00\x00\x03abc")
    body = pickle.dumps([1, 2])
    with pytest.raises(FrameError, match=r"must hold \(kind, payload\), got list"):
        FrameDecoder().feed(len(body).to_bytes(4, "big") + body)


def _worker_registry(reqs: int, durations: list[float], vus: float) -> Registry:
    reg = Registry()
    tags = (("method", "GET"),)
    for _ in range(reqs):
        reg.add(reg.metrics["http_reqs"], tags, 1.0)
    for value in durations:
        reg.add(reg.metrics["http_req_duration"], tags, value)
    reg.add(reg.metrics["vus"], (), vus)
    reg.add(reg.metrics["vus_max"], (), vus)
    reg.define("my_counter", "counter")  # a custom metric only this worker knows
    reg.add(reg.metrics["my_counter"], (), 2.0)
    return reg


def test_merged_deltas_are_exact_and_drop_worker_vu_gauges() -> None:
    a = _worker_registry(3, [1.0, 5.0, 9.0], vus=7)
    b = _worker_registry(2, [2.0, 100.0], vus=3)
    merged = Registry()  # the coordinator's running registry
    merged.add(merged.metrics["vus"], (), 10.0)  # the coordinator's sum of both workers
    for worker in (a, b):
        DeltaReceiver(merged).merge(DeltaSender(worker, skip=VU_GAUGES).take())
    m = merged.metrics
    assert merged.aggregate(m["http_reqs"]).values(1.0)["count"] == 5
    assert merged.aggregate(m["my_counter"]).values(1.0)["count"] == 4
    trend = merged.aggregate(m["http_req_duration"])
    assert trend.values(0.0, ["min", "max", "avg", "med"]) == {"min": 1.0, "max": 100.0, "avg": 23.4, "med": 5.0}
    vus = merged.aggregate(m["vus"]).values()
    assert vus == {"value": 10.0, "min": 10.0, "max": 10.0}  # not a worker's 7 or 3
    assert merged.series(m["vus_max"]) == {}


def test_merge_progress_sums_by_scenario() -> None:
    def p(name: str, active: int, done: int, elapsed: float, finished: bool, fraction: float) -> ScenarioProgress:
        return ScenarioProgress(name, "constant-vus", active, 4, done, 1, 2, elapsed, 10.0, finished, fraction)

    merged = merge_progress(
        [[p("a", 2, 10, 3.0, False, 0.3), p("b", 1, 1, 1.0, True, 1.0)], [p("a", 1, 5, 3.5, True, 0.5)]]
    )
    a, b = merged
    assert (a.name, a.active_vus, a.max_vus, a.iterations_done, a.interrupted, a.dropped) == ("a", 3, 8, 15, 2, 4)
    assert (a.elapsed, a.done, a.fraction) == (3.5, False, 0.4)
    assert (b.name, b.active_vus, b.iterations_done, b.done) == ("b", 1, 1, True)


def test_the_job_frame_is_read_exactly_and_leaves_the_commands_in_the_pipe() -> None:
    """The worker reads its job with os.read: the bytes after it (commands) stay for the event loop."""
    job = Job(1, 3, RunRequest("s.yaml", options={"quiet": True}), None, coordinator_pid=4242)
    read_fd, write_fd = os.pipe()
    try:
        os.write(write_fd, encode("job", job) + b"start 2\n{}")
        got = read_job(read_fd)
        assert got == job
        assert os.read(read_fd, 100) == b"start 2\n{}"
        os.write(write_fd, encode("delta", {}))
        with pytest.raises(FrameError, match="expected a job frame, got 'delta'"):
            read_job(read_fd)
        os.close(write_fd)
        with pytest.raises(EOFError):
            read_job(read_fd)
    finally:
        os.close(read_fd)
        with contextlib.suppress(OSError):
            os.close(write_fd)


def test_worker_count_is_capped_per_core() -> None:
    cores = os.cpu_count() or 1
    assert resolve_worker_count(None) == 1
    assert resolve_worker_count(0) == cores
    assert resolve_worker_count(max_workers()) == WORKERS_PER_CORE * cores
    with pytest.raises(ConfigError, match=r"--workers \d+ is out of range"):
        resolve_worker_count(max_workers() + 1)
