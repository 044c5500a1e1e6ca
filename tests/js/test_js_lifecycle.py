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


def test_iteration_state_between_iterations_as_k6(tmp_path: Path) -> None:
    """What one iteration leaves to the next: a timer of an iteration that threw never fires, one that is
    due fires in its own iteration; `__ITER` and k6/execution's counters (a failed iteration is completed)."""
    files = {
        "script.js": """
            import exec from "k6/execution";
            export const options = { scenarios: { s: { executor: "per-vu-iterations", vus: 1, iterations: 4 } } };
            export default function () {
              const i = exec.instance;
              console.log("iteration", __ITER, i.iterationsCompleted, i.vusActive, exec.vu.iterationInScenario);
              if (__ITER === 1) {
                setTimeout(() => console.log("stale timer"), 50);
                throw new Error("boom");
              }
              if (__ITER === 2) setTimeout(() => console.log("timer of", __ITER), 1);
            }
            export function teardown() {
              console.log("teardown", typeof __ITER);
            }
            """
    }
    k6, loadpy = both(tmp_path, files)
    assert loadpy == k6
    assert [line for line in loadpy[1] if not line.startswith(("Error: boom", "\tat default"))] == [
        "iteration 0 0 1 0",
        "iteration 1 1 1 1",
        "setTimeout 1 was stopped because the VU iteration was interrupted",  # before the error, as k6
        "iteration 2 2 1 2",
        "timer of 2",
        "iteration 3 3 1 3",
        "teardown undefined",
    ]


def test_a_hard_stop_warns_of_each_timer_left_as_k6(tmp_path: Path) -> None:
    """k6's TestEventLoopCrossScenario: the first scenario's timer is due after its hard stop (maxDuration
    1 s + gracefulStop 1 s): k6 warns and the timer never runs, not even in the second scenario's VU; there the
    timeout runs and the interval is left at the hard stop."""
    files = {
        "script.js": """
            import exec from "k6/execution";
            import { setTimeout } from "k6/timers";
            export const options = {
              scenarios: {
                first: { executor: "shared-iterations", maxDuration: "1s", iterations: 1, vus: 1, gracefulStop: "1s" },
                second: { executor: "shared-iterations", maxDuration: "1s", iterations: 1, vus: 1, startTime: "3s",
                          gracefulStop: "3s" },
              },
            };
            export default function () {
              const name = exec.scenario.name;
              setTimeout(() => console.log(name), 3000);
              setInterval(() => {}, 2500);
            }
            """
    }
    k6, loadpy = both(tmp_path, files)
    assert loadpy == k6
    assert loadpy[1][:4] == [
        "setInterval 2 was stopped because the VU iteration was interrupted",
        "setTimeout 1 was stopped because the VU iteration was interrupted",
        "second",
        "setInterval 4 was stopped because the VU iteration was interrupted",
    ]
