"""Differential run of real k6 scripts (the shared corpus): real k6 and loadpy, same flags, same target.

Each entry script runs unchanged through `k6 run` and `loadpy run` (tests/js/corpus_diff.py: one VU,
one iteration, every hostname mapped to a local recording target over `hosts`), and the two runs are
compared: exit code, counts (iterations, http_reqs, checks), export metric names, threshold verdicts,
and the requests the target received. The test fails on any difference not in the tables below, and on
a KNOWN_DIFFERENCES entry that no longer differs (the table must stay true). The tables assume k6 cannot
reach jslib.k6.io (no network, as on CI): its module loader ignores `hosts`.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.js.corpus_diff import differences, run_tool, tls_context

CORPUS = Path(os.environ.get("LOADPY_K6_CORPUS", "/work/shared/k6-corpus"))

# Scripts not run: what they measure depends on the wall clock, not on the tool.
SKIPPED: dict[str, str] = {
    "./k6/malicious.js": "a deliberate busy loop: both tools are stopped at the 20 s bound",
    "./k6/pantheon.js": "runs past the 20 s bound in both tools: its request count depends on where the bound falls",
}

# Fields that legitimately differ run to run (random data, the clock): excluded for that script.
# (Millisecond Unix times in what the target receives are masked for every script: corpus_diff.py.)
NONDETERMINISTIC: dict[str, dict[str, str]] = {
    "./k6/es6sample.js": {
        "exit": "the my_rate threshold watches Math.random() < 0.5: pass or fail is a coin toss in both tools",
        "thresholds": "the same coin toss (my_rate's rate>=0.4)",
        "counts": "two checks test Math.random(): their passes/fails vary run to run",
    },
}

_NO_GRPC = "loadpy has no k6/net/grpc (exit 107 at the import); k6 runs the script and its gRPC calls fail"
_JSLIB_OFFLINE = (
    "environment, not loadpy: k6 fetches jslib.k6.io/k6-utils over the network (none here: 107); loadpy ships k6-utils"
)
_JSLIB_BUILT_IN = (
    "environment, not loadpy: k6 fetches this jslib.k6.io library over the network (none here: 107); loadpy has it "
    "built in, so the script runs"
)
_WEBSOCKETS_NAME = (
    "k6 v1.1 knows only k6/experimental/websockets (107 at `k6/websockets`); loadpy accepts both names, so it runs"
)
_RUNS_ONLY_IN_LOADPY = ("exit", "counts", "metrics")

# Differences from k6 that loadpy has today, with the reason (docs/js.md, "Agreement with k6 on the corpus").
KNOWN_DIFFERENCES: dict[str, dict[str, str]] = {
    "./k6/grpc_healthcheck.js": dict.fromkeys(("exit", "counts", "metrics"), _NO_GRPC),
    "./k6/grpc_reflection.js": dict.fromkeys(("exit", "counts", "metrics"), _NO_GRPC),
    "./k6tut/K6Samples/04_correlation_03.js": dict.fromkeys(("exit", "counts", "metrics", "requests"), _JSLIB_OFFLINE),
    "./k6/websockets/test-echo.js": dict.fromkeys(_RUNS_ONLY_IN_LOADPY, _WEBSOCKETS_NAME),
    "./k6/websockets/ws.js": dict.fromkeys(_RUNS_ONLY_IN_LOADPY, _WEBSOCKETS_NAME),
    "./k6tut/K6Samples/05_data_parameterization/papaparse-remote-import.js": dict.fromkeys(
        _RUNS_ONLY_IN_LOADPY, _JSLIB_BUILT_IN
    ),
    "./quickpizza/foundations/07.scenarios.js": {"exit": _JSLIB_BUILT_IN},
    "./quickpizza/foundations/10.summary.js": dict.fromkeys(
        (*_RUNS_ONLY_IN_LOADPY, "requests", "thresholds"), _JSLIB_BUILT_IN
    ),
    "./quickpizza/foundations/14.basic.tracing.js": dict.fromkeys((*_RUNS_ONLY_IN_LOADPY, "requests"), _JSLIB_BUILT_IN),
    "./quickpizza/foundations/15.basic.profiling.js": dict.fromkeys(
        (*_RUNS_ONLY_IN_LOADPY, "requests"), _JSLIB_BUILT_IN
    ),
}


def _entries() -> list[str]:
    entries_file = CORPUS / "ENTRIES.txt"
    if not entries_file.is_file():
        reason = f"the k6 script corpus is not at {CORPUS} (set LOADPY_K6_CORPUS)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    return [line.strip() for line in entries_file.read_text().splitlines() if line.strip()]


@pytest.mark.slow
@pytest.mark.k6
@pytest.mark.timeout(600)
def test_corpus_scripts_agree_with_k6() -> None:
    if shutil.which("k6") is None:
        if os.environ.get("CI"):
            pytest.fail("k6 is not on PATH")
        pytest.skip("k6 is not on PATH: the corpus differential needs the real k6 as its oracle")
    entries = [entry for entry in _entries() if entry not in SKIPPED]
    with tempfile.TemporaryDirectory() as tmp:
        tls = tls_context(Path(tmp))

        def compare(entry: str) -> dict[str, str]:
            script = (CORPUS / entry).resolve()
            return differences(run_tool("k6", script, tls), run_tool("loadpy", script, tls))

        with ThreadPoolExecutor(max_workers=2) as pool:
            results = dict(zip(entries, pool.map(compare, entries), strict=True))
    new, stale = [], []
    for entry, found in results.items():
        allowed = {**NONDETERMINISTIC.get(entry, {}), **KNOWN_DIFFERENCES.get(entry, {})}
        new += [f"  {entry}: [{kind}] {text[:300]}" for kind, text in found.items() if kind not in allowed]
        stale += [f"  {entry}: [{kind}] now agrees" for kind in KNOWN_DIFFERENCES.get(entry, {}) if kind not in found]
    agree = sum(1 for found in results.values() if not found)
    kinds = Counter(kind for found in results.values() for kind in found)
    print(f"{agree} of {len(entries)} corpus scripts agree fully with k6 ({len(SKIPPED)} not run: SKIPPED)")
    print("scripts differing, by kind: " + ", ".join(f"{kind} {n}" for kind, n in sorted(kinds.items())))
    assert not new, "loadpy differs from k6 in ways not listed in KNOWN_DIFFERENCES:\n" + "\n".join(new)
    assert not stale, "remove these from KNOWN_DIFFERENCES (loadpy agrees now):\n" + "\n".join(stale)
