"""k6/data, k6/metrics and check() refuse what k6 refuses, with k6's GoError texts: SharedArray (outside
init code, no name, no function, not an array), metric names (2 to 129 ASCII letters, digits or
underscores, not starting with a digit), a name defined again with another type, invalid values added
(k6's warning names them as JavaScript prints them), check() without checks."""

from __future__ import annotations

from pathlib import Path

from tests.js.test_js_strict import both

SCRIPT = """
import { SharedArray } from "k6/data";
import { Counter, Trend } from "k6/metrics";
import { check } from "k6";
export const options = { iterations: 1, vus: 1 };
function t(label, fn) {
  try {
    console.log(label, "ok", JSON.stringify(fn()));
  } catch (e) {
    console.log(label, "ERR", String(e));
  }
}
t("not an array", () => new SharedArray("x", () => 5).length);
t("no function", () => new SharedArray("y"));
t("empty name", () => new SharedArray("", () => [1]).length);
for (const name of ["a", "ab", "1a", "my.metric", "x".repeat(129), "x".repeat(130)]) {
  t(`name ${name.length}`, () => new Counter(name).name.length);
}
const counter = new Counter("my_c");
t("redefined", () => new Trend("my_c"));
export default function () {
  t("array in a VU", () => new SharedArray("z", () => [1]));
  t("metric in a VU", () => new Counter("late"));
  for (const value of ["x", NaN, {}, -1, true]) t(`add ${String(value)}`, () => counter.add(value));
  t("check without checks", () => check(1));
  t("check with a number", () => check(1, 5));
}
"""


def test_module_errors_as_k6(tmp_path: Path) -> None:
    k6, loadpy = both(tmp_path, {"script.js": SCRIPT})
    assert loadpy == k6
    code, lines = loadpy
    assert code == 0
    assert (
        "name 1 ERR GoError: Invalid metric name: 'a'. Metric names must only include up to 128 ASCII letters, "
        "numbers, or underscores and start with a letter or an underscore." in lines
    )
    assert "redefined ERR GoError: metric 'my_c' already exists but with type counter, instead of trend" in lines
    assert "'NaN' is an invalid value for metric 'my_c', a number or a boolean value is expected" in lines
    assert "check without checks ERR GoError: no checks provided to `check`" in lines
