"""One worker process of `loadpy run --workers N` (started by the coordinator, never by hand).

    python -m loadpy.workers.worker JOB_FILE FRAME_FD

JOB_FILE is a pickle written by the coordinator: the `loadpy run` arguments with this
worker's execution segment and the demo URL. The worker prepares
the same file and options, runs no setup/teardown of its own, and:

* writes frames (loadpy.workers.frames) to FRAME_FD: `ready` once its VUs exist, a
  `snapshot` every second, and `done` (the final snapshot and its exit code) at the end,
  or a single `error` when it cannot start;
* reads one command per line on stdin: `start SETUP_DATA_JSON_FILE`, `interrupt` (graceful, a second one is a
  hard stop, like Ctrl+C twice) and `abort CODE`; EOF on stdin (the coordinator is gone)
  counts as an interrupt.

stdout is left to the user's code (print) and stderr carries logs, so neither can corrupt
the frame pipe.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import pickle
import sys
from dataclasses import dataclass
from typing import Any

from loadpy.errors import ExitCode, LoadpyError
from loadpy.logs import setup_from_args
from loadpy.workers.frames import encode
from loadpy.workers.merge import strip_vu_gauges

SNAPSHOT_INTERVAL_S = 1.0

log = logging.getLogger("loadpy.workers")


@dataclass
class Job:
    """What the coordinator hands one worker (pickled into JOB_FILE)."""

    index: int
    count: int
    args: Any  # argparse.Namespace of `loadpy run`, segment flags already set
    demo_url: str | None


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


def _state(engine: Any) -> dict[str, Any]:
    return {
        "snap": strip_vu_gauges(engine.registry.snapshot()),
        "vus": engine.active_vus(),
        "vus_max": engine.pool.initialized,
        "progress": engine.progress(),
    }


async def _commands(engine: Any, started: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while True:
        line = (await reader.readline()).decode().strip()
        if not line:  # EOF: the coordinator is gone, stop gracefully
            engine.interrupt()
            started.set()
            return
        word, _, arg = line.partition(" ")
        if word == "start":  # "start PATH": setup()'s data as JSON, the same for every worker
            with open(arg, encoding="utf-8") as handle:
                engine.runtime.core.store_setup_data(json.load(handle))
            started.set()
            await engine.set_paused(False)
        elif word == "interrupt":
            engine.interrupt()
            started.set()
        elif word == "abort":
            engine.abort(ExitCode(int(arg)))
            started.set()


async def _snapshots(engine: Any, out: FrameWriter) -> None:
    while True:
        await asyncio.sleep(SNAPSHOT_INTERVAL_S)
        out.send("snapshot", _state(engine))


async def serve(job: Job, prepared: Any, out: FrameWriter) -> int:
    """Run this worker's segment of the test; returns the engine's exit code."""
    from loadpy.engine.scheduler import Engine, Phase
    from loadpy.metrics.tags import tagset
    from loadpy.segments import parse_segment

    opts = prepared.options
    if opts.rps:
        # the workers are one k6 instance between them: they share its request rate, by segment
        opts.rps = opts.rps * float(parse_segment(opts.execution_segment).length)
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
    run = asyncio.ensure_future(engine.run())
    commands = asyncio.ensure_future(_commands(engine, started))
    while engine.phase is not Phase.PAUSED_BEFORE_RUN and not run.done():
        await asyncio.sleep(0.002)
    out.send("ready", {"vus_max": engine.pool.initialized})
    await started.wait()
    snapshots = asyncio.ensure_future(_snapshots(engine, out))
    try:
        result = await run
    finally:
        for task in (snapshots, commands):
            task.cancel()
        await asyncio.gather(snapshots, commands, return_exceptions=True)
    final = _state(engine)
    final.update(
        exit_code=int(result.exit_code),
        error=str(result.error) if result.error is not None else None,
        duration=result.test_run_duration_s,
    )
    out.send("done", final)
    return int(result.exit_code)


async def _main_async(job: Job, fd: int) -> int:
    from loadpy.testrun import prepare

    out = await FrameWriter.open(fd)
    try:
        try:
            prepared = prepare(job.args, job.demo_url)
            return await serve(job, prepared, out)
        except LoadpyError as exc:
            out.send("error", {"exit_code": int(exc.exit_code), "message": str(exc)})
            return int(exc.exit_code)
    finally:
        await out.close()


def main(argv: list[str] | None = None) -> int:
    job_path, fd_text = argv if argv is not None else sys.argv[1:]
    with open(job_path, "rb") as handle:
        job: Job = pickle.load(handle)
    setup_from_args(job.args, static={"worker": f"{job.index + 1}/{job.count}"})
    from loadpy.testrun import _install_loop

    _install_loop()
    with contextlib.suppress(KeyboardInterrupt):
        return asyncio.run(_main_async(job, int(fd_text)))
    return int(ExitCode.INTERRUPTED)


if __name__ == "__main__":
    sys.exit(main())
