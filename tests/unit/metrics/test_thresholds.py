"""Thresholds: k6's grammar and messages, aggregations per type, empty-sink and abort semantics."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loadpy.errors import ConfigError
from loadpy.metrics import Registry, tagset
from loadpy.metrics.selectors import parse_metric_key
from loadpy.metrics.thresholds import OPERATORS, Thresholds, parse_expression


def registry_with_customs() -> Registry:
    reg = Registry()
    reg.define("never_rate", "rate")
    reg.define("never_trend", "trend")
    reg.define("never_gauge", "gauge")
    return reg


def outcome(spec: dict, reg: Registry, duration: float = 2.0) -> dict[str, bool]:
    th = Thresholds.parse(spec, reg)
    th.evaluate(duration, final=True)
    return {f"{name} {t.source}": t.ok for name, ts in th.by_metric.items() for t in ts}


# -- messages (C20, C21 and the k6 parser) -------------------------------------------
@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (
            {"http_reqs": ["p(95)<1"]},
            'invalid threshold "p(95)<1" applied on metric http_reqs; reason: unsupported aggregation method p on '
            "metric of type counter. supported aggregation methods for this metric are: count, rate",
        ),
        (
            {"no_such_metric": ["count>0"]},
            'invalid threshold defined on no_such_metric; reason: no metric name "no_such_metric" found',
        ),
        (
            {"nope{a:1}": ["count>0"]},
            'invalid threshold defined on nope{a:1}; reason: no metric name "nope{a:1}" found',
        ),
        (
            {"http_req_duration": ["p95<200"]},
            'failed parsing threshold expression\'s "p95<200" left hand side; reason: failed parsing method from '
            "expression",
        ),
        (
            {"http_req_duration": ["p(95)<200ms"]},
            'failed parsing threshold expresion\'s "p(95)<200ms" right hand side; reason: strconv.ParseFloat: '
            'parsing "200ms": invalid syntax',
        ),
        (
            {"http_req_duration": ["avg"]},
            'failed parsing threshold expression "avg"; reason: malformed threshold expression',
        ),
        (
            {"http_req_duration": ["p(abc)<1"]},
            'failed parsing threshold expression\'s "p(abc)<1" left hand side; reason: malformed percentile value; '
            'reason: strconv.ParseFloat: parsing "abc": invalid syntax',
        ),
        (
            {"http_reqs{a}": ["count>0"]},
            'unable to validate threshold expressions; reason: parsing metric name failed, metric "a" tag '
            "expression is malformed",
        ),
        (
            {"http_reqs{a:1": ["count>0"]},
            'unable to validate threshold expressions; reason: parsing metric name failed, metric "http_reqs{a:1" '
            "has unmatched opening/close curly brace",
        ),
        (
            {"http_reqs{a:1}x": ["count>0"]},
            'unable to validate threshold expressions; reason: parsing metric name failed, metric "http_reqs{a:1}x" '
            "lacks a closing curly brace in its last position",
        ),
        (
            {"gauge_x": ["rate>1"]},
            'invalid threshold defined on gauge_x; reason: no metric name "gauge_x" found',
        ),
        (
            {"vus": ["avg>1"]},
            'invalid threshold "avg>1" applied on metric vus; reason: unsupported aggregation method avg on metric '
            "of type gauge. supported aggregation methods for this metric are: value",
        ),
        (
            {"checks": ["count>1"]},
            'invalid threshold "count>1" applied on metric checks; reason: unsupported aggregation method count on '
            "metric of type rate. supported aggregation methods for this metric are: rate",
        ),
        (
            {"iteration_duration": ["rate>1"]},
            'invalid threshold "rate>1" applied on metric iteration_duration; reason: unsupported aggregation method '
            "rate on metric of type trend. supported aggregation methods for this metric are: avg, min, max, med, p",
        ),
    ],
)
def test_k6_error_messages(spec: dict, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        Thresholds.parse(spec, Registry())
    assert info.value.message == message
    assert info.value.key == f"thresholds.{next(iter(spec))}"


@pytest.mark.parametrize(
    ("items", "fragment"),
    [
        ("p(95)<1", "must be a list"),
        ([{"threshold": "avg<1", "abortOnFial": True}], "unknown threshold field 'abortOnFial'"),
        ([{"abortOnFail": True}], "needs a 'threshold' expression string"),
        ([{"threshold": "avg<1", "abortOnFail": "yes"}], "abortOnFail must be true or false"),
        ([{"threshold": "avg<1", "delayAbortEval": "10 s"}], 'unknown unit " s"'),
        ([42], "expression string or a"),
    ],
)
def test_bad_shapes_are_config_errors(items: object, fragment: str) -> None:
    with pytest.raises(ConfigError) as info:
        Thresholds.parse({"http_req_duration": items}, Registry())
    assert fragment in str(info.value)
    assert info.value.key == "thresholds.http_req_duration"


def test_misspelt_object_field_gets_a_hint() -> None:
    with pytest.raises(ConfigError) as info:
        Thresholds.parse({"http_req_duration": [{"threshold": "avg<1", "abortOnFial": True}]}, Registry())
    assert info.value.hint == "did you mean abortOnFail?"


# -- grammar ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("source", "method", "pct", "op", "value"),
    [
        ("p(95)<=5", "p", 95.0, "<=", 5.0),
        ("p(99.99) < 1e3", "p", 99.99, "<", 1000.0),
        (" avg >= -2.5 ", "avg", None, ">=", -2.5),
        ("count===6", "count", None, "===", 6.0),
        ("count==6", "count", None, "==", 6.0),
        ("rate!=0", "rate", None, "!=", 0.0),
        ("value>.5", "value", None, ">", 0.5),
        ("p(0)>0x1p-2", "p", 0.0, ">", 0.25),
        ("med<+Inf", "med", None, "<", math.inf),
    ],
)
def test_expression_parsing(source: str, method: str, pct: float | None, op: str, value: float) -> None:
    expr = parse_expression(source)
    assert (expr.method, expr.percentile, expr.operator, expr.value) == (method, pct, op, value)


def test_operator_scan_order_splits_on_first_token_in_k6_order() -> None:
    # "<=" is tried before "<", so "avg<=<3" is avg, "<=", "<3" -> a right-hand side error.
    with pytest.raises(ConfigError, match=r'parsing "<3": invalid syntax'):
        parse_expression("avg<=<3")
    # "==" wins over "!=" when both appear: left side "rate!" is not a method.
    with pytest.raises(ConfigError, match="left hand side"):
        parse_expression("rate!==1")


@pytest.mark.parametrize(
    ("key", "metric", "display", "selector"),
    [
        ("http_reqs", "http_reqs", "http_reqs", ()),
        ("http_reqs{ status : '404' }", "http_reqs", "http_reqs{status : '404'}", (("status", "404"),)),
        ("http_reqs{group:::g1}", "http_reqs", "http_reqs{group:::g1}", (("group", "::g1"),)),
        (
            'http_reqs{status:404,method:"GET"}',
            "http_reqs",
            'http_reqs{status:404,method:"GET"}',
            (("method", "GET"), ("status", "404")),
        ),
        ("http_reqs{a: }", "http_reqs", "http_reqs{a:}", (("a", ""),)),
        ("http_reqs{url:http://x:1/a}", "http_reqs", "http_reqs{url:http://x:1/a}", (("url", "http://x:1/a"),)),
    ],
)
def test_selector_parsing(key: str, metric: str, display: str, selector: tuple) -> None:
    parsed = parse_metric_key(key)
    assert (parsed.metric, parsed.display_name, parsed.selector) == (metric, display, selector)


# -- aggregations per type ----------------------------------------------------------------
def test_every_aggregation_per_type() -> None:
    reg = Registry()
    trend = reg.metrics["iteration_duration"]
    for v in range(1, 11):
        reg.add(trend, (), float(v))
    reg.add(reg.metrics["http_reqs"], (), 3)
    reg.add(reg.metrics["vus"], (), 7)
    reg.add(reg.metrics["vus"], (), 4)
    for ok in (1, 1, 0, 1):
        reg.add(reg.metrics["checks"], (), ok)
    got = outcome(
        {
            "iteration_duration": [
                "avg==5.5",
                "min==1",
                "max==10",
                "med==5.5",
                "p(90)<9.11",
                "p(90)>9.09",
                "p(99.99)>9.999",
                "p(0)==1",
                "p(100)==10",
                "avg!=5.5",
            ],
            "http_reqs": ["count==3", "rate==1.5", "rate>1.5"],
            "vus": ["value==4", "value>4"],
            "checks": ["rate==0.75", "rate<0.75"],
        },
        reg,
        duration=2.0,
    )
    assert got == {
        "iteration_duration avg==5.5": True,
        "iteration_duration min==1": True,
        "iteration_duration max==10": True,
        "iteration_duration med==5.5": True,
        "iteration_duration p(90)<9.11": True,
        "iteration_duration p(90)>9.09": True,
        "iteration_duration p(99.99)>9.999": True,
        "iteration_duration p(0)==1": True,
        "iteration_duration p(100)==10": True,
        "iteration_duration avg!=5.5": False,
        "http_reqs count==3": True,
        "http_reqs rate==1.5": True,
        "http_reqs rate>1.5": False,
        "vus value==4": True,
        "vus value>4": False,
        "checks rate==0.75": True,
        "checks rate<0.75": False,
    }


def test_empty_sinks_at_the_end_c18_c19() -> None:
    reg = registry_with_customs()
    got = outcome(
        {
            "http_reqs": ["count>0"],
            "never_rate": ["rate>0.5"],
            "never_trend": ["p(95)>10", "avg>1", "p(95)<10"],
            "never_gauge": ["value>1"],
        },
        reg,
    )
    assert got == {
        "http_reqs count>0": False,
        "never_rate rate>0.5": True,
        "never_trend p(95)>10": False,
        "never_trend avg>1": False,
        "never_trend p(95)<10": True,
        "never_gauge value>1": False,
    }


def test_periodic_evaluation_skips_empty_sinks_and_final_does_not() -> None:
    reg = Registry()
    th = Thresholds.parse({"http_reqs": ["count>0"], "iteration_duration": ["max<5"]}, reg)
    reg.add(reg.metrics["iteration_duration"], (), 9.0)
    assert th.evaluate(1.0) is False
    assert th.failed_metric_names() == ["iteration_duration"]  # empty counter skipped, not failed
    th.evaluate(1.0, final=True)
    assert th.failed_metric_names() == ["http_reqs", "iteration_duration"]


def test_failed_names_use_display_names_sorted() -> None:
    reg = Registry()
    th = Thresholds.parse({"http_req_duration{name:delayed}": ["max<1"], "checks": ["rate>0.9"]}, reg)
    reg.add(reg.metrics["http_req_duration"], tagset({"name": "delayed", "status": "200"}), 20.0)
    reg.add(reg.metrics["http_req_duration"], tagset({"name": "other"}), 0.5)
    reg.add(reg.metrics["checks"], (), 0)
    th.evaluate(3.0, final=True)
    assert th.failed_metric_names() == ["checks", "http_req_duration{name:delayed}"]


def test_submetric_thresholds_c40() -> None:
    reg = Registry()
    reqs = reg.metrics["http_reqs"]
    for tags in ({"status": "200", "group": "::g1", "method": "GET"}, {"status": "404", "group": "", "method": "GET"}):
        for _ in range(2):
            reg.add(reqs, tagset(tags), 1)
    th = Thresholds.parse(
        {
            "http_reqs{ status : '404' }": ["count==2"],
            "http_reqs{group:::g1}": ["count==2"],
            "http_reqs{status:404,method:GET}": ["count==2"],
            "http_reqs{my_tag:x}": ["count==0"],
        },
        reg,
    )
    th.evaluate(1.0, final=True)
    assert list(th.by_metric) == [
        "http_reqs{status : '404'}",
        "http_reqs{group:::g1}",
        "http_reqs{status:404,method:GET}",
        "http_reqs{my_tag:x}",
    ]
    assert th.failed_metric_names() == []


def test_keys_selecting_the_same_tags_share_one_submetric() -> None:
    th = Thresholds.parse({"http_reqs{status:404}": ["count>=0"], "http_reqs{ status:'404' }": ["count<9"]}, Registry())
    assert [t.source for t in th.by_metric["http_reqs{status:404}"]] == ["count>=0", "count<9"]
    assert len(th.by_metric) == 1


def test_abort_on_fail_and_delay_abort_eval() -> None:
    reg = Registry()
    th = Thresholds.parse(
        {
            "http_req_failed": [{"threshold": "rate<0.5", "abortOnFail": True, "delayAbortEval": "3s"}],
            "iteration_duration": ["max<1"],
        },
        reg,
    )
    reg.add(reg.metrics["iteration_duration"], (), 5.0)
    assert th.evaluate(2.0) is False  # only a non-aborting threshold failed
    reg.add(reg.metrics["http_req_failed"], (), 1)
    assert th.evaluate(2.0) is False  # within delayAbortEval
    assert th.evaluate(4.0) is True
    assert th.aborting_metric_names() == ["http_req_failed"]


def test_abort_without_delay_fires_at_first_failing_tick() -> None:
    reg = Registry()
    th = Thresholds.parse({"http_req_duration": [{"threshold": "p(95)<5", "abortOnFail": True}]}, reg)
    assert th.evaluate(2.0) is False  # empty: skipped
    reg.add(reg.metrics["http_req_duration"], (), 30.0)
    assert th.evaluate(2.0) is True


def test_counter_rate_with_zero_duration_does_not_raise() -> None:
    reg = Registry()
    reg.add(reg.metrics["http_reqs"], (), 1)
    th = Thresholds.parse({"http_reqs": ["rate>0"]}, reg)
    th.evaluate(0.0, final=True)
    assert th.failed_metric_names() == []  # 1/0 = +Inf like Go


# -- property tests of the grammar ---------------------------------------------------------
_space = st.sampled_from(["", " ", "  ", "\t"])
_number = st.one_of(
    st.integers(-(10**9), 10**9).map(str),
    st.floats(allow_nan=False, allow_infinity=False, width=64).map(repr),
)
_percent = st.floats(0, 100, allow_nan=False).map(repr) | st.integers(0, 100).map(str)


@st.composite
def expressions(draw: st.DrawFn) -> tuple[str, str, float | None, str, float]:
    if draw(st.booleans()):
        method, pct_text = "p", draw(_percent)
        left, pct = f"p({pct_text})", float(pct_text)
    else:
        method = left = draw(st.sampled_from(["avg", "min", "max", "med", "count", "rate", "value"]))
        pct = None
    op = draw(st.sampled_from(OPERATORS))
    number = draw(_number)
    text = f"{draw(_space)}{left}{draw(_space)}{op}{draw(_space)}{number}{draw(_space)}"
    return text, method, pct, op, float(number)


@pytest.mark.slow
@given(expressions())
@settings(max_examples=300, deadline=None)
def test_valid_expressions_round_trip(case: tuple[str, str, float | None, str, float]) -> None:
    text, method, pct, op, value = case
    expr = parse_expression(text)
    assert (expr.method, expr.percentile, expr.operator, expr.value) == (method, pct, op, value)


@given(st.text(max_size=40))
@settings(max_examples=300, deadline=None)
def test_garbage_expressions_raise_only_config_errors(text: str) -> None:
    try:
        Thresholds.parse({"http_req_duration": [text]}, Registry())
    except ConfigError as exc:
        assert exc.key == "thresholds.http_req_duration"


@given(st.text(max_size=40))
@settings(max_examples=300, deadline=None)
def test_garbage_metric_keys_raise_only_config_errors(key: str) -> None:
    try:
        Thresholds.parse({key: ["count>=0"]}, Registry())
    except ConfigError:
        pass
