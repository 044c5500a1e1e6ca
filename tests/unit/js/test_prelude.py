"""The prelude: a module's JavaScript is evaluated only in the programs that import it (per-VU memory),
and every module still works, by import or require, with the script's line numbers unchanged."""

from __future__ import annotations

import json
import re
import textwrap
from importlib import resources
from pathlib import Path

import pytest
import quickjs

from loadpy.js.engine import JsContext, compile_program
from loadpy.js.host import Host, Shared
from loadpy.js.modules import JS_MODULES, builtin_names
from loadpy.js.prelude import lazy_source, split_lazy, split_sections

PRELUDE = resources.files("loadpy.js").joinpath("prelude.js").read_text(encoding="utf-8")


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


def context(path: Path) -> JsContext:
    return JsContext(compile_program(str(path)), Host(Shared()), {}, 0)


def test_sections_split_and_markers_out_of_place_are_refused() -> None:
    text = "a\n//#section k6/x k6/y\nb\n//#end\nc\n"
    assert split_sections(text, "t.js") == (
        (frozenset(), "a\n"),
        (frozenset({"k6/x", "k6/y"}), "b\n"),
        (frozenset(), "c\n"),
    )
    with pytest.raises(ValueError, match=r"^t\.js:2: '//#section k6/y' inside a section$"):
        split_sections("//#section k6/x\n//#section k6/y\n", "t.js")
    with pytest.raises(ValueError, match=r"^t\.js:1: '//#end' outside a section$"):
        split_sections("//#end\n", "t.js")
    with pytest.raises(ValueError, match=r"^t\.js: section k6/x has no //#end$"):
        split_sections("//#section k6/x\nb\n", "t.js")


def test_lazy_parts_leave_the_prelude_for_a_comment_naming_their_host_calls() -> None:
    text = "a\n//#lazy p:one\n(function () { __lp_host_b(); __lp_host_a(__lp_host_b); })\n//#end\nc\n"
    assert split_lazy(text, "t.js") == (
        "a\n// p:one: compiled on first use, calls __lp_host_a __lp_host_b\nc\n",
        {"p:one": "(function () { __lp_host_b(); __lp_host_a(__lp_host_b); })\n"},
    )
    with pytest.raises(ValueError, match=r"^t\.js:2: '//#section k6/x' inside the lazy part p$"):
        split_lazy("//#lazy p\n//#section k6/x\n", "t.js")
    with pytest.raises(ValueError, match=r"^t\.js: the lazy part p has no //#end$"):
        split_lazy("//#lazy p\nb\n", "t.js")


def test_the_rare_parts_of_k6_http_are_compiled_in_a_context_on_first_use(tmp_path: Path) -> None:
    main = write(
        tmp_path,
        "main.js",
        """
        import http from 'k6/http';
        import { randomSeed } from 'k6';
        export function rare() {
          const expected = http.expectedStatuses(200, { min: 300, max: 304 });
          randomSeed(3);
          const first = Math.random();
          randomSeed(3);
          const seeded = first === Math.random();
          return [expected, http.expectedStatuses(201), typeof http.batch, typeof http.CookieJar, seeded];
        }
        export function wrongBatch() {
          http.batch(3);
        }
        export default function () {}
        """,
    )
    program = compile_program(str(main))
    assert "function batchItem" not in program.source and "function CookieJar" not in program.source
    assert "function expectedStatuses" in lazy_source("k6/http:rare")
    assert "0x6d2b79f5" not in program.source and "0x6d2b79f5" in lazy_source("k6:randomSeed")
    # what the rare part calls is installed with the prelude (the part finds it when compiled)
    assert {"__lp_host_batch", "__lp_host_jar", "__lp_host_http_start", "__lp_host_source"} <= program.host_names
    ctx = context(main)
    before = ctx.ctx.memory()["malloc_size"]
    assert json.loads(ctx.call("rare", 0, False)) == [
        {"__lp_expected": [200, {"min": 300, "max": 304}]},
        {"__lp_expected": [201]},
        "function",
        "function",
        True,
    ]
    assert ctx.ctx.memory()["malloc_size"] - before > 5_000  # compiled now, in this context only
    with pytest.raises(quickjs.JSException) as info:
        ctx.call("wrongBatch", 0, False)
    # the part's own frames are hidden like the prelude's
    assert ctx.program.render_error(info.value) == (
        f"GoError: invalid http.batch() argument type int64\n\tat wrongBatch (file://{main.resolve()}:12)"
    )


def test_every_section_names_an_importable_module() -> None:
    named = set().union(*(modules for modules, _ in split_sections(split_lazy(PRELUDE, "prelude.js")[0], "prelude.js")))
    assert named == {
        "k6/metrics",
        "k6/data",
        "k6/execution",
        "jslib/k6-utils",
        "k6/ws",
        "k6/websockets",
        "k6/experimental/websockets",
    }
    assert named <= builtin_names()


def test_a_script_importing_little_evaluates_little(tmp_path: Path) -> None:
    main = write(
        tmp_path,
        "main.js",
        """
        import http from 'k6/http';
        import { sleep } from 'k6';
        export default function () { sleep(0); }
        """,
    )
    program = compile_program(str(main))
    for absent in (
        "class WsSocket",
        "class WebSocket",
        "class SharedArray",
        "metricClass",
        "findBetween",
        "__lp_jslib",
    ):
        assert absent not in program.source
    assert '__lp.pymodule("k6/encoding"' not in program.source
    # k6/http's pure half is called by name (pyCall): no module object in any program
    assert '__lp.pymodule("loadpy:k6/http"' not in program.source
    # only the host functions the kept code calls are installed
    assert "__lp_host_ws_open" not in program.host_names
    assert "__lp_host_shared_store" not in program.host_names
    assert {"__lp_host_http", "__lp_host_sleep", "__lp_host_check"} <= program.host_names
    every = "".join(f"import '{name}';\n" for name in sorted(JS_MODULES) if name.startswith("k6"))
    full_path = write(tmp_path, "all.js", every + "export default function () {}\n")
    full = compile_program(str(full_path))
    assert "class WsSocket" in full.source and "class WebSocket" in full.source
    assert {"__lp_host_ws_open", "__lp_host_ws_events"} <= full.host_names
    # what it saves each VU's context (44.5 KB measured; QuickJS counts its own allocations)
    saved = context(full_path).ctx.memory()["malloc_size"] - context(main).ctx.memory()["malloc_size"]
    assert saved > 30_000


def test_every_host_function_the_prelude_calls_is_one_the_host_has(tmp_path: Path) -> None:
    calls = set(re.findall(r"\b__lp_host_\w+", PRELUDE))
    assert set(Host(Shared()).callables(calls)) == calls  # a typo would be a KeyError


def test_every_module_works_by_import_and_by_require(tmp_path: Path) -> None:
    checks = {
        "k6/metrics": "typeof m.Counter === 'function' && typeof m.Trend === 'function'",
        "k6/data": "typeof m.SharedArray === 'function'",
        "k6/execution": "typeof m.default.test.abort === 'function'",
        "jslib/k6-utils": "m.findBetween('<a>x</a>', '<a>', '</a>') === 'x'",
        "k6/ws": "typeof m.connect === 'function'",
        "k6/websockets": "typeof m.WebSocket === 'function' && new m.Blob(['ab']).size === 2",
        "k6/experimental/websockets": "typeof m.WebSocket === 'function'",
        "k6/timers": "typeof m.setTimeout === 'function'",
        "k6/encoding": "m.b64encode('hi') === 'aGk='",
    }
    assert set(checks) - {"k6/encoding"} <= JS_MODULES
    for name, check in checks.items():
        spec = "https://jslib.k6.io/k6-utils/1.4.0/index.js" if name == "jslib/k6-utils" else name
        for form in (f"import * as m from '{spec}';", f"const m = require('{spec}');"):
            main = write(tmp_path, "main.js", f"{form}\nexport default function () {{ return {check}; }}\n")
            assert context(main).call("default", 0, False) == "true", (name, form)


def test_pyroscope_brings_the_execution_module_its_baggage_reads(tmp_path: Path) -> None:
    main = write(
        tmp_path,
        "main.js",
        """
        import pyroscope from 'https://jslib.k6.io/http-instrumentation-pyroscope/1.0.0/index.js';
        export default function () { return typeof pyroscope.instrumentHTTP; }
        """,
    )
    program = compile_program(str(main))
    assert "__lp_jslib" in program.source and '"k6/execution"' in program.source
    assert "__lp_host_exec" in program.host_names
    assert json.loads(context(main).call("default", 0, False)) == "function"


@pytest.mark.parametrize("imports", ["", "import ws from 'k6/ws';\nimport { SharedArray } from 'k6/data';\n"])
def test_stack_traces_keep_the_script_lines_whatever_is_imported(tmp_path: Path, imports: str) -> None:
    main = write(tmp_path, "main.js", imports + "export default function () {\n  throw new Error('boom');\n}\n")
    line = imports.count("\n") + 2
    ctx = context(main)
    with pytest.raises(quickjs.JSException) as info:
        ctx.call("default", 0, False)
    assert ctx.program.render_error(info.value) == f"Error: boom\n\tat default (file://{main.resolve()}:{line})"


def test_the_environment_is_kept_once_per_context(tmp_path: Path) -> None:
    main = write(tmp_path, "main.js", "export default function () { return [__ENV.K, typeof __lp_env_json]; }\n")
    ctx = JsContext(compile_program(str(main)), Host(Shared()), {"K": "v"}, 0)
    assert json.loads(ctx.call("default", 0, False)) == ["v", "undefined"]  # the JSON it came as is gone
