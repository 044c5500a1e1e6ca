"""What a `loadpy run` imports before and after its requests (issue #17): a run pays the CPU of every
module it imports, so a plain HTTP run must not load the JavaScript front end (QuickJS, tree-sitter),
`websockets`, the GraphQL client and document parser, HTTP/2, gzip or the email package. Each run is the
real CLI in a subprocess under `python -X importtime`, whose stderr names every module imported; the
runs that do use ws / graphql steps show those modules arrive when the step needs them."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from loadpy.demo import DemoServer
from tests.integration.cli.helpers import RunOutcome, metric, subprocess_env, write_scenario

pytestmark = pytest.mark.timeout(120)

# Top-level packages / loadpy modules a run without ws, graphql, JS or .gz output does without.
OPTIONAL = (
    "websockets",
    "graphql",
    "quickjs",
    "_quickjs",
    "tree_sitter",
    "h2",
    "gzip",
    "email",
    "loadpy.js",
    "loadpy.protocols.ws",
    "loadpy.protocols.graphql.client",
    "loadpy.protocols.graphql.document",
)
_IMPORT_LINE = re.compile(r"^import time:\s+\d+ \|\s+\d+ \|\s*(\S+)\s*$", re.MULTILINE)


def run_with_importtime(tmp_path: Path, *args: str) -> tuple[RunOutcome, set[str]]:
    """`loadpy <args>` under -X importtime: the outcome (its summary export for `run`) and the modules imported."""
    export = tmp_path / "export.json"
    export.unlink(missing_ok=True)
    extra = ("-q", "--address", "", "--summary-export", str(export)) if args[0] == "run" else ()
    cmd = [sys.executable, "-X", "importtime", "-m", "loadpy", args[0], *extra, *args[1:]]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60, env=subprocess_env(), cwd=tmp_path)
    modules = set(_IMPORT_LINE.findall(proc.stderr))
    stderr = "\n".join(line for line in proc.stderr.splitlines() if not line.startswith("import time:"))
    data = json.loads(export.read_text()) if export.exists() else None
    return RunOutcome(proc.returncode, proc.stdout, stderr, data), modules


def optional_among(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if any(m == o or m.startswith(o + ".") for o in OPTIONAL))


def test_an_http_only_flow_imports_no_optional_front_end(tmp_path: Path, demo_server: DemoServer) -> None:
    demo_server.reset()
    scenario = write_scenario(
        tmp_path,
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
                - request: {{url: "{demo_server.base_url}/json", name: item}}
                  checks:
                    has items: json["items"] == [1, 2, 3]
            - if: vu == 1
              then:
                - request: {{method: POST, url: "{demo_server.base_url}/echo", json: {{a: 1}}}}
            - batch:
                - {{url: "{demo_server.base_url}/"}}
                - {{url: "{demo_server.base_url}/headers"}}
            - sleep: 0
        """,
    )
    out, modules = run_with_importtime(tmp_path, "run", str(scenario))
    assert out.code == 0, out.stderr
    assert out.export is not None
    assert metric(out.export, "http_reqs", "count") == 8
    assert int(demo_server.stats()["total"]) == 8
    assert metric(out.export, "checks", "passes") == 2
    # the run's own modules are listed (the parse below can see what was imported)
    assert {"yaml", "loadpy.flows.runtime", "loadpy.protocols.http.client", "loadpy.summary.text"} <= modules
    assert optional_among(modules) == []


def test_a_python_script_with_http_only_imports_no_optional_front_end(tmp_path: Path, demo_server: DemoServer) -> None:
    demo_server.reset()
    script = write_scenario(
        tmp_path,
        f"""
        options = {{"vus": 1, "iterations": 3}}


        async def default(vu):
            res = await vu.http.get("{demo_server.base_url}/cookies/set?session=abc")
            vu.check(res, {{"is 200": lambda r: r.status == 200}})
        """,
        name="script.py",
    )
    out, modules = run_with_importtime(tmp_path, "run", str(script))
    assert out.code == 0, out.stderr
    assert out.export is not None
    assert metric(out.export, "http_reqs", "count") == 3
    assert metric(out.export, "checks", "passes") == 3
    assert {"loadpy.vu.api", "loadpy.vu.script", "loadpy.protocols.http.client"} <= modules
    assert optional_among(modules) == []


def test_ws_and_graphql_steps_import_their_clients_when_they_run(tmp_path: Path, demo_server: DemoServer) -> None:
    scenario = write_scenario(
        tmp_path,
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
    out, modules = run_with_importtime(tmp_path, "run", str(scenario))
    assert out.code == 0, out.stderr
    assert out.export is not None
    # expect: [hello] adds four checks (status, no errors, has data, the path); the ws step's is `echoed`
    assert metric(out.export, "checks", "passes") == 5 + 1
    assert metric(out.export, "checks", "fails") == 0
    assert out.export["root_group"]["checks"]["echoed"]["passes"] == 1
    assert metric(out.export, "ws_sessions", "count") == 1
    assert {"websockets", "loadpy.protocols.ws.session", "loadpy.protocols.graphql.document"} <= modules
    assert not any(m == "loadpy.js" or m.startswith(("loadpy.js.", "quickjs", "tree_sitter")) for m in modules)


def test_a_bad_graphql_step_is_still_refused_before_any_request(tmp_path: Path, demo_server: DemoServer) -> None:
    """The graphql step's compiler imports the document parser when it compiles: the error stays a load error."""
    demo_server.reset()
    scenario = write_scenario(
        tmp_path,
        f"""
        options: {{vus: 1, iterations: 1}}
        flows:
          default:
            - request: {{url: "{demo_server.base_url}/"}}
            - graphql:
                url: {demo_server.base_url}/graphql
                query: "{{ hello }}"
                expect: not a list
        """,
    )
    out, _ = run_with_importtime(tmp_path, "run", str(scenario))
    assert out.code == 104
    assert out.stderr.strip() == (
        f"loadpy: error: {scenario}, line 8, key 'flows.default[1].graphql.expect': "
        "expect takes a list of data paths like [user.id, user.name]"
    )
    assert int(demo_server.stats()["total"]) == 0


def test_version_and_help_import_neither_asyncio_nor_the_vu_api(tmp_path: Path) -> None:
    for command in ("version", "--help"):
        out, modules = run_with_importtime(tmp_path, command)
        assert out.code == 0, out.stderr
        assert "loadpy.cli.main" in modules
        assert not {"asyncio", "loadpy.vu.api", "loadpy.protocols.http.client", "yaml"} & modules, command
