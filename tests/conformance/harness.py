"""Run a Case with k6 and with loadpy against the counting target, and list every disagreement."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.conformance.model import Case, Outcome
from tests.conformance.render import render_k6, render_loadpy
from tests.conformance.target import Target

REPO = Path(__file__).resolve().parents[2]
RUN_TIMEOUT = 60.0  # seconds per tool run; every case is a few seconds long


def _command(tool: str, k6_bin: str, script: Path, export: Path, extra: list[str]) -> list[str]:
    common = ["run", "-q", "--address", "", "--summary-export", str(export), *extra, str(script)]
    if tool == "k6":
        return [k6_bin, *common[:1], "--no-color", *common[1:]]
    return [sys.executable, "-m", "loadpy", *common]


def _one_run(tool: str, case: Case, k6_bin: str, target: Target, workdir: Path, extra: list[str], tag: str) -> Outcome:
    workdir.mkdir(parents=True, exist_ok=True)
    if tool in ("k6", "js"):  # js: loadpy runs the very script k6 runs
        script = workdir / f"{case.id}{tag}.js"
        script.write_text(render_k6(case, target.base_url), encoding="utf-8")
    else:
        script = workdir / f"{case.id}{tag}.yaml"
        script.write_text(render_loadpy(case, target.base_url), encoding="utf-8")
    export = workdir / f"{tool}{tag}.summary.json"
    export.unlink(missing_ok=True)
    env = {**os.environ, "K6_NO_USAGE_REPORT": "true", **case.os_env}
    env.pop("BASE_URL", None)  # the script's env block must be what sets it
    if tool != "k6":  # this checkout's loadpy, installed or not (the run's cwd is a temp dir)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH", "")) if p)
    cmd = _command(tool, k6_bin, script, export, [*case.args, *extra])
    started = time.perf_counter()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=RUN_TIMEOUT, env=env, cwd=workdir)
        code, out, err = proc.returncode, proc.stdout, proc.stderr
    except subprocess.TimeoutExpired as exc:
        code, out, err = -1, str(exc.stdout or ""), f"TIMED OUT after {RUN_TIMEOUT}s: {exc.stderr or ''}"
    wall = time.perf_counter() - started
    data: dict[str, Any] | None = None
    if export.exists():
        try:
            data = json.loads(export.read_text(encoding="utf-8"))
        except ValueError as exc:
            err += f"\n[harness] --summary-export is not JSON: {exc}"
    return Outcome(tool, code, out, err, data, wall)


def _parallel(jobs: list[Callable[[], Outcome]]) -> list[Outcome]:
    results: list[Outcome | None] = [None] * len(jobs)

    def work(i: int) -> None:
        results[i] = jobs[i]()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(jobs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return [r for r in results if r is not None]


def run_tool(tool: str, case: Case, k6_bin: str, target: Target, workdir: Path) -> Outcome:
    """One tool's run of the case; a segmented case runs all its instances at once and aggregates."""
    if not case.segments:
        return _one_run(tool, case, k6_bin, target, workdir, [], "")
    seq = ["--execution-segment-sequence", case.sequence] if case.sequence else []
    jobs = [
        (lambda i=i, s=s: _one_run(tool, case, k6_bin, target, workdir, ["--execution-segment", s, *seq], f"-seg{i}"))
        for i, s in enumerate(case.segments)
    ]
    parts = _parallel(jobs)
    worst = max(parts, key=lambda p: p.rc)
    stderr = "\n".join(p.stderr for p in parts)
    return Outcome(tool, worst.rc, "", stderr, None, max(p.wall for p in parts), parts=parts)


def run_case(
    case: Case, k6_bin: str, targets: tuple[Target, Target], workdir: Path, tools: tuple[str, ...] = ("k6", "loadpy")
) -> dict[str, Outcome]:
    """Run the tools (k6 on targets[0], loadpy on targets[1]); together unless the case is timing-sensitive."""
    by_tool = {"k6": targets[0], "loadpy": targets[1], "js": targets[1]}
    for tool in tools:
        by_tool[tool].reset()

    def job(tool: str) -> Callable[[], Outcome]:
        def go() -> Outcome:
            outcome = run_tool(tool, case, k6_bin, by_tool[tool], workdir / tool)
            outcome.stats = by_tool[tool].stats()
            for p in outcome.parts:
                p.stats = outcome.stats
            return outcome

        return go

    together = not case.timing and len(tools) > 1
    outcomes = _parallel([job(t) for t in tools]) if together else [job(t)() for t in tools]
    return {o.tool: o for o in outcomes}


# --- evaluation -----------------------------------------------------------------------------------


def _fmt(value: float | None) -> str:
    return "missing" if value is None else f"{value:g}"


def check_k6(case: Case, k6: Outcome) -> list[str]:
    """The oracle itself must reproduce the documented behaviour; otherwise the rendering is wrong."""
    problems = []
    if k6.rc != case.exit_code:
        problems.append(f"k6 exit code {k6.rc}, case expects {case.exit_code}")
    for exp in case.expect:
        value = exp.get(k6)
        if (exp.lo is not None or exp.hi is not None) and not exp.in_range(value):
            problems.append(f"k6 {exp.label} = {_fmt(value)}, documented range [{_fmt(exp.lo)}, {_fmt(exp.hi)}]")
    return problems


def compare(case: Case, k6: Outcome, lp: Outcome) -> list[str]:
    """Every way loadpy's run differs from k6's beyond the case's stated tolerances."""
    problems = []
    if lp.rc != k6.rc:
        problems.append(f"exit code: loadpy {lp.rc}, k6 {k6.rc}")
    for exp in case.expect:
        want, got = exp.get(k6), exp.get(lp)
        if got is None:
            problems.append(f"{exp.label}: loadpy has no value (k6 {_fmt(want)})")
            continue
        if (exp.lo is not None or exp.hi is not None) and not exp.in_range(got):
            problems.append(f"{exp.label}: loadpy {_fmt(got)} outside [{_fmt(exp.lo)}, {_fmt(exp.hi)}] ({exp.why})")
        if want is not None:
            allowed = max(exp.tol, exp.rel * abs(want))
            if abs(got - want) > allowed + 1e-9:
                problems.append(f"{exp.label}: loadpy {_fmt(got)}, k6 {_fmt(want)}, allowed ±{allowed:g} ({exp.why})")
    if case.structure:
        pairs = list(zip(k6.parts, lp.parts, strict=False)) if case.segments else [(k6, lp)]
        for k, lo in pairs:
            problems.extend(compare_structure(k.export, lo.export, case))
    return problems


def compare_structure(k6: dict[str, Any] | None, lp: dict[str, Any] | None, case: Case) -> list[str]:
    """Same top-level keys, metric names, value keys per metric, threshold verdicts and root_group tree."""
    if k6 is None or lp is None:
        if (k6 is None) != (lp is None):
            return [f"--summary-export written: k6 {k6 is not None}, loadpy {lp is not None}"]
        return []
    problems = []
    if set(k6) != set(lp):
        problems.append(f"top-level keys: loadpy {sorted(lp)}, k6 {sorted(k6)}")
    km, lm = k6.get("metrics", {}), lp.get("metrics", {})
    names_k, names_l = set(km) - case.ignore_metrics, set(lm) - case.ignore_metrics
    if names_k - names_l:
        problems.append(f"metrics missing in loadpy: {sorted(names_k - names_l)}")
    if names_l - names_k:
        problems.append(f"metrics loadpy has and k6 does not: {sorted(names_l - names_k)}")
    for name in sorted(names_k & names_l):
        kv, lv = km[name], lm[name]
        if set(kv) - {"thresholds"} != set(lv) - {"thresholds"}:
            problems.append(f"{name}: value keys loadpy {sorted(lv)}, k6 {sorted(kv)}")
        if kv.get("thresholds") != lv.get("thresholds"):
            problems.append(
                f"{name}: thresholds (true = failed) loadpy {lv.get('thresholds')}, k6 {kv.get('thresholds')}"
            )
    if "root_group" in k6 and "root_group" in lp:
        problems.extend(_compare_group(k6["root_group"], lp["root_group"], case.exact_checks))
    if "setup_data" in k6 and k6.get("setup_data") != lp.get("setup_data"):
        problems.append(f"setup_data: loadpy {lp.get('setup_data')!r}, k6 {k6['setup_data']!r}")
    return problems


def _compare_group(k: dict[str, Any], lp: dict[str, Any], exact_checks: bool) -> list[str]:
    where = k.get("path") or "root_group"
    problems = [
        f"{where}: {key} loadpy {lp.get(key)!r}, k6 {k.get(key)!r}"
        for key in ("name", "path", "id")
        if k.get(key) != lp.get(key)
    ]
    kg, lg = k.get("groups", {}), lp.get("groups", {})
    kc, lc = k.get("checks", {}), lp.get("checks", {})
    if not isinstance(lg, dict) or not isinstance(lc, dict):
        return [*problems, f"{where}: groups/checks must be objects keyed by name in --summary-export"]
    if set(kg) != set(lg):
        problems.append(f"{where}: groups loadpy {sorted(lg)}, k6 {sorted(kg)}")
    if set(kc) != set(lc):
        problems.append(f"{where}: checks loadpy {sorted(lc)}, k6 {sorted(kc)}")
    for name in set(kc) & set(lc):
        keys = ("name", "path", "id", "passes", "fails") if exact_checks else ("name", "path", "id")
        for key in keys:
            if kc[name].get(key) != lc[name].get(key):
                where_c = kc[name].get("path")
                problems.append(f"check {where_c}: {key} loadpy {lc[name].get(key)!r}, k6 {kc[name].get(key)!r}")
        if set(kc[name]) != set(lc[name]):
            problems.append(f"check {name}: keys loadpy {sorted(lc[name])}, k6 {sorted(kc[name])}")
    for name in set(kg) & set(lg):
        problems.extend(_compare_group(kg[name], lg[name], exact_checks))
    return problems
