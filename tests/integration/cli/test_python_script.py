"""`loadpy run script.py`: the Python analogue of a k6 script, end to end through the CLI."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

from tests.integration.cli.helpers import metric, run_loadpy, write_scenario


def test_python_script_with_setup_checks_groups_and_handle_summary(tmp_path: Path, demo_server) -> None:  # type: ignore[no-untyped-def]
    demo_server.reset()
    script = tmp_path / "script.py"
    script.write_text(
        textwrap.dedent(
            f"""
            import json

            BASE = "{demo_server.base_url}"
            options = {{"scenarios": {{"main": {{"executor": "per-vu-iterations", "vus": 2, "iterations": 3}}}},
                        "thresholds": {{"checks": ["rate==1"]}}}}
            metrics = {{"orders": "counter"}}

            async def setup(vu):
                res = await vu.http.get(BASE + "/json")
                return {{"seed": 41}}

            async def default(vu):
                async with vu.group("shop"):
                    res = await vu.http.get(BASE + "/items/" + str(vu.id))
                    vu.check(res, {{"status is 200": lambda r: r.status == 200}})
                vu.metrics["orders"].add(1)
                assert vu.setup_data["seed"] == 41

            def handle_summary(data):
                return {{"summary.json": json.dumps({{
                    "iterations": data["metrics"]["iterations"]["values"]["count"],
                    "orders": data["metrics"]["orders"]["values"]["count"],
                    "setup_data": data.get("setup_data"),
                }})}}
            """
        )
    )
    out = run_loadpy(tmp_path, script)
    assert out.code == 0, out.stderr
    assert "Traceback" not in out.stderr
    assert demo_server.stats()["total"] == 1 + 6  # setup + 2 VUs x 3 iterations
    assert out.export is not None
    assert metric(out.export, "iterations", "count") == 6
    assert metric(out.export, "orders", "count") == 6
    assert out.export["root_group"]["groups"]["shop"]["checks"]["status is 200"]["passes"] == 6
    assert out.export["setup_data"] == {"seed": 41}
    written = json.loads((tmp_path / "summary.json").read_text())
    assert written == {"iterations": 6, "orders": 6, "setup_data": {"seed": 41}}
    # handle_summary took over stdout: k6 prints no default summary then
    assert "TOTAL RESULTS" not in out.stdout


def test_yaml_handle_summary_replaces_the_text_summary(tmp_path: Path, demo_server) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "hooks.py").write_text(
        "def summarise(data):\n    return {'stdout': 'reqs=%d\\n' % data['metrics']['http_reqs']['values']['count']}\n"
    )
    scenario = write_scenario(
        tmp_path,
        f"""
        handle_summary: hooks:summarise
        options: {{iterations: 2}}
        flows:
          default:
            - request: {{url: "{demo_server.base_url}/"}}
        """,
    )
    out = run_loadpy(tmp_path, scenario)
    assert out.code == 0, out.stderr
    assert out.stdout.strip().endswith("reqs=2")
    assert "TOTAL RESULTS" not in out.stdout


def test_loadpy_abort_exits_108_and_counts_the_aborting_iteration(tmp_path: Path, demo_server) -> None:  # type: ignore[no-untyped-def]
    script = tmp_path / "abort.py"
    script.write_text(
        textwrap.dedent(
            f"""
            import loadpy

            options = {{"vus": 1, "duration": "20s"}}

            async def default(vu):
                await vu.http.get("{demo_server.base_url}/")
                if vu.iteration == 2:
                    loadpy.abort("enough")
            """
        )
    )
    out = run_loadpy(tmp_path, script)
    assert out.code == 108, out.stderr
    assert 'msg="test aborted: enough"' in out.stderr
    assert out.export is not None
    assert metric(out.export, "iterations", "count") == 3  # k6 counts the aborting iteration
