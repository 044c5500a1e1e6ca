"""A URL argument that is not a string: k6's `ToURL` refuses it (1020, `invalid URL: '#<Go %v>'`),
sends nothing and records no http_* sample. Expected texts are what k6 v1.1.0 printed for the same
script (udemy/scenarios.js in the corpus calls `http.get(x === 1)`, a boolean, then reads
`res.body.includes(...)`, which k6's empty body `[]` answers without a TypeError)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from loadpy.demo import DemoServer
from tests.js.test_js_run import run_js, served


def test_non_string_url_fails_with_1020_and_sends_nothing(tmp_path: Path, demo_server: DemoServer) -> None:
    run = run_js(
        tmp_path,
        f"""
        import http from 'k6/http';
        export default function () {{
          for (const u of [false, 123, null, undefined, {{b: 1, a: [true, "x"]}}, ["{demo_server.base_url}/a"]]) {{
            const res = http.get(u);
            console.log(JSON.stringify([res.status, res.error, res.error_code, res.url, res.body]));
          }}
          const bad = http.get("http://a b/");
          const refused = http.get("http://127.0.0.1:9/");
          console.log(JSON.stringify([bad.error_code, bad.url, bad.body, refused.body]));
          http.get("{demo_server.base_url}/url-arg-string");
        }}
        """,
        "--iterations",
        "1",
    )
    assert run.code == 0, run.stderr
    logged = [json.loads(json.loads(f'"{m}"')) for m in re.findall(r'msg="(\[.*?\])" source=console', run.stderr)]
    assert logged == [
        [0, "invalid URL: '#false'", 1020, "", []],
        [0, "invalid URL: '#123'", 1020, "", []],
        [0, "invalid URL: '#<nil>'", 1020, "", []],
        [0, "invalid URL: '#<nil>'", 1020, "", []],
        [0, "invalid URL: '#map[a:[true x] b:1]'", 1020, "", []],
        [0, f"invalid URL: '#[{demo_server.base_url}/a]'", 1020, "", []],
        [1020, "", [], None],  # a string URL Go cannot parse: also no URL and [], a refused one: null
    ]
    assert run.metric("http_reqs") == 2  # the refused connection and the good one  # the string URL only
    assert served(demo_server, "/a") == 0
    assert served(demo_server, "/url-arg-string") == 1
