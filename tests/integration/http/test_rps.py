"""`rps` with `--workers`: the worker processes are one instance between them, so they share its
request rate by segment (the conformance cases cover one instance and separate segmented instances)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.integration.cli.helpers import metric, run_loadpy, write_scenario
from tests.reliability.faulty_server import faulty_server


@pytest.mark.slow
def test_workers_share_one_instance_s_request_rate(tmp_path: Path) -> None:
    with faulty_server() as server:
        scenario = write_scenario(
            tmp_path,
            f"""
            options: {{rps: 10, vus: 4, duration: 2s}}
            flows:
              default:
                - request: {{url: "{server.base_url}/ok"}}
            """,
        )
        out = run_loadpy(tmp_path, scenario, "--workers", "2")
        assert out.code == 0, out.stderr
        assert out.export is not None
        # 10/s for 2 s (+ the first token of each worker's limiter); unlimited, it would be thousands
        assert 18 <= metric(out.export, "http_reqs", "count") <= 26
        assert 18 <= server.count("/ok") <= 26
