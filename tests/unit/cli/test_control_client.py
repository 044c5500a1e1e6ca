"""The YAML the client commands print, number by number as Go's yaml.v3 writes float64 values."""

from __future__ import annotations

import pytest

from loadpy.cli.control_client import go_float, metrics_yaml, status_yaml


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.0, "0"),
        (8.0, "8"),
        (1001.254949625, "1001.254949625"),
        (1001.0170989999999, "1001.0170989999999"),  # printed by `k6 stats`
        (0.8166058904040994, "0.8166058904040994"),
        (999999.0, "999999"),
        (1000000.0, "1e+06"),
        (1234567.5, "1.2345675e+06"),
        (0.0001, "0.0001"),
        (0.00001, "1e-05"),
        (-2.5, "-2.5"),
        (float("inf"), ".inf"),
        (float("nan"), ".nan"),
    ],
)
def test_go_float(value: float, text: str) -> None:
    assert go_float(value) == text


def test_status_yaml_is_k6s() -> None:
    attrs = {"status": 7, "paused": False, "vus": 1, "vus-max": 2, "stopped": False, "running": True}
    assert status_yaml(attrs | {"tainted": False}) == (
        'status: 7\npaused: "false"\nvus: "1"\nvus-max: "2"\nstopped: false\nrunning: true\ntainted: false\n'
    )


def test_metrics_yaml_is_k6s() -> None:
    trend = {
        "type": "metrics",
        "id": "iteration_duration",
        "attributes": {
            "type": "trend",
            "contains": "time",
            "tainted": None,
            "sample": {"p(95)": 1002.7680069999999, "avg": 1001.254949625, "p(90)": 1002.23642, "min": 1000.285612},
        },
    }
    counter = {
        "type": "metrics",
        "id": "data_sent",
        "attributes": {"type": "counter", "contains": "data", "tainted": None, "sample": {"rate": 0, "count": 0}},
    }
    # what `k6 stats` printed for these two metrics (sample keys sorted, counts as integers)
    assert metrics_yaml([trend, counter]) == (
        "- name: iteration_duration\n  type:\n    type: trend\n    valid: true\n  contains:\n    type: time\n"
        '    valid: true\n  tainted: ""\n  sample:\n    avg: 1001.254949625\n    min: 1000.285612\n'
        "    p(90): 1002.23642\n    p(95): 1002.7680069999999\n"
        "- name: data_sent\n  type:\n    type: counter\n    valid: true\n  contains:\n    type: data\n"
        '    valid: true\n  tainted: ""\n  sample:\n    count: 0\n    rate: 0\n'
    )
