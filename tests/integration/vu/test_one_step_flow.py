"""A flow of one step runs without the Flow.run coroutine level; its errors must read the same."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest

from loadpy.demo import DemoServer
from loadpy.flows.steps.base import OneStepBody
from tests.integration.vu.helpers import build, run_vus, series

pytestmark = pytest.mark.timeout(60)


def test_one_step_flow_errors_carry_the_step_location(
    tmp_path: Path, demo_server: DemoServer, caplog: pytest.LogCaptureFixture
) -> None:
    runtime, registry = build(
        tmp_path,
        """
        flows:
          default:
            - request: {url: "${B}/json"}
              capture:
                missing: json["nope"]
    """,
        env={"B": demo_server.base_url},
    )
    assert isinstance(runtime.bodies["default"], OneStepBody)
    with caplog.at_level(logging.ERROR):
        asyncio.run(run_vus(runtime, vus=1, iterations=2))
    # raised after the await (the capture): located by the VU exactly as Flow.run words it
    assert caplog.text.count("flows.default[0] (request, line 3): KeyError: 'nope'") == 2
    assert series(registry, "iterations")[(("group", ""), ("scenario", "default"))].total == 2.0
    assert sum(s.total for s in series(registry, "http_reqs").values()) == 2.0


def test_two_step_flows_keep_flow_run(tmp_path: Path, demo_server: DemoServer) -> None:
    runtime, registry = build(
        tmp_path,
        """
        flows:
          default:
            - request: {url: "${B}/json"}
            - request: {url: "${B}/json"}
    """,
        env={"B": demo_server.base_url},
    )
    assert not isinstance(runtime.bodies["default"], OneStepBody)
    asyncio.run(run_vus(runtime, vus=2, iterations=3))
    assert sum(s.total for s in series(registry, "http_reqs").values()) == 12.0  # 2 VUs x 3 iterations x 2 requests


def test_one_step_flow_errors_raised_before_the_request_carry_the_step_location(
    tmp_path: Path, demo_server: DemoServer, caplog: pytest.LogCaptureFixture
) -> None:
    # the VU calls the step's `run` itself (OneStepBody.direct): an error raised while building the
    # request, before anything is awaited, is located exactly as Flow.run words it
    runtime, registry = build(
        tmp_path,
        """
        flows:
          default:
            - request: {url: "${B}/json?x={{ vu // 0 }}"}
    """,
        env={"B": demo_server.base_url},
    )
    assert isinstance(runtime.bodies["default"], OneStepBody)
    with caplog.at_level(logging.ERROR):
        asyncio.run(run_vus(runtime, vus=1, iterations=2))
    message = "flows.default[0] (request, line 3): ZeroDivisionError: integer division or modulo by zero"
    assert caplog.text.count(message) == 2
    assert series(registry, "iterations")[(("group", ""), ("scenario", "default"))].total == 2.0
    assert not series(registry, "http_reqs")  # no request was sent
