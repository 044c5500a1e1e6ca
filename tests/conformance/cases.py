"""The cases. Ranges (lo/hi) are k6 v1.1.0 figures measured in conformance-ideas.md (case ids in `doc`);
tolerances say why a figure may move. "exact" means k6 itself is exact there, so loadpy must be too."""

from __future__ import annotations

from typing import Any

from tests.conformance.cases_config import CONFIG
from tests.conformance.cases_dashboard import DASHBOARD
from tests.conformance.cases_fold import FOLD
from tests.conformance.cases_hot import HOT
from tests.conformance.cases_hot4 import HOT4
from tests.conformance.cases_hot5 import HOT5
from tests.conformance.cases_http import HTTP_CLIENT
from tests.conformance.cases_jsfid import JSFID
from tests.conformance.cases_metrics import METRICS
from tests.conformance.cases_schema import SCHEMA
from tests.conformance.cases_streaming import STREAMING
from tests.conformance.cases_vu import VU_CASES
from tests.conformance.model import (
    Case,
    Check,
    Expect,
    always,
    cond,
    gap_ms,
    json_eq,
    m,
    offset_ms,
    part,
    plus,
    served,
    span_ms,
    status_is,
    total,
)

OK = {"status is 200": status_is(200)}
TICK = "arrival-rate ticks near the end of the window may or may not start (k6 itself gives both)"
SCHED = "scheduler-dependent on a shared 2-core machine"


def get(path: str, checks: dict[str, Check] | None = None, **extra: Any) -> dict[str, Any]:
    url = path if path.startswith("http") else "${BASE_URL}" + path
    step: dict[str, Any] = {"request": {"method": "GET", "url": url, **extra}}
    if checks:
        step["checks"] = checks
    return step


def sleep(seconds: float) -> dict[str, Any]:
    return {"sleep": seconds}


def scen(**scenarios: dict[str, Any]) -> dict[str, Any]:
    return {"scenarios": scenarios}


def exact(label: str, getter: Any, value: float | None = None) -> Expect:
    return Expect(label, getter, lo=value, hi=value)


ITER = m("iterations")
DROPPED = m("dropped_iterations")
VUS_MAX = m("vus_max", "max")

EXECUTORS: list[Case] = [
    Case(
        "per_vu_iterations",
        "C01 per-vu-iterations 3 VUs x 4",
        {"default": [get("/", OK)]},
        scen(s={"executor": "per-vu-iterations", "vus": 3, "iterations": 4}),
        expect=(
            exact("iterations", ITER, 12),
            exact("http_reqs", m("http_reqs"), 12),
            exact("served /", served("/"), 12),
            exact("http_req_failed fails", m("http_req_failed", "fails"), 12),
        ),
    ),
    Case(
        "shared_iterations",
        "C02 shared-iterations 3 VUs, 10 iterations",
        {"default": [get("/", OK)]},
        scen(s={"executor": "shared-iterations", "vus": 3, "iterations": 10}),
        expect=(exact("iterations", ITER, 10), exact("served /", served("/"), 10)),
    ),
    Case(
        "shared_iterations_lt_vus",
        "C03 iterations (3) < vus (5) is a config error",
        {"default": [get("/")]},
        scen(s={"executor": "shared-iterations", "vus": 5, "iterations": 3}),
        exit_code=104,
        expect=(exact("served", served("/"), 0),),
    ),
    Case(
        "constant_vus",
        "C04 constant-vus 2 VUs 2s, sleep 0.5",
        {"default": [get("/"), sleep(0.5)]},
        scen(s={"executor": "constant-vus", "vus": 2, "duration": "2s"}),
        timing=True,
        expect=(
            Expect("iterations", ITER, tol=1, lo=7, hi=9, why="an iteration at the 2s edge may finish or not"),
            exact("vus_max", VUS_MAX, 2),
        ),
    ),
    Case(
        "constant_arrival_rate",
        "C05 constant-arrival-rate 10/s 2s",
        {"default": [get("/")]},
        scen(
            s={
                "executor": "constant-arrival-rate",
                "rate": 10,
                "timeUnit": "1s",
                "duration": "2s",
                "preAllocatedVUs": 2,
            }
        ),
        timing=True,
        expect=(
            Expect("iterations", ITER, tol=1, lo=20, hi=21, why=TICK),
            Expect("dropped", DROPPED, tol=1, lo=0, hi=1, why=SCHED),
            Expect("arrival spacing ms", gap_ms("/"), tol=15, lo=85, hi=115, why="median gap, " + SCHED),
        ),
    ),
    Case(
        "car_time_unit",
        "C06 constant-arrival-rate 5 per 500ms for 2s",
        {"default": [get("/")]},
        scen(
            s={
                "executor": "constant-arrival-rate",
                "rate": 5,
                "timeUnit": "500ms",
                "duration": "2s",
                "preAllocatedVUs": 2,
            }
        ),
        timing=True,
        expect=(
            Expect("iterations", ITER, tol=1, lo=20, hi=21, why=TICK),
            Expect("arrival spacing ms", gap_ms("/"), tol=15, lo=85, hi=115, why="median gap, " + SCHED),
        ),
    ),
    Case(
        "ramping_arrival_rate",
        "C07 ramping-arrival-rate 0 -> 20/s over 2s",
        {"default": [get("/")]},
        scen(
            s={
                "executor": "ramping-arrival-rate",
                "startRate": 0,
                "timeUnit": "1s",
                "preAllocatedVUs": 5,
                "stages": [{"duration": "2s", "target": 20}],
            }
        ),
        timing=True,
        expect=(Expect("iterations", ITER, tol=1, lo=19, hi=20, why=TICK),),
    ),
    Case(
        "car_dropped",
        "C09 constant-arrival-rate 20/s with one VU that sleeps 0.5s",
        {"default": [get("/"), sleep(0.5)]},
        scen(
            s={
                "executor": "constant-arrival-rate",
                "rate": 20,
                "timeUnit": "1s",
                "duration": "2s",
                "preAllocatedVUs": 1,
                "maxVUs": 1,
            }
        ),
        timing=True,
        expect=(
            exact("iterations", ITER, 4),
            Expect("iterations+dropped", plus(ITER, DROPPED), tol=1, lo=40, hi=41, why=TICK),
        ),
    ),
    Case(
        "car_maxvus_growth",
        "C10 same with maxVUs 50: VUs are added while running",
        {"default": [get("/"), sleep(0.5)]},
        scen(
            s={
                "executor": "constant-arrival-rate",
                "rate": 20,
                "timeUnit": "1s",
                "duration": "2s",
                "preAllocatedVUs": 1,
                "maxVUs": 50,
            }
        ),
        timing=True,
        expect=(
            Expect("dropped", DROPPED, tol=3, lo=7, hi=13, why="VU initialisation races the ticks"),
            Expect("vus_max", VUS_MAX, tol=3, lo=8, hi=14, why="VU initialisation races the ticks"),
            Expect("iterations+dropped", plus(ITER, DROPPED), tol=1, lo=40, hi=41, why=TICK),
        ),
    ),
    Case(
        "ramping_vus_late_vu",
        "C11 ramping-vus 0 -> 2 over 2s, gracefulRampDown 0s: VU 2 never runs",
        {"default": [get("/"), sleep(0.1)]},
        scen(
            s={
                "executor": "ramping-vus",
                "startVUs": 0,
                "gracefulRampDown": "0s",
                "stages": [{"duration": "2s", "target": 2}],
            }
        ),
        timing=True,
        expect=(
            Expect("iterations", ITER, tol=1, lo=9, hi=10, why="the iteration at the 2s edge"),
            exact("vus_max", VUS_MAX, 2),
        ),
    ),
    Case(
        "per_vu_max_duration",
        "C12 per-vu-iterations 2 x 10 with maxDuration 1s",
        {"default": [get("/"), sleep(0.4)]},
        scen(s={"executor": "per-vu-iterations", "vus": 2, "iterations": 10, "maxDuration": "1s"}),
        timing=True,
        expect=(exact("iterations", ITER, 6), exact("dropped", DROPPED, 14)),
    ),
    Case(
        "graceful_stop_0s",
        "C13 constant-vus 1s gracefulStop 0s: in-flight iterations are interrupted",
        {"default": [get("/"), sleep(0.7)]},
        scen(s={"executor": "constant-vus", "vus": 2, "duration": "1s", "gracefulStop": "0s"}),
        timing=True,
        expect=(exact("iterations", ITER, 2), exact("served / (interrupted ones too)", served("/"), 4)),
    ),
    Case(
        "graceful_stop_2s",
        "C14 same with gracefulStop 2s: they finish",
        {"default": [get("/"), sleep(0.7)]},
        scen(s={"executor": "constant-vus", "vus": 2, "duration": "1s", "gracefulStop": "2s"}),
        timing=True,
        expect=(exact("iterations", ITER, 4), exact("served /", served("/"), 4)),
    ),
    Case(
        "start_time",
        "C43 scenario b starts 1s after a",
        {"fa": [get("/items/a"), sleep(0.5)], "fb": [get("/items/b")]},
        scen(
            a={"executor": "constant-vus", "vus": 1, "duration": "2s", "exec": "fa"},
            b={"executor": "per-vu-iterations", "vus": 1, "iterations": 1, "startTime": "1s", "exec": "fb"},
        ),
        timing=True,
        expect=(
            Expect("b offset ms", offset_ms("/items/a", "/items/b"), tol=80, lo=930, hi=1120, why=SCHED),
            exact("vus_max", VUS_MAX, 2),
            exact("served b", served("/items/b"), 1),
            Expect("iterations", ITER, tol=1, lo=5, hi=6, why="the iteration at the 2s edge"),
        ),
    ),
    Case(
        "min_iteration_duration",
        "C44 minIterationDuration 200ms pads iterations",
        {"default": [get("/")]},
        {"vus": 1, "iterations": 5, "minIterationDuration": "200ms"},
        timing=True,
        # 5 iterations so the median gap is a keep-alive one: the first gap also carries the connect time
        expect=(
            exact("iterations", ITER, 5),
            Expect("arrival spacing ms", gap_ms("/"), tol=40, lo=190, hi=280, why=SCHED),
        ),
    ),
    Case(
        "ramping_vus_up_down",
        "C56 ramping-vus 0 -> 2 (1s) -> 0 (1s)",
        {"default": [get("/"), sleep(0.05)]},
        scen(
            s={
                "executor": "ramping-vus",
                "startVUs": 0,
                "gracefulRampDown": "0s",
                "stages": [{"duration": "1s", "target": 2}, {"duration": "1s", "target": 0}],
            }
        ),
        timing=True,
        expect=(
            Expect("iterations", ITER, rel=0.2, lo=25, hi=45, why="~20 iterations/s per VU, " + SCHED),
            exact("vus_max", VUS_MAX, 2),
        ),
    ),
    Case(
        "graceful_ramp_down_0s",
        "C57 ramping down with gracefulRampDown 0s interrupts 3s iterations",
        {"default": [get("/"), sleep(3)]},
        scen(
            s={
                "executor": "ramping-vus",
                "startVUs": 0,
                "gracefulRampDown": "0s",
                "stages": [{"duration": "1s", "target": 2}, {"duration": "1s", "target": 0}],
            }
        ),
        timing=True,
        structure=False,  # k6 prints no iteration metrics at all here; the counts below say it precisely
        expect=(exact("iterations", ITER, 0), exact("served /", served("/"), 2)),
    ),
    Case(
        "graceful_ramp_down_2s",
        "C57 with gracefulRampDown 2s... the ramped-down VUs finish",
        # VU 1 iterates 0.5-2.3 s and VU 2 1.0-2.8 s, ramped down at 2.0 s and 1.5 s: mid-iteration, 0.3 s
        # from any edge. (With 1.5 s sleeps VU 1 ended at 2.0 s + the request, right at its ramp-down: under
        # load k6 itself sometimes started a third iteration there.)
        {"default": [get("/"), sleep(1.8)]},
        scen(
            s={
                "executor": "ramping-vus",
                "startVUs": 0,
                "gracefulRampDown": "2s",
                "stages": [{"duration": "1s", "target": 2}, {"duration": "1s", "target": 0}],
            }
        ),
        timing=True,
        expect=(exact("iterations", ITER, 2), exact("served /", served("/"), 2)),
    ),
    Case(
        "stages_shortcut",
        "C64 options.stages becomes a ramping-vus default scenario (startVUs 1)",
        {"default": [get("/"), sleep(0.2)]},
        {"stages": [{"duration": "1s", "target": 2}, {"duration": "1s", "target": 2}]},
        timing=True,
        expect=(
            Expect("iterations", ITER, rel=0.2, lo=11, hi=17, why="5 iterations/s per VU, " + SCHED),
            exact("vus_max", VUS_MAX, 2),
        ),
    ),
    Case(
        "iterations_plus_duration",
        "C65 vus+iterations+duration: shared-iterations with maxDuration",
        {"default": [get("/"), sleep(0.1)]},
        {"vus": 2, "iterations": 1000, "duration": "1s"},
        timing=True,
        expect=(
            Expect("iterations", ITER, tol=2, lo=17, hi=21, why=SCHED),
            exact("iterations+dropped", plus(ITER, DROPPED), 1000),
        ),
    ),
    Case(
        "no_options",
        "C61 no options: one iteration",
        {"default": [get("/")]},
        None,
        expect=(exact("iterations", ITER, 1), exact("served", served("/"), 1)),
    ),
    Case(
        "vus_only",
        "C62 vus alone is ignored: one iteration",
        {"default": [get("/")]},
        {"vus": 5},
        expect=(exact("iterations", ITER, 1),),
    ),
    Case(
        "externally_controlled",
        "externally-controlled without the REST API runs its start VUs",
        {"default": [get("/"), sleep(0.5)]},
        scen(s={"executor": "externally-controlled", "vus": 1, "maxVUs": 2, "duration": "2s"}),
        timing=True,
        expect=(
            Expect("iterations", ITER, tol=1, lo=3, hi=5, why="k6 measured 3; the iteration at the 2s edge"),
            exact("vus_max", VUS_MAX, 2),
        ),
    ),
    Case(
        "several_scenarios",
        "three executors at once, each with its own flow",
        {"fa": [get("/items/a")], "fb": [get("/items/b")], "fc": [get("/items/c")]},
        scen(
            a={"executor": "per-vu-iterations", "vus": 2, "iterations": 3, "exec": "fa"},
            b={"executor": "shared-iterations", "vus": 2, "iterations": 5, "exec": "fb"},
            c={
                "executor": "constant-arrival-rate",
                "rate": 10,
                "timeUnit": "1s",
                "duration": "1s",
                "preAllocatedVUs": 2,
                "exec": "fc",
            },
        ),
        expect=(
            exact("served a", served("/items/a"), 6),
            exact("served b", served("/items/b"), 5),
            Expect("served c", served("/items/c"), tol=1, lo=10, hi=11, why=TICK),
        ),
    ),
]

OPTIONS: list[Case] = [
    Case(
        "env_precedence",
        "-e beats the OS environment, which beats the file's env defaults",
        {"default": [get("/items/${FROM_CLI}"), get("/items/${FROM_OS}"), get("/items/${FROM_FILE}")]},
        {"iterations": 1},
        env={"FROM_CLI": "file", "FROM_OS": "file", "FROM_FILE": "file"},
        os_env={"FROM_CLI": "os", "FROM_OS": "os"},
        args=("-e", "FROM_CLI=cli"),
        expect=(
            exact("served cli", served("/items/cli"), 1),
            exact("served os", served("/items/os"), 1),
            exact("served file", served("/items/file"), 1),
        ),
    ),
    Case(
        "cli_iterations",
        "C41 -i overrides options.iterations",
        {"default": [get("/")]},
        {"vus": 2, "iterations": 4},
        args=("-i", "8"),
        expect=(exact("iterations", ITER, 8),),
    ),
    Case(
        "cli_vus_gt_iterations",
        "C41 -u 3 -i 2 is a config error",
        {"default": [get("/")]},
        {"vus": 2, "iterations": 4},
        args=("-u", "3", "-i", "2"),
        exit_code=104,
        expect=(exact("served", served("/"), 0),),
    ),
    Case(
        "cli_duration_replaces_scenarios",
        "C41b -d drops the file's scenarios: 1 VU for 1s",
        {"default": [get("/"), sleep(0.2)]},
        scen(s={"executor": "per-vu-iterations", "vus": 5, "iterations": 5}),
        args=("-d", "1s"),
        timing=True,
        expect=(
            Expect("iterations", ITER, tol=1, lo=4, hi=6, why="the iteration at the 1s edge"),
            exact("vus_max", VUS_MAX, 1),
        ),
    ),
]

_ALL_AGGREGATIONS = {
    "http_reqs": ["count==3", "rate>0"],
    "iterations": ["count==3"],
    "cnt": ["count==3"],
    "gau": ["value==5"],
    "rat": ["rate==1"],
    "tre": ["avg==3", "min==3", "med==3", "max==3", "p(95)==3", "p(99.9)==3"],
    "http_req_duration": ["avg<5000", "p(90)<5000"],
    "http_req_failed": ["rate==0"],
    "checks": ["rate==1"],
}
_METRICS = {"cnt": "counter", "gau": "gauge", "rat": "rate", "tre": {"type": "trend", "time": True}}
_METRIC_FLOW = [
    get("/delay/10", OK),
    {"metric": {"name": "cnt", "value": 1}},
    {"metric": {"name": "gau", "value": 5}},
    {"metric": {"name": "rat", "value": 1}},
    {"metric": {"name": "tre", "value": 3}},
]

THRESHOLDS: list[Case] = [
    Case(
        "thresholds_pass",
        "every aggregation method, all passing",
        {"default": _METRIC_FLOW},
        {"iterations": 3, "thresholds": _ALL_AGGREGATIONS},
        metrics=_METRICS,
        expect=(exact("cnt", m("cnt"), 3), exact("tre max", m("tre", "max"), 3)),
    ),
    Case(
        "thresholds_fail",
        "C15 some thresholds crossed: exit 99, verdicts per source",
        {"default": _METRIC_FLOW},
        {
            "iterations": 3,
            "thresholds": {
                **_ALL_AGGREGATIONS,
                "http_req_duration": ["p(95)<1", "avg<5000"],
                "cnt": ["count>100"],
                "rat": ["rate<0.5"],
            },
        },
        metrics=_METRICS,
        exit_code=99,
        expect=(exact("iterations", ITER, 3),),
    ),
    Case(
        "abort_on_fail",
        "C16 abortOnFail stops the test at the first 2s evaluation",
        {"default": [get("/delay/50"), sleep(0.1)]},
        {
            "vus": 1,
            "duration": "6s",
            "thresholds": {"http_req_duration": [{"threshold": "p(95)<1", "abortOnFail": True}]},
        },
        exit_code=99,
        timing=True,
        exact_checks=False,
        expect=(
            Expect(
                "load span ms", span_ms("/delay/50"), tol=350, lo=1700, hi=2400, why="evaluation every 2s, " + SCHED
            ),
        ),
    ),
    Case(
        "abort_delay_eval",
        "C17 delayAbortEval 3s: abort at the 4s evaluation",
        {"default": [get("/delay/50"), sleep(0.1)]},
        {
            "vus": 1,
            "duration": "7s",
            "thresholds": {
                "http_req_duration": [{"threshold": "p(95)<1", "abortOnFail": True, "delayAbortEval": "3s"}]
            },
        },
        exit_code=99,
        timing=True,
        expect=(
            Expect(
                "load span ms", span_ms("/delay/50"), tol=350, lo=3700, hi=4400, why="evaluation every 2s, " + SCHED
            ),
        ),
    ),
    Case(
        "empty_counter_threshold",
        "C18 a counter with no samples fails count>0",
        {"default": [sleep(0)]},
        {"iterations": 1, "thresholds": {"http_reqs": ["count>0"]}},
        exit_code=99,
        expect=(exact("http_reqs", m("http_reqs"), 0),),
    ),
    Case(
        "bad_threshold_method",
        "C20 p(95) on a counter is a config error",
        {"default": [get("/")]},
        {"iterations": 1, "thresholds": {"http_reqs": ["p(95)<1"]}},
        exit_code=104,
        expect=(exact("served", served("/"), 0),),
    ),
    Case(
        "unknown_metric_threshold",
        "C21 a threshold on an unknown metric is a config error",
        {"default": [get("/")]},
        {"iterations": 1, "thresholds": {"no_such_metric": ["count>0"]}},
        exit_code=104,
        expect=(exact("served", served("/"), 0),),
    ),
    Case(
        "submetric_thresholds",
        "C40 submetric selectors: tags, group, several tags, unknown tag",
        {"default": [{"group": "g1", "steps": [get("/")]}, get("/status/404")]},
        {
            "iterations": 2,
            "thresholds": {
                "http_req_duration{status:200}": ["max>=0"],
                "http_reqs{status:404}": ["count==2"],
                "http_reqs{group:::g1}": ["count==2"],
                "http_reqs{status:404,method:GET}": ["count==2"],
                "http_reqs{my_tag:x}": ["count==0"],
                "http_reqs{expected_response:true}": ["count==2"],
            },
        },
        expect=(
            exact("404s", m("http_reqs{status:404}"), 2),
            exact("g1", m("http_reqs{group:::g1}"), 2),
            exact("my_tag", m("http_reqs{my_tag:x}"), 0),
            exact("http_req_failed passes", m("http_req_failed", "passes"), 2),
        ),
    ),
]

CHECKS_METRICS: list[Case] = [
    Case(
        "groups_and_checks",
        "C31 nested groups, passing and failing checks, group_duration count",
        {
            "default": [
                {
                    "group": "outer",
                    "steps": [
                        get("/", {"status is 200": status_is(200), "always false": always(False)}),
                        {"group": "inner", "steps": [get("/items/1", {"inner ok": status_is(200)})]},
                    ],
                },
                get("/status/404", {"is 404": status_is(404)}),
            ]
        },
        {"vus": 2, "iterations": 4, "summaryTrendStats": ["avg", "min", "med", "max", "p(90)", "p(95)", "count"]},
        expect=(
            exact("checks passes", m("checks", "passes"), 12),
            exact("checks fails", m("checks", "fails"), 4),
            exact("group_duration count", m("group_duration", "count"), 8),
            exact("http_reqs", m("http_reqs"), 12),
        ),
    ),
    Case(
        "custom_metrics",
        "custom counter, gauge, rate and trend values",
        {
            "default": [
                {"metric": {"name": "cnt", "value": 2}},
                {"metric": {"name": "cnt", "value": -1}},
                {"metric": {"name": "gau", "value": 10}},
                {"metric": {"name": "gau", "value": 3}},
                {"metric": {"name": "rat", "value": 1}},
                {"metric": {"name": "rat", "value": 0}},
                {"metric": {"name": "rat", "value": 1}},
                {"metric": {"name": "tre", "value": 4}},
                {"metric": {"name": "tre", "value": 1}},
                {"metric": {"name": "plain", "value": 7}},
            ]
        },
        {"iterations": 2},
        metrics={**_METRICS, "plain": "trend"},
        expect=(
            exact("cnt", m("cnt"), 2),
            exact("gau value", m("gau", "value"), 3),
            exact("gau max", m("gau", "max"), 10),
            exact("rat passes", m("rat", "passes"), 4),
            exact("rat fails", m("rat", "fails"), 2),
            exact("tre avg", m("tre", "avg"), 2.5),
            exact("tre med", m("tre", "med"), 2.5),
            exact("plain max", m("plain", "max"), 7),
        ),
    ),
]

HTTP: list[Case] = [
    Case(
        "redirects_followed",
        "C28 a 3-hop redirect is 4 requests",
        {"default": [get("/redirect/3", OK)]},
        {"iterations": 2},
        expect=(
            exact("http_reqs", m("http_reqs"), 8),
            exact("served", served("/redirect/"), 8),
            exact("checks passes", m("checks", "passes"), 2),
        ),
    ),
    Case(
        "max_redirects",
        "C28 maxRedirects 1 stops on the second 302",
        {"default": [get("/redirect/3", {"is 302": status_is(302)})]},
        {"iterations": 1, "maxRedirects": 1},
        expect=(
            exact("http_reqs", m("http_reqs"), 2),
            exact("served", served("/redirect/"), 2),
            exact("checks passes", m("checks", "passes"), 1),
        ),
    ),
    Case(
        "cookies",
        "C34 cookies set by the server are sent back within the iteration",
        {"default": [get("/cookies/set?k=v"), get("/cookies", {"cookie sent": json_eq("k", "v")})]},
        {"iterations": 2},
        expect=(exact("checks passes", m("checks", "passes"), 2),),
    ),
    Case(
        "bytes_counted",
        "data_received counts wire bytes",
        {"default": [get("/bytes/20000", OK)]},
        {"iterations": 5},
        expect=(
            Expect(
                "data_received",
                m("data_received"),
                rel=0.05,
                lo=100_000,
                hi=110_000,
                why="same target and body; only request-dependent response headers may differ",
            ),
            Expect("data_sent", m("data_sent"), rel=0.3, why="User-Agent and default request headers differ"),
            exact("http_reqs", m("http_reqs"), 5),
        ),
    ),
    Case(
        "connection_refused",
        "C29 a closed port: status 0, http_req_failed rate 1, exit 0",
        {"default": [get("http://127.0.0.1:1/")]},
        {"iterations": 1},
        expect=(exact("http_req_failed", m("http_req_failed", "value"), 1), exact("http_reqs", m("http_reqs"), 1)),
    ),
    Case(
        "expected_statuses",
        "C27 default expected statuses 200-399",
        {"default": [get("/status/200"), get("/status/404"), get("/status/500"), get("/status/201")]},
        {"iterations": 1},
        expect=(
            exact("failed passes", m("http_req_failed", "passes"), 2),
            exact("failed fails", m("http_req_failed", "fails"), 2),
            exact("failed rate", m("http_req_failed", "value"), 0.5),
        ),
    ),
    Case(
        "post_echo",
        "a POST with a body is sent and counted",
        {"default": [{"request": {"method": "POST", "url": "${BASE_URL}/echo", "body": "hello world"}, "checks": OK}]},
        {"iterations": 2},
        expect=(
            exact("served", served("/echo"), 2),
            exact("checks passes", m("checks", "passes"), 2),
            Expect("data_sent", m("data_sent"), rel=0.3, why="User-Agent and default request headers differ"),
        ),
    ),
]

_SEQ3 = "0,1/3,2/3,1"
_SEG3 = ("0:1/3", "1/3:2/3", "2/3:1")

SEGMENTS: list[Case] = [
    Case(
        "segments_shared_iterations",
        "C46 shared-iterations 10 VUs 100 iterations over 3 segments",
        {"default": [get("/")]},
        scen(s={"executor": "shared-iterations", "vus": 10, "iterations": 100}),
        segments=_SEG3,
        sequence=_SEQ3,
        exact_checks=False,
        expect=(
            exact("seg0 iterations", part(0, ITER), 40),
            exact("seg1 iterations", part(1, ITER), 30),
            exact("seg2 iterations", part(2, ITER), 30),
            exact("served", served("/"), 100),
        ),
    ),
    Case(
        "segments_per_vu",
        "C46b per-vu-iterations 7 VUs on 1/4, 1/4, 1/2",
        {"default": [get("/")]},
        scen(s={"executor": "per-vu-iterations", "vus": 7, "iterations": 1}),
        segments=("0:1/4", "1/4:1/2", "1/2:1"),
        sequence="0,1/4,1/2,1",
        expect=(
            exact("seg0", part(0, ITER), 2),
            exact("seg1", part(1, ITER), 1),
            exact("seg2", part(2, ITER), 4),
            exact("total", total(ITER), 7),
        ),
    ),
    Case(
        "segments_arrival_rate",
        "C46 constant-arrival-rate 10/s 2s over 3 segments",
        {"default": [get("/")]},
        scen(
            s={
                "executor": "constant-arrival-rate",
                "rate": 10,
                "timeUnit": "1s",
                "duration": "2s",
                "preAllocatedVUs": 4,
            }
        ),
        segments=_SEG3,
        sequence=_SEQ3,
        timing=True,
        expect=(
            Expect("seg0", part(0, ITER), tol=1, lo=10, hi=11, why=TICK),
            exact("seg1", part(1, ITER), 5),
            exact("seg2", part(2, ITER), 5),
            exact("seg0 vus_max", part(0, VUS_MAX), 2),
            exact("seg1 vus_max", part(1, VUS_MAX), 1),
        ),
    ),
]

CONFIG_ERRORS: list[Case] = [
    Case(
        "unknown_executor",
        "C75 an unknown executor",
        {"default": [get("/")]},
        scen(s={"executor": "no-such-executor", "vus": 1}),
        exit_code=104,
    ),
    Case(
        "car_missing_fields",
        "C76 constant-arrival-rate without rate/preAllocatedVUs, duration < 1s",
        {"default": [get("/")]},
        scen(s={"executor": "constant-arrival-rate", "duration": "500ms"}),
        exit_code=104,
    ),
    Case(
        "bad_scenario_name",
        "C75 scenario names are letters, digits, _ and -",
        {"default": [get("/")]},
        scen(**{"bad name!": {"executor": "per-vu-iterations", "vus": 1, "iterations": 1}}),
        exit_code=104,
    ),
    Case(
        "bad_duration", "an unparsable duration", {"default": [get("/")]}, {"vus": 1, "duration": "soon"}, exit_code=104
    ),
    Case(
        "exec_not_found",
        "C73 a scenario whose exec names no flow",
        {"default": [get("/")]},
        scen(s={"executor": "per-vu-iterations", "vus": 1, "iterations": 1, "exec": "nope"}),
        exit_code=104,
    ),
]

_MIXED = ["/status/200", "/status/404", "/status/500", "/status/502", "/status/503"]
_BATCH3 = [{"request": {"method": "GET", "url": "${BASE_URL}/delay/300"}, "checks": OK} for _ in range(3)]
TIMED_OUT = {"timed out (1050)": Check("error_code == 1050", "r.error_code === 1050")}

FLOW_STEPS: list[Case] = [
    Case(
        "request_timeout",
        "a 500ms request timeout on a 1.5s response: error_code 1050, failed, ~500ms",
        {"default": [get("/delay/1500", TIMED_OUT, timeout="500ms")]},
        {"iterations": 2},
        timing=True,
        expect=(
            exact("http_reqs", m("http_reqs"), 2),
            exact("failed rate", m("http_req_failed", "value"), 1),
            exact("checks passes", m("checks", "passes"), 2),
            Expect(
                "http_req_duration max",
                m("http_req_duration", "max"),
                tol=150,
                lo=450,
                hi=800,
                why="the timeout fires at 500ms, " + SCHED,
            ),
        ),
    ),
    Case(
        "request_expected_statuses",
        "per-request expected_statuses [200, 500-502] (k6 responseCallback)",
        {"default": [get(p, expected_statuses=[200, {"min": 500, "max": 502}]) for p in _MIXED]},
        {"iterations": 1, "thresholds": {"http_reqs{expected_response:true}": ["count==3"]}},
        expect=(
            exact("failed passes (404, 503)", m("http_req_failed", "passes"), 2),
            exact("failed fails", m("http_req_failed", "fails"), 3),
            exact("expected_response:true", m("http_reqs{expected_response:true}"), 3),
        ),
    ),
    Case(
        "global_callback_off",
        "http: {expected_statuses: null} is setResponseCallback(null): no http_req_failed",
        {"default": [get(p) for p in _MIXED]},
        {"iterations": 2},
        http={"expected_statuses": None},
        expect=(
            exact("http_reqs", m("http_reqs"), 10),
            exact("http_req_failed absent", m("http_req_failed", "value", default=-1), -1),
        ),
    ),
    Case(
        "global_expected_statuses",
        "a global expected_statuses list, overridden by one request",
        {"default": [*(get(p) for p in _MIXED), get("/status/404", expected_statuses=[404])]},
        {"iterations": 1},
        http={"expected_statuses": [{"min": 400, "max": 404}]},
        expect=(
            exact("failed passes (200, 500, 502, 503)", m("http_req_failed", "passes"), 4),
            exact("failed fails", m("http_req_failed", "fails"), 2),
        ),
    ),
    Case(
        "abort_step",
        "abort with if: on the 2nd iteration: exit 108, the aborting iteration counts",
        {
            "default": [
                get("/"),
                {"abort": "stop at iter 1", "if": cond("iter == 1", "__ITER === 1")},
                get("/items/after"),
            ]
        },
        {"vus": 1, "iterations": 5},
        exit_code=108,
        expect=(
            exact("served /", served("/items/after"), 1),
            exact("served all", served("/"), 3),
            exact("iterations", ITER, 2),
            exact("no dropped_iterations", m("dropped_iterations", "count", default=-1), -1),
        ),
    ),
    Case(
        "fail_step",
        "fail marks the test failed: exit 110, every iteration still runs to its end",
        {
            "default": [
                get("/"),
                {"fail": "marked failed", "if": cond("iter == 0", "__ITER === 0")},
                get("/items/after"),
            ]
        },
        {"vus": 1, "iterations": 3},
        exit_code=110,
        expect=(exact("iterations", ITER, 3), exact("served after", served("/items/after"), 3)),
    ),
    Case(
        "setup_teardown_data",
        "setup's return value reaches default and teardown; setup_data exported",
        {
            "setup": [get("/items/setup"), {"return": {"n": 5, "who": "lp"}}],
            "default": [get("/items/{{ setup_data['n'] }}", OK)],
            "teardown": [get("/items/td-{{ setup_data['who'] }}")],
        },
        {"vus": 2, "iterations": 4},
        expect=(
            exact("served /items/5", served("/items/5"), 4),
            exact("served setup", served("/items/setup"), 1),
            exact("served teardown", served("/items/td-lp"), 1),
            exact("iterations", ITER, 4),
            exact("http_reqs", m("http_reqs"), 6),
        ),
    ),
    Case(
        "env_expression_url",
        "{{ env['X'] }} in a URL: -e beats the file's env block",
        {"default": [get("/items/{{ env['WHO'] }}"), get("/items/{{ env['KEPT'] }}")]},
        {"iterations": 2},
        env={"WHO": "file", "KEPT": "kept"},
        args=("-e", "WHO=cli"),
        expect=(
            exact("served cli", served("/items/cli"), 2),
            exact("served kept", served("/items/kept"), 2),
            exact("served file", served("/items/file"), 0),
        ),
    ),
    Case(
        "batch_parallel",
        "a batch of 3 x 300ms: sent together, 3 requests, checks on each",
        {"default": [{"batch": _BATCH3}]},
        {"iterations": 1},
        timing=True,
        expect=(
            exact("http_reqs", m("http_reqs"), 3),
            exact("checks passes", m("checks", "passes"), 3),
            Expect("arrival span ms", span_ms("/delay/300"), tol=100, lo=0, hi=150, why=SCHED),
        ),
    ),
    Case(
        "batch_per_host_1",
        "batchPerHost 1 sends a batch's requests to one host one at a time",
        {"default": [{"batch": _BATCH3}]},
        {"iterations": 1, "batchPerHost": 1},
        timing=True,
        expect=(
            exact("http_reqs", m("http_reqs"), 3),
            Expect(
                "arrival span ms",
                span_ms("/delay/300"),
                tol=120,
                lo=580,
                hi=800,
                why="two 300ms waits between arrivals, " + SCHED,
            ),
            Expect(
                "iteration_duration",
                m("iteration_duration", "max"),
                tol=150,
                lo=880,
                hi=1200,
                why="three sequential 300ms responses, " + SCHED,
            ),
        ),
    ),
]

CASES: list[Case] = [
    *VU_CASES,
    *JSFID,
    *EXECUTORS,
    *OPTIONS,
    *THRESHOLDS,
    *CHECKS_METRICS,
    *HTTP,
    *SEGMENTS,
    *CONFIG_ERRORS,
    *FLOW_STEPS,
    *METRICS,
    *HTTP_CLIENT,
    *DASHBOARD,
    *STREAMING,
    *CONFIG,
    *SCHEMA,
    *HOT,
    *HOT4,
    *FOLD,
    *HOT5,
]
