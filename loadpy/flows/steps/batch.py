"""The `batch` step: requests sent in parallel (k6's http.batch), each with its own checks and captures."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from loadpy.flows.steps.base import Step
from loadpy.flows.steps.request import RequestSpec, request_spec
from loadpy.vu.state import VUState

if TYPE_CHECKING:
    from loadpy.flows.compiler import FlowCompiler, KeyPath


class BatchStep(Step):
    kind = "batch"

    def __init__(self, specs: list[RequestSpec]) -> None:
        self.specs = specs

    async def run(self, vu: VUState) -> None:
        prepared = [spec.build(vu) for spec in self.specs]
        responses = await vu.batch(prepared, [spec.record(vu) for spec in self.specs])
        for spec, resp in zip(self.specs, responses, strict=True):
            if spec.checks or spec.captures:
                spec.after(vu, resp)


def compile_batch(c: FlowCompiler, flow: str, raw: Mapping[str, Any], path: KeyPath) -> Step:
    c.allowed(raw, path, ("batch",), "a batch step")
    items = raw["batch"]
    if not isinstance(items, list) or not items:
        raise c.err((*path, "batch"), "batch must be a non-empty list of requests")
    specs = []
    for i, item in enumerate(items):
        ipath: KeyPath = (*path, "batch", i)
        if isinstance(item, str):
            item = {"url": item}
        elif isinstance(item, Mapping) and isinstance(item.get("request"), Mapping):
            extra = {k: item[k] for k in ("checks", "capture") if k in item}
            specs.append(request_spec(c, flow, {**item["request"], **extra}, (*ipath, "request"), ipath, tuple(extra)))
            continue
        if not isinstance(item, Mapping):
            raise c.err(ipath, "a batch item is a URL or a request mapping")
        specs.append(request_spec(c, flow, item, ipath))
    return BatchStep(specs)
