"""Python scripts (vu.http / check / group / metrics), cookie reset, abort, fail, iteration errors."""

from __future__ import annotations

import asyncio
import logging
import textwrap
from pathlib import Path

import pytest

from loadpy.config.options import Options
from loadpy.demo import DemoServer
from loadpy.errors import ScriptError, SetupDataError, TestAbort
from loadpy.metrics.registry import Registry
from loadpy.vu.script import PythonRuntime, load_python_script
from tests.integration.vu.helpers import build, run_vus, scenario, series

pytestmark = pytest.mark.timeout(60)

SCRIPT = """
options = {"vus": 1, "iterations": 2}
metrics = {"orders": "counter"}

async def setup(vu):
    return {"base": vu.env["BASE"]}

async def default(vu):
    base = vu.setup_data["base"]
    res = await vu.http.get(base + "/json", tags={"kind": "doc"})
    vu.check(res, {"is 200": lambda r: r.status == 200, "has items": lambda r: r.json()["items"] == [1, 2, 3]})
    async with vu.group("shop"):
        res = await vu.http.post(base + "/echo", json={"vu": vu.id}, name="echo")
        vu.check(res.json(), {"echoed": lambda d: d == {"vu": vu.id}})
        vu.metrics["orders"].add(2, {"via": "py"})
    await vu.sleep(0)
"""


def test_python_script_records_like_yaml(tmp_path: Path, demo_server: DemoServer) -> None:
    path = tmp_path / "script.py"
    path.write_text(SCRIPT)
    script = load_python_script(str(path))
    assert script.options == {"vus": 1, "iterations": 2} and set(script.functions) == {"default"}
    registry = Registry()
    runtime = PythonRuntime.from_script(script, Options(), registry, {"BASE": demo_server.base_url})

    async def main() -> None:
        await runtime.setup()
        await run_vus(runtime, vus=2, iterations=2)  # type: ignore[arg-type]

    asyncio.run(main())
    reqs = {
        dict(t)["name"]: (dict(t)["group"], dict(t).get("kind"), s.total)
        for t, s in series(registry, "http_reqs").items()
    }
    assert reqs == {f"{demo_server.base_url}/json": ("", "doc", 4.0), "echo": ("::shop", None, 4.0)}
    root = registry.groups.root
    assert [(c.path, c.passes, c.fails) for c in root.checks.values()] == [("::is 200", 4, 0), ("::has items", 4, 0)]
    assert (root.groups["shop"].checks["echoed"].passes, root.groups["shop"].checks["echoed"].fails) == (4, 0)
    orders = series(registry, "orders")
    assert {t: s.total for t, s in orders.items()} == {
        (("group", "::shop"), ("scenario", "default"), ("via", "py")): 8.0
    }


def test_script_errors(tmp_path: Path) -> None:
    path = tmp_path / "bad.py"
    path.write_text("import nope_not_a_module\n")
    with pytest.raises(ScriptError, match="error in init code: ModuleNotFoundError"):
        load_python_script(str(path))
    path.write_text("async def default(vu):\n    pass\nasync def setup(vu):\n    return {'f': default}\n")
    runtime = PythonRuntime.from_script(load_python_script(str(path)), Options(), Registry(), {})
    with pytest.raises(SetupDataError, match="error marshaling setup"):
        asyncio.run(runtime.setup())


def test_cookie_jar_reset_each_iteration(tmp_path: Path, demo_server: DemoServer) -> None:
    text = """
        flows:
          default:
            - request: {url: "${B}/cookies"}
              capture:
                before: json
            - request: {url: "${B}/cookies/set?k={{ iter }}"}
            - log: "iteration {{ iter }} saw {{ before }}"
    """

    def seen(options: Options) -> list[str]:
        runtime, _ = build(tmp_path, text, env={"B": demo_server.base_url}, options=options)
        records: list[str] = []
        handler = logging.Handler()
        handler.emit = lambda record: records.append(record.getMessage())  # type: ignore[method-assign]
        logger = logging.getLogger("loadpy.vu")
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        try:
            asyncio.run(run_vus(runtime, vus=1, iterations=3))
        finally:
            logger.removeHandler(handler)
        return records

    assert seen(Options()) == ["iteration 0 saw {}", "iteration 1 saw {}", "iteration 2 saw {}"]
    assert seen(Options(no_cookies_reset=True)) == [
        "iteration 0 saw {}",
        'iteration 1 saw {"k":"0"}',
        'iteration 2 saw {"k":"1"}',
    ]


def test_abort_fail_and_errors_count_iterations(
    tmp_path: Path, demo_server: DemoServer, caplog: pytest.LogCaptureFixture
) -> None:
    runtime, registry = build(
        tmp_path,
        """
        flows:
          default:
            - fail: "iteration {{ iter }} is bad"
              if: iter == 0
            - request: {url: "${B}/json"}
              capture:
                missing: json["nope"]
    """,
        env={"B": demo_server.base_url},
    )
    with caplog.at_level(logging.ERROR):
        asyncio.run(run_vus(runtime, vus=1, iterations=2))
    assert runtime.test_failed
    assert "test marked as failed: iteration 0 is bad" in caplog.text
    # the capture raised: logged with its location, and the iteration still counts (k6 c23)
    assert "flows.default[1] (request, line 5): KeyError: 'nope'" in caplog.text
    assert series(registry, "iterations")[(("group", ""), ("scenario", "default"))].total == 2.0

    runtime, registry = build(
        tmp_path,
        """
        flows:
          default:
            - abort: "stop {{ vu }}"
              if: iter == 1
            - sleep: 0
    """,
    )
    with pytest.raises(TestAbort, match=r"^stop 1$"):
        asyncio.run(run_vus(runtime, vus=1, iterations=3))
    assert series(registry, "iterations")[(("group", ""), ("scenario", "default"))].total == 2.0  # abort counted


def test_cancelled_iteration_is_interrupted(tmp_path: Path) -> None:
    runtime, registry = build(
        tmp_path,
        textwrap.dedent("""
        flows:
          default:
            - sleep: 5
    """),
    )

    async def main() -> None:
        vu = runtime.new_vu(1, 1)
        task = asyncio.ensure_future(vu.run_iteration(scenario(), 0))
        await asyncio.sleep(0.05)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())
    assert series(registry, "iterations") == {}
    assert series(registry, "iteration_duration") == {}
    assert [s.total for s in series(registry, "data_sent").values()] == [0.0]
