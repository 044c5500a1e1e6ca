"""`res.json(selector)`: GJSON paths (loadpy/k6lib/gjson.py) against the real k6 binary, and the module's
own rules. The script posts a document to a raw-socket server that answers with the body, selects with
each path and logs the result; objects are logged with sorted keys (k6 builds them from Go maps)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from loadpy.k6lib.gjson import select
from tests.js.logged_run import run_logged
from tests.js.raw_echo_server import RawEchoServer
from tests.unit.k6lib.oracle import k6_binary

DOC = {
    "name": {"first": "Tom", "last": "Anderson"},
    "age": 37,
    "children": ["Sara", "Alex", "Jack"],
    "fav.movie": "Deer Hunter",
    "friends": [
        {"first": "Dale", "last": "Murphy", "age": 44, "nets": ["ig", "fb", "tw"]},
        {"first": "Roger", "last": "Craig", "age": 68, "nets": ["fb", "tw"]},
        {"first": "Jane", "last": "Murphy", "age": 47, "nets": ["ig", "tw"]},
    ],
    "a": [1, 2.5, -3, None, True, "x"],
    "n": None,
    "e": [],
    "o": {},
    "nested": {"arr": [{"k": [1, [2, 3]]}, {"k": [4]}], "we*ird": 1, "q?": 2, "sp ace": 3},
    "items": [
        {"id": 1, "tags": ["a", "b"], "ok": True, "price": 9.5, "name": "apple"},
        {"id": 2, "tags": ["b"], "ok": False, "price": 20, "name": "banana"},
        {"id": 3, "ok": None, "name": "cherry"},
    ],
    "uni": "héllo ✓",
}
SELECTORS = [
    *("name.last", "age", "children", "children.#", "children.1", "child*.2", "c?ildren.0", "fav\\.movie"),
    *("friends.#.first", "friends.1.last", 'friends.#(last=="Murphy").first', 'friends.#(last=="Murphy")#.first'),
    *("friends.#(age>45)#.last", 'friends.#(nets.#(="fb"))#.first', "children|@reverse", "children.@reverse"),
    *("missing", "friends.5", "name", "@this.age", "friends.#.nets.0", "{name.first,age}", "[age,name.last]"),
    *("children.-1", 'friends.#(first%"D*").last', "age.", "", "a", "a.3", "a.#", "n", "e", "e.#", "e.0", "o.x"),
    *("nested.arr.#.k", "nested.arr.0.k.1.0", "nested.we\\*ird", "nested.q\\?", "nested.sp ace", "nested.we*"),
    *("items.#(ok==true).name", "items.#(ok==false).id", "items.#(ok==null)#.id", "items.#(price<10).name"),
    *("items.#(price>=9.5)#.name", 'items.#(name!="apple")#.id', 'items.#(name%"b*").id', 'items.#(name!%"b*")#.id'),
    *('items.#(tags.#(=="a"))#.id', "items.#(id==2)", "items.#(id==9)", "items.#(id==9)#", "items.#.tags.#"),
    *("items.#.tags|#", "items|#", "items.#.name|1", "uni", "items.@reverse.0.id", "nested.@keys"),
    *("items.#.tags|@flatten", "[items.0.id,missing,age]", '{age,"alias":n}', "s.@fromstr", "nested.arr.#.k|@flatten"),
    *('items.#(name>"b")#.name', "age.x", "uni.0", "a.1x", "items.-1", "@reverse.0.a"),
]
SCRIPT = """
import http from "k6/http";
export const options = { iterations: 1, vus: 1 };
const sorted = (x) => Object.fromEntries(Object.keys(x).sort().map((n) => [n, x[n]]));
const isMap = (x) => x && typeof x === "object" && !Array.isArray(x);
const sortedJSON = (v) => JSON.stringify(v, (k, x) => (isMap(x) ? sorted(x) : x));
export default function () {
  const res = http.post(__ENV.TARGET + "/body", JSON.stringify(DOC));
  for (const s of SELECTORS) {
    const v = res.json(s);
    console.log(s, "=>", v === undefined ? "undefined" : sortedJSON(v));
  }
  const bad = http.post(__ENV.TARGET + "/body", "{not json");
  console.log("not JSON, with a selector:", bad.json("a") === undefined);
}
"""


def _logged(command: list[str], script: Path, target: str) -> list[str]:
    run = run_logged(command, script, env={"TARGET": target})
    return [*run.lines, f"exit {run.code}"]


def test_json_selectors_as_k6(tmp_path: Path) -> None:
    script = tmp_path / "script.js"
    source = SCRIPT.replace("DOC", json.dumps(DOC)).replace("SELECTORS", json.dumps(SELECTORS))
    script.write_text(source, encoding="utf-8")
    with RawEchoServer() as server:
        k6 = _logged([k6_binary()], script, server.url)
        loadpy = _logged([sys.executable, "-m", "loadpy"], script, server.url)
    assert loadpy == k6
    assert len(loadpy) == len(SELECTORS) + 2
    results = dict(line.split(" => ", 1) for line in loadpy[: len(SELECTORS)])
    assert results['friends.#(nets.#(="fb"))#.first'] == '["Dale","Roger"]'
    assert results["items.#.tags|#"] == "2"  # the pipe ends the mapping
    assert results["friends.#.nets.0"] == '["ig","fb","ig"]'  # a dot does not
    assert results["age."] == results[""] == results["missing"] == "undefined"
    assert loadpy[-2:] == ["not JSON, with a selector: true", "exit 0"]


@pytest.mark.parametrize(
    ("text", "path", "expected"),
    [
        ('{"a":{"b":[1,2]}}', "a.b.1", "2"),
        ('{"a":1}\n{"a":2}\n', "..#.a", "[1,2]"),
        ('{"a":"{\\"b\\":1}"}', "a.@fromstr.b", "1"),
        ('{"a":[{"x":1},{"y":2}]}', "a|@join", '{"x":1,"y":2}'),
        ('{"a":{"b":1}}', "a.@values", "[1]"),
        ('{"a":[3,"x"]}', "a.@tostr", '"[3,\\"x\\"]"'),
        ('{"a":1}', "a|", None),
        ("not json", "a", None),
    ],
)
def test_select(text: str, path: str, expected: str | None) -> None:
    assert select(text, path) == expected
