"""Whether a process that runs VUs counts its trend values with numpy: decided from the plan, before
the scenarios start.

Past its exact store a trend series folds every value into its histogram: ~290 ns a value with the
standard library, a few tens with numpy (loadpy.metrics.histogram), six varying timings per request.
numpy's import costs ~0.2 s of CPU and ~14 MB of RSS, so it pays from ~0.8 M folded values (~130k
requests) on; and it must happen before the scenarios start, never during the run: its C
initialisation holds the GIL in 5-11 ms stretches, which an arrival-rate schedule and the response
times measured meanwhile would show (benchmarks/README.md, "Round 8: the fold"). So only a run
planned long enough imports it: a scenario bounded by time alone planned for LONG_RUN_S or more, or
iteration-bounded scenarios planned to start MANY_ITERATIONS or more in this process. One-iteration
runs, smoke tests and sleeping-VU runs keep their start and memory.
"""

from __future__ import annotations

from collections.abc import Iterable

from loadpy.executors.base import ExecutorConfig
from loadpy.metrics.histogram import use_numpy
from loadpy.segments import Stripe

LONG_RUN_S = 5.0  # a closed loop saturating one core folds over a million values in 5 s
MANY_ITERATIONS = 200_000  # ~1.2 M folded values at six varying timings an iteration


def fold_pays_for_numpy(scenarios: Iterable[ExecutorConfig], stripe: Stripe) -> bool:
    """Whether this process's share of the plan folds enough trend values to repay numpy's import."""
    iterations = 0
    for config in scenarios:
        if not config.has_work(stripe):
            continue
        planned = config.planned_iterations(stripe)
        if planned is None:
            if config.regular_duration() >= LONG_RUN_S:
                return True
        else:
            iterations += planned
    return iterations >= MANY_ITERATIONS


def count_with_numpy_if_long(scenarios: Iterable[ExecutorConfig], stripe: Stripe) -> bool:
    """Import numpy for the fold when the plan repays it (call before the scenarios start); whether
    this process counts with numpy now (numpy missing: the standard library, as before)."""
    return fold_pays_for_numpy(scenarios, stripe) and use_numpy()
