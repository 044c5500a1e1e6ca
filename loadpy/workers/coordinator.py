"""The coordinator of `loadpy run --workers N`.

It validated everything already (loadpy.pipeline.plan), then: runs setup once, starts N workers
(one execution segment each), waits until every worker has created its VUs and starts them
all on one signal, merges each worker's delta (what its metrics gained in the last second)
into its own registry as it arrives — one running registry, against which the thresholds
parsed at prepare time are evaluated every two seconds (abortOnFail across workers) —, sums
the VU gauges and progress every second, runs teardown once after the last worker ended, and
hands that registry to finish_run, so the summary and export have exactly the shape of a
single process's. It also does what one process does around the engine: writes --out (the
workers' samples come with their deltas, each written once), --report and JUnit
(loadpy.pipeline.outputs), holds the start with --paused and serves the REST API (it answers
loadpy.engine.control as an Engine would: status, pause/resume before the start, stop).

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
import os
import pickle
import signal
import sys
from pathlib import Path
from typing import Any, cast

from loadpy.clock import now
from loadpy.engine.scheduler import Phase
from loadpy.errors import ConfigError, ExitCode, LoadpyError, ScriptError, SetupTimeoutError, TeardownTimeoutError
from loadpy.metrics.deltas import DeltaReceiver
from loadpy.pipeline.finish import finish_run
from loadpy.pipeline.outputs import finish_reports, start_outputs, start_report_recorder, write_html_report
from loadpy.pipeline.request import RunRequest
from loadpy.workers.assign import Assignment, worker_segments
from loadpy.workers.frames import FrameDecoder, FrameError, encode
from loadpy.workers.job import Job
from loadpy.workers.merge import merge_progress

log = logging.getLogger("loadpy.workers")

# Worker processes per core at most: beyond a few per core they only compete for CPU and memory.
WORKERS_PER_CORE = 4
VUS_TICK_S = 1.0
THRESHOLD_TICK_S = 2.0
# Exit codes with which a worker ends a test normally; any other one stops the other workers.
NORMAL_END = frozenset({int(ExitCode.OK), int(ExitCode.TEST_FAILED)})


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


def check_supported(options: Any, count: int, *, dashboard: bool) -> None:
    """What a multi-process run can't do: ConfigError (104) before anything starts."""

    def reject(what: str) -> None:
        raise ConfigError(f"--workers {count} can't be combined with {what}", key="--workers")

    if options.execution_segment or options.execution_segment_sequence:
        reject("--execution-segment/--execution-segment-sequence (the workers split the test into segments)")
    if dashboard:
        reject("the web dashboard (--dashboard, K6_WEB_DASHBOARD)")
    for config in options.scenarios.values():
        if config.executor == "externally-controlled":
            raise ConfigError(
                f"the externally-controlled executor of scenario {config.name} can't be used with execution "
                f"segments, so it can't run with --workers {count}",
                key="--workers",
            )


@dataclasses.dataclass
class _Result:
    """The fields of engine.scheduler.RunResult that run._finish reads."""

    exit_code: int
    setup_data: Any
    test_run_duration_s: float
    interrupted: bool
    aborted_by_thresholds: bool
    error: LoadpyError | None


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
    def __init__(self, prepared: Any, count: int) -> None:
        self.p = prepared
        self.count = count
        self.workers: list[WorkerHandle] = []
        self.outputs: Any = None  # --out: the OutputManager the workers' samples are replayed into
        self.start = now()
        self._exit: int | None = None  # the first reason to stop wins
        self._error: LoadpyError | None = None
        self._interrupts = 0
        self._aborted_by_thresholds = False
        self._current: asyncio.Task[Any] | None = None  # setup/teardown, cancelled by an interrupt
        self._setup_running = False
        self._last_done: float | None = None
        # what the REST API reads and changes (loadpy.engine.control answers for us as for an Engine)
        self.phase = Phase.CREATED
        self.paused = bool(prepared.options.paused)
        self.stopped = False
        self.started_at: float | None = None
        self.api_address: str | None = None
        self._resume = asyncio.Event()
        self._idle = 0.0  # from the last worker's end to its process exit: not test run time

    # -- stopping -------------------------------------------------------------------------
    def stop(self, code: int, error: LoadpyError | None = None, *, graceful: bool) -> None:
        """Stop every worker: graceful = gracefulStop applies (interrupt), else a hard abort."""
        if self._exit is None:
            self._exit, self._error = code, error
        self.stopped = True
        self._resume.set()
        for w in self.workers:
            w.send("interrupt" if graceful else f"abort {code}")

    def interrupt(self) -> None:
        """SIGINT/SIGTERM: forward a graceful interrupt; a second one stops everything at once."""
        self._interrupts += 1
        if self._interrupts == 1:
            log.warning("Stopping the test run gracefully (press Ctrl+C again to stop at once)")
            self.stop(int(ExitCode.INTERRUPTED), graceful=True)
            if self._setup_running and self._current is not None:
                self._current.cancel()
        else:
            for w in self.workers:
                w.send("interrupt")  # the workers' second interrupt: a hard stop
            if self._current is not None:
                self._current.cancel()

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

    # -- the REST API (GET/PATCH /v1/status, /v1/metrics, /v1/groups) ---------------------------------
    @property
    def registry(self) -> Any:
        return self.p.registry

    def status(self) -> dict[str, Any]:
        """k6's /v1/status attributes, for all the workers together."""
        return {
            "status": int(self.phase),
            "paused": self.paused,
            "vus": self.active_vus(),
            "vus-max": sum(w.vus_max for w in self.workers),
            "stopped": self.stopped,
            "running": self.phase is Phase.RUNNING,
            "tainted": False,
        }

    def external_runner(self) -> None:
        """No externally-controlled executor with --workers (refused up front): scaling is refused."""
        return None

    async def set_paused(self, paused: bool) -> str | None:
        """--paused: resume starts the test; once started, k6's error (no executor here can pause)."""
        if self.phase <= Phase.PAUSED_BEFORE_RUN:
            if paused and self.paused:
                return "execution is already paused"
            self.paused = paused
            if not paused:
                self._resume.set()
            return None
        first = next(iter(self.p.options.scenarios.values()))
        return f"{first.executor} executor '{first.name}' doesn't support pause and resume operations after its start"

    def stop_from_api(self) -> None:
        log.error("test run stopped from REST API")
        self.stop(int(ExitCode.STOPPED_BY_API), graceful=False)

    # -- merged views ---------------------------------------------------------------------------
    def _merge(self, w: WorkerHandle, payload: dict[str, Any]) -> None:
        """A worker's delta into the one running registry (beside setup/teardown and the VU gauges),
        then its samples to --out, in the order the worker recorded them."""
        registry = self.p.registry
        histograms = w.receiver.merge(payload.pop("delta"))
        if histograms and w.done is None:  # bucketing those values is cheaper in the worker
            data = pickle.dumps(histograms, protocol=pickle.HIGHEST_PROTOCOL)
            w.send_bytes(f"buckets {len(data)}\n".encode() + data)
        samples = payload.pop("samples", None)
        if samples and registry.listeners:
            metrics = registry.metrics
            for name, tags, value, when, metadata in samples:
                registry.emit(metrics[name], tags, value, when, metadata)
        w.latest = payload
        w.vus_max = int(payload["vus_max"])

    def progress(self) -> list[Any]:
        return merge_progress([w.latest["progress"] for w in self.workers if w.latest is not None])

    def active_vus(self) -> int:
        return sum(w.vus for w in self.workers)

    # -- the run --------------------------------------------------------------------------------
    async def run(self) -> int:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, self.interrupt)
        opts = self.p.options
        self.outputs = start_outputs(self.p)
        if not opts.quiet:
            from loadpy.cli.banner import banner

            print(banner(self.p.path, opts, self.outputs), flush=True)
            print(f"     workers: {self.count} processes, one execution segment each", flush=True)
        report = self.p.report
        recorder = start_report_recorder(self.p, report, loop)
        setup_ok, setup_data = False, None
        api = None
        try:
            try:
                if opts.address:
                    from loadpy.engine.control import start_api

                    api, self.api_address = await start_api(cast(Any, self), opts.address)  # it answers as an Engine
                setup_ok, setup_data = await self._run_all()
            finally:
                if api is not None:
                    api.close()
                await self._reap()
                if recorder is not None:
                    recorder.stop()
                if self.outputs is not None:
                    self.outputs.stop()
            duration = now() - self.start - self._idle
        finally:
            for sig in (signal.SIGINT, signal.SIGTERM):
                with contextlib.suppress(NotImplementedError, RuntimeError):
                    loop.remove_signal_handler(sig)
        code = self._exit
        if code is None:
            failed = any(w.done is not None and w.done["exit_code"] == ExitCode.TEST_FAILED for w in self.workers)
            code = int(ExitCode.TEST_FAILED) if failed or self.p.runtime.test_failed else int(ExitCode.OK)
        result = _Result(
            exit_code=code,
            setup_data=setup_data if setup_ok else None,
            test_run_duration_s=duration,
            interrupted=code == ExitCode.INTERRUPTED,
            aborted_by_thresholds=self._aborted_by_thresholds,
            error=self._error,
        )
        exit_code, summary = finish_run(self.p, result)
        finish_reports(self.p, self.outputs, duration)
        if recorder is not None and report:
            write_html_report(report, self.p, summary, recorder, duration)
        return exit_code

    async def _setup(self) -> tuple[bool, Any]:
        """setup() once, here, with setupTimeout; (ok, data). Mirrors engine.scheduler.Engine._setup."""
        timeout = self.p.options.setup_timeout
        self._setup_running = True
        self._current = asyncio.ensure_future(self.p.runtime.setup())
        try:
            return True, await asyncio.wait_for(self._current, timeout=timeout)
        except TimeoutError:
            err: LoadpyError = SetupTimeoutError(f"setup() execution timed out after {timeout:g} seconds")
            log.error("%s", err)
        except asyncio.CancelledError:
            if self._exit is None:
                raise
            return False, None
        except LoadpyError as exc:
            err = exc
            log.error("%s", err)
        except Exception as exc:
            err = ScriptError(f"setup() failed: {exc}")
            log.error("%s", err)
        finally:
            self._setup_running = False
            self._current = None
        self.stop(int(err.exit_code), err, graceful=False)
        return False, None

    async def _teardown(self, setup_data: Any) -> None:
        timeout = self.p.options.teardown_timeout
        self._current = asyncio.ensure_future(self.p.runtime.teardown(setup_data))
        try:
            await asyncio.wait_for(self._current, timeout=timeout)
        except TimeoutError:
            err: LoadpyError = TeardownTimeoutError(f"teardown() execution timed out after {timeout:g} seconds")
            log.error("%s", err)
        except asyncio.CancelledError:
            if self._interrupts <= 1:
                raise
            return
        except LoadpyError as exc:
            err = exc
        except Exception as exc:
            err = ScriptError(f"teardown() failed: {exc}")
            log.error("%s", err)
        else:
            return
        finally:
            self._current = None
        if self._exit is None:
            self._exit, self._error = int(err.exit_code), err

    async def _run_all(self) -> tuple[bool, Any]:
        """Workers create their VUs → the test clock starts → setup → all start → ... → teardown.

        Like k6 (VUs are initialised before setup), so worker start-up is not test run time."""
        opts = self.p.options
        self.phase = Phase.INIT_VUS
        for assignment in worker_segments(self.count):
            if self._exit is not None:  # Ctrl+C / SIGTERM while spawning: start no more
                break
            self.workers.append(await self._spawn(assignment))
        await self._barrier()
        self.phase = Phase.INIT_DONE
        if self.paused and self._exit is None:  # --paused: until PATCH /v1/status {paused: false}
            self.phase = Phase.PAUSED_BEFORE_RUN
            await self._resume.wait()
        self.phase = Phase.STARTED
        self.start = self.started_at = now()
        if self._exit is not None:
            return False, None
        self.phase = Phase.SETUP
        setup_ok, setup_data = (True, None) if opts.no_setup else await self._setup()
        self.phase = Phase.RUNNING
        if setup_ok and self._exit is None:
            data = json.dumps(setup_data).encode()
            for w in self.workers:
                w.send_bytes(f"start {len(data)}\n".encode() + data)
        else:
            self.stop(self._exit or int(ExitCode.GENERIC), graceful=False)
        await self._supervise()
        if self._last_done is not None:
            self._idle = now() - self._last_done
        if setup_ok and not opts.no_teardown and self._interrupts <= 1:
            self.phase = Phase.TEARDOWN
            await self._teardown(setup_data)
        self.phase = Phase.ENDED
        return setup_ok, setup_data

    async def _reap(self) -> None:
        """Never leave a worker behind, whatever happened."""
        for w in self.workers:
            if w.proc.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    w.proc.kill()
                await w.proc.wait()

    async def _spawn(self, assignment: Assignment) -> WorkerHandle:
        stream = self.outputs is not None
        request = worker_request(self.p.request, assignment)
        job = encode("job", Job(assignment.index, self.count, request, self.p.demo_url, os.getpid(), stream))
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
                env=_child_env(),
            )
        finally:
            os.close(write_fd)
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

    async def _supervise(self) -> None:
        tickers = [asyncio.ensure_future(self._vus_ticker())]
        if self.p.thresholds is not None:
            tickers.append(asyncio.ensure_future(self._threshold_ticker()))
        progress = None
        if not self.p.options.quiet:
            from loadpy.cli.progress import Progress

            progress = Progress(self)
            progress.start()
        try:
            await asyncio.gather(*(self._watch(w) for w in self.workers))
        finally:
            for ticker in tickers:
                ticker.cancel()
            await asyncio.gather(*tickers, return_exceptions=True)
            if progress is not None:
                await progress.stop()

    async def _watch(self, w: WorkerHandle) -> None:
        await w.eof.wait()
        returncode = await w.proc.wait()
        if w.done is not None:
            code = int(w.done["exit_code"])
            if code not in NORMAL_END and self._exit is None:
                err = LoadpyError(w.done["error"]) if w.done["error"] else None
                self.stop(code, err, graceful=False)
        elif w.ready.is_set() or w.error is None:
            self._lost(w, returncode)

    def _lost(self, w: WorkerHandle, returncode: int) -> None:
        """A worker ended without a result: its startup error, or it died."""
        if w.error is not None:
            if self._exit is None:  # every worker hits the same startup error: say it once
                print(f"loadpy: error: {w.error['message']}", file=sys.stderr)
            self.stop(int(w.error["exit_code"]), graceful=False)
            return
        how = f"killed by {signal.Signals(-returncode).name}" if returncode < 0 else f"exit status {returncode}"
        why = f"; its frames were unreadable: {w.broken}" if w.broken else ""
        kept = "the metrics it reported are kept" if w.latest is not None else "it reported no metrics"
        message = f"{w.name} died ({how}{why}); {kept}, the run ends with the other workers' data"
        log.error("%s", message)
        self.stop(int(ExitCode.GENERIC), LoadpyError(message), graceful=True)

    async def _vus_ticker(self) -> None:
        """vus/vus_max as sums over the workers (see loadpy.workers.merge), with run tags, every second."""
        from loadpy.metrics.tags import tagset

        registry = self.p.registry
        tags = tagset(self.p.options.tags or {})
        vus, vus_max = registry.metrics["vus"], registry.metrics["vus_max"]
        tick = 1
        while True:
            await asyncio.sleep(max(0.0, self.start + tick * VUS_TICK_S - now()))
            tick += 1
            registry.add(vus, tags, float(self.active_vus()))
            registry.add(vus_max, tags, float(sum(w.vus_max for w in self.workers)))

    async def _threshold_ticker(self) -> None:
        from loadpy.engine.scheduler import THRESHOLD_ABORT_LINE

        thresholds = self.p.thresholds
        tick = 1
        while True:
            await asyncio.sleep(max(0.0, self.start + tick * THRESHOLD_TICK_S - now()))
            tick += 1
            if thresholds.evaluate(now() - self.start, final=False) and self._exit is None:
                log.error(THRESHOLD_ABORT_LINE, ", ".join(thresholds.failed_metric_names()))
                self._aborted_by_thresholds = True
                self.stop(int(ExitCode.THRESHOLDS_FAILED), graceful=False)


def _child_env() -> dict[str, str]:
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
    return dataclasses.replace(request, options=options, workers=None, report=None, demo=False)


async def run_coordinated(prepared: Any, count: int) -> int:
    """`loadpy run --workers N` (N > 1) after the plan validated everything."""
    return await Coordinator(prepared, count).run()
