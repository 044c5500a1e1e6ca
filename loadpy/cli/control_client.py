"""`loadpy status|pause|resume|scale|stats [-a ADDR]`: k6's REST API client commands.

They talk to a running `loadpy run` or `k6 run` and print what k6 prints: the status and the metrics as
YAML (yaml.v3 of k6's v1.Status / []v1.Metric: null.Bool and null.Int as quoted strings, floats as Go's
%g, map keys sorted). An API or connection error is one k6 log line (`level=error msg="Pause error: …"`)
and exit 255, as k6 exits -1.
"""

from __future__ import annotations

import http.client
import json
import logging
import math
import re
import sys
from decimal import Decimal
from typing import Any

from loadpy.errors import ExitCode

log = logging.getLogger("loadpy")

STATUS_PATH = "/v1/status"
METRICS_PATH = "/v1/metrics"


class ApiCallError(Exception):
    """The call failed; str() is the line k6 logs."""


def go_float(value: float) -> str:
    """strconv.FormatFloat(value, 'g', -1, 64) as yaml.v3 writes it (.inf/.nan spelled YAML's way)."""
    if math.isnan(value):
        return ".nan"
    if math.isinf(value):
        return ".inf" if value > 0 else "-.inf"
    if value == 0:
        return "-0" if math.copysign(1.0, value) < 0 else "0"
    sign, digit_tuple, exponent = Decimal(repr(value)).as_tuple()
    digits = "".join(map(str, digit_tuple)).rstrip("0") or "0"
    point = len(digit_tuple) + int(exponent)  # digits before the decimal point
    prefix = "-" if sign else ""
    exp = point - 1
    if exp < -4 or exp >= 6:  # shortest %g switches to %e from 1e+06 up and below 1e-04
        mantissa = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        return f"{prefix}{mantissa}e{'-' if exp < 0 else '+'}{abs(exp):02d}"
    if point <= 0:
        return f"{prefix}0.{'0' * -point}{digits}"
    if point >= len(digits):
        return prefix + digits + "0" * (point - len(digits))
    return f"{prefix}{digits[:point]}.{digits[point:]}"


def _natural(key: str) -> list[Any]:
    """yaml.v3's key order: digit runs compare as numbers ("p(95)" before "p(100)")."""
    return [(0, int(part), "") if part.isdigit() else (1, 0, part) for part in re.findall(r"\d+|\D+", key)]


def _null_text(value: Any) -> str:
    """null.Bool / null.Int marshalled as text: "" when null, else the value; yaml quotes it."""
    if value is None:
        return '""'
    return f'"{str(value).lower() if isinstance(value, bool) else value}"'


def status_yaml(attrs: dict[str, Any]) -> str:
    """k6's yamlPrint(v1.Status)."""
    return (
        f"status: {int(attrs.get('status') or 0)}\n"
        f"paused: {_null_text(attrs.get('paused'))}\n"
        f"vus: {_null_text(attrs.get('vus'))}\n"
        f"vus-max: {_null_text(attrs.get('vus-max'))}\n"
        f"stopped: {str(bool(attrs.get('stopped'))).lower()}\n"
        f"running: {str(bool(attrs.get('running'))).lower()}\n"
        f"tainted: {str(bool(attrs.get('tainted'))).lower()}\n"
    )


def _typed(name: str, value: Any) -> list[str]:
    """A k6 enum field (MetricType, ValueType) with its `valid` flag."""
    return [f"  {name}:", f"    type: {value}", f"    valid: {'true' if value else 'false'}"]


def metrics_yaml(resources: list[dict[str, Any]]) -> str:
    """k6's yamlPrint([]v1.Metric)."""
    if not resources:
        return "[]\n"
    lines: list[str] = []
    for resource in resources:
        attrs = resource.get("attributes") or {}
        lines.append(f"- name: {resource.get('id', '')}")
        lines += _typed("type", attrs.get("type", ""))
        lines += _typed("contains", attrs.get("contains", ""))
        lines.append(f"  tainted: {_null_text(attrs.get('tainted'))}")
        sample = attrs.get("sample") or {}
        if not sample:
            lines.append("  sample: {}")
            continue
        lines.append("  sample:")
        lines += [f"    {key}: {go_float(float(sample[key]))}" for key in sorted(sample, key=_natural)]
    return "\n".join(lines) + "\n"


def call(address: str, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    """One API call; the decoded JSON, or ApiCallError with k6's words."""
    host, _, port = address.rpartition(":")
    url = f"http://{address}{path}"
    verb = method.capitalize()
    if not port.isdigit() or int(port) > 65535:
        raise ApiCallError(f'{verb} "{url}": dial tcp: address {port}: invalid port')
    conn = http.client.HTTPConnection(host.strip("[]") or "127.0.0.1", int(port), timeout=60)
    payload = None if body is None else json.dumps(body).encode()
    try:
        headers = {"Content-Type": "application/json"} if payload is not None else {}
        conn.request(method, path, body=payload, headers=headers)
        response = conn.getresponse()
        data = response.read()
    except ConnectionRefusedError:
        raise ApiCallError(f'{verb} "{url}": dial tcp {address}: connect: connection refused') from None
    except OSError as exc:
        raise ApiCallError(f'{verb} "{url}": {(exc.strerror or str(exc)).lower()}') from None
    finally:
        conn.close()
    try:
        doc = json.loads(data)
    except ValueError:
        raise ApiCallError(f"unexpected answer from {url}: HTTP {response.status}") from None
    if response.status >= 400:
        errors = doc.get("errors") if isinstance(doc, dict) else None
        if not errors:
            raise ApiCallError(f"unexpected answer from {url}: HTTP {response.status}")
        raise ApiCallError(f"{errors[0].get('title', '')}: {errors[0].get('detail', '')}")
    return doc


def _patch(address: str, attributes: dict[str, Any]) -> str:
    """PATCH the status with k6's full envelope (what `k6 pause|resume|scale` send)."""
    attrs = {"status": 0, "paused": None, "vus": None, "vus-max": None, "stopped": False, "running": False}
    attrs |= {"tainted": False, **attributes}
    doc = call(address, "PATCH", STATUS_PATH, {"data": {"type": "status", "id": "default", "attributes": attrs}})
    return status_yaml(doc["data"]["attributes"])


def run_command(command: str, address: str, vus: int | None = None, max_vus: int | None = None) -> int:
    """One client command; prints its YAML and returns the exit code."""
    try:
        if command == "status":
            out = status_yaml(call(address, "GET", STATUS_PATH)["data"]["attributes"])
        elif command in ("pause", "resume"):
            out = _patch(address, {"paused": command == "pause"})
        elif command == "scale":
            out = _patch(address, {"vus": vus, "vus-max": max_vus})
        else:
            out = metrics_yaml(call(address, "GET", METRICS_PATH)["data"])
    except ApiCallError as exc:
        log.error("%s", exc)
        return int(ExitCode.GENERIC)
    sys.stdout.write(out)
    sys.stdout.flush()
    return 0
