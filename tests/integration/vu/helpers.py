"""Build a FlowRuntime from YAML text and drive its VUs directly (no engine)."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

from loadpy.config.loader import parse_document
from loadpy.config.options import Options
from loadpy.engine.interfaces import ScenarioContext
from loadpy.metrics.registry import Registry
from loadpy.metrics.tags import TagSet
from loadpy.vu.flow_runtime import FlowRuntime


def build(
    tmp_path: Path, text: str, env: dict[str, str] | None = None, options: Options | None = None
) -> tuple[FlowRuntime, Registry]:
    path = tmp_path / "scenario.yaml"
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    doc = parse_document(path.read_text(), str(path))
    registry = Registry()
    runtime = FlowRuntime.from_document(doc, options or Options(), registry, {**doc.env_defaults, **(env or {})})
    return runtime, registry


def scenario(name: str = "default", exec_name: str = "default", tags: TagSet | None = None) -> ScenarioContext:
    return ScenarioContext(
        name=name,
        executor="per-vu-iterations",
        exec_name=exec_name,
        tags=(("scenario", name),) if tags is None else tags,
    )


async def run_vus(runtime: FlowRuntime, vus: int, iterations: int, ctx: ScenarioContext | None = None) -> None:
    """`vus` VUs each run `iterations` iterations (sequentially per VU, VUs one after another)."""
    ctx = ctx or scenario()
    users = [runtime.new_vu(i, i) for i in range(1, vus + 1)]
    n = 0
    try:
        for vu in users:
            for _ in range(iterations):
                await vu.run_iteration(ctx, n)
                n += 1
    finally:
        for vu in users:
            await vu.close()


def series(registry: Registry, metric: str) -> dict[TagSet, Any]:
    return dict(registry.series(registry.metrics[metric]))
