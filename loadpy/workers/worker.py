"""One worker process of `loadpy run --workers N` (started by the coordinator, never by hand).

    python -m loadpy.workers.worker FRAME_FD

Nothing touches the disk: stdin brings one `job` frame (loadpy.workers.frames) from the
coordinator — the run's RunRequest with this worker's execution segment and the demo
URL — then commands. The worker prepares the same file and options, runs no setup/teardown of
its own, and:

* writes frames to FRAME_FD: `ready` once its VUs exist, a `delta` every second (what its
  registry gained since the previous one: loadpy.metrics.deltas — the threshold aggregates every
  second, the per-series detail every `job.detail_every` seconds —, and with --out every
  sample recorded since), and `done` (the last delta, with all the detail, and its exit code) at
  the end, or a single `error` when it cannot start;
* reads one command per line on stdin: `start N` followed by N bytes of setup()'s data as JSON,
  `buckets N` followed by N bytes of a pickled list of the trend series (indexes) the coordinator holds as
  histograms (their deltas go as buckets from then on: DeltaSender.bucket), `interrupt`
  (graceful, a second one is a hard stop, like Ctrl+C twice) and `abort CODE`.

It never outlives its coordinator: on Linux the kernel kills it when the coordinator dies
(PR_SET_PDEATHSIG), and everywhere EOF on stdin (the coordinator is gone) ends it at once —
nobody is left to read its results, and a worker may hold a lot of memory.

stdout is left to the user's code (print) and stderr carries logs (secrets masked, as the
coordinator's), so neither can corrupt the frame pipe.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import json
import logging
import os
import pickle
import signal
import sys
from typing import Any

from loadpy.errors import ExitCode, LoadpyError
from loadpy.logs import setup_from_args
from loadpy.metrics.deltas import DeltaSender
from loadpy.pipeline.eventloop import install_event_loop
from loadpy.secrets import Masker, stdio
from loadpy.workers.frames import FrameError, encode
from loadpy.workers.job import Job, read_job
from loadpy.workers.merge import VU_GAUGES

DELTA_INTERVAL_S = 1.0

log = logging.getLogger("loadpy.workers")


PR_SET_PDEATHSIG = 1  # linux/prctl.h


def die_with_parent(parent_pid: int) -> None:
    """Linux: have the kernel SIGKILL this process when its coordinator dies, even by SIGKILL.

    Elsewhere (or if prctl is unavailable) stdin EOF is the fallback. A coordinator that died
    before the call is seen by the parent pid having changed.
    """
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent_pid:
        os._exit(int(ExitCode.INTERRUPTED))


def _coordinator_gone() -> None:
    """stdin closed: the coordinator died (or was killed); nobody can use this worker's results."""
    log.error("the coordinator is gone: this worker stops now")
    with contextlib.suppress(Exception):
        sys.stderr.flush()
    os._exit(int(ExitCode.INTERRUPTED))


class FrameWriter:
    """Non-blocking frame writes: a slow reader must never stall this worker's event loop."""

    def __init__(self, transport: asyncio.WriteTransport) -> None:
        self.transport = transport

    @classmethod
    async def open(cls, fd: int) -> FrameWriter:
        loop = asyncio.get_running_loop()
        pipe = os.fdopen(fd, "wb", buffering=0)
        transport, _ = await loop.connect_write_pipe(asyncio.Protocol, pipe)
        return cls(transport)

    def send(self, kind: str, payload: Any = None) -> None:
        if not self.transport.is_closing():
            self.transport.write(encode(kind, payload))

    async def close(self) -> None:
        while self.transport.get_write_buffer_size() and not self.transport.is_closing():
            await asyncio.sleep(0.005)
        self.transport.close()


class SampleTap:
    """Every sample this worker records, kept until the next delta frame carries it to the coordinator's
    --out (each sample written exactly once). Not vus/vus_max: the coordinator records their sums."""

    def __init__(self) -> None:
        self.samples: list[tuple[str, Any, float, float, Any]] = []

    def __call__(self, metric: Any, tags: Any, value: float, when: float, metadata: Any) -> None:
        if metric.name not in VU_GAUGES:
            self.samples.append((metric.name, tags, value, when, metadata))

    def take(self) -> list[tuple[str, Any, float, float, Any]]:
        samples, self.samples = self.samples, []
        return samples


def _state(engine: Any, sender: DeltaSender, tap: SampleTap | None, detail: bool = True) -> dict[str, Any]:
    return {
        "delta": sender.take(detail),
        "samples": tap.take() if tap is not None else None,
        "vus": engine.active_vus(),
        "vus_max": engine.pool.initialized,
        "progress": engine.progress(),
    }


async def _commands(engine: Any, sender: DeltaSender, started: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while True:
        line = (await reader.readline()).decode().strip()
        if not line:
            _coordinator_gone()
        word, _, arg = line.partition(" ")
        if word == "start":  # "start N" + N bytes: setup()'s data as JSON, the same for every worker
            try:
                data = await reader.readexactly(int(arg))
            except asyncio.IncompleteReadError:
                _coordinator_gone()
            engine.runtime.core.store_setup_data(json.loads(data))
            started.set()
            await engine.set_paused(False)
        elif word == "buckets":  # "buckets N" + N bytes: a pickled list of series indexes
            try:
                data = await reader.readexactly(int(arg))
            except asyncio.IncompleteReadError:
                _coordinator_gone()
            sender.bucket(pickle.loads(data))
        elif word == "interrupt":
            engine.interrupt()
            started.set()
        elif word == "abort":
            engine.abort(ExitCode(int(arg)))
            started.set()


async def _deltas(engine: Any, sender: DeltaSender, tap: SampleTap | None, out: FrameWriter, job: Job) -> None:
    tick = 0
    while True:
        await asyncio.sleep(DELTA_INTERVAL_S)
        tick += 1
        # the workers' detail arrives staggered: each tick brings about count / detail_every workers'
        detail = (tick + job.index) % job.detail_every == 0
        out.send("delta", _state(engine, sender, tap, detail))


async def serve(job: Job, prepared: Any, out: FrameWriter) -> int:
    """Run this worker's segment of the test; returns the engine's exit code."""
    from loadpy.engine.scheduler import Engine
    from loadpy.metrics.tags import tagset
    from loadpy.pipeline.lifecycle import Phase
    from loadpy.segments import parse_segment

    opts = prepared.options
    if opts.rps:
        # the workers are one k6 instance between them: they share its request rate, by segment
        opts.rps = opts.rps * float(parse_segment(opts.execution_segment).length)
    tap = SampleTap() if job.stream_samples else None
    if tap is not None:
        prepared.registry.listeners.append(tap)
    engine = Engine(
        scenarios=opts.scenarios,
        runtime=prepared.runtime,
        registry=prepared.registry,
        run_tags=tagset(opts.tags or {}),
        segment=opts.execution_segment,
        segment_sequence=opts.execution_segment_sequence,
        no_setup=True,  # the coordinator ran setup once; its data is in the runtime already
        no_teardown=True,
        threshold_tick=None,  # thresholds are evaluated centrally, on the merged metrics
        scenario_tag="scenario" in opts.system_tags,
        paused=True,  # the start barrier: VUs are created, then we wait for `start`
        control_address=None,
    )
    started = asyncio.Event()
    sender = DeltaSender(prepared.registry, skip=VU_GAUGES, live=job.live)
    run = asyncio.ensure_future(engine.run())
    commands = asyncio.ensure_future(_commands(engine, sender, started))
    while engine.phase is not Phase.PAUSED_BEFORE_RUN and not run.done():
        await asyncio.sleep(0.002)
    out.send("ready", {"vus_max": engine.pool.initialized})
    await started.wait()
    deltas = asyncio.ensure_future(_deltas(engine, sender, tap, out, job))
    try:
        result = await run
    finally:
        for task in (deltas, commands):
            task.cancel()
        await asyncio.gather(deltas, commands, return_exceptions=True)
    final = _state(engine, sender, tap)
    final.update(
        exit_code=int(result.exit_code),
        error=str(result.error) if result.error is not None else None,
        duration=result.test_run_duration_s,
    )
    out.send("done", final)
    return int(result.exit_code)


async def _main_async(job: Job, fd: int) -> int:
    from loadpy.base.collector import start_up_burst
    from loadpy.pipeline.plan import plan_test

    out = await FrameWriter.open(fd)
    try:
        try:
            with start_up_burst():  # (as the coordinator's: loadpy/base/collector.py)
                prepared = plan_test(job.request, job.demo_url)
            return await serve(job, prepared, out)
        except LoadpyError as exc:
            out.send("error", {"exit_code": int(exc.exit_code), "message": str(exc)})
            return int(exc.exit_code)
    finally:
        await out.close()


def main(argv: list[str] | None = None) -> int:
    (fd_text,) = argv if argv is not None else sys.argv[1:]
    try:
        job = read_job(sys.stdin.fileno())
    except (EOFError, FrameError) as exc:  # started by hand, or the coordinator died at once
        print(f"loadpy worker: no job from a coordinator on stdin: {exc}", file=sys.stderr)
        return int(ExitCode.GENERIC)
    die_with_parent(job.coordinator_pid)
    masker = job.request.masker or Masker()
    with stdio(masker):  # the coordinator's secrets, masked in this worker's logs as in its own
        setup_from_args(job.request, static={"worker": f"{job.index + 1}/{job.count}"})
        install_event_loop()
        with contextlib.suppress(KeyboardInterrupt):
            return asyncio.run(_main_async(job, int(fd_text)))
        return int(ExitCode.INTERRUPTED)


if __name__ == "__main__":
    from loadpy.base.collector import exit_process

    exit_process(main())
