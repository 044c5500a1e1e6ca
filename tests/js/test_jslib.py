"""jslib.k6.io libraries built in (loadpy/js/jslib.py, jslib.js): the same script through the real k6
binary (which fetches the jslib) and through loadpy, compared line for line; and what the local
server received from the instrumented requests."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from loadpy.demo import DemoServer
from loadpy.js.jslib import papaparse_parse
from tests.unit.k6lib.oracle import k6_binary

REPO = Path(__file__).resolve().parents[2]
DATA = Path(__file__).parent / "data"

# handleSummary keeps what does not depend on timing or on the client's own bytes: the text of
# both tools is then comparable byte for byte (counters get a fixed rate).
SUMMARY_SCRIPT = """
import http from 'k6/http';
import {{ check, group }} from 'k6';
import {{ Trend, Counter, Gauge }} from 'k6/metrics';
import {{ textSummary, jUnit, humanizeValue }} from 'https://jslib.k6.io/k6-summary/0.0.2/index.js';
const sizes = new Trend('sizes');
const waits = new Trend('waits', true);
const things = new Counter('things');
const level = new Gauge('level');
export const options = {{
  iterations: 6, vus: 1,
  thresholds: {{
    http_req_failed: ['rate<0.5'], sizes: ['p(95)<4', 'max<100'], 'sizes{{kind:big}}': ['avg>1'],
    checks: ['rate>0.9'], 'waits{{kind:big}}': ['max<1000'],
  }},
}};
export default function () {{
  const res = http.get('{base}/status/' + (__ITER % 3 === 0 ? 404 : 200));
  group('outer', () => {{
    check(res, {{ 'is 200': (r) => r.status === 200 }});
    group('inner <x>', () => {{ check(1, {{ 'always': () => true }}); }});
  }});
  check(res, {{ 'has body & "quotes"': (r) => r.body !== null }});
  sizes.add(__ITER + 1, {{ kind: __ITER > 1 ? 'big' : 'small' }});
  waits.add(1234.5678 * (__ITER + 1), {{ kind: 'big' }});
  things.add(3);
  level.add(__ITER);
}}
export function handleSummary(data) {{
  for (const name of Object.keys(data.metrics)) {{
    const m = data.metrics[name];
    const timed = /^(http_req_(duration|blocked|connecting|tls|sending|waiting|receiving)|iteration_|group_)/;
    if (timed.test(name) || name.startsWith('data_')) delete data.metrics[name];
    else if (m.type === 'counter') m.values.rate = m.values.count / 4;
  }}
  const out = [
    textSummary(data, {{ indent: ' ', enableColors: false }}),
    textSummary(data, {{ indent: '>>', enableColors: true, summaryTimeUnit: 's' }}),
    textSummary(data, {{ enableColors: false, summaryTrendStats: ['min', 'p(95)', 'max'] }}),
    jUnit(data), jUnit(data, {{ name: 'my <suite>' }}),
    humanizeValue(1536, {{ type: 'counter', contains: 'data' }}),
    humanizeValue(0.12345, {{ type: 'rate', contains: 'default' }}),
    humanizeValue(65432.1, {{ type: 'trend', contains: 'time' }}, 'ms'),
  ];
  return {{ stdout: out.join('\\n----\\n') + '\\n' }};
}}
"""


def run(command: list[str], script: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    # never the copies of LOADPY_JSLIB_DIR: they would stand in for the built-in libraries under test
    env = {**{k: v for k, v in os.environ.items() if k != "LOADPY_JSLIB_DIR"}, "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [*command, "run", "-q", "--address", "", "--log-format", "raw", *extra, str(script)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=script.parent,
    )


def _sorted_cases(section: str) -> list[str]:
    """A JUnit report with its test cases in sorted order: k6 lists metrics in Go's random map order."""
    head, _, rest = section.partition("<testcase")
    return [head, *sorted(("<testcase" + rest).replace("</testsuite >", "\n</testsuite >").splitlines())]


def test_text_summary_and_junit_are_k6s_byte_for_byte(tmp_path: Path, demo_server: DemoServer) -> None:
    script = tmp_path / "summary.js"
    script.write_text(textwrap.dedent(SUMMARY_SCRIPT.format(base=demo_server.base_url)).lstrip(), encoding="utf-8")
    got = run([sys.executable, "-m", "loadpy"], script)
    # k6 v1.1.0 running this script with the jslib's own k6-summary/0.0.2/index.js (imported from a
    # local copy: this machine has no route to jslib.k6.io), recorded once; run live when a copy is at
    # $LOADPY_JSLIB_DIR/jslib.k6.io/k6-summary/0.0.2/index.js
    expected = (DATA / "k6_summary_jslib_0.0.2.txt").read_text(encoding="utf-8")
    copy = Path(os.environ.get("LOADPY_JSLIB_DIR", "/nonexistent")) / "jslib.k6.io/k6-summary/0.0.2/index.js"
    if copy.is_file():
        for_k6 = tmp_path / "k6.js"
        for_k6.write_text(script.read_text().replace("https://jslib.k6.io/k6-summary/0.0.2/index.js", str(copy)))
        live = run([k6_binary()], for_k6)
        assert live.returncode == 99, live.stderr
        expected = live.stdout
    assert got.returncode == 99, got.stderr  # the `checks`, `sizes` and `waits{kind:big}` thresholds fail
    got_sections, expected_sections = got.stdout.split("\n----\n"), expected.split("\n----\n")
    assert got_sections[:3] == expected_sections[:3]  # the three textSummary renderings, byte for byte
    assert [_sorted_cases(s) for s in got_sections[3:5]] == [_sorted_cases(s) for s in expected_sections[3:5]]
    assert got_sections[5:] == expected_sections[5:]  # humanizeValue
    assert "     █ outer\n\n       ✗ is 200\n        ↳  66% — ✓ 4 / ✗ 2\n" in got.stdout
    assert "     ✓ { kind:big }" in got.stdout and '<testsuite name="my &lt;suite&gt;"' in got.stdout


def test_instrumented_requests_carry_the_trace_and_baggage_headers(tmp_path: Path, demo_server: DemoServer) -> None:
    script = tmp_path / "traced.js"
    script.write_text(
        textwrap.dedent(
            f"""
            import http from 'k6/http';
            import tempo from 'https://jslib.k6.io/http-instrumentation-tempo/1.0.0/index.js';
            import pyroscope from 'https://jslib.k6.io/http-instrumentation-pyroscope/1.0.1/index.js';
            export const options = {{ iterations: 1 }};
            // res.request.headers by lower-case name (both canonicalise it: Uber-Trace-Id)
            const sent = (res, name) =>
              Object.entries(res.request.headers).find(([k]) => k.toLowerCase() === name)[1][0];
            export default function () {{
              const traced = new tempo.Client({{ propagator: 'jaeger', sampling: 0 }});
              const a = traced.post('{demo_server.base_url}/echo', 'x', {{ headers: {{ 'X-Own': '1' }} }});
              console.log('jaeger', sent(a, 'uber-trace-id'), sent(a, 'x-own'));
              tempo.instrumentHTTP({{ propagator: 'w3c' }});
              const b = http.get('{demo_server.base_url}/get');
              console.log('w3c', sent(b, 'traceparent'));
              pyroscope.instrumentHTTP();
              const c = http.get('{demo_server.base_url}/get', {{ tags: {{ name: 'named' }} }});
              console.log('baggage', sent(c, 'baggage'));
              try {{ tempo.instrumentHTTP({{ propagator: 'nope' }}); }} catch (e) {{ console.log('thrown', e); }}
            }}
            """
        ).lstrip(),
        encoding="utf-8",
    )
    proc = run([sys.executable, "-m", "loadpy"], script, "--no-summary")
    lines = dict(line.split(" ", 1) for line in proc.stdout.splitlines() + proc.stderr.splitlines() if " " in line)
    assert proc.returncode == 0, proc.stderr
    trace_id, span, flags = lines["jaeger"].split(" ")[0].split(":")[0], *lines["jaeger"].split(":")[1:3]
    assert len(trace_id) == 32 and trace_id.startswith("dc0718") and len(span) == 8 and flags == "0"
    assert lines["jaeger"].endswith(":0 1")  # sampling 0: not sampled; the script's own header kept
    version, w3c_id, parent, sampled = lines["w3c"].split("-")
    assert (version, len(w3c_id), len(parent), sampled) == ("00", 32, 16, "01") and w3c_id.startswith("dc0718")
    assert lines["baggage"] == "k6.test_run_id=undefined, k6.scenario=default, k6.name=named"
    assert lines["thrown"] == "unknown propagator: nope"


# papaparse 5.1.1 itself (jslib.k6.io/papaparse/5.1.1, run through LOADPY_JSLIB_DIR) gave the results in
# data/papaparse_5.1.1.jsonl, one line per case
PAPAPARSE_INPUTS = [
    ('a,b\n1,"x, y"\n', {"header": True}),
    ("n;t;e\r\n1.5;true;\r\n", {"dynamicTyping": True, "skipEmptyLines": True}),
    ("a\tb\n1\t2\n\n3\t4\t5", {"header": True}),
    ("a,b\n  , \n1,2", {"skipEmptyLines": "greedy"}),
    ('x|y\n"q""q"|2', {}),
    ("a,b\n1e3,-2\n.5,FALSE", {"dynamicTyping": True, "header": True}),
]
PAPAPARSE_CASES = [
    (text, config, expected)
    for (text, config), expected in zip(
        PAPAPARSE_INPUTS, (DATA / "papaparse_5.1.1.jsonl").read_text(encoding="utf-8").splitlines(), strict=True
    )
]


@pytest.mark.parametrize(("text", "config", "expected"), PAPAPARSE_CASES)
def test_papaparse_parses_strings_as_papaparse_does(text: str, config: dict[str, object], expected: str) -> None:
    assert papaparse_parse(text, config) == json.loads(expected)


def test_papaparse_refuses_what_it_does_not_implement() -> None:
    with pytest.raises(ValueError, match="option 'worker' is not supported"):
        papaparse_parse("a", {"worker": True})


def test_papaparse_in_a_script(tmp_path: Path) -> None:
    (tmp_path / "data.csv").write_text("user,pass\nu1,p1\nu2,p2\n", encoding="utf-8")
    script = tmp_path / "csv.js"
    script.write_text(
        "import papaparse from 'https://jslib.k6.io/papaparse/5.1.1/index.js';\n"
        "const rows = papaparse.parse(open('./data.csv'), { header: true, skipEmptyLines: true }).data;\n"
        "export const options = { iterations: 1 };\n"
        "export default function () { console.log(JSON.stringify(rows), papaparse.unparse(rows)); }\n",
        encoding="utf-8",
    )
    proc = run([sys.executable, "-m", "loadpy"], script, "--no-summary")
    assert proc.returncode == 0, proc.stderr
    rows = json.loads(proc.stderr.strip().split(" ")[0] if proc.stderr.strip() else proc.stdout.split(" ")[0])
    assert rows == [{"user": "u1", "pass": "p1"}, {"user": "u2", "pass": "p2"}]
    assert "user,pass\nu1,p1\nu2,p2" in proc.stderr  # \r\n, read back in text mode


def test_other_remote_imports_fail_naming_the_url_or_come_from_the_copies_dir(tmp_path: Path) -> None:
    script = tmp_path / "remote.js"
    script.write_text(
        "import http from 'k6/http';\n"
        "import { hello } from 'https://example.com/lib/v2/hello.js';\n"
        "export const options = { iterations: 1 };\n"
        "export default function () { console.log(hello('k6')); }\n",
        encoding="utf-8",
    )
    refused = run([sys.executable, "-m", "loadpy"], script, "--no-summary")
    assert refused.returncode == 107
    assert "remote.js:2: cannot import https://example.com/lib/v2/hello.js: remote modules are not fetched" in (
        refused.stderr
    )
    assert "LOADPY_JSLIB_DIR/example.com/lib/v2/hello.js" in refused.stderr and "Traceback" not in refused.stderr
    copy = tmp_path / "copies" / "example.com" / "lib" / "v2"
    copy.mkdir(parents=True)
    (copy / "hello.js").write_text(
        "import { suffix } from './suffix.js';\nexport const hello = (n) => 'hi ' + n + suffix;\n"
    )
    (copy / "suffix.js").write_text("export const suffix = '!';\n")
    env = {**os.environ, "PYTHONPATH": str(REPO), "LOADPY_JSLIB_DIR": str(tmp_path / "copies")}
    served = subprocess.run(
        [sys.executable, "-m", "loadpy", "run", "-q", "--no-summary", "--log-format", "raw", str(script)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=tmp_path,
    )
    assert (served.returncode, served.stderr.strip()) == (0, "hi k6!")
    by_flag = run([sys.executable, "-m", "loadpy"], script, "--no-summary", "--jslib-dir", str(tmp_path / "copies"))
    assert (by_flag.returncode, by_flag.stderr.strip()) == (0, "hi k6!")
    missing = run([sys.executable, "-m", "loadpy"], script, "--jslib-dir", str(tmp_path / "nope"))
    assert missing.returncode == 104 and f"key '--jslib-dir': no such directory: {tmp_path / 'nope'}" in missing.stderr
