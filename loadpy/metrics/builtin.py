"""k6's built-in metrics: names, types and contents (k6 metrics/builtin.go)."""

from __future__ import annotations

from loadpy.metrics.metric import Contains, MetricType

C, G, R, T = MetricType.COUNTER, MetricType.GAUGE, MetricType.RATE, MetricType.TREND
TIME, DATA, DEFAULT = Contains.TIME, Contains.DATA, Contains.DEFAULT

BUILTIN_METRICS: dict[str, tuple[MetricType, Contains]] = {
    "vus": (G, DEFAULT),
    "vus_max": (G, DEFAULT),
    "iterations": (C, DEFAULT),
    "iteration_duration": (T, TIME),
    "dropped_iterations": (C, DEFAULT),
    "data_sent": (C, DATA),
    "data_received": (C, DATA),
    "checks": (R, DEFAULT),
    "group_duration": (T, TIME),
    "http_reqs": (C, DEFAULT),
    "http_req_duration": (T, TIME),
    "http_req_blocked": (T, TIME),
    "http_req_connecting": (T, TIME),
    "http_req_tls_handshaking": (T, TIME),
    "http_req_sending": (T, TIME),
    "http_req_waiting": (T, TIME),
    "http_req_receiving": (T, TIME),
    "http_req_failed": (R, DEFAULT),
    "ws_sessions": (C, DEFAULT),
    "ws_connecting": (T, TIME),
    "ws_session_duration": (T, TIME),
    "ws_msgs_sent": (C, DEFAULT),
    "ws_msgs_received": (C, DEFAULT),
    "ws_ping": (T, TIME),
}

# The order k6 emits one HTTP request's samples in (and the order loadpy records them).
HTTP_METRICS: tuple[str, ...] = (
    "http_reqs",
    "http_req_duration",
    "http_req_blocked",
    "http_req_connecting",
    "http_req_tls_handshaking",
    "http_req_sending",
    "http_req_waiting",
    "http_req_receiving",
    "http_req_failed",
)
# The seven trends among them (recorded together through one RowBatch row).
HTTP_TRENDS: tuple[str, ...] = HTTP_METRICS[1:8]
