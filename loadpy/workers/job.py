"""The job a coordinator hands each worker: the first frame on the worker's stdin (nothing on disk)."""

from __future__ import annotations

import os
from dataclasses import dataclass

from loadpy.metrics.tags import TagSet
from loadpy.pipeline.request import RunRequest
from loadpy.workers.frames import HEADER, MAX_FRAME, FrameDecoder, FrameError


@dataclass
class Job:
    """What the coordinator hands one worker (the first frame on its stdin)."""

    index: int
    count: int
    request: RunRequest  # the coordinator's, with this worker's execution segment (coordinator.worker_request)
    demo_url: str | None
    coordinator_pid: int
    stream_samples: bool = False  # the coordinator writes --out: send every sample with each delta
    # the threshold (sub)metrics every delta carries an aggregate of (loadpy.metrics.live.live_keys)
    live: tuple[tuple[str, TagSet], ...] = ()
    # per-series detail in every `detail_every`-th delta only (worker i: ticks where (tick + i) % n == 0)
    detail_every: int = 1


def read_exactly(fd: int, size: int) -> bytes:
    """`size` bytes from a pipe (unbuffered: what follows stays in the pipe for the event loop)."""
    data = bytearray()
    while len(data) < size:
        chunk = os.read(fd, size - len(data))
        if not chunk:
            raise EOFError(f"the pipe closed after {len(data)} of {size} bytes")
        data += chunk
    return bytes(data)


def read_job(fd: int) -> Job:
    """The job frame the coordinator writes first on the worker's stdin."""
    header = read_exactly(fd, HEADER.size)
    (size,) = HEADER.unpack(header)
    if size > MAX_FRAME:
        raise FrameError(f"frame of {size} bytes exceeds the limit of {MAX_FRAME}")
    kind, job = FrameDecoder().feed(header + read_exactly(fd, size))[0]
    if kind != "job" or not isinstance(job, Job):  # Job lives here, not in __main__: the classes match
        raise FrameError(f"expected a job frame, got {kind!r}")
    return job
