"""Failed requests by reason: counted from the http_req_failed series' true samples, most common first."""

from __future__ import annotations

from loadpy.metrics.registry import Registry
from loadpy.metrics.tags import tagset
from loadpy.summary.failures import collect_failures, failure_lines


def failed(reg: Registry, n: int, value: float, **tags: str) -> None:
    for _ in range(n):
        reg.add(reg.metrics["http_req_failed"], tagset(tags), value)


def test_rows_count_true_samples_by_reason() -> None:
    reg = Registry()
    failed(reg, 5, 0.0, method="GET", name="ok", status="200")
    failed(reg, 2, 1.0, method="GET", name="svc", status="503", error_code="1503", scenario="a")
    failed(reg, 1, 1.0, method="GET", name="svc", status="503", error_code="1503", scenario="b")  # same reason
    refused = {"method": "POST", "name": "http://127.0.0.1:1/", "status": "0", "error_code": "1212"}
    failed(reg, 4, 1.0, **refused, error="dial: connection refused")
    result = collect_failures(reg)
    assert (result.failed, result.requests, result.unlisted) == (7, 12, 0)
    assert [(r.count, r.status, r.error_code, r.name) for r in result.rows] == [
        (4, "0", "1212", "http://127.0.0.1:1/"),
        (3, "503", "1503", "svc"),
    ]
    assert failure_lines(result, "  ") == [
        "  count  status  error_code  request                   error",
        "  4      0       1212        POST http://127.0.0.1:1/  dial: connection refused",
        "  3      503     1503        GET svc",
    ]


def test_more_reasons_than_rows_are_summed_and_no_failure_prints_nothing() -> None:
    reg = Registry()
    for code in range(400, 425):
        failed(reg, 1, 1.0, status=str(code), error_code=str(1000 + code))
    result = collect_failures(reg, max_rows=3)
    assert len(result.rows) == 3 and result.unlisted == 22
    assert failure_lines(result)[-1].split() == ["22", "(other", "reasons)"]
    assert failure_lines(result)[0].split() == ["count", "status", "error_code", "request"]  # no error column
    assert failure_lines(collect_failures(Registry())) == []
