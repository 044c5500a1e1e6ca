"""The coordinator of `loadpy run --workers N`: the `processes` backend of the run pipeline.

The plan validated everything already (loadpy.pipeline.plan) and the one lifecycle
(loadpy.pipeline.lifecycle) drives this backend as it drives a single process's Engine: setup
once here, then the start barrier (N workers, one execution segment each, every one has created
its VUs), one start signal with setup()'s data, teardown once after the last worker ended. Each
worker's delta (what its metrics gained in the last second) is merged into the plan's registry as
it arrives — one running registry, where the lifecycle records the VU gauges (sums over the workers).
While the workers run, the thresholds (abortOnFail across workers) read the one aggregate per
threshold each delta carries (loadpy.metrics.live), and beyond DETAIL_WORKERS_PER_TICK workers the
per-series detail arrives staggered (`detail_interval`): a tick costs about thresholds x workers
plus the detail of that many workers, not series x workers. So the summary, export,
--out (the workers' samples come with their deltas, each written once), --report and the REST API
(served by the lifecycle) have exactly the shape of a single process's.

Exit codes beyond k6's usual ones: a worker that dies without reporting its end (killed,
crashed) makes the run end gracefully with every other worker's data (and every delta the
dead one sent) kept, and exit **255** (k6's generic error): part of the load was lost, so
the numbers are not what the test asked for.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import logging
import math
import os
import pickle
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from loadpy.base.collector import frozen_while_scenarios_run
from loadpy.clock import now
from loadpy.errors import ConfigError, ExitCode, LoadpyError
from loadpy.metrics.deltas import DeltaReceiver
from loadpy.metrics.histogram import use_numpy
from loadpy.metrics.live import LiveThresholds, live_keys
from loadpy.pipeline.lifecycle import Lifecycle
from loadpy.pipeline.request import RunRequest
from loadpy.workers.assign import Assignment, worker_segments
from loadpy.workers.frames import FrameDecoder, FrameError, encode
from loadpy.workers.job import Job
from loadpy.workers.merge import merge_progress

log = logging.getLogger("loadpy.workers")

# Worker processes per core at most: beyond a few per core they only compete for CPU and memory.
WORKERS_PER_CORE = 4
# Exit codes with which a worker ends a test normally; any other one stops the other workers.
NORMAL_END = frozenset({int(ExitCode.OK), int(ExitCode.TEST_FAILED)})
SETTLE_TIMEOUT_S = 30.0  # workers told to stop before their start end at once; never wait forever
# Workers whose per-series detail one tick merges, about: more workers send theirs less often.
DETAIL_WORKERS_PER_TICK = 8
# per second ~0.1 µs of CPU for each bucket key counted with the standard library, ~0.01 with numpy,
# whose import costs ~100 ms of CPU and ~14 MB once (benchmarks/README.md, "Coordinator tick cost")
NUMPY_FROM_WORKERS = 8


def max_workers(cores: int | None = None) -> int:
    """The most worker processes one coordinator starts: WORKERS_PER_CORE per core."""
    return WORKERS_PER_CORE * (cores or os.cpu_count() or 1)


def resolve_worker_count(requested: int | None) -> int:
    """--workers: absent → 1 (one process); 0 → one per core; N → N (more than the cores warns;
    more than `max_workers()` or a negative number is bad input, 104)."""
    cores = os.cpu_count() or 1
    if requested is None:
        return 1
    if requested == 0:
        return cores
    limit = max_workers(cores)
    if requested < 0 or requested > limit:
        raise ConfigError(
            f"--workers {requested} is out of range: give 0 (one per core) or 1 to {limit} "
            f"({WORKERS_PER_CORE} per core on the {cores} cores here); more processes than that only "
            "compete for the same CPUs and memory",
            file="command line",
            key="--workers",
        )
    if requested > cores:
        log.warning("--workers %d is more than the %d cores here; workers will share cores", requested, cores)
    return requested


def detail_interval(count: int, *, report: bool) -> int:
    """Every how many deltas a worker sends its per-series detail (the threshold aggregates go in every
    one): each, up to DETAIL_WORKERS_PER_TICK workers or with --report (it draws every second from the
    series); beyond, staggered so that a tick merges the detail of about that many workers."""
    return 1 if report else max(1, math.ceil(count / DETAIL_WORKERS_PER_TICK))


def count_with_numpy(count: int) -> bool:
    """From NUMPY_FROM_WORKERS workers on, the coordinator counts the bucket keys their deltas bring
    with numpy (loadpy.metrics.histogram; a dependency, imported only then): whether it does."""
    return count >= NUMPY_FROM_WORKERS and use_numpy()


def check_supported(options: Any, count: int, *, dashboard: bool, flag: str | None = None) -> None:
    """What a multi-process run can't do: ConfigError (104) before anything starts."""

    flag = flag or f"--workers {count}"  # or the option that asked for workers elsewhere (--engine ray)

    def reject(what: str) -> None:
        raise ConfigError(f"{flag} can't be combined with {what}", key=flag.split()[0])

    if options.execution_segment or options.execution_segment_sequence:
        reject("--execution-segment/--execution-segment-sequence (the workers split the test into segments)")
    if dashboard:
        reject("the web dashboard (--dashboard, K6_WEB_DASHBOARD)")
    for config in options.scenarios.values():
        if config.executor == "externally-controlled":
            raise ConfigError(
                f"the externally-controlled executor of scenario {config.name} can't be used with execution "
                f"segments, so it can't run with {flag}",
                key=flag.split()[0],
            )


class WorkerHandle:
    """One worker process and what it reported last."""

    def __init__(
        self, assignment: Assignment, count: int, proc: asyncio.subprocess.Process, receiver: DeltaReceiver
    ) -> None:
        self.assignment = assignment
        self.name = f"worker {assignment.index + 1}/{count} (segment {assignment.segment})"
        self.proc = proc
        self.decoder = FrameDecoder()
        self.ready = asyncio.Event()
        self.eof = asyncio.Event()
        self.latest: dict[str, Any] | None = None  # the last delta or done payload (its metrics merged already)
        self.vus_max = 0
        self.done: dict[str, Any] | None = None
        self.error: dict[str, Any] | None = None
        self.broken: str | None = None  # why its frames could not be read
        self.receiver: DeltaReceiver = receiver  # its deltas into the coordinator's running registry

    def send(self, line: str) -> None:
        self.send_bytes(f"{line}\n".encode())

    def send_bytes(self, data: bytes) -> None:
        stdin = self.proc.stdin
        if stdin is not None and not stdin.is_closing():
            with contextlib.suppress(Exception):
                stdin.write(data)

    @property
    def vus(self) -> int:
        return 0 if self.latest is None or self.done is not None else int(self.latest["vus"])


class Launcher(Protocol):
    """Where workers run when not as this process's children (`--engine ray`: node agents on other machines).

    `spawn` starts worker `assignment.index` with its job and returns what WorkerHandle uses of an
    asyncio.subprocess.Process (returncode, stdin.write/is_closing, kill, wait); `relay` then feeds
    that worker's frame bytes (and end of stream) to `frames`, the coordinator's own frame protocol,
    and a node's pre-merged `node` frames to a merge made by `node_reports` (one per node)."""

    async def spawn(self, assignment: Assignment, job: Job) -> Any: ...

    def relay(
        self, worker: WorkerHandle, frames: asyncio.Protocol, node_reports: Callable[[], Callable[[Any], None]]
    ) -> None: ...

    def describe(self) -> str:
        """One banner line: where the workers run."""
        ...


class _FrameProtocol(asyncio.Protocol):
    def __init__(self, coordinator: Coordinator, worker: WorkerHandle) -> None:
        self.coordinator = coordinator
        self.worker = worker

    def data_received(self, data: bytes) -> None:
        w = self.worker
        if w.broken is not None:
            return
        try:
            messages = w.decoder.feed(data)
        except FrameError as exc:
            w.broken = str(exc)
            with contextlib.suppress(ProcessLookupError):
                w.proc.kill()
            return
        for kind, payload in messages:
            self.coordinator.on_message(w, kind, payload)

    def connection_lost(self, exc: Exception | None) -> None:
        self.worker.eof.set()


class Coordinator:
    """The backend of `--workers N` the lifecycle (loadpy.pipeline.lifecycle) drives: N processes, one
    execution segment each, their deltas merged into one registry."""

    def __init__(
        self, prepared: Any, count: int, *, stream_samples: bool = False, launcher: Launcher | None = None
    ) -> None:
        self.p = prepared
        self.launcher = launcher  # None: workers are local child processes
        self.count = count
        self.stream_samples = stream_samples  # --out: the workers send every sample with each delta
        self.workers: list[WorkerHandle] = []
        self._last_done: float | None = None
        self._idle = 0.0  # from the last worker's end to its process exit: not test run time
        self._settled = False
        self._lost_workers: set[int] = set()  # the workers whose end without a result was handled
        self._stop_command: str | None = None  # the last stop sent to the workers (halt)
        # the thresholds are evaluated here, on the merged metrics (the workers evaluate none): while
        # the workers run, on the aggregates each delta carries for them (loadpy.metrics.live)
        self.lifecycle = Lifecycle(self, **prepared.lifecycle_options())
        self.live = LiveThresholds(prepared.thresholds)
        self.live_keys = tuple(live_keys(prepared.thresholds))
        # a node agent merges its workers' detail into one node delta a second anyway: no staggering there
        report = bool(prepared.request.report)
        self.detail_every = 1 if launcher is not None else detail_interval(count, report=report)
        count_with_numpy(count)

    @property
    def banner_note(self) -> str:
        note = f"     workers: {self.count} processes, one execution segment each"
        return note if self.launcher is None else f"{note}\n     {self.launcher.describe()}"

    # -- messages from workers ----------------------------------------------------------------
    def on_message(self, w: WorkerHandle, kind: str, payload: Any) -> None:
        if kind == "ready":
            w.vus_max = int(payload["vus_max"])
            w.ready.set()
        elif kind == "delta":
            self._merge(w, payload)
        elif kind == "done":
            self._last_done = now()
            self._merge(w, payload)
            w.done = payload
        elif kind == "error":
            w.error = payload

    # -- what the REST API reads beside the lifecycle's status ----------------------------------------
    @property
    def registry(self) -> Any:
        return self.p.registry

    def external_runner(self) -> None:
        """No externally-controlled executor with --workers (refused up front): scaling is refused."""
        return None

    async def set_paused_running(self, paused: bool) -> str | None:
        """Once started, k6's error: no executor that runs with --workers can pause."""
        first = next(iter(self.p.options.scenarios.values()))
        return f"{first.executor} executor '{first.name}' doesn't support pause and resume operations after its start"

    # -- merged views ---------------------------------------------------------------------------
    def _merge(self, w: WorkerHandle, payload: dict[str, Any]) -> None:
        """A worker's delta into the one running registry (beside setup/teardown and the VU gauges),
        then its figures. No delta: a node agent merged it into its node's (`node_reports`)."""
        delta = payload.pop("delta", None)
        if delta is not None:
            histograms = w.receiver.merge(delta)
            self.live.merge(delta["live"])
            if histograms and w.done is None:  # bucketing those values is cheaper in the worker
                data = pickle.dumps(histograms, protocol=pickle.HIGHEST_PROTOCOL)
                w.send_bytes(f"buckets {len(data)}\n".encode() + data)
        self._report(w, payload)

    def _report(self, w: WorkerHandle, payload: dict[str, Any]) -> None:
        """A worker's samples to --out, in the order it recorded them, and its VUs and progress."""
        registry = self.p.registry
        samples = payload.pop("samples", None)
        if samples and registry.listeners:
            metrics = registry.metrics
            for name, tags, value, when, metadata in samples:
                registry.emit(metrics[name], tags, value, when, metadata)
        if "vus_max" in payload:  # a node frame may bring only the samples of a worker that ended
            w.latest = payload
            w.vus_max = int(payload["vus_max"])

    def node_reports(self) -> Callable[[Any], None]:
        """The merge of one node agent's `node` frames (loadpy.cluster.agent): its node delta, in the
        node's own index space, into the running registry, then each of its workers' figures."""
        receiver = DeltaReceiver(self.p.registry)

        def merge(payload: Any) -> None:
            delta = payload["delta"]
            receiver.merge(delta)  # no buckets to tell: the agent buckets past the exact limit itself
            self.live.merge(delta["live"])
            handles = {w.assignment.index: w for w in self.workers}
            for index, report in payload["workers"].items():
                self._report(handles[index], report)

        return merge

    def progress(self) -> list[Any]:
        return merge_progress([w.latest["progress"] for w in self.workers if w.latest is not None])

    def active_vus(self) -> int:
        return sum(w.vus for w in self.workers)

    # -- the backend the lifecycle drives (loadpy.pipeline.lifecycle.Backend) ------------------------
    async def create_vus(self) -> None:
        """Workers create their VUs: the start barrier. Like k6 (VUs are initialised before setup), so
        worker start-up is not test run time."""
        for assignment in worker_segments(self.count):
            if self.lifecycle.stopped:  # Ctrl+C / SIGTERM while spawning: start no more
                break
            w = await self._spawn(assignment)
            self.workers.append(w)
            if self._stop_command is not None:  # the run stopped while this one started
                w.send(self._stop_command)
        await self._barrier()

    async def run_scenarios(self, setup_data: Any) -> None:
        """setup()'s data to every worker with the start signal, then until the last worker ended.

        What exists at the start (modules, the script's runtime, setup's objects) is frozen out of the
        collector until the end, as a single process's engine does: a full collection while the deltas
        arrive then walks only what the run allocated, not the whole process (benchmarks/README.md,
        "Coordinator tick cost", round 5)."""
        with frozen_while_scenarios_run():
            if not self.lifecycle.stopped:
                self.live.install()  # after setup(): its samples are where the running sinks start
                data = json.dumps(setup_data).encode()
                for w in self.workers:
                    w.send_bytes(f"start {len(data)}\n".encode() + data)
            try:
                await self._settle()
            finally:
                self.live.remove()  # every worker's detail is in the registry: the final evaluation reads it

    async def _settle(self) -> None:
        """Until every worker ended (its result read or its death seen)."""
        await asyncio.gather(*(self._watch(w) for w in self.workers))
        self._settled = True
        if self._last_done is not None:
            self._idle = now() - self._last_done

    def halt(self, code: ExitCode, *, graceful: bool) -> None:
        """Stop every worker: graceful = gracefulStop applies (interrupt), else a hard abort."""
        self._stop_command = "interrupt" if graceful else f"abort {int(code)}"
        for w in self.workers:
            w.send(self._stop_command)

    async def close(self) -> None:
        """Workers told to stop before they started (a failed setup) still end with their data; then
        none is left behind, whatever happened."""
        if not self._settled and self.lifecycle.stopped:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._settle(), timeout=SETTLE_TIMEOUT_S)
        await self._reap()

    def vus_max(self) -> int:
        return sum(w.vus_max for w in self.workers)

    def on_tick(self) -> None:
        return None

    def test_failed(self) -> bool:
        failed = any(w.done is not None and w.done["exit_code"] == ExitCode.TEST_FAILED for w in self.workers)
        return failed or bool(self.p.runtime.test_failed)

    def idle_s(self) -> float:
        return self._idle

    async def _reap(self) -> None:
        """Never leave a worker behind, whatever happened."""
        for w in self.workers:
            if w.proc.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    w.proc.kill()
                await w.proc.wait()

    async def _spawn(self, assignment: Assignment) -> WorkerHandle:
        stream = self.stream_samples
        request = worker_request(self.p.request, assignment)
        spec = Job(
            assignment.index,
            self.count,
            request,
            self.p.demo_url,
            os.getpid(),
            stream,
            self.live_keys,
            self.detail_every,
        )
        if self.launcher is not None:
            proc = await self.launcher.spawn(assignment, spec)
            remote = WorkerHandle(assignment, self.count, proc, DeltaReceiver(self.p.registry))
            self.launcher.relay(remote, _FrameProtocol(self, remote), self.node_reports)
            return remote
        job = encode("job", spec)
        proc, read_fd = await start_worker_process()
        w = WorkerHandle(assignment, self.count, proc, DeltaReceiver(self.p.registry))
        w.send_bytes(job)  # the job travels on stdin: nothing on disk to leave behind
        loop = asyncio.get_running_loop()
        await loop.connect_read_pipe(lambda: _FrameProtocol(self, w), os.fdopen(read_fd, "rb", buffering=0))
        return w

    async def _barrier(self) -> None:
        """Wait until every worker has created its VUs (or one failed)."""

        async def ready_or_gone(w: WorkerHandle) -> None:
            ready, gone = asyncio.ensure_future(w.ready.wait()), asyncio.ensure_future(w.eof.wait())
            await asyncio.wait({ready, gone}, return_when=asyncio.FIRST_COMPLETED)
            for task in (ready, gone):
                task.cancel()
            if not w.ready.is_set():
                self._lost(w, await w.proc.wait())

        await asyncio.gather(*(ready_or_gone(w) for w in self.workers))

    async def _watch(self, w: WorkerHandle) -> None:
        await w.eof.wait()
        returncode = await w.proc.wait()
        if w.done is not None:
            code = int(w.done["exit_code"])
            if code not in NORMAL_END and self.lifecycle.exit_code is None:
                err = LoadpyError(w.done["error"]) if w.done["error"] else None
                self.lifecycle.stop(_exit_code(code), err, graceful=False)
        elif w.ready.is_set() or w.error is None:
            self._lost(w, returncode)

    def _lost(self, w: WorkerHandle, returncode: int) -> None:
        """A worker ended without a result: its startup error, or it died (said once: the start barrier and
        the watch after it may both see the same end)."""
        if w.assignment.index in self._lost_workers:
            return
        self._lost_workers.add(w.assignment.index)
        if w.error is not None:
            if self.lifecycle.exit_code is None:  # every worker hits the same startup error: say it once
                print(f"loadpy: error: {w.error['message']}", file=sys.stderr)
            self.lifecycle.stop(_exit_code(int(w.error["exit_code"])), graceful=False)
            return
        how = f"killed by {signal.Signals(-returncode).name}" if returncode < 0 else f"exit status {returncode}"
        why = f"; its frames were unreadable: {w.broken}" if w.broken else ""
        kept = "the metrics it reported are kept" if w.latest is not None else "it reported no metrics"
        message = f"{w.name} died ({how}{why}); {kept}, the run ends with the other workers' data"
        log.error("%s", message)
        self.lifecycle.stop(ExitCode.GENERIC, LoadpyError(message), graceful=True)


async def start_worker_process(cwd: str | None = None) -> tuple[asyncio.subprocess.Process, int]:
    """One `loadpy.workers.worker` child (job and commands on its stdin); the fd its frames come from."""
    read_fd, write_fd = os.pipe()
    try:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "loadpy.workers.worker",
            str(write_fd),
            stdin=asyncio.subprocess.PIPE,
            pass_fds=(write_fd,),
            start_new_session=True,  # Ctrl+C reaches the coordinator only; it forwards one interrupt
            env=child_env(),
            cwd=cwd,
        )
    finally:
        os.close(write_fd)
    return proc, read_fd


def child_env() -> dict[str, str]:
    """This process's environment, with this loadpy first on the path (whatever the cwd)."""
    root = str(Path(__file__).resolve().parents[2])
    path = os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH", "")) if p)
    return {**os.environ, "PYTHONPATH": path}


def worker_request(request: RunRequest, assignment: Assignment) -> RunRequest:
    """The coordinator's request as one worker runs it: its execution segment, no REST API, no summary,
    thresholds or outputs of its own (the coordinator evaluates and writes them, on the merged metrics)."""
    options = {key: value for key, value in request.options.items() if key not in ("summaryExport", "out")}
    options.update(
        executionSegment=assignment.segment,
        executionSegmentSequence=assignment.sequence,
        address="",
        noSummary=True,
        noThresholds=True,
    )
    return dataclasses.replace(request, options=options, workers=None, report=None, demo=False, cluster=None)


def _exit_code(code: int) -> ExitCode:
    """A worker's exit code as k6's (one loadpy does not know is a generic error)."""
    try:
        return ExitCode(code)
    except ValueError:
        return ExitCode.GENERIC
