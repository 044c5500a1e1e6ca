"""The bundler: ES modules and CommonJS rewritten in place, line numbers kept, errors located."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
import quickjs

from loadpy.errors import ScriptError
from loadpy.js.bundle import Bundler, ModuleNotFound
from loadpy.js.engine import JsContext, compile_program
from loadpy.js.host import Host, Shared
from loadpy.js.modules import JS_MODULES, PyModule, register, unregister


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


def context(path: Path) -> JsContext:
    return JsContext(compile_program(str(path)), Host(Shared()), {"K": "v"}, 0)


def test_every_export_form_is_visible_and_live(tmp_path: Path) -> None:
    write(
        tmp_path,
        "dep.js",
        """
        export const a = 1;
        export default function named() { return 'dflt'; }
        export function later() { return 'later'; }
    """,
    )
    write(
        tmp_path,
        "re.js",
        """
        export { a as renamed } from './dep.js';
        export * from './dep.js';
    """,
    )
    main = write(
        tmp_path,
        "main.js",
        """
        import dflt, { a, later as l } from './dep.js';
        import * as re from './re.js';
        export let counter = 0;
        export const { x, y: [z] } = { x: 'x', y: ['z'] };
        export class K {}
        function bump() { counter += 1; }
        export { bump as increment };
        export const options = { vus: 1 };
        export default function () { return [dflt(), a, l(), re.renamed, re.later(), typeof re.default]; }
    """,
    )
    ctx = context(main)
    exports = ctx.exports()
    assert exports == {
        "counter": "number",
        "x": "string",
        "z": "string",
        "K": "function",
        "increment": "function",
        "options": "object",
        "default": "function",
    }
    assert ctx.options() == {"vus": 1}
    assert ctx.call("default", 0, False) == '["dflt",1,"later",1,"later","undefined"]'
    module = f"__lp.load({json.dumps(str(main.resolve()))})"
    ctx.ctx.eval(f"{module}.increment()")
    assert ctx.ctx.eval(f"{module}.counter") == 1  # a live binding, as in an ES module


def test_rewrites_keep_every_line_number(tmp_path: Path) -> None:
    main = write(
        tmp_path,
        "main.js",
        """
        import http
          from 'k6/http';
        import {
          check,
        } from 'k6';
        export const options = {};
        export default function () {
          null.boom;
        }
    """,
    )
    ctx = context(main)
    with pytest.raises(quickjs.JSException) as info:
        ctx.call("default", 0, False)
    rendered = ctx.program.render_error(info.value)
    assert rendered.splitlines()[0] == "TypeError: Cannot read property 'boom' of undefined"
    assert f"at default (file://{main.resolve()}:8)" in rendered


def test_commonjs_modules_and_lazy_unresolvable_require(tmp_path: Path) -> None:
    write(
        tmp_path,
        "lib/cjs.js",
        """
        exports.twice = (x) => x * 2;
        if (false) { require('stream'); }
    """,
    )
    main = write(
        tmp_path,
        "main.js",
        """
        const lib = require('./lib/cjs');
        module.exports.default = function () { return lib.twice(2); };
    """,
    )
    assert context(main).call("default", 0, False) == "4"


def test_import_errors_name_the_importing_file_and_line(tmp_path: Path) -> None:
    main = write(
        tmp_path,
        "main.js",
        """
        // a comment
        import { x } from './nope.js';
    """,
    )
    with pytest.raises(ModuleNotFound, match=r"main\.js:2: cannot import \./nope\.js: no such file"):
        Bundler(set(JS_MODULES)).add_file(str(main), str(main))
    main.write_text("import a from 'https://jslib.k6.io/x/1.0/index.js';\n")
    with pytest.raises(ModuleNotFound, match=r"main\.js:1: cannot import https://jslib\.k6\.io/x/1\.0/index\.js"):
        Bundler(set(JS_MODULES)).add_file(str(main), str(main))
    main.write_text("\n\nimport a from 'lodash';\n")
    with pytest.raises(ModuleNotFound, match=r"main\.js:3: cannot import lodash: only k6 modules and relative"):
        Bundler(set(JS_MODULES)).add_file(str(main), str(main))


def test_syntax_error_is_located(tmp_path: Path) -> None:
    main = write(
        tmp_path,
        "main.js",
        """
        export default function () {
          const = 1;
        }
    """,
    )
    with pytest.raises(ScriptError, match=r"main\.js:2:\d+: SyntaxError"):
        compile_program(str(main))


def test_modern_syntax_parses_and_runs(tmp_path: Path) -> None:
    main = write(
        tmp_path,
        "main.js",
        """
        class Box { #v = 2; get v() { return this.#v; } }
        export default function () {
          const o = { a: null };
          return [o.a?.b ?? 'dflt', new Box().v, [1, [2]].flat().length, `${__ENV.K}`];
        }
    """,
    )
    assert context(main).call("default", 0, False) == '["dflt",2,2,"v"]'


def test_a_python_module_binds_as_a_k6_module(tmp_path: Path) -> None:
    register(
        PyModule(
            "k6/x/unit",
            {"add": lambda a, b: a + b, "boom": lambda: 1 / 0},
            glue="m.double = (x) => m.add(x, x); m.asBytes = (s) => new Uint8Array(bytes(s)).length;",
        )
    )
    try:
        main = write(
            tmp_path,
            "main.js",
            """
            import unit, { add } from 'k6/x/unit';
            export default function () {
              let error = '';
              try { unit.boom(); } catch (e) { error = String(e); }
              return [add(1, 2), unit.double(4), unit.asBytes('abc'), error];
            }
        """,
        )
        assert context(main).call("default", 0, False) == '[3,8,3,"Error: division by zero"]'
    finally:
        unregister("k6/x/unit")


def test_k6_utils_from_jslib_is_built_in_and_other_jslib_urls_fail(tmp_path: Path) -> None:
    main = write(
        tmp_path,
        "main.js",
        """
        import { findBetween, randomIntBetween, randomItem, randomString, uuidv4 }
          from 'https://jslib.k6.io/k6-utils/1.2.0/index.js';
        export default function () {
          const ints = Array.from({ length: 200 }, () => randomIntBetween(3, 5));
          return [
            findBetween('<a>1</a><a>2</a>', '<a>', '</a>'),
            findBetween('<a>1</a><a>2</a>', '<a>', '</a>', true),
            findBetween('x', '<a>', '</a>'),
            Math.min(...ints), Math.max(...ints),
            ['only'].includes(randomItem(['only'])),
            /^[ab]{8}$/.test(randomString(8, 'ab')),
            /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(uuidv4()),
          ];
        }
    """,
    )
    assert json.loads(context(main).call("default", 0, False)) == ["1", ["1", "2"], None, 3, 5, True, True, True]
    main.write_text("import { expect } from 'https://jslib.k6.io/k6chaijs/4.5.0.1/index.js';\n")
    with pytest.raises(ModuleNotFound, match=r"main\.js:1: cannot import https://jslib\.k6\.io/k6chaijs/4\.5\.0\.1/"):
        Bundler(set(JS_MODULES)).add_file(str(main), str(main))


def test_common_errors_are_worded_as_k6_words_them(tmp_path: Path) -> None:
    main = write(
        tmp_path,
        "main.js",
        """
        export function a() {
          return notDefined + 1;
        }
        export function b() {
          return null.x;
        }
    """,
    )
    ctx = context(main)
    rendered = []
    for name in ("a", "b"):
        with pytest.raises(quickjs.JSException) as info:
            ctx.call(name, 0, False)
        rendered.append(ctx.program.render_error(info.value).splitlines()[0])
    assert rendered == ["ReferenceError: notDefined is not defined", "TypeError: Cannot read property 'x' of undefined"]


def test_frames_of_one_line_functions_get_their_line(tmp_path: Path) -> None:
    main = write(
        tmp_path,
        "main.js",
        """
        const helper = (o) => o.a.b;

        export function setup() { throw new Error('no setup'); }
        export default function () { return helper({}); }
    """,
    )
    ctx = context(main)
    path = main.resolve()
    with pytest.raises(quickjs.JSException) as info:
        ctx.call("setup", 0, False)
    assert ctx.program.render_error(info.value) == f"Error: no setup\n\tat setup (file://{path}:3)"
    with pytest.raises(quickjs.JSException) as info:
        ctx.call("default", 0, False)
    assert ctx.program.render_error(info.value) == (
        f"TypeError: Cannot read property 'b' of undefined\n\tat helper (file://{path}:1)\n"
        f"\tat default (file://{path}:4)"
    )
