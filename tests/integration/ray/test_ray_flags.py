"""`--engine ray` flags: bad combinations are exit 104 with one paragraph, before any cluster starts."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.integration.cli.helpers import run_loadpy, write_scenario

pytestmark = pytest.mark.timeout(120)

BAD = {
    "--nodes without the engine": (
        ["--nodes", "2"],
        "command line, key '--nodes': --nodes needs --engine ray",
    ),
    "--ray-address without the engine": (
        ["--engine", "local", "--ray-address", "10.0.0.1:6379"],
        "command line, key '--ray-address': --ray-address needs --engine ray",
    ),
    "--workers with the engine": (
        ["--engine", "ray", "--workers", "2"],
        "command line, key '--workers': --workers can't be combined with --engine ray: give --nodes and "
        "--workers-per-node instead",
    ),
    "no nodes": (["--engine", "ray", "--nodes", "0"], "command line, key '--nodes': --nodes 0: give 1 or more"),
    "no workers per node": (
        ["--engine", "ray", "--workers-per-node", "0"],
        "command line, key '--workers-per-node': --workers-per-node 0: give 1 or more",
    ),
    "a Ray Client address": (
        ["--engine", "ray", "--ray-address", "ray://head:10001"],
        "key '--ray-address': --ray-address ray://head:10001: Ray Client (ray://) addresses are not supported; "
        "run loadpy on a node of the cluster (or as a RayJob) and give the GCS address HOST:PORT, or 'auto'",
    ),
    "the demo on a remote cluster": (
        ["--engine", "ray", "--ray-address", "10.0.0.1:6379", "--demo"],
        "key '--demo': --demo can't be combined with --ray-address: the demo target listens on 127.0.0.1 of "
        "this machine only, out of the other nodes' reach",
    ),
    "an execution segment": (
        ["--engine", "ray", "--execution-segment", "0:1/2"],
        "key '--engine': --engine ray can't be combined with --execution-segment/--execution-segment-sequence "
        "(the workers split the test into segments)",
    ),
    "an address without a port": (
        ["--engine", "ray", "--ray-address", "head"],
        "key '--ray-address': --ray-address head: give HOST:PORT of the cluster's head, or 'auto'",
    ),
    "an address nobody answers at": (  # Ray itself would retry it for minutes
        ["--engine", "ray", "--ray-address", "127.0.0.1:1"],
        "key '--ray-address': --ray-address 127.0.0.1:1: no Ray cluster answers there (Connection refused)",
    ),
    "an unknown engine": (
        ["--engine", "spark"],
        "command line: argument --engine: invalid choice: 'spark' (choose from 'local', 'ray') "
        "(see 'loadpy run --help')",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_flags_are_refused_before_anything_starts(tmp_path: Path, demo_server: Any, case: str) -> None:
    flags, message = BAD[case]
    path = f"/items/{uuid.uuid4().hex}"
    scenario = write_scenario(
        tmp_path,
        f"""
        options:
          scenarios:
            s: {{executor: shared-iterations, vus: 1, iterations: 2}}
        flows:
          default:
            - request: {{url: "{demo_server.base_url}{path}"}}
        """,
    )
    out = run_loadpy(tmp_path, scenario, *flags, timeout=60)
    assert out.code == 104, out.stderr
    assert out.stderr == f"loadpy: error: {message}\n"
    assert out.export is None
    assert demo_server.stats()["paths"].get(path, 0) == 0
