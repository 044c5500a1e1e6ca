"""What a `loadpy run` imports before and after its requests (issue #17): a run pays the CPU of every
module it imports, so a plain HTTP flow or Python script must not load the JavaScript front end
(QuickJS, tree-sitter), `websockets`, the GraphQL client and document parser, HTTP/2, gzip or the email
package; a flow's ws / graphql steps import theirs when they compile or run. The real CLI runs in a
subprocess that records `sys.modules` at its exit (tests/js/test_js_start.py's recorder)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from loadpy.demo import DemoServer
from tests.js.test_js_run import REPO, served
from tests.js.test_js_start import RECORDER, run_recorded

pytestmark = pytest.mark.timeout(120)

# Packages (and loadpy modules) a run without ws, graphql, JS or a .gz output does without.
OPTIONAL = (
    *("websockets", "graphql", "quickjs", "_quickjs", "tree_sitter", "greenlet", "h2", "gzip", "email"),
    *("loadpy.js", "loadpy.protocols.ws", "loadpy.protocols.graphql.client", "loadpy.protocols.graphql.document"),
)


def optional_among(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if any(m == o or m.startswith(o + ".") for o in OPTIONAL))


def test_an_http_only_flow_imports_no_optional_front_end(tmp_path: Path, demo_server: DemoServer) -> None:
    tag = uuid.uuid4().hex[:8]  # paths of its own: the session's demo target is shared
    base = f"{demo_server.base_url}/items/{tag}"
    code, stderr, export, modules = run_recorded(
        tmp_path,
        "flow.yaml",
        f"""
        options:
          vus: 1
          iterations: 2
          thresholds:
            http_req_failed: ["rate==0"]
        flows:
          default:
            - group: shop
              steps:
                - request: {{url: "{base}-a", name: item}}
                  checks:
                    is 200: status == 200
            - if: vu == 1
              then:
                - request: {{method: POST, url: "{demo_server.base_url}/echo", json: {{a: 1}}}}
            - batch:
                - {{url: "{base}-b"}}
                - {{url: "{base}-c"}}
            - sleep: 0
        """,
    )
    assert code == 0, stderr
    assert [served(demo_server, f"/items/{tag}-{p}") for p in "abc"] == [2, 2, 2]
    assert export["metrics"]["http_reqs"]["count"] == 8  # type: ignore[index]
    assert export["metrics"]["checks"]["passes"] == 2  # type: ignore[index]
    # the recorder sees the run's own modules
    assert {"yaml", "loadpy.flows.runtime", "loadpy.protocols.http.client", "loadpy.summary.text"} <= modules
    assert optional_among(modules) == []


def test_a_python_script_with_http_only_imports_no_optional_front_end(tmp_path: Path, demo_server: DemoServer) -> None:
    tag = uuid.uuid4().hex[:8]
    code, stderr, export, modules = run_recorded(
        tmp_path,
        "script.py",
        f"""
        options = {{"vus": 1, "iterations": 3}}


        async def default(vu):
            res = await vu.http.get("{demo_server.base_url}/items/{tag}")
            vu.check(res, {{"is 200": lambda r: r.status == 200}})
        """,
    )
    assert code == 0, stderr
    assert served(demo_server, f"/items/{tag}") == 3
    assert export["metrics"]["http_reqs"]["count"] == 3  # type: ignore[index]
    assert export["metrics"]["checks"]["passes"] == 3  # type: ignore[index]
    assert {"loadpy.vu.api", "loadpy.vu.script", "loadpy.protocols.http.client"} <= modules
    assert optional_among(modules) == []


def test_ws_and_graphql_steps_import_their_clients_when_they_run(tmp_path: Path, demo_server: DemoServer) -> None:
    code, stderr, export, modules = run_recorded(
        tmp_path,
        "flow.yaml",
        f"""
        options: {{vus: 1, iterations: 1}}
        flows:
          default:
            - graphql:
                url: {demo_server.base_url}/graphql
                query: "query Hello {{ hello }}"
                expect: [hello]
            - ws:
                url: {demo_server.ws_url}/ws
                send: ["hi"]
                receive: 1
                timeout: 5s
              checks:
                echoed: messages == ["hi"]
        """,
    )
    assert code == 0, stderr
    # expect: [hello] adds four checks (status, no errors, has data, the path); the ws step's is `echoed`
    assert export["metrics"]["checks"]["passes"] == 5 + 1  # type: ignore[index]
    assert export["metrics"]["checks"]["fails"] == 0  # type: ignore[index]
    assert export["root_group"]["checks"]["echoed"]["passes"] == 1  # type: ignore[index]
    assert export["metrics"]["ws_sessions"]["count"] == 1  # type: ignore[index]
    assert {"websockets", "loadpy.protocols.ws.session", "loadpy.protocols.graphql.document"} <= modules
    assert not any(m == "loadpy.js" or m.startswith(("loadpy.js.", "quickjs", "tree_sitter")) for m in modules)


def test_a_bad_graphql_step_is_still_refused_before_any_request(tmp_path: Path, demo_server: DemoServer) -> None:
    """The graphql step's compiler imports the document parser as it compiles: the error stays a load error."""
    tag = uuid.uuid4().hex[:8]
    code, stderr, _, _ = run_recorded(
        tmp_path,
        "flow.yaml",
        f"""
        options: {{vus: 1, iterations: 1}}
        flows:
          default:
            - request: {{url: "{demo_server.base_url}/items/{tag}"}}
            - graphql:
                url: {demo_server.base_url}/graphql
                query: "{{ hello }}"
                expect: not a list
        """,
    )
    assert code == 104
    assert stderr.strip() == (
        f"loadpy: error: {tmp_path / 'flow.yaml'}, line 8, key 'flows.default[1].graphql.expect': "
        "expect takes a list of data paths like [user.id, user.name]"
    )
    assert served(demo_server, f"/items/{tag}") == 0


@pytest.mark.parametrize("command", ["version", "--help"])
def test_version_and_help_import_neither_asyncio_nor_the_vu_api(tmp_path: Path, command: str) -> None:
    modules_file = tmp_path / "modules.json"
    proc = subprocess.run(
        [sys.executable, "-c", RECORDER, str(modules_file), command],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("loadpy v" if command == "version" else "usage: loadpy")
    modules = set(json.loads(modules_file.read_text()))
    assert "loadpy.cli.main" in modules
    assert not {"asyncio", "loadpy.vu.api", "loadpy.protocols.http.client", "yaml"} & modules
