"""Shared helpers for the reliability suite: read `--out json`/`--out csv` files strictly, run k6."""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import textwrap
from pathlib import Path
from typing import Any

Tags = tuple[str | None, str | None, str | None]  # (status, error_code, error)


def json_points(path: Path) -> list[dict[str, Any]]:
    """Every line of a `--out json` file must parse and the file must end with a newline."""
    text = path.read_text(encoding="utf-8")
    assert text.endswith("\n"), f"truncated last line in {path}: {text[-80:]!r}"
    return [json.loads(line) for line in text.splitlines()]


def request_tags(points: list[dict[str, Any]]) -> list[Tags]:
    """(status, error_code, error) of every http_reqs sample, in file order."""
    out: list[Tags] = []
    for p in points:
        if p.get("type") == "Point" and p.get("metric") == "http_reqs":
            tags = p["data"]["tags"]
            out.append((tags.get("status"), tags.get("error_code"), tags.get("error")))
    return out


def csv_rows(path: Path) -> list[dict[str, str]]:
    """Every row of a `--out csv` file has the header's width and the file ends with a newline."""
    text = path.read_text(encoding="utf-8")
    assert text.endswith("\n"), f"truncated last line in {path}: {text[-80:]!r}"
    rows = list(csv.reader(text.splitlines()))
    header, body = rows[0], rows[1:]
    assert header[:3] == ["metric_name", "timestamp", "metric_value"], header
    for row in body:
        assert len(row) == len(header), row
        float(row[2])
    return [dict(zip(header, row, strict=True)) for row in body]


def k6_available() -> bool:
    return shutil.which("k6") is not None


def run_k6(tmp_path: Path, script: str, timeout: float = 60) -> tuple[int, list[dict[str, Any]]]:
    """Run the real k6 on a JS script with `--out json`; (exit code, points)."""
    js = tmp_path / "script.js"
    js.write_text(textwrap.dedent(script).lstrip(), encoding="utf-8")
    out = tmp_path / "k6.json"
    proc = subprocess.run(
        ["k6", "run", "-q", "--address", "", "--out", f"json={out}", str(js)],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "K6_NO_USAGE_REPORT": "true"},
        cwd=tmp_path,
    )
    return proc.returncode, json_points(out)
