"""A subscription or ws step with an http:// URL is refused when the file is loaded (exit 104, file,
line, key), before any request: not a warning in every iteration of the run."""

from __future__ import annotations

from pathlib import Path

import pytest

from loadpy.demo import DemoServer
from tests.integration.cli.helpers import run_loadpy, write_scenario

pytestmark = pytest.mark.timeout(60)


@pytest.mark.parametrize(
    ("step", "scheme"),
    [("subscription", "http"), ("subscription", "https"), ("ws", "http"), ("subscription", "ftp")],
)
@pytest.mark.slow
def test_a_non_websocket_url_is_a_load_error(tmp_path: Path, demo_server: DemoServer, step: str, scheme: str) -> None:
    url = f"{scheme}://127.0.0.1:{demo_server.port}/graphql"
    body = 'query: "subscription { tick }"' if step == "subscription" else "receive: 1"
    scenario = write_scenario(
        tmp_path,
        f"""
        options: {{iterations: 2}}
        flows:
          default:
            - request: {{url: "{demo_server.base_url}/"}}
            - {step}:
                url: {url}
                {body}
    """,
    )
    demo_server.reset()
    out = run_loadpy(tmp_path, scenario)
    assert out.code == 104, out.stderr
    assert out.stderr.strip() == (
        f"loadpy: error: {scenario}, line 6, key 'flows.default[1].{step}.url': "
        f"the url must start with ws:// or wss://, got '{url}'"
    )
    assert demo_server.stats()["total"] == 0  # nothing was sent, not even the plain request
    assert out.export is None


@pytest.mark.slow
def test_a_templated_url_is_checked_once_resolved(tmp_path: Path, demo_server: DemoServer) -> None:
    scenario = write_scenario(
        tmp_path,
        f"""
        options: {{iterations: 1}}
        env: {{WS: "{demo_server.ws_url}"}}
        flows:
          default:
            - subscription:
                url: ${{WS}}/graphql
                query: "subscription {{ tick(count: 1, interval: 1) }}"
    """,
    )
    out = run_loadpy(tmp_path, scenario)
    assert out.code == 0, out.stderr
    assert out.export is not None and out.export["metrics"]["ws_sessions"]["count"] == 1
