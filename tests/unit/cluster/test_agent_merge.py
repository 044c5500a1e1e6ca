"""The node agent's pre-merge (loadpy.metrics.deltas.DeltaMerger, driven by loadpy.cluster.agent.NodeAgent):
a node delta must merge into exactly what every worker's deltas merge into, live aggregates included, and
the agent must forward one node frame a second, and a worker's last data before its `done`."""

from __future__ import annotations

import asyncio
import math
import random
from typing import Any

from loadpy.cluster.agent import MERGE_INTERVAL_S, NODE_FRAMES, NodeAgent, _Worker
from loadpy.metrics.deltas import DeltaMerger, DeltaReceiver, DeltaSender
from loadpy.metrics.live import LiveThresholds, live_keys
from loadpy.metrics.registry import Registry
from loadpy.metrics.thresholds import Thresholds, sink_values
from loadpy.workers.frames import FrameDecoder
from loadpy.workers.merge import VU_GAUGES
from tests.unit.metrics.figures import summary_figures

THRESHOLDS: dict[str, Any] = {
    "http_req_duration": ["p(95)<5", "avg<3"],
    "http_req_duration{name:a}": ["p(90)<4"],
    "http_reqs": ["count>3"],
    "http_req_failed": ["rate<0.2"],
    "late": ["count<5"],
}


def _record(reg: Registry, rng: random.Random, tick: int, requests: int) -> None:
    m = reg.metrics
    for _ in range(requests):
        tags = (("name", rng.choice("abc")), ("status", rng.choice(("200", "500"))))
        reg.add(m["http_req_duration"], tags, round(rng.lognormvariate(0.8, 0.9), 4))
        reg.add(m["http_reqs"], tags, 1.0)
        reg.add(m["http_req_failed"], tags, float(tags[1][1] == "500"))
        check = reg.groups.by_path("::g").check("ok")
        check.passes += 1
    if tick >= 3:  # a custom metric one worker defines mid-run
        reg.add(reg.define("late", "counter"), (), 1.0)


def test_node_deltas_merge_into_what_every_workers_deltas_merge_into() -> None:
    rng = random.Random(4)
    single = Registry()
    single.define("late", "counter")
    coordinator = Registry()
    coordinator.define("late", "counter")
    want = Thresholds.parse(THRESHOLDS, single)
    thresholds = Thresholds.parse(THRESHOLDS, coordinator)
    keys = live_keys(thresholds)
    live = LiveThresholds(thresholds)
    live.install()
    nodes = [[Registry() for _ in range(3)], [Registry() for _ in range(2)]]  # two nodes: 3 and 2 workers
    senders = [[DeltaSender(reg, skip=VU_GAUGES, live=keys) for reg in node] for node in nodes]
    mergers = [DeltaMerger(keys) for _ in nodes]
    receivers = [DeltaReceiver(coordinator) for _ in nodes]
    for tick in range(1, 8):
        for node in nodes:
            for worker, reg in enumerate(node):
                if tick >= 3 and worker == 1:
                    reg.define("late", "counter")
                state = rng.getstate()
                _record(reg, rng, tick if worker == 1 else 0, 1_200)
                rng.setstate(state)
                _record(single, rng, tick if worker == 1 else 0, 1_200)
        for node_senders, merger in zip(senders, mergers, strict=True):
            for worker, sender in enumerate(node_senders):
                merger.add(worker, sender.take((tick + worker) % 2 == 0))
        for merger, receiver in zip(mergers, receivers, strict=True):
            delta = merger.take()
            assert receiver.merge(delta) == []  # past the exact limit, the merger sends buckets itself
            live.merge(delta["live"])
        for name, group in thresholds.metrics.items():
            got = sink_values(group.view.sink(), group.thresholds, tick)
            expected = sink_values(want.metrics[name].view.sink(), group.thresholds, tick)
            assert got.keys() == expected.keys()
            for stat, value in expected.items():
                assert math.isclose(got[stat], value, rel_tol=1e-12) if stat == "avg" else got[stat] == value
    for node_senders, merger, receiver in zip(senders, mergers, receivers, strict=True):
        for worker, sender in enumerate(node_senders):
            merger.add(worker, sender.take(True))
        receiver.merge(merger.take())
    live.remove()
    assert summary_figures(coordinator) == summary_figures(single)


class _Proc:
    returncode = None
    stdin = None


def _delta_frame(sender: DeltaSender, vus: int) -> tuple[str, dict[str, Any]]:
    return "delta", {"delta": sender.take(), "samples": None, "vus": vus, "vus_max": vus, "progress": []}


def test_the_agent_forwards_one_node_frame_a_second_and_a_workers_data_before_its_end() -> None:
    regs = [Registry(), Registry()]
    senders = [DeltaSender(reg, skip=VU_GAUGES) for reg in regs]

    async def scenario() -> list[tuple[float, list[tuple[int, str, Any]]]]:
        agent = NodeAgent()
        agent.merger = DeltaMerger()
        workers = [_Worker(_Proc()), _Worker(_Proc())]  # type: ignore[arg-type]
        agent.workers = {0: workers[0], 1: workers[1]}
        decoders = {NODE_FRAMES: FrameDecoder(), 0: FrameDecoder(), 1: FrameDecoder()}
        loop = asyncio.get_running_loop()
        polls: list[tuple[float, list[tuple[int, str, Any]]]] = []

        async def poll(wait_s: float) -> None:
            start = loop.time()
            got = [(i, k, p) for i, data, _, _ in await agent.poll(wait_s) for k, p in decoders[i].feed(data)]
            polls.append((loop.time() - start, got))

        for worker, reg in enumerate(regs):
            reg.add(reg.metrics["http_reqs"], (("w", str(worker)),), 2.0)
            agent.on_message(workers[worker], *_delta_frame(senders[worker], 4 + worker))
        await poll(0.5)  # the first node frame at once: both workers' deltas in it
        regs[0].add(regs[0].metrics["http_reqs"], (), 1.0)
        agent.on_message(workers[0], *_delta_frame(senders[0], 4))
        await poll(0.2)  # within the second: nothing yet (the heartbeat after the wait)
        await poll(2.0)  # then the next, when due
        regs[1].add(regs[1].metrics["http_reqs"], (), 5.0)
        done = {"delta": senders[1].take(), "samples": None, "vus": 0, "vus_max": 5, "progress": []}
        agent.on_message(workers[1], "done", {**done, "exit_code": 0, "error": None})
        await poll(2.0)  # a done: the node frame with its data first, at once
        return polls

    polls = asyncio.run(scenario())
    (_, first), (second_wait, second), (third_wait, third), (fourth_wait, fourth) = polls
    assert [(i, k) for i, k, _ in first] == [(NODE_FRAMES, "node")]
    node = first[0][2]
    assert sorted(node["workers"]) == [0, 1] and node["workers"][1]["vus"] == 5
    assert [name for name, _, _ in node["delta"]["new"]] == ["http_reqs", "http_reqs"]
    assert second == [] and 0.15 <= second_wait < 0.5
    assert [(i, k) for i, k, _ in third] == [(NODE_FRAMES, "node")]
    assert third_wait <= MERGE_INTERVAL_S + 0.5
    assert [(i, k) for i, k, _ in fourth] == [(NODE_FRAMES, "node"), (1, "done")]
    assert fourth_wait < 0.5
    last = fourth[0][2]["delta"]
    assert (last["new"], last["series"]) == ([], [(2, 5.0)])  # the node already named it: worker 0's third series
    assert "delta" not in fourth[1][2] and fourth[1][2]["exit_code"] == 0
