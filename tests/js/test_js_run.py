"""`loadpy run script.js` end to end against the demo target: lifecycle, modules, errors and exit codes.

Each test writes a k6 script, runs the CLI in a subprocess and checks what a user sees (exit code,
the log line with file:line), what the summary export counts, and what the target received.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from loadpy.demo import DemoServer

REPO = Path(__file__).resolve().parents[2]


class Run:
    def __init__(self, proc: subprocess.CompletedProcess[str], export: Path) -> None:
        self.code = proc.returncode
        self.stdout = proc.stdout
        self.stderr = proc.stderr
        self.export: dict[str, Any] = json.loads(export.read_text()) if export.exists() else {}

    def metric(self, name: str, key: str = "count") -> Any:
        return self.export["metrics"][name][key]


def run_js(
    tmp_path: Path, script: str, *args: str, files: dict[str, str | bytes] | None = None, name: str = "script.js"
) -> Run:
    for rel, content in (files or {}).items():
        target = tmp_path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(textwrap.dedent(content).lstrip(), encoding="utf-8")
    path = tmp_path / name
    path.write_text(textwrap.dedent(script).lstrip(), encoding="utf-8")
    export = tmp_path / "export.json"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("BASE_URL", None)
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "loadpy",
            "run",
            "-q",
            "--address",
            "",
            "--summary-export",
            str(export),
            *args,
            str(path),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=tmp_path,
    )
    return Run(proc, export)


@pytest.fixture
def tag() -> str:
    """A path segment of its own per test: the session's demo target is shared."""
    return uuid.uuid4().hex[:8]


def served(server: DemoServer, path: str, *, prefix: bool = False) -> int:
    paths = server.stats()["paths"]
    return sum(n for p, n in paths.items() if p.startswith(path)) if prefix else int(paths.get(path, 0))


def test_lifecycle_setup_data_groups_checks_metrics_and_handle_summary(
    tmp_path: Path, demo_server: DemoServer, tag: str
) -> None:
    run = run_js(
        tmp_path,
        f"""
        import http from 'k6/http';
        import {{ check, group, sleep }} from 'k6';
        import {{ Counter, Trend }} from 'k6/metrics';
        const BASE = '{demo_server.base_url}';
        const orders = new Counter('orders');
        const latency = new Trend('my_latency', true);
        export const options = {{ vus: 2, iterations: 6, thresholds: {{ orders: ['count==6'] }} }};
        export function setup() {{
          http.get(`${{BASE}}/items/{tag}-setup`);
          return {{ token: 'abc', n: 2 }};
        }}
        export default function (data) {{
          group('shop', () => {{
            const res = http.get(`${{BASE}}/items/{tag}-iter`);
            check(res, {{ 'status 200': (r) => r.status === 200, 'has token': () => data.token === 'abc' }});
            latency.add(res.timings.duration);
          }});
          orders.add(1);
          sleep(0.01);
        }}
        export function teardown(data) {{
          http.get(`${{BASE}}/items/{tag}-teardown-${{data.token}}`);
        }}
        export function handleSummary(data) {{
          return {{
            'summary.json': JSON.stringify({{ iterations: data.metrics.iterations.values.count }}),
            stdout: 'custom summary\\n',
          }};
        }}
    """,
    )
    assert run.code == 0, run.stderr
    assert served(demo_server, f"/items/{tag}-setup") == 1
    assert served(demo_server, f"/items/{tag}-iter") == 6
    assert served(demo_server, f"/items/{tag}-teardown-abc") == 1
    assert run.stdout.endswith("custom summary\n")
    assert json.loads((tmp_path / "summary.json").read_text()) == {"iterations": 6}
    assert run.metric("iterations") == 6
    assert run.metric("orders") == 6
    assert run.metric("http_reqs") == 8
    assert set(run.export["metrics"]["my_latency"]) >= {"avg", "min", "med", "max", "p(90)", "p(95)"}
    shop = run.export["root_group"]["groups"]["shop"]
    assert shop["path"] == "::shop"
    assert {n: (c["passes"], c["fails"]) for n, c in shop["checks"].items()} == {
        "status 200": (6, 0),
        "has token": (6, 0),
    }
    assert run.export["metrics"]["orders"]["thresholds"] == {"count==6": False}


def test_an_exception_is_logged_with_file_and_line_and_the_next_iteration_runs(
    tmp_path: Path, demo_server: DemoServer, tag: str
) -> None:
    run = run_js(
        tmp_path,
        f"""
        import http from 'k6/http';
        export const options = {{ iterations: 3 }};
        function helper(x) {{
          return x.missing.deep;
        }}
        export default function () {{
          http.get('{demo_server.base_url}/items/{tag}');
          helper({{}});
          http.get('{demo_server.base_url}/items/{tag}-never');
        }}
    """,
    )
    assert run.code == 0, run.stderr
    assert served(demo_server, f"/items/{tag}") == 3
    assert served(demo_server, f"/items/{tag}-never") == 0
    assert run.metric("iterations") == 3
    script = tmp_path / "script.js"
    assert "TypeError: Cannot read property 'deep' of undefined" in run.stderr
    assert f"at helper (file://{script}:4)" in run.stderr
    assert f"at default (file://{script}:8)" in run.stderr
    assert run.stderr.count("TypeError") == 3


def test_fail_throws_and_the_iteration_still_counts(tmp_path: Path) -> None:
    run = run_js(
        tmp_path,
        """
        import { fail } from 'k6';
        export const options = { iterations: 2 };
        export default function () {
          fail('custom failure');
        }
    """,
    )
    assert run.code == 0
    assert run.metric("iterations") == 2
    assert run.stderr.count("GoError: custom failure") == 2


def test_init_error_exits_107_naming_file_and_line_and_sends_nothing(
    tmp_path: Path, demo_server: DemoServer, tag: str
) -> None:
    run = run_js(
        tmp_path,
        f"""
        import http from 'k6/http';
        export const options = {{ iterations: 1 }};
        const x = null;
        x.foo;
        export default function () {{ http.get('{demo_server.base_url}/items/{tag}'); }}
    """,
    )
    assert run.code == 107
    assert f"file://{tmp_path / 'script.js'}:4" in run.stderr
    assert "Traceback" not in run.stderr
    assert served(demo_server, f"/items/{tag}") == 0


def test_requests_in_init_code_are_refused(tmp_path: Path, demo_server: DemoServer, tag: str) -> None:
    run = run_js(
        tmp_path,
        f"""
        import http from 'k6/http';
        http.get('{demo_server.base_url}/items/{tag}');
        export default function () {{}}
    """,
    )
    assert run.code == 107
    assert "making http requests in the init context is not supported" in run.stderr
    assert served(demo_server, f"/items/{tag}") == 0


def test_setup_error_exits_107_and_runs_no_iteration(tmp_path: Path, demo_server: DemoServer, tag: str) -> None:
    run = run_js(
        tmp_path,
        f"""
        import http from 'k6/http';
        export const options = {{ iterations: 3 }};
        export function setup() {{
          throw new Error('no setup');
        }}
        export default function () {{ http.get('{demo_server.base_url}/items/{tag}'); }}
    """,
    )
    assert run.code == 107
    assert "Error: no setup" in run.stderr
    assert f"at setup (file://{tmp_path / 'script.js'}:4)" in run.stderr
    assert served(demo_server, f"/items/{tag}") == 0


def test_exec_test_abort_exits_108_and_counts_the_aborting_iteration(
    tmp_path: Path, demo_server: DemoServer, tag: str
) -> None:
    run = run_js(
        tmp_path,
        f"""
        import http from 'k6/http';
        import exec from 'k6/execution';
        export const options = {{ vus: 1, iterations: 5 }};
        export default function () {{
          http.get('{demo_server.base_url}/items/{tag}');
          if (__ITER === 1) {{
            exec.test.abort('stop now');
          }}
          http.get('{demo_server.base_url}/items/{tag}-after');
        }}
    """,
    )
    assert run.code == 108
    assert "test aborted: stop now" in run.stderr
    assert served(demo_server, f"/items/{tag}") == 2
    assert served(demo_server, f"/items/{tag}-after") == 1
    assert run.metric("iterations") == 2


def test_exec_test_fail_exits_110_after_the_run(tmp_path: Path) -> None:
    run = run_js(
        tmp_path,
        """
        import exec from 'k6/execution';
        export const options = { iterations: 2 };
        export default function () { exec.test.fail('bad'); }
    """,
    )
    assert run.code == 110
    assert run.metric("iterations") == 2


def test_local_modules_es_and_commonjs_open_and_shared_array(tmp_path: Path) -> None:
    run = run_js(
        tmp_path,
        """
        import { check } from 'k6';
        import { SharedArray } from 'k6/data';
        import exec from 'k6/execution';
        import twice, { NAME } from './lib/math.js';
        import * as all from './lib/math.js';
        const legacy = require('./lib/legacy.js');
        const users = new SharedArray('users', () => JSON.parse(open('./data/users.json')));
        const blob = open('./data/blob.bin', 'b');
        export const options = { vus: 2, iterations: 4 };
        export default function () {
          const u = users[exec.vu.idInTest - 1];
          const bytes = new Uint8Array(blob);
          check(null, {
            'default import': () => twice(21) === 42,
            'named and namespace': () => NAME === 'math' && all.NAME === 'math' && all.default === twice,
            'commonjs': () => legacy.greet('k6') === 'hello k6',
            'shared array': () => users.length === 2 && u.name === ['ann', 'bob'][exec.vu.idInTest - 1],
            'shared array is read-only': () => { try { users[0] = 1; return false; } catch (e) { return true; } },
            'binary open keeps NUL bytes': () => bytes.length === 4 && bytes[0] === 0 && bytes[3] === 255,
          });
        }
    """,
        files={
            "lib/math.js": """
            export const NAME = 'math';
            export default function twice(x) { return x * 2; }
        """,
            "lib/legacy.js": """
            module.exports = { greet: (who) => `hello ${who}` };
        """,
            "data/users.json": '[{"name": "ann"}, {"name": "bob"}]',
            "data/blob.bin": b"\x00\x01\x02\xff",
        },
    )
    assert run.code == 0, run.stderr
    checks = run.export["root_group"]["checks"]
    assert {n: (c["passes"], c["fails"]) for n, c in checks.items()} == {n: (4, 0) for n in checks}
    assert len(checks) == 6


def test_remote_import_fails_naming_the_url(tmp_path: Path) -> None:
    run = run_js(
        tmp_path,
        """
        import { expect } from 'https://jslib.k6.io/k6chaijs/4.3.4.3/index.js';
        export default function () {}
    """,
    )
    assert run.code == 107
    assert f"{tmp_path / 'script.js'}:1: cannot import https://jslib.k6.io/k6chaijs/4.3.4.3/index.js" in run.stderr


def test_unknown_k6_module_and_missing_file_name_the_import(tmp_path: Path) -> None:
    run = run_js(
        tmp_path,
        """
        import { nope } from 'k6/unknown';
        export default function () {}
    """,
    )
    assert run.code == 107
    assert "script.js:1: unknown module: k6/unknown" in run.stderr
    run = run_js(
        tmp_path,
        """
        export { x } from './missing.js';
        export default function () {}
    """,
    )
    assert run.code == 107
    assert "script.js:1: cannot import ./missing.js" in run.stderr


def test_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    run = run_js(
        tmp_path,
        """
        export default function () {
          let a = ;
        }
    """,
    )
    assert run.code == 107
    assert "script.js:2:" in run.stderr and "SyntaxError" in run.stderr
    assert "Traceback" not in run.stderr


def test_script_options_feed_the_config_pipeline_and_cli_flags_win(tmp_path: Path) -> None:
    script = """
        export const options = { vus: 2, iterations: 4, tags: { team: 'qa' } };
        export default function () {}
    """
    assert run_js(tmp_path, script).metric("iterations") == 4
    assert run_js(tmp_path, script, "--iterations", "3").metric("iterations") == 3
    bad = run_js(
        tmp_path,
        """
        export const options = { vus: 'many' };
        export default function () {}
    """,
    )
    assert bad.code == 104
    assert "script.js, key 'options.vus': expected a whole number, got string 'many'" in bad.stderr
    assert "Traceback" not in bad.stderr


def test_init_code_runs_per_vu_and_again_for_setup_teardown_and_summary(tmp_path: Path) -> None:
    run = run_js(
        tmp_path,
        """
        console.log(`init ${__VU}`);
        export const options = { vus: 3, iterations: 3 };
        export function setup() {}
        export default function () {}
        export function teardown() {}
        export function handleSummary() { return {}; }
    """,
    )
    assert run.code == 0
    inits = sorted(line.split("init ")[1][0] for line in run.stderr.splitlines() if "init " in line)
    assert inits == ["0", "0", "0", "0", "1", "2", "3"]  # as k6 v1.1: options, 3 VUs, setup, teardown, summary


def test_env_vu_iter_and_named_scenario_functions(tmp_path: Path, demo_server: DemoServer, tag: str) -> None:
    run = run_js(
        tmp_path,
        f"""
        import http from 'k6/http';
        import exec from 'k6/execution';
        export const options = {{
          scenarios: {{
            shop: {{ executor: 'per-vu-iterations', vus: 2, iterations: 2, exec: 'shop', env: {{ AREA: 'x' }} }},
          }},
        }};
        export function shop() {{
          http.get(`${{__ENV.TARGET}}/items/{tag}-${{__ENV.AREA}}-${{__VU}}-${{__ITER}}-${{exec.scenario.name}}`);
        }}
    """,
        "-e",
        f"TARGET={demo_server.base_url}",
    )
    assert run.code == 0, run.stderr
    paths = {p for p in demo_server.stats()["paths"] if tag in p}
    assert paths == {f"/items/{tag}-x-{vu}-{it}-shop" for vu in (1, 2) for it in (0, 1)}


def test_http_verbs_bodies_batch_and_expected_statuses(tmp_path: Path, demo_server: DemoServer, tag: str) -> None:
    run = run_js(
        tmp_path,
        f"""
        import http from 'k6/http';
        import {{ check }} from 'k6';
        const B = '{demo_server.base_url}';
        export const options = {{ iterations: 1 }};
        export default function () {{
          const json = {{ headers: {{ 'Content-Type': 'application/json' }} }};
          const echo = http.post(`${{B}}/echo`, JSON.stringify({{ a: 1 }}), json);
          const form = http.put(`${{B}}/echo`, {{ b: 'x y', a: '1' }});
          const missing = http.get(`${{B}}/status/404`, {{ responseCallback: http.expectedStatuses(404) }});
          const res = http.batch([
            `${{B}}/items/{tag}-1`, ['GET', `${{B}}/items/{tag}-2`], {{ method: 'GET', url: `${{B}}/items/{tag}-3` }},
          ]);
          check(null, {{
            'json body': () => echo.json('a') === 1 && echo.status === 200,
            'form body sorted': () => form.body === 'a=1&b=x+y',
            '404 expected': () => missing.status === 404,
            'batch in order': () => res.length === 3 && res.every((r) => r.status === 200),
            'request echo': () => echo.request.method === 'POST',
          }});
        }}
    """,
    )
    assert run.code == 0, run.stderr
    checks = run.export["root_group"]["checks"]
    assert {n: c["fails"] for n, c in checks.items()} == {n: 0 for n in checks}, checks
    assert served(demo_server, f"/items/{tag}-", prefix=True) == 3
    assert run.metric("http_req_failed", "passes") == 0  # the 404 was expected


def test_response_fields_read_lazily_stay_readable_in_the_next_iteration(
    tmp_path: Path, demo_server: DemoServer, tag: str
) -> None:
    run = run_js(
        tmp_path,
        f"""
        import http from 'k6/http';
        import {{ check }} from 'k6';
        export const options = {{ vus: 1, iterations: 3 }};
        let last = null;
        export default function () {{
          if (last !== null) {{
            check(last, {{
              'earlier body': (r) => r.json('id') === '{tag}-' + (__ITER - 1),
              'earlier timings': (r) => r.timings.duration >= 0 && r.headers['Content-Type'] !== undefined,
            }});
          }}
          last = http.get('{demo_server.base_url}/items/{tag}-' + __ITER);
        }}
    """,
    )
    assert run.code == 0, run.stderr
    checks = run.export["root_group"]["checks"]
    assert {n: (c["passes"], c["fails"]) for n, c in checks.items()} == {
        "earlier body": (2, 0),
        "earlier timings": (2, 0),
    }


def test_a_hard_stop_interrupts_a_sleeping_iteration_which_is_not_counted(tmp_path: Path) -> None:
    started = time.monotonic()
    run = run_js(
        tmp_path,
        """
        import { check, group, sleep } from 'k6';
        export const options = {
          scenarios: { s: { executor: 'constant-vus', vus: 2, duration: '1s', gracefulStop: '0s' } },
        };
        export default function () {
          group('g', () => {
            try { sleep(30); } catch (e) { check(null, { 'after the stop': () => true }); console.log('after'); }
          });
        }
    """,
    )
    assert run.code == 0, run.stderr
    assert time.monotonic() - started < 20  # not the 30 s sleep
    metrics = run.export["metrics"]
    assert "iterations" not in metrics  # interrupted iterations are not counted (k6)
    assert "checks" not in metrics and "group_duration" not in metrics  # no code of the iteration runs on
    assert "after" not in run.stderr


def test_multipart_file_upload_and_cookies_param_reach_the_server(tmp_path: Path, demo_server: DemoServer) -> None:
    run = run_js(
        tmp_path,
        f"""
        import http from 'k6/http';
        import {{ check }} from 'k6';
        export const options = {{ iterations: 1 }};
        const bin = new Uint8Array([0, 1, 255]).buffer;
        export default function () {{
          const form = {{ field: 'v', file: http.file(bin, 'a.bin', 'application/x') }};
          const up = http.post('{demo_server.base_url}/echo', form, {{ responseType: 'binary' }});
          const sent = up.request.headers['Content-Type'][0];
          const boundary = sent.split('boundary=')[1];
          const bytes = new Uint8Array(up.body);
          const text = String.fromCharCode.apply(null, bytes);
          const cookies = {{ a: '1', b: {{ value: '2' }} }};
          const seen = JSON.parse(http.get('{demo_server.base_url}/headers', {{ cookies }}).body);
          check(null, {{
            'multipart content type': () => sent.startsWith('multipart/form-data; boundary='),
            'field part': () => text.includes('name="field"\\r\\n\\r\\nv\\r\\n'),
            'file part keeps its bytes': () => text.includes(
              'filename="a.bin"\\r\\nContent-Type: application/x\\r\\n\\r\\n\\u0000\\u0001\\u00ff\\r\\n'),
            'closing boundary': () => text.endsWith(`--${{boundary}}--\\r\\n`),
            'cookies header': () => seen.Cookie === 'a=1; b=2',
          }});
        }}
    """,
    )
    assert run.code == 0, run.stderr
    checks = run.export["root_group"]["checks"]
    assert {n: c["fails"] for n, c in checks.items()} == {n: 0 for n in checks} and len(checks) == 5, checks


def test_k6_execution_reports_vu_scenario_instance_and_tags(tmp_path: Path) -> None:
    run = run_js(
        tmp_path,
        """
        import exec from 'k6/execution';
        import { check, group } from 'k6';
        export const options = {
          tags: { team: 'qa' },
          scenarios: { main: { executor: 'per-vu-iterations', vus: 2, iterations: 2 } },
        };
        export default function () {
          const vu = exec.vu;
          group('g', () => {
            check(null, {
              'vu ids': () => vu.idInTest === __VU && vu.idInInstance === __VU,
              'iteration counters': () => vu.iterationInInstance === __ITER && vu.iterationInScenario === __ITER,
              'scenario': () => exec.scenario.name === 'main' && exec.scenario.executor === 'per-vu-iterations',
              'instance': () => exec.instance.vusInitialized === 2 && exec.instance.vusActive >= 1,
              'tags': () => exec.vu.tags.scenario === 'main' && exec.vu.tags.team === 'qa'
                && exec.vu.tags.group === '::g',
              'options': () => exec.test.options.scenarios.main.vus === 2,
              'tags can be set': () => { exec.vu.tags.x = 'y'; return exec.vu.metrics.tags.x === 'y'; },
            });
          });
        }
    """,
    )
    assert run.code == 0, run.stderr
    checks = run.export["root_group"]["groups"]["g"]["checks"]
    assert {n: (c["passes"], c["fails"]) for n, c in checks.items()} == {n: (4, 0) for n in checks}
    assert len(checks) == 7


def test_async_default_with_async_requests(tmp_path: Path, demo_server: DemoServer, tag: str) -> None:
    run = run_js(
        tmp_path,
        f"""
        import http from 'k6/http';
        import {{ check }} from 'k6';
        export const options = {{ iterations: 2 }};
        export default async function () {{
          const [a, b] = await Promise.all([
            http.asyncRequest('GET', '{demo_server.base_url}/items/{tag}-a'),
            http.asyncRequest('GET', '{demo_server.base_url}/items/{tag}-b'),
          ]);
          check(null, {{ 'both 200': () => a.status === 200 && b.status === 200 }});
          if (__ITER === 1) {{
            throw new Error('async boom');
          }}
        }}
    """,
    )
    assert run.code == 0, run.stderr
    assert served(demo_server, f"/items/{tag}-a") == 2 and served(demo_server, f"/items/{tag}-b") == 2
    assert run.metric("iterations") == 2
    assert run.export["root_group"]["checks"]["both 200"]["passes"] == 2
    # logfmt (stderr is not a terminal), as k6 writes it: the message's newline and tab escaped
    assert f"Uncaught (in promise) Error: async boom\\n\\tat default (file://{tmp_path / 'script.js'}:11)" in run.stderr


def test_timers_run_before_the_iteration_ends(tmp_path: Path) -> None:
    # k6 v1.1 on this script: ticks 26, iterations 2, iteration_duration min ~352 ms
    run = run_js(
        tmp_path,
        """
        import { Counter } from 'k6/metrics';
        import { setInterval, clearInterval } from 'k6/timers';
        const ticks = new Counter('ticks');
        export const options = { iterations: 2 };
        export default async function () {
          await new Promise((resolve) => setTimeout(resolve, 200));
          let n = 0;
          const id = setInterval(() => { ticks.add(1); if (++n === 3) clearInterval(id); }, 50);
          setTimeout(() => ticks.add(10), 10);
        }
    """,
    )
    assert run.code == 0, run.stderr
    assert run.metric("ticks") == 26
    assert run.metric("iterations") == 2
    assert run.export["metrics"]["iteration_duration"]["min"] >= 349  # 200 ms + 3 x 50 ms, in the iteration
