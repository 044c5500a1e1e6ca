"""The tag-cardinality guard: past SERIES_WARNING_LIMIT time series, k6's warning, exactly once."""

from __future__ import annotations

import logging
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import loadpy.metrics.registry as registry_module
from loadpy.metrics import Registry
from loadpy.metrics.tags import tagset
from tests.integration.cli.helpers import subprocess_env, write_scenario
from tests.reliability.faulty_server import FaultyServer, faulty_server

WARNING = "unique time series, which is higher than the suggested limit of"


@pytest.fixture(scope="module")
def server() -> Iterator[FaultyServer]:
    with faulty_server() as srv:
        yield srv


def test_the_warning_comes_once_past_the_limit(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(registry_module, "SERIES_WARNING_LIMIT", 50)
    registry = Registry()
    metric = registry.metrics["http_req_duration"]
    with caplog.at_level(logging.WARNING, logger="loadpy.metrics"):
        for i in range(50):
            registry.sink(metric, tagset({"url": f"http://x/{i}"})).add(1.0)
        assert WARNING not in caplog.text
        for i in range(50, 500):
            registry.sink(metric, tagset({"url": f"http://x/{i}"})).add(1.0)
        registry.sink(metric, tagset({"url": "http://x/0"})).add(1.0)  # an existing series adds nothing
    warnings = [r for r in caplog.records if WARNING in r.getMessage()]
    assert len(warnings) == 1
    assert "51 unique time series" in warnings[0].getMessage()


def test_a_run_with_unnamed_dynamic_urls_warns_once(tmp_path: Path, server: FaultyServer) -> None:
    """The real CLI with the limit lowered to 100: 300 distinct URLs without a `name` tag."""
    server.reset()
    scenario = write_scenario(
        tmp_path,
        f"""
        options: {{iterations: 300, vus: 5}}
        flows:
          default:
            - request: {{url: "{server.base_url}/ok?id={{{{ iter }}}}-{{{{ vu }}}}"}}
        """,
    )
    driver = (
        "import sys; import loadpy.metrics.registry as r; r.SERIES_WARNING_LIMIT = 100; "
        "from loadpy.cli.main import main; sys.exit(main(sys.argv[1:]))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", driver, "run", "-q", "--address", "", str(scenario)],
        capture_output=True,
        text=True,
        timeout=60,
        env=subprocess_env(),
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stderr.count(WARNING) == 1
    assert server.count("/ok") == 300
