"""The sample run of /work/shared/k6-reference/samples (2 VUs x 3 iterations of scenario
`main`, groups api/api::nested, 4 checks, custom metrics, 7 thresholds) rebuilt in a Registry."""

from __future__ import annotations

from loadpy.metrics import Registry, tagset
from loadpy.metrics.thresholds import Thresholds

SAMPLES = "/work/shared/k6-reference/samples"
THRESHOLDS = {
    "http_req_duration": ["p(95)<500", "avg<400"],
    "http_req_duration{name:delayed}": ["max<1"],
    "http_req_failed": ["rate<0.5"],
    "checks": ["rate>0.9"],
    "my_counter": ["count==6"],
    "my_gauge": ["value>0"],
    "my_trend": [{"threshold": "p(99.9)<1000", "abortOnFail": False}],
}
HTTP_TIMINGS = (
    "http_req_blocked",
    "http_req_connecting",
    "http_req_tls_handshaking",
    "http_req_sending",
    "http_req_waiting",
    "http_req_receiving",
)


def sample_registry() -> tuple[Registry, Thresholds]:
    reg = Registry()
    for name, mtype, contains in [
        ("my_counter", "counter", "default"),
        ("my_gauge", "gauge", "default"),
        ("my_rate", "rate", "default"),
        ("my_trend", "trend", "default"),
        ("my_time_trend", "trend", "time"),
    ]:
        reg.define(name, mtype, contains)
    m = reg.metrics
    th = Thresholds.parse(THRESHOLDS, reg)
    api = reg.groups.root.group("api")
    nested = api.group("nested")
    assert nested.path == "::api::nested"

    def tags(**extra: str) -> tuple:
        return tagset({"scenario": "main", "sc": "main", **extra})

    base = "http://127.0.0.1:18080"
    for vu in (1, 2):
        for it in range(3):
            requests = [
                ("::api", f"{base}/json", "200", 0.9),
                ("::api::nested", "delayed", "200", 21.0),
                ("", f"{base}/status/404", "404", 0.5),
            ]
            for group, name, status, duration in requests:
                ok = status == "200"
                ht = tags(
                    group=group,
                    name=name,
                    url=name,
                    status=status,
                    method="GET",
                    proto="HTTP/1.1",
                    expected_response="true" if ok else "false",
                )
                reg.add(m["http_reqs"], ht, 1)
                reg.add(m["http_req_duration"], ht, duration)
                for timing in HTTP_TIMINGS:
                    reg.add(m[timing], ht, 0.0)
                reg.add(m["http_req_failed"], ht, not ok)
                if group == "::api::nested":
                    reg.add(m["group_duration"], tags(group="::api::nested"), 21.1)
            reg.add(m["group_duration"], tags(group="::api"), 22.5)
            for group, node, checks in [
                ("::api", api, [("status is 200", 1), ("has name", 1)]),
                ("", reg.groups.root, [("is 404", 1), ("is 200 (fails)", 0)]),
            ]:
                for check_name, ok in checks:
                    reg.add(m["checks"], tags(group=group, check=check_name), ok)
                    node.check(check_name).passes += ok
                    node.check(check_name).fails += 1 - ok
            top = tags(group="")
            reg.add(m["my_counter"], tags(group="", kind="a"), 1)
            reg.add(m["my_gauge"], top, vu * 10 + it)
            reg.add(m["my_rate"], top, it % 2 == 0)
            reg.add(m["my_trend"], top, it * 1.5)
            reg.add(m["my_time_trend"], top, 12.5)
            reg.add(m["iterations"], top, 1)
            reg.add(m["iteration_duration"], top, 523.5)
            reg.add(m["data_sent"], top, 235)
            reg.add(m["data_received"], top, 509)
    reg.add(m["my_gauge"], tags(group=""), 12)  # k6 reported the last ingested value, 12
    reg.add(m["vus"], (), 2)
    reg.add(m["vus_max"], (), 2)
    return reg, th
