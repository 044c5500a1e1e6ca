"""The example script of docs/python-api.md runs as documented against the demo target."""

from __future__ import annotations

from pathlib import Path

import pytest

from loadpy.demo import DemoServer
from tests.integration.cli.helpers import REPO_ROOT, metric, run_loadpy

pytestmark = pytest.mark.timeout(120)


def test_shop_example(tmp_path: Path, demo_server: DemoServer) -> None:
    demo_server.reset()
    out = run_loadpy(tmp_path, REPO_ROOT / "examples" / "shop.py", "-d", "1s", "-e", f"BASE_URL={demo_server.base_url}")
    assert out.code == 0, out.stderr
    assert out.export is not None
    iterations = metric(out.export, "iterations", "count")
    assert iterations > 0
    assert metric(out.export, "orders", "count") == iterations
    assert metric(out.export, "checks", "fails") == 0
    assert metric(out.export, "http_reqs", "count") == 1 + 4 * iterations  # login, then 3 items + checkout
    paths = demo_server.stats()["paths"]
    assert (paths["/login"], paths["/echo"]) == (1, iterations)
    assert "a blocking call" not in out.stderr


def test_shop_yaml_example_makes_the_same_journey(tmp_path: Path, demo_server: DemoServer) -> None:
    demo_server.reset()
    scenario = REPO_ROOT / "examples" / "shop.yaml"
    out = run_loadpy(tmp_path, scenario, "-d", "1s", "-e", f"BASE_URL={demo_server.base_url}")
    assert out.code == 0, out.stderr
    assert out.export is not None
    iterations = metric(out.export, "iterations", "count")
    assert iterations > 0
    assert metric(out.export, "orders", "count") == iterations
    assert metric(out.export, "checkout_time", "max") > 0
    # logged in once, then "all items" and "order echoed" per iteration
    assert (metric(out.export, "checks", "passes"), metric(out.export, "checks", "fails")) == (1 + 2 * iterations, 0)
    assert metric(out.export, "http_reqs", "count") == 1 + 4 * iterations  # login, then 3 items + checkout
    paths = demo_server.stats()["paths"]
    assert paths == {
        "/login": 1,
        "/items/1": iterations,
        "/items/2": iterations,
        "/items/3": iterations,
        "/echo": iterations,
    }
    assert "done with token token-alice" in out.stderr
