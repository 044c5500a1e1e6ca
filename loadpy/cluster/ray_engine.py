"""`loadpy run --engine ray`: the `--workers` coordinator in the Ray driver, its workers on node agents.

    loadpy run --engine ray [--ray-address ADDR] [--nodes N] [--workers-per-node C] FILE

Without --ray-address a local cluster of N nodes starts on this machine (loadpy.cluster.local) and
stops at the end; with one, loadpy joins that cluster as a driver (RAY_AUTH_TOKEN and friends come
from the environment, as for any Ray driver), and the current directory reaches the nodes as Ray's job
working directory (the scenario and its files must be in it). Everything else is the `--workers` run:
one global execution-segment sequence over all the workers of all nodes, setup and teardown once here,
thresholds on the merged metrics, one summary and every output written here.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import os
import socket
from collections.abc import Awaitable
from typing import Any, Protocol

from loadpy.cluster.launcher import RayLauncher
from loadpy.cluster.options import INSTALL_HINT, RayOptions, job_relative
from loadpy.errors import ConfigError
from loadpy.pipeline.eventloop import install_event_loop
from loadpy.pipeline.plan import TestPlan
from loadpy.workers.coordinator import check_supported

log = logging.getLogger("loadpy.cluster")

CONNECT_TIMEOUT_S = 5.0


class Execute(Protocol):
    """The run pipeline's end (loadpy.pipeline.run.execute with its dashboard settings bound)."""

    dashboard: bool  # a live dashboard was asked for (refused with workers)

    def __call__(self, plan: TestPlan, workers: int, launcher: Any) -> Awaitable[int]: ...


def _import_ray() -> Any:
    """Ray, with settings it reads once, at import."""
    os.environ.setdefault("RAY_IGNORE_UNHANDLED_ERRORS", "1")  # calls to a lost node's agent fail, by design
    os.environ.setdefault("RAY_DEDUP_LOGS", "0")  # the workers' log lines, each one, as a single process logs them
    try:
        import ray
    except ImportError:
        raise ConfigError(f"--engine ray needs the ray package, which is not installed: {INSTALL_HINT}") from None
    return ray


def _check_reachable(address: str) -> None:
    """Ray retries an address nobody answers at for minutes: try it once first (exit 104 if nothing is there)."""
    host, sep, port = address.rpartition(":")
    if address == "auto":
        return
    if not sep or not port.isdigit() or not host:
        raise ConfigError(
            f"--ray-address {address}: give HOST:PORT of the cluster's head, or 'auto'", key="--ray-address"
        )
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=CONNECT_TIMEOUT_S).close()
    except OSError as exc:
        raise ConfigError(
            f"--ray-address {address}: no Ray cluster answers there ({exc.strerror or exc})", key="--ray-address"
        ) from None


def _connect(ray: Any, address: str, working_dir: str | None) -> None:
    os.environ.pop("RAY_ADDRESS", None)  # it would override the address given here
    runtime_env = {"working_dir": working_dir} if working_dir is not None else None
    try:
        ray.init(address=address, logging_level=logging.WARNING, runtime_env=runtime_env, log_to_driver=True)
    except ConnectionError as exc:
        raise ConfigError(f"--ray-address {address}: can't join the Ray cluster: {exc}", key="--ray-address") from None


def _alive_nodes(ray: Any) -> int:
    """Nodes an agent can go to: alive, with CPUs (a RayJob's head has none: it runs the coordinator only)."""
    return sum(1 for node in ray.nodes() if node["Alive"] and node.get("Resources", {}).get("CPU", 0) > 0)


def run_on_ray(plan: TestPlan, settings: RayOptions, execute: Execute) -> int:
    """After the plan validated the test: place the agents, run the test through `execute` (the run
    pipeline's, with this launcher as the processes backend's), clean everything up."""
    # what a multi-process run can't do, said before any cluster starts
    check_supported(plan.options, 0, dashboard=execute.dashboard, flag="--engine ray")
    with contextlib.ExitStack() as cleanup:
        if settings.address is None:
            from loadpy.cluster.local import LocalCluster

            cluster = LocalCluster(settings.nodes or 1)
            cleanup.callback(cluster.stop)
            os.environ.update(cluster.env)  # this driver joins with the cluster's token (read when ray loads)
            address, working_dir, cwd = cluster.start(), None, os.getcwd()
            nodes = settings.nodes or 1
        else:
            _check_reachable(settings.address)
            address, working_dir, cwd = settings.address, os.getcwd(), None
            request = plan.request
            assert request is not None  # a plan made by plan_test carries its request
            config_path = request.config_path and job_relative(request.config_path, working_dir, "--config")
            plan = dataclasses.replace(
                plan,
                request=dataclasses.replace(
                    request, file=job_relative(request.file, working_dir, "file"), config_path=config_path
                ),
            )
            nodes = 0
        ray = _import_ray()
        _connect(ray, address, working_dir)
        cleanup.callback(ray.shutdown)
        if settings.address is not None:
            alive = _alive_nodes(ray)
            nodes = settings.nodes or alive
            if nodes > alive:
                raise ConfigError(
                    f"--nodes {nodes}: the Ray cluster at {address} has {alive} alive node(s) with CPUs, and "
                    "loadpy places one node agent on each of --nodes distinct nodes",
                    key="--nodes",
                )
        launcher = RayLauncher(address, nodes, settings.workers_per_node, cwd)
        cleanup.callback(launcher.release)
        launcher.place()
        install_event_loop()
        return asyncio.run(_coordinate(plan, launcher, execute))


async def _coordinate(plan: TestPlan, launcher: RayLauncher, execute: Execute) -> int:
    try:
        return await execute(plan, launcher.worker_count, launcher)
    finally:
        await launcher.close()
