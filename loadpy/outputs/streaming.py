"""The outputs that push to a metrics server, by their k6 `--out` names.

Each module is imported only when its output is used, so an unused output costs nothing
(not even the import of its protobuf or compression code).
"""

from __future__ import annotations

import importlib

from loadpy.errors import ConfigError
from loadpy.outputs.base import Output

# --out name -> (module, class). statsd left k6 in v0.55 for the xk6-output-statsd extension, whose
# name is output-statsd; opentelemetry is the name k6 gives experimental-opentelemetry from v1.4.
_OUTPUTS: dict[str, tuple[str, str]] = {
    "influxdb": ("loadpy.outputs.influxdb", "InfluxDBOutput"),
    "experimental-prometheus-rw": ("loadpy.outputs.prometheus_rw", "PrometheusRemoteWriteOutput"),
    "statsd": ("loadpy.outputs.statsd", "StatsdOutput"),
    "output-statsd": ("loadpy.outputs.statsd", "StatsdOutput"),
    "experimental-opentelemetry": ("loadpy.outputs.opentelemetry", "OpenTelemetryOutput"),
    "opentelemetry": ("loadpy.outputs.opentelemetry", "OpenTelemetryOutput"),
}
STREAMING_OUTPUT_TYPES: tuple[str, ...] = tuple(_OUTPUTS)


def streaming_output(kind: str, target: str) -> Output:
    """The output `--out kind=target` names; its settings are read (and checked) here, nothing opens yet."""
    module, cls = _OUTPUTS[kind]
    try:
        output: Output = getattr(importlib.import_module(module), cls)(target)
    except ConfigError as exc:
        # k6's wording; k6 exits 255 for most of these, loadpy 104 like any other bad input
        exc.message = f"could not create the '{kind}' output: {exc.message}"
        raise
    return output
