"""The JS front end's fast paths behave as the general ones (issue #15).

`http.get(url)` without params crosses to Python with no options and reuses the prepared request
for that URL (shared by the VUs, bounded: `loadpy.vu.core.PREPARED_LIMIT`); a function that returns
with no promise, no job and no timer skips the timer crossing; the prelude is compiled with "use strip", so its frames
carry no location and are hidden from a rendered stack.
"""

from __future__ import annotations

import uuid
from pathlib import Path

from loadpy.demo import DemoServer
from loadpy.vu.core import PREPARED_LIMIT
from tests.js.test_js_run import run_js, served


def test_plain_requests_reach_their_own_urls_past_the_prepared_cache_bound(
    tmp_path: Path, demo_server: DemoServer
) -> None:
    tag = uuid.uuid4().hex[:8]  # a path segment of its own: the session's demo target is shared
    distinct = PREPARED_LIMIT + 6  # more URLs than are kept prepared: the rest are prepared per call
    run = run_js(
        tmp_path,
        f"""
        import http from 'k6/http';
        import {{ check }} from 'k6';
        const B = '{demo_server.base_url}/items/{tag}-';
        export const options = {{ vus: 1, iterations: 2 }};
        export default function () {{
          let right = 0;
          for (let i = 0; i < {distinct}; i++) {{
            const res = http.get(B + i);
            if (res.status === 200 && res.url === B + i && res.json('id') === '{tag}-' + i) right++;
          }}
          const again = http.request('GET', B + 0, null);
          const bad = http.get('http://');
          check(null, {{
            'every plain response is its own URL': () => right === {distinct},
            'the first URL again': () => again.url === B + 0 && again.status === 200,
            'a bad URL fails every time': () => bad.status === 0 && bad.error_code === 1000,
          }});
        }}
    """,
    )
    assert run.code == 0, run.stderr
    checks = run.export["root_group"]["checks"]
    assert {n: (c["passes"], c["fails"]) for n, c in checks.items()} == {
        "every plain response is its own URL": (2, 0),
        "the first URL again": (2, 0),
        "a bad URL fails every time": (2, 0),
    }
    assert served(demo_server, f"/items/{tag}-0") == 4
    assert all(served(demo_server, f"/items/{tag}-{i}") == 2 for i in range(1, distinct))
    assert run.metric("http_reqs") == 2 * (distinct + 2)  # as k6: the no-Host URL counts as a (failed) request


def test_a_plain_function_that_sets_a_timer_waits_for_it(tmp_path: Path) -> None:
    run = run_js(
        tmp_path,
        """
        import { Counter } from 'k6/metrics';
        const fired = new Counter('fired');
        export const options = { vus: 1, iterations: 3 };
        export default function () {
          setTimeout(() => fired.add(1), 120);
        }
    """,
    )
    assert run.code == 0, run.stderr
    assert run.metric("fired") == 3
    assert run.metric("iterations") == 3
    assert run.export["metrics"]["iteration_duration"]["min"] >= 119  # the timer ran inside the iteration


def test_stripped_prelude_frames_stay_hidden_from_a_rendered_stack(tmp_path: Path) -> None:
    run = run_js(
        tmp_path,
        """
        import { check, group } from 'k6';
        export const options = { iterations: 1 };
        function boom() { throw new Error('boom'); }
        export default function () {
          group('g', () => {
            check(1, { 'throws': () => boom() });
          });
        }
    """,
    )
    assert run.code == 0, run.stderr
    path = tmp_path / "script.js"
    expected = (
        f"Error: boom\\n\\tat boom (file://{path}:3)\\n\\tat throws (file://{path}:6)"
        f"\\n\\tat file://{path}:6\\n\\tat default (file://{path}:7)"
    )
    assert f'msg="{expected}"' in run.stderr, run.stderr
