"""The node agent without Ray: it starts a real worker, merges its deltas into node frames, relays its other
frames, orders its commands."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path
from typing import Any

from loadpy.cli.args import run_request
from loadpy.cli.main import build_parser
from loadpy.cluster.agent import NODE_FRAMES, NodeAgent
from loadpy.metrics.deltas import DeltaReceiver
from loadpy.metrics.registry import Registry
from loadpy.workers.assign import Assignment
from loadpy.workers.coordinator import worker_request
from loadpy.workers.frames import FrameDecoder
from loadpy.workers.job import Job


def _job(tmp_path: Path, url: str) -> Job:
    script = tmp_path / "s.yaml"
    script.write_text(
        "options:\n  scenarios:\n    s: {executor: shared-iterations, vus: 2, iterations: 6}\n"
        f'flows:\n  default:\n    - request: {{url: "{url}"}}\n',
        encoding="utf-8",
    )
    args = build_parser().parse_args(["run", "-q", "--address", "", str(script)])
    # what the coordinator's _spawn sends a worker: the whole test as its one segment
    request = worker_request(run_request(args, os.environ), Assignment(0, "0:1", "0,1"))
    return Job(0, 1, request, None, coordinator_pid=-1)  # the agent puts its own pid here


async def _until(
    agent: NodeAgent, decoders: dict[int, FrameDecoder], kind: str, seen: list[tuple[str, Any]]
) -> int | None:
    """Poll until a frame of `kind` arrived (or the worker exited); its exit code if it did."""
    for _ in range(600):
        for index, data, _eof, code in await agent.poll(0.1):
            assert index in (7, NODE_FRAMES)
            seen.extend(decoders[index].feed(data))
            if code is not None:
                return code
        if any(k == kind for k, _ in seen):
            return None
    raise AssertionError(f"no {kind} frame in 60 s: {seen}")


def test_a_worker_runs_under_the_agent_and_its_frames_arrive_whole(tmp_path: Path, demo_server: Any) -> None:
    path = f"/items/agent-{tmp_path.name}"
    job = _job(tmp_path, demo_server.base_url + path)

    async def scenario() -> tuple[list[tuple[str, Any]], int | None]:
        agent = NodeAgent()
        info = await agent.info()
        assert info["cores"] >= 1
        await agent.spawn(7, job, str(tmp_path))
        decoders, seen = {7: FrameDecoder(), NODE_FRAMES: FrameDecoder()}, []
        assert await _until(agent, decoders, "ready", seen) is None
        data = json.dumps(None).encode()
        # numbered writes delivered out of order still reach the worker in order
        await agent.write(7, 1, data)
        await agent.write(7, 0, f"start {len(data)}\n".encode())
        code = await _until(agent, decoders, "done", seen)
        if code is None:
            code = await _until(agent, decoders, "never", seen)
        assert all(decoder.pending == 0 for decoder in decoders.values())
        await agent.shutdown()
        return seen, code

    seen, code = asyncio.run(asyncio.wait_for(scenario(), 90))
    kinds = [kind for kind, _ in seen]
    assert kinds[0] == "ready" and kinds[-1] == "done" and kinds[-2] == "node", kinds
    assert set(kinds) == {"ready", "node", "done"}  # the worker's deltas only inside node frames
    assert code == 0
    assert seen[-1][1]["exit_code"] == 0 and "delta" not in seen[-1][1]
    coordinator = Registry()
    receiver = DeltaReceiver(coordinator)
    for kind, payload in seen:
        if kind == "node":
            receiver.merge(payload["delta"])
    assert coordinator.aggregate(coordinator.metrics["http_reqs"]).values(1.0)["count"] == 6
    assert demo_server.stats()["paths"][path] == 6


def test_a_polled_agent_with_nothing_to_say_answers_after_the_wait() -> None:
    async def scenario() -> tuple[list[Any], float]:
        agent = NodeAgent()
        loop = asyncio.get_running_loop()
        start = loop.time()
        batch = await agent.poll(0.3)
        return batch, loop.time() - start

    batch, waited = asyncio.run(scenario())
    assert batch == []
    assert 0.25 <= waited < 2.0
