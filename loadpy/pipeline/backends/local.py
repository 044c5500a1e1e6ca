"""The `local` backend: every VU in this process, run by loadpy.engine.scheduler.Engine."""

from __future__ import annotations

from loadpy.pipeline.backends import RunBackend
from loadpy.pipeline.plan import TestPlan


def local_backend(plan: TestPlan) -> RunBackend:
    """The Engine for the whole plan (its segment, when --execution-segment asks for one)."""
    from loadpy.engine.scheduler import Engine
    from loadpy.metrics.tags import tagset

    opts = plan.options
    thresholds = plan.thresholds
    return Engine(
        scenarios=opts.scenarios,
        runtime=plan.runtime,
        registry=plan.registry,
        run_tags=tagset(opts.tags or {}),
        segment=opts.execution_segment,
        segment_sequence=opts.execution_segment_sequence,
        setup_timeout=opts.setup_timeout,
        teardown_timeout=opts.teardown_timeout,
        no_setup=opts.no_setup,
        no_teardown=opts.no_teardown,
        threshold_tick=(lambda elapsed: thresholds.evaluate(elapsed, final=False)) if thresholds else None,
        threshold_failures=thresholds.failed_metric_names if thresholds else None,
        scenario_tag="scenario" in opts.system_tags,
        paused=bool(opts.paused),
        control_address=opts.address or None,
    )
