"""console.* arguments printed as k6 v1.1 prints them (each argument's JSON: an Error's own enumerable
properties, a function as null, a symbol as its description), the same script through k6 and loadpy."""

from __future__ import annotations

from pathlib import Path

from tests.js.test_js_modules import same_as_k6


def test_console_formats_values_as_k6(tmp_path: Path) -> None:
    lines = same_as_k6(
        tmp_path,
        """
        export const options = { iterations: 1, vus: 1 };
        export default function () {
          console.log({ a: 1, b: [1, 2, { c: "x" }], d: null, e: undefined, f: () => 1 });
          console.log([1, "two", null, undefined, { x: 1 }, function () {}]);
          const coded = new Error("boom");
          coded.code = 5;
          console.log(new Error("boom"), new TypeError("tt"), coded);
          try { undefined.x; } catch (e) { console.log("caught", e); }
          console.log("multi", 1, true, null, undefined, 1.5, -0, NaN, Infinity, 1e21);
          console.log(function named() {}, () => 1, class A {});
          console.log(Symbol("s"), Symbol());
          console.log(new Map([[1, 2]]), new Set([1]), new Date(0), new Uint8Array([1, 2]), /re/g);
          console.log(new Number(5), new String("s"), new Boolean(false), Object.create(null));
          console.log({ toJSON() { return "tj"; } }, { f: function () {}, s: Symbol("x"), n: 5 });
          const cyclic = {};
          cyclic.self = cyclic;
          console.log(cyclic);
          console.log("%s is %d", "x", 5);
          console.warn("w");
          console.error("e");
          console.info("i");
          console.debug("not shown without --verbose");
        }
        """,
    )
    assert lines == [
        '{"a":1,"b":[1,2,{"c":"x"}],"d":null}',
        '[1,"two",null,null,{"x":1},null]',
        '{} {} {"code":5}',
        "caught {}",
        "multi 1 true null undefined 1.5 0 NaN Infinity 1e+21",
        "null null null",
        "s ",
        '{} {} "1970-01-01T00:00:00.000Z" {"0":1,"1":2} {}',
        '5 "s" false {}',
        '"tj" {"n":5}',
        "[object Object]",
        "%s is %d x 5",
        "w",
        "e",
        "i",
        "exit 0",
    ]
