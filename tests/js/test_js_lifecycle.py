"""What k6 gives in each stage of a script's life: `__ITER` only in iterations (undefined in init code, a
ReferenceError in setup), `open()` only in init code, a group name with '::' (a GoError), and a setup or
teardown exception logged once, exit 107. Each script runs through k6 and loadpy (tests/js/test_js_strict.py
compares the logged lines, k6's columns dropped)."""

from __future__ import annotations

from pathlib import Path

from tests.js.test_js_strict import both


def test_iter_open_and_group_names_as_k6(tmp_path: Path) -> None:
    files = {
        "script.js": """
            import { group } from "k6";
            export const options = { iterations: 1, vus: 1 };
            const text = open("./data.txt");
            console.log("init", __VU, typeof __ITER, text.trim());
            export default function () {
              console.log("iteration", __VU, __ITER);
              try {
                open("./data.txt");
              } catch (e) {
                console.log("open:", String(e));
              }
              try {
                group("a::b", () => 1);
              } catch (e) {
                console.log("group:", String(e));
              }
            }
            """,
        "data.txt": "hello\n",
    }
    k6, loadpy = both(tmp_path, files)
    assert loadpy == k6
    assert loadpy == (
        0,
        [
            "init 0 undefined hello",
            "init 1 undefined hello",
            "iteration 1 0",
            'open: GoError: the "open" function is only available in the init stage (i.e. the global scope), '
            "see https://grafana.com/docs/k6/latest/using-k6/test-lifecycle/ for more information",
            "group: GoError: group and check names may not contain '::'",
        ],
    )


def test_a_setup_exception_is_logged_once_and_exits_107(tmp_path: Path) -> None:
    files = {
        "script.js": """
            export const options = { iterations: 1 };
            export function setup() { console.log("setup", __VU, typeof __ITER); return __ITER; }
            export default function () {}
            """
    }
    k6, loadpy = both(tmp_path, files)
    assert loadpy == k6
    assert loadpy == (
        107,
        ["setup 0 undefined", "ReferenceError: __ITER is not defined", f"\tat setup (file://{tmp_path}/script.js:2)"],
    )
