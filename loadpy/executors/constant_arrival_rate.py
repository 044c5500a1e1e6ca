"""constant-arrival-rate: `rate` iterations per `timeUnit`, due at i·timeUnit/rate from 0.

The tick at exactly t = duration fires too (k6's timer normally wins that race), so
10/s for 2s starts 21 iterations.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, ClassVar

from loadpy.base.durations import format_duration
from loadpy.executors.arrival_rate import ArrivalRateConfig, ArrivalRateRunner
from loadpy.executors.base import MIN_DURATION, ExecutorRunner, Fields, Problem, RunEnv, to_ns, too_short
from loadpy.segments import SegmentArg, Stripe, as_stripe


@dataclass
class ConstantArrivalRateConfig(ArrivalRateConfig):
    executor: ClassVar[str] = "constant-arrival-rate"
    FIELDS: ClassVar[tuple[str, ...]] = ("rate", "timeUnit", "duration", "preAllocatedVUs", "maxVUs")
    rate: int | None = None
    duration: float | None = None

    def _parse_params(self, f: Fields) -> None:
        self.rate = f.int("rate")
        self.duration = f.duration("duration")
        self._parse_vu_fields(f)

    def validate(self) -> list[Problem]:
        problems: list[Problem] = []
        if self.rate is None:
            problems.append(("rate", "the iteration rate isn't specified"))
        elif self.rate <= 0:
            problems.append(("rate", "the iteration rate must be more than 0"))
        if self.time_unit <= 0:
            problems.append(("timeUnit", "the timeUnit must be more than 0"))
        if self.duration is None:
            problems.append(("duration", "the duration is unspecified"))
        elif self.duration < MIN_DURATION:
            problems.append(("duration", too_short("duration", self.duration)))
        return problems + self._vu_problems()

    def regular_duration(self) -> float:
        return self.duration or 0.0

    def rate_at(self, spent: float) -> float:
        return (self.rate or 0) / (self.time_unit or 1.0)

    def total_ticks(self) -> int:
        """Global arrivals: every i with i·timeUnit/rate ≤ duration (exact integer-ns arithmetic)."""
        return to_ns(self.regular_duration()) * (self.rate or 0) // to_ns(self.time_unit) + 1

    def planned_arrivals(self) -> Fraction:
        return Fraction(self.total_ticks())

    def arrivals(self, stripe: Stripe) -> Iterator[tuple[int, float]]:
        period = Fraction(to_ns(self.time_unit), self.rate or 1)  # ns, exact
        num, den = period.numerator, period.denominator
        for index in stripe.owned(self.total_ticks()):
            # float(index * period) without a Fraction per arrival: int / int rounds the exact quotient once
            yield index, index * num / den / 1e9

    def describe(self, segment: SegmentArg = None) -> str:
        stripe = as_stripe(segment)
        arrival_stripe = self.arrival_stripe(stripe)
        per_sec = Fraction(self.rate or 0) / Fraction(to_ns(self.time_unit), 10**9)
        scaled = 0.0 if arrival_stripe is None else float(arrival_stripe.scale_fraction(per_sec))
        return (
            f"{scaled:.2f} iterations/s for {format_duration(self.regular_duration())}"
            f"{self.base_info(self.vus_range(stripe))}"
        )

    def params_dict(self) -> dict[str, Any]:
        return {
            "rate": self.rate,
            "timeUnit": format_duration(self.time_unit),
            "duration": format_duration(self.regular_duration()),
            **self.vu_params(),
        }

    def new_runner(self, env: RunEnv) -> ExecutorRunner:
        return ArrivalRateRunner(self, env)
