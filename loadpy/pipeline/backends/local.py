"""The `local` backend: every VU in this process, run by loadpy.engine.scheduler.Engine."""

from __future__ import annotations

from loadpy.pipeline.backends import RunBackend
from loadpy.pipeline.plan import TestPlan


def local_backend(plan: TestPlan) -> RunBackend:
    """The Engine for the whole plan (its segment, when --execution-segment asks for one)."""
    from loadpy.engine.scheduler import Engine

    opts = plan.options
    return Engine(
        scenarios=opts.scenarios,
        segment=opts.execution_segment,
        segment_sequence=opts.execution_segment_sequence,
        scenario_tag="scenario" in opts.system_tags,
        **plan.lifecycle_options(),
    )
