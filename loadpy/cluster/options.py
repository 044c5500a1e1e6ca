"""The flags of `loadpy run --engine ray`, checked before anything starts (bad input: exit 104)."""

from __future__ import annotations

import argparse
import importlib.util
from dataclasses import dataclass
from pathlib import Path

from loadpy.errors import ConfigError

ENGINES = ("local", "ray")
RAY_FLAGS = {"ray_address": "--ray-address", "nodes": "--nodes", "workers_per_node": "--workers-per-node"}
INSTALL_HINT = "install it with: pip install 'loadpy[ray]'"


@dataclass(frozen=True)
class RayOptions:
    address: str | None  # None: start a local cluster of `nodes` nodes on this machine
    nodes: int | None  # None: every alive node of the cluster joined (1 for a local cluster)
    workers_per_node: int | None  # None: one worker per core of each node


def ray_options(args: argparse.Namespace) -> RayOptions | None:
    """None for the local engine; the checked Ray settings for `--engine ray`."""
    engine = getattr(args, "engine", None) or "local"
    given = [flag for dest, flag in RAY_FLAGS.items() if getattr(args, dest, None) is not None]
    if engine != "ray":
        if given:
            raise ConfigError(f"{given[0]} needs --engine ray", file="command line", key=given[0])
        return None
    if importlib.util.find_spec("ray") is None:
        raise ConfigError(f"--engine ray needs the ray package, which is not installed: {INSTALL_HINT}", key="--engine")
    if getattr(args, "workers", None) is not None:
        raise ConfigError(
            "--workers can't be combined with --engine ray: give --nodes and --workers-per-node instead",
            file="command line",
            key="--workers",
        )
    address = args.ray_address
    if address is not None and not address.strip():
        raise ConfigError("--ray-address is empty: give HOST:PORT of the cluster's head", key="--ray-address")
    if address is not None and address.startswith("ray://"):
        raise ConfigError(
            f"--ray-address {address}: Ray Client (ray://) addresses are not supported; run loadpy on a node "
            "of the cluster (or as a RayJob) and give the GCS address HOST:PORT, or 'auto'",
            key="--ray-address",
        )
    if address is not None and getattr(args, "demo", False):
        raise ConfigError(
            "--demo can't be combined with --ray-address: the demo target listens on 127.0.0.1 of this "
            "machine only, out of the other nodes' reach",
            key="--demo",
        )
    for dest in ("nodes", "workers_per_node"):
        value = getattr(args, dest)
        if value is not None and value < 1:
            raise ConfigError(f"{RAY_FLAGS[dest]} {value}: give 1 or more", file="command line", key=RAY_FLAGS[dest])
    return RayOptions(address.strip() if address else None, args.nodes, args.workers_per_node)


def job_relative(path: str, cwd: str, flag: str) -> str:
    """A file the workers read, as a path inside Ray's job working directory (this directory)."""
    absolute = Path(cwd, path).resolve()
    try:
        return str(absolute.relative_to(Path(cwd).resolve()))
    except ValueError:
        raise ConfigError(
            f"{path} is outside the current directory {cwd}: with --ray-address the workers read their "
            "files from a copy of the current directory (Ray's job working directory); run loadpy from a "
            "directory that holds them",
            key=flag,
        ) from None
