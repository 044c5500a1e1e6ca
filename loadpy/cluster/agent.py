"""The node agent: one Ray actor per node that starts the node's worker processes and pre-merges their reports.

A worker on another node is the same `python -m loadpy.workers.worker` process as with `--workers`:
the agent hands it its job on stdin and reads its frame pipe. Its deltas (one a second from every
worker) are merged here into one node delta (loadpy.metrics.deltas.DeltaMerger, the same merge of
sink states the coordinator does), forwarded once a second with each worker's own figures (VUs,
progress, --out samples) as one `node` frame: the coordinator merges series x nodes a second, not
series x workers. A worker's other frames (ready, error, done) go on as they are, re-encoded; before
a `done`, the node delta holding that worker's last data goes first, so the coordinator has all of a
worker's data when it sees its end. Frames wait here until the driver's next `poll` (a long poll: it
returns as soon as there is something to send, or after `wait_s` with nothing, which is the node's
heartbeat for the driver's watchdog).

The class is plain Python: loadpy.cluster.launcher makes it a Ray actor (Ray is imported there only).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import os
import socket
import sys
from typing import Any

from loadpy.metrics.deltas import DeltaMerger
from loadpy.workers.coordinator import start_worker_process
from loadpy.workers.frames import FrameDecoder, FrameError, encode
from loadpy.workers.job import Job

NODE_FRAMES = -1  # the index `poll` gives the node's merged frames (workers have indexes from 0)
MERGE_INTERVAL_S = 1.0  # one node delta a second at most (and one before each worker's `done`)


@dataclasses.dataclass
class _Worker:
    proc: asyncio.subprocess.Process
    pending: bytearray = dataclasses.field(default_factory=bytearray)  # frame bytes not yet polled
    eof: bool = False
    eof_sent: bool = False
    returncode: int | None = None
    exit_sent: bool = False
    reaper: asyncio.Task[None] | None = None  # waits for its exit code
    next_write: int = 0  # writes arrive numbered: Ray does not order an async actor's calls
    early_writes: dict[int, bytes] = dataclasses.field(default_factory=dict)
    decoder: FrameDecoder = dataclasses.field(default_factory=FrameDecoder)
    report: dict[str, Any] | None = None  # its figures of the last delta not forwarded yet
    samples: list[Any] = dataclasses.field(default_factory=list)  # --out samples not forwarded yet


class _Relay(asyncio.Protocol):
    def __init__(self, agent: NodeAgent, worker: _Worker) -> None:
        self.agent = agent
        self.worker = worker

    def data_received(self, data: bytes) -> None:
        worker = self.worker
        try:
            messages = worker.decoder.feed(data)
        except FrameError:  # garbage from our own child: let the driver's decoder say so, and kill it
            worker.pending += data
            with contextlib.suppress(ProcessLookupError):
                worker.proc.kill()
            self.agent.changed.set()
            return
        for kind, payload in messages:
            self.agent.on_message(worker, kind, payload)

    def connection_lost(self, exc: Exception | None) -> None:
        self.worker.eof = True
        self.agent.changed.set()


class NodeAgent:
    def __init__(self) -> None:
        self.workers: dict[int, _Worker] = {}
        self.changed = asyncio.Event()
        self.merger: DeltaMerger | None = None  # made with the first job (its live keys)
        self.node_frames: list[bytes] = []  # merged node frames not polled yet
        self._last_merge = 0.0  # loop time of the last node frame

    # -- the workers' frames ------------------------------------------------------------------------
    def on_message(self, worker: _Worker, kind: str, payload: Any) -> None:
        """A worker's deltas into the node delta; its other frames on to the driver as they are."""
        if kind in ("delta", "done") and self.merger is not None:
            self.merger.add(self._index_of(worker), payload.pop("delta"))
            worker.samples.extend(payload.pop("samples", None) or ())
            if kind == "delta":
                worker.report = payload
                self.changed.set()
                return
            worker.report = None
            self.merge_now()  # the driver must have all of this worker's data before its end
        worker.pending += encode(kind, payload)
        self.changed.set()

    def merge_now(self) -> None:
        """The node delta and every worker's figures since the last one, as one `node` frame."""
        assert self.merger is not None
        workers: dict[int, Any] = {}
        for index, w in self.workers.items():
            if w.report is not None or w.samples:
                workers[index] = {**(w.report or {}), "samples": w.samples}
                w.report, w.samples = None, []
        self.node_frames.append(encode("node", {"delta": self.merger.take(), "workers": workers}))
        self._last_merge = asyncio.get_running_loop().time()

    def _merge_due(self) -> bool:
        if self.merger is None or not self.merger.pending:
            return False
        return asyncio.get_running_loop().time() - self._last_merge >= MERGE_INTERVAL_S

    def _index_of(self, worker: _Worker) -> int:
        return next(index for index, w in self.workers.items() if w is worker)

    async def info(self) -> dict[str, Any]:
        """Where this agent runs: the driver names nodes by it and counts its cores for the workers."""
        host = socket.gethostname()
        ray = sys.modules.get("ray")  # loaded when this runs as a Ray actor
        if ray is not None and ray.is_initialized():  # several nodes may share a host name (one machine, pods)
            host = f"{host}/{ray.get_runtime_context().get_node_id()[:8]}"
        return {"host": host, "pid": os.getpid(), "cores": os.cpu_count() or 1}

    async def spawn(self, index: int, job: Job, cwd: str | None) -> int:
        """Start worker `index` (the job's global index) with its job; its pid."""
        job = dataclasses.replace(job, coordinator_pid=os.getpid())  # the worker dies with its parent: us
        if self.merger is None:
            self.merger = DeltaMerger(job.live)
        proc, read_fd = await start_worker_process(cwd)
        worker = self.workers[index] = _Worker(proc)
        assert proc.stdin is not None
        proc.stdin.write(encode("job", job))
        loop = asyncio.get_running_loop()
        await loop.connect_read_pipe(lambda: _Relay(self, worker), os.fdopen(read_fd, "rb", buffering=0))
        worker.reaper = asyncio.ensure_future(self._reap(worker))
        return proc.pid

    async def _reap(self, worker: _Worker) -> None:
        worker.returncode = await worker.proc.wait()
        self.changed.set()

    async def write(self, index: int, number: int, data: bytes) -> None:
        """Bytes for worker `index`'s stdin (its commands), written in the order the driver numbered them."""
        worker = self.workers[index]
        worker.early_writes[number] = data
        stdin = worker.proc.stdin
        while worker.next_write in worker.early_writes:
            chunk = worker.early_writes.pop(worker.next_write)
            worker.next_write += 1
            if stdin is not None and not stdin.is_closing():
                with contextlib.suppress(Exception):
                    stdin.write(chunk)

    async def kill(self, index: int) -> None:
        worker = self.workers.get(index)
        if worker is not None and worker.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                worker.proc.kill()

    async def poll(self, wait_s: float) -> list[tuple[int, bytes, bool, int | None]]:
        """What the node has to say since the last poll: its merged frames first, as (NODE_FRAMES, frame
        bytes, False, None), then per worker (index, its other frames' bytes, its pipe closed, its exit code)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait_s
        while not self._news():
            self.changed.clear()
            left = deadline - loop.time()
            if left <= 0:
                break
            if self.merger is not None and self.merger.pending:  # wake when the next node delta is due
                left = min(left, max(0.0, self._last_merge + MERGE_INTERVAL_S - loop.time()))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.changed.wait(), left)
        if self._merge_due():
            self.merge_now()
        out: list[tuple[int, bytes, bool, int | None]] = []
        if self.node_frames:
            out.append((NODE_FRAMES, b"".join(self.node_frames), False, None))
            self.node_frames = []
        for index, w in self.workers.items():
            eof = w.eof and not w.eof_sent
            code = w.returncode if w.returncode is not None and w.eof and not w.exit_sent else None
            if w.pending or eof or code is not None:
                out.append((index, bytes(w.pending), eof, code))
                w.pending.clear()
                w.eof_sent = w.eof_sent or eof
                w.exit_sent = w.exit_sent or code is not None
        return out

    def _news(self) -> bool:
        return (
            bool(self.node_frames)
            or self._merge_due()
            or any(
                w.pending or (w.eof and not w.eof_sent) or (w.eof and w.returncode is not None and not w.exit_sent)
                for w in self.workers.values()
            )
        )

    async def shutdown(self) -> None:
        """Kill every worker still running (the driver is done with this node)."""
        for index in self.workers:
            await self.kill(index)
