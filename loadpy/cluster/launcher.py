"""The driver's side of `--engine ray`: node agents placed one per node, one relay loop per node, a watchdog.

The coordinator (loadpy.workers.coordinator) asks this launcher for each worker instead of starting a
child process; it gets a `RemoteProcess` (what it uses of asyncio.subprocess.Process), and the frames
the node agent relays go to the coordinator's own frame protocol — one protocol, whatever the engine.

A node is lost when its agent has not answered a poll for NODE_SILENCE_S (hung machine, cut network;
Ray itself would notice only after about a minute) or Ray reports the actor dead (killed node): its
workers then count as killed, and the coordinator ends the run with the other nodes' data (exit 255).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from loadpy.cluster.agent import NODE_FRAMES, NodeAgent
from loadpy.errors import ConfigError, LoadpyError
from loadpy.workers.assign import Assignment
from loadpy.workers.coordinator import WorkerHandle
from loadpy.workers.frames import FrameDecoder
from loadpy.workers.job import Job

log = logging.getLogger("loadpy.cluster")

NODE_SILENCE_S = 5.0  # no answer from a node's agent for this long: the node is lost
POLL_S = 0.5  # an agent answers a poll at least this often (its heartbeat)
RETRY_S = 0.2  # after a failed poll
PLACEMENT_TIMEOUT_S = 60.0
# A bundle only pins one agent to each node: the agent itself waits on pipes, the workers are its children.
AGENT_BUNDLE = {"CPU": 0.01}


class _RemoteStdin:
    """A worker's stdin on another node: every write is one numbered call to its agent."""

    def __init__(self, node: NodeLink, index: int) -> None:
        self.node = node
        self.index = index
        self.writes = 0
        self.closed = False

    def write(self, data: bytes) -> None:
        self.node.agent.write.remote(self.index, self.writes, data)
        self.writes += 1

    def is_closing(self) -> bool:
        return self.closed or self.node.lost is not None


class RemoteProcess:
    """A worker process on a node agent, as the coordinator's WorkerHandle sees a local one."""

    def __init__(self, node: NodeLink, index: int) -> None:
        self.node = node
        self.index = index
        self.returncode: int | None = None
        self.stdin = _RemoteStdin(node, index)
        self._exited = asyncio.Event()

    def kill(self) -> None:
        if self.returncode is None and self.node.lost is None:
            self.node.agent.kill.remote(self.index)

    async def wait(self) -> int:
        await self._exited.wait()
        assert self.returncode is not None
        return self.returncode

    def exited(self, returncode: int) -> None:
        if self.returncode is None:
            self.returncode = returncode
            self.stdin.closed = True
            self._exited.set()


@dataclass
class _Stream:
    proc: RemoteProcess
    frames: asyncio.Protocol | None = None
    early: list[bytes] = field(default_factory=list)  # bytes that came before the coordinator's protocol
    eof: bool = False


@dataclass
class NodeLink:
    """One node agent and the workers it runs, as the driver sees them."""

    number: int  # 1-based, in placement order
    agent: Any  # the Ray actor handle
    host: str
    cores: int
    workers: int = 0  # how many workers it runs
    streams: dict[int, _Stream] = field(default_factory=dict)
    lost: str | None = None  # why, once lost
    merge: Callable[[Any], None] | None = None  # the coordinator's merge of this node's `node` frames
    decoder: FrameDecoder = field(default_factory=FrameDecoder)  # of its `node` frames

    @property
    def name(self) -> str:
        return f"node {self.number} ({self.host})"


def _await_ref(ref: Any) -> asyncio.Future[Any]:
    """A Ray ObjectRef as an asyncio future of this loop (uvloop included)."""
    return asyncio.wrap_future(ref.future())


class RayLauncher:
    """Places one agent per node (a STRICT_SPREAD placement group) and starts workers there."""

    def __init__(self, address: str, nodes: int, workers_per_node: int | None, cwd: str | None) -> None:
        self.address = address
        self.node_count = nodes
        self.workers_per_node = workers_per_node  # None: one worker per core of each node
        self.cwd = cwd  # the workers' working directory; None: the agent's (Ray's job working dir)
        self.nodes: list[NodeLink] = []
        self.placement: Any = None
        self._relays: list[asyncio.Task[None]] = []

    # -- placement ----------------------------------------------------------------------------------
    def place(self) -> None:
        """Start one agent on each of `nodes` distinct nodes (blocking: before the coordinator's loop)."""
        import ray
        from ray.util.placement_group import placement_group
        from ray.util.scheduling_strategies import PlacementGroupSchedulingStrategy

        self.placement = placement_group([AGENT_BUNDLE] * self.node_count, strategy="STRICT_SPREAD")
        ready, _ = ray.wait([self.placement.ready()], timeout=PLACEMENT_TIMEOUT_S)
        if not ready:
            alive = sum(1 for n in ray.nodes() if n["Alive"])
            raise ConfigError(
                f"--nodes {self.node_count}: the Ray cluster could not place one node agent on each of "
                f"{self.node_count} nodes within {PLACEMENT_TIMEOUT_S:g} s ({alive} nodes are alive)",
                key="--nodes",
            )
        actor: Any = ray.remote(num_cpus=0)(NodeAgent)
        agents = [
            actor.options(
                scheduling_strategy=PlacementGroupSchedulingStrategy(
                    placement_group=self.placement, placement_group_bundle_index=i
                ),
                max_concurrency=64,
            ).remote()
            for i in range(self.node_count)
        ]
        try:
            infos = ray.get([a.info.remote() for a in agents], timeout=PLACEMENT_TIMEOUT_S)
        except Exception as exc:  # the agent's class can't load there (no loadpy), a node died, a timeout
            first = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
            raise LoadpyError(
                f"the node agents did not start on the Ray cluster ({first}); every node needs the same "
                "loadpy and Ray as this one"
            ) from None
        for number, (agent, info) in enumerate(zip(agents, infos, strict=True), start=1):
            node = NodeLink(number, agent, str(info["host"]), int(info["cores"]))
            node.workers = self.workers_per_node or node.cores
            self.nodes.append(node)

    @property
    def worker_count(self) -> int:
        return sum(n.workers for n in self.nodes)

    def describe(self) -> str:
        """The banner's line: where the workers run."""
        nodes = ", ".join(f"{n.name}: {n.workers}" for n in self.nodes)
        return f"ray: {self.address}, {len(self.nodes)} node(s) — workers {nodes}"

    def _node_of(self, index: int) -> NodeLink:
        """Workers fill the nodes in order: global segments 0..k-1 on node 1, and so on."""
        for node in self.nodes:
            if index < node.workers:
                return node
            index -= node.workers
        raise IndexError(index)

    # -- the coordinator's Launcher ---------------------------------------------------------------------
    async def spawn(self, assignment: Assignment, job: Job) -> RemoteProcess:
        node = self._node_of(assignment.index)
        proc = RemoteProcess(node, assignment.index)
        node.streams[assignment.index] = _Stream(proc)
        if node.lost is None:
            try:
                await _await_ref(node.agent.spawn.remote(assignment.index, job, self.cwd))
            except Exception as exc:
                self._lose(node, f"its agent failed to start a worker: {exc}")
        else:
            self._end(node.streams[assignment.index], -int(signal.SIGKILL))
        if not any(t.get_name() == node.name for t in self._relays):
            self._relays.append(asyncio.create_task(self._relay(node), name=node.name))
        return proc

    def relay(
        self, worker: WorkerHandle, frames: asyncio.Protocol, node_reports: Callable[[], Callable[[Any], None]]
    ) -> None:
        stream = _stream_of(worker.proc)
        if stream.proc.node.merge is None:
            stream.proc.node.merge = node_reports()
        stream.frames = frames
        for chunk in stream.early:
            frames.data_received(chunk)
        stream.early.clear()
        if stream.eof:
            frames.connection_lost(None)

    # -- relaying ---------------------------------------------------------------------------------------
    async def _relay(self, node: NodeLink) -> None:
        """Poll the node's agent until every worker there has exited, or the node is lost: its agent died,
        or it has not answered for NODE_SILENCE_S (errors Ray calls temporary are retried until then)."""
        from ray.exceptions import ActorDiedError

        last_answer, last_error = time.monotonic(), ""
        while node.lost is None and not all(s.proc.returncode is not None for s in node.streams.values()):
            left = NODE_SILENCE_S - (time.monotonic() - last_answer)
            if left <= 0:
                self._lose(node, f"no answer for {NODE_SILENCE_S:g} s{last_error}")
                return
            try:
                batch = await asyncio.wait_for(_await_ref(node.agent.poll.remote(POLL_S)), left)
            except TimeoutError:
                continue
            except ActorDiedError:
                self._lose(node, "its agent died (the node, or Ray on it, is gone)")
                return
            except Exception as exc:  # ActorUnavailableError and friends: maybe back in a moment
                last_error = f" (last error: {type(exc).__name__})"
                await asyncio.sleep(min(RETRY_S, max(0.0, left)))
                continue
            last_answer = time.monotonic()
            for index, data, eof, returncode in batch:
                if index == NODE_FRAMES:  # the node's merged deltas: before its workers' other frames
                    self._merge(node, data)
                    continue
                stream = node.streams[index]
                if data:
                    self._feed(stream, data)
                if eof:
                    self._close(stream)
                if returncode is not None:
                    stream.proc.exited(returncode)

    @staticmethod
    def _merge(node: NodeLink, data: bytes) -> None:
        assert node.merge is not None  # relay() ran right after the node's first spawn
        for _kind, payload in node.decoder.feed(data):
            node.merge(payload)

    @staticmethod
    def _feed(stream: _Stream, data: bytes) -> None:
        if stream.frames is None:
            stream.early.append(data)
        else:
            stream.frames.data_received(data)

    @staticmethod
    def _close(stream: _Stream) -> None:
        if stream.eof:
            return
        stream.eof = True
        if stream.frames is not None:
            stream.frames.connection_lost(None)

    def _end(self, stream: _Stream, returncode: int) -> None:
        self._close(stream)
        stream.proc.exited(returncode)

    def _lose(self, node: NodeLink, why: str) -> None:
        """The node is gone: its workers count as killed (their reported data stays merged)."""
        if node.lost is not None:
            return
        node.lost = why
        running = [s for s in node.streams.values() if s.proc.returncode is None]
        if running:
            log.error("%s is lost: %s; its %d running worker(s) count as killed", node.name, why, len(running))
        for stream in running:
            self._end(stream, -int(signal.SIGKILL))
        with contextlib.suppress(Exception):
            import ray

            ray.kill(node.agent, no_restart=True)

    # -- the end ----------------------------------------------------------------------------------------
    async def close(self) -> None:
        """Stop the relays and every agent (and so every worker left), and free the placement."""
        for task in self._relays:
            task.cancel()
        await asyncio.gather(*self._relays, return_exceptions=True)
        self.release()

    def release(self) -> None:
        import ray
        from ray.util.placement_group import remove_placement_group

        for node in self.nodes:
            if node.lost is None:
                with contextlib.suppress(Exception):
                    ray.get(node.agent.shutdown.remote(), timeout=5)
            with contextlib.suppress(Exception):
                ray.kill(node.agent, no_restart=True)
        if self.placement is not None:
            with contextlib.suppress(Exception):
                remove_placement_group(self.placement)
        self.nodes, self.placement = [], None


def _stream_of(proc: Any) -> _Stream:
    """The relay stream of a RemoteProcess this launcher made."""
    assert isinstance(proc, RemoteProcess)
    return proc.node.streams[proc.index]
