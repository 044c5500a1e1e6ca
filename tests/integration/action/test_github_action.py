"""The composite GitHub Action (action.yml) run the way a runner runs it: each `run:` step in bash with its
`${{ }}` expressions substituted and `if:` conditions evaluated, GITHUB_OUTPUT and GITHUB_STEP_SUMMARY as files.
`uses:` steps (setup-python, upload-artifact) belong to GitHub; the test checks what they would be given."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from loadpy.demo import DemoServer
from tests.integration.cli.helpers import REPO_ROOT, subprocess_env, write_scenario

SCENARIO = """
options:
  iterations: 4
  thresholds:
    http_req_duration: ["{threshold}"]
flows:
  default:
    - request: {{url: "${{BASE_URL}}/"}}
      checks:
        status is 200: status == 200
"""

EXPR = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


class Runner:
    """Just enough of a GitHub runner for a composite action of bash steps."""

    def __init__(self, workdir: Path, inputs: dict[str, str], path: str | None = None) -> None:
        action = yaml.safe_load((REPO_ROOT / "action.yml").read_text(encoding="utf-8"))
        self.steps: list[dict[str, Any]] = action["runs"]["steps"]
        self.inputs = {name: str(spec.get("default", "")) for name, spec in action["inputs"].items()}
        self.inputs.update(inputs)
        self.workdir = workdir
        self.outputs: dict[str, dict[str, str]] = {}
        self.summary = workdir / "step-summary.md"
        self.used: list[tuple[str, dict[str, str]]] = []
        self.failed = False
        self.last_error = ""
        self.path = path  # PATH for the steps (the runner's tool cache)

    def value(self, expr: str) -> str:
        if expr.startswith("inputs."):
            return self.inputs[expr.removeprefix("inputs.")]
        if expr == "github.action_path":
            return str(REPO_ROOT)
        found = re.fullmatch(r"steps\.([\w-]+)\.outputs\.([\w-]+)", expr)
        if found:
            return self.outputs.get(found.group(1), {}).get(found.group(2), "")
        raise AssertionError(f"expression the test runner does not know: {expr}")

    def substitute(self, text: str) -> str:
        return EXPR.sub(lambda m: self.value(m.group(1)), text)

    def condition(self, cond: str | None) -> bool:
        if cond is None:
            return not self.failed
        result = not self.failed
        for part in cond.split("&&"):
            part = part.strip()
            if part == "always()":
                result = True
                continue
            left, op, right = re.fullmatch(r"([\w.-]+) (==|!=) '(.*)'", part).groups()  # type: ignore[union-attr]
            if (self.value(left) == right) != (op == "=="):
                return False
        return result

    def run(self) -> None:
        for step in self.steps:
            if not self.condition(step.get("if")):
                continue
            if "uses" in step:
                self.used.append((step["uses"], {k: self.substitute(str(v)) for k, v in step.get("with", {}).items()}))
                continue
            output_file = self.workdir / f"output-{len(self.outputs)}"
            output_file.write_text("")
            env = subprocess_env(
                {
                    **{k: self.substitute(str(v)) for k, v in step.get("env", {}).items()},
                    "GITHUB_OUTPUT": str(output_file),
                    "GITHUB_STEP_SUMMARY": str(self.summary),
                    **({"PATH": self.path, "PYTHONPATH": ""} if self.path else {}),
                }
            )
            script = self.substitute(step["run"])
            proc = subprocess.run(
                ["bash", "-e", "-c", script], cwd=self.workdir, env=env, capture_output=True, text=True, timeout=120
            )
            if "id" in step:
                pairs = (line.split("=", 1) for line in output_file.read_text().splitlines() if "=" in line)
                self.outputs[step["id"]] = dict(pairs)
            if proc.returncode != 0:
                self.failed = True
                self.last_error = proc.stdout + proc.stderr


def run_action(tmp_path: Path, demo: DemoServer, threshold: str, **inputs: str) -> Runner:
    write_scenario(tmp_path, SCENARIO.format(threshold=threshold), "load.yaml")
    runner = Runner(tmp_path, {"script": "load.yaml", "args": f"-e BASE_URL={demo.base_url} -q", **inputs})
    runner.run()
    return runner


def test_passing_run_writes_summary_report_and_export(tmp_path: Path, demo_server: DemoServer) -> None:
    runner = run_action(tmp_path, demo_server, "p(95)<10000", install="false")
    assert not runner.failed
    assert runner.outputs["run"]["exit-code"] == "0"
    summary = runner.summary.read_text(encoding="utf-8")
    assert "✅ all thresholds passed" in summary and "| http_req_duration | `p(95)<10000` |" in summary
    assert (tmp_path / "loadpy-report.html").stat().st_size > 10_000
    assert '"iterations"' in (tmp_path / "loadpy-summary.json").read_text()
    uploads = [with_ for uses, with_ in runner.used if uses.startswith("actions/upload-artifact")]
    assert uploads and uploads[0]["path"].split() == ["loadpy-report.html", "loadpy-summary.json"]
    assert not [uses for uses, _ in runner.used if uses.startswith("actions/setup-python")]  # install: false


def test_crossed_threshold_fails_the_job_after_uploading(tmp_path: Path, demo_server: DemoServer) -> None:
    runner = run_action(tmp_path, demo_server, "p(95)<0", install="false")
    assert runner.outputs["run"]["exit-code"] == "99"
    assert runner.failed and "::error title=loadpy::the load test failed with exit code 99" in runner.last_error
    assert "❌ 1 of 1 thresholds crossed" in runner.summary.read_text(encoding="utf-8")
    assert [uses for uses, _ in runner.used] == ["actions/upload-artifact@v4"]  # the report is kept


def test_fail_on_thresholds_false_keeps_the_job_green(tmp_path: Path, demo_server: DemoServer) -> None:
    runner = run_action(tmp_path, demo_server, "p(95)<0", install="false", **{"fail-on-thresholds": "false"})
    assert not runner.failed and runner.outputs["run"]["exit-code"] == "99"


@pytest.mark.slow
def test_install_true_installs_this_checkout_and_runs_it(tmp_path: Path, demo_server: DemoServer) -> None:
    """The default path: setup-python (GitHub's) then `pip install` of the action's checkout, in a fresh venv."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    path = f"{venv / 'bin'}{os.pathsep}{os.environ['PATH']}"
    runner = Runner(tmp_path, {"script": "load.yaml", "args": f"-e BASE_URL={demo_server.base_url} -q"}, path=path)
    write_scenario(tmp_path, SCENARIO.format(threshold="p(95)<10000"), "load.yaml")
    runner.run()
    assert not runner.failed, runner.last_error
    assert [uses for uses, _ in runner.used] == ["actions/setup-python@v5", "actions/upload-artifact@v4"]
    assert runner.outputs["run"]["exit-code"] == "0"
    installed = subprocess.run([str(venv / "bin" / "loadpy"), "version"], capture_output=True, text=True, timeout=60)
    assert installed.stdout.startswith("loadpy v"), installed.stderr
