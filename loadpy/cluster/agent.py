"""The node agent: one Ray actor per node that starts the node's worker processes and relays their frames.

A worker on another node is the same `python -m loadpy.workers.worker` process as with `--workers`:
the agent hands it its job on stdin and reads its frame pipe, but does not decode the frames — it
passes the bytes on, and the coordinator's own frame protocol reads them in the driver. Bytes wait
here until the driver's next `poll` (a long poll: it returns as soon as there is something, or after
`wait_s` with nothing, which is the node's heartbeat for the driver's watchdog).

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

from loadpy.workers.coordinator import start_worker_process
from loadpy.workers.frames import encode
from loadpy.workers.job import Job


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


class _Relay(asyncio.Protocol):
    def __init__(self, agent: NodeAgent, worker: _Worker) -> None:
        self.agent = agent
        self.worker = worker

    def data_received(self, data: bytes) -> None:
        self.worker.pending += data
        self.agent.changed.set()

    def connection_lost(self, exc: Exception | None) -> None:
        self.worker.eof = True
        self.agent.changed.set()


class NodeAgent:
    def __init__(self) -> None:
        self.workers: dict[int, _Worker] = {}
        self.changed = asyncio.Event()

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
        """What every worker sent since the last poll: (index, frame bytes, its pipe closed, its exit code)."""
        if not self._news():
            self.changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.changed.wait(), wait_s)
        out: list[tuple[int, bytes, bool, int | None]] = []
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
        return any(
            w.pending or (w.eof and not w.eof_sent) or (w.eof and w.returncode is not None and not w.exit_sent)
            for w in self.workers.values()
        )

    async def shutdown(self) -> None:
        """Kill every worker still running (the driver is done with this node)."""
        for index in self.workers:
            await self.kill(index)
