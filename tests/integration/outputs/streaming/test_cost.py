"""What the streaming outputs cost: nothing when unused (their modules, protobuf and compression code
are not even imported), one list append per sample on the hot path when used."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from loadpy.demo import DemoServer
from loadpy.metrics.metric import Metric, MetricType
from loadpy.outputs.base import BufferedOutput
from loadpy.outputs.influxdb import InfluxDBOutput
from loadpy.outputs.opentelemetry import OpenTelemetryOutput
from loadpy.outputs.prometheus_rw import PrometheusRemoteWriteOutput
from loadpy.outputs.statsd import StatsdOutput
from loadpy.outputs.streaming import STREAMING_OUTPUT_TYPES
from tests.integration.cli.helpers import subprocess_env
from tests.integration.outputs.streaming.servers import SCENARIO_YAML

STREAMING_MODULES = {
    "loadpy.outputs.push",
    "loadpy.outputs.influxdb",
    "loadpy.outputs.prometheus_rw",
    "loadpy.outputs.statsd",
    "loadpy.outputs.opentelemetry",
    "loadpy.outputs.grpc_unary",
    "cramjam",
}

PROBE = """
import json, sys
from loadpy.cli.main import main
try:
    code = main(sys.argv[1:])
except SystemExit as exc:
    code = exc.code
print(json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


def loaded_modules(tmp: Path, base: str, *args: str) -> tuple[int, set[str]]:
    (tmp / "scenario.yaml").write_text(SCENARIO_YAML)
    cmd = [sys.executable, "-c", PROBE, "run", "-q", "--address", "", "-e", f"BASE={base}", *args, "scenario.yaml"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=90, env=subprocess_env(), cwd=tmp)
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    return report["code"], set(report["modules"])


def test_unused_outputs_are_not_even_imported(tmp_path: Path, demo_server: DemoServer) -> None:
    code, modules = loaded_modules(tmp_path, demo_server.base_url)
    assert code == 0
    assert not modules & STREAMING_MODULES, modules & STREAMING_MODULES


def test_one_output_imports_only_its_own_code(tmp_path: Path, demo_server: DemoServer) -> None:
    code, modules = loaded_modules(tmp_path, demo_server.base_url, "--out", "influxdb=http://127.0.0.1:1/db")
    assert code == 0
    assert "loadpy.outputs.influxdb" in modules
    assert not modules & {"loadpy.outputs.prometheus_rw", "loadpy.outputs.opentelemetry", "cramjam"}


@pytest.mark.parametrize("cls", [InfluxDBOutput, PrometheusRemoteWriteOutput, StatsdOutput, OpenTelemetryOutput])
def test_hot_path_is_the_buffered_list_append(cls: type[BufferedOutput]) -> None:
    assert cls.add is BufferedOutput.add
    out = cls(env={})
    out.add(Metric("http_reqs", MetricType.COUNTER), (("status", "200"),), 1.0, 0.0, None)
    assert len(out._pending) == 1  # appended, nothing formatted or sent yet


def test_every_k6_name_is_registered() -> None:
    assert set(STREAMING_OUTPUT_TYPES) == {
        "influxdb",
        "experimental-prometheus-rw",
        "statsd",
        "output-statsd",
        "experimental-opentelemetry",
        "opentelemetry",
    }
