"""The start of a run imports what the run uses (issue #15: per core, a plain k6 script makes at least
k6's requests/s, start included): a plain `http.get` script or YAML flow loads no dashboard or HTML
report, no coordinator of worker processes and no executor it does not run; a script no PyYAML and
no GraphQL parser. The run itself is checked too: what the target received and the export's counts."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

from loadpy.demo import DemoServer
from tests.js.test_js_run import REPO, served

# loaded by the runs that use them only
NOT_AT_START = (
    "loadpy.dashboard.live",  # --dashboard
    "loadpy.report",  # --report, the dashboard's page
    "loadpy.workers.coordinator",  # --workers
    "h2",  # HTTP/2: a TLS connection whose ALPN chose it
    "orjson",  # --out json
    "xml.etree.ElementTree",  # --out junit
    "loadpy.executors.constant_arrival_rate",  # executors no scenario names
    "loadpy.executors.ramping_vus",
    "loadpy.executors.per_vu_iterations",
    "loadpy.executors.externally_controlled",  # (the REST API imports it with its first pause or scale)
    "tracemalloc",
)
# PyYAML reads scenario files; GraphQL's document parser is the YAML flows' `graphql` step's (registered
# with the other step kinds) and vu.graphql's
NOT_FOR_A_SCRIPT = (
    *("yaml", "loadpy.config.yaml_source", "loadpy.protocols.graphql.document", "loadpy.vu.graphql"),
    *("loadpy.k6lib.crypto", "loadpy.k6lib.encoding", "loadpy.js.jslib"),  # modules the script does not import
)

# `loadpy run` in this process, then the names of the modules it imported
RECORDER = """
import atexit, json, runpy, sys
out = sys.argv[1]
atexit.register(lambda: open(out, "w").write(json.dumps(sorted(sys.modules))))
sys.argv = ["loadpy", *sys.argv[2:]]
runpy.run_module("loadpy", run_name="__main__", alter_sys=True)
"""


def run_recorded(tmp_path: Path, name: str, text: str) -> tuple[int, str, dict[str, object], set[str]]:
    """(exit code, stderr, the summary export, the modules imported) of `loadpy run` of one file."""
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip())
    export, modules = tmp_path / "export.json", tmp_path / "modules.json"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    args = ["run", "-q", "--address", "", "--summary-export", str(export), str(path)]
    proc = subprocess.run(
        [sys.executable, "-c", RECORDER, str(modules), *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=tmp_path,
    )
    exported = json.loads(export.read_text()) if export.exists() else {}
    return proc.returncode, proc.stderr, exported, set(json.loads(modules.read_text()))


def test_a_plain_script_imports_only_what_it_runs(tmp_path: Path, demo_server: DemoServer) -> None:
    tag = uuid.uuid4().hex[:8]  # a path of its own: the session's demo target is shared
    code, stderr, export, modules = run_recorded(
        tmp_path,
        "plain.js",
        f"""
        import http from 'k6/http';
        import {{ check }} from 'k6';
        export const options = {{ vus: 2, iterations: 6 }};
        export default function () {{
          check(http.get('{demo_server.base_url}/items/{tag}'), {{ 'status is 200': (r) => r.status === 200 }});
        }}
        """,
    )
    assert code == 0, stderr
    assert served(demo_server, f"/items/{tag}") == 6
    assert export["metrics"]["http_reqs"]["count"] == 6  # type: ignore[index]
    assert export["root_group"]["checks"]["status is 200"]["passes"] == 6  # type: ignore[index]
    assert "loadpy.executors.shared_iterations" in modules  # (the recorder sees the run's imports)
    assert sorted(modules.intersection(NOT_AT_START + NOT_FOR_A_SCRIPT)) == []


def test_a_plain_yaml_flow_imports_only_what_it_runs(tmp_path: Path, demo_server: DemoServer) -> None:
    tag = uuid.uuid4().hex[:8]
    code, stderr, export, modules = run_recorded(
        tmp_path,
        "plain.yaml",
        f"""
        options:
          scenarios:
            s: {{executor: shared-iterations, vus: 2, iterations: 4}}
        flows:
          default:
            - request: {{url: "{demo_server.base_url}/items/{tag}"}}
        """,
    )
    assert code == 0, stderr
    assert served(demo_server, f"/items/{tag}") == 4
    assert export["metrics"]["http_reqs"]["count"] == 4  # type: ignore[index]
    assert "yaml" in modules
    assert sorted(modules.intersection(NOT_AT_START)) == []
