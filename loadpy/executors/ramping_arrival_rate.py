"""ramping-arrival-rate: the rate moves linearly between stage targets.

Arrival i (1-based, from the scenario start) fires when the area under the rate curve
reaches i (k6's closed form): in a ramp from r0 to r1 over D starting at T0 with `done`
arrivals before it, t_i = T0 + (r0·D − sqrt(D·(r0²·D + 2·(i−done)·(r1−r0)))) / (r0 − r1);
in a flat stage t_i = T0 + (i − done)/r. So a flat 10/s starts at 0.1 s, not at 0.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, ClassVar

from loadpy.base.durations import format_duration
from loadpy.base.stages import Stage, stages_to_list, validate_stages
from loadpy.executors.arrival_rate import ArrivalRateConfig, ArrivalRateRunner
from loadpy.executors.base import ExecutorRunner, Fields, Problem, RunEnv, or_default, to_ns
from loadpy.segments import SegmentArg, Stripe, as_stripe


@dataclass
class RampingArrivalRateConfig(ArrivalRateConfig):
    executor: ClassVar[str] = "ramping-arrival-rate"
    FIELDS: ClassVar[tuple[str, ...]] = ("startRate", "timeUnit", "stages", "preAllocatedVUs", "maxVUs")
    start_rate: int = 0
    stages: list[Stage] = field(default_factory=list)

    def _parse_params(self, f: Fields) -> None:
        self.start_rate = or_default(f.int("startRate"), 0)
        self.stages = f.stages()
        self._parse_vu_fields(f)

    def validate(self) -> list[Problem]:
        problems: list[Problem] = []
        if self.start_rate < 0:
            problems.append(("startRate", "the startRate value can't be negative"))
        if self.time_unit <= 0:
            problems.append(("timeUnit", "the timeUnit must be more than 0"))
        problems += [("stages", message) for message in validate_stages(self.stages)]
        return problems + self._vu_problems()

    def regular_duration(self) -> float:
        return sum(s.seconds for s in self.stages)

    def rate_at(self, spent: float) -> float:
        rate = float(self.start_rate)
        at = 0.0
        for stage in self.stages:
            if spent <= at + stage.seconds and stage.seconds > 0:
                rate += (stage.value - rate) * (spent - at) / stage.seconds
                break
            at += stage.seconds
            rate = float(stage.value)
        return rate / (self.time_unit or 1.0)

    def planned_arrivals(self) -> Fraction:
        unit = to_ns(self.time_unit) or 1
        arrivals, rate = Fraction(0), self.start_rate
        for stage in self.stages:  # linear between the stages' targets: a trapezoid each
            arrivals += Fraction(to_ns(stage.seconds) * (rate + stage.value), 2 * unit)
            rate = stage.value
        return arrivals

    def arrivals(self, stripe: Stripe) -> Iterator[tuple[int, float]]:
        unit = float(to_ns(self.time_unit))
        owned = stripe.owned()
        index = next(owned)  # global 0-based; the formula's i is index + 1
        rate_from = self.start_rate / unit  # arrivals per ns
        stage_start = 0
        done = end_count = 0.0
        for stage in self.stages:
            rate_to = stage.value / unit
            span = float(to_ns(stage.seconds))
            if rate_from != rate_to:
                end_count += span * ((rate_to - rate_from) / 2 + rate_from)
                while index + 1 <= end_count:
                    root = math.sqrt(
                        max(0.0, span * (rate_from * rate_from * span + 2 * (index + 1 - done) * (rate_to - rate_from)))
                    )
                    offset = (rate_from * span - root) / (rate_from - rate_to)
                    yield index, (stage_start + offset) / 1e9
                    index = next(owned)
            else:
                end_count += span * rate_to
                while index + 1 <= end_count:
                    yield index, (stage_start + (index + 1 - done) / rate_to) / 1e9
                    index = next(owned)
            done = end_count
            rate_from = rate_to
            stage_start += to_ns(stage.seconds)

    def describe(self, segment: SegmentArg = None) -> str:
        stripe = as_stripe(segment)
        arrival_stripe = self.arrival_stripe(stripe)
        top = max([self.start_rate, *(s.value for s in self.stages)])
        per_sec = Fraction(top) / Fraction(to_ns(self.time_unit), 10**9)
        scaled = 0.0 if arrival_stripe is None else float(arrival_stripe.scale_fraction(per_sec))
        return (
            f"Up to {scaled:.2f} iterations/s for {format_duration(self.regular_duration())} "
            f"over {len(self.stages)} stages{self.base_info(self.vus_range(stripe))}"
        )

    def params_dict(self) -> dict[str, Any]:
        return {
            "startRate": self.start_rate,
            "timeUnit": format_duration(self.time_unit),
            "stages": stages_to_list(self.stages),
            **self.vu_params(),
        }

    def new_runner(self, env: RunEnv) -> ExecutorRunner:
        return ArrivalRateRunner(self, env)
