"""exec.test.options as k6 v1.1 gives it (every option, null when unset; the execution shortcuts turned
into the `default` scenario; each scenario with its executor's fields), k6 against loadpy."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.js.test_js_strict import both

OPTION_SETS = [
    "{ iterations: 2, vus: 1 }",
    # one VU at most: k6 initialises VUs concurrently, so with two the first one active may be VU 2 and
    # VU 1 may never iterate before the stage ends
    '{ stages: [{ duration: "1s", target: 1 }] }',
    "{}",
    '{ vus: 1, duration: "1s", thresholds: { http_reqs: ["count>=0"] }, dns: { ttl: "1m" }, userAgent: "x" }',
    '{ scenarios: { s1: { executor: "constant-arrival-rate", rate: 1, duration: "1s", preAllocatedVUs: 1,'
    ' exec: "default", tags: { a: "b" } } }, tags: { t: "1" }, noConnectionReuse: true }',
]


@pytest.mark.parametrize("options", OPTION_SETS)
def test_exec_test_options_as_k6(tmp_path: Path, options: str) -> None:
    files = {
        "script.js": f"""
            import exec from "k6/execution";
            export const options = {options};
            export default function () {{
              if (__ITER === 0 && __VU === 1) console.log(JSON.stringify(exec.test.options));
            }}
            """
    }
    k6, loadpy = both(tmp_path, files)
    assert loadpy == k6
    assert loadpy[0] == 0 and '"scenarios":{' in loadpy[1][-1]
