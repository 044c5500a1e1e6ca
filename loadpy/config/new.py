"""Templates for `loadpy new --type T`: a ready scenario with the load shape and thresholds of each test type."""

from __future__ import annotations

from loadpy.errors import ConfigError, did_you_mean

_HEADER = """\
# A {kind} test{about}.
# Run it:  loadpy run <this-file>.yaml   (against the demo target: loadpy run --demo <this-file>.yaml)
# Point it elsewhere:  loadpy run -e BASE_URL=https://staging.example.com <this-file>.yaml
env:
  BASE_URL: http://127.0.0.1:8080

"""

_FLOWS = """
flows:
  default:
    - request: {method: GET, url: "${BASE_URL}/", name: home}
      checks:
        status is 200: status == 200
    - sleep: [0.5, 1.5]
"""

_SHAPES: dict[str, tuple[str, str]] = {
    "smoke": (
        ": a few VUs for a short time, to check that the script and the system work at all",
        """\
options:
  vus: 2
  duration: 30s
  thresholds:
    http_req_failed: ["rate<0.01"]
    http_req_duration: ["p(95)<500"]
    checks: ["rate>0.99"]
""",
    ),
    "load": (
        ": ramp up to the normal expected load, hold it, ramp down",
        """\
options:
  scenarios:
    average_load:
      executor: ramping-vus
      startVUs: 0
      stages:
        - {duration: 1m, target: 20}
        - {duration: 5m, target: 20}
        - {duration: 1m, target: 0}
      gracefulRampDown: 30s
  thresholds:
    http_req_failed: ["rate<0.01"]
    http_req_duration: ["p(95)<500", "p(99)<1000"]
    checks: ["rate>0.99"]
""",
    ),
    "stress": (
        ": well beyond the normal load, to see how the system degrades",
        """\
options:
  scenarios:
    stress:
      executor: ramping-vus
      startVUs: 0
      stages:
        - {duration: 2m, target: 50}
        - {duration: 5m, target: 50}
        - {duration: 2m, target: 100}
        - {duration: 5m, target: 100}
        - {duration: 2m, target: 0}
  thresholds:
    http_req_failed: ["rate<0.05"]
    http_req_duration: ["p(95)<2000"]
""",
    ),
    "spike": (
        ": a sudden jump to a very high load, then straight back down",
        """\
options:
  scenarios:
    spike:
      executor: ramping-arrival-rate
      startRate: 5
      timeUnit: 1s
      preAllocatedVUs: 50
      maxVUs: 500
      stages:
        - {duration: 30s, target: 5}
        - {duration: 10s, target: 500}
        - {duration: 1m, target: 500}
        - {duration: 10s, target: 5}
        - {duration: 30s, target: 5}
  thresholds:
    http_req_failed: ["rate<0.10"]
    http_req_duration: ["p(95)<3000"]
""",
    ),
    "soak": (
        ": the normal load held for a long time, to find leaks and slow degradation",
        """\
options:
  scenarios:
    soak:
      executor: constant-arrival-rate
      rate: 20
      timeUnit: 1s
      duration: 2h
      preAllocatedVUs: 20
      maxVUs: 100
  thresholds:
    http_req_failed: ["rate<0.01"]
    http_req_duration: ["p(95)<500", "p(99)<1000"]
    dropped_iterations: ["count<100"]
""",
    ),
    "breakpoint": (
        ": an ever-growing arrival rate, stopped as soon as the system breaks",
        """\
options:
  scenarios:
    breakpoint:
      executor: ramping-arrival-rate
      startRate: 0
      timeUnit: 1s
      preAllocatedVUs: 20
      maxVUs: 1000
      stages:
        - {duration: 10m, target: 1000}
  thresholds:
    http_req_failed:
      - {threshold: "rate<0.05", abortOnFail: true, delayAbortEval: 10s}
    http_req_duration:
      - {threshold: "p(95)<2000", abortOnFail: true, delayAbortEval: 10s}
""",
    ),
}

KINDS = tuple(_SHAPES)


def render_template(kind: str) -> str:
    """The YAML scenario for one test type (smoke, load, stress, spike, soak, breakpoint)."""
    if kind not in _SHAPES:
        raise ConfigError(
            f"unknown test type {kind!r}: expected one of {', '.join(KINDS)}",
            key="--type",
            hint=did_you_mean(kind, KINDS),
        )
    about, options = _SHAPES[kind]
    return _HEADER.format(kind=kind, about=about) + options + _FLOWS
